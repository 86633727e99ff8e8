import { describe, expect, it } from "vitest";
import cases from "./fieldWords.cases.json";
import { fieldWords, problemWords } from "./fieldWords";

describe("a bad field in words (the table the server reads too)", () => {
  it.each(cases.labels)("$field", ({ field, words }) => expect(fieldWords(field)).toBe(words));
  it.each(cases.too_short)("$field needs items", ({ field, least, words }) => {
    expect(problemWords(field, "needs items", least)).toBe(words);
  });
  it("keeps a name's capitals mid-sentence and lowers a sentence's", () => {
    expect(problemWords("entry_rules", "RSI 14 < 45 and RSI 14 > 50 can never both be true")).toBe("Entry rules: RSI 14 < 45 and RSI 14 > 50 can never both be true");
    expect(problemWords("name", "Must not be empty")).toBe("Name: must not be empty");
  });
});
