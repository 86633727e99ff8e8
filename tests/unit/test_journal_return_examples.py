"""The worked examples of docs/journal.md ("The return's figures"), read from the page itself:
each example's trades go through FIFO and the tax year, and every figure its tables give
must come out to the paisa. A changed rule or a changed page fails here."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.test_journal_pnl import trade
from tradertape.journal.audit_44ab import audit_hint
from tradertape.journal.carry_forward import YearIncome, set_off_year
from tradertape.journal.pnl import fifo
from tradertape.journal.return_figures import (
    business_figures,
    capital_gains_figures,
    loss_figures,
)
from tradertape.journal.schedule_112a import Row112A
from tradertape.journal.schedule_bp import schedule_bp
from tradertape.journal.tax import TaxYear, tax_year
from tradertape.journal.trades import JournalTrade

DOC = Path(__file__).resolve().parents[2] / "docs" / "journal.md"
MARKER = re.compile(r"<!-- example: (\w+)(?: fy=(\d{4}-\d{2}))? -->")
Table = list[dict[str, str]]


def _tables(text: str) -> dict[str, Table]:
    """The markdown tables of `text` by their first header cell."""
    found: dict[str, Table] = {}
    lines = [ln.strip() for ln in text.splitlines()]
    i = 0
    while i < len(lines):
        if not lines[i].startswith("|"):
            i += 1
            continue
        block = []
        while i < len(lines) and lines[i].startswith("|"):
            block.append([c.strip() for c in lines[i].strip("|").split("|")])
            i += 1
        header, rows = block[0], block[2:]
        found[header[0]] = [dict(zip(header, row, strict=True)) for row in rows]
    return found


def _examples() -> dict[str, tuple[str | None, dict[str, Table]]]:
    text = DOC.read_text("utf-8")
    marks = list(MARKER.finditer(text))
    found = {}
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        body = text[mark.end() : end].split("\n### ")[0]
        found[mark.group(1)] = (mark.group(2), _tables(body))
    return found


EXAMPLES = _examples()


def _money(cell: str) -> Decimal | None:
    text = cell.replace("₹", "").replace(",", "")
    return None if text in ("—", "") else Decimal(text)


def _trades(table: Table) -> list[JournalTrade]:
    made = []
    for row in table:
        one = trade(
            row["Symbol"],
            row["Day"],
            row["Side"],
            int(row["Quantity"]),
            str(_money(row["Price"])),
            charges=row["Charges"].replace(",", ""),
            segment=row["Segment"],
        )
        made.append(replace(one, isin=None if row["ISIN"] == "—" else row["ISIN"]))
    return made


def _year(name: str, fy: str) -> TaxYear:
    _, tables = EXAMPLES[name]
    fmv = {r["ISIN"]: _money(r["FMV"]) for r in tables.get("ISIN", [])}
    trips = fifo(_trades(tables["Day"])).trips
    return tax_year(trips, fy, fmv={k: v for k, v in fmv.items() if v is not None})


def _row(r: Row112A) -> tuple[object, ...]:
    return (
        r.acquired,
        r.transferred,
        r.isin,
        r.name,
        r.units,
        r.sale_price,
        r.consideration,
        r.cost,
        r.actual_cost,
        r.lower_of_fmv_and_sale,
        r.fmv_per_unit,
        r.fmv_total,
        r.expenditure,
        r.deductions,
        r.balance,
    )


def _doc_row(row: dict[str, str]) -> tuple[object, ...]:
    columns = [str(n) for n in range(5, 15)]
    return (
        row["1a"],
        row["1b"],
        None if row["ISIN"] == "—" else row["ISIN"],
        row["Name"],
        Decimal(row["4"]),
        *(_money(row[c]) for c in columns),
    )


def _figures(name: str, fy: str) -> list[tuple[str, str, Decimal | None]]:
    _, tables = EXAMPLES[name]
    return [(r["Schedule"], r["Field"], _money(r["Amount"])) for r in tables["FY"] if r["FY"] == fy]


def test_the_page_has_every_example():
    assert sorted(EXAMPLES) == ["A", "B", "C", "D", "E", "F"]


@pytest.mark.parametrize("name", ["A", "B", "C"])
def test_schedule_112a_examples(name: str):
    fy, tables = EXAMPLES[name]
    assert fy is not None
    year = _year(name, fy)
    assert [_row(r) for r in year.schedule_112a] == [_doc_row(r) for r in tables["1a"]]
    for r in year.schedule_112a:  # the form's own arithmetic, row by row
        if r.sale_price is not None:
            assert r.consideration == r.units * r.sale_price
        assert r.deductions == r.cost + r.expenditure
        assert r.balance == r.consideration - r.deductions
    ltcg = sum((b.net for b in year.buckets if b.kind == "ltcg"), Decimal(0))
    assert sum((r.balance for r in year.schedule_112a), Decimal(0)) == ltcg
    if "FY" in tables:
        found = [(f.schedule, f.field, f.amount) for f in capital_gains_figures(year)]
        assert found == _figures(name, fy)


def test_example_d_the_business_in_itr3():
    year = _year("D", "2024-25")
    done = set_off_year([YearIncome.of(year)], "2024-25")
    found = [(f.schedule, f.field, f.amount) for f in business_figures(schedule_bp(year), done)]
    assert found == _figures("D", "2024-25")


def test_example_e_the_audit_hint():
    _, tables = EXAMPLES["E"]
    first = schedule_bp(_year("D", "2024-25"))
    assert (
        _money(tables["Turnover"][0]["Turnover"]),
        _money(tables["Turnover"][0]["Declared"]),
    ) == (
        first.turnover,
        first.business_income + first.speculative_income,
    )
    for row in tables["Turnover"]:
        turnover, declared = _money(row["Turnover"]), _money(row["Declared"])
        assert turnover is not None
        assert declared is not None
        hint = audit_hint(
            turnover=turnover, declared=declared, cash_within_limit=row["Cash within 5 %"] == "yes"
        )
        assert (
            hint.threshold,
            hint.audit_by_turnover,
            hint.presumptive_eligible,
            hint.presumptive_income,
            hint.below_presumptive,
        ) == (
            _money(row["Threshold"]),
            row["Audit by turnover"] == "yes",
            row["s.44AD open"] == "yes",
            _money(row["6 % of turnover"]),
            row["Below 6 %"] == "yes",
        )
        assert hint.words()  # said in sentences too


def test_example_f_losses_carried_forward_and_set_off():
    _, tables = EXAMPLES["F"]
    trips = fifo(_trades(tables["Day"])).trips
    years = [YearIncome.of(tax_year(trips, fy)) for fy in ("2023-24", "2024-25")]
    for fy in ("2023-24", "2024-25"):
        found = [(f.schedule, f.field, f.amount) for f in loss_figures(set_off_year(years, fy))]
        assert found == _figures("F", fy)
    # the ₹1,500 speculative loss of FY 2023-24 is there the next year, and used
    after = set_off_year(years, "2024-25")
    (speculative,) = [x for x in after.brought_forward if x.kind == "speculative"]
    assert (speculative.fy, speculative.amount, speculative.set_off) == (
        "2023-24",
        Decimal(1500),
        Decimal(1500),
    )
    assert (after.speculative_left, after.business_left) == (Decimal(0), Decimal(0))
    ltcg = after.line("ltcg", Decimal("0.125"))
    assert ltcg.left == Decimal(3500)
    assert ltcg.taxable == 0  # inside the ₹1,25,000
