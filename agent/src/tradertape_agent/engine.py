"""The poll cycle: pending signals → the broker → the cloud, once per signal across crashes.

Each cycle: ask the cloud for pending signals; place each new one the user allows (auto-execute,
or approved) as a GTT or an order at the primary broker; follow every placement until it is
filled, cancelled, rejected or expired; after an entry fills, place its stop GTT; tell the
cloud each change; sync holdings and positions; reconcile. The clock and the cloud's transport
are injected, so a test runs cycles one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from typing import Any, Protocol

from tradertape_agent import contract, obfuscation, pricing, risk
from tradertape_agent.alerts import AlertFeed
from tradertape_agent.cloud import Cloud, CloudAuthError, CloudError, Poll
from tradertape_agent.config import Config
from tradertape_agent.journal import Journal, Placement
from tradertape_agent.outbox import Outbox
from tradertape_agent.reconcile import Drift, broker_quantities, reconcile
from tradertape_brokers.port import (
    BrokerError,
    GttSpec,
    OrderRejected,
    SessionExpired,
    TransientBrokerError,
)

Clock = Callable[[], datetime]
Log = Callable[[str], None]

#: A GTT's status at the broker → what the agent reports (when final).
GTT_FINAL = {
    "cancelled": "cancelled",
    "deleted": "cancelled",
    "expired": "expired",
    "rejected": "rejected",
    "disabled": "failed",
}
#: An order's final status → what the agent reports.
ORDER_FINAL = {"COMPLETE": "filled", "REJECTED": "rejected", "CANCELLED": "cancelled"}


class BrokerLike(Protocol):
    """What the agent uses of `tradertape_brokers.port.Broker`."""

    name: str

    def place_order(self, spec: Any, *, idempotency_key: str) -> str: ...
    def find_order(self, idempotency_key: str) -> str | None: ...
    def order_history(self, order_id: str) -> list[dict[str, Any]]: ...
    def holdings(self) -> list[dict[str, Any]]: ...
    def positions(self) -> dict[str, list[dict[str, Any]]]: ...
    def margins(self) -> dict[str, Any]: ...
    def place_gtt(self, spec: GttSpec) -> int: ...
    def delete_gtt(self, trigger_id: int) -> int: ...
    def gtt(self, trigger_id: int) -> dict[str, Any]: ...
    def find_gtts(self, spec: GttSpec) -> list[int]: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)  # noqa: UP017 - 3.10 has no datetime.UTC


def broker_trouble(name: str, exc: BrokerError) -> str:
    """The user's words for a broker failure."""
    if isinstance(exc, SessionExpired):
        return (
            f"Broker not connected: the {name} session expired. Log in again "
            f"(the web app's {name.title()} login hands the token to the agent)."
        )
    if isinstance(exc, TransientBrokerError):
        return f"Broker not connected: {name} did not answer ({exc}); retrying next poll"
    return f"{name}: {exc}"


def gtt_spec(spec: Mapping[str, Any]) -> GttSpec:
    return GttSpec(
        exchange=spec["exchange"],
        tradingsymbol=spec["tradingsymbol"],
        trigger_values=[Decimal(v) for v in spec["trigger_values"]],
        last_price=Decimal(spec["last_price"]),
        orders=[dict(o) for o in spec["orders"]],
    )


@dataclass
class CycleReport:
    """What one cycle did (the loop logs it; tests read it)."""

    new_signals: int = 0
    placed: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)  # put in the outbox for the cloud
    delivered: list[str] = field(default_factory=list)  # the outbox's, answered 2xx
    undelivered: list[str] = field(default_factory=list)  # the cloud refused them for good
    waiting: list[int] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    #: Whether the primary broker answered, so `drift` compares what it holds with the cloud
    reconciled: bool = False
    #: Brokers whose holdings could not be read this cycle (no session, or no answer)
    unreachable: list[str] = field(default_factory=list)
    blocked: str | None = None  # the cloud's kill switch
    refused: list[str] = field(default_factory=list)  # the cloud's risk gate, its words
    alerts: list[str] = field(default_factory=list)  # the alert fires told, their lines
    errors: list[str] = field(default_factory=list)


