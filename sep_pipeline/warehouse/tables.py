"""The warehouse: contract tables generated from the standard, and the few writes that change them.

Every write that changes what is current happens in one transaction, so a run killed at any
point leaves either the old accepted return or the new one current, never a mixture.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from operator import itemgetter

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, processors

from ..standard import sep_return as std
from ..standard.issues import Issue
from ..standard.periods import Period

metadata = sa.MetaData()

SUBMISSION_STATUSES = ("accepted", "rejected", "superseded", "duplicate")

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("body_code", sa.String(16), nullable=False, index=True),
    sa.Column("period", sa.String(10), index=True),  # null when the file could not be read
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("errors", sa.Integer, nullable=False, default=0),
    sa.Column("warnings", sa.Integer, nullable=False, default=0),
    sa.Column("template_version", sa.String(16)),
    sa.Column("late", sa.Boolean, nullable=False, default=False),
    sa.Column("archive_path", sa.String(500)),
    # The standardised tables the return included (a sheet with headers and no rows is included:
    # a true zero; a sheet left out is not, and its figures are published as [x]).
    sa.Column("sheets", sa.String(200)),
    # The partner's feedback workbook: "pending" from the transaction that records the outcome
    # until the workbook is in the body's folder ("written", at `feedback_file`); none for a
    # duplicate. Every run delivers what is pending.
    sa.Column("feedback", sa.String(8)),
    sa.Column("feedback_file", sa.String(500)),
    sa.CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in SUBMISSION_STATUSES) + ")",
        name="ck_submissions_status",
    ),
)

validation_issues = sa.Table(
    "validation_issues",
    metadata,
    sa.Column("issue_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"), nullable=False,
        index=True,
    ),
    sa.Column("severity", sa.String(7), nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("sheet", sa.String(100)),
    sa.Column("row", sa.Integer),
    sa.Column("column", sa.String(255)),
    sa.Column("cell", sa.String(16)),
    sa.Column("value", sa.Text),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("message_cy", sa.Text, nullable=False),
    sa.Column("cells", sa.Text),  # every cell of an issue that stands for several, comma-separated
)

_SQL_TYPES: dict[str, sa.types.TypeEngine] = {
    "text": sa.Text(),
    "ref": sa.String(255),
    "code": sa.String(64),
    "codes": sa.String(500),
    "age_band": sa.String(8),
    "bool": sa.Boolean(),
    "date": sa.Date(),
    "number": sa.Float(),
    "money": sa.Float(),
    "integer": sa.Integer(),
}


def _data_table(sheet: std.Sheet) -> sa.Table:
    cols: list[sa.Column] = [
        sa.Column("body_code", sa.String(16), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column(
            "submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"),
            nullable=False,
        ),
    ]
    for f in sheet.fields:
        # Pseudonyms are hex HMACs; the raw reference never reaches the warehouse.
        kind = sa.String(64) if f.pseudonymise else _SQL_TYPES[f.kind]
        cols.append(sa.Column(f.name, kind, nullable=not f.required))
        if f.kind == "codes":
            cols.append(sa.Column(f.name + std.NOTE_SUFFIX, sa.Text))
    return sa.Table(
        sheet.table, metadata, *cols,
        sa.Index(f"ix_{sheet.table}_body_period", "body_code", "period"),
    )


DATA_TABLES: dict[str, sa.Table] = {s.table: _data_table(s) for s in std.DATA_SHEETS}

# What arrived in the intake folder, in order of arrival: the durable queue between the intake
# folder and the runs. A file is listed once it is safe in the archive (by its sha256), and its
# submission is set in the transaction that records what became of it; a run that dies between
# the two leaves it listed and unprocessed, and the next run processes it from the archive.
receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("receipt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("body_code", sa.String(16), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("archive_path", sa.String(500)),
    sa.Column("period", sa.String(10)),  # as the About sheet names it; null when unreadable
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # the intake file's size and modification time when it was taken: the same look next time
    # means the same file, taken already, so it is not read again
    sa.Column("file_size", sa.BigInteger),
    sa.Column("file_mtime_ns", sa.BigInteger),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"),
              index=True),
    sa.UniqueConstraint("body_code", "file_name", "file_sha256", name="uq_receipts_file"),
)

# --- Published tables (methodology): one period's rows are replaced together -----------------

def _figure() -> tuple[sa.Column, ...]:
    """A published number, or the marker that stands in for it (never both)."""
    return (sa.Column("value", sa.Float), sa.Column("marker", sa.String(8)))


pay_gap = sa.Table(
    "pay_gap",
    metadata,
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("body_code", sa.String(16), nullable=False),
    sa.Column("characteristic", sa.String(32), nullable=False),
    sa.Column("reference_group", sa.String(32), nullable=False),
    sa.Column("comparison_group", sa.String(32), nullable=False),
    sa.Column("metric", sa.String(40), nullable=False),
    *_figure(),
    sa.Index("ix_pay_gap_period", "period"),
)

def _cell() -> tuple[sa.Column, ...]:
    return (
        sa.Column("period", sa.String(10), nullable=False),  # a quarter, or a year (annual)
        sa.Column("body_code", sa.String(16), nullable=False),  # a body, ALL, MEDIAN, LQ, UQ
        sa.Column("table_id", sa.String(8), nullable=False),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("breakdown", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
    )


benchmark = sa.Table(
    "benchmark", metadata, *_cell(), *_figure(),
    sa.Index("ix_benchmark_period_table", "period", "table_id"),
)
benchmark_position = sa.Table(
    "benchmark_position", metadata, *_cell(),
    sa.Column("position", sa.String(20)),
    sa.Index("ix_benchmark_position_period", "period"),
)
PUBLISHED_TABLES = {t.name: t for t in (pay_gap, benchmark, benchmark_position)}

# Change over time (methodology.series): each body's and ALL's published figures with their
# change since the previous quarter and a year earlier. Derived from `benchmark` only
# (`series_store.refresh_series`), rewritten with every period whose figures it compares.
series = sa.Table(
    "series", metadata, *_cell(), *_figure(),
    sa.Column("change_unit", sa.String(12), nullable=False),  # pp | ratio | difference
    sa.Column("previous_period", sa.String(10)),  # none for a year
    sa.Column("change_previous", sa.Float),
    sa.Column("change_previous_marker", sa.String(8)),
    sa.Column("direction_previous", sa.String(16)),
    sa.Column("year_earlier_period", sa.String(10), nullable=False),
    sa.Column("change_year", sa.Float),
    sa.Column("change_year_marker", sa.String(8)),
    sa.Column("direction_year", sa.String(16)),
    # (period, body_code): the pack reads a period's series a body at a time, and a
    # resubmission rewrites only its bodies' rows
    sa.Index("ix_series_period_body", "period", "body_code"),
    sa.Index("ix_series_measure", "table_id", "measure"),
)
# A stamp per period and unit (body or ALL) of `series`, new whenever that unit's rows are
# written (`replace_period`): the pack keeps each unit's rendered part of series.csv by it.
series_stamps = sa.Table(
    "series_stamps", metadata,
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("body_code", sa.String(16), primary_key=True),
    sa.Column("stamp", sa.String(32), nullable=False),
)

# Which publication of a period's figures the published tables hold: a new stamp with every
# write, so a copy kept elsewhere (figure_store) can tell whether it is still the current one.
published_figures = sa.Table(
    "published_figures",
    metadata,
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("stamp", sa.String(32), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)

# A quarter's figures are provisional ([p]) until it is finalised (`revisions.finalise`); after,
# every published figure a later return changes is logged in `revisions` ([r] in the pack).
# `submissions_through`: the highest submission id of the quarter its figures showed when last
# published as final, so a republication can name the submissions that revised them.
finalised_periods = sa.Table(
    "finalised_periods",
    metadata,
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finalised_by", sa.String(40), nullable=False),  # command | schedule | job
    sa.Column("submissions_through", sa.Integer),
)
revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("revision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("table_id", sa.String(8), nullable=False),
    sa.Column("body_code", sa.String(16), nullable=False),
    sa.Column("breakdown", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("measure", sa.String(64), nullable=False),
    sa.Column("old_value", sa.Float),
    sa.Column("old_marker", sa.String(8)),
    sa.Column("new_value", sa.Float),
    sa.Column("new_marker", sa.String(8)),
    sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id")),
    sa.Index("ix_revisions_period", "period"),
)

# Whether a period's published figures and pack show its current returns. `version` goes up in
# the transaction that makes a return of the period current (a quarter's, and its year's);
# `figures_version` is the version the published tables were computed from, `pack_version` the
# one every pack file was written from. A period whose pack_version is behind is out of date:
# every run (and the sensor) publishes it again, whatever stopped the last attempt.
publications = sa.Table(
    "publications",
    metadata,
    sa.Column("period", sa.String(10), primary_key=True),  # a quarter, or a year
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("figures_version", sa.Integer, nullable=False),
    sa.Column("pack_version", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True)),
)

# The fingerprint of the key the warehouse's pseudonyms were made with (one row): a run with
# another key would make pseudonyms that link to none of the earlier quarters'.
pseudonym_key = sa.Table(
    "pseudonym_key",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
)


class KeyMismatch(Exception):
    """The configured pseudonym key is not the one this warehouse's pseudonyms were made with."""


