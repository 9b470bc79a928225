"""The published tables' frames and row order, shared by the figures (`figures`), the figure
store that keeps them between runs (`figure_store`) and the pack, which reads them back: here,
below all three, so the figure store need not import the figures that use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..methodology.counts import Counts
from ..methodology.rounding import ALL
from ..methodology.spread import SPREAD_CODES
from ..methodology.tables import lookup


@dataclass
class Figures:
    pay_gap: pd.DataFrame
    benchmark: pd.DataFrame
    position: pd.DataFrame
    counts: Counts | None = None  # a quarter's per-body counts behind them, for updates


def in_published_order(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """A period's published rows as read from the warehouse, in the order the figures made
    them (what the pack and CSV show): by table id, then bodies by code, ALL, the spread rows.
    Each unit's rows of a table are written together in that order, but the tables have no
    column to order by: an update that rewrites some units adds theirs at the end, and
    PostgreSQL keeps no order at all. The sort is stable, so within a unit nothing moves."""
    if table not in ("benchmark", "pay_gap") or df.empty:
        return df
    codes = df["body_code"].to_numpy(dtype=object)
    bodies = sorted(set(codes) - {ALL, *SPREAD_CODES})
    rank = {**{b: i for i, b in enumerate(bodies)}, ALL: len(bodies),
            **dict.fromkeys(SPREAD_CODES, len(bodies) + 1)}  # spread rows stay interleaved
    keys = [lookup(df["body_code"], rank)]
    if table == "benchmark":
        keys.append(df["table_id"].to_numpy(dtype=object))
    return df.take(np.lexsort(keys)).reset_index(drop=True)
