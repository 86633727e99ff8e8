// The book filter of the account's pages: All, the manual book, each portfolio, each run.
import { Select } from "@mantine/core";
import { ALL_BOOKS, EVERY_BOOK, useBook, useBooks } from "./books";

/** A select of the account's books, kept in the address: the account in use (the default),
 * every book together, or one book alone. */
export function BookFilter() {
  const [book, setBook] = useBook();
  const books = useBooks();
  const options = (books.data ?? [])
    .filter((b) => b.book !== EVERY_BOOK)
    .map((b) => ({ value: b.book, label: b.label }));
  if (book !== ALL_BOOKS && !options.some((o) => o.value === book)) options.push({ value: book, label: book });
  return (
    <Select
      aria-label="Book"
      size="sm"
      w={{ base: "100%", xs: 240 }}
      allowDeselect={false}
      value={book}
      onChange={(value) => setBook(value ?? ALL_BOOKS)}
      data={[{ value: ALL_BOOKS, label: "This account" }, { value: EVERY_BOOK, label: "All books, paper and live" }, ...options]}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
