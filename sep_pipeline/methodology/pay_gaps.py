"""Pay gaps, bonus gaps, bonus participation and pay quartiles (METHODOLOGY.md, "Pay gaps").

The same arithmetic as GB gender pay gap reporting (SI 2017/353 Schedule 1), extended to
ethnicity and disability, on exact values, published through `rounding`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..standard import sep_return as std
from .rounding import (
    ALL,
    Number,
    Published,
    exact_table,
    publish_gap_of,
    publish_pct,
    publish_pct_pair,
    rows_frame,
    units_of,
)

COLUMNS = ("body_code", "characteristic", "reference_group", "comparison_group", "metric")
HEADLINE_GROUPS = ("female", "ethnic_minority", "disabled")  # comparisons with quartiles


class Comparison(NamedTuple):
    characteristic: str
    reference_group: str  # A
    comparison_group: str  # B
    member: Callable[[str], str | None]  # a code -> reference_group, comparison_group or None

    @property
    def headline(self) -> bool:
        return self.comparison_group in HEADLINE_GROUPS


def _either(a: str, b: str) -> Callable[[str], str | None]:
    return lambda code: code if code in (a, b) else None


_ETHNIC_GROUP = {c.code: c.group for c in std.ETHNICITY.codes}  # None for the non-answers


def _white_vs(group: str) -> Callable[[str], str | None]:
    def member(code: str) -> str | None:
        g = _ETHNIC_GROUP.get(code)
        if g == "white":
            return "white"
        if g == group or (group == "ethnic_minority" and g in std.ETHNIC_MINORITY_GROUPS):
            return group
        return None  # another minority group, or Prefer not to say / Not known

    return member


COMPARISONS: list[Comparison] = [
    Comparison("sex", "male", "female", _either("male", "female")),
    Comparison("ethnicity", "white", "ethnic_minority", _white_vs("ethnic_minority")),
    *(Comparison("ethnicity", "white", g, _white_vs(g)) for g in std.ETHNIC_MINORITY_GROUPS),
    Comparison("disability", "not_disabled", "disabled", _either("not_disabled", "disabled")),
]


def flag(s: pd.Series) -> pd.Series:
    """A Yes/No column as bool; blank (null) is No."""
    return s.eq(True).fillna(False).astype(bool)


def groups(codes: pd.Series, comp: Comparison) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of group A and group B for a column of codes."""
    ref, other = _members(comp)
    return codes.isin(ref).to_numpy(bool), codes.isin(other).to_numpy(bool)


@cache
def _members(comp: Comparison) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # The codes of each group, found once: isin on a few codes is far faster than a map.
    codes = std.CHARACTERISTICS[comp.characteristic].values
    return (tuple(c for c in codes if comp.member(c) == comp.reference_group),
            tuple(c for c in codes if comp.member(c) == comp.comparison_group))


# --- Quartiles ---------------------------------------------------------------------------------


