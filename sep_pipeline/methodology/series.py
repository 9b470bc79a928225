"""Change over time (METHODOLOGY.md, "Change over time"): for every published figure of a body or
the partnership (ALL), the change since the previous quarter and since the same quarter a year
earlier, with its direction of travel from the measure's polarity (`polarity.POLARITY`).

Pure: published `benchmark` rows of several periods in, `series` rows out. The pay gaps and
quartiles are the benchmark's P1 and P2 rows (the `pay_gap` table's figures, cell for cell), so
the benchmark alone covers every published measure. The spread (MEDIAN, LQ, UQ) has no series:
it is made of different bodies' figures each period.

- The change is worked out from the two **published** figures, so a reader can check it with a
  calculator: percentage points (the later minus the earlier) for percentages and gaps (`pp`);
  the ratio later / earlier, to 2 decimal places half away from zero, for relative likelihoods
  (`ratio`); the difference in the measure's own units for counts, FTE, money and days
  (`difference`). Exact: the published figures have at most 2 decimal places, so they are
  worked in integer hundredths.
- Suppressed when either end is: the change has no value and takes the end's marker (`[c]`,
  `[low]`, `[x]`, `[z]`; when both ends have one, the first of them in that order). An end that
  was never published (the quarter before the first, a cell the earlier period lacks) is `[x]`;
  a ratio from 0 is `[z]`.
- Direction: `better`, `worse` or `no_change` from the polarity; `not_applicable` for a measure
  with none; empty when the change is suppressed (it would give the suppressed change's sign
  away). "No change" means the two published figures are equally good: the same value, or, for
  a measure better nearer a target, the same distance from it (a gap of -2.0 then 2.0). It is
  judged on the published figures at their published precision, so a movement smaller than the
  rounding is no change, and any published movement is one.
- Periods: a quarter is compared with the quarter before and the same quarter a year earlier;
  a year (`2025-26`, the annual tables) with the year before only: its change since the
  previous quarter is `[z]`.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from ..standard.periods import Period
from .polarity import polarity_of
from .rounding import LOW, C, X, Z
from .tables import measure_places, per_measure

SPREAD_CODES = ("MEDIAN", "LQ", "UQ")
CELL = ["body_code", "table_id", "measure", "breakdown", "category"]
SERIES_COLUMNS = [
    "period", *CELL, "value", "marker", "change_unit",
    "previous_period", "change_previous", "change_previous_marker", "direction_previous",
    "year_earlier_period", "change_year", "change_year_marker", "direction_year",
]
UNITS = ("pp", "ratio", "difference")
DIRECTIONS = ("better", "worse", "no_change", "not_applicable")
PRECEDENCE = (C, LOW, X, Z)  # the marker a change takes when both ends have one


def change_unit(table_id: str, measure: str) -> str:
    """`ratio` for relative likelihoods, `pp` for percentages and gaps, else `difference`."""
    if table_id == "R1":
        return "ratio"
    return "pp" if measure_places(table_id, measure) == 1 else "difference"


def is_year(period: str) -> bool:
    return " " not in period.strip()


def compared_periods(period: str) -> tuple[str | None, str]:
    """(the previous quarter, the same period a year earlier); a year has no previous quarter."""
    if is_year(period):
        start = int(period[:4]) - 1
        return None, f"{start}-{(start + 1) % 100:02d}"
    p = Period.parse(period)
    prev = Period(p.year, p.quarter - 1) if p.quarter > 1 else Period(p.year - 1, 4)
    return prev.label, Period(p.year - 1, p.quarter).label


def _hundredths(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(published values in integer hundredths, where a value is published). Exact: a
    published figure has at most 2 decimal places."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    have = ~np.isnan(v)
    out = np.zeros(len(v), dtype=np.int64)
    out[have] = np.rint(v[have] * 100).astype(np.int64)
    return out, have


def _first_marker(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the first of PRECEDENCE that either end has (None where neither has one)."""
    out = np.full(len(a), None, dtype=object)
    for m in PRECEDENCE[::-1]:  # the last written wins: the first in the order
        out[(a == m) | (b == m)] = m
    return out


