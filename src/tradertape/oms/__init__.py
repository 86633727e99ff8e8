"""Order management: the one door through which orders and money move.

What the rest of the server may use (services and routes import these from
``tradertape.oms``, never from its modules; `tests/unit/test_layers.py` holds them to it):

- **The engine**: `OrderPipeline` (submit, modify and cancel an order of an `Account`,
  through the rules, the one pre-trade gate, the idempotency key and the SEBI ceiling; GTTs;
  `record_external_fill` books one placed outside, as the agent reports; `traits` says how
  an account's venue answers, as a `VenueTraits`),
  `TradingContext` (the clock, catalog and prices the engine trades on), `QuoteBook`.
- **Commands** (`oms.commands`): what a caller asks the door, as one frozen value each verb
  takes: `SubmitOrder` (`submit`), `ModifyOrder` (`modify`), `CancelOrder` (`cancel`),
  `CancelSlices` (`cancel_slices`), `CreateGtt`, `ModifyGtt`, `CancelGtt` (the platform
  retires a trigger), `DeleteGtt` (the user does), `ExternalFill` (`record_external_fill`);
  `QUOTED` (a change judged on the feed's last tick, the default).
- **Events**: what happened, after the fact (`oms.events`): `OrderAccepted`,
  `OrderRejected`, `OrderTriggered`, `OrderFilled`, `OrderModified`, `OrderCancelled`,
  `OrderExpired`, `OrderReleased`, `OrderMissing` (each an `OrderUpdate`) and
  `GttTriggered`, any of them an `OmsEvent`; `OrderEvents` delivers them to watchers in the
  transaction that records them (a watcher may declare the `OwnerLocks` it writes under,
  taken before the ledger's) and to listeners once it commits (`oms.emitter`), `to_bus`
  makes a listener of the bus relay; `topic_of`, `to_message` and `from_message` are their
  bus form.
- **Owners** (`oms.owners`): each order's `domain.owners.Owner` has an `OwnerPolicy` (its
  book, risk scope, locks, what the bell tells), `register`ed by its subsystem (starting
  from `DeskPolicy`, or `CallerTells` for one that tells its own outcome), read with
  `policy_of`, `registered`, `owner_book`, `own_book`, `risk_scope` and `tells`;
  `OrderEvents.follow` routes an order's events to the followers of its owner's kind.
- **Hooks the engine calls**: `PreTradeVerdict` and `RateRefusal` (what the gate's risk
  check answers), `Guard` and `UNGUARDED` (how background work fails item by item,
  `oms.job_guard`; the server's guard, `background.guard.JobGuard`, is handed in by the
  composition root),
  `LiveBrokers` (a user's connected broker, as a `LiveBroker`: name and adapter).
- **The live venue as its services hold it** (`oms.live_ports`): `LiveReports` (a broker's
  report of our order booked once), `LiveSweeps` and `LiveGttSweeps` (the loop's live
  sweeps), `LiveReconciler` (a user's broker against our books, a `ReconcileReport`).
- **Read models**: `PaperPortfolio` (the paper account's Kite-shaped views: margins,
  positions, holdings, orders, trades), `order_dict` and `trade_dict` (Kite's order and
  trade book shapes), `LedgerSnapshot` (a user's books at one read), `net_quantity`,
  `PositionFolds` (the positions risk values before every entry, folded incrementally:
  `FoldedPositions` of `InstrumentPools`, each a `Pool` and today's trades, with the
  `LedgerRead` that found them and what is `Waiting` to open),
  `lock_user_books` (hold the books still while reading them), the reconciliation's
  `DriftItem`/`DriftKind`/`ATTENTION`.
- **A model portfolio's books**: `PortfolioBooks` (allocate, level, virtual fills) and
  `MarketView` (prices, calendar): what portfolio services hold instead of the venue;
  `hold_portfolio` (its lock, `portfolio_lock` by name: the first any of its writers takes,
  before the ledger's), `portfolio_named` (the portfolio an attribution names).
- **Paper money in**: `deposit`, `open_paper_account` (the ledger posts them); what is
  there: `cash_balance` (an account's running cash), `book_cash` (one book's).
- **Freeze limits**: `freeze_limit` (a derivative's underlying's freeze quantity and the day
  it is of, as `FreezeLimit`: what the order ticket shows and `slicing` cuts by).
- **Charges**: `delivery_charges`, a fill priced as its own contract note (a virtual fill
  books it; a figure to check funds by before one, or to test against);
  `expiry_settlement`, what the paper exchange settles a contract held to its expiry at
  and charges for it (the chain simulator's legs settle by it).
- **Names**: `GTT_ACTIVE` and `GTT_PLACING` (a trigger's states), `GTT_BROKER` (where a live
  trigger is kept), `PAPER_ACCOUNT`, `BROKER` (the paper broker's), `UNPLACED` and
  `RESERVED_KEY_PREFIXES` (idempotency keys the engine keeps for itself), `LastTick`,
  `CatalogSource`.

The venues (`paper/`, `live/`), the ledger (`ledger`: the one writer of money), its stored
totals (`book_totals`) and the position reads (`positions`) are the engine's own: services
and routes never import them (`test_layers` holds them to it).
"""

