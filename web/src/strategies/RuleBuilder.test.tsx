import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Json, serialize, setAt } from "./docEdit";
import schemaFile from "./fixtures/schema.json";
import templateFile from "./fixtures/templates.json";
import { RuleBuilder } from "./RuleBuilder";
import { SchemaChecker } from "./schemaCheck";

const templates = templateFile as unknown as (Json & { name: string; base_model: string })[];
const schema = schemaFile as unknown as Record<string, unknown>;
const labels = schema["x-category-labels"] as Record<string, string[]>;
const presets = Object.keys(schema["x-scorer-presets"] as object);

afterEach(cleanup);

function open(doc: Json, onChange = vi.fn()) {
  const issues = new SchemaChecker(schema).check(doc);
  render(
    <MantineProvider>
      <RuleBuilder doc={doc} onChange={onChange} issues={issues} serverIssue={null} readOnly={false}
        labels={labels} presets={presets} indicators={["close", "sma20"]} />
    </MantineProvider>,
  );
  return onChange;
}

describe.each(templates.map((t) => [t.name, t] as const))("%s in the builder", (_name, template) => {
  it("opens without a change, so saving it unchanged sends byte-identical JSON", () => {
    const stored = serialize(template);
    const held = JSON.parse(stored) as Json; // what the editor holds after GET
    const onChange = open(held);
    expect(onChange).not.toHaveBeenCalled();
    expect(serialize(held)).toBe(stored); // the body a save sends
    expect(screen.getByRole("group", { name: "Entry" })).toBeTruthy();
  });
});

describe("editing in the builder", () => {
  it("a threshold typed into V1's entry changes that one value", () => {
    const v1 = templates.find((t) => t.base_model === "v1_momentum") as Json;
    const onChange = open(v1);
    const rsi = screen.getByRole("group", { name: "Entry, condition 2: right" });
    fireEvent.change(within(rsi).getByRole("textbox", { name: "Value" }), { target: { value: "65" } });
    expect(onChange).toHaveBeenCalledTimes(1);
    const edited = onChange.mock.calls[0]![0] as Json;
    expect(serialize(edited)).toBe(serialize(v1).replace('"value":70}}]}', '"value":65}}]}'));
  });

  it("names indicators in words and stores their identifiers", () => {
    const v1 = templates.find((t) => t.base_model === "v1_momentum") as Json;
    const onChange = open(v1);
    const sma = screen.getByRole("group", { name: "Entry, condition 1: right" });
    const input = within(sma).getByLabelText("Indicator") as HTMLInputElement;
    expect(input.value).toBe("SMA 20");
    fireEvent.click(input);
    fireEvent.change(input, { target: { value: "sma33" } });
    fireEvent.click(screen.getByRole("option", { name: "SMA 33" }));
    const edited = onChange.mock.calls.at(-1)![0] as Json;
    expect(serialize(edited)).toBe(serialize(setAt(v1, ["entry_rules", "conditions", 0, "right", "name"], "sma33")));
  });

  it("V4's category literal offers the indicator's labels", () => {
    open(templates.find((t) => t.base_model === "v4_trend_rider") as Json);
    const label = screen.getByRole("group", { name: "Entry, condition 1: right" });
    expect((within(label).getByRole("textbox", { name: "Label" }) as HTMLInputElement).value).toBe("fully_aligned");
  });
});

describe("a 422 from the server", () => {
  it("lights up the node its JSON path names, and only that one", () => {
    const v2 = templates.find((t) => t.base_model === "v2_breakout") as Json;
    render(
      <MantineProvider>
        <RuleBuilder doc={v2} onChange={vi.fn()} issues={[]} readOnly={false} labels={labels} presets={presets} indicators={[]}
          serverIssue={{ path: "exit_rules[0].condition.right.name", message: "unknown indicator 'low10x'" }} />
      </MantineProvider>,
    );
    const node = screen.getByRole("group", { name: "Exit 1 condition: right" });
    expect(node.getAttribute("aria-invalid")).toBe("true");
    expect(within(node).getByRole("alert").textContent).toContain("unknown indicator 'low10x'");
    expect(screen.getAllByRole("alert")).toHaveLength(1);
    expect(screen.getByRole("group", { name: "Exit 1 condition" }).getAttribute("aria-invalid")).toBeNull();
  });
});
