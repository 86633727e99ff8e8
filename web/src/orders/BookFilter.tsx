// The book filter of the account's pages: All, the manual book, each portfolio, each run.
import { Select } from "@mantine/core";
import { useAccount } from "@/account/account";
import { ALL_BOOKS, bookOptions } from "./bookOptions";
import { useBook, useBooks } from "./books";

/** A select of the account's books, kept in the address: the account on screen (the
 * default, named as the header's switch names it), or one paper book alone. */
export function BookFilter() {
  const [book, setBook] = useBook();
  const books = useBooks();
  const account = useAccount();
  return (
    <Select
      aria-label="Book"
      size="sm"
      w={{ base: "100%", xs: 240 }}
      allowDeselect={false}
      value={book}
      onChange={(value) => setBook(value ?? ALL_BOOKS)}
      data={bookOptions(books.data, book, account)}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
