"""The assistant's journal P&L: round trips narrowed to what was asked ("what did my NIFTY
options make this expiry?"), computed by the same function as ``GET /api/journal/pnl``
(`services.journal.round_trips`), answered in its shape (`PnlOut`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field
from sqlalchemy.orm import Session

from tradertape.api.schemas.journal import PnlOut
from tradertape.api.schemas.journal_pnl import pnl_out
from tradertape.errors import InvalidField
from tradertape.mcp.desk import AssistantDesk, Caller
from tradertape.mcp.tools import READ, READS
from tradertape.services.journal import ledger, round_trips


def register(server: MCPServer, desk: AssistantDesk) -> None:
    """Add the journal P&L tool to `server`."""
    runtime = desk.runtime

    @server.tool(annotations=READS)
    async def journal_pnl(
        ctx: Context,
        underlying: Annotated[
            str | None,
            Field(
                max_length=40,
                description="an F&O underlying (NIFTY: its futures and options) or a share (INFY)",
            ),
        ] = None,
        expiry: Annotated[date | None, Field(description="an F&O contract's expiry day")] = None,
        start: Annotated[date | None, Field(description="round trips closed on or after")] = None,
        end: Annotated[date | None, Field(description="round trips closed on or before")] = None,
        segment: Literal["EQ", "FO"] | None = None,
        include_paper: bool = False,
    ) -> PnlOut:
        """The journal's realised P&L: FIFO round trips (each with its gross P&L, charges
        and net) and open positions with their unrealised P&L, narrowed to an underlying,
        an expiry, a range of closing days (IST) and a segment; totals and each financial
        year's are of what is kept. For "what did my NIFTY straddles make this expiry?" ask
        underlying NIFTY and that expiry: the journal knows contracts, not the structures
        they were part of. Real trades only unless ``include_paper`` (``paper_round_trips``
        counts the paper ones left out)."""

        def work(db: Session, caller: Caller) -> PnlOut:
            if start is not None and end is not None and end < start:
                raise InvalidField("end", f"{end} is before start ({start})")
            today = ledger.ist_today(runtime.clock.now())
            found = round_trips.pnl_books(
                db,
                user_id=caller.user_id,
                group_id=None,
                members=None,
                reference=ledger.Reference.load(runtime.settings.data_dir),
                today=today,
                marks=ledger.candle_marks(runtime.candles, runtime.portfolio.last_tick, today),
                include_paper=include_paper,
                only=round_trips.TripFilter(
                    underlying=underlying, expiry=expiry, start=start, end=end, segment=segment
                ),
            )
            return pnl_out(found)

        args = {
            "underlying": underlying,
            "expiry": None if expiry is None else expiry.isoformat(),
            "start": None if start is None else start.isoformat(),
            "end": None if end is None else end.isoformat(),
            "segment": segment,
            "include_paper": include_paper,
        }
        return await desk.call(ctx, "journal_pnl", args, READ, work)