def check_key(conn: Connection, fingerprint: str) -> None:
    """Record the key's fingerprint the first time; KeyMismatch when another key is recorded."""
    _lock(conn, "sep|pseudonym_key")
    known = conn.execute(sa.select(pseudonym_key.c.fingerprint)).scalars().all()
    if not known:
        conn.execute(sa.insert(pseudonym_key).values(fingerprint=fingerprint,
                                                    first_used_at=datetime.now(UTC)))
    elif fingerprint not in known:
        raise KeyMismatch(fingerprint)


# The body registry (from `reference/bodies.csv`), refreshed before each run.
bodies = sa.Table(
    "bodies",
    metadata,
    sa.Column("body_code", sa.String(16), primary_key=True),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("name_cy", sa.String(200), nullable=False),
    sa.Column("sector", sa.String(100)),
    sa.Column("size_band", sa.String(20)),
    sa.Column("contact_email", sa.String(200)),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("expected_from", sa.String(10), nullable=False),
    sa.Column("expected_until", sa.String(10)),
)


def sync_bodies(conn: Connection, registry: pd.DataFrame) -> None:
    """Make the `bodies` table equal to the registry file (call inside a transaction).

    Every run process does this when it first opens the warehouse. On PostgreSQL two of them
    (runs the daemon starts together) are serialised by a transaction lock: otherwise the second
    one's delete cannot see the rows the first one inserted, and its insert collides with them.
    """
    _lock(conn, "sep|bodies")
    conn.execute(sa.delete(bodies))
    bulk_load(conn, bodies, registry)


