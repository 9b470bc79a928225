"""Standard rounding and disclosure control (METHODOLOGY.md: "Standard rounding", "Markers").

Every published figure passes through one `publish_*` function: it takes the exact value (or the
unrounded counts it comes from), applies suppression, and rounds once, half away from zero.
Exact means `Fraction` (or `Decimal`) arithmetic end to end; floats are never rounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, localcontext
from fractions import Fraction
from numbers import Integral, Real
from typing import Literal

import numpy as np
import pandas as pd

C, LOW, X, Z = "[c]", "[low]", "[x]", "[z]"
MARKERS = (C, LOW, X, Z)
ALL = "ALL"  # body_code of the partnership figures, pooled from every body's records
MIN_GROUP = 10  # reliability: fewer people than this in a group gives [low]
SMALL = 5  # a count (or complement) above 0 and below this is disclosive: [c]
MIN_DENOMINATOR = 10  # a percentage of fewer people than this is disclosive: [c]

Number = Fraction | Decimal | int | float
# Sums of Decimals are exact in this context, or raise: 100 digits is far beyond any payroll.
_EXACT = Context(prec=100, traps=[Inexact])


def exact(value: Number) -> Fraction:
    """`value` as an exact Fraction.

    A float is read as the decimal it prints as (`repr`): floats reaching here are data typed in
    pounds and pence, so 17.55 means 1755/100, not the binary double just below it (which would
    turn a gap of exactly 12.25 into 12.2). Computed figures must be passed as Fractions.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(value)
    if isinstance(value, Real):  # float, numpy floats
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(f))
    raise TypeError(f"not a number: {value!r}")


def to_decimal(value: Number) -> Decimal | Fraction:
    """An exact value that sums fast: a Decimal where one is exact, else a Fraction."""
    if isinstance(value, Decimal | Fraction):
        return value
    if isinstance(value, Integral):
        return Decimal(int(value))
    return Decimal(repr(float(value))) if math.isfinite(value) else exact(value)


def round_half_away(value: Number, places: int) -> Decimal:
    """Round the exact value to `places` decimals, half away from zero (never half to even).

    In integers: the exact value times 10**places is p / q (q > 0), and
    floor(|p| / q + 1/2) = (2|p| + q) // 2q."""
    x = exact(value)
    p, q = x.numerator, x.denominator
    if places >= 0:
        p *= 10**places
    else:
        q *= 10**-places
    n = (2 * abs(p) + q) // (2 * q)
    return Decimal(-n if p < 0 else n).scaleb(-places, _EXACT)


@dataclass(frozen=True)
class Published:
    """A published cell: a rounded value, or a marker, never both."""

    value: Decimal | None
    marker: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.marker is None):
            raise ValueError("a published figure has exactly one of a value and a marker")
        if self.marker is not None and self.marker not in MARKERS:
            raise ValueError(f"unknown marker {self.marker!r}")

    def cells(self) -> tuple[float | None, str | None]:
        """(value, marker) for a table: the value becomes a float only now, after rounding."""
        return (None if self.value is None else float(self.value)), self.marker


def marked(marker: str) -> Published:
    return Published(None, marker)


def publish_count(n: int) -> Published:
    """A headcount: 0 stays 0, 1-4 is [c], 5 or more is rounded to the nearest 5."""
    if n < 0:
        raise ValueError(f"negative count {n}")
    if 0 < n < SMALL:
        return marked(C)
    return Published(round_half_away(Fraction(int(n), 5), 0) * 5)


def publish_pct(numerator: int | Fraction, denominator: int | Fraction) -> Published:
    """numerator / denominator as a percentage to 1 dp, with the disclosure rule.

    Counts may be fractional (people shared across a quartile boundary): "1-4" is read as
    "above 0 and below 5", for the numerator and for the complement alike.
    """
    if type(numerator) is int and type(denominator) is int:  # exact already: no Fractions
        num, den = numerator, denominator
    else:
        num, den = exact(numerator), exact(denominator)
    if den == 0:
        return marked(Z)
    if den < MIN_DENOMINATOR or 0 < num < SMALL or 0 < den - num < SMALL:
        return marked(C)
    share = Fraction(num * 100, den) if type(num) is int else num / den * 100
    return Published(round_half_away(share, 1))


