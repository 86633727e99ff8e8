"""Losses carried forward by kind and year, set off in the years after, and lapsing."""

from __future__ import annotations

from decimal import Decimal

from tradertape.journal.carry_forward import (
    BUSINESS,
    LTCL,
    SPECULATIVE,
    STCL,
    Gains,
    YearIncome,
    assessment_year,
    last_year,
    set_off_year,
)

D = Decimal
ZERO = D(0)


def _year(fy: str, business: int = 0, speculative: int = 0, *gains: Gains) -> YearIncome:
    return YearIncome(fy, D(business), D(speculative), gains)


def _carried(fy: str, years: list[YearIncome]) -> dict[tuple[str, str], Decimal]:
    return {(x.kind, x.fy): x.left for x in set_off_year(years, fy).carried_forward}


def test_how_long_each_kind_lasts():
    assert assessment_year("2024-25") == "2025-26"
    assert last_year(SPECULATIVE, "2019-20") == "2023-24"  # 4 assessment years after AY 2020-21
    assert last_year(BUSINESS, "2019-20") == "2027-28"
    assert last_year(STCL, "2019-20") == last_year(LTCL, "2019-20") == "2027-28"


def test_a_speculative_loss_is_set_off_against_speculative_income_only_and_lapses():
    years = [
        _year("2019-20", 0, -1500),
        _year("2020-21", 50_000, 0),  # business income: no use to a speculative loss
        _year("2023-24", 0, 400),
        _year("2024-25", 0, 5_000),
    ]
    assert _carried("2020-21", years) == {(SPECULATIVE, "2019-20"): D(1500)}
    last = set_off_year(years, "2023-24")  # its last year: ₹400 of it used, ₹1,100 lapses
    (used,) = last.brought_forward
    assert (used.kind, used.amount, used.set_off, used.left) == (
        SPECULATIVE,
        D(1500),
        D(400),
        D(1100),
    )
    assert [(x.kind, x.left) for x in last.lapsed] == [(SPECULATIVE, D(1100))]
    assert last.carried_forward == []
    after = set_off_year(years, "2024-25")
    assert (after.brought_forward, after.speculative_left) == ([], D(5_000))


def test_a_business_loss_takes_fo_income_then_speculative_oldest_year_first():
    years = [
        _year("2021-22", -3_000),
        _year("2022-23", -2_000, -700),
        _year("2023-24", 1_000, 3_000),
    ]
    done = set_off_year(years, "2023-24")
    by = {(x.kind, x.fy): (x.set_off, x.left) for x in done.brought_forward}
    # the speculative loss first takes its own ₹700; then ₹3,000 of 2021-22 takes the ₹1,000
    # of F&O and ₹2,000 of the ₹2,300 speculative left; 2022-23's then the last ₹300
    assert by[SPECULATIVE, "2022-23"] == (D(700), ZERO)
    assert by[BUSINESS, "2021-22"] == (D(3_000), ZERO)
    assert by[BUSINESS, "2022-23"] == (D(300), D(1_700))
    assert (done.business_left, done.speculative_left) == (ZERO, ZERO)
    assert _carried("2023-24", years) == {(BUSINESS, "2022-23"): D(1_700)}


def test_the_years_own_fo_loss_is_set_off_against_its_speculative_income():
    done = set_off_year([_year("2024-25", -4_000, 2_500)], "2024-25")
    assert done.business_set_off == D(2_500)
    assert [(x.kind, x.amount) for x in done.made] == [(BUSINESS, D(1_500))]


def test_capital_losses_short_against_both_long_against_long_only():
    stcg20, ltcg125 = D("0.20"), D("0.125")
    years = [
        _year(
            "2023-24",
            0,
            0,
            Gains("stcg", D("0.15"), D(-5_000)),
            Gains("ltcg", D("0.10"), D(-2_000)),
        ),
        _year(
            "2024-25",
            0,
            0,
            Gains("stcg", D("0.15"), D(1_000)),
            Gains("stcg", stcg20, D(1_500)),
            Gains("ltcg", ltcg125, D(10_000)),
        ),
    ]
    assert _carried("2023-24", years) == {(STCL, "2023-24"): D(5_000), (LTCL, "2023-24"): D(2_000)}
    done = set_off_year(years, "2024-25")
    gains = {(g.head, g.rate): g for g in done.gains()}
    # the short-term loss takes the 20 % gains, then the 15 %; the long-term loss ₹2,000 of
    # the long-term gains; the short-term loss's last ₹2,500 the long-term gains left
    assert gains["stcg", stcg20].brought_forward == D(1_500)
    assert gains["stcg", D("0.15")].brought_forward == D(1_000)
    assert gains["ltcg", ltcg125].brought_forward == D(4_500)
    assert gains["ltcg", ltcg125].left == D(5_500)
    assert gains["ltcg", ltcg125].exemption == D(5_500)
    assert done.carried_forward == []


def test_a_long_term_loss_never_meets_short_term_gains():
    years = [
        _year("2023-24", 0, 0, Gains("ltcg", D("0.10"), D(-2_000))),
        _year("2024-25", 0, 0, Gains("stcg", D("0.20"), D(9_000))),
    ]
    assert _carried("2024-25", years) == {(LTCL, "2023-24"): D(2_000)}
