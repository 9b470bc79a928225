"""Cross-field and cross-sheet rules of the standard, checked on normalised frames.

Each function takes frames indexed by Excel row number and yields (row, field, value) for every
row that breaks the rule; `intake/validate.py` turns those into issues located as the partner
sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from . import matching
from . import sep_return as std
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


def _eq(series: pd.Series, values: tuple[object, ...]) -> np.ndarray:
    """Where `series` is one of `values` (never where blank): Series.isin on the bare array."""
    found = series.array.isin(list(values))
    if isinstance(found, np.ndarray):
        return found.astype(bool)
    return found.to_numpy(dtype=bool, na_value=False)


def _mask(result: object) -> np.ndarray:
    """A comparison of bare arrays as plain booleans, a blank on either side not breaking the
    rule (NaT compares False; a masked blank is NA, read as False)."""
    if isinstance(result, np.ndarray):
        return result.astype(bool)
    return result.to_numpy(dtype=bool, na_value=False)  # type: ignore[attr-defined]


def _rows(df: pd.DataFrame, mask: np.ndarray, field: str) -> Iterator[Violation]:
    at = np.flatnonzero(mask)
    if not len(at):  # the usual case: no row breaks the rule, so nothing to look up
        return
    for row, value in df[field].iloc[at].items():
        yield int(row), field, None if pd.isna(value) else value


def check(
    rule: std.Rule,
    df: pd.DataFrame,
    period: Period | None,
    frames: Mapping[str, pd.DataFrame],
) -> Iterator[Violation]:
    """Rows of `df` (one sheet) that break `rule`. `frames` holds the return's other sheets.

    Works on the columns' bare arrays (the frame's rows are already aligned): pandas' Series
    machinery cost more than the comparisons themselves on a return's small sheets.
    """
    match rule:
        case std.RequiredWhen(field=f, when_field=w, when_values=vals):
            yield from _rows(df, _eq(df[w], vals) & df[f].array.isna(), f)
        case std.BlankWhen(field=f, when_field=w, when_values=vals):
            yield from _rows(df, _eq(df[w], vals) & ~df[f].array.isna(), f)
        case std.Implies(field=f, value=v, then_field=t, then_value=tv):
            yield from _rows(df, _eq(df[f], (v,)) & ~_eq(df[t], (tv,)), t)
        case std.DateOrder(earlier=a, later=b):
            yield from _rows(df, _mask(df[a].array > df[b].array), b)
        case std.InPeriod(field=f, bound=bound, when_field=w, when_value=wv):
            if period is None:
                return
            start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
            dates = df[f].array
            outside = _mask(dates > end)
            if bound != "snapshot":
                outside |= _mask(dates < start)
            if w is not None:
                outside &= _eq(df[w], (wv,))
            yield from _rows(df, outside, f)
        case std.References(field=f, other_sheet=other, other_field=of):
            known = set(frames[other][of].dropna()) if other in frames else set()
            yield from _rows(df, ~df[f].array.isna() & ~_eq(df[f], tuple(known)), f)
        case std.CategoryOf():
            yield from _bad_categories(rule, df)


def _bad_categories(rule: std.CategoryOf, df: pd.DataFrame) -> Iterator[Violation]:
    """Also standardises each good category to its code, in place (before the first violation
    is yielded). Each distinct (characteristic, category) pair is read once."""
    values = df[rule.field].tolist()
    characteristics = df[rule.characteristic_field].tolist()
    read: dict[tuple[str, object], str | None] = {}  # -> code, or None when not a category
    standard = list(values)
    changed = False
    bad: list[int] = []
    for i, (characteristic, value) in enumerate(zip(characteristics, values, strict=True)):
        if pd.isna(value) or pd.isna(characteristic):
            continue
        codes = std.PROFILE_CHARACTERISTICS.get(str(characteristic))
        if codes is None:
            continue  # the characteristic itself is already reported
        pair = (str(characteristic), value)
        if pair not in read:
            try:
                read[pair] = matching.parse_code(value, codes)
            except matching.ValueError_:
                read[pair] = None
        if (code := read[pair]) is None:
            bad.append(i)
        elif code != value:
            standard[i] = code
            changed = True
    if changed:
        df[rule.field] = pd.array(standard, dtype=df[rule.field].dtype)
    for i in bad:
        yield int(df.index[i]), rule.field, values[i]