class Agent:
    """One agent: its settings, the cloud, the loaded brokers (the primary executes), the
    journal, a clock and where its lines go."""

    def __init__(
        self,
        config: Config,
        cloud: Cloud,
        brokers: Mapping[str, BrokerLike],
        journal: Journal,
        *,
        clock: Clock = utc_now,
        log: Log = print,
    ) -> None:
        self.config = config
        self.cloud = cloud
        self.brokers = dict(brokers)
        self.journal = journal
        self.clock = clock
        self.log = log
        self._seen: set[int] = set()
        self._said: set[tuple[int, str]] = set()
        #: What the last poll saw (the local UI reads them): the pending signals, the cycle.
        self.pending: list[dict[str, Any]] = []
        self.last_report: CycleReport | None = None
        #: The account's upload obfuscation switch as the last poll said (None: no poll yet).
        self.obfuscate: bool | None = None
        #: The catalog's sectors the last poll named (a sector rule applied here reads them).
        self.sectors: Mapping[str, str] = {}
        #: The signals waiting for approval in the cloud, as the last poll listed them.
        self.awaiting: list[dict[str, Any]] = []
        #: The cloud's alert fires, told once each (the dashboard lists the latest).
        self.alerts = AlertFeed(cloud, journal, log)
        #: What the cloud must hear, on disk until it answers (results, snapshots).
        self.outbox = Outbox(journal.connection)

    @property
    def primary(self) -> BrokerLike | None:
        return self.brokers.get(self.config.primary_broker)

    def _now(self) -> str:
        return self.clock().isoformat()

    def _say(self, signal_id: int, what: str) -> None:
        """Log `what` about a signal once (not again every poll)."""
        if (signal_id, what) not in self._said:
            self._said.add((signal_id, what))
            self.log(f"[agent] {what}")

    # -- the cycle ------------------------------------------------------------------------

    def cycle(self) -> CycleReport:
        """One poll. `CloudAuthError` propagates (nothing works without the key); every other
        failure is logged and the rest of the cycle goes on."""
        report = CycleReport()
        # Decisions made since the last poll reach the cloud before it is asked again.
        self._guarded(report, lambda: self._deliver(report))
        pending: Poll | None
        try:
            pending = self.cloud.pending_signals()
        except CloudAuthError:
            raise
        except CloudError as exc:
            report.errors.append(str(exc))
            self.log(f"[agent] {exc}")
            pending = None
        self.journal.set_fact("last_poll", self._now())
        if pending is not None:
            self.obfuscate = pending.obfuscate
            self.sectors = pending.sectors
            self.awaiting = pending.awaiting
            signals = pending.signals
            self.pending = signals  # the local UI's Signals page
            fresh = [s for s in signals if int(s["signal_id"]) not in self._seen]
            report.new_signals = sum(
                1 for s in fresh if not self.journal.of_signal(int(s["signal_id"]))
            )
            self._seen.update(int(s["signal_id"]) for s in signals)
            self.log(f"[agent] poll: {report.new_signals} new signals")
            for refused in pending.refused:
                self._refused(refused, report)
            self._guarded(report, self._recover)
            if pending.kill_switch:
                report.blocked = "the kill switch is on in TraderTape (Risk)"
                self._say(
                    0,
                    "kill switch on in the cloud: placing no entries until it is off "
                    "(exits still go)",
                )
            for signal in signals:
                if report.blocked and signal.get("signal_type") != "exit":
                    continue
                self._guarded(report, partial(self._consider, signal, report))
        self._guarded(report, lambda: report.alerts.extend(self.alerts.poll()))
        self._guarded(report, lambda: self._report(report))  # placed: told before it moves on
        self._guarded(report, self._follow)
        self._guarded(report, lambda: self._report(report))
        obfuscate = self.obfuscate  # this poll's word, else the last one heard
        self._guarded(report, lambda: self._sync_and_reconcile(report, obfuscate=obfuscate))
        # The cloud hears the agent's health with its next request (X-Agent-Health).
        down = any(e.startswith("Broker not connected") for e in report.errors)
        self.cloud.health = "broker-down" if down else "ok"
        self.last_report = report
        return report

    def _guarded(self, report: CycleReport, step: Callable[[], None]) -> None:
        try:
            step()
        except CloudAuthError:
            raise
        except CloudError as exc:
            report.errors.append(str(exc))
            self.log(f"[agent] {exc}")
        except BrokerError as exc:
            message = broker_trouble(self.config.primary_broker, exc)
            report.errors.append(message)
            self.log(f"[agent] {message}")

    # -- placing --------------------------------------------------------------------------

    def _refused(self, signal: Mapping[str, Any], report: CycleReport) -> None:
        """An entry the cloud's risk gate refused (handed back once): logged, kept as the
        last result, never placed."""
        sid = int(signal["signal_id"])
        why = (signal.get("risk") or {}).get("refusal") or "refused by a risk rule"
        line = (
            f"signal {sid} {signal.get('side')} {signal.get('quantity')} {signal.get('symbol')} "
            f"refused by the cloud's risk gate: {why}"
        )
        report.refused.append(line)
        self._say(sid, line)
        self.journal.set_fact("last_result", line)

    def _consider(self, signal: dict[str, Any], report: CycleReport) -> None:
        sid = int(signal["signal_id"])
        leg = "exit" if signal.get("signal_type") == "exit" else "entry"
        key = placement_key(sid, leg)
        if self.journal.get(key) is not None:
            return
        decision = self.journal.decision(sid)
        if decision == "rejected":
            return
        allowed = self.config.auto_execute or decision == "approved"
        if not allowed:
            report.waiting.append(sid)
            self._say(
                sid,
                f"signal {sid} {signal.get('side')} {signal.get('quantity')} "
                f"{signal.get('symbol')} waits for approval (auto-execute is off)",
            )
            return
        broker = self.primary
        if broker is None:
            self._say(
                sid,
                f"Broker not connected: {self.config.primary_broker} has no session; "
                f"signal {sid} waits",
            )
            return
        kind = "order" if signal["placement"].get("kind") == "order" else "gtt"
        if leg == "entry" and not self._rules_hold(signal, key, kind, broker.name, report):
            return
        if leg == "exit":
            self._lift_stops(signal)
        if kind == "gtt":
            spec = pricing.exit_gtt(signal) if leg == "exit" else pricing.entry_gtt(signal)
        else:
            spec = pricing.order_dict(signal)
        self._place(Placement(key, sid, leg, broker.name, kind, spec, signal, "sending"), report)

    def _rules_hold(
        self, signal: dict[str, Any], key: str, kind: str, broker: str, report: CycleReport
    ) -> bool:
        """The rupee and % rules the cloud could not check (obfuscated book: ``risk.rules``)
        applied here on real figures. A block breach is journaled as ``rejected`` with the
        rule's words (the outbox tells the cloud, which rejects the signal); a warning is
        said. A broker that cannot be read leaves the signal waiting (BrokerError)."""
        rules = (signal.get("risk") or {}).get("rules") or []
        if not rules:
            return True
        found = risk.check(rules, self._local_book(), _entry_of(signal, self.sectors))
        for breach in found:
            if breach.action != "block":
                self._say(
                    int(signal["signal_id"]),
                    f"signal {signal['signal_id']}: {breach.message} (warning)",
                )
        why = risk.refusal(found)
        if why is None:
            return True
        sid = int(signal["signal_id"])
        p = Placement(key, sid, "entry", broker, kind, {}, signal, "sending")
        self.journal.begin(p, self._now())
        self.journal.update(key, self._now(), state="final", status="rejected", reason=why)
        line = (
            f"signal {sid} {signal.get('side')} {signal.get('quantity')} {signal.get('symbol')} "
            f"refused by the agent's risk check: {why}"
        )
        report.refused.append(line)
        self.log(f"[agent] {line}")
        return False

    def _local_book(self) -> risk.Book:
        """Every loaded broker's real holdings, positions and funds, and the entries this
        agent placed that have not filled (docs: `risk`)."""
        reads = [(b.holdings(), b.positions(), b.margins()) for b in self.brokers.values()]
        working = [
            _entry_of(p.signal, self.sectors)
            for p in self.journal.where("leg = 'entry' AND state IN ('sending', 'placed')")
        ]
        return risk.book_of(reads, working, self.sectors)

    def _teach(self, broker: BrokerLike, signal: Mapping[str, Any]) -> None:
        """Tell a broker keyed by ISIN (Upstox: ``NSE_EQ|<ISIN>``) the signal's instrument."""
        learn = getattr(broker, "learn_instrument", None)
        isin = signal.get("isin")
        if callable(learn) and isin:
            exchange = str(signal.get("exchange") or pricing.split_key(signal["symbol"])[0])
            learn(str(signal["symbol"]), f"{exchange}_EQ|{isin}")

    def _place(self, p: Placement, report: CycleReport) -> None:
        """Journal `p`, send it, journal the broker's id (or the refusal)."""
        broker = self.brokers[p.broker]
        self._teach(broker, p.signal)
        self.journal.begin(p, self._now())
        try:
            broker_id = self._send(broker, p)
        except OrderRejected as exc:
            self.journal.update(
                p.key, self._now(), state="final", status="rejected", reason=str(exc)
            )
            self.log(f"[agent] {p.leg} of signal {p.signal_id} rejected by {p.broker}: {exc}")
            return
        self.journal.update(
            p.key, self._now(), state="placed", broker_id=broker_id, status="placed"
        )
        report.placed.append(p.key)
        what = "GTT" if p.kind == "gtt" else "order"
        self.log(
            f"[agent] placed {p.leg} {what} {broker_id} for signal {p.signal_id} "
            f"({p.spec['tradingsymbol']}) at {p.broker}"
        )

    def _send(self, broker: BrokerLike, p: Placement) -> str:
        if p.kind == "gtt":
            return str(broker.place_gtt(gtt_spec(p.spec)))
        return broker.place_order(pricing.Order.of(p.spec), idempotency_key=p.key)

    def _recover(self) -> None:
        """Placements a crash left in ``sending``: found at the broker, or sent again."""
        for p in self.journal.where("state = 'sending'"):
            broker = self.brokers.get(p.broker)
            if broker is None:
                continue
            self._teach(broker, p.signal)
            found: str | None
            if p.kind == "order":
                found = broker.find_order(p.key)
            else:
                held = self.journal.held_ids(p.broker, "gtt")
                ids = [str(i) for i in broker.find_gtts(gtt_spec(p.spec)) if str(i) not in held]
                found = ids[-1] if ids else None  # the oldest unclaimed: ours came first
            if found is not None:
                self.journal.update(
                    p.key, self._now(), state="placed", broker_id=found, status="placed"
                )
                self.log(
                    f"[agent] found {p.leg} of signal {p.signal_id} at {p.broker} ({found}); "
                    "not placed again"
                )
                continue
            try:
                broker_id = self._send(broker, p)
            except OrderRejected as exc:
                self.journal.update(
                    p.key, self._now(), state="final", status="rejected", reason=str(exc)
                )
                continue
            self.journal.update(
                p.key, self._now(), state="placed", broker_id=broker_id, status="placed"
            )

    def _lift_stops(self, exit_signal: Mapping[str, Any]) -> None:
        """Before an exit, delete the standing stop GTTs of the same position or symbol."""
        position = exit_signal.get("position_id")
        for p in self.journal.where("leg = 'stop' AND state = 'placed'"):
            same = (position is not None and p.signal.get("position_id") == position) or (
                p.signal.get("symbol") == exit_signal.get("symbol")
            )
            if same and p.broker_id is not None:
                self.brokers[p.broker].delete_gtt(int(p.broker_id))
                self.journal.update(
                    p.key,
                    self._now(),
                    state="final",
                    status="cancelled",
                    reason="lifted for the exit",
                )

    # -- following ------------------------------------------------------------------------

    def _follow(self) -> None:
        for p in self.journal.where("state = 'placed'"):
            broker = self.brokers.get(p.broker)
            if broker is None or p.broker_id is None:
                continue
            self._teach(broker, p.signal)
            if p.kind == "gtt":
                self._follow_gtt(broker, p)
            else:
                self._follow_order(broker, p, p.broker_id)

    def _follow_gtt(self, broker: BrokerLike, p: Placement) -> None:
        assert p.broker_id is not None
        row = broker.gtt(int(p.broker_id))
        status = str(row.get("status", "")).lower()
        if status in GTT_FINAL:
            self.journal.update(p.key, self._now(), state="final", status=GTT_FINAL[status])
            return
        if status != "triggered":
            return
        results = [o.get("result") for o in row.get("orders", []) if o.get("result")]
        outcome = (results[0] or {}).get("order_result", {}) if results else {}
        order_id = outcome.get("order_id") or p.order_id
        if outcome.get("status") == "failed" and not order_id:
            reason = outcome.get("rejection_reason") or "the triggered order failed"
            self.journal.update(p.key, self._now(), state="final", status="rejected", reason=reason)
            return
        if p.status != "triggered" or order_id != p.order_id:
            self.journal.update(p.key, self._now(), status="triggered", order_id=order_id)
        if order_id:
            self._follow_order(broker, p, str(order_id))

    def _follow_order(self, broker: BrokerLike, p: Placement, order_id: str) -> None:
        history = broker.order_history(order_id)
        if not history:
            return
        last = history[-1]
        status = ORDER_FINAL.get(str(last.get("status", "")).upper())
        if status is None:
            return
        price = last.get("average_price")
        quantity = last.get("filled_quantity")
        self.journal.update(
            p.key, self._now(), state="final", status=status, order_id=order_id,
            fill_price=None if status != "filled" else str(price),
            filled_quantity=None if quantity is None else int(quantity),
            reason=last.get("status_message") or None,
        )  # fmt: skip
        self.log(
            f"[agent] {p.leg} of signal {p.signal_id} {status} at {p.broker}"
            + (f" at {price}" if status == "filled" else "")
        )
        if status == "filled" and p.leg == "entry":
            self._place_stop(
                p,
                Decimal(str(price)),
                int(quantity or p.spec.get("quantity", 0) or p.signal["quantity"]),
            )

    def _place_stop(self, entry: Placement, fill: Decimal, quantity: int) -> None:
        key = placement_key(entry.signal_id, "stop")
        if self.journal.get(key) is not None or quantity <= 0:
            return
        spec = pricing.stop_gtt(entry.signal, fill, quantity, self.config.stop_loss_pct)
        stop = Placement(
            key, entry.signal_id, "stop", entry.broker, "gtt", spec, entry.signal, "sending"
        )
        self._place(stop, CycleReport())

    # -- reporting ------------------------------------------------------------------------

    def _report(self, report: CycleReport) -> None:
        """Put every status the cloud has not heard yet in the outbox (oldest first; each
        with the placement's change, in one transaction), then deliver what is due."""
        for p in self.journal.where(
            "status IS NOT NULL AND (reported IS NULL OR reported != status)"
        ):
            body = {
                "signal_id": p.signal_id,
                "outcome": p.status,
                "leg": p.leg,
                "broker": p.broker,
                "kind": p.kind,
                "gtt_id": int(p.broker_id) if p.kind == "gtt" and p.broker_id else None,
                "order_id": p.order_id if p.kind == "gtt" else p.broker_id,
                "fill_price": p.fill_price,
                "filled_quantity": p.filled_quantity,
                "reason": p.reason,
                "at": self._now(),  # when the agent saw it, however late it is delivered
            }
            with self.journal.atomic():
                self.outbox.put_result(f"{p.key}:{p.status}", body, self.clock())
                self.journal.update(p.key, self._now(), reported=p.status)
            self.journal.set_fact("last_result", f"signal {p.signal_id} {p.leg} {p.status}")
            report.reported.append(f"{p.key}:{p.status}")
        self._deliver(report)

    def _deliver(self, report: CycleReport) -> None:
        """Send the outbox's due messages (`outbox.Outbox.flush`)."""
        done = self.outbox.flush(self._send_message, self.clock(), self.log)
        report.delivered.extend(done.delivered)
        report.undelivered.extend(done.refused)
        for m in self.outbox.messages("waiting"):
            if m.key in done.failed:
                report.errors.append(f"{m.line()} not delivered yet: {m.answer}")

    def _send_message(self, kind: str, body: dict[str, Any]) -> Any:
        if kind == "result":
            return self.cloud.signal_result(body)
        if kind in ("approve", "reject"):
            return self.cloud.decide(int(body["signal_id"]), kind)
        if kind == "holdings":
            return self.cloud.sync_holdings(body)
        return self.cloud.sync_positions(body)

    # -- approvals (the agent UI's buttons; `tradertape-agent approve|reject`) ---------------

    def decide(self, signal_id: int, decision: str) -> None:
        """The user's Approve or Reject (its UI, or a test): kept, and told to the cloud."""
        waits = any(int(s["signal_id"]) == signal_id for s in self.awaiting)
        record_decision(self.journal, signal_id, decision, self.clock(), awaiting=waits)

    # -- holdings, positions, drift -------------------------------------------------------

    def _sync_and_reconcile(self, report: CycleReport, *, obfuscate: bool | None) -> None:
        """Each broker's snapshot into the outbox (scaled when the cloud's switch, as last
        heard, says so; nothing before the cloud has said it once), then the primary's
        reconciliation against what the cloud expects."""
        factor = self._factor() if obfuscate else None
        as_of = self._now()
        primary: tuple[list[dict[str, Any]], dict[str, Any]] | None = None
        for name, broker in self.brokers.items():
            try:
                holdings = broker.holdings()
                positions = broker.positions()
                margins = broker.margins()
            except BrokerError as exc:
                message = broker_trouble(name, exc)
                report.errors.append(message)
                report.unreachable.append(name)
                self.log(f"[agent] {message}")
                continue
            if name == self.config.primary_broker:
                primary = (holdings, positions)
            if obfuscate is None:
                continue
            flags: dict[str, Any] = {
                "broker": name,
                "as_of": as_of,
                "obfuscated": factor is not None,
            }
            if factor is not None:
                flags["factor_fingerprint"] = obfuscation.fingerprint(
                    self.config.obfuscation_factor, self.config.obfuscation_salt
                )
            now = self.clock()
            holding_rows = contract.holding_rows(holdings, factor)
            self.outbox.put_snapshot("holdings", {**flags, "holdings": holding_rows}, now)
            self.outbox.put_snapshot(
                "positions",
                {
                    **flags,
                    "positions": contract.position_rows(positions, factor),
                    "margins": contract.margins_of(margins, factor),
                },
                now,
            )
        self._deliver(report)
        if primary is not None:
            report.drift = self._reconcile(*primary)
            report.reconciled = True

    def _factor(self) -> Decimal | None:
        if not self.config.obfuscation_factor:
            self._say(
                0,
                "obfuscation is on in the cloud but this agent has no factor: "
                "run tradertape-agent configure; syncing nothing",
            )
            raise CloudError("no obfuscation factor: holdings and positions not synced")
        return obfuscation.valid_factor(self.config.obfuscation_factor)

    def _unscaled(self, row: Mapping[str, Any]) -> int:
        """The shares of a tradebook uploaded scaled (the cloud cannot count them): its
        scaled quantity divided by this agent's factor."""
        scaled = row.get("scaled_imported_quantity")
        if scaled in (None, "", 0, "0"):
            return 0
        if not self.config.obfuscation_factor:
            self._say(0, "tradebooks were uploaded scaled but this agent has no factor: "
                      "their holdings are left out of reconciliation")  # fmt: skip
            return 0
        factor = obfuscation.valid_factor(self.config.obfuscation_factor)
        return _unscaled_quantity(scaled, factor)

    def _reconcile(self, holdings: list[dict[str, Any]], positions: dict[str, Any]) -> list[Drift]:
        rows = self.cloud.expected_positions()
        mine = self.config.primary_broker
        expected: dict[str, int] = {}
        for row in rows:
            if row.get("broker") not in (None, mine):
                continue
            symbol = str(row["symbol"])
            quantity = int(row.get("quantity") or 0) + self._unscaled(row)
            expected[symbol] = expected.get(symbol, 0) + quantity
        drift = reconcile(
            expected, broker_quantities(holdings, positions), self.config.ignore_symbols
        )
        previous = self.journal.fact("drift") or ""
        lines = "\n".join(d.line() for d in drift)
        if lines != previous:
            for d in drift:
                self.log(f"[agent] {d.line()}")
            if not drift and previous:
                self.log("[agent] reconciliation: no drift")
        self.journal.set_fact("drift", lines)
        self.journal.set_fact("drift_count", str(len(drift)))
        return drift