@cache
def engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        eng = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            # WAL lets analysts read while a run writes; FKs are off by default in SQLite.
            cur = dbapi_conn.cursor()
            # WAL is persistent (migrations.py sets it on a new database); switching needs a
            # moment without other connections, so only ask when it is not set yet.
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return eng
    return sa.create_engine(url, pool_pre_ping=True)


# --- Reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    submission_id: int
    body_code: str
    period: str | None
    file_name: str
    file_sha256: str
    status: str
    archive_path: str | None


def _submission(row: sa.Row) -> Submission:
    return Submission(row.submission_id, row.body_code, row.period, row.file_name,
                      row.file_sha256, row.status, row.archive_path)


def find_by_sha(conn: Connection, body: str, sha256: str) -> list[Submission]:
    q = sa.select(submissions).where(
        submissions.c.body_code == body, submissions.c.file_sha256 == sha256
    )
    return [_submission(r) for r in conn.execute(q)]


def latest(conn: Connection, body: str, period: str) -> Submission | None:
    """The most recent non-duplicate submission for a body and quarter (what a re-run re-reads)."""
    q = (
        sa.select(submissions)
        .where(
            submissions.c.body_code == body,
            submissions.c.period == period,
            submissions.c.status != "duplicate",
        )
        .order_by(submissions.c.submission_id.desc())
    )
    row = conn.execute(q).first()
    return _submission(row) if row else None


def current_return(conn: Connection, body: str, period: str) -> Submission | None:
    """The accepted return of a body and quarter, if any (there is at most one)."""
    row = conn.execute(sa.select(submissions).where(
        submissions.c.body_code == body, submissions.c.period == period,
        submissions.c.status == "accepted").order_by(submissions.c.submission_id.desc())).first()
    return _submission(row) if row else None


def recorded_as(conn: Connection, body: str, period: str, sha256: str,
                status: str) -> Submission | None:
    """The latest submission of these bytes for a body and quarter that has `status`."""
    row = conn.execute(sa.select(submissions).where(
        submissions.c.body_code == body, submissions.c.period == period,
        submissions.c.file_sha256 == sha256, submissions.c.status == status,
    ).order_by(submissions.c.submission_id.desc())).first()
    return _submission(row) if row else None


def _canonical(col: sa.Column, value: object) -> object:
    """A value as the column stores it, comparable with the value read back."""
    if value is None or (isinstance(value, float) and value != value):  # NaN: stored as NULL
        return None
    kind = col.type
    if isinstance(kind, sa.Boolean):
        return bool(value)
    if isinstance(kind, sa.Integer):
        return int(value)  # type: ignore[call-overload]
    if isinstance(kind, sa.Float):
        return float(value)  # type: ignore[arg-type]
    if isinstance(kind, sa.Date):
        return value.date() if isinstance(value, datetime) else value
    return str(value)


_ROW_KEYS = ("body_code", "period", "submission_id")


def same_rows(conn: Connection, submission_id: int,
              tables: Mapping[str, pd.DataFrame]) -> bool:
    """Whether loading `tables` would store exactly the rows a submission has now, in every
    standardised table (each value as its column stores it; row order aside), with the same
    sheets included."""
    sub = conn.execute(sa.select(submissions.c.body_code, submissions.c.period,
                                 submissions.c.sheets)
                       .where(submissions.c.submission_id == submission_id)).one()
    if (sub.sheets or "") != ",".join(sorted(tables)):
        return False
    for name, table in DATA_TABLES.items():
        cols = [c for c in table.columns if c.name not in _ROW_KEYS]
        stored = Counter(
            tuple(_canonical(c, v) for c, v in zip(cols, row, strict=True))
            for row in conn.execute(sa.select(*cols).where(
                table.c.body_code == sub.body_code, table.c.period == sub.period,
                table.c.submission_id == submission_id)))
        df = tables.get(name)
        n = 0 if df is None else len(df)
        if n != sum(stored.values()):
            return False
        if n == 0:
            continue
        values = [_column_values(df[c.name], c) if c.name in df.columns else [None] * n
                  for c in cols]
        new = Counter(tuple(_canonical(c, v) for c, v in zip(cols, row, strict=True))
                      for row in zip(*values, strict=True))
        if new != stored:
            return False
    return True


