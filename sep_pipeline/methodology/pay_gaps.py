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

from .. import standard as std
from .rounding import (
    Number,
    bodies,
    publish_gap,
    publish_pct,
    publish_pct_pair,
    rows_frame,
    to_decimal,
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
    """
    rows = [row for body, df in bodies(workforce) for row in _body_rows(body, df)]
    return rows_frame(COLUMNS, rows)


def _body_rows(body: str, df: pd.DataFrame) -> list[tuple]:
    in_post = df[flag(df["in_post_at_snapshot"])]
    pay = in_post["hourly_pay"].astype(float)
    # Sorted once so medians (sorted() on sorted input is linear) come cheap.
    paid = in_post[flag(in_post["full_pay_relevant"]) & (pay > 0)].sort_values("hourly_pay")
    ranked = paid["hourly_pay"].to_numpy(float)  # equal floats <=> equal pay: fine for ranking
    hourly = np.array([to_decimal(v) for v in ranked], dtype=object)
    bonus_pay = in_post["bonus_pay_12m"].astype(float).fillna(0.0)
    order = np.argsort(bonus_pay.to_numpy(), kind="stable")
    in_post, bonus_pay = in_post.iloc[order], bonus_pay.to_numpy()[order]
    receives = bonus_pay > 0
    bonus = np.array([to_decimal(v) if v > 0 else None for v in bonus_pay], dtype=object)

    rows = []
    for comp in COMPARISONS:
        pa, pb = groups(paid[comp.characteristic], comp)
        sa, sb = groups(in_post[comp.characteristic], comp)  # bonus: everyone in post
        ra, rb = sa & receives, sb & receives
        figures = [
            ("mean_hourly_gap", publish_gap(hourly[pa], hourly[pb], "mean")),
            ("median_hourly_gap", publish_gap(hourly[pa], hourly[pb], "median")),
            ("mean_bonus_gap", publish_gap(bonus[ra], bonus[rb], "mean")),
            ("median_bonus_gap", publish_gap(bonus[ra], bonus[rb], "median")),
            ("bonus_pct_reference", publish_pct(int(ra.sum()), int(sa.sum()))),
            ("bonus_pct_group", publish_pct(int(rb.sum()), int(sb.sum()))),
        ]
        if comp.headline:
            for k, (ca, cb) in enumerate(quartile_counts(ranked, pa, pb), start=1):
                qa, qb = publish_pct_pair(ca, cb)
                figures += [(f"q{k}_pct_reference", qa), (f"q{k}_pct_group", qb)]
        key = (body, comp.characteristic, comp.reference_group, comp.comparison_group)
        rows += [(*key, metric, p) for metric, p in figures]
    return rows