from tradertape.domain.gtt_states import ACTIVE as GTT_ACTIVE
from tradertape.domain.gtt_states import PLACING as GTT_PLACING
from tradertape.oms.book_totals import lock_user_books
from tradertape.oms.cash import deposit, open_paper_account
from tradertape.oms.commands import (
    PAPER_ACCOUNT,
    QUOTED,
    Account,
    CancelGtt,
    CancelOrder,
    CancelSlices,
    Checked,
    CreateGtt,
    DeleteGtt,
    ExternalFill,
    ModifyGtt,
    ModifyOrder,
    SubmitOrder,
)
from tradertape.oms.context import BROKER, CatalogSource, LastTick, PaperConfig, TradingContext
from tradertape.oms.emitter import Listener, OrderEvents, OwnerLocks, Watcher, to_bus
from tradertape.oms.events import (
    GttTriggered,
    OmsEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderMissing,
    OrderModified,
    OrderRejected,
    OrderReleased,
    OrderTriggered,
    OrderUpdate,
    from_message,
    to_message,
    topic_of,
)
from tradertape.oms.fill_charges import delivery_charges
from tradertape.oms.funds import book_cash
from tradertape.oms.gate import PreTradeVerdict, RateRefusal
from tradertape.oms.job_guard import UNGUARDED, Guard
from tradertape.oms.live.gtt import GTT_BROKER
from tradertape.oms.live.orders import LiveBroker, LiveBrokers
from tradertape.oms.live.reconcile import ReconcileReport
from tradertape.oms.live.reconcile_compare import ATTENTION, DriftItem, DriftKind
from tradertape.oms.live_ports import LiveGttSweeps, LiveReconciler, LiveReports, LiveSweeps
from tradertape.oms.order_locks import not_replayed
from tradertape.oms.order_log import RESERVED_KEY_PREFIXES, UNPLACED
from tradertape.oms.orders import OrderPipeline, Submitted, VenueTraits
from tradertape.oms.owners import (
    CallerTells,
    DeskPolicy,
    OwnerPolicy,
    own_book,
    owner_book,
    policy_of,
    register,
    registered,
    risk_scope,
    tells,
)
from tradertape.oms.paper.expiry import settled_of as expiry_settlement
from tradertape.oms.paper.portfolio import PaperPortfolio
from tradertape.oms.paper.snapshot import LedgerSnapshot
from tradertape.oms.portfolio_books import (
    MarketView,
    PortfolioBooks,
    hold_portfolio,
    portfolio_lock,
    portfolio_locks,
    portfolio_named,
)
from tradertape.oms.positions import (
    FoldedPositions,
    InstrumentPools,
    LedgerRead,
    Pool,
    PositionFolds,
    Waiting,
    cash_balance,
    net_quantity,
)
from tradertape.oms.quotes import QuoteBook
from tradertape.oms.read_models import order_dict, trade_dict
from tradertape.oms.slicing import freeze_limit

__all__ = [
    "CallerTells",
    "DeskPolicy",
    "OwnerPolicy",
    "own_book",
    "owner_book",
    "policy_of",
    "register",
    "registered",
    "risk_scope",
    "tells",
    "ATTENTION",
    "BROKER",
    "GTT_ACTIVE",
    "GTT_BROKER",
    "GTT_PLACING",
    "PAPER_ACCOUNT",
    "QUOTED",
    "RESERVED_KEY_PREFIXES",
    "UNGUARDED",
    "UNPLACED",
    "Account",
    "CancelGtt",
    "CancelOrder",
    "CancelSlices",
    "Checked",
    "CatalogSource",
    "CreateGtt",
    "DeleteGtt",
    "DriftItem",
    "DriftKind",
    "ExternalFill",
    "FoldedPositions",
    "GttTriggered",
    "Guard",
    "InstrumentPools",
    "LastTick",
    "LedgerRead",
    "LedgerSnapshot",
    "Listener",
    "LiveBroker",
    "LiveBrokers",
    "LiveGttSweeps",
    "LiveReconciler",
    "LiveReports",
    "LiveSweeps",
    "MarketView",
    "ModifyGtt",
    "ModifyOrder",
    "OmsEvent",
    "OrderAccepted",
    "OrderCancelled",
    "OrderEvents",
    "OrderExpired",
    "OrderFilled",
    "OrderMissing",
    "OrderModified",
    "OrderPipeline",
    "SubmitOrder",
    "Submitted",
    "OrderRejected",
    "OrderReleased",
    "OrderTriggered",
    "OrderUpdate",
    "OwnerLocks",
    "PaperConfig",
    "PaperPortfolio",
    "Pool",
    "PortfolioBooks",
    "PositionFolds",
    "PreTradeVerdict",
    "QuoteBook",
    "RateRefusal",
    "ReconcileReport",
    "TradingContext",
    "VenueTraits",
    "Waiting",
    "Watcher",
    "book_cash",
    "cash_balance",
    "delivery_charges",
    "deposit",
    "expiry_settlement",
    "freeze_limit",
    "from_message",
    "hold_portfolio",
    "lock_user_books",
    "net_quantity",
    "open_paper_account",
    "not_replayed",
    "order_dict",
    "portfolio_lock",
    "portfolio_locks",
    "portfolio_named",
    "to_bus",
    "to_message",
    "topic_of",
    "trade_dict",
]
