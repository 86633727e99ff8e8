import { describe, expect, it } from "vitest";
import { ALL_BOOKS, EVERY_BOOK, bookOptions } from "./bookOptions";

// The books list as the API answers it: each book, then "All" (key "all").
const listed = [
  { book: "manual", label: "Manual" },
  { book: "portfolio:3", label: "Portfolio: V1 Momentum" },
  { book: "all", label: "All" },
];

const values = (book: string, books = listed) => bookOptions(books, book).map((o) => o.value);

describe("the book filter's choices", () => {
  it("offers every value once under every choice, All books included", () => {
    for (const book of [ALL_BOOKS, EVERY_BOOK, "manual", "portfolio:3", "run:9", "live:kite"]) {
      const shown = values(book);
      expect(new Set(shown).size, book).toBe(shown.length);
      expect(shown, book).toContain(book);
    }
  });
  it("keeps the account, every book, then the listed books in order", () => {
    expect(bookOptions(listed, EVERY_BOOK)).toEqual([
      { value: ALL_BOOKS, label: "This account" },
      { value: EVERY_BOOK, label: "All books, paper and live" },
      { value: "manual", label: "Manual" },
      { value: "portfolio:3", label: "Portfolio: V1 Momentum" },
    ]);
  });
  it("offers a book named in the address before the list has loaded", () => {
    expect(values("run:9", [])).toEqual([ALL_BOOKS, EVERY_BOOK, "run:9"]);
    expect(values(EVERY_BOOK, [])).toEqual([ALL_BOOKS, EVERY_BOOK]);
  });
});