def publish_pct_pair(a: int | Fraction, b: int | Fraction) -> tuple[Published, Published]:
    """The % of A and of B among A + B, summing to exactly 100.0 when published.

    Both round up only when both are exact halves (x.x5 + y.y5 = 100): then the larger one gives
    back the 0.1 (METHODOLOGY.md: "adjust the larger one"). The complement rule makes the two
    suppressed together.
    """
    pa, pb = publish_pct(a, exact(a) + exact(b)), publish_pct(b, exact(a) + exact(b))
    if pa.value is None or pb.value is None or pa.value + pb.value == 100:
        return pa, pb
    hundred = Decimal("100.0")
    if exact(a) >= exact(b):
        return Published(hundred - pb.value), pb
    return pa, Published(hundred - pa.value)


def publish_value(value: Number | None, places: int, *, marker_if_none: str = X) -> Published:
    return marked(marker_if_none) if value is None else Published(round_half_away(value, places))


# --- Pay statistics, exact --------------------------------------------------------------------


def total(values: Iterable[Number]) -> Fraction:
    """Exact sum. Decimals add exactly (and fast) in a wide context; anything else as Fraction."""
    values = [v if type(v) is Decimal else to_decimal(v) for v in values]
    with localcontext(_EXACT):
        dec = sum((v for v in values if type(v) is Decimal), Decimal(0))
    return Fraction(dec) + sum((v for v in values if type(v) is not Decimal), Fraction(0))


def mean(values: Sequence[Number]) -> Fraction:
    return total(values) / len(values)


def median(values: Sequence[Number]) -> Fraction:
    # Decimal, Fraction and float compare exactly with one another; sorted() is linear on the
    # pre-sorted input pay_gaps gives it.
    s = sorted(values)
    mid = len(s) // 2
    return exact(s[mid]) if len(s) % 2 else (exact(s[mid - 1]) + exact(s[mid])) / 2


Kind = Literal["mean", "median"]


def gap_value(a: Iterable[Number], b: Iterable[Number], kind: Kind) -> Fraction | None:
    """(A - B) / A x 100, exact and unrounded; None when undefined (an empty group, A = 0)."""
    a, b = list(a), list(b)
    if not a or not b:
        return None
    stat = mean if kind == "mean" else median
    sa, sb = stat(a), stat(b)
    return None if sa == 0 else (sa - sb) / sa * 100


def publish_gap(a: Iterable[Number], b: Iterable[Number], kind: Kind) -> Published:
    """A pay gap to 1 dp; [low] when either group has fewer than 10 people (or receivers: pass
    only the bonus receivers for a bonus gap); [z] when the reference figure is 0."""
    a, b = list(a), list(b)
    if len(a) < MIN_GROUP or len(b) < MIN_GROUP:
        return marked(LOW)
    return publish_value(gap_value(a, b, kind), 1, marker_if_none=Z)


def publish_gap_of(n_a: int, n_b: int, stat_a: Callable[[], Fraction],
                   stat_b: Callable[[], Fraction]) -> Published:
    """`publish_gap` from the group sizes and each group's exact mean or median (computed only
    when the gap is published): [low] under 10 people, [z] when A's figure is 0."""
    if n_a < MIN_GROUP or n_b < MIN_GROUP:
        return marked(LOW)
    sa, sb = stat_a(), stat_b()
    return publish_value(None if sa == 0 else (sa - sb) / sa * 100, 1, marker_if_none=Z)