def _distance_order(kind: str, now: np.ndarray, then: np.ndarray, census_now: np.ndarray,
                    census_then: np.ndarray) -> np.ndarray:
    """-1 where `now` is better than `then`, 1 worse, 0 equally good (exact integer work)."""
    if kind == "higher":
        return -np.sign(now - then)
    if kind == "lower":
        return np.sign(now - then)
    if kind == "toward_zero":
        return np.sign(np.abs(now) - np.abs(then))
    if kind == "toward_census":
        return np.sign(np.abs(now - census_now) - np.abs(then - census_then))
    if kind == "toward_parity":
        # distance from 1.00 as a ratio: max(x, 1/x), x in hundredths; compare
        # max(a², 10⁴)/a with max(b², 10⁴)/b by cross-multiplying (0 is infinitely far)
        a, b = now.astype(object), then.astype(object)  # Python ints: no overflow
        out = np.zeros(len(now), dtype=np.int64)
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            if x == 0 or y == 0:
                out[i] = (x == 0) - (y == 0)
                continue
            left, right = max(x * x, 10**4) * y, max(y * y, 10**4) * x
            out[i] = (left > right) - (left < right)
        return out
    raise ValueError(f"unknown polarity {kind!r}")


def _directions(kinds: np.ndarray, now: np.ndarray, then: np.ndarray, census_now: np.ndarray,
                census_then: np.ndarray, shown: np.ndarray) -> np.ndarray:
    out = np.full(len(now), None, dtype=object)
    out[shown] = "not_applicable"
    words = np.array(["better", "no_change", "worse"], dtype=object)
    for kind in pd.unique(kinds[shown & (kinds != None)]):  # noqa: E711 (elementwise)
        rows = np.flatnonzero(shown & (kinds == kind))
        order = _distance_order(kind, now[rows], then[rows], census_now[rows], census_then[rows])
        out[rows] = words[order + 1]
    return out


