import { describe, expect, it } from "vitest";
import { placementText } from "./placement";

describe("placementText", () => {
  it("says what the server placed", () => {
    expect(placementText({ placed: [1, 2], failed: {}, for_agent: [] })).toBe("Placed 2 signals.");
    expect(placementText({ placed: [], failed: {} })).toBe("Placed 0 signals.");
  });

  it("says an agent portfolio's signals went to the agent, never 'Placed 0'", () => {
    expect(placementText({ placed: [], failed: {}, for_agent: [4, 5, 6] }, "Kite")).toBe(
      "3 signals handed to your agent: it places them at Kite on its next poll.",
    );
    expect(placementText({ placed: [1], failed: { 9: "portfolio 2 is paused" }, for_agent: [4] })).toBe(
      "Placed 1 signal; 1 signal handed to your agent; failed: #9 portfolio 2 is paused",
    );
  });
});
