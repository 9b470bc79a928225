"""Cross-field and cross-sheet rules of the standard, checked on normalised frames.

Each function takes frames indexed by Excel row number and yields (row, field, value) for every
row that breaks the rule; `validate.py` turns those into issues located as the partner sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd

from . import matching
from . import standard as std
from .periods import Period

Violation = tuple[int, str, object]  # Excel row, field name, offending value

RULE_CODES: dict[type, str] = {
    std.RequiredWhen: "rule.required",
    std.BlankWhen: "rule.blank",
    std.Implies: "rule.implies",
    std.DateOrder: "rule.date_order",
    std.InPeriod: "rule.in_period",
    std.References: "rule.reference",
    std.CategoryOf: "rule.category",
}


def _eq(series: pd.Series, values: tuple[object, ...]) -> pd.Series:
    return series.isin(list(values)).fillna(False).astype(bool)


def _rows(df: pd.DataFrame, mask: pd.Series, field: str) -> Iterator[Violation]:
    for row, value in df.loc[mask, field].items():
        yield int(row), field, None if pd.isna(value) else value


def check(
    rule: std.Rule,
    df: pd.DataFrame,
    period: Period | None,
    frames: Mapping[str, pd.DataFrame],
) -> Iterator[Violation]:
    """Rows of `df` (one sheet) that break `rule`. `frames` holds the return's other sheets."""
    match rule:
        case std.RequiredWhen(field=f, when_field=w, when_values=vals):
            yield from _rows(df, _eq(df[w], vals) & df[f].isna(), f)
        case std.BlankWhen(field=f, when_field=w, when_values=vals):
            yield from _rows(df, _eq(df[w], vals) & df[f].notna(), f)
        case std.Implies(field=f, value=v, then_field=t, then_value=tv):
            yield from _rows(df, _eq(df[f], (v,)) & ~_eq(df[t], (tv,)), t)
        case std.DateOrder(earlier=a, later=b):
            yield from _rows(df, (df[a] > df[b]).fillna(False).astype(bool), b)
        case std.InPeriod(field=f, bound=bound, when_field=w, when_value=wv):
            if period is None:
                return
            start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
            outside = df[f] > end if bound == "snapshot" else (df[f] < start) | (df[f] > end)
            mask = outside.fillna(False).astype(bool)
            if w is not None:
                mask &= _eq(df[w], (wv,))
            yield from _rows(df, mask, f)
        case std.References(field=f, other_sheet=other, other_field=of):
            known = set(frames[other][of].dropna()) if other in frames else set()
            yield from _rows(df, df[f].notna() & ~df[f].isin(list(known)), f)
        case std.CategoryOf():
            yield from _bad_categories(rule, df)


def _bad_categories(rule: std.CategoryOf, df: pd.DataFrame) -> Iterator[Violation]:
    """Also standardises each good category to its code, in place."""
    for row in df.index:
        characteristic, value = df.at[row, rule.characteristic_field], df.at[row, rule.field]
        if pd.isna(value) or pd.isna(characteristic):
            continue
        codes = std.PROFILE_CHARACTERISTICS.get(str(characteristic))
        if codes is None:
            continue  # the characteristic itself is already reported
        try:
            df.at[row, rule.field] = matching.parse_code(value, codes)
        except matching.ValueError_:
            yield int(row), rule.field, value
