"""The published figures of a quarter or a year, from the warehouse's current returns.

`figures` is pure (DataFrames in, DataFrames out, like the methodology it calls). The warehouse
is read by `current_returns` and `year_returns`, written by `write_figures`; `publish_quarter`
does a quarter's whole round, reading and computing only what changed since the figures it
kept in the figure store.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..common.pause_points import pause
from ..methodology.counts import CountBook, Counts, StaleCounts
from ..methodology.pay_gaps import pay_gap_rows
from ..methodology.rounding import ALL
from ..methodology.spread import SPREAD_CODES, position_rows, spread_rows
from ..methodology.tables import (
    CATEGORICAL,
    EVENT_TABLES,
    TABLE_IDS,
    benchmark_rows,
    lookup,
    measure_places,
    per_measure,
)
from ..standard.periods import Period
from ..warehouse import tables as warehouse
from ..warehouse.compact_read import read_compact
from . import figure_store, revisions
from .published import Figures
from .series_store import refresh_series

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
    return returns_of(frames, _accepted(conn, periods), periods)


def year_returns(conn: sa.Connection, quarters: Sequence[str]) -> tuple[Returns, Returns]:
    """(Q4's returns, the four quarters' returns) of a year, reading each row once and only
    the columns the figures read (`_year_frame`)."""
    accepted = _accepted(conn, quarters)
    frames = {name: _year_frame(conn, name, quarters) for name in warehouse.DATA_TABLES}
    q4 = quarters[-1]
    snapshot = {name: _only_used(df[(df["period"] == q4).to_numpy()].reset_index(drop=True))
                for name, df in frames.items()}
    return (returns_of(snapshot, [a for a in accepted if a.period == q4], [q4]),
            returns_of(frames, accepted, quarters))


def _accepted(conn: sa.Connection, periods: Sequence[str]) -> Sequence[Any]:
    """(body_code, period, sheets, submission_id) of each accepted return of `periods`."""
    s = warehouse.submissions
    return conn.execute(
        sa.select(s.c.body_code, s.c.period, s.c.sheets, s.c.submission_id).where(
            s.c.status == "accepted", s.c.period.in_(list(periods)))
    ).all()


def quarter_returns(conn: sa.Connection, period: str, store: Path
                    ) -> tuple[Returns, dict[str, int]]:
    """(the current accepted returns of a quarter, each body's submission id), reading from
    the warehouse only the returns the figure store does not hold yet."""
    accepted = _accepted(conn, [period])
    submissions = {a.body_code: a.submission_id for a in accepted}
    inputs = figure_store.quarter_inputs(conn, period, store, submissions)
    return returns_of(inputs.for_figures(), accepted, [period]), submissions


def _read_periods(conn: sa.Connection, name: str, periods: Sequence[str]) -> pd.DataFrame:
    return pd.concat([warehouse.read_table(conn, name, p) for p in periods], ignore_index=True)


def _year_frame(conn: sa.Connection, name: str, quarters: Sequence[str]) -> pd.DataFrame:
    """A table's rows of a year's quarters as the figures read them: the quarter's columns
    (`figure_store.figure_columns`), its period and, for Workforce, the staff reference that
    makes a person across quarters; compact (`read_compact`: text as categoricals). Text
    that is not tallied goes back to `str`, as a quarter's figures take it, except the staff
    reference: one category per person, read once (`person_year`) as objects."""
    columns = figure_store.figure_columns(name)
    extra = ["period", *(["staff_ref"] if name == "workforce" else [])]
    columns = [*columns[:1], *extra, *columns[1:]]
    # quarter by quarter, as the rows were always read (one query gives them in storage order)
    parts = [read_compact(conn, name, [q], columns) for q in quarters]
    parts = [p for p in parts if len(p)]
    df = figure_store.concat_compact(parts) if parts else pd.DataFrame(columns=columns)
    back = {c: df[c].astype("str") for c in df.columns if c not in CATEGORICAL
            and c != "staff_ref" and isinstance(df[c].dtype, pd.CategoricalDtype)}
    return df.assign(**back) if back else df


def _only_used(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with each categorical's categories those of its rows (as `as_category` of
    these rows gives them)."""
    used = {c: df[c].cat.remove_unused_categories() for c in df.columns
            if isinstance(df[c].dtype, pd.CategoricalDtype)}
    return df.assign(**used) if used else df


def returns_of(frames: dict[str, pd.DataFrame], accepted: Sequence[Any],
               periods: Sequence[str]) -> Returns:
    """`frames` with which bodies sent which sheet (`accepted`: rows of `_accepted`)."""
    # A body sent a sheet for these periods only if it sent it for every one of them.
    submitted: dict[str, set[str]] = {}
    for name in warehouse.DATA_TABLES:
        per_body: dict[str, int] = {}
        for a in accepted:
            if name in (a.sheets or "").split(","):
                per_body[a.body_code] = per_body.get(a.body_code, 0) + 1
        submitted[name] = {b for b, n in per_body.items() if n == len(periods)}
    bodies = sorted({a.body_code for a in accepted})
    return Returns(frames, submitted, bodies)


def figures(snapshot: Returns, events: Returns | None = None, previous: Figures | None = None,
            keep: Collection[str] = ()) -> Figures:
    """Every published table: snapshot tables from `snapshot`, event tables from `events`
    (the same returns for a quarter; the year's four quarters for an annual table).

    A quarter's figures after some bodies resubmitted: `previous`, the figures last computed,
    and `keep`, the bodies whose returns are the same as then. Their rows are taken from
    `previous`; the other bodies' rows are computed, and ALL, the spread and the positions
    again: ALL from the others' records and the kept bodies' counts (`previous.counts`), or
    their records where a figure is not a sum. The result is the figures computed afresh, row
    for row.
    """
    keep = set(keep) & set(snapshot.bodies) if previous is not None and events is None else set()
    counts = None
    try:
        pay, bench, counts = _update(snapshot, previous, keep)
    except StaleCounts:  # nothing kept, or not counts that fit: count every record
        book = CountBook() if events is None else None
        pay = pay_gap_rows(snapshot.frames["workforce"])
        # a year's event tables come from `events` alone: the snapshot gives the others
        bench = benchmark_rows(snapshot.frames, snapshot.submitted, snapshot.bodies,
                               pay_gap=pay, tables=None if events is None else SNAPSHOT_TABLES,
                               counts=book)
        counts = book.counts() if book is not None else None
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
    return Figures(pay, full, position_rows(rates, spread), counts)


# Stands for every body whose rows are kept: pooled into ALL like the rest, its own rows dropped.
OTHERS = "~kept"


def _update(returns: Returns, previous: Figures | None, keep: set[str]
            ) -> tuple[pd.DataFrame, pd.DataFrame, Counts]:
    """(pay_gap, benchmark rows, counts) with the rows of `keep` from `previous` and the rest
    computed. Only the other bodies' records are counted: ALL adds the kept bodies' counts
    from `previous`. The kept bodies stand as one unit, OTHERS, in the bookkeeping of who sent
    which sheet (its figures are dropped). StaleCounts when there is nothing to update from."""
    if previous is None or previous.counts is None or not keep:
        raise StaleCounts("no kept counts")
    fresh = [b for b in returns.bodies if b not in keep]
    if not fresh:  # a body withdrawn, or nothing changed: rare, so no shortcut
        raise StaleCounts("no body to count")
    kept = {name: df["body_code"].isin(keep).to_numpy() for name, df in returns.frames.items()}
    frames = {name: df[~kept[name]] for name, df in returns.frames.items()}
    submitted = {name: (subs - keep) | ({OTHERS} if subs & keep else set())
                 for name, subs in returns.submitted.items()}
    feedback = returns.frames["feedback"]
    sent_feedback = feedback["body_code"].isin(returns.submitted["feedback"] & keep).to_numpy()
    # Pay gaps: a row of no body counts for ALL alone, so the kept bodies' pay is sorted once
    # (for ALL), not twice. The tables take these rows as they are (OTHERS' own are dropped).
    wf = returns.frames["workforce"]
    pay = pay_gap_rows(wf.assign(body_code=wf["body_code"].astype(object).where(
        ~wf["body_code"].isin(keep), None)))
    book = CountBook(previous.counts, keep, pooled=OTHERS)
    bench = benchmark_rows(frames, submitted, [*fresh, OTHERS], pay_gap=pay, counts=book,
                           kept={"feedback": feedback[sent_feedback]})
    units = [*returns.bodies, ALL]  # the order the rows of a full computation come in
    pay = _in_unit_order(previous.pay_gap, pay, keep, units, [])
    bench = _in_unit_order(previous.benchmark, bench, keep, units, ["table_id"])
    return pay, bench, book.counts()


def _in_unit_order(previous: pd.DataFrame, computed: pd.DataFrame, keep: set[str],
                   units: list[str], first: list[str]) -> pd.DataFrame:
    """The kept bodies' previous rows and the computed rows of the others and ALL, ordered as
    a full computation orders them: by `first` (tables in TABLE_IDS order), then unit; each
    (table, unit)'s rows come from one side, in that side's order (the sort is stable)."""
    rows = pd.concat([previous[previous["body_code"].isin(keep)],
                      computed[computed["body_code"] != OTHERS]], ignore_index=True)
    unit = lookup(rows["body_code"], {u: i for i, u in enumerate(units)})
    keys = [lookup(rows[c], {t: i for i, t in enumerate(TABLE_IDS)}) for c in first]
    ranked = np.lexsort([unit, *keys[::-1]])  # stable; the last key sorts first
    return rows.take(ranked).reset_index(drop=True)


def write_figures(conn: sa.Connection, period: str, figs: Figures,
                  units: Collection[str] | None = None, based_on: str | None = None,
                  every_row: bool = False) -> dict[str, int]:
    """Store a period's figures (inside `engine.begin()`: they change together) and stamp the
    publication. `units`: only those body codes' pay-gap, benchmark and series rows are
    rewritten, the others' being those of the publication stamped `based_on`; if another run
    has published since, every row is. `every_row`: the pay-gap and benchmark rows of every
    body are rewritten all the same (where the warehouse keeps rows in no order, an update
    cannot add rows at the end), the series rows only of `units`. The positions always are.
    Returns rows written."""

    def write(units: Collection[str] | None) -> dict[str, int]:
        return {
            "pay_gap_rows": warehouse.replace_period(conn, warehouse.pay_gap, period,
                                                     warehouse.of_units(figs.pay_gap, units),
                                                     units),
            "benchmark_rows": warehouse.replace_period(conn, warehouse.benchmark, period,
                                                       warehouse.of_units(figs.benchmark, units),
                                                       units),
            "position_rows": warehouse.replace_period(conn, warehouse.benchmark_position,
                                                      period, figs.position),
        }

    written = write(None if every_row else units)
    # Read after writing: the transaction now holds the write lock, so it sees the last commit.
    if units is not None and warehouse.published_stamp(conn, period) != based_on:
        units = None
        if not every_row:
            written = write(units)
    warehouse.stamp_published(conn, period)
    # its change over time, and that of the periods compared with it (the same units')
    refresh_series(conn, period, figs.benchmark, units)
    return written


@dataclass
class Publication:
    """What `publish_quarter` or `publish_year` did: the figures, the bodies whose returns they
    came from (a year's: its Q4 snapshot's), those whose figures were computed (the rest kept
    from the last publication) and the rows written. Not the returns themselves: they are let
    go once the figures are computed, before the rows are written."""

    figures: Figures
    bodies: list[str]
    computed: list[str]
    written: dict[str, int]


def _version(conn: sa.Connection, period: str) -> int:
    """The version of `period`'s returns (read before them: figures computed from returns that
    changed meanwhile are recorded as the older version, so they are published again)."""
    state = warehouse.publication(conn, period)
    return state.version if state is not None else 0


def _written(conn: sa.Connection, period: str, version: int) -> str:
    """Record, in the transaction that wrote the figures, which version of the returns they
    show; returns the figures' stamp."""
    warehouse.figures_published(conn, period, version)
    pause("figures", period)
    return warehouse.published_stamp(conn, period) or ""


def publish_quarter(engine: sa.Engine, period: str, store: Path) -> Publication:
    """Compute and store a quarter's figures from its current accepted returns, reading,
    computing and rewriting only what changed since the last publication kept in `store`
    (figure_store), or everything when there is none."""
    with engine.connect() as conn:
        version = _version(conn, period)
        returns, submissions = quarter_returns(conn, period, store)
        last = figure_store.load_published(conn, store, period)
    keep = ({b for b, sid in submissions.items() if last.submissions.get(b) == sid}
            if last is not None else set())
    figs = figures(returns, previous=last.figures if last else None, keep=keep)
    bodies = returns.bodies
    del returns  # the inputs are kept in the store: not held while the rows are written
    # Only the rows that can change are rewritten (the changed bodies', any gone, ALL's and the
    # spread's) where the warehouse reads each written batch back in order: SQLite, by rowid.
    # PostgreSQL keeps rows in no order, so there every pay-gap and benchmark row is written
    # again, in order; the series (read back sorted) only of those units on both.
    units = None
    if keep:
        units = (set(submissions) | set(last.submissions)) - keep | {ALL, *SPREAD_CODES}
    with engine.begin() as conn:
        before = revisions.published_before(conn, period)  # a final quarter's: to log changes
        written = write_figures(conn, period, figs, units,
                                based_on=last.stamp if last is not None else None,
                                every_row=engine.dialect.name != "sqlite")
        if before is not None:
            revisions.log_revisions(conn, period, before, figs.benchmark)
        stamp = _written(conn, period, version)
    figure_store.save_published(store, period,
                               figure_store.KeptFigures(stamp, submissions, figs))
    return Publication(figs, bodies, [b for b in bodies if b not in keep], written)


def publish_year(engine: sa.Engine, year: str) -> Publication:
    """Compute and store a year's figures (event tables from its four quarters, the rest from
    Q4), every row written."""
    with engine.connect() as conn:
        version = _version(conn, year)
        snapshot, events = year_returns(conn, year_quarters(year))
    figs = figures(snapshot, events)
    with engine.begin() as conn:
        written = write_figures(conn, year, figs)
        _written(conn, year, version)
    return Publication(figs, list(snapshot.bodies), list(snapshot.bodies), written)


def year_has_snapshot(engine: sa.Engine, year: str) -> bool:
    """Whether a year's Q4 has an accepted return: a year's tables are its Q4 snapshot and its
    four quarters, so there is nothing to publish before."""
    s, q4 = warehouse.submissions, year_quarters(year)[-1]
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(s).where(
            s.c.period == q4, s.c.status == "accepted")).scalar_one() > 0


def _comparable(table_id: str, measure: str) -> bool:
    if measure == "census_pct":
        return False  # the same reference figure for every body
    if measure.startswith("median"):
        return True
    return measure_places(table_id, measure) > 0 and measure != "value_gbp"


def year_quarters(year: str) -> list[str]:
    start = Period.parse(f"{year} Q1")
    return [Period(start.year, q).label for q in (1, 2, 3, 4)]
