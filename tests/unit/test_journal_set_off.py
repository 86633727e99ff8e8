"""The Act's set-offs, section by section, worked by hand from the Act's text
(`journal.carry_forward`): s.70 within a head, s.71 across heads, s.72 business losses
brought forward, s.73 speculative losses, s.74 capital losses, and the s.112A exemption; and
the order where the Act leaves a choice: the income taxed at the highest rate first."""

from __future__ import annotations

from decimal import Decimal
from itertools import permutations

from hypothesis import given
from hypothesis import strategies as st

from tradertape.journal.carry_forward import (
    BUSINESS,
    LTCL,
    OTHER_SOURCES,
    SPECULATIVE,
    STCL,
    Gains,
    YearIncome,
    set_off_year,
)
from tradertape.journal.tax import LTCG, STCG, ltcg_exemption

D = Decimal
ZERO = D(0)
S15, S20, L10, L125 = D("0.15"), D("0.20"), D("0.10"), D("0.125")


def _year(
    fy: str, business: str = "0", speculative: str = "0", *gains: Gains, other: str = "0"
) -> YearIncome:
    return YearIncome(fy, D(business), D(speculative), gains, D(other))


def _carried(fy: str, years: list[YearIncome]) -> dict[tuple[str, str], Decimal]:
    return {(x.kind, x.fy): x.left for x in set_off_year(years, fy).carried_forward}


# ------------------------------------------------------------------------------- the issue's


def test_the_issues_fo_loss_absorbs_the_years_long_term_gains_before_it_is_carried():
    """Issue 63: FY 2024-25's F&O loss of ₹2,05,346.44 and ₹1.62 L of long-term gains.

    The gains: ₹62,000.00 at 10 % (sold before 23 July 2024) and ₹1,00,148.00 at 12.5 %
    (after): ₹1,62,148.00; and a short-term loss of ₹3,295.56 (15 %).
    s.70(2): the short-term loss meets no short-term gains, so it takes long-term gains, the
      12.5 % first: 1,00,148.00 − 3,295.56 = 96,852.44 left at 12.5 %.
    s.71: the F&O loss (no speculative income to meet first, s.70) takes the capital gains,
      the higher rate first: 96,852.44 at 12.5 %, then 62,000.00 at 10 %: 1,58,852.44 in all.
    Carried forward (s.72): 2,05,346.44 − 1,58,852.44 = ₹46,494.00, a business loss of
      FY 2024-25 that may be set off up to FY 2032-33.
    No long-term gains are left, so the exemption is unused and no tax at special rates.
    (Before s.71 the journal carried all ₹2,05,346.44 and taxed 62,000 − (1,25,000 −
    96,852.44) = 33,852.44 at 10 % = ₹3,385.24.)"""
    year = _year(
        "2024-25",
        "-205346.44",
        "0",
        Gains(LTCG, L10, D("62000.00")),
        Gains(LTCG, L125, D("100148.00")),
        Gains(STCG, S15, D("-3295.56")),
    )
    done = set_off_year([year], "2024-25")
    high, low = done.line(LTCG, L125), done.line(LTCG, L10)
    assert (high.within_head, high.across_heads, high.left) == (D("3295.56"), D("96852.44"), ZERO)
    assert (low.within_head, low.across_heads, low.left) == (ZERO, D("62000.00"), ZERO)
    assert done.business_across_heads == D("158852.44")
    assert [(x.kind, x.fy, x.left, x.last_fy) for x in done.carried_forward] == [
        (BUSINESS, "2024-25", D("46494.00"), "2032-33")
    ]
    assert (done.exemption, done.special_rate_tax) == (ZERO, ZERO)


# ------------------------------------------------------------------------------------ s.70


def test_s70_a_short_term_loss_meets_short_and_long_term_gains_a_long_term_loss_long_only():
    """s.70(2): a short-term capital loss is set off against any capital gain; s.70(3): a
    long-term loss only against long-term gains.

    STCG 20 % +3,000; a short-term loss of 4,000 (15 %); LTCG 12.5 % +30,000; a long-term
    loss of 6,000 (10 %).
    The short-term loss takes the 3,000 of short-term gains; the long-term loss 6,000 of the
    long-term gains (30,000 → 24,000); the short-term loss's last 1,000 then the long-term
    gains (24,000 → 23,000). Nothing is carried; the exemption covers the 23,000: no tax."""
    year = _year(
        "2024-25",
        "0",
        "0",
        Gains(STCG, S20, D(3000)),
        Gains(STCG, S15, D(-4000)),
        Gains(LTCG, L125, D(30000)),
        Gains(LTCG, L10, D(-6000)),
    )
    done = set_off_year([year], "2024-25")
    assert done.line(STCG, S20).within_head == D(3000)
    long = done.line(LTCG, L125)
    assert (long.within_head, long.left, long.exemption, long.tax) == (
        D(7000),
        D(23000),
        D(23000),
        ZERO,
    )
    assert done.carried_forward == []