def headcount(conn: Connection, body: str, period: str) -> int | None:
    """Staff in post at the snapshot in the accepted return, for the cross-quarter warning."""
    wf = DATA_TABLES["workforce"]
    q = sa.select(sa.func.count()).where(
        wf.c.body_code == body, wf.c.period == period, wf.c.in_post_at_snapshot.is_(True)
    )
    n = conn.execute(q).scalar_one()
    return n or None


# read_table builds the frame itself only for columns whose values are plain scalars (int, float,
# str, bool, date, None). pandas' read_sql infers those exactly as `DataFrame.from_records(...,
# coerce_float=True)` does, column by column, and has no further step for them (its one further
# step moves time zone aware datetimes to UTC). The only result processors it applies itself are
# SQLite's, for yes/no and dates: each gives equal results for values that compare equal, so it
# is called once per distinct value. Anything else is left to read_sql.
_FAST_TYPES = (sa.Integer, sa.Float, sa.String, sa.Boolean, sa.Date)
_FAST_PROCESSORS = (processors.int_to_boolean, processors.str_to_date)


def read_table(conn: Connection, table: str, period: str | None = None,
               body: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The frame `pd.read_sql(select(table).where(period == period), conn)` returns (columns,
    dtypes, values, None vs NaN), built from the DBAPI rows without a SQLAlchemy Row per row: the
    result processors SQLAlchemy would apply, applied once per distinct value, and each column's
    dtype inferred by pandas as read_sql infers it.
    A table with other column types, or a processor not known here, is read by read_sql.
    `body`: only that body's rows; `columns`: only these columns."""
    t = metadata.tables[table]
    q = sa.select(*(t.c[c] for c in columns)) if columns is not None else sa.select(t)
    if period is not None:
        q = q.where(t.c.period == period)
    if body is not None:
        q = q.where(t.c.body_code == body)
    if not all(isinstance(c.type, _FAST_TYPES) for c in q.selected_columns):
        return pd.read_sql(q, conn)
    with conn.execute(q) as result:
        process = [result.context.get_result_processor(c.type, c.name, d[1]) for c, d
                   in zip(q.selected_columns, result.cursor.description, strict=True)]
        names = list(result.keys())
        handled = all(p is None or p in _FAST_PROCESSORS for p in process)
        rows = result.cursor.fetchall() if handled else None
    if rows is None:  # a processor (another dialect's) not applied here: read_sql applies it
        return pd.read_sql(q, conn)
    return _frame(rows, names, process)


def _frame(rows: list[tuple], names: list[str], process: list[Callable | None]) -> pd.DataFrame:
    """`pd.DataFrame.from_records` of the rows with `process[i]` applied to column i (if any).
    pandas infers each column's dtype from its values alone, so the processed columns and the
    others are made into two frames (no row tuple built again) and put back in order."""
    if not rows:
        return pd.DataFrame(columns=names)  # read_sql's frame for no rows: columns of object
    done = [i for i, p in enumerate(process) if p is not None]
    if not done:
        return pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    columns = []
    for i in done:
        values = [r[i] for r in rows]
        lookup = {v: process[i](v) for v in set(values)}
        columns.append(list(map(lookup.__getitem__, values)))
    processed = list(zip(*columns, strict=True))
    parts = [pd.DataFrame.from_records(processed, columns=[names[i] for i in done],
                                       coerce_float=True)]
    kept = [i for i, p in enumerate(process) if p is None]
    if kept:
        pick = itemgetter(*kept) if len(kept) > 1 else (lambda r, k=kept[0]: (r[k],))
        parts.append(pd.DataFrame.from_records(list(map(pick, rows)),
                                               columns=[names[i] for i in kept],
                                               coerce_float=True))
    return pd.concat(parts, axis=1)[names]


# --- Writes ----------------------------------------------------------------------------------


def _insert_submission(conn: Connection, **values: object) -> int:
    values.setdefault("received_at", datetime.now(UTC))
    result = conn.execute(sa.insert(submissions).values(**values))
    return int(result.inserted_primary_key[0])


def bulk_insert(conn: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    """Insert many rows given as dicts (small writes: issues, bodies, tests)."""
    if not rows:
        return
    cols = [c for c in table.columns if c.name in rows[0]]
    bound = [_bound(conn, c, [r[c.name] for r in rows]) for c in cols]
    _insert_columns(conn, table, [c.name for c in cols], bound)


def bulk_load(conn: Connection, table: sa.Table, df: pd.DataFrame,
              constants: Mapping[str, object] | None = None) -> int:
    """Insert a frame's rows (its columns that are the table's), converted a column at a time
    (no per-row dicts); `constants` are the same in every row, and win over a column of the same
    name. Returns the number of rows."""
    if df.empty:
        return 0
    constants = constants or {}
    n = len(df)
    cols = [c for c in table.columns if c.name in constants or c.name in df.columns]
    bound = [_bound(conn, c, [constants[c.name]] * n) if c.name in constants
             else _column_bound(conn, c, df[c.name]) for c in cols]
    _insert_columns(conn, table, [c.name for c in cols], bound)
    return n


def _column_values(s: pd.Series, col: sa.Column) -> list[object]:
    """Plain Python values (NA -> None, dates as `date`) for the database driver."""
    if isinstance(col.type, sa.Date):
        ts = pd.to_datetime(s)  # (an all-NaT column's .dt.date stays NaT: mask it ourselves)
        return [None if m else d for d, m in zip(ts.dt.date.tolist(), ts.isna().to_numpy(),
                                                 strict=True)]
    return s.to_numpy(dtype=object, na_value=None).tolist()


def _bound(conn: Connection, col: sa.Column, values: list[object]) -> list[object]:
    """Python values as the driver is given them: through the column type's bind processor, as
    SQLAlchemy binds them (PostgreSQL's COPY takes the Python values themselves)."""
    process = _bind_processor(conn, col)
    return values if process is None else [process(v) for v in values]


def _bind_processor(conn: Connection, col: sa.Column) -> Callable[[object], object] | None:
    """The conversion SQLAlchemy binds the column's values through; none for PostgreSQL's COPY."""
    return None if conn.dialect.name == "postgresql" else col.type.bind_processor(conn.dialect)


def _column_bound(conn: Connection, col: sa.Column, s: pd.Series) -> list[object]:
    """`_bound(conn, col, _column_values(s, col))`, without a Python call per value where the
    column's values are few (yes/no, dates: each distinct value converted once) or the bind
    processor leaves them as they are (floats)."""
    process = _bind_processor(conn, col)
    if isinstance(col.type, sa.Boolean) and (isinstance(s.dtype, pd.BooleanDtype)
                                             or s.dtype == np.bool_):
        return _by_code(*_bool_codes(s), process)
    if isinstance(col.type, sa.Date):
        codes, uniques = pd.factorize(pd.to_datetime(s))  # NaT -> -1
        adapt = _sqlite_adapter(conn, date) if process is None else None
        return _by_code(codes, list(uniques.date), process or adapt)
    values = _column_values(s, col)
    if process is None or (process is processors.to_float and s.dtype.kind == "f"):
        return values  # (float(x) is x for the Python floats of a float column)
    return [process(v) for v in values]


def _bool_codes(s: pd.Series) -> tuple[np.ndarray, list[object]]:
    """A boolean column as codes into [False, True] (-1: NA)."""
    truth = s.to_numpy(dtype=bool, na_value=False)
    codes = truth.astype(np.intp)
    codes[s.isna().to_numpy()] = -1
    return codes, [False, True]


def _by_code(codes: np.ndarray, uniques: list[object],
             convert: Callable[[object], object] | None) -> list[object]:
    """`[convert(uniques[c]) for c in codes]`, with None for -1 (converted too), converting each
    distinct value once."""
    if convert is not None:
        uniques = [convert(u) for u in uniques]
        missing = convert(None)
    else:
        missing = None
    if all(u.__class__ is int and u == i for i, u in enumerate(uniques)):
        # The codes are the values (SQLite's 0 and 1 for False and True): a third of the time.
        values = codes.tolist()
        for i in np.flatnonzero(codes < 0).tolist():
            values[i] = missing
        return values
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = uniques
    table[-1] = missing
    return table[codes].tolist()


def _sqlite_adapter(conn: Connection, kind: type) -> Callable[[object], object] | None:
    """The adapter pysqlite applies to values of `kind` when binding them, or None."""
    if conn.dialect.driver != "pysqlite":
        return None
    adapt = sqlite3.adapters.get((kind, sqlite3.PrepareProtocol))
    return None if adapt is None else (lambda v: None if v is None else adapt(v))


@lru_cache(maxsize=64)
def _insert_sql(table: sa.Table, cols: tuple[str, ...], dialect: sa.Dialect
                ) -> tuple[str, list[int] | None]:
    """The INSERT statement for these columns, and the order its positional parameters take
    them in (None: as given)."""
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(cols))
    params = list(compiled.positiontup or [])
    order = None
    if compiled.positional and params != list(cols):
        order = [cols.index(k) for k in params]
    return str(compiled), order


def _insert_columns(conn: Connection, table: sa.Table, cols: list[str],
                    columns: list[list[object]]) -> None:
    """Insert rows given as columns of bound values (`_bound`). PostgreSQL: COPY (psycopg 3)
    inside the caller's transaction. SQLite: one executemany on the transaction's own DBAPI
    connection, fed row after row (no list of row tuples to build and keep). Elsewhere: one
    executemany through SQLAlchemy."""
    if not columns or not columns[0]:
        return
    if conn.dialect.name == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, cols)))
        with conn.connection.driver_connection.cursor() as cur, cur.copy(statement) as copy:
            for row in zip(*columns, strict=True):
                copy.write_row(row)
        return
    statement, order = _insert_sql(table, tuple(cols), conn.dialect)
    if order is not None:
        columns = [columns[i] for i in order]
    if conn.dialect.driver != "pysqlite":
        conn.exec_driver_sql(statement, list(zip(*columns, strict=True)))
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(statement, zip(*columns, strict=True))
    except sqlite3.Error as e:  # raised as SQLAlchemy raises it (e.g. sa.exc.IntegrityError)
        raise sa.exc.DBAPIError.instance(statement, None, e, sqlite3.Error) from e
    finally:
        cursor.close()


