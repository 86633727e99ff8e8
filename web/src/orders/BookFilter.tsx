// The book filter of the account's pages: All, the manual book, each portfolio, each run.
import { Select } from "@mantine/core";
import { ALL_BOOKS, bookOptions } from "./bookOptions";
import { useBook, useBooks } from "./books";

/** A select of the account's books, kept in the address: the account in use (the default),
 * every book together, or one book alone. */
export function BookFilter() {
  const [book, setBook] = useBook();
  const books = useBooks();
  return (
    <Select
      aria-label="Book"
      size="sm"
      w={{ base: "100%", xs: 240 }}
      allowDeselect={false}
      value={book}
      onChange={(value) => setBook(value ?? ALL_BOOKS)}
      data={bookOptions(books.data, book)}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
