"""Pure journal logic: statement parsing, FIFO P&L, corporate actions, tax P&L."""