def quartile_counts(
    pay: Sequence[Number], in_a: Sequence[bool], in_b: Sequence[bool]
) -> list[tuple[Fraction, Fraction]]:
    """(people of A, people of B) in each quartile, q1 lowest paid; fractional across ties.

    Everyone in `pay` is ranked (the pay population of METHODOLOGY.md, so the quartiles are the
    body's own pay quartiles whatever the characteristic); only A and B are counted. Quartile k
    holds ranks b_(k-1)+1 .. b_k with b_k = round_half_up(k N / 4). A block of equal pay that
    straddles a boundary is shared in proportion to the positions each quartile takes in it, and
    so are each group's members in the block.
    """
    n = len(pay)
    bounds = [0, *((k * n + 2) // 4 for k in (1, 2, 3)), n]  # floor(kN/4 + 1/2)
    people = pd.DataFrame({"pay": list(pay), "a": np.asarray(in_a, bool),
                           "b": np.asarray(in_b, bool)})
    blocks = people.groupby("pay", sort=True).agg(
        size=("a", "size"), a=("a", "sum"), b=("b", "sum")
    )
    size, a, b = (blocks[c].to_numpy(np.int64) for c in ("size", "a", "b"))
    end = np.cumsum(size)
    start = end - size
    out = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        taken = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0, None)
        out.append((_people(a, taken, size), _people(b, taken, size)))
    return out


def _people(members: np.ndarray, taken: np.ndarray, size: np.ndarray) -> Fraction:
    """Members of a group in a quartile that takes `taken` positions of each pay block."""
    whole, part = taken == size, (taken > 0) & (taken < size)
    # Blocks wholly inside count whole people; the few that straddle a boundary, exact shares.
    return Fraction(int(members[whole].sum())) + sum(
        (Fraction(int(m * t), int(s))
         for m, t, s in zip(members[part], taken[part], size[part], strict=True)),
        Fraction(0),
    )


def quartile_shares(
    pay: Sequence[Number], in_a: Sequence[bool], in_b: Sequence[bool]
) -> list[tuple[Fraction, Fraction]]:
    """Exact shares (0..1) of A and of B among the A + B people of each quartile (they sum to 1;
    a quartile with no A or B people gives (0, 0))."""
    return [(ca / (ca + cb), cb / (ca + cb)) if ca + cb else (Fraction(0), Fraction(0))
            for ca, cb in quartile_counts(pay, in_a, in_b)]


# --- The pay_gap table ---------------------------------------------------------------------------


def pay_gap_rows(workforce: pd.DataFrame) -> pd.DataFrame:
    """The `pay_gap` contract rows (without period) for each body and for ALL (pooled records).

    `workforce`: standardised rows of one period. value is a float or None, marker None or one
    of the markers.

    Every body and ALL are computed together, with no loop over rows or bodies: each
    population is taken once, ALL's copy of it after the bodies' (`_Population`), sorted by
    unit and pay, and every statistic is read off that order with exact integer arithmetic.
    """
    codes, unit = units_of(workforce)
    if not codes:
        return rows_frame(COLUMNS, [])
    df = workforce
    nb = len(codes)
    in_post = flag(df["in_post_at_snapshot"]).to_numpy()
    pay = df["hourly_pay"].astype(float).to_numpy()
    paid = in_post & flag(df["full_pay_relevant"]).to_numpy() & (pay > 0)
    bonus = df["bonus_pay_12m"].astype(float).fillna(0.0).to_numpy()
    hourly = _Population(unit, nb, paid, pay, pay > 0)
    bonuses = _Population(unit, nb, in_post, bonus, bonus > 0)

    # Each comparison's figures are published for every unit before the next comparison's
    # statistics are taken: a comparison's member values span the whole population (twice,
    # with ALL), so holding every comparison's at once would cost more than the population.
    per_comp = []
    factors: dict[str, tuple[np.ndarray, pd.Index]] = {}
    for comp in COMPARISONS:
        a, b = memberships(df[comp.characteristic], comp, factors)
        per_comp.append((comp, _comparison_figures(comp, a, b, hourly, bonuses, bonus > 0)))

    rows = []
    for u, body in enumerate([*codes, ALL]):
        for comp, figures in per_comp:
            key = (body, comp.characteristic, comp.reference_group, comp.comparison_group)
            rows += [(*key, metric, p) for metric, p in figures[u]]
    return rows_frame(COLUMNS, rows)


def _comparison_figures(comp: Comparison, a: np.ndarray, b: np.ndarray, hourly: _Population,
                        bonuses: _Population, receives: np.ndarray
                        ) -> list[list[tuple[str, Published]]]:
    """(metric, published figure) of one comparison (A: rows in `a`, B: in `b`), per unit."""
    ha, hb = hourly.stats(a), hourly.stats(b)  # hourly pay: the pay-gap population
    sa, sb = bonuses.counts(a), bonuses.counts(b)  # bonus: everyone in post
    ra, rb = bonuses.stats(a & receives), bonuses.stats(b & receives)  # receivers
    quartiles = hourly.quartile_counts(a, b) if comp.headline else None
    out = []
    for u in range(hourly.n_units):
        figures = [
            ("mean_hourly_gap", ha.gap(hb, u, "mean")),
            ("median_hourly_gap", ha.gap(hb, u, "median")),
            ("mean_bonus_gap", ra.gap(rb, u, "mean")),
            ("median_bonus_gap", ra.gap(rb, u, "median")),
            ("bonus_pct_reference", publish_pct(int(ra.count[u]), int(sa[u]))),
            ("bonus_pct_group", publish_pct(int(rb.count[u]), int(sb[u]))),
        ]
        if quartiles is not None:
            for k, (ca, cb) in enumerate(quartiles[u], start=1):
                qa, qb = publish_pct_pair(ca, cb)
                figures += [(f"q{k}_pct_reference", qa), (f"q{k}_pct_group", qb)]
        out.append(figures)
    return out


def codes_of(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(each row's index into the distinct values, -1 for a blank; the distinct values). A
    categorical gives its own codes (no hashing, and int8 for a few categories, where a
    factorized column takes 8 bytes a row) and its categories, some perhaps unused; any other
    column is factorized."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), pd.Index(s.cat.categories, dtype=object)
    found, uniques = pd.factorize(s)
    return np.asarray(found, np.intp), pd.Index(uniques, dtype=object)


def memberships(codes: pd.Series, comp: Comparison,
                cache: dict[str, tuple[np.ndarray, pd.Index]] | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """`groups`, testing each distinct code once: the column's codes (`codes_of`) are taken
    once (and kept in `cache`, by column name, for the next comparison on the same column)."""
    ref, other = _members(comp)
    key = str(codes.name)
    if cache is None or key not in cache:
        factor = codes_of(codes)
        if cache is not None:
            cache[key] = factor
    else:
        factor = cache[key]
    found, index = factor
    # -1 for a blank: the appended False
    return (np.append(index.isin(ref), False)[found],
            np.append(index.isin(other), False)[found])


class _Stats(NamedTuple):
    """Exact statistics of some members of a `_Population`, per unit: their count, and their
    values in order (each unit's run at `start`) as integers over 10**k."""

    count: np.ndarray
    start: np.ndarray
    sums: np.ndarray
    values: np.ndarray
    k: int

    def mean(self, u: int) -> Fraction:
        return Fraction(int(self.sums[u]), int(self.count[u]) * 10**self.k)

    def median(self, u: int) -> Fraction:
        n, s = int(self.count[u]), int(self.start[u])
        mid = s + n // 2
        if n % 2:
            return Fraction(int(self.values[mid]), 10**self.k)
        return Fraction(int(self.values[mid - 1]) + int(self.values[mid]), 2 * 10**self.k)

    def gap(self, other: _Stats, u: int, kind: str) -> Published:
        """publish_gap of this group (A) against `other` (B) in unit u."""
        stat = _Stats.mean if kind == "mean" else _Stats.median
        return publish_gap_of(int(self.count[u]), int(other.count[u]),
                              lambda: stat(self, u), lambda: stat(other, u))


def _index_type(n: int) -> type:
    """int32 where it holds 0..n (and -1), else int64."""
    return np.int32 if n < 2**31 else np.int64


class _Population:
    """The people of a population (a row mask) and a value of theirs, for every unit at once:
    each body's people, then all of them again as ALL (unit `n_bodies`), sorted by unit and by
    value. `valued` marks rows whose value enters a statistic (exact integers are made for
    those only: bonus statistics use receivers alone). The population's values are never NaN
    (the callers' masks and fills see to it), so equal ranks are equal values."""

    def __init__(self, unit: np.ndarray, n_bodies: int, mask: np.ndarray, value: np.ndarray,
                 valued: np.ndarray) -> None:
        people = np.flatnonzero(mask)
        # Distinct values in order (equal floats <=> equal exact values, in the same order),
        # found once: ALL's copy of the population has the same ones.
        uniq, rank = np.unique(value[people], return_inverse=True)
        rank = rank.reshape(-1).astype(_index_type(len(uniq)))
        body = unit[people]
        mine = np.flatnonzero(body >= 0)
        # Positions in `people` sorted by unit, then value rank: the bodies' people, then ALL's
        # (all of them). Each sort is stable, so people of equal pay stay in row order, and
        # the two halves are sorted apart (ALL's unit comes after every body's).
        by_body = mine[np.argsort(body[mine].astype(np.int64) * max(len(uniq), 1) + rank[mine],
                                  kind="stable")]
        at = np.concatenate([by_body, np.argsort(rank, kind="stable")])
        del mine
        # Row numbers, units and ranks in the narrowest integer type that holds them: at ten
        # times the national size these arrays are millions long, twice over with ALL.
        self.rows = people[at].astype(_index_type(len(mask)))
        self.unit = np.concatenate([body[by_body], np.full(len(people), n_bodies)]).astype(
            _index_type(n_bodies + 1))
        self.n_units = n_bodies + 1
        del people, body, by_body
        rank = rank[at]
        self.rank = rank  # equal ranks <=> equal values: the quartiles' blocks of equal pay
        use = valued[self.rows]
        # exact integers only of the values that enter a statistic
        wanted = np.zeros(len(uniq), bool)
        wanted[rank[use]] = True
        table, self.k = exact_table(uniq[wanted], int(use.sum()))
        lookup = np.zeros(len(uniq), table.dtype)
        lookup[wanted] = table
        self.ints = lookup[rank]
        self.ints[~use] = 0

    def counts(self, member: np.ndarray) -> np.ndarray:
        return np.bincount(self.unit[member[self.rows]], minlength=self.n_units)

    def stats(self, member: np.ndarray) -> _Stats:
        sel = member[self.rows]
        values = self.ints[sel]
        count = np.bincount(self.unit[sel], minlength=self.n_units)
        end = np.cumsum(count)
        start = end - count
        total = np.concatenate([np.zeros(1, values.dtype), np.cumsum(values)])
        return _Stats(count, start, total[end] - total[start], values, self.k)

    def quartile_counts(self, in_a: np.ndarray,
                        in_b: np.ndarray) -> list[list[tuple[Fraction, Fraction]]]:
        """`quartile_counts` of every unit: the population ranked by value within each unit."""
        n = len(self.rows)
        size_of = np.bincount(self.unit, minlength=self.n_units)
        first_row = np.cumsum(size_of) - size_of
        zero = [(Fraction(0), Fraction(0))] * 4
        if n == 0:
            return [list(zero) for _ in range(self.n_units)]
        # Blocks of equal value within a unit (equal floats <=> equal pay).
        new = np.ones(n, bool)
        new[1:] = (self.unit[1:] != self.unit[:-1]) | (self.rank[1:] != self.rank[:-1])
        block = np.flatnonzero(new)
        size = np.diff(np.append(block, n))
        bunit = self.unit[block]
        start = block - first_row[bunit]  # ranks before the block, within its unit
        end = start + size
        a = np.add.reduceat(in_a[self.rows].astype(np.int64), block)
        b = np.add.reduceat(in_b[self.rows].astype(np.int64), block)
        bounds = [np.zeros_like(size_of), *((k * size_of + 2) // 4 for k in (1, 2, 3)), size_of]
        out = [[] for _ in range(self.n_units)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            taken = np.clip(np.minimum(end, hi[bunit]) - np.maximum(start, lo[bunit]), 0, None)
            whole = taken == size
            wa, wb = np.zeros(self.n_units, np.int64), np.zeros(self.n_units, np.int64)
            np.add.at(wa, bunit[whole], a[whole])
            np.add.at(wb, bunit[whole], b[whole])
            ca, cb = [Fraction(int(x)) for x in wa], [Fraction(int(x)) for x in wb]
            # The few blocks that straddle a boundary: exact shares of their members.
            for i in np.flatnonzero((taken > 0) & (taken < size)):
                u, t, s = int(bunit[i]), int(taken[i]), int(size[i])
                ca[u] += Fraction(int(a[i]) * t, s)
                cb[u] += Fraction(int(b[i]) * t, s)
            for u in range(self.n_units):
                out[u].append((ca[u], cb[u]))
        return out
