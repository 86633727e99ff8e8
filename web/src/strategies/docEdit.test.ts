import { describe, expect, it } from "vitest";
import { appendAt, changeConditionKind, getAt, type Json, ownsError, pathText, removeAt, serialize, setAt } from "./docEdit";
import schema from "./fixtures/schema.json";
import templateFile from "./fixtures/templates.json";
import { SchemaChecker } from "./schemaCheck";

const templates = templateFile as unknown as (Json & { name: string; base_model: string })[];
const checker = new SchemaChecker(schema as Record<string, unknown>);

describe.each(templates.map((t) => [t.name, t] as const))("%s", (_name, template) => {
  it("opened and saved unchanged is byte-identical", () => {
    const original = serialize(template);
    // what the editor does: parse the stored text, hold it, write it back
    const opened = JSON.parse(original) as Json;
    expect(serialize(opened)).toBe(original);
    // and a value set back to itself through the builder changes nothing either
    const path = ["entry_rules", "type"];
    expect(serialize(setAt(opened, path, getAt(opened, path) as Json))).toBe(original);
  });

  it("passes the schema check", () => expect(checker.check(template)).toEqual([]));
});

describe("editing at a path", () => {
  const v1 = templates.find((t) => t.base_model === "v1_momentum") as Json;

  it("changes one value and keeps key order", () => {
    const path = ["entry_rules", "conditions", 1, "right", "value"];
    const edited = setAt(v1, path, 65);
    expect(getAt(edited, path)).toBe(65);
    expect(getAt(v1, path)).toBe(70); // the original is untouched
    expect(serialize(edited)).toBe(serialize(v1).replace('"value":70}}]},"exit_rules"', '"value":65}}]},"exit_rules"'));
    expect(Object.keys(edited as object)).toEqual(Object.keys(v1 as object));
  });

  it("appends and removes list items, changes a condition's kind", () => {
    const more = appendAt(v1, ["exit_rules"], { name: "x" });
    expect((getAt(more, ["exit_rules"]) as Json[]).length).toBe(3);
    expect((getAt(removeAt(more, ["exit_rules"], 0), ["exit_rules", 0, "name"]))).toBe("sma20_cross");
    const or = changeConditionKind(getAt(v1, ["entry_rules"]) as Json, "or") as Record<string, Json>;
    expect(or.type).toBe("or");
    expect((or.conditions as Json[]).length).toBe(2);
  });

  it("names paths as the server does and knows which node owns an error", () => {
    expect(pathText(["entry_rules", "conditions", 1, "op"])).toBe("entry_rules.conditions[1].op");
    expect(ownsError("entry_rules.conditions[1]", "entry_rules.conditions[1].op")).toBe(true);
    expect(ownsError("entry_rules.conditions[1]", "entry_rules.conditions[1].right.value")).toBe(false);
    expect(ownsError("entry_rules.conditions[1].right", "entry_rules.conditions[1].right.value")).toBe(true);
    expect(ownsError("entry_rules", "entry_rules.conditions[1].op")).toBe(false);
  });
});

describe("schema check", () => {
  const v4 = templates.find((t) => t.base_model === "v4_trend_rider") as Json;

  it("names the path of a bad operator, a bad type tag, a missing field and a bound", () => {
    let doc = setAt(v4, ["entry_rules", "conditions", 2, "op"], "≈");
    doc = setAt(doc, ["exit_rules", 0, "condition", "right", "type"], "pow");
    doc = setAt(doc, ["entry_rules", "conditions", 1, "left", "name"], undefined);
    doc = setAt(doc, ["config", "min_hold"], -1);
    const paths = checker.check(doc).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([
      "entry_rules.conditions[2].op",
      "exit_rules[0].condition.right.type",
      "entry_rules.conditions[1].left.name",
      "config.min_hold",
    ]));
    expect(paths).toHaveLength(4);
  });

  it("refuses unknown fields and an empty and", () => {
    const doc = setAt(setAt(v4, ["entry_rules", "conditions"], []), ["config", "colour"], "blue");
    expect(checker.check(doc)).toEqual([
      { path: "entry_rules.conditions", message: "add at least one", least: 1 },
      { path: "config.colour", message: "is not a field here" },
    ]);
  });

  it("accepts presets and refuses an unknown one", () => {
    const doc = setAt(v4, ["conviction_scoring"], ["momentum", "nonsense"]);
    expect(checker.check(doc).map((i) => i.path)).toEqual(["conviction_scoring[1]"]);
  });
});
