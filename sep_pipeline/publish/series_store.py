"""The warehouse's `series` table (change over time, `methodology.series`), kept in step with
the published figures, and read back for the pack.

A period's series rows compare its figures with those of the previous quarter and of a year
earlier, so publishing a period's figures rewrites the series of that period and of the later
periods compared with it (the next quarter and the same quarter a year on, or the next year),
when they are published. In the usual round only the latest quarter's rows are written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..methodology.rounding import ALL
from ..methodology.series import CELL, SERIES_COLUMNS, compared_periods, is_year, series_rows
from ..methodology.tables import TABLE_IDS, lookup
from ..standard.periods import Period
from ..warehouse import tables as warehouse
from .revisions import PackState
from .revisions import revision_markers as markers_of


def published_periods(conn: sa.Connection) -> list[str]:
    """Every period with published figures."""
    t = warehouse.published_figures
    return sorted(conn.execute(sa.select(t.c.period)).scalars().all())


def _later(period: str) -> list[str]:
    """The periods whose changes are measured from `period`."""
    if is_year(period):
        start = int(period[:4]) + 1
        return [f"{start}-{(start + 1) % 100:02d}"]
    p = Period.parse(period)
    nxt = Period(p.year, p.quarter + 1) if p.quarter < 4 else Period(p.year + 1, 1)
    return [nxt.label, Period(p.year + 1, p.quarter).label]


# Series rows made and written at once, at most (unless one unit has more): a row compares one
# unit's cell with the same unit's cell in another period, so the rows are made a group of units
# at a time and memory is bounded by the group, not by the number of bodies (a period has ~260,000
# rows at the national size, ten times as many at ten times the size).
GROUP_ROWS = 300_000


def refresh_series(conn: sa.Connection, period: str, current: pd.DataFrame | None = None,
                   units: Collection[str] | None = None) -> int:
    """Rewrite the series rows of `period` and of the published periods compared with it (call
    inside the transaction that wrote `period`'s figures, after it stamped them). `current`:
    `period`'s benchmark rows just written (not read back). `units`: only the rows of these
    body codes (those whose figures were rewritten: a row compares one body's cell with the
    same body's cell, so the others' rows cannot change). Returns the rows written."""
    published = set(published_periods(conn)) | {period}
    targets = [period, *(p for p in _later(period) if p in published)]
    needed = sorted({p for t in targets for p in (t, *compared_periods(t))
                     if p is not None and p in published})
    bench = pd.concat([current.assign(period=period) if current is not None and p == period
                       else warehouse.read_table(conn, "benchmark", p) for p in needed],
                      ignore_index=True)
    bench = warehouse.of_units(bench, units)
    # A later period's old rows, to tell whether its changes moved (read before they go).
    old = {t: warehouse.of_units(warehouse.read_table(conn, "series", t), units)
           for t in targets if t != period}
    moved: set[str] = set()
    for t in targets:  # every row of the units goes, then each group's are written
        warehouse.replace_period(conn, warehouse.series, t, bench.iloc[:0], units)
    written = 0
    for group in _unit_groups(bench["body_code"], GROUP_ROWS):
        rows = series_rows(warehouse.of_units(bench, group), targets, published)
        for t in targets:
            of_t = rows if len(targets) == 1 else rows[(rows["period"] == t).to_numpy()]
            if t != period and not _same(warehouse.of_units(old[t], group), of_t):
                moved.add(t)
            written += warehouse.replace_period(conn, warehouse.series, t, of_t, group)
    for t in moved:  # (a unit's rows of `t` come from its figures of `t`, which are in `bench`)
        _pack_out_of_date(conn, t)
    return written


def _unit_groups(body_codes: pd.Series, most: int) -> list[list[str]]:
    """The units of `body_codes` (one per row) in groups of at most `most` rows each (a unit
    with more makes a group alone), in order of first appearance."""
    counts = body_codes.value_counts(sort=False)
    groups: list[list[str]] = []
    size = most
    for unit, n in zip(counts.index.tolist(), counts.tolist(), strict=True):
        if size + n > most:
            groups.append([])
            size = 0
        groups[-1].append(unit)
        size += n
    return groups


def _rows(df: pd.DataFrame) -> list[tuple]:
    df = df[SERIES_COLUMNS].astype(object)
    df = df.where(df.notna(), None).sort_values(CELL, kind="stable")
    return list(map(tuple, df.to_numpy().tolist()))


def _same(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    return len(old) == len(new) and _rows(old) == _rows(new)


def _pack_out_of_date(conn: sa.Connection, period: str) -> None:
    """A later period's changes moved (an earlier period it is compared with was published
    again): its pack, which shows them, is out of date; its figures are not (if they were
    current they stay so), so the next run rewrites only its pack."""
    p = warehouse.publications
    conn.execute(sa.update(p).where(p.c.period == period).values(
        version=p.c.version + 1,
        figures_version=sa.case((p.c.figures_version == p.c.version, p.c.version + 1),
                                else_=p.c.figures_version),
        changed_at=datetime.now(UTC)))


def read_series(conn: sa.Connection, periods: Sequence[str],
                cells: Collection[tuple[str, str, str, str]] | None = None) -> pd.DataFrame:
    """The series rows of `periods`; `cells`: only these (table_id, measure, breakdown,
    category), for every body."""
    t = warehouse.series
    q = sa.select(*(t.c[c] for c in SERIES_COLUMNS)).where(t.c.period.in_(list(periods)))
    if cells is not None:  # the cells picked by the database: few rows of many come back
        q = q.where(sa.tuple_(t.c.table_id, t.c.measure, t.c.breakdown, t.c.category).in_(
            sorted(cells))) if cells else q.where(sa.false())
    df = pd.read_sql(q, conn)
    return in_series_order(df.astype(object).where(df.notna(), None))


def in_series_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Series rows in one order, whatever order the warehouse gives them in (PostgreSQL keeps
    none, and a period's rows rewritten fill the space others freed): by period, the bodies by
    code then ALL, the tables as numbered, then measure, breakdown and category."""
    bodies = sorted(set(rows["body_code"].unique()) - {ALL})
    rank = {**{b: i for i, b in enumerate(bodies)}, ALL: len(bodies)}
    keys = [pd.factorize(rows[c].to_numpy(dtype=object), sort=True)[0]
            for c in ("category", "breakdown", "measure")]
    keys += [lookup(rows["table_id"], {t: i for i, t in enumerate(TABLE_IDS)}),
             lookup(rows["body_code"], rank), pd.factorize(rows["period"], sort=True)[0]]
    return rows.take(np.lexsort(keys)).reset_index(drop=True)  # the last key sorts first