def exact_ints(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Finite floats as exact integers over one power of ten: (ints, k), each float being
    ints / 10**k exactly as `exact` reads it (the decimal it prints as). Each distinct float is
    converted once. int64 when any sum of them fits, else Python ints (an object array), so
    sums and differences stay exact either way."""
    v = np.asarray(values, dtype=float)
    uniq, inverse = np.unique(v, return_inverse=True)
    table, k = exact_table(uniq, len(v))
    return table[inverse.reshape(-1)], k


def exact_table(uniq: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """`exact_ints` of sorted distinct finite floats, for sums of up to n of them."""
    if len(uniq) == 0:
        return np.zeros(0, np.int64), 0
    decs = [Decimal(repr(float(u))) for u in uniq]
    for d, u in zip(decs, uniq, strict=True):
        if not d.is_finite():
            raise ValueError(f"not a finite number: {u!r}")
    k = max(0, *(-int(d.as_tuple().exponent) for d in decs))
    ints = [int(d.scaleb(k, _EXACT)) for d in decs]
    safe = max(abs(ints[0]), abs(ints[-1])) * (n + 1) < 2**62
    return np.array(ints, dtype=np.int64 if safe else object), k


# --- Tables of published figures -------------------------------------------------------------


def bodies(df: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each body's rows, then ALL: the pooled rows (never an average of body figures)."""
    if df.empty:
        return
    for code, part in df.groupby("body_code", sort=True):
        yield str(code), part
    yield ALL, df


def units_of(df: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The units of `bodies` without splitting the frame: the body codes in order (ALL, last,
    is not listed) and each row's index into them (-1 for a row without a body, which only ALL
    counts). No units at all for an empty frame."""
    if df.empty:
        return [], np.zeros(0, np.intp)
    codes, uniques = pd.factorize(df["body_code"], sort=True)
    return [str(u) for u in uniques], np.asarray(codes, np.intp)


def cells_of(pubs: Sequence[Published] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, marker) object arrays of many published figures: `Published.cells` of each, done
    once per distinct object (tables repeat the same few figures)."""
    arr = np.asarray(pubs, dtype=object).reshape(-1)
    if arr.size == 0:
        return np.empty(0, object), np.empty(0, object)
    ids = np.fromiter(map(id, arr), dtype=np.uintp, count=arr.size)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    values, markers = np.empty(len(first), object), np.empty(len(first), object)
    for j, i in enumerate(first):
        values[j], markers[j] = arr[i].cells()
    inverse = inverse.reshape(-1)
    return values[inverse], markers[inverse]


def rows_frame(columns: Sequence[str], rows: Iterable[tuple]) -> pd.DataFrame:
    """A table from rows of (*keys, Published). `value` and `marker` are object columns holding
    float | None and str | None (pandas would otherwise turn None into NaN)."""
    rows = list(rows)
    data: dict[str, object] = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    values, markers = cells_of([r[-1] for r in rows])
    data["value"] = pd.Series(values, dtype=object)
    data["marker"] = pd.Series(markers, dtype=object)
    return pd.DataFrame(data, columns=[*columns, "value", "marker"])


# --- Whole columns of counts and percentages -----------------------------------------------
# The tables publish hundreds of thousands of counts and percentages of integer counts. These
# give exactly `publish_count(n).cells()` and `publish_pct(a, b).cells()` of each, in integer
# numpy arithmetic (the same half-away-from-zero formula as `round_half_away`): no Published
# object per figure. Anything outside the plain case (a negative count, counts too large for
# int64 arithmetic) goes through the scalar functions, which stay the definition.

_VECTOR_LIMIT = 2**40  # 2000 * num + den stays far inside int64


def _scalar_cells(pubs: Iterable[Published]) -> tuple[np.ndarray, np.ndarray]:
    return cells_of(list(pubs))


def count_cells(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, marker) object arrays of `publish_count` of each integer count."""
    n = np.asarray(n, np.int64)
    if len(n) and (n.min() < 0 or n.max() > _VECTOR_LIMIT):
        return _scalar_cells(publish_count(int(v)) for v in n.tolist())
    small = (n > 0) & (n < SMALL)
    # nearest 5, half away from zero: floor(n / 5 + 1/2) * 5 = (2n + 5) // 10 * 5
    value = ((2 * n + 5) // 10 * 5).astype(float).astype(object)
    value[small] = None
    marker = np.full(len(n), None, dtype=object)
    marker[small] = C
    return value, marker


def pct_cells(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, marker) object arrays of `publish_pct` of each pair of integer counts."""
    num, den = np.asarray(num, np.int64), np.asarray(den, np.int64)
    if len(num) and (min(num.min(), den.min()) < 0
                     or max(num.max(), den.max()) > _VECTOR_LIMIT):
        return _scalar_cells(publish_pct(int(a), int(b))
                             for a, b in zip(num.tolist(), den.tolist(), strict=True))
    rest = den - num
    zero = den == 0
    hidden = ~zero & ((den < MIN_DENOMINATOR) | ((num > 0) & (num < SMALL))
                      | ((rest > 0) & (rest < SMALL)))
    shown = ~(zero | hidden)
    # tenths of a percent, half away from zero: floor(1000 num / den + 1/2)
    tenths = (2000 * num[shown] + den[shown]) // (2 * den[shown])
    value = np.full(len(num), None, dtype=object)
    value[shown] = (tenths / 10).astype(object)  # correctly rounded, as float(Decimal) is
    marker = np.full(len(num), None, dtype=object)
    marker[zero] = Z
    marker[hidden] = C
    return value, marker