def test_s70_a_long_term_loss_never_meets_short_term_gains():
    """s.70(3): LTCL 5,000 and STCG 20 % 8,000: the gains are taxed whole, 8,000 × 20 % =
    1,600, and the long-term loss is carried forward (s.74(1)(b))."""
    year = _year("2024-25", "0", "0", Gains(STCG, S20, D(8000)), Gains(LTCG, L10, D(-5000)))
    done = set_off_year([year], "2024-25")
    assert done.special_rate_tax == D(1600)
    assert _carried("2024-25", [year]) == {(LTCL, "2024-25"): D(5000)}


def test_s70_the_fo_loss_meets_the_speculative_income_first():
    """Speculative income is income of the same head (business), so the F&O loss meets it
    before any other head (Schedule BP E): −4,000 F&O, +2,500 intraday, +10,000 STCG at 20 %.
    BP E 2,500; then s.71: 1,500 of the STCG; 8,500 × 20 % = 1,700."""
    year = _year("2024-25", "-4000", "2500", Gains(STCG, S20, D(10000)))
    done = set_off_year([year], "2024-25")
    assert (done.business_set_off, done.business_across_heads) == (D(2500), D(1500))
    assert done.special_rate_tax == D(1700)
    assert done.made == []


# ------------------------------------------------------------------------------------ s.71


def test_s71_the_fo_loss_meets_other_heads_the_highest_taxed_first():
    """s.71(1)-(2): a loss under a head other than capital gains is set off against the
    year's income under any other head (salary excepted, s.71(2A)), capital gains included.

    F&O −50,000; intraday +8,000; buyback proceeds taxed as dividend (other sources) +12,000;
    STCG +10,000 at 15 % and +15,000 at 20 %; LTCG +1,40,000 at 12.5 % and +20,000 at 10 %.
    s.70: 8,000 of intraday income (BP E) → 42,000 left.
    s.71, slab income first, then 20 %, 15 %, 12.5 %, 10 %: other sources 12,000 (30,000
      left), STCG 20 % 15,000 (15,000), STCG 15 % 10,000 (5,000), LTCG 12.5 % 5,000 (0).
    The exemption: 1,25,000 of the 1,35,000 left at 12.5 %; then none for 10 %.
    Tax: 10,000 × 12.5 % = 1,250 + 20,000 × 10 % = 2,000 → ₹3,250.
    (Per rate, before set-off: 10,000 × 15 % + 15,000 × 20 % + 15,000 × 12.5 % +
    20,000 × 10 % = 1,500 + 3,000 + 1,875 + 2,000 = ₹8,375.)"""
    year = _year(
        "2024-25",
        "-50000",
        "8000",
        Gains(STCG, S15, D(10000)),
        Gains(STCG, S20, D(15000)),
        Gains(LTCG, L125, D(140000)),
        Gains(LTCG, L10, D(20000)),
        other="12000",
    )
    done = set_off_year([year], "2024-25")
    across = {(x.head, x.rate): x.across_heads for x in done.lines if x.across_heads}
    assert across == {
        (OTHER_SOURCES, None): D(12000),
        (STCG, S20): D(15000),
        (STCG, S15): D(10000),
        (LTCG, L125): D(5000),
    }
    assert done.line(LTCG, L125).exemption == D(125000)
    assert done.special_rate_tax == D(3250)
    assert (done.slab_income, done.made) == (ZERO, [])


def test_s71_3_a_capital_loss_is_not_set_off_against_another_head():
    """s.71(3): a short-term capital loss of 10,000 and F&O income of 20,000: the F&O income
    stays whole, and the loss is carried forward as a capital loss."""
    year = _year("2024-25", "20000", "0", Gains(STCG, S20, D(-10000)))
    done = set_off_year([year], "2024-25")
    assert done.business_left == D(20000)
    assert _carried("2024-25", [year]) == {(STCL, "2024-25"): D(10000)}


