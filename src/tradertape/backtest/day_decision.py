"""What `kernel.decide_day` reads of a panel, derived once for every decision on it.

The portfolio scanner decides one close at a time with it; the warm-up builds the kernel
through it too (`backtest.warmup`), so the arguments it compiles for are the scanner's own.
"""

from __future__ import annotations

from tradertape.backtest import kernel
from tradertape.backtest.engine import market_of, sector_ids
from tradertape.candles.panel import Panel, day_numbers
from tradertape.indicators import IndicatorBook
from tradertape.strategies.compile import CompiledStrategy, compile_strategy
from tradertape.strategies.dsl import StrategyDocument


class Loaded:
    """One panel with what every scan of it derives alike: indicators, kernel arrays, sectors.

    Scans of the same universe on the same close share one (the scanner's `ScanMarket`),
    so an indicator five strategies read is computed once, not five times.
    """

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.indicators = IndicatorBook.from_panel(panel)
        self.day_numbers = day_numbers(panel.days)
        self.column = {key: j for j, key in enumerate(panel.keys)}
        self.sector_ids = sector_ids(panel.sectors)

        self._bound: dict[str, tuple[CompiledStrategy, kernel.Market]] = {}

    def bind(
        self, document: StrategyDocument, key: str | None = None
    ) -> tuple[CompiledStrategy, kernel.Market]:
        """The document compiled against this panel, and the kernel's market arrays for it.

        Portfolios running the same strategy with the same settings (the built-in models'
        defaults, say) get the same compiled rules; nothing downstream writes to them.
        ``key``: the document's JSON when the caller has it already (the scanner's batch).
        """
        key = key if key is not None else document.model_dump_json()
        if key not in self._bound:
            compiled = compile_strategy(
                document, self.indicators, day_numbers=self.day_numbers, keys=self.panel.keys
            )
            self._bound[key] = (compiled, market_of(self.panel, compiled, self.sector_ids))
        return self._bound[key]

    def new_book(self, cash: float) -> kernel.Book:
        """An empty kernel book for this panel's columns and sectors, holding `cash`."""
        return kernel.new_book(len(self.panel.keys), int(self.sector_ids.max(initial=-1)) + 1, cash)
