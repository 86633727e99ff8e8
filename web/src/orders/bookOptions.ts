// The book filter's choices: the account on screen (the header's switch), then, for the paper
// account, each of its books. The books list ends with its "All" row (key "all"), and the
// address may name a book the list does not have yet: each value is offered once, or the
// select throws ("Duplicate options").

export interface BookOption {
  value: string;
  label: string;
}

/** The account on screen, all of it (the header's switch names it): the views' default. */
export const ALL_BOOKS = "";
/** Every book together: the paper books, then the connected broker's rows (docs/books.md). */
export const EVERY_BOOK = "all";

/** Each choice once: the account on screen ("Paper: every book", "Kite account"), then, on
 * paper, the listed books, then `current` if the list does not name it (a link to a book
 * not loaded yet). A broker's account has no paper books to pick: one account at a time. */
export function bookOptions(
  books: readonly { book: string; label: string }[] | undefined,
  current: string,
  account: { value: string; label: string } = { value: "paper", label: "Paper" },
): BookOption[] {
  const paper = account.value === "paper";
  const options: BookOption[] = [{ value: ALL_BOOKS, label: paper ? "Paper: every book" : `${account.label} account` }];
  const seen = new Set(options.map((o) => o.value));
  seen.add(EVERY_BOOK); // "all" mixes the accounts: not offered, the switch picks one
  for (const b of paper ? (books ?? []) : []) {
    if (seen.has(b.book)) continue;
    seen.add(b.book);
    options.push({ value: b.book, label: b.label });
  }
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: current === EVERY_BOOK ? "All books, paper and live" : current });
  return options;
}