def test_s71_a_capital_head_in_loss_takes_nothing_from_the_fo_loss():
    """s.71 sets a loss off against income under another head: when the year's capital gains
    net to a loss (s.70 first: STCL 3,000 against LTCG 1,000), there is none to meet, and both
    losses are carried: F&O 10,000, STCL 2,000."""
    year = _year("2023-24", "-10000", "0", Gains(STCG, S15, D(-3000)), Gains(LTCG, L10, D(1000)))
    assert _carried("2023-24", [year]) == {
        (BUSINESS, "2023-24"): D(10000),
        (STCL, "2023-24"): D(2000),
    }


# ------------------------------------------------------------------------------------ s.72


def test_s72_a_business_loss_brought_forward_meets_business_income_only_for_8_years():
    """s.72(1): a business loss carried forward is set off against business income only, not
    capital gains; s.72(3): for 8 assessment years after the one it was computed for.

    FY 2016-17 (AY 2017-18): F&O −30,000. FY 2024-25 (AY 2025-26, the 8th after): F&O +10,000
    and STCG +50,000 at 20 %. The loss takes the 10,000 of F&O income, not the gains; its
    20,000 left lapses after this, its last year; the gains are taxed whole: 10,000."""
    years = [_year("2016-17", "-30000"), _year("2024-25", "10000", "0", Gains(STCG, S20, D(50000)))]
    done = set_off_year(years, "2024-25")
    (loss,) = done.brought_forward
    assert (loss.kind, loss.set_off, loss.left, loss.last_fy) == (
        BUSINESS,
        D(10000),
        D(20000),
        "2024-25",
    )
    assert [(x.kind, x.left) for x in done.lapsed] == [(BUSINESS, D(20000))]
    assert (done.carried_forward, done.business_left, done.special_rate_tax) == (
        [],
        ZERO,
        D(10000),
    )


# ------------------------------------------------------------------------------------ s.73


def test_s73_a_speculative_loss_meets_speculative_income_only_for_4_years():
    """s.73(1)-(2): a speculative loss is set off only against speculative income, the year's
    and later years'; s.73(4): for 4 assessment years after its own.

    FY 2020-21: intraday −5,000 and STCG +20,000 at 15 % (taxed whole: 3,000). FY 2021-22:
    F&O +10,000 (no use to it). FY 2024-25, its last year: intraday +3,000 takes 3,000; 2,000
    lapses. FY 2025-26: intraday +7,000 meets nothing brought forward."""
    years = [
        _year("2020-21", "0", "-5000", Gains(STCG, S15, D(20000))),
        _year("2021-22", "10000"),
        _year("2024-25", "0", "3000"),
        _year("2025-26", "0", "7000"),
    ]
    first = set_off_year(years, "2020-21")
    assert first.special_rate_tax == D(3000)
    assert _carried("2021-22", years) == {(SPECULATIVE, "2020-21"): D(5000)}
    last = set_off_year(years, "2024-25")
    assert [(x.set_off, x.left) for x in last.brought_forward] == [(D(3000), D(2000))]
    assert [(x.kind, x.left) for x in last.lapsed] == [(SPECULATIVE, D(2000))]
    after = set_off_year(years, "2025-26")
    assert (after.brought_forward, after.speculative_left) == ([], D(7000))


def test_s73_the_years_speculative_loss_never_meets_fo_income_or_gains():
    """s.73(1): intraday −4,000, F&O +6,000, STCG +1,000 at 20 %: nothing set off."""
    year = _year("2024-25", "6000", "-4000", Gains(STCG, S20, D(1000)))
    done = set_off_year([year], "2024-25")
    assert (done.business_left, done.special_rate_tax) == (D(6000), D(200))
    assert _carried("2024-25", [year]) == {(SPECULATIVE, "2024-25"): D(4000)}


# ------------------------------------------------------------------------------------ s.74