def _unscaled_quantity(scaled: Any, factor: Decimal) -> int:
    """Shares from a quantity the cloud holds scaled by `factor` (whole: rounded)."""
    return int((Decimal(str(scaled)) / factor).to_integral_value(ROUND_HALF_EVEN))


def record_decision(
    journal: Journal, signal_id: int, decision: str, at: datetime, *, awaiting: bool
) -> None:
    """Keep the user's decision on a signal and, in the same transaction, what the cloud
    must hear of it (the outbox sends it at the next poll): a Reject always (the signal is
    rejected in the cloud and no longer handed out), an Approve of a signal waiting for
    approval in the cloud (`awaiting`: it goes into the cart, and is placed here once
    handed out). Approving a carted signal in manual mode stays here: its placement is
    what the cloud hears."""
    assert decision in ("approved", "rejected"), decision
    outbox = Outbox(journal.connection)  # before the transaction: it may create its table
    with journal.atomic():
        journal.decide(signal_id, decision, at.isoformat())
        if decision == "rejected":
            outbox.put_decision(signal_id, "reject", at)
        elif awaiting:
            outbox.put_decision(signal_id, "approve", at)


def _entry_of(signal: Mapping[str, Any], sectors: Mapping[str, str]) -> risk.Entry:
    """A signal's entry as the rules measure it: its quantity at its limit, else its close."""
    symbol = str(signal["symbol"])
    price = Decimal(str(signal.get("limit_price") or signal.get("close_price") or 0))
    sector = signal.get("sector") or sectors.get(symbol)
    return risk.Entry(symbol, sector, int(signal["quantity"]), price)


def placement_key(signal_id: int, leg: str) -> str:
    """The idempotency key of a signal's leg: short enough for Kite's 20-character tag."""
    return f"tt{signal_id}{leg[0]}"
