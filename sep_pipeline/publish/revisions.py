"""Provisional, final and revised figures (METHODOLOGY.md, "Markers"; docs/methodology.md,
"Revisions policy").

A quarter's figures are provisional (`[p]` beside every value) until the quarter is finalised,
by `sep-pipeline finalise`, the `finalise_quarter` job, or the after-deadline schedule once
enough bodies are in the figures (`status.Coverage`). From then on, every publication of the
quarter compares what was published before with what it publishes (`changes`, pure) and logs
each figure whose value or replacing marker changed in the warehouse's `revisions` table, with
the submission that caused it; the pack marks those figures `[r]` and lists them. Markers that
replace a value ([c] [x] [z] [low]) are unchanged: `[p]` and `[r]` stand beside it.

The warehouse functions run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..common.config import Settings
from ..standard.periods import Period
from ..warehouse import tables as warehouse

PROVISIONAL, REVISED = "[p]", "[r]"
KEY = ["table_id", "body_code", "breakdown", "category", "measure"]  # one published figure
LOG_COLUMNS = [*KEY, "old_value", "old_marker", "new_value", "new_marker"]
REVISION_COLUMNS = ["period", *LOG_COLUMNS, "revised_at", "submission_id"]
# Who finalised a quarter (`finalised_periods.finalised_by`); the schedule only when covered.
BY_COMMAND, BY_JOB, BY_SCHEDULE = "command", "job", "schedule"


def is_quarter(period: str) -> bool:
    """Quarters are finalised; a year's tables follow its quarters and carry no status."""
    return " Q" in period


# --- Pure ----------------------------------------------------------------------------------


def _same_value(old: pd.Series, new: pd.Series) -> np.ndarray:
    o, n = (pd.to_numeric(s, errors="coerce").to_numpy(dtype=float) for s in (old, new))
    both_missing = np.isnan(o) & np.isnan(n)
    with np.errstate(invalid="ignore"):
        return both_missing | (np.abs(o - n) <= 1e-9)


