"""Pure domain: value objects and rules with no I/O, no clock reads and no framework imports."""