def test_s74_capital_losses_brought_forward_before_the_exemption():
    """s.74(1)(a): a short-term loss carried forward is set off against any capital gains;
    (b): a long-term loss against long-term gains only. The set-off is not optional, so it
    comes before the s.112A exemption (whose ₹1,25,000 is of the gains left).

    FY 2023-24: STCL 20,000, LTCL 30,000. FY 2024-25: STCG +5,000 at 15 %, LTCG +1,60,000 at
    12.5 %. BFLA: the STCL takes the 5,000 of STCG; the LTCL 30,000 of LTCG (1,30,000 left);
    the STCL's last 15,000 the LTCG (1,15,000 left). The exemption covers 1,15,000: no tax."""
    years = [
        _year("2023-24", "0", "0", Gains(STCG, S15, D(-20000)), Gains(LTCG, L10, D(-30000))),
        _year("2024-25", "0", "0", Gains(STCG, S15, D(5000)), Gains(LTCG, L125, D(160000))),
    ]
    done = set_off_year(years, "2024-25")
    used = {x.kind: x.set_off for x in done.brought_forward}
    assert used == {STCL: D(20000), LTCL: D(30000)}
    long = done.line(LTCG, L125)
    assert (long.brought_forward, long.left, long.exemption) == (D(45000), D(115000), D(115000))
    assert (done.special_rate_tax, done.carried_forward) == (ZERO, [])


# ------------------------------------------------------------------------- s.112A exemption


def test_the_112a_exemption_by_year_and_where_it_saves_most():
    """s.112A(1) proviso: tax on long-term gains above ₹1,00,000 (₹1,25,000 from
    FY 2024-25, Finance (No. 2) Act 2024).

    FY 2023-24: LTCG 1,50,000 at 10 %: (1,50,000 − 1,00,000) × 10 % = 5,000.
    FY 2024-25: LTCG 80,000 at 10 % and 70,000 at 12.5 %. The exemption goes first to the
    12.5 % gains (70,000), then 55,000 of the 10 %: 25,000 × 10 % = 2,500 (the other way,
    80,000 and 45,000: 25,000 × 12.5 % = 3,125)."""
    assert (ltcg_exemption("2023-24"), ltcg_exemption("2024-25")) == (D(100000), D(125000))
    before = set_off_year([_year("2023-24", "0", "0", Gains(LTCG, L10, D(150000)))], "2023-24")
    assert before.special_rate_tax == D(5000)
    year = _year("2024-25", "0", "0", Gains(LTCG, L10, D(80000)), Gains(LTCG, L125, D(70000)))
    done = set_off_year([year], "2024-25")
    assert (done.line(LTCG, L125).exemption, done.line(LTCG, L10).exemption) == (
        D(70000),
        D(55000),
    )
    assert done.special_rate_tax == D(2500)


# -------------------------------------------------------------------- the order of choice

RATES = ((STCG, S15), (STCG, S20), (LTCG, L10), (LTCG, L125))


Key = tuple[str, Decimal]


def _tax_in_order(loss: Decimal, gains: dict[Key, Decimal], order: tuple[Key, ...]) -> Decimal:
    """An independent calculator: the loss taken by the gains in `order`, then the ₹1,25,000
    exemption against each long-term rate in every order; the least tax that leaves."""
    left = dict(gains)
    for key in order:
        used = min(loss, left[key])
        left[key] -= used
        loss -= used
    best = None
    for long in permutations([(LTCG, L10), (LTCG, L125)]):
        room, taxed = D(125000), dict(left)
        for key in long:
            used = min(room, taxed[key])
            taxed[key] -= used
            room -= used
        tax = sum((v * key[1] for key, v in taxed.items()), ZERO)
        best = tax if best is None else min(best, tax)
    assert best is not None
    return best


amounts = st.integers(min_value=0, max_value=400_000).map(D)


@given(loss=amounts, s15=amounts, s20=amounts, l10=amounts, l125=amounts)
def test_the_order_of_set_off_leaves_the_least_tax_of_any_order(loss, s15, s20, l10, l125):
    """Whatever the amounts, no other order of setting the F&O loss off against the gains
    (nor of using the exemption) leaves less tax than the computation's, and the loss set
    off plus the loss carried is the loss."""
    gains = dict(zip(RATES, (s15, s20, l10, l125), strict=True))
    year = _year("2024-25", str(-loss), "0", *(Gains(k, r, v) for (k, r), v in gains.items()))
    done = set_off_year([year], "2024-25")
    least = min(_tax_in_order(loss, gains, order) for order in permutations(RATES))
    exact = sum((x.taxable * x.rate for x in done.lines if x.rate is not None), ZERO)
    assert exact == least
    carried = sum((x.left for x in done.carried_forward), ZERO)
    assert done.business_across_heads + carried == loss
    assert all(x.left >= 0 and x.taxable >= 0 for x in done.lines)
