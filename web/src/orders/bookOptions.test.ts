import { describe, expect, it } from "vitest";
import { ALL_BOOKS, EVERY_BOOK, bookOptions } from "./bookOptions";

// The books list as the API answers it: each book, then "All" (key "all").
const listed = [
  { book: "manual", label: "Manual" },
  { book: "portfolio:3", label: "Portfolio: V1 Momentum" },
  { book: "all", label: "All" },
];
const KITE = { value: "live:kite", label: "Kite" };

const values = (book: string, books = listed) => bookOptions(books, book).map((o) => o.value);

describe("the book filter's choices", () => {
  it("offers every value once under every choice", () => {
    for (const book of [ALL_BOOKS, EVERY_BOOK, "manual", "portfolio:3", "run:9", "live:kite"]) {
      const shown = values(book);
      expect(new Set(shown).size, book).toBe(shown.length);
      expect(shown, book).toContain(book);
    }
  });
  it("keeps the paper account, then its books in order; never the paper-and-live mix", () => {
    expect(bookOptions(listed, ALL_BOOKS)).toEqual([
      { value: ALL_BOOKS, label: "Paper: every book" },
      { value: "manual", label: "Manual" },
      { value: "portfolio:3", label: "Portfolio: V1 Momentum" },
    ]);
  });
  it("names a broker's account and offers no paper book under it", () => {
    expect(bookOptions(listed, ALL_BOOKS, KITE)).toEqual([{ value: ALL_BOOKS, label: "Kite account" }]);
  });
  it("offers a book named in the address before the list has loaded", () => {
    expect(values("run:9", [])).toEqual([ALL_BOOKS, "run:9"]);
    expect(values(EVERY_BOOK, [])).toEqual([ALL_BOOKS, EVERY_BOOK]);
  });
});
