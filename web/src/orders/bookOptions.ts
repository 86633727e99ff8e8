// The book filter's choices: the account in use, every book together, then each book. The
// books list ends with its "All" row (key "all", the same value as "every book"), and the
// address may name a book the list does not have yet: each value is offered once, or the
// select throws ("Duplicate options").

export interface BookOption {
  value: string;
  label: string;
}

/** The account in use (the connected broker's, else every paper book): the views' default. */
export const ALL_BOOKS = "";
/** Every book together: the paper books, then the connected broker's rows (docs/books.md). */
export const EVERY_BOOK = "all";

/** Each choice once: "This account", "All books", the listed books, then `current` if the
 * list does not name it (a link to a book not loaded yet). */
export function bookOptions(books: readonly { book: string; label: string }[] | undefined, current: string): BookOption[] {
  const options: BookOption[] = [
    { value: ALL_BOOKS, label: "This account" },
    { value: EVERY_BOOK, label: "All books, paper and live" },
  ];
  const seen = new Set(options.map((o) => o.value));
  for (const b of books ?? []) {
    if (seen.has(b.book)) continue;
    seen.add(b.book);
    options.push({ value: b.book, label: b.label });
  }
  if (!seen.has(current)) options.push({ value: current, label: current });
  return options;
}
