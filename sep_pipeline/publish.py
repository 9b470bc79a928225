"""The published figures of a quarter or a year, from the warehouse's current returns.

Pure apart from `current_returns` and `year_returns`, which read the warehouse: the methodology
functions are DataFrames in, DataFrames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from . import warehouse
from .methodology.pay_gaps import pay_gap_rows
from .methodology.spread import position_rows, spread_rows
from .methodology.tables import (
    EVENT_TABLES,
    TABLE_IDS,
    benchmark_rows,
    measure_places,
    per_measure,
)
from .periods import Period

SNAPSHOT_TABLES = frozenset(TABLE_IDS) - EVENT_TABLES
BENCHMARK_COLUMNS = ["body_code", "table_id", "measure", "breakdown", "category", "value",
                     "marker"]


@dataclass
class Returns:
    """The current accepted returns of some quarters: rows, which sheets each body sent, bodies."""

    frames: dict[str, pd.DataFrame]
    submitted: dict[str, set[str]]
    bodies: list[str]


def current_returns(conn: sa.Connection, periods: Sequence[str]) -> Returns:
    """The current accepted returns of `periods`."""
    frames = {name: _read_periods(conn, name, periods) for name in warehouse.DATA_TABLES}
    return _returns(frames, _accepted(conn, periods), periods)


def year_returns(conn: sa.Connection, quarters: Sequence[str]) -> tuple[Returns, Returns]:
    """(Q4's returns, the four quarters' returns) of a year, reading each row once."""
    accepted = _accepted(conn, quarters)
    frames = {name: _read_periods(conn, name, quarters) for name in warehouse.DATA_TABLES}
    q4 = quarters[-1]
    snapshot = {name: df[df["period"] == q4].reset_index(drop=True)
                for name, df in frames.items()}
    return (_returns(snapshot, [a for a in accepted if a.period == q4], [q4]),
            _returns(frames, accepted, quarters))


def _accepted(conn: sa.Connection, periods: Sequence[str]) -> Sequence[Any]:
    """(body_code, period, sheets) of each accepted return of `periods`."""
    s = warehouse.submissions
    return conn.execute(
        sa.select(s.c.body_code, s.c.period, s.c.sheets).where(
            s.c.status == "accepted", s.c.period.in_(list(periods)))
    ).all()


def _read_periods(conn: sa.Connection, name: str, periods: Sequence[str]) -> pd.DataFrame:
    return pd.concat([warehouse.read_table(conn, name, p) for p in periods], ignore_index=True)


def _returns(frames: dict[str, pd.DataFrame], accepted: Sequence[Any],
             periods: Sequence[str]) -> Returns:
    # A body sent a sheet for these periods only if it sent it for every one of them.
    submitted: dict[str, set[str]] = {}
    for name in warehouse.DATA_TABLES:
        per_body: dict[str, int] = {}
        for body, _period, sheets in accepted:
            if name in (sheets or "").split(","):
                per_body[body] = per_body.get(body, 0) + 1
        submitted[name] = {b for b, n in per_body.items() if n == len(periods)}
    bodies = sorted({body for body, _, _ in accepted})
    return Returns(frames, submitted, bodies)


@dataclass
class Figures:
    pay_gap: pd.DataFrame
    benchmark: pd.DataFrame
    position: pd.DataFrame


def figures(snapshot: Returns, events: Returns | None = None) -> Figures:
    """Every published table: snapshot tables from `snapshot`, event tables from `events`
    (the same returns for a quarter; the year's four quarters for an annual table)."""
    pay = pay_gap_rows(snapshot.frames["workforce"])
    # a year's event tables come from `events` alone: the snapshot gives the others
    bench = benchmark_rows(snapshot.frames, snapshot.submitted, snapshot.bodies, pay_gap=pay,
                           tables=None if events is None else SNAPSHOT_TABLES)
    if events is not None:
        yearly = benchmark_rows(events.frames, events.submitted, events.bodies, annual=True)
        # a year's events are the union of its quarters; its snapshot is Q4 (the relevant date)
        bench = pd.concat([bench[~bench["table_id"].isin(EVENT_TABLES)],
                           yearly[yearly["table_id"].isin(EVENT_TABLES)]], ignore_index=True)
    bench = bench[BENCHMARK_COLUMNS]
    # Bodies compare on rates, gaps, likelihoods and medians; their raw counts and amounts
    # mostly measure their size, so those get no median across bodies and no position.
    rates = bench[per_measure(bench["table_id"], bench["measure"], _comparable, dtype=bool)]
    spread = spread_rows(rates)
    full = pd.concat([bench, spread], ignore_index=True)
    return Figures(pay, full, position_rows(rates, spread))


def _comparable(table_id: str, measure: str) -> bool:
    if measure == "census_pct":
        return False  # the same reference figure for every body
    if measure.startswith("median"):
        return True
    return measure_places(table_id, measure) > 0 and measure != "value_gbp"


def year_quarters(year: str) -> list[str]:
    start = Period.parse(f"{year} Q1")
    return [Period(start.year, q).label for q in (1, 2, 3, 4)]
