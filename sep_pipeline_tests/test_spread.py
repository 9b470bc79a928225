"""Spread across bodies (median, quartiles) and each body's position, worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from sep_pipeline.methodology.rounding import ALL
from sep_pipeline.methodology.spread import position_rows, quantile, spread_rows


def rows(table: str, measure: str, breakdown: str, category: str,
         figures: dict[str, float | str]) -> list[dict]:
    """Benchmark rows of one cell: a number is a value, a string a marker."""
    return [{"body_code": b, "table_id": table, "measure": measure, "breakdown": breakdown,
             "category": category, "value": None if isinstance(v, str) else v,
             "marker": v if isinstance(v, str) else None} for b, v in figures.items()]


BENCHMARK = pd.DataFrame(
    # A percentage (1 dp): 4 published bodies, one suppressed, and ALL (never in the spread).
    rows("W1", "pct_of_headcount", "sex", "female",
         {"B1": 10.0, "B2": 20.0, "B3": 30.0, "B4": 45.0, "B5": "[c]", ALL: 99.0})
    # A count (0 dp).
    + rows("W1", "headcount", "all", "all", {"B1": 5.0, "B2": 10.0, "B3": 15.0, "B4": 25.0})
    # Only one published body: no spread.
    + rows("W1", "headcount", "sex", "male", {"B1": 5.0, "B2": "[c]", "B3": "[c]", "B4": "[x]"})
    # Five bodies with values on the quartiles themselves; and a cell where all are equal.
    + rows("W1", "pct_of_headcount", "sex", "male",
           {"B1": 1.0, "B2": 2.0, "B3": 3.0, "B4": 4.0, "B5": 5.0})
    + rows("W1", "pct_of_headcount", "sex", "not_known",
           {"B1": 0.0, "B2": 0.0, "B3": 0.0, "B4": 0.0})
)


def spread_of(measure: str, category: str) -> dict[str, float]:
    s = spread_rows(BENCHMARK)
    s = s[(s["measure"] == measure) & (s["category"] == category)]
    return dict(zip(s["body_code"], s["value"], strict=True))


def positions_of(measure: str, category: str) -> dict[str, str | None]:
    p = position_rows(BENCHMARK)
    p = p[(p["measure"] == measure) & (p["category"] == category)]
    return dict(zip(p["body_code"], p["position"], strict=True))


def test_quartiles_of_four_bodies():
    # 10, 20, 30, 45; h = (n - 1) p = 3p.
    # LQ: h = 0.75 -> 10 + 0.75 x 10 = 17.5; median: h = 1.5 -> 20 + 0.5 x 10 = 25.0;
    # UQ: h = 2.25 -> 30 + 0.25 x 15 = 33.75 -> 33.8 (1 dp, half away from zero).
    assert spread_of("pct_of_headcount", "female") == {"LQ": 17.5, "MEDIAN": 25.0, "UQ": 33.8}
    # Counts, 0 dp: 5, 10, 15, 25 -> LQ 8.75 -> 9; median 12.5 -> 13 (half-even: 12);
    # UQ 15 + 0.25 x 10 = 17.5 -> 18.
    assert spread_of("headcount", "all") == {"LQ": 9.0, "MEDIAN": 13.0, "UQ": 18.0}


def test_no_spread_from_fewer_than_two_published_bodies():
    assert spread_of("headcount", "male") == {}
    s = spread_rows(BENCHMARK)
    assert s["marker"].isna().all() and set(s["body_code"]) == {"LQ", "MEDIAN", "UQ"}
    assert list(s.columns) == list(BENCHMARK.columns)


def test_positions():
    # Against LQ 17.5, median 25.0, UQ 33.8.
    assert positions_of("pct_of_headcount", "female") == {
        "B1": "lowest quarter", "B2": "second quarter", "B3": "third quarter",
        "B4": "highest quarter", "B5": None}  # ALL has no position
    # 1..5: LQ 2, median 3, UQ 4: a value on LQ or the median is second, on UQ third.
    assert positions_of("pct_of_headcount", "male") == {
        "B1": "lowest quarter", "B2": "second quarter", "B3": "second quarter",
        "B4": "third quarter", "B5": "highest quarter"}
    assert set(positions_of("pct_of_headcount", "not_known").values()) == {"second quarter"}
    assert set(positions_of("headcount", "male").values()) == {None}


def test_period_is_kept():
    bench = BENCHMARK.assign(period="2025-26 Q2")
    assert (spread_rows(bench)["period"] == "2025-26 Q2").all()
    assert list(position_rows(bench).columns)[:2] == ["period", "body_code"]


@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=12),
       st.sampled_from([Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)]))
def test_quantile_is_the_inclusive_linear_method(values, p):
    exact = quantile([Fraction(v) for v in values], p)
    assert float(exact) == np.quantile(values, float(p), method="linear")
