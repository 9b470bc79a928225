"""What a quarter's figures are made from, and what they were, kept on disk between runs, so that
after one body resubmits only what it changes is read, computed and written.

- Each body's current return (`quarter_returns`): the columns the figures read, text as
  categoricals, in a file named by its submission id. A submission's rows never change, so the
  file is right for as long as that submission is current; a resubmission reads only the new
  return's rows from the warehouse.
- The published figures (`load_published`, `save_published`): the frames last written for the
  period, with the stamp the warehouse recorded for that write (`warehouse.published_figures`)
  and the submissions they came from. They are used only while the warehouse holds the same
  stamp, so they are known to be exactly what its published tables hold.

Both are a cache of the warehouse, in `<SEP_DATA_DIR>/figure_store/`: deleting it costs one full
recompute, never a wrong figure. Every file is keyed by `code_version()`, a hash of this
package's source, so nothing computed by other code is reused.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from pandas.api.types import union_categoricals

from . import standard as std
from . import warehouse
from .methodology.tables import CATEGORICAL, as_category

# Columns no figure reads: references, dates and the bookkeeping columns the warehouse adds.
_SKIP_KINDS = frozenset({"ref", "date"})
_SKIP = frozenset({"period", "submission_id"})


@cache
def code_version() -> str:
    """A hash of this package's source files: cached inputs and figures are kept per version."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def store_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "figure_store"


@dataclass(frozen=True)
class Accepted:
    """A body's current accepted return of the quarter."""

    body: str
    submission_id: int
    sheets: str | None


def accepted_returns(conn: sa.Connection, period: str) -> list[Accepted]:
    s = warehouse.submissions
    rows = conn.execute(
        sa.select(s.c.body_code, s.c.submission_id, s.c.sheets).where(
            s.c.status == "accepted", s.c.period == period).order_by(s.c.body_code)
    ).all()
    return [Accepted(*r) for r in rows]


def _skipped_columns(table: str) -> set[str]:
    sheet = next(s for s in std.DATA_SHEETS if s.table == table)
    return {f.name for f in sheet.fields if f.kind in _SKIP_KINDS} | _SKIP


def _read_columns(table: str) -> list[str]:
    skipped = _skipped_columns(table)
    return [c.name for c in warehouse.DATA_TABLES[table].columns if c.name not in skipped]


@dataclass
class Compact:
    """A table's rows as the figures need them: without the columns no figure reads, each
    string column as a categorical (a few codes, each string stored once: quick to write and
    to read back), with the dtype it had (`text`)."""

    frame: pd.DataFrame
    text: dict[str, str]

    @classmethod
    def of(cls, table: str, df: pd.DataFrame) -> Compact:
        df = df.drop(columns=[c for c in _skipped_columns(table) if c in df.columns])
        text = {c: as_category(df[c]) for c in df.columns
                if isinstance(df[c].dtype, pd.StringDtype)}
        return cls(df.assign(**text) if text else df, {c: str(df[c].dtype) for c in text})


def _pool(parts: Sequence[Compact]) -> pd.DataFrame:
    """The bodies' compact frames as one. A column the figures tally by stays a categorical
    (categories sorted, as `tables.as_category` gives them); other text goes back to the dtype
    the warehouse gives it."""
    first = parts[0]
    columns = {}
    for c in first.frame.columns:
        values = [p.frame[c] for p in parts]
        if c in first.text and all(isinstance(v.dtype, pd.CategoricalDtype) for v in values):
            s = pd.Series(union_categoricals([v.array for v in values], sort_categories=True),
                          name=c)
            columns[c] = s if c in CATEGORICAL else s.astype(first.text[c])
        else:
            columns[c] = pd.concat(values, ignore_index=True)
    return pd.DataFrame(columns)


def _body_file(folder: Path, period: str, a: Accepted) -> Path:
    return folder / period.replace(" ", "_") / "inputs" / (
        f"{a.body}-{a.submission_id}-{code_version()}.pickle")


def _dump(path: Path, obj: Any) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load(path: Path) -> Any | None:
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # missing or unreadable: the warehouse is read instead