def _change(unit: np.ndarray, now: np.ndarray, then: np.ndarray, shown: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """(change as float | None, marker) where both ends are published (`shown`)."""
    value = np.full(len(now), None, dtype=object)
    marker = np.full(len(now), None, dtype=object)
    ratio = shown & (unit == "ratio")
    plain = shown & ~ratio
    value[plain] = ((now[plain] - then[plain]) / 100).astype(object)
    from_zero = ratio & (then == 0)
    marker[from_zero] = Z
    r = ratio & (then != 0)
    # now/then in hundredths, half away from zero (both ends >= 0): floor(100 now/then + 1/2)
    value[r] = (((200 * now[r] + then[r]) // (2 * then[r])) / 100).astype(object)
    return value, marker


def series_rows(figures: pd.DataFrame, periods: Collection[str] | None = None,
                published: Collection[str] | None = None) -> pd.DataFrame:
    """The `series` rows of `periods` (default: every period in `figures`).

    figures: published `benchmark` rows (period, body_code, table_id, measure, breakdown,
    category, value, marker) of those periods and of the periods they are compared with.
    published: the periods whose figures were published (default: those in `figures`); a
    compared period outside it makes its changes `[x]`, and so does a cell it lacks."""
    f = figures[~figures["body_code"].isin(SPREAD_CODES)]
    f = f[["period", *CELL, "value", "marker"]].reset_index(drop=True)
    have_periods = set(f["period"].unique()) if published is None else set(published)
    wanted = set(f["period"].unique()) if periods is None else set(periods)
    cell_id = _cell_ids(f)
    period_codes, period_names = pd.factorize(f["period"])
    p_index = {p: i for i, p in enumerate(period_names)}
    hund, have = _hundredths(f["value"])
    markers = f["marker"].astype(object).where(f["marker"].notna(), None).to_numpy(dtype=object)
    n_cells = int(cell_id.max()) + 1 if len(cell_id) else 0
    # row of (period, cell) -> its position in f
    key = period_codes.astype(np.int64) * max(n_cells, 1) + cell_id
    position = pd.Series(np.arange(len(f)), index=key)
    position = position[~position.index.duplicated()]

    rows = np.flatnonzero(f["period"].isin(wanted).to_numpy())
    cur = f.iloc[rows].reset_index(drop=True)
    unit = per_measure(cur["table_id"], cur["measure"], change_unit)
    kinds = _polarities(cur, cell_id[rows])
    # the cell's Census share, for `toward_census`, in any period: (period, body, breakdown,
    # category) -> hundredths
    census = f[(f["table_id"] == "C1") & (f["measure"] == "census_pct")]
    census_at = dict(zip(zip(census["period"], census["body_code"], census["breakdown"],
                             census["category"], strict=True),
                         _hundredths(census["value"])[0].tolist(), strict=True))
    # The rows are made in one object array, column by column: a frame built from separate
    # columns would copy each, then copy them all again into one block (at ten times the
    # national size, +630 MB at the peak of publishing a quarter).
    table = np.empty((len(cur), len(SERIES_COLUMNS)), dtype=object)
    out = {c: table[:, j] for j, c in enumerate(SERIES_COLUMNS)}
    for c in ["period", *CELL]:
        out[c][:] = cur[c].to_numpy(dtype=object)
    out["value"][:] = cur["value"].astype(object).where(cur["value"].notna(), None) \
        .to_numpy(dtype=object)
    out["marker"][:] = markers[rows]
    out["change_unit"][:] = unit
    compared = {p: compared_periods(p) for p in wanted}
    for side, which in (("previous", 0), ("year", 1)):
        base = np.array([compared[p][which] for p in out["period"].tolist()], dtype=object)
        base_rows = np.full(len(cur), -1, dtype=np.int64)
        known = np.array([b is not None and b in p_index and b in have_periods
                          for b in base.tolist()], dtype=bool)
        if known.any():
            k = (np.array([p_index[b] for b in base[known].tolist()], dtype=np.int64)
                 * max(n_cells, 1) + cell_id[rows][known])
            base_rows[known] = position.reindex(k).fillna(-1).to_numpy(dtype=np.int64)
        found = base_rows >= 0
        then_marker = np.full(len(cur), X, dtype=object)
        then_marker[found] = markers[base_rows[found]]
        then_marker[base == None] = Z  # noqa: E711 (a year has no previous quarter)
        then_have = np.zeros(len(cur), dtype=bool)
        then_have[found] = have[base_rows[found]]
        then = np.zeros(len(cur), dtype=np.int64)
        then[found] = hund[base_rows[found]]
        now, now_have = hund[rows], have[rows]
        shown = now_have & then_have
        value, marker = _change(unit, now, then, shown)
        hidden = ~shown
        marker[hidden] = _first_marker(np.where(now_have, None, out["marker"])[hidden],
                                       np.where(then_have, None, then_marker)[hidden])
        marker[hidden & (marker == None)] = X  # noqa: E711 (a published end with no value)
        census_now = _census(census_at, out["period"], out)
        census_then = _census(census_at, base, out)
        direction = _directions(kinds, now, then, census_now, census_then, marker == None)  # noqa: E711
        prefix = "change_previous" if side == "previous" else "change_year"
        out["previous_period" if side == "previous" else "year_earlier_period"][:] = base
        out[prefix][:] = value
        out[f"{prefix}_marker"][:] = marker
        out["direction_previous" if side == "previous" else "direction_year"][:] = direction
    return pd.DataFrame(table, columns=SERIES_COLUMNS, dtype=object, copy=False)


def _cell_ids(f: pd.DataFrame) -> np.ndarray:
    """Each row's cell, numbered in order of first appearance (as `groupby(CELL,
    sort=False).ngroup()` numbers them), from the columns' integer codes: grouping on the
    text itself held a copy of every key (+300 MB at ten times the national size)."""
    key = np.zeros(len(f), dtype=np.int64)
    for c in CELL:
        codes, names = pd.factorize(f[c])
        key = key * (len(names) + 1) + codes
    return pd.factorize(key)[0]


def _polarities(cur: pd.DataFrame, cell_id: np.ndarray) -> np.ndarray:
    """Each row's polarity (None: none), looked up once per distinct cell (`cell_id`)."""
    cells, first = np.unique(cell_id, return_index=True)
    looked = np.empty(len(cells), dtype=object)
    cols = [cur[c].to_numpy(dtype=object)[first]
            for c in ("table_id", "measure", "breakdown", "category")]
    looked[:] = [polarity_of(*k) for k in zip(*cols, strict=True)]
    return looked[np.searchsorted(cells, cell_id)]


def _census(census_at: dict, periods: np.ndarray, out: dict[str, np.ndarray]) -> np.ndarray:
    """The Census share (hundredths) of each row's cell in `periods` (0 where none: only
    `toward_census` rows, which are C1's and have one, read it)."""
    c1 = np.flatnonzero(out["table_id"] == "C1")
    res = np.zeros(len(periods), dtype=np.int64)
    for i in c1.tolist():
        res[i] = census_at.get((periods[i], out["body_code"][i], out["breakdown"][i],
                                out["category"][i]), 0)
    return res