def periods_like(period: str, published: Sequence[str]) -> list[str]:
    """The published periods of `period`'s kind (quarters, or years) up to it, oldest first."""
    return sorted(p for p in published if is_year(p) == is_year(period) and p <= period)


def series_units(conn: sa.Connection, period: str) -> list[str]:
    """The units with series rows in `period`, in series order: each body by code, then ALL."""
    t = warehouse.series
    units = set(conn.execute(sa.select(t.c.body_code).where(t.c.period == period)
                             .distinct()).scalars())
    return [*sorted(units - {ALL}), *([ALL] if ALL in units else [])]  # in_series_order's


def unit_series(conn: sa.Connection, period: str, unit: str, state: PackState
                ) -> pd.DataFrame:
    """One unit's series rows of `period` in series order, with the `revision_marker` beside
    each value (a missing value or marker read as NaN or None). `state`: `pack_state(conn,
    period)`: [p] for a quarter not yet finalised, [r] for a figure of a finalised one the
    revisions log has changed, '' otherwise and for a year's figures (as the pack marks its
    own figures)."""
    rows = in_series_order(warehouse.read_table(conn, "series", period, body=unit)
                           [SERIES_COLUMNS])
    return rows.assign(revision_marker=np.full(len(rows), "", dtype=object)
                       if state.revisions is None  # a year: no status of its own
                       else markers_of(rows, state.provisional, state.revised))


def pack_periods(conn: sa.Connection, period: str) -> list[str]:
    """The periods `period`'s pack shows the series of: the published ones of its kind up to it."""
    return periods_like(period, published_periods(conn))
