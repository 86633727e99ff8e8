"""Market data (instruments, quotes, candles, history, calendar, index lists) and GTT.

Instruments are named ``EXCH:SYMBOL`` (a bare symbol is NSE) or by instrument token; an
all-digit string is sent as a token, as the published SDK does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tradertape_worker._base import Call, JsonDict, as_dict, endpoint, json_call, stream
from tradertape_worker._exceptions import ClientValidationError
from tradertape_worker._models import WorkerCandle, WorkerHistoricalCandles


def split_instruments(instruments: Iterable[str | int]) -> tuple[list[str], list[int]]:
    """Symbols and tokens, in the order given."""
    symbols: list[str] = []
    tokens: list[int] = []
    for item in instruments:
        text = str(item).strip()
        if isinstance(item, int) or text.isdecimal():
            tokens.append(int(text))
        elif text:
            symbols.append(text)
    return symbols, tokens


def instrument_params(instrument: str | int) -> dict[str, Any]:
    """``symbol=`` or ``instrument_token=`` for one instrument."""
    text = str(instrument).strip()
    if isinstance(instrument, int) or text.isdecimal():
        return {"instrument_token": int(text)}
    return {"symbol": text}


def _iso(value: str | datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def history_range(
    from_date: str | datetime | None,
    to_date: str | datetime | None,
    lookback_days: int | None,
    now: datetime | None = None,
) -> dict[str, str | None]:
    """``from``/``to`` for a history call; ``lookback_days`` counts back from ``to`` (or now)."""
    if lookback_days is not None and lookback_days <= 0:
        raise ClientValidationError("lookback_days must be positive")
    if from_date is not None and lookback_days is not None:
        raise ClientValidationError("from_date and lookback_days are mutually exclusive")
    if lookback_days is None:
        return {"from": _iso(from_date), "to": _iso(to_date)}
    end = to_date if to_date is not None else (now or datetime.now(UTC))
    end_at = end if isinstance(end, datetime) else datetime.fromisoformat(end)
    if end_at.tzinfo is None:
        raise ClientValidationError("to_date needs a timezone when lookback_days is used")
    return {"from": (end_at - timedelta(days=lookback_days)).isoformat(), "to": end_at.isoformat()}


def _current(body: Any) -> WorkerCandle | None:
    current = as_dict(body).get("current")
    return WorkerCandle.model_validate(current) if current else None


def _gtt_list(body: Any) -> list[JsonDict]:
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def _day(value: str | date) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


class MarketAPI:
    """Market-data and GTT endpoints (mixed into both clients)."""

    @endpoint
    def resolve_ticker(self, symbol: str) -> Call[JsonDict]:
        """One instrument: ``{symbol, instrument_token, exchange, tradingsymbol, ...}``."""
        return json_call("GET", "/worker/market/instruments/resolve", params={"symbol": symbol})

    @endpoint
    def resolve_tickers(self, instruments: Iterable[str | int]) -> Call[JsonDict]:
        """Many instruments: ``{instruments, missing}``."""
        symbols, tokens = split_instruments(instruments)
        body = {"symbols": symbols, "instrument_tokens": tokens}
        return json_call("POST", "/worker/market/instruments/resolve", body=body)

    @endpoint
    def search_tickers(
        self, query: str, exchange: str | None = None, limit: int = 20
    ) -> Call[JsonDict]:
        """Instruments whose symbol or name starts with `query`: ``{results}``."""
        params = {"query": query, "exchange": exchange, "limit": limit}
        return json_call("GET", "/worker/market/instruments/search", params=params)

    @endpoint
    def get_quotes(self, instruments: Iterable[str | int], mode: str = "quote") -> Call[JsonDict]:
        """Last ticks: ``{quotes: [...], missing: [...]}`` (``quotes`` is a list; from
        ``quote`` mode up each carries ``depth``, five bids and five offers)."""
        symbols, tokens = split_instruments(instruments)
        body = {"symbols": symbols, "instrument_tokens": tokens, "mode": mode}
        return json_call("POST", "/worker/market/quotes", body=body)

    @stream
    def stream_ticks(self, instruments: Iterable[str | int], mode: str = "quote") -> Call[JsonDict]:
        """SSE: a quotes snapshot, then ``{ticks: [...]}`` as prices move."""
        symbols, tokens = split_instruments(instruments)
        params = {"symbols": ",".join(symbols), "tokens": ",".join(map(str, tokens)), "mode": mode}
        return json_call("GET", "/worker/market/ticks/stream", params=params)

    @endpoint
    def get_candles(
        self, instrument: str | int, interval: str = "5minute", lookback: int = 50
    ) -> Call[JsonDict]:
        """Recent complete candles and the forming one (``current``)."""
        params = {**instrument_params(instrument), "interval": interval, "lookback": lookback}
        return json_call("GET", "/worker/market/candles", params=params)

    @endpoint
    def get_candles_snapshot(
        self, instrument: str | int, interval: str = "5minute", lookback: int = 50
    ) -> Call[WorkerHistoricalCandles]:
        """`get_candles`, typed."""
        params = {**instrument_params(instrument), "interval": interval, "lookback": lookback}
        return Call(
            "GET", "/worker/market/candles", WorkerHistoricalCandles.model_validate, params=params
        )

    @endpoint
    def get_current_candle(
        self, instrument: str | int, interval: str = "5minute"
    ) -> Call[WorkerCandle | None]:
        """The forming candle, if there is one."""
        params = {**instrument_params(instrument), "interval": interval, "lookback": 1}
        return Call("GET", "/worker/market/candles", _current, params=params)

    @stream
    def stream_candles(self, instrument: str | int, interval: str = "5minute") -> Call[JsonDict]:
        """SSE: the latest candles, then ``{candle: {...}}`` each time the forming one moves."""
        params = {**instrument_params(instrument), "interval": interval}
        return json_call("GET", "/worker/market/candles/stream", params=params)

    @endpoint
    def get_historical_candles(
        self,
        instrument: str | int,
        timeframe: str = "day",
        from_date: str | datetime | None = None,
        to_date: str | datetime | None = None,
        lookback_days: int | None = None,
        ingest: bool = True,
        passthrough: bool = False,
    ) -> Call[JsonDict]:
        """Historical candles over a timezone-aware range (or the last ``lookback_days``)."""
        params = {
            **instrument_params(instrument),
            "timeframe": timeframe,
            "ingest": ingest,
            "passthrough": passthrough,
            **history_range(from_date, to_date, lookback_days),
        }
        return json_call("GET", "/worker/market/history", params=params)

    @endpoint
    def get_historical_candles_snapshot(
        self,
        instrument: str | int,
        timeframe: str = "day",
        from_date: str | datetime | None = None,
        to_date: str | datetime | None = None,
        lookback_days: int | None = None,
        ingest: bool = True,
        passthrough: bool = False,
    ) -> Call[WorkerHistoricalCandles]:
        """`get_historical_candles`, typed."""
        params = {
            **instrument_params(instrument),
            "timeframe": timeframe,
            "ingest": ingest,
            "passthrough": passthrough,
            **history_range(from_date, to_date, lookback_days),
        }
        return Call(
            "GET", "/worker/market/history", WorkerHistoricalCandles.model_validate, params=params
        )

    @endpoint
    def get_market_snapshot(
        self,
        symbols: list[str] | None = None,
        instrument_tokens: list[int] | None = None,
        candles: list[Mapping[str, Any]] | None = None,
        mode: str = "quote",
    ) -> Call[JsonDict]:
        """Quotes and candles of several instruments in one call."""
        body = {
            "symbols": symbols or [],
            "instrument_tokens": instrument_tokens or [],
            "candles": [dict(c) for c in candles or []],
            "mode": mode,
        }
        return json_call("POST", "/worker/market/snapshot", body=body)

    @endpoint
    def get_market_calendar(
        self,
        from_date: str | date,
        to_date: str | date,
        *,
        exchange: str = "NSE",
        segment: str = "CM",
        schema_version: int = 1,
        provisional: bool = False,
    ) -> Call[JsonDict]:
        """Sessions, weekends and holidays between two dates (IST).

        Days past the published NSE holiday list raise `CalendarRangeUncoveredError`;
        ``provisional=True`` returns the server's guess for them instead (every weekday
        trades), each such session with ``verified`` false and ``provisional`` true.
        """
        params: dict[str, Any] = {
            "from": _day(from_date),
            "to": _day(to_date),
            "exchange": exchange,
            "segment": segment,
            "schema_version": schema_version,
        }
        if provisional:  # only when asked: the published contract's request is unchanged
            params["provisional"] = "true"
        return json_call("GET", "/worker/market/calendar", params=params)

    @endpoint
    def get_market_calendar_status(
        self, *, exchange: str = "NSE", segment: str = "CM", schema_version: int = 1
    ) -> Call[JsonDict]:
        """What range the calendar covers."""
        params = {"exchange": exchange, "segment": segment, "schema_version": schema_version}
        return json_call("GET", "/worker/market/calendar/status", params=params)

    @endpoint
    def get_index_constituents(
        self, source_list: str, *, schema_version: int = 1
    ) -> Call[JsonDict]:
        """Members of an index list (``Nifty50``, ``Nifty500``…)."""
        params = {"schema_version": schema_version}
        return json_call("GET", f"/worker/market/indices/{source_list}", params=params)

    @endpoint
    def get_index_constituent_status(
        self, source_list: str, *, schema_version: int = 1
    ) -> Call[JsonDict]:
        """Whether the index list is complete and fresh."""
        params = {"schema_version": schema_version}
        return json_call("GET", f"/worker/market/indices/{source_list}/status", params=params)

    @endpoint
    def place_gtt(self, payload: Mapping[str, Any]) -> Call[JsonDict]:
        """Place a GTT at the broker (live account scopes only)."""
        return json_call("POST", "/worker/gtt/triggers", body=dict(payload))

    @endpoint
    def list_gtts(self) -> Call[list[JsonDict]]:
        """The broker's GTT triggers (live account scopes only)."""
        return Call("GET", "/worker/gtt/triggers", _gtt_list)

    @endpoint
    def get_gtt(self, trigger_id: int) -> Call[JsonDict]:
        """One GTT trigger."""
        return json_call("GET", f"/worker/gtt/triggers/{int(trigger_id)}")

    @endpoint
    def modify_gtt(self, trigger_id: int, payload: Mapping[str, Any]) -> Call[JsonDict]:
        """Modify a GTT trigger."""
        return json_call("PUT", f"/worker/gtt/triggers/{int(trigger_id)}", body=dict(payload))

    @endpoint
    def delete_gtt(self, trigger_id: int) -> Call[JsonDict]:
        """Delete a GTT trigger."""
        return json_call("DELETE", f"/worker/gtt/triggers/{int(trigger_id)}")
