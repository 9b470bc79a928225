"""Warnings that do not block acceptance: data that is valid but probably not what was meant."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..standard import sep_return as std

# (kind, row or None, field, value, extra message fields)
Finding = tuple[str, int | None, str | None, object, dict[str, object]]


def not_known_shares(sheet: std.Sheet, df: pd.DataFrame, present: set[str]) -> Iterator[Finding]:
    """A characteristic with more than the threshold share of "Not known" answers."""
    if len(df) < std.NOT_KNOWN_MIN_ROWS:
        return
    for f in sheet.fields:
        if f.name in std.CHARACTERISTICS and f.name in present:
            share = float((df[f.name].array == "not_known").sum()) / len(df)  # bare array: faster
            if share > std.NOT_KNOWN_WARN_SHARE:
                yield ("warn.not_known_share", None, f.name, None,
                       {"share": f"{share * 100:.0f}",
                        "limit": f"{std.NOT_KNOWN_WARN_SHARE * 100:.0f}"})


def pay_outliers(df: pd.DataFrame) -> Iterator[Finding]:
    """Hourly pay far from the body's median: often an annual salary or a slipped digit."""
    pay = df["hourly_pay"].dropna()
    if len(pay) < std.PAY_OUTLIER_MIN_STAFF:
        return
    median = float(pay.median())
    factor = std.PAY_OUTLIER_FACTOR
    for row, value in pay[(pay > median * factor) | (pay < median / factor)].items():
        yield ("warn.pay_outlier", int(row), "hourly_pay", value,
               {"value": f"£{value:,.2f}", "median": f"£{median:,.2f}"})


def headcount_change(df: pd.DataFrame, previous: int | None) -> Iterator[Finding]:
    """Staff in post moved by more than the threshold since the previous quarter."""
    if not previous:
        return
    current = int(df["in_post_at_snapshot"].fillna(False).astype(bool).sum())
    change = (current - previous) / previous
    if abs(change) > std.HEADCOUNT_CHANGE_WARN_SHARE:
        yield ("warn.headcount_change", None, None, current,
               {"previous": previous, "current": current, "change": f"{change * 100:+.0f}"})