def _markers(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").to_numpy(dtype=object)


def changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The published figures (rows with KEY, value, marker) whose value or marker differs
    between `before` and `after`, in LOG_COLUMNS: after's order, then figures no longer
    published. A figure published on one side only has neither value nor marker on the other."""
    cols = [*KEY, "value", "marker"]
    as_text = dict.fromkeys(KEY, object)  # categorical codes from the figure store merge as text
    new = after[cols].astype(as_text).assign(_at=np.arange(len(after)))
    old = before[cols].astype(as_text).assign(_was=np.arange(len(before)))
    m = new.merge(old, on=KEY, how="outer", suffixes=("_new", "_old"))
    # an outer merge sorts its keys: put them back in after's order, the figures gone last
    m = m.sort_values(["_at", "_was"], na_position="last", kind="stable")
    same = _same_value(m["value_old"], m["value_new"]) & (
        _markers(m["marker_old"]) == _markers(m["marker_new"]))
    out = m.loc[~same].rename(columns={"value_old": "old_value", "marker_old": "old_marker",
                                       "value_new": "new_value", "marker_new": "new_marker"})
    out = out[LOG_COLUMNS].reset_index(drop=True)
    for c in ("old_marker", "new_marker"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def revision_markers(rows: pd.DataFrame, provisional: bool, revised: Collection[tuple]
                     ) -> np.ndarray:
    """`[p]` for every row of a provisional quarter; else `[r]` for rows whose KEY is in
    `revised` (keys of logged revisions), '' for the rest: the pack's `revision_marker`."""
    if provisional:
        return np.full(len(rows), PROVISIONAL, dtype=object)
    out = np.full(len(rows), "", dtype=object)
    if len(revised) and len(rows):
        keys = pd.MultiIndex.from_frame(rows[KEY].astype(object))
        out[keys.isin(list(revised))] = REVISED
    return out


def pay_gap_keys(pay_gap: pd.DataFrame) -> pd.DataFrame:
    """The pay-gap rows' KEY as the benchmark tables P1 and P2 publish the same figures."""
    metric = pay_gap["metric"].astype(str)
    return pd.DataFrame({
        "table_id": np.where(metric.str.match(r"q\d_"), "P2", "P1"),
        "body_code": pay_gap["body_code"].to_numpy(dtype=object),
        "breakdown": pay_gap["characteristic"].to_numpy(dtype=object),
        "category": (pay_gap["reference_group"].astype(str) + "_vs_"
                     + pay_gap["comparison_group"].astype(str)).to_numpy(dtype=object),
        "measure": metric.to_numpy(dtype=object)}, index=pay_gap.index)


# --- Warehouse -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finalisation:
    period: str
    finalised_at: datetime
    finalised_by: str
    submissions_through: int | None


def finalisation(conn: sa.Connection, period: str) -> Finalisation | None:
    """When and by whom `period` was finalised; None while it is provisional."""
    f = warehouse.finalised_periods
    row = conn.execute(sa.select(f).where(f.c.period == period)).first()
    if row is None:
        return None
    at = row.finalised_at if row.finalised_at.tzinfo else row.finalised_at.replace(tzinfo=UTC)
    return Finalisation(row.period, at, row.finalised_by, row.submissions_through)


def _latest_submission(conn: sa.Connection, period: str) -> int | None:
    s = warehouse.submissions
    return conn.execute(sa.select(sa.func.max(s.c.submission_id)).where(
        s.c.period == period, s.c.status == "accepted")).scalar_one_or_none()


@dataclass(frozen=True)
class Finalised:
    """What `finalise` did: `done` (the quarter is final), `newly` (by this call), and why not."""

    period: str
    done: bool
    newly: bool
    state: Finalisation | None
    inside: int = 0
    expected: int = 0
    why: str = ""


def finalise(conn: sa.Connection, period: str, cfg: Settings, by: str) -> Finalised:
    """Make a quarter's figures final (inside `engine.begin()`, holding the writer lock). The
    schedule (`by=BY_SCHEDULE`) finalises only when `status.Coverage` is met; the command and
    the job always. Refused while its published figures do not show its current returns
    (there is nothing final to compare a later change with). Finalising a final quarter does
    nothing."""
    from ..coordination import status

    if not is_quarter(period):
        raise ValueError(f"{period!r} is not a quarter: only quarters are finalised")
    cover = status.coverage_of(status.period_status(conn, Period.parse(period), cfg))
    base = {"inside": cover.inside, "expected": cover.expected}
    state = finalisation(conn, period)
    if state is not None:
        return Finalised(period, True, False, state, **base, why="already final")
    pub = warehouse.publication(conn, period)
    if pub is None or not pub.figures_current:
        why = ("no figures are published for it yet" if pub is None else
               "its figures do not show its latest returns yet")
        return Finalised(period, False, False, None, **base, why=why)
    if by == BY_SCHEDULE and not cover.met:
        return Finalised(period, False, False, None, **base, why=(
            f"{cover.inside} of {cover.expected} expected bodies are in the figures, fewer "
            f"than SEP_MIN_COVERAGE ({cover.minimum:.0%})"))
    conn.execute(sa.insert(warehouse.finalised_periods).values(
        period=period, finalised_at=datetime.now(UTC), finalised_by=by,
        submissions_through=_latest_submission(conn, period)))
    return Finalised(period, True, True, finalisation(conn, period), **base)


def published_before(conn: sa.Connection, period: str) -> pd.DataFrame | None:
    """A final quarter's published benchmark rows as they stand (read before they are
    replaced, in the transaction that replaces them); None while it is provisional."""
    if not is_quarter(period) or finalisation(conn, period) is None:
        return None
    return warehouse.read_table(conn, "benchmark", period, columns=[*KEY, "value", "marker"])


def log_revisions(conn: sa.Connection, period: str, before: pd.DataFrame,
                  after: pd.DataFrame) -> int:
    """Log every figure of a final quarter that `after` (its figures as now published)
    changes from `before` (`published_before`), each with the submission that caused it: the
    body's own return accepted since the last publication, else (the partnership's and the
    spread's figures) the latest such return. Nothing changed, nothing logged. Returns the
    number logged."""
    state = finalisation(conn, period)
    if state is None:
        return 0
    changed = changes(before, after)
    latest = _latest_submission(conn, period)
    if not changed.empty:
        s = warehouse.submissions
        since = conn.execute(sa.select(s.c.body_code, s.c.submission_id).where(
            s.c.period == period, s.c.status == "accepted",
            s.c.submission_id > (state.submissions_through or 0))).all()
        caused = {r.body_code: r.submission_id for r in since}
        fallback = max(caused.values(), default=None)
        now = datetime.now(UTC)
        rows = changed.astype(object).where(changed.notna(), None).to_dict("records")
        for r in rows:
            r.update(period=period, revised_at=now,
                     submission_id=caused.get(r["body_code"], fallback))
        warehouse.bulk_insert(conn, warehouse.revisions, rows)
    f = warehouse.finalised_periods
    conn.execute(sa.update(f).where(f.c.period == period).values(submissions_through=latest))
    return len(changed)


def revisions_of(conn: sa.Connection, period: str) -> pd.DataFrame:
    """Every revision logged for `period`, oldest first, in REVISION_COLUMNS and the file
    name of the submission that caused it."""
    r, s = warehouse.revisions, warehouse.submissions
    rows = conn.execute(
        sa.select(*(r.c[c] for c in REVISION_COLUMNS), s.c.file_name)
        .select_from(r.outerjoin(s, s.c.submission_id == r.c.submission_id))
        .where(r.c.period == period).order_by(r.c.revision_id)).all()
    out = pd.DataFrame([tuple(x) for x in rows], columns=[*REVISION_COLUMNS, "file_name"])
    out = out.astype({c: float for c in ("old_value", "new_value")})
    for c in ("old_marker", "new_marker"):  # None where there is none, whatever the driver
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


@dataclass(frozen=True)
class PackState:
    """What a period's pack says of its figures: provisional or final, and their revisions."""

    provisional: bool = False
    finalised_at: datetime | None = None
    revisions: pd.DataFrame | None = None  # None for a year

    @cached_property  # asked once per unit of a period's series
    def revised(self) -> set[tuple]:
        if self.revisions is None or self.revisions.empty:
            return set()
        return set(map(tuple, self.revisions[KEY].astype(object).to_numpy().tolist()))


def pack_state(conn: sa.Connection, period: str) -> PackState:
    if not is_quarter(period):
        return PackState()
    state = finalisation(conn, period)
    return PackState(state is None, state.finalised_at if state else None,
                     revisions_of(conn, period))
