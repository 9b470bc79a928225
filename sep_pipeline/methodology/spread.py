"""The spread across bodies beside each benchmark figure: median, quartiles, and each body's
position (METHODOLOGY.md, "Benchmark tables").

- Only bodies' published values count: not ALL (the partnership, already pooled), not a
  suppressed or missing figure. A cell needs at least 2 of them.
- Quantiles: linear interpolation between order statistics, h = (n - 1) p, the "inclusive"
  method (Hyndman & Fan type 7; Excel QUARTILE.INC, numpy and pandas defaults), so an analyst
  can reproduce it in a spreadsheet. Computed exactly on the published decimals, rounded once,
  half away from zero, to the measure's own places (`tables.measure_places`).
- Position, against the published quartiles: "lowest quarter" below LQ; "second quarter" from
  LQ up to the median; "third quarter" above the median up to UQ; "highest quarter" above UQ.
  Equal values share a position (when every body has the same value they are all in the second
  quarter). None when the body's figure is not published or the cell has no spread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from .rounding import ALL, exact_ints, round_half_away
from .tables import measure_places

SPREAD_CODES = {"LQ": Fraction(1, 4), "MEDIAN": Fraction(1, 2), "UQ": Fraction(3, 4)}
POSITIONS = ("lowest quarter", "second quarter", "third quarter", "highest quarter")
CELL = ["table_id", "measure", "breakdown", "category"]


def quantile(values: Sequence[Fraction], p: Fraction) -> Fraction:
    """The type 7 quantile of exact values: x[i] + (h - i)(x[i+1] - x[i]), h = (n - 1) p."""
    xs = sorted(values)
    h = (len(xs) - 1) * p
    i = math.floor(h)
    return xs[i] if h == i else xs[i] + (h - i) * (xs[i + 1] - xs[i])


def _keys(benchmark: pd.DataFrame) -> list[str]:
    return (["period"] if "period" in benchmark else []) + CELL


def _bodies(benchmark: pd.DataFrame) -> pd.DataFrame:
    """Bodies' rows only (not ALL, not a spread row fed back in)."""
    return benchmark[~benchmark["body_code"].isin([ALL, *SPREAD_CODES])]


def spread_rows(benchmark: pd.DataFrame) -> pd.DataFrame:
    """Rows with body_code LQ, MEDIAN and UQ for each cell (and period, when given) where at
    least 2 bodies have a published value; same columns as `benchmark`, marker None.

    Every cell at once: values as exact integers over one power of ten, sorted within their
    cell; each quantile is then exact integer arithmetic on two neighbours, rounded once.
    """
    keys = _keys(benchmark)
    body = _bodies(benchmark)
    body = body[body["value"].notna()]
    group = body.groupby(keys, sort=False).ngroup()  # numbered in order of first appearance
    body, cell = body[group.notna()], group[group.notna()].to_numpy(np.intp)
    distinct, first = np.unique(cell, return_index=True)  # 0, 1, ...: each cell's first row
    size = np.bincount(cell, minlength=len(distinct))
    cells = np.flatnonzero(size >= 2)
    value = body["value"].to_numpy(dtype=float)
    ints, k = exact_ints(value)
    xs = ints[np.lexsort((value, cell))]  # each cell's values, in order (exact order)
    start = np.cumsum(size) - size
    head = {key: body[key].to_numpy(dtype=object)[first[cells]].tolist() for key in keys}
    columns: dict[str, list] = {c: [] for c in [*keys, "body_code", "value"]}
    scale = 10**k
    for j, c in enumerate(cells.tolist()):
        n, s0 = int(size[c]), int(start[c])
        places = measure_places(head["table_id"][j], head["measure"][j])
        for code, p in SPREAD_CODES.items():
            # h = (n - 1) p = i + r / den: x[i] + (r / den)(x[i+1] - x[i])
            i, r = divmod((n - 1) * p.numerator, p.denominator)
            lo = int(xs[s0 + i])
            q = Fraction(lo, scale) if r == 0 else Fraction(
                lo * p.denominator + r * (int(xs[s0 + i + 1]) - lo), p.denominator * scale)
            for key in keys:
                columns[key].append(head[key][j])
            columns["body_code"].append(code)
            columns["value"].append(float(round_half_away(q, places)))
    out = pd.DataFrame(columns, columns=[*keys, "body_code", "value"])
    out = out.assign(value=out["value"].astype(object),
                     marker=pd.Series([None] * len(out), index=out.index, dtype=object))
    return out[[c for c in benchmark.columns if c in out.columns]]


def position_rows(benchmark: pd.DataFrame, spread: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each body's position in each cell (the `benchmark_position` table): columns (period,)
    body_code, table_id, measure, breakdown, category, position. `spread`: spread_rows of the
    same rows, when the caller has it already."""
    keys = _keys(benchmark)
    body = _bodies(benchmark).reset_index(drop=True)
    spread = spread_rows(benchmark) if spread is None else spread
    quartiles = spread.pivot(index=keys, columns="body_code", values="value") \
        .reindex(columns=list(SPREAD_CODES)).astype(float)
    q = quartiles.reindex(pd.MultiIndex.from_frame(body[keys])) if len(body) else quartiles
    v = pd.to_numeric(body["value"], errors="coerce").to_numpy(float)
    lq, med, uq = (q[c].to_numpy(float) for c in SPREAD_CODES)
    # NaN (unpublished value or no spread) fails every comparison: no position.
    position = np.select([v < lq, v <= med, v <= uq, v > uq], POSITIONS, default=None)
    cols = [*(["period"] if "period" in keys else []), "body_code", *CELL]
    return body[cols].assign(position=pd.Series(position, index=body.index, dtype=object))
