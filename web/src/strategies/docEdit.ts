// Editing a strategy document in place: the builder changes one value at a path and leaves
// every other key where it was, so a document opened and saved unchanged is byte-identical.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = (string | number)[];

/** ["entry_rules", "conditions", 1, "op"] → "entry_rules.conditions[1].op" (the server's form). */
export function pathText(path: Path): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

export function getAt(doc: Json, path: Path): Json | undefined {
  let node: Json | undefined = doc;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, Json>)[part];
  }
  return node;
}

/** A copy of `doc` with `value` at `path` (undefined removes an object key); keys keep their order. */
export function setAt(doc: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value as Json;
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(doc)) {
    const copy = [...doc];
    copy[head as number] = setAt(doc[head as number] as Json, rest, value);
    return copy;
  }
  const obj = (doc ?? {}) as Record<string, Json>;
  if (rest.length === 0 && value === undefined) {
    const { [head as string]: _gone, ...kept } = obj;
    return kept;
  }
  const copy: Record<string, Json> = {};
  let placed = false;
  for (const [k, v] of Object.entries(obj)) {
    if (k === head) {
      copy[k] = setAt(v, rest, value);
      placed = true;
    } else copy[k] = v;
  }
  if (!placed) copy[head as string] = setAt(null, rest, value);
  return copy;
}

/** Removes item `index` of the list at `path`. */
export function removeAt(doc: Json, path: Path, index: number): Json {
  const list = getAt(doc, path);
  if (!Array.isArray(list)) return doc;
  return setAt(doc, path, list.filter((_, i) => i !== index));
}

/** Appends `item` to the list at `path`. */
export function appendAt(doc: Json, path: Path, item: Json): Json {
  const list = getAt(doc, path);
  return setAt(doc, path, [...(Array.isArray(list) ? list : []), item]);
}

/** Whether an error at `errorPath` belongs to the node at `nodePath`: the node itself or one
 * of its own scalar fields (not a deeper node, which highlights itself). */
export function ownsError(nodePath: string, errorPath: string | null | undefined): boolean {
  if (!errorPath) return false;
  if (errorPath === nodePath) return true;
  const prefix = nodePath ? `${nodePath}.` : "";
  if (!errorPath.startsWith(prefix)) return false;
  return !/[.[]/.test(errorPath.slice(prefix.length));
}

/** The body a save sends: the document exactly as it stands (no reformatting, no defaults). */
export function serialize(doc: Json): string {
  return JSON.stringify(doc);
}

export const newCompare = (): Json => ({
  type: "compare",
  left: { type: "indicator", name: "rsi14", lag: 0 },
  op: ">",
  right: { type: "literal", value: 50 },
});

export const newCross = (): Json => ({
  type: "crosses_above",
  left: { type: "indicator", name: "sma20", lag: 0 },
  right: { type: "indicator", name: "sma50", lag: 0 },
});

/** A fresh operand of a kind (the builder's "kind" select). */
export function newOperand(kind: string): Json {
  switch (kind) {
    case "indicator": return { type: "indicator", name: "close", lag: 0 };
    case "literal": return { type: "literal", value: 0 };
    case "position": return { type: "position", field: "unrealized_pct" };
    case "random": return { type: "random" };
    default: return { type: kind, left: { type: "indicator", name: "close", lag: 0 }, right: { type: "literal", value: 1 } };
  }
}

/** A condition of another kind keeping what it can (an and↔or keeps its list; not wraps). */
export function changeConditionKind(node: Json, kind: string): Json {
  const n = (node ?? {}) as Record<string, Json>;
  const t = n.type as string;
  if ((kind === "and" || kind === "or") && (t === "and" || t === "or")) return { ...n, type: kind };
  if (kind === "and" || kind === "or") return { type: kind, conditions: [node] };
  if (kind === "not") return { type: "not", condition: node };
  if ((kind === "crosses_above" || kind === "crosses_below") && (t === "compare" || t?.startsWith("crosses")))
    return { type: kind, left: n.left as Json, right: n.right as Json };
  if (kind === "compare" && t?.startsWith("crosses")) return { type: "compare", left: n.left as Json, op: ">", right: n.right as Json };
  return kind === "compare" ? newCompare() : { ...(newCross() as Record<string, Json>), type: kind };
}
