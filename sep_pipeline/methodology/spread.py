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

from .rounding import ALL, exact, round_half_away
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
    least 2 bodies have a published value; same columns as `benchmark`, marker None."""
    keys = _keys(benchmark)
    body = _bodies(benchmark)
    body = body[body["value"].notna()]
    lists = body.groupby(keys, sort=False)["value"].agg(list)
    lists = lists[lists.map(len) >= 2]
    rows = []
    for key, values in lists.items():
        cell = dict(zip(keys, key, strict=True))
        places = measure_places(cell["table_id"], cell["measure"])
        xs = [exact(v) for v in values]
        rows += [{**cell, "body_code": code,
                  "value": float(round_half_away(quantile(xs, p), places))}
                 for code, p in SPREAD_CODES.items()]
    out = pd.DataFrame(rows, columns=[*keys, "body_code", "value"])
    out = out.assign(value=out["value"].astype(object),
                     marker=pd.Series([None] * len(out), index=out.index, dtype=object))
    return out[[c for c in benchmark.columns if c in out.columns]]


def position_rows(benchmark: pd.DataFrame) -> pd.DataFrame:
    """Each body's position in each cell (the `benchmark_position` table): columns (period,)
    body_code, table_id, measure, breakdown, category, position."""
    keys = _keys(benchmark)
    body = _bodies(benchmark).reset_index(drop=True)
    spread = spread_rows(benchmark)
    quartiles = spread.pivot(index=keys, columns="body_code", values="value") \
        .reindex(columns=list(SPREAD_CODES)).astype(float)
    q = quartiles.reindex(pd.MultiIndex.from_frame(body[keys])) if len(body) else quartiles
    v = pd.to_numeric(body["value"], errors="coerce").to_numpy(float)
    lq, med, uq = (q[c].to_numpy(float) for c in SPREAD_CODES)
    # NaN (unpublished value or no spread) fails every comparison: no position.
    position = np.select([v < lq, v <= med, v <= uq, v > uq], POSITIONS, default=None)
    cols = [*(["period"] if "period" in keys else []), "body_code", *CELL]
    return body[cols].assign(position=pd.Series(position, index=body.index, dtype=object))