def body_inputs(conn: sa.Connection, folder: Path, period: str, a: Accepted
                ) -> dict[str, Compact]:
    """One body's current return, compact, from its file or else from the warehouse (and then
    kept, replacing the files of the body's earlier submissions)."""
    path = _body_file(folder, period, a)
    frames = _load(path)
    if frames is None:
        frames = {name: Compact.of(name, warehouse.read_table(conn, name, period, a.body,
                                                              columns=_read_columns(name)))
                  for name in warehouse.DATA_TABLES}
        for old in path.parent.glob(f"{a.body}-*.pickle"):
            old.unlink(missing_ok=True)
        _dump(path, frames)
    return frames


def quarter_returns(conn: sa.Connection, period: str, folder: Path
                    ) -> tuple[Any, dict[str, int]]:
    """(`publish.Returns` of the quarter's current accepted returns, each body's submission id),
    reading from the warehouse only the returns not kept yet."""
    from .publish import returns_of

    accepted = accepted_returns(conn, period)
    per_body = [body_inputs(conn, folder, period, a) for a in accepted]
    frames = {}
    for name in warehouse.DATA_TABLES:
        parts = [f[name] for f in per_body if not f[name].frame.empty]
        frames[name] = (_pool(parts) if parts else pd.DataFrame(
            columns=list(per_body[0][name].frame.columns) if per_body else []))
    returns = returns_of(frames, [(a.body, period, a.sheets) for a in accepted], [period])
    return returns, {a.body: a.submission_id for a in accepted}


@dataclass
class Published:
    """A period's figures as last written, the warehouse's stamp of that write, and the
    submissions (body -> id) they were computed from."""

    stamp: str
    submissions: dict[str, int]
    figures: Any  # publish.Figures


def _published_file(folder: Path, period: str) -> Path:
    return folder / period.replace(" ", "_") / f"published-{code_version()}.pickle"


def load_published(conn: sa.Connection, folder: Path, period: str) -> Published | None:
    """The kept figures of `period`, if they are what the warehouse's published tables hold."""
    stamp = warehouse.published_stamp(conn, period)
    if stamp is None:
        return None
    kept = _load(_published_file(folder, period))
    return kept if isinstance(kept, Published) and kept.stamp == stamp else None


def save_published(folder: Path, period: str, published: Published) -> None:
    path = _published_file(folder, period)
    for old in path.parent.glob("published-*.pickle"):  # other code's, or none
        old.unlink(missing_ok=True)
    _dump(path, published)


def published_frames(conn: sa.Connection, folder: Path, period: str
                     ) -> dict[str, pd.DataFrame] | None:
    """The published tables of `period` as `publish.in_published_order(read_table(...))` gives
    them (columns, dtypes, rows and their order), from the kept figures: None when none are
    kept or they are not what the warehouse holds."""
    kept = load_published(conn, folder, period)
    if kept is None:
        return None
    f = kept.figures
    frames = {"pay_gap": f.pay_gap, "benchmark": f.benchmark, "benchmark_position": f.position}
    return {name: _as_read(name, df, period) for name, df in frames.items()}


def _as_read(name: str, df: pd.DataFrame, period: str) -> pd.DataFrame:
    from .publish import in_published_order

    table = warehouse.PUBLISHED_TABLES[name]
    df = in_published_order(name, df)
    out = {}
    for c in table.columns:
        values = (pd.Series([period] * len(df), dtype=object) if c.name == "period"
                  else df[c.name].reset_index(drop=True))
        out[c.name] = _as_read_column(values, c.type)
    return pd.DataFrame(out)


def _as_read_column(s: pd.Series, kind: sa.types.TypeEngine) -> pd.Series:
    """As pandas infers a column of database values: floats (None as NaN); strings as `str`,
    unless every value is missing (then objects, all None)."""
    if isinstance(kind, sa.Float):
        return s.astype(float)
    if s.isna().all():
        return pd.Series([None] * len(s), dtype=object, name=s.name)
    return s.astype("str")
