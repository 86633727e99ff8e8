"""Resolving option legs to listed contracts: by strike, ATM offset, delta or moneyness.

The backend contract reads ``strike``, ``offset`` (an integer, or ``ATM``, ``ATM+1``,
``ATM-2``) and ``delta_target``/``target_delta``; the published README's ``moneyness``
selectors (``ATM``, ``+1_strike``, ``-1_strike``) are read too, as the same strike
offsets (reference §2.4 item 9: what users see wins, so both work). Offsets count strikes
up the ladder: ``+1`` is the next higher strike whatever the option type.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from tradertape.domain.instruments import Instrument
from tradertape.domain.option_payoff import MAX_LOTS
from tradertape.errors import Rejected
from tradertape.services.options.chain import (
    atm_of,
    contract_view,
    pick_expiry,
    underlying,
)
from tradertape.services.options.market import OptionMarket
from tradertape.services.workers.views import iso

_SELECTORS = ("strike", "offset", "delta_target", "target_delta", "moneyness")
_OFFSET = re.compile(r"^(?:ATM)?\s*([+-]\s*\d+)?$")
_MONEYNESS = re.compile(r"^(?:ATM|([+-]\d+)_STRIKES?)$")


def _bad(status: int, code: str, field: str, message: str) -> Rejected:
    return Rejected(status, code, f"{field}: {message}", field=field)


def _offset(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise _bad(400, "OPTION_SELECTION_INVALID_LEG", field, "must be an integer or ATM±n")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        found = _OFFSET.match(text) if text else None
        if found is not None:
            return int(found[1].replace(" ", "")) if found[1] else 0
    raise _bad(400, "OPTION_SELECTION_INVALID_LEG", field, f"'{value}' is not ATM, ATM+n or ATM-n")


def _moneyness(value: Any, field: str) -> int:
    found = _MONEYNESS.match(value.strip().upper()) if isinstance(value, str) else None
    if found is None:
        raise _bad(
            400,
            "OPTION_SELECTION_INVALID_LEG",
            field,
            f"'{value}' is not ATM, +n_strike, -n_strike",
        )
    return int(found[1]) if found[1] else 0


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(400, "OPTION_SELECTION_INVALID_LEG", field, "must be a number")
    try:
        return float(value)
    except ValueError:
        raise _bad(400, "OPTION_SELECTION_INVALID_LEG", field, "must be a number") from None


def _by_strike(ladder: list[Instrument], value: Any, field: str) -> Instrument:
    wanted = _number(value, field)
    found = [i for i in ladder if float(i.strike or 0) == wanted]
    if not found:
        raise _bad(422, "OPTION_SELECTION_UNRESOLVABLE", field, f"{value} is not listed")
    return found[0]


def _by_offset(ladder: list[Instrument], atm: float | None, steps: int, field: str) -> Instrument:
    strikes = [float(i.strike or 0) for i in ladder]
    if atm is None or atm not in strikes:
        raise _bad(422, "OPTION_SELECTION_UNRESOLVABLE", field, "no ATM strike (no index price)")
    position = strikes.index(atm) + steps
    if not 0 <= position < len(ladder):
        raise _bad(422, "OPTION_SELECTION_UNRESOLVABLE", field, "is beyond the listed strikes")
    return ladder[position]


def _by_delta(
    market: OptionMarket, ladder: list[Instrument], target: float, field: str
) -> tuple[Instrument, float]:
    if not 0 < target < 1:
        raise _bad(400, "OPTION_SELECTION_INVALID_LEG", field, "must be between 0 and 1")
    quoted = [(i, market.quote(i)) for i in ladder]
    priced = [(i, q.greeks.delta) for i, q in quoted if q is not None]
    if not priced:
        raise _bad(422, "OPTION_DELTA_SELECTION_UNRESOLVABLE", field, "no priced contracts")
    return min(priced, key=lambda p: (abs(abs(p[1]) - target), p[0].strike or 0))


def _resolve_leg(
    market: OptionMarket,
    options: list[Instrument],
    atm: float | None,
    leg: Any,
    where: str,
) -> dict[str, Any]:
    if not isinstance(leg, dict):
        raise _bad(400, "OPTION_SELECTION_INVALID_LEG", where, "must be an object")
    kind = str(leg.get("option_type", "")).strip().upper()
    if kind not in ("CE", "PE"):
        raise _bad(
            400, "OPTION_SELECTION_INVALID_OPTION_TYPE", f"{where}.option_type", "must be CE or PE"
        )
    given = [k for k in _SELECTORS if leg.get(k) is not None]
    if len(given) != 1 and set(given) != {"delta_target", "target_delta"}:
        raise _bad(
            400,
            "OPTION_SELECTION_INVALID_LEG",
            where,
            "give exactly one of strike, offset, delta_target (target_delta) or moneyness",
        )
    selector = given[0]
    ladder = [i for i in options if i.instrument_type.value == kind]
    meta: dict[str, Any] = {"atm_strike": atm, "selector": selector, "requested": leg[selector]}
    field = f"{where}.{selector}"
    if selector == "strike":
        chosen, resolver = _by_strike(ladder, leg["strike"], field), "strike"
    elif selector in ("offset", "moneyness"):
        steps = (
            _offset(leg[selector], field)
            if selector == "offset"
            else _moneyness(leg[selector], field)
        )
        chosen, resolver = _by_offset(ladder, atm, steps, field), selector
        meta["offset"] = steps
    else:
        target = abs(_number(leg[selector], field))
        chosen, delta = _by_delta(market, ladder, target, field)
        resolver = "delta"
        meta.update(delta_target=target, delta=round(delta, 4))
    view = contract_view(chosen, market.quote(chosen))
    view.update(resolver=resolver, resolution_meta=meta)
    return view


def resolve(market: OptionMarket, db: Session, name: str, payload: Any) -> dict[str, Any]:
    """``POST …/selection/resolve``: every leg to one listed contract, in order."""
    if not isinstance(payload, dict):
        raise _bad(400, "OPTION_SELECTION_INVALID_PAYLOAD", "body", "must be a JSON object")
    legs = payload.get("legs")
    if not isinstance(legs, list) or not legs:
        raise _bad(400, "OPTION_SELECTION_INVALID_PAYLOAD", "legs", "must be a non-empty list")
    if len(legs) > 20:
        raise _bad(400, "OPTION_SELECTION_INVALID_PAYLOAD", "legs", "at most 20 legs")
    listed = underlying(market, db, name)
    expiry = pick_expiry(listed, payload.get("expiry"))
    options = listed.by_expiry[expiry]
    atm_value = atm_of(listed, options)
    atm = float(atm_value) if atm_value is not None else None
    resolved = [_resolve_leg(market, options, atm, leg, f"legs[{n}]") for n, leg in enumerate(legs)]
    return {
        "underlying": listed.name,
        "expiry": expiry.isoformat(),
        "resolved": resolved,
        "count": len(resolved),
        "updated_at": iso(listed.updated_at),
    }


def preview_strategy(market: OptionMarket, db: Session, payload: Any) -> dict[str, Any]:
    """Resolve a strategy's legs (each with ``transaction_type`` and ``lots``) and price it.

    ``net_premium`` is what the legs receive (+) or pay (−) at their last prices.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("underlying"), str):
        raise _bad(400, "OPTION_SELECTION_INVALID_PAYLOAD", "underlying", "name the underlying")
    resolved = resolve(market, db, payload["underlying"], payload)
    net = 0.0
    for contract, leg in zip(resolved["resolved"], payload["legs"], strict=True):
        side = str(leg.get("transaction_type", "BUY")).upper()
        lots = leg.get("lots", 1)
        if side not in ("BUY", "SELL") or not isinstance(lots, int) or not 1 <= lots <= MAX_LOTS:
            raise _bad(
                400,
                "OPTION_SELECTION_INVALID_LEG",
                "legs",
                f"transaction_type BUY|SELL, lots from 1 to {MAX_LOTS:,}",
            )
        quantity = lots * contract["lot_size"]
        contract.update(transaction_type=side, lots=lots, quantity=quantity)
        premium = (contract["ltp"] or 0.0) * quantity
        net += premium if side == "SELL" else -premium
    return {**resolved, "legs": resolved.pop("resolved"), "net_premium": round(net, 2)}
