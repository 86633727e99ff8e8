"""Instructions per paper order (callgrind), this tree beside another commit's.

CPU time per order (`paper_orders.py`) moves with the host: on our shared 2-core VMs the
Python reference swung 6-37 ms within one run, and two commits' CPU per order overlapped by
more than any change measured. The instructions a process executes do not: under valgrind's
callgrind, counted only around the timed orders (its instrumentation switched on and off by
``callgrind_control``, so start-up, migrations and the warm-up count nothing), the same
orders on the same sources give the same count to a fraction of a percent, whatever else
the machine runs. The orders are `paper_orders.py`'s pipeline (`Runtime.build` as `serve`
wires it, the users' daily-loss rules, the SEBI ceiling, one thread): ``--warmup`` orders
first, then ``--orders`` counted, with ``PYTHONHASHSEED=0``. On PostgreSQL it counts this
process only (the server's work is the database's, as in the bench's CPU figure).

Measured 2026-11-29 (issue 51, item 6; 100 counted orders after 200; millions of this
process's user-space instructions an order, each figure within 0.02 % on a second run):
SQLite 6.358 at `798a05f`, 6.223 (-2.1 %) with the bus messages made on the relay's loop
(`642ea7b`), 6.228 with the audit trail's lock and read riding behind the claim (on SQLite
only its hook's check); PostgreSQL 7.254, 7.117 (-1.9 %), then 7.356 (+3.4 %): the ride
saves a round trip (5.4 to 4.4 an order) whose cost is mostly the kernel's and the wait,
which callgrind does not count, and adds the bookkeeping of a read kept across writes.

Measured 2026-11-29, issue 51's last items against `2d4defcd` (one admission sequence, owner
locks before the ledger's, every portfolio fill booked by its event): SQLite 6.418 → 6.443 M,
PostgreSQL 7.498 → 7.532 M (+0.4-0.5 %: the owner-lock hook and three more watchers of the
events); 6.452 M on SQLite before an order of no owner skipped the hook.

Measured 2026-11-30 (issue 69, helper session "pipeline"; load 12.8, which callgrind does not
see), ``--no-pg --against 3e0b95d3``: SQLite 6.138 → 5.817 M instructions an order (-5.2 %;
the driver floor 0.680 M, 9.03× → 8.55×; goal ≤ 3×). Of the cut: the account's margin legs
that cannot offset (shares) summed once, part by part, instead of twice through a `Margin`
per partial sum (-4.3 % in a 50-order count); SQLite's datetime binds and `utc_iso` keep
the last value's text (an order binds its one ``now`` ten times of thirteen: -1.6 %); the
audit HMAC one-shot.
Statements an order unchanged (15.4). What is left is flat: ~2,280 Python calls an order,
none above a few per cent of it (SQLite's statements and commit ~13 %, SQLAlchemy's ORM and
session ~10 %, the JSON of the audit entries ~4 %).

Measured 2026-11-30 (issue 69, second "pipeline" session; load 13.5 then 20.3, which
callgrind does not see), ``--no-pg``: SQLite 5.824 → 5.664 M instructions an order (-2.7 %;
the driver floor 0.682 / 0.681 M, 8.54× → 8.32×): `Prepared`'s parameters by a function
made for each statement's plan instead of a walk of it, and `rows.adopt` without
`Session.add`'s cascade over relationships that hold nothing. Python bytecodes an order
(`sys.settrace` opcode events, deterministic) fell 10.6 % (38.2k → 34.1k), instructions
much less: the steps removed were the interpreter's cheapest.

Measured 2026-11-30 (issue 69, helper session "order"; load 15-21, which callgrind does not
see), ``--no-pg --against main``: SQLite 5.647 → 5.506 M instructions an order (-2.5 %; the
driver floor 0.676 M, 8.35× → 8.15×). callgrind_annotate showed what cProfile cannot: 5.9 %
of an order inclusive in `slot_tp_getattr_hook`, about 170 reads an order of an enum
class's attribute (``Product.CNC``, ``Segment.OPTIONS``, ``OwnerKind.PORTFOLIO``), each
through `EnumType.__getattr__`'s hook on Python 3.11, and about 15 ``Kind(value)`` calls
(two Python frames each). The hot ones became module constants and `enum_members` dict
reads (-1.8 % with the ids below; -0.7 % more for the dict reads); an order and trade id
draw their digits in one 8-byte read of the OS's randomness, not `secrets.randbelow`'s
rejection loop. Still open: the JSON of the audit entries (5.3 % inclusive: each entry's
payload written twice, canonical for its hash and as its column), the ORM's session and
pool per transaction, the reads the brief names (ledger, risk book, audit head as one).
A second run, with ``--pg`` (load 3-5): SQLite 5.671 → 5.512 M (-2.8 %), PostgreSQL 7.016
→ 6.869 M (-2.1 %; its driver floor 1.270 M, 5.52× → 5.41×).

Measured 2026-11-30 (issue 69, helper session "order", second; load 13-16, which callgrind
does not see), ``--against main`` (`751f0500`): SQLite 5.514 → 5.402 M instructions an order
(-2.0 %; the driver floor 0.676 M, 8.16× → 8.00×), PostgreSQL 6.913 → 6.771 M (-2.1 %;
floor 1.289 M, 5.36× → 5.25×). Both in the audit trail's append: an entry's hash body is
written field by field around its payload's canonical text (the encoder's walk, sort and
accumulation of the outer dict gone: -1.2 %), and its fields reach `keyed_hash` as they
are, with no `Appended` nor `ChainEntry` made for them (-1.0 %): a frozen dataclass sets
each field through ``object.__setattr__``'s slot wrapper, about 600 instructions a field
(callgrind: 32.5k such calls in 100 orders, ~3.5 % of an order inclusive, most of them in
the events, margins, charges and risk values). The payload itself is still encoded twice,
and must be: canonical (sorted, compact, UTF-8) for its hash, ``json.dumps``'s default as
its column; one text for both would change the stored bytes, or the hashes.

Measured 2026-12-01 (issue 69, helper session "pipeline"; load 11-16, which callgrind does
not see), ``--against main`` (`2f60fefe`): SQLite 5.402 → 5.016 M instructions an order
(-7.1 %; the driver floor 0.676 M, 7.99× → 7.42×), PostgreSQL 6.748 → 6.384 M (-5.4 %;
floor 1.290 M, 5.23× → 4.95×). The values an order makes (its two events, margins and
their legs, charges, order states, risk values, owners: ~300 fields an order) are
`domain.values.value_class`es: frozen to mypy, plain slotted dataclasses at run time, each
field one slot store instead of a call of ``object.__setattr__`` (1,540 → 290 instructions
a field, field and call together, in a ten-field class); `order_state.apply` makes the
next state without `dataclasses.replace`. Before owners, margin legs and `apply` joined
(an earlier run): SQLite 5.407 → 5.062 M (-6.4 %).

Measured 2026-12-01 (issue 69, helper session "pipeline", second; load 10-20, which
callgrind does not see), ``--orders 40 --warmup 80 --no-pg --against main`` (`14d5003c`):
SQLite 4.893 → 4.673 M instructions an order (-4.5 %; the driver floor 0.699 M, 7.00× →
6.68×). `session_connection` keyed by the session's own innermost transaction (its two
`Session` walks were two Python calls on each of 22 statements an order); the order's
mapped columns read once each in the gate, the funds check and the booking (an
`InstrumentedAttribute` read is a Python call, ~1k instructions: 116 an order before);
enum values by the member's ``_value_`` field, not the ``.value`` property's two frames,
and class attributes as module constants; `SubmitOrder` a `value_class`; `ChargeDay`'s
next day made without `dataclasses.replace`, its schedule found from the newest back;
SQLite's cursor calling the driver's methods without ``super()``. No ORM flush is left in
an order (every row it writes is a `Prepared` insert already). Where it still goes: the
statements and commit (~17 % inclusive in the driver and SQLite), SQLAlchemy's session
begin, connection and commit around them (about a tenth in cProfile), the audit entry's
JSON (~5 %), the remaining
~90 mapped-attribute reads and ~12 writes of the `Order` (the events' header, the match,
the state machine), the risk book marking every open position through three layers of
quote lookups.

Measured 2026-12-02 (issue 69; load 1-4, which callgrind does not see), ``--orders 40
--warmup 80 --no-pg --against HEAD``: SQLite 4.663 → 4.558 M instructions an order (-2.3 %;
the driver floor 0.699 M, 6.67× → 6.52×) with an audit entry's payload encoded once (its
canonical text both hashed and stored; the JSON encoder was 5.3 % of an order inclusive,
eight documents an order, four of them the two entries' payloads); then 4.554 → 4.545 M
with the trades' redundant order index dropped, which the floor's trade insert sheds as well
(0.699 → 0.689 M). callgrind_annotate of the pipeline, for the next cut: SQLite's own work
~19 % (its statements 15 %, the commit 3.8 %: about 1.5× the floor's), the interpreter's
evaluation loop 18 % exclusive, dict lookups 5 %, type attribute lookups 2 %, memset 2.7 %
(SQLite zeroing pages it fetches, ~12 an order), pthread mutexes 2.3 % (SQLite's
serialized mode takes its mutex ~1,200 times an order). A bare SQLAlchemy `Session`
transaction (connection checkout, begin, commit, checkin with its reset, the snapshot
expiry) costs 45-75 µs of CPU beyond the driver's own commit, measured apart: about 5 % of
an order, the largest single layer left.

    valgrind must be installed. .venv/bin/python bench/order_instructions.py
        [--orders 100] [--warmup 200] [--pg URL | --no-pg] [--against REV]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import callgrind
from against import ROOT, SOURCES, sources
from machine import row


def child(url: str | None, orders: int, warmup: int) -> None:
    """Under callgrind: the warm-up, then `orders` counted as line "pipeline", then the same
    rows written by the bare driver (`paper_orders.floor`), counted as line "floor"."""
    import paper_orders as bench
    from scratch_db import open_scratch, scratch_database

    with tempfile.TemporaryDirectory() as tmp, scratch_database(url, Path(tmp)) as found:
        database = open_scratch(*found)
        try:
            runtime = bench.build(database, Path(tmp))
            bench.pipeline(runtime, warmup, bench.make_users(runtime, 8, rules=True), label="w")
            users = bench.make_users(runtime, 8, rules=True)
            with callgrind.counted("pipeline"):
                bench.pipeline(runtime, orders, users, label="m")
            bench.check_books(runtime, users)
            # each user's charge day is new to the floor: fresh users each time
            bench.floor(database, warmup, bench.make_users(runtime, 8, rules=True))
            users = bench.make_users(runtime, 8, rules=True)
            with callgrind.counted("floor"):
                bench.floor(database, orders, users)
        finally:
            database.dispose()


def count(paths: list[str], url: str | None, args: argparse.Namespace) -> tuple[float, float]:
    """Instructions per counted order on the sources at `paths`, and per order's rows
    written by the bare driver (one valgrind run)."""
    child = ["--orders", str(args.orders), "--warmup", str(args.warmup)]
    child += ["--pg", url] if url else ["--no-pg"]
    found = callgrind.collected(__file__, child, sources=paths)
    orders: int = args.orders
    return found["pipeline"] / orders, found["floor"] / orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--against", metavar="REV", help="also count on REV's sources")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = None if args.no_pg else args.pg
    if args.child:
        child(url, args.orders, args.warmup)
        return
    backends = [("sqlite", None)] + ([] if url is None else [("postgresql", url)])
    for backend, where in backends:
        here = [str(ROOT / s) for s in SOURCES]
        this, floor = count(here, where, args)
        line = f"{backend:<10} this tree {this / 1e6:7.3f} M instructions an order"
        line += f"  driver floor {floor / 1e6:.3f} M ({this / floor:.2f}×; goal ≤ 3×)"
        if args.against:
            with sources(args.against) as old:
                before, _ = count(old, where, args)
            line += f"  {args.against} {before / 1e6:7.3f} M  ({this / before:.3f}×)"
        print(line, flush=True)
        what = f"paper order, instructions ({backend})"
        print(row(what, f"{this / 1e6:.3f} M", f"{floor / 1e6:.3f} M", this / floor), flush=True)


if __name__ == "__main__":
    main()