def _lock(conn: Connection, name: str) -> None:
    """Hold the lock called `name` until the transaction ends (PostgreSQL; SQLite has one writer
    at a time anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": name})


def _lock_partition(conn: Connection, body: str, period: str) -> None:
    """Serialise loads of the same body x quarter; other bodies load at the same time."""
    _lock(conn, f"sep|{body}|{period}")


def _insert_issues(conn: Connection, submission_id: int, issues: Iterable[Issue]) -> None:
    rows = [
        {
            "submission_id": submission_id, "severity": i.severity, "code": i.code,
            "sheet": i.sheet, "row": i.row, "column": i.column, "cell": i.cell,
            "value": i.value, "message": i.message_en, "message_cy": i.message_cy,
            "cells": ",".join(i.cells) or None,
        }
        for i in issues
    ]
    bulk_insert(conn, validation_issues, rows)


def record_duplicate(conn: Connection, *, body: str, period: str | None, file_name: str,
                     sha256: str, received_at: datetime | None = None) -> int:
    """An identical file was sent again: recorded, nothing else changes."""
    return _insert_submission(conn, body_code=body, period=period, file_name=file_name,
                              file_sha256=sha256, status="duplicate",
                              **({"received_at": received_at} if received_at else {}))


def record_rejected(conn: Connection, *, body: str, period: str | None, file_name: str,
                    sha256: str, archive_path: str, issues: list[Issue],
                    template_version: str | None, received_at: datetime | None = None) -> int:
    """A rejected return and its issues; the accepted return (if any) stays current. Its
    feedback is owed from this transaction on."""
    sid = _insert_submission(
        conn, body_code=body, period=period, file_name=file_name, file_sha256=sha256,
        status="rejected", archive_path=archive_path, template_version=template_version,
        errors=sum(i.severity == "error" for i in issues),
        warnings=sum(i.severity == "warning" for i in issues), feedback="pending",
        **({"received_at": received_at} if received_at else {}),
    )
    _insert_issues(conn, sid, issues)
    return sid


def replace_current(
    conn: Connection,
    *,
    body: str,
    period: str,
    file_name: str,
    sha256: str,
    archive_path: str,
    issues: list[Issue],
    template_version: str | None,
    late: bool,
    tables: Mapping[str, pd.DataFrame],
    received_at: datetime | None = None,
    receipt_id: int | None = None,
) -> int:
    """Make a new accepted return current: supersede the old one, swap every table's rows and
    mark the period's figures and pack (and its year's) out of date.

    Call inside one transaction (`engine.begin()`): either all of it happens or none of it.
    Tables the return does not include (optional sheets not submitted) are left without rows
    for this body and quarter, so they read as not submitted. A return that arrived before the
    current one (`receipt_id` lower than the current one's) does not replace it: it is recorded
    as superseded at once, so the newest arrival stays current whatever order runs finish in.
    """
    _lock_partition(conn, body, period)
    values = dict(body_code=body, period=period, file_name=file_name, file_sha256=sha256,
                  archive_path=archive_path, template_version=template_version, late=late,
                  errors=0, warnings=len(issues), sheets=",".join(sorted(tables)),
                  feedback="pending", **({"received_at": received_at} if received_at else {}))
    if receipt_id is not None and _arrived_later(conn, body, period, receipt_id):
        sid = _insert_submission(conn, status="superseded", **values)
        _insert_issues(conn, sid, issues)
        return sid
    conn.execute(
        sa.update(submissions)
        .where(submissions.c.body_code == body, submissions.c.period == period,
               submissions.c.status == "accepted")
        .values(status="superseded")
    )
    sid = _insert_submission(conn, status="accepted", **values)
    _insert_issues(conn, sid, issues)
    for name, table in DATA_TABLES.items():
        conn.execute(sa.delete(table).where(table.c.body_code == body, table.c.period == period))
        df = tables.get(name)
        if df is not None and not df.empty:
            bulk_load(conn, table, df,
                      {"body_code": body, "period": period, "submission_id": sid})
    mark_changed(conn, period)
    return sid


def _arrived_later(conn: Connection, body: str, period: str, receipt_id: int) -> bool:
    """Whether the current accepted return of body x period arrived after receipt `receipt_id`."""
    q = sa.select(sa.func.max(receipts.c.receipt_id)).select_from(
        submissions.join(receipts, receipts.c.submission_id == submissions.c.submission_id)
    ).where(submissions.c.body_code == body, submissions.c.period == period,
            submissions.c.status == "accepted")
    current = conn.execute(q).scalar_one_or_none()
    return current is not None and current > receipt_id


# --- The intake queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    receipt_id: int
    body_code: str
    file_name: str
    file_sha256: str
    archive_path: str | None
    period: str | None
    received_at: datetime
    submission_id: int | None


def _receipt(row: sa.Row) -> Receipt:
    return Receipt(row.receipt_id, row.body_code, row.file_name, row.file_sha256,
                   row.archive_path, row.period, _utc(row.received_at), row.submission_id)


def _utc(when: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were written in UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def find_receipt(conn: Connection, body: str, file_name: str, sha256: str) -> Receipt | None:
    row = conn.execute(sa.select(receipts).where(
        receipts.c.body_code == body, receipts.c.file_name == file_name,
        receipts.c.file_sha256 == sha256)).first()
    return _receipt(row) if row else None


def add_receipt(conn: Connection, *, body: str, file_name: str, sha256: str, archive_path: str,
                period: str | None, received_at: datetime,
                look: tuple[int, int] | None = None) -> Receipt:
    """List a file that is now in the archive (or find it listed: the same name and bytes)."""
    found = find_receipt(conn, body, file_name, sha256)
    if found is not None:
        return found
    size, mtime = look or (None, None)
    rid = conn.execute(sa.insert(receipts).values(
        body_code=body, file_name=file_name, file_sha256=sha256, archive_path=archive_path,
        period=period, received_at=received_at, file_size=size, file_mtime_ns=mtime,
    )).inserted_primary_key[0]
    return receipt(conn, int(rid))


def update_look(conn: Connection, receipt_id: int, look: tuple[int, int]) -> None:
    conn.execute(sa.update(receipts).where(receipts.c.receipt_id == receipt_id)
                 .values(file_size=look[0], file_mtime_ns=look[1]))


def taken_looks(conn: Connection) -> dict[tuple[str, str], tuple[int, int]]:
    """(body, file name) -> (size, mtime) of the last file of that name taken into the archive."""
    rows = conn.execute(sa.select(receipts.c.body_code, receipts.c.file_name,
                                  receipts.c.file_size, receipts.c.file_mtime_ns)
                        .where(receipts.c.file_size.is_not(None))
                        .order_by(receipts.c.receipt_id))
    return {(r.body_code, r.file_name): (r.file_size, r.file_mtime_ns) for r in rows}


def receipt(conn: Connection, receipt_id: int) -> Receipt:
    return _receipt(conn.execute(sa.select(receipts).where(
        receipts.c.receipt_id == receipt_id)).one())


def pending_receipts(conn: Connection) -> list[Receipt]:
    """Files in the archive that no run has finished with, in order of arrival."""
    rows = conn.execute(sa.select(receipts).where(receipts.c.submission_id.is_(None))
                        .order_by(receipts.c.receipt_id))
    return [_receipt(r) for r in rows]


def claim_receipt(conn: Connection, receipt_id: int, submission_id: int) -> bool:
    """Set what became of a receipt, unless another run already did (then False: the caller
    rolls its transaction back). Exactly one submission per file received."""
    done = conn.execute(sa.update(receipts).where(
        receipts.c.receipt_id == receipt_id, receipts.c.submission_id.is_(None),
    ).values(submission_id=submission_id))
    return done.rowcount == 1


def original_of(conn: Connection, body: str, sha256: str) -> Submission | None:
    """The first submission of these bytes from this body that was not itself a duplicate."""
    row = conn.execute(sa.select(submissions).where(
        submissions.c.body_code == body, submissions.c.file_sha256 == sha256,
        submissions.c.status != "duplicate").order_by(submissions.c.submission_id)).first()
    return _submission(row) if row else None


# --- Feedback owed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackDue:
    submission_id: int
    body_code: str
    file_name: str
    status: str
    archive_path: str | None


def feedback_due(conn: Connection, submission_id: int | None = None) -> list[FeedbackDue]:
    """Submissions whose feedback workbook is not in the partner's folder yet."""
    q = sa.select(submissions.c.submission_id, submissions.c.body_code,
                  submissions.c.file_name, submissions.c.status,
                  submissions.c.archive_path).where(submissions.c.feedback == "pending")
    if submission_id is not None:
        q = q.where(submissions.c.submission_id == submission_id)
    return [FeedbackDue(*r) for r in conn.execute(q.order_by(submissions.c.submission_id))]


def feedback_written(conn: Connection, submission_id: int, path: str) -> None:
    conn.execute(sa.update(submissions).where(submissions.c.submission_id == submission_id)
                 .values(feedback="written", feedback_file=path))


def issues_of(conn: Connection, submission_id: int) -> list[Issue]:
    """A submission's issues as they were recorded, in order."""
    v = validation_issues
    rows = conn.execute(sa.select(v).where(v.c.submission_id == submission_id)
                        .order_by(v.c.issue_id))
    return [Issue(r.severity, r.code, r.message, r.message_cy, sheet=r.sheet, row=r.row,
                  column=r.column, value=r.value, cell=r.cell,
                  cells=tuple(r.cells.split(",")) if r.cells else ()) for r in rows]


# --- Publications ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicationState:
    period: str
    version: int
    figures_version: int
    pack_version: int

    @property
    def figures_current(self) -> bool:
        return self.figures_version >= self.version

    @property
    def current(self) -> bool:
        return self.pack_version >= self.version


def _year_of(period: str) -> str | None:
    try:
        return Period.parse(period).year_label
    except ValueError:
        return None


def mark_changed(conn: Connection, period: str) -> None:
    """A return of `period` became current: its figures and pack, and its year's, are out of
    date from this transaction on."""
    now = datetime.now(UTC)
    for key in filter(None, (period, _year_of(period))):
        _lock(conn, f"sep|publication|{key}")
        done = conn.execute(sa.update(publications).where(publications.c.period == key)
                            .values(version=publications.c.version + 1, changed_at=now))
        if done.rowcount == 0:
            conn.execute(sa.insert(publications).values(
                period=key, version=1, figures_version=0, pack_version=0, changed_at=now))


def publication(conn: Connection, period: str) -> PublicationState | None:
    row = conn.execute(sa.select(publications).where(publications.c.period == period)).first()
    return (PublicationState(row.period, row.version, row.figures_version, row.pack_version)
            if row else None)


def out_of_date(conn: Connection) -> list[PublicationState]:
    """Periods whose pack does not show their current returns: quarters first, then years."""
    rows = conn.execute(sa.select(publications).where(
        publications.c.pack_version < publications.c.version))
    pubs = [PublicationState(r.period, r.version, r.figures_version, r.pack_version) for r in rows]
    return sorted(pubs, key=lambda p: (" Q" not in p.period, p.period))


def figures_published(conn: Connection, period: str, version: int) -> None:
    """The published tables of `period` now show version `version` of its returns (inside the
    transaction that wrote them)."""
    conn.execute(sa.update(publications).where(
        publications.c.period == period, publications.c.figures_version < version,
    ).values(figures_version=version))


def pack_published(conn: Connection, period: str, version: int) -> None:
    """Every pack file of `period` now shows version `version` of its returns."""
    conn.execute(sa.update(publications).where(
        publications.c.period == period, publications.c.pack_version < version,
    ).values(pack_version=version, published_at=datetime.now(UTC)))


def of_units(df: pd.DataFrame, units: Collection[str] | None) -> pd.DataFrame:
    """The rows of `df` whose body code is one of `units` (every row when None), as
    `replace_period` takes `units`."""
    return df if units is None else df[df["body_code"].isin(units).to_numpy()]


def replace_period(conn: Connection, table: sa.Table, period: str, df: pd.DataFrame,
                   units: Collection[str] | None = None) -> int:
    """Swap one period's published rows (call inside `engine.begin()`); with `units`, only the
    rows of those body codes (`df` then holds just theirs)."""
    where = [table.c.period == period]
    if units is not None:
        where.append(table.c.body_code.in_(sorted(units)))
    conn.execute(sa.delete(table).where(*where))
    if table is series:  # the units written get a new stamp; a unit left with no rows none
        written = sorted(set(df["body_code"])) if len(df) else []
        replace_period(conn, series_stamps, period,
                       pd.DataFrame({"body_code": written, "stamp": uuid.uuid4().hex}), units)
    if df.empty:
        return 0
    return bulk_load(conn, table, df, {"period": period})


def series_stamps_of(conn: Connection, period: str) -> dict[str, str]:
    """Each unit's stamp of `period`'s series rows (`series_stamps`)."""
    t = series_stamps
    return dict(conn.execute(sa.select(t.c.body_code, t.c.stamp).where(t.c.period == period))
                .all())


def stamp_published(conn: Connection, period: str) -> str:
    """Record a new publication of `period`'s figures (inside the transaction that wrote them);
    returns its stamp."""
    stamp = uuid.uuid4().hex
    conn.execute(sa.delete(published_figures).where(published_figures.c.period == period))
    conn.execute(sa.insert(published_figures).values(period=period, stamp=stamp,
                                                     published_at=datetime.now(UTC)))
    return stamp


def published_stamp(conn: Connection, period: str) -> str | None:
    """The stamp of the figures of `period` in the published tables (None: none recorded)."""
    return conn.execute(sa.select(published_figures.c.stamp).where(
        published_figures.c.period == period)).scalar_one_or_none()


_UPGRADED: set[str] = set()


def create_all(url: str) -> Engine:
    """The warehouse engine, its schema brought to the latest migration and its `bodies` table
    to the registry file, once per process."""
    if url not in _UPGRADED:
        from . import registry
        from .migrations import upgrade

        upgrade(url)
        with engine(url).begin() as conn:
            sync_bodies(conn, registry.frame(registry.load()))
        _UPGRADED.add(url)
    return engine(url)

