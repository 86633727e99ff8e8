"""The account's books (manual, each model portfolio, each worker run), named and summed."""
