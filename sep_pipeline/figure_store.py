"""What a quarter's figures are made from, and what they were, kept on disk between runs, so that
after one body resubmits only what it changes is read, computed and written.

- The quarter's current returns (`quarter_inputs`): the columns the figures read, text as
  categoricals, every body's rows in one frame per table, with the submission each body's rows
  come from. A submission's rows never change, so they are right for as long as that submission
  is current; after a resubmission only the new return is read from the warehouse.
- The published figures (`load_published`, `save_published`): the frames last written for the
  period, with the stamp the warehouse recorded for that write (`warehouse.published_figures`)
  and the submissions they came from. They are used only while the warehouse holds the same
  stamp, so they are known to be exactly what its published tables hold.

Both are a cache of the warehouse, in `<SEP_DATA_DIR>/figure_store/`: deleting it costs one full
recompute, never a wrong figure. Every file is keyed by `code_version()`, a hash of this
package's source, so nothing computed by other code is reused. The files are pickles (numpy
arrays inside, so reading them is a copy, not a parse), which can run code when loaded: the
folder belongs to the pipeline's account alone, like the warehouse beside it.
"""

from __future__ import annotations

import hashlib
import logging
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

_log = logging.getLogger(__name__)

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


def _skipped_columns(table: str) -> set[str]:
    sheet = next(s for s in std.DATA_SHEETS if s.table == table)
    return {f.name for f in sheet.fields if f.kind in _SKIP_KINDS} | _SKIP


def _read_columns(table: str) -> list[str]:
    skipped = _skipped_columns(table)
    return [c.name for c in warehouse.DATA_TABLES[table].columns if c.name not in skipped]


def _compact(table: str, df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A table's rows without the columns no figure reads, each string column a categorical
    (its few values stored once: quick to keep and to read back); with each one's dtype."""
    df = df.drop(columns=[c for c in _skipped_columns(table) if c in df.columns])
    text = {c: as_category(df[c]) for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)}
    return (df.assign(**text) if text else df), {c: str(df[c].dtype) for c in text}


def _concat(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Compact frames as one; a categorical column over the union of their values, sorted (as
    `tables.as_category` sorts them)."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    columns = {}
    for c in parts[0].columns:
        values = [p[c] for p in parts]
        if all(isinstance(v.dtype, pd.CategoricalDtype) for v in values):
            columns[c] = pd.Series(union_categoricals([v.array for v in values],
                                                      sort_categories=True), name=c)
        else:
            columns[c] = pd.concat(values, ignore_index=True)
    return pd.DataFrame(columns)


@dataclass
class Inputs:
    """A quarter's current accepted returns as the figures read them: each table's rows of
    every body in one compact frame (`_compact`), each text column's own dtype, and the
    submission each body's rows come from."""

    submissions: dict[str, int]
    frames: dict[str, pd.DataFrame]
    text: dict[str, dict[str, str]]

    def for_figures(self) -> dict[str, pd.DataFrame]:
        """The frames the figures take: a column they tally by stays a categorical; other
        text goes back to the dtype the warehouse gives it."""
        out = {}
        for name, df in self.frames.items():
            back = {c: df[c].astype(dtype) for c, dtype in self.text[name].items()
                    if c not in CATEGORICAL and c in df and isinstance(df[c].dtype,
                                                                       pd.CategoricalDtype)}
            out[name] = df.assign(**back) if back else df
        return out


def _inputs_file(folder: Path, period: str) -> Path:
    return folder / period.replace(" ", "_") / f"inputs-{code_version()}.pickle"


def _dump(path: Path, obj: Any) -> None:
    """Write atomically (a reader sees the old file or the new one, never half of one), and
    remove the same file of other code versions. A cache that cannot be written (a full disk,
    a read-only folder) is not an error: the figures are in the warehouse; the next run
    computes everything again."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        with tmp.open("wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _log.warning("figure store: could not keep %s (%s); the next run recomputes", path, exc)


def _load(path: Path) -> Any | None:
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            ValueError, TypeError):
        return None  # missing or unreadable: the warehouse is read instead


def quarter_inputs(conn: sa.Connection, period: str, folder: Path,
                   now: dict[str, int]) -> Inputs:
    """The quarter's current returns (`now`: body -> submission id), compact: the rows of
    returns already kept from the store, the others (all of them, the first time) read from
    the warehouse; kept again."""
    kept = _load(_inputs_file(folder, period))
    kept = kept if isinstance(kept, Inputs) else None
    same = {b for b, sid in now.items() if kept is not None and kept.submissions.get(b) == sid}
    new = [b for b in now if b not in same]
    frames, text = {}, {}
    for name in warehouse.DATA_TABLES:
        parts, text[name] = [], {}
        if same:
            df = kept.frames[name]
            if same != set(kept.submissions):  # some bodies' rows are replaced (or gone)
                df = df[df["body_code"].isin(same).to_numpy()]
            parts.append(df)
            text[name].update(kept.text[name])
        reads = [None] if new and not same else new  # the first time: the whole quarter at once
        for body in reads:
            df, dtypes = _compact(name, warehouse.read_table(
                conn, name, period, body, columns=_read_columns(name)))
            parts.append(df)
            text[name].update(dtypes)
        parts = [p for p in parts if len(p)]
        frames[name] = _concat(parts) if parts else pd.DataFrame(columns=_read_columns(name))
    inputs = Inputs(now, frames, text)
    if kept is None or kept.submissions != now:
        _dump(_inputs_file(folder, period), inputs)
    return inputs


@dataclass
class KeptFigures:
    """A period's figures as last written, the warehouse's stamp of that write, and the
    submissions (body -> id) they were computed from."""

    stamp: str
    submissions: dict[str, int]
    figures: Any  # publish.Figures


def _published_file(folder: Path, period: str) -> Path:
    return folder / period.replace(" ", "_") / f"published-{code_version()}.pickle"


def load_published(conn: sa.Connection, folder: Path, period: str) -> KeptFigures | None:
    """The kept figures of `period`, if they are what the warehouse's published tables hold."""
    stamp = warehouse.published_stamp(conn, period)
    if stamp is None:
        return None
    kept = _load(_published_file(folder, period))
    return kept if isinstance(kept, KeptFigures) and kept.stamp == stamp else None


def save_published(folder: Path, period: str, published: KeptFigures) -> None:
    _dump(_published_file(folder, period), published)


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
