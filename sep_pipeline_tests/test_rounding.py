"""Standard rounding and disclosure control (METHODOLOGY.md, "Standard rounding", "Markers")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sep_pipeline.methodology.rounding import (
    LOW,
    C,
    Published,
    X,
    Z,
    gap_value,
    publish_count,
    publish_gap,
    publish_pct,
    publish_pct_pair,
    publish_value,
    round_half_away,
)

D = Decimal


def value(p: Published) -> Decimal:
    assert p.marker is None, p
    return p.value


# --- Rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        (12.25, 1, "12.3"),  # round() would give 12.2 (half to even)
        (-12.25, 1, "-12.3"),  # away from zero, not up
        (0.125, 2, "0.13"),  # round() gives 0.12
        (Fraction(245, 20), 1, "12.3"),  # 245/20 = 12.25 exactly
        (Fraction(-245, 20), 1, "-12.3"),
        (Fraction(1, 3), 2, "0.33"),
        (D("2.675"), 2, "2.68"),
        (12.24, 1, "12.2"),
        (7, 1, "7.0"),
        (0, 1, "0.0"),
        (Fraction(5, 2), 0, "3"),
        # A float is read as the decimal it prints as: 1.005 (binary 1.00499999...) -> 1.01.
        (1.005, 2, "1.01"),
    ],
)
def test_round_half_away(x, places, expected):
    assert round_half_away(x, places) == D(expected)
    assert str(round_half_away(x, places)) == expected  # the places are kept: 7 -> "7.0"


def test_python_round_would_be_wrong():
    # Why the module exists: Python and pandas round half to even.
    assert round(12.25, 1) == 12.2 and round(0.125, 2) == 0.12
    assert round_half_away(12.25, 1) == D("12.3")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), D("NaN")])
def test_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        round_half_away(bad, 1)


@given(st.integers(-10**12, 10**12), st.integers(0, 6))
def test_every_exact_half_rounds_away_from_zero(n, k):
    # (2n+1) / (2 * 10^k) is exactly half a unit of the k-th place; its magnitude rounds up to
    # (|2n+1| + 1) / 2 units, with the sign kept.
    x = Fraction(2 * n + 1, 2 * 10**k)
    units = (abs(2 * n + 1) + 1) // 2
    expected = Fraction(units if x > 0 else -units, 10**k)
    assert Fraction(round_half_away(x, k)) == expected


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False), st.integers(0, 3))
def test_agrees_with_decimal_half_up(x, k):
    # Decimal's ROUND_HALF_UP is half away from zero; on exact decimals the two must agree.
    assert round_half_away(x, k) == x.quantize(D(1).scaleb(-k), rounding=ROUND_HALF_UP)


# --- Counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, D(0)), (1, C), (2, C), (3, C), (4, C), (5, D(5)), (7, D(5)), (8, D(10)), (12, D(10)),
     (13, D(15)), (1002, D(1000)), (1003, D(1005))],
)
def test_publish_count(n, expected):
    p = publish_count(n)
    assert (p.marker if isinstance(expected, str) else p.value) == expected


@given(st.integers(0, 10**7))
def test_no_published_count_is_1_to_4(n):
    p = publish_count(n)
    if 1 <= n <= 4:
        assert p == Published(None, C)
    else:
        assert p.marker is None
        assert p.value % 5 == 0 and abs(p.value - n) <= 2
        assert not 1 <= p.value <= 4


# --- Percentages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (5, 10, "50.0"),  # denominator 10 is enough
        (5, 9, C),  # denominator 9 is not
        (1, 50, C),  # numerator 1-4
        (4, 50, C),
        (46, 50, C),  # the complement is 4: it would reveal 4 people
        (45, 50, "90.0"),  # complement 5
        (0, 50, "0.0"),  # 0 is not disclosive
        (50, 50, "100.0"),  # nor is a complement of 0
        (0, 0, Z),  # no one to take a percentage of
        (1, 8, C),  # 12.5% of 8: small on every count
        (49, 400, "12.3"),  # 12.25% exactly, half away from zero
        (Fraction(9, 2), 20, C),  # 4.5 (fractional) people is below 5
        (Fraction(11, 2), 20, "27.5"),
    ],
)
def test_publish_pct(num, den, expected):
    p = publish_pct(num, den)
    assert (p.marker if expected.startswith("[") else str(p.value)) == expected


def test_pct_pair_adjusts_the_larger_when_both_halves_round_up():
    # 49 of 400 = 12.25% and 351 of 400 = 87.75%: rounded alone they make 12.3 + 87.8 = 100.1,
    # so the larger gives back the 0.1: 12.3 + 87.7.
    a, b = publish_pct_pair(49, 351)
    assert (value(a), value(b)) == (D("12.3"), D("87.7"))
    a, b = publish_pct_pair(351, 49)
    assert (value(a), value(b)) == (D("87.7"), D("12.3"))
    # 1 of 3 = 33.33..% + 66.66..% -> 33.3 + 66.7, already 100.0: untouched.
    a, b = publish_pct_pair(10, 20)
    assert (value(a), value(b)) == (D("33.3"), D("66.7"))
    # A small group suppresses both: its complement would give it away.
    assert publish_pct_pair(3, 20) == (Published(None, C), Published(None, C))


@given(st.fractions(min_value=0, max_value=1000, max_denominator=12),
       st.fractions(min_value=0, max_value=1000, max_denominator=12))
def test_pct_pair_sums_to_100_or_is_suppressed_together(a, b):
    pa, pb = publish_pct_pair(a, b)
    assert (pa.value is None) == (pb.value is None)
    if pa.value is not None:
        assert pa.value + pb.value == D("100.0")


def test_publish_value():
    assert publish_value(None, 1) == Published(None, X)
    assert publish_value(None, 1, marker_if_none=Z) == Published(None, Z)
    assert publish_value(Fraction(1, 8), 2) == Published(D("0.13"))


def test_published_has_exactly_one_of_value_and_marker():
    with pytest.raises(ValueError):
        Published(D(1), C)
    with pytest.raises(ValueError):
        Published(None, None)
    with pytest.raises(ValueError):
        Published(None, "[q]")
    assert Published(D("12.3")).cells() == (12.3, None)
    assert Published(None, LOW).cells() == (None, LOW)


# --- Gaps --------------------------------------------------------------------------------------


def test_gap_of_exactly_12_25_rounds_up():
    # A paid 20.00, B paid 17.55: (20 - 17.55) / 20 x 100 = 2.45 / 20 x 100 = 12.25 exactly.
    # In floats (20 - 17.55) / 20 * 100 = 12.249999999999996 and round() gives 12.2: wrong.
    a, b = [20.00] * 10, [17.55] * 10
    assert gap_value(a, b, "mean") == Fraction(49, 4)
    assert value(publish_gap(a, b, "mean")) == D("12.3")
    assert value(publish_gap(a, b, "median")) == D("12.3")


def test_gap_of_exactly_3_45_rounds_up():
    # (20.00 - 19.31) / 20.00 x 100 = 0.69 / 20 x 100 = 3.45 exactly -> 3.5.
    assert value(publish_gap([20.00] * 10, [19.31] * 10, "mean")) == D("3.5")


def test_negative_half_gap_rounds_away_from_zero():
    # B paid more: (20.00 - 22.45) / 20.00 x 100 = -2.45 / 20 x 100 = -12.25 -> -12.3.
    assert value(publish_gap([20] * 10, [22.45] * 10, "mean")) == D("-12.3")


def test_reliability_threshold_9_and_10():
    # Means 20 and 15: gap (20 - 15) / 20 x 100 = 25.0, published only with 10 in each group.
    ten_a, ten_b = [20] * 10, [15] * 10
    assert value(publish_gap(ten_a, ten_b, "mean")) == D("25.0")
    assert publish_gap(ten_a, ten_b[:9], "mean") == Published(None, LOW)
    assert publish_gap(ten_a[:9], ten_b, "median") == Published(None, LOW)


def test_median_of_an_even_group_is_the_mean_of_the_middle_two():
    # A = 10, 11, 13, 20 three times; sorted, the 6th and 7th of 12 are 11 and 13: median 12.
    # B's median is 9: (12 - 9) / 12 x 100 = 25.
    a = [10, 11, 13, 20] * 3
    b = [9] * 10
    assert gap_value(a, b, "median") == 25


pennies = st.integers(1, 100_000).map(lambda p: Fraction(p, 100))


@given(st.lists(pennies, min_size=1, max_size=30), st.lists(pennies, min_size=1, max_size=30),
       st.sampled_from(["mean", "median"]))
def test_swapping_groups_turns_g_into_minus_g_over_1_minus_g(a, b, kind):
    # g = (A - B) / A x 100, so B = A (1 - g/100) and (B - A) / B x 100 = -g / (1 - g/100).
    g, swapped = gap_value(a, b, kind), gap_value(b, a, kind)
    assert swapped == -g / (1 - g / 100)
