// Checks a strategy document against the JSON Schema of GET /api/strategies/schema as the user
// types, for the keywords that schema uses. The server still judges on save (its 422 names
// the same paths: `entry_rules.conditions[1].right.value`); this only answers sooner.

type Schema = Record<string, unknown>;

export interface SchemaIssue {
  path: string;
  message: string;
  /** A list needing this many items (said as what to add: `problemWords`). */
  least?: number;
}

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "integer": return typeof value === "number" && Number.isInteger(value);
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "object": return typeOf(value) === "object";
    default: return typeOf(value) === type;
  }
}

const WORDS: Record<string, string> = { string: "text", number: "a number", integer: "a whole number", boolean: "true or false", object: "an object", array: "a list", null: "empty" };

export class SchemaChecker {
  private readonly defs: Record<string, Schema>;

  constructor(private readonly root: Schema) {
    this.defs = (root.$defs as Record<string, Schema>) ?? {};
  }

  /** Every problem of `doc`, each at the JSON path the server would name. */
  check(doc: unknown): SchemaIssue[] {
    const out: SchemaIssue[] = [];
    this.visit(this.root, doc, "", out);
    return out;
  }

  private resolve(schema: Schema): Schema {
    const ref = schema.$ref;
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) return this.defs[ref.slice(8)] ?? {};
    return schema;
  }

  private visit(raw: Schema, value: unknown, path: string, out: SchemaIssue[]): void {
    const schema = this.resolve(raw);
    if (schema.oneOf || schema.anyOf) {
      this.union(schema, value, path, out);
      return;
    }
    if ("const" in schema && value !== schema.const) {
      out.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
      return;
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
      out.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
      return;
    }
    const type = schema.type as string | undefined;
    if (type && !hasType(value, type)) {
      out.push({ path, message: `must be ${WORDS[type] ?? type}` });
      return;
    }
    if (typeof value === "number") this.bounds(schema, value, path, out);
    if (typeof value === "string") {
      if (typeof schema.minLength === "number" && value.length < schema.minLength)
        out.push({ path, message: schema.minLength === 1 ? "must not be empty" : `needs at least ${schema.minLength} characters` });
      if (typeof schema.maxLength === "number" && value.length > schema.maxLength) out.push({ path, message: `at most ${schema.maxLength} characters` });
      if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value))
        out.push({ path, message: "letters, digits, _ and - only" });
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === "number" && value.length < schema.minItems) out.push({ path, message: `add at least ${schema.minItems === 1 ? "one" : schema.minItems}`, least: schema.minItems });
      if (typeof schema.maxItems === "number" && value.length > schema.maxItems) out.push({ path, message: `at most ${schema.maxItems} items` });
      if (schema.items) value.forEach((item, i) => this.visit(schema.items as Schema, item, join(path, i), out));
    }
    if (typeOf(value) === "object" && (schema.properties || schema.additionalProperties === false)) {
      const obj = value as Record<string, unknown>;
      const props = (schema.properties as Record<string, Schema>) ?? {};
      for (const key of (schema.required as string[]) ?? []) if (!(key in obj)) out.push({ path: join(path, key), message: "is required" });
      for (const [key, v] of Object.entries(obj)) {
        const prop = props[key];
        if (prop) this.visit(prop, v, join(path, key), out);
        else if (schema.additionalProperties === false) out.push({ path: join(path, key), message: "is not a field here" });
      }
    }
  }

  private bounds(schema: Schema, value: number, path: string, out: SchemaIssue[]): void {
    if (typeof schema.minimum === "number" && value < schema.minimum) out.push({ path, message: `must be at least ${schema.minimum}` });
    if (typeof schema.maximum === "number" && value > schema.maximum) out.push({ path, message: `must be at most ${schema.maximum}` });
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) out.push({ path, message: `must be more than ${schema.exclusiveMinimum}` });
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) out.push({ path, message: `must be less than ${schema.exclusiveMaximum}` });
  }

  private union(schema: Schema, value: unknown, path: string, out: SchemaIssue[]): void {
    const options = ((schema.oneOf ?? schema.anyOf) as Schema[]) ?? [];
    const disc = schema.discriminator as { propertyName: string; mapping: Record<string, string> } | undefined;
    if (disc && typeOf(value) === "object") {
      const tag = (value as Record<string, unknown>)[disc.propertyName];
      const ref = typeof tag === "string" ? disc.mapping[tag] : undefined;
      if (!ref) {
        out.push({ path: join(path, disc.propertyName), message: `must be one of ${Object.keys(disc.mapping).join(", ")}` });
        return;
      }
      this.visit({ $ref: ref }, value, path, out);
      return;
    }
    // no discriminator (or not an object): the first option it fits; else the nearest one's issues
    let nearest: SchemaIssue[] | null = null;
    for (const option of options) {
      const issues: SchemaIssue[] = [];
      this.visit(option, value, path, issues);
      if (issues.length === 0) return;
      const resolved = this.resolve(option);
      const sameType = !resolved.type || hasType(value, resolved.type as string) || (resolved.oneOf ?? resolved.anyOf);
      if (sameType && (nearest === null || issues.length < nearest.length)) nearest = issues;
    }
    out.push(...(nearest ?? [{ path, message: "is not a form this place accepts" }]));
  }
}
