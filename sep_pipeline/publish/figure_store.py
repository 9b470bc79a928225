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
package's source, so nothing computed by other code is reused.

The files hold data, never code: whoever can write the folder cannot make the pipeline run
anything, as a pickle could. Each is a NumPy `.npz` (a zip of `.npy` arrays, stored uncompressed)
read with `allow_pickle=False`, whose `meta.json` member says what the arrays are: each frame
column by column (dtype, categories in their order, index and labels), the dicts, the counts.
- Exact: an object column is kept as each value's type and the values of each type, so None,
  NaN and a Python float read back as themselves.
- Checked: the zip's CRC-32 of every member is checked as it is read, so a corrupt or truncated
  file is recomputed, never read as other figures.
- Quick to read: the arrays of one dtype share one member (a member costs ~0.3 ms to open, too
  much for one per column). Writing costs more than a pickle did: a pass over each object column
  and each text column to keep its types and codes.
Not Parquet or Arrow IPC: pyarrow installed makes pandas 3 back every `str` column of the whole
pipeline with pyarrow (a change far beyond this cache), Arrow keeps an object column's None and
NaN as one null, and Arrow IPC files carry no checksum.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import gt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.types import union_categoricals

from ..common import durable
from ..methodology.counts import Counts
from ..methodology.tables import CATEGORICAL
from ..standard import sep_return as std
from ..warehouse import tables as warehouse
from ..warehouse.compact_read import read_compact
from .published import Figures, in_published_order

_log = logging.getLogger(__name__)

# Columns no figure reads: references, dates and the bookkeeping columns the warehouse adds.
_SKIP_KINDS = frozenset({"ref", "date"})
_SKIP = frozenset({"period", "submission_id"})


@cache
def code_version() -> str:
    """A hash of the package's source files (all of sep_pipeline, not only publish/): cached
    inputs and figures are kept per version."""
    root = Path(__file__).resolve().parents[1]
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


def figure_columns(table: str) -> list[str]:
    """The columns of a data table the figures read (no reference, date or bookkeeping)."""
    skipped = _skipped_columns(table)
    return [c.name for c in warehouse.DATA_TABLES[table].columns if c.name not in skipped]


def _text_dtypes(df: pd.DataFrame) -> dict[str, str]:
    """Each text column's dtype as the warehouse gives it (`str`): the categoricals
    `read_compact` makes of them."""
    return {c: "str" for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}


def concat_compact(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
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
    every body in one compact frame (`read_compact`), each text column's own dtype, and the
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
    return folder / period.replace(" ", "_") / f"inputs-{code_version()}.npz"


def quarter_inputs(conn: sa.Connection, period: str, folder: Path,
                   now: dict[str, int]) -> Inputs:
    """The quarter's current returns (`now`: body -> submission id), compact: the rows of
    returns already kept from the store, the others (all of them, the first time) read from
    the warehouse; kept again."""
    kept = _load(_inputs_file(folder, period), "inputs")
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
            df = read_compact(conn, name, [period], figure_columns(name), body)
            parts.append(df)
            text[name].update(_text_dtypes(df))
        parts = [p for p in parts if len(p)]
        frames[name] = (concat_compact(parts) if parts
                        else pd.DataFrame(columns=figure_columns(name)))
    inputs = Inputs(now, frames, text)
    if kept is None or kept.submissions != now:
        _save(_inputs_file(folder, period), "inputs", inputs)
    return inputs


@dataclass
class KeptFigures:
    """A period's figures as last written, the warehouse's stamp of that write, and the
    submissions (body -> id) they were computed from."""

    stamp: str
    submissions: dict[str, int]
    figures: Figures


def _published_file(folder: Path, period: str) -> Path:
    return folder / period.replace(" ", "_") / f"published-{code_version()}.npz"


def load_published(conn: sa.Connection, folder: Path, period: str) -> KeptFigures | None:
    """The kept figures of `period`, if they are what the warehouse's published tables hold."""
    stamp = warehouse.published_stamp(conn, period)
    if stamp is None:
        return None
    kept = _load(_published_file(folder, period), "published")
    return kept if kept is not None and kept.stamp == stamp else None


def save_published(folder: Path, period: str, published: KeptFigures) -> None:
    _save(_published_file(folder, period), "published", published)


def published_frames(conn: sa.Connection, folder: Path, period: str
                     ) -> dict[str, pd.DataFrame] | None:
    """The published tables of `period` as `in_published_order(read_table(...))` gives
    them (columns, dtypes, rows and their order), from the kept figures: None when none are
    kept or they are not what the warehouse holds."""
    kept = load_published(conn, folder, period)
    if kept is None:
        return None
    f = kept.figures
    frames = {"pay_gap": f.pay_gap, "benchmark": f.benchmark, "benchmark_position": f.position}
    return {name: _as_read(name, df, period) for name, df in frames.items()}


def _as_read(name: str, df: pd.DataFrame, period: str) -> pd.DataFrame:
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


# --- The files: data only, read back exactly as written --------------------------------------

_FORMAT = "sep-figure-store/1"
_META = "meta.json"
# dtypes kept as their bytes: booleans, numbers, datetimes, timedeltas (never objects)
_PLAIN = frozenset("biufcmM")
# What an object column may hold, each value kept by its exact type (None stays None, NaN stays
# NaN, a Python float stays one), with the dtype its values are kept in (None: no value kept).
_OBJECTS: tuple[tuple[str, type, type | None], ...] = (
    ("none", type(None), None), ("na", type(pd.NA), None), ("str", str, None),
    ("bool", bool, np.bool_), ("int", int, np.int64), ("float", float, np.float64),
    ("np.bool", np.bool_, np.bool_), ("np.int64", np.int64, np.int64),
    ("np.float64", np.float64, np.float64),
)
_TAG = {kind: tag for tag, (_, kind, _) in enumerate(_OBJECTS)}


class _Writer:
    """The arrays of one file, packed per dtype: a member per dtype, not per column."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}
        self.sizes: dict[str, int] = {}

    def array(self, a: np.ndarray) -> list[Any]:
        """Keep `a`; returns where it is: [dtype, first element, shape]."""
        a = np.asarray(a)
        if a.dtype.kind not in _PLAIN:
            raise TypeError(f"cannot keep an array of {a.dtype}")
        key = a.dtype.str
        start = self.sizes.get(key, 0)
        self.parts.setdefault(key, []).append(a.ravel())
        self.sizes[key] = start + a.size
        return [key, start, list(a.shape)]

    def write(self, path: Path, meta: dict[str, Any]) -> None:
        keys = list(self.parts)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(_META, json.dumps({**meta, "arrays": keys}, separators=(",", ":"),
                                          allow_nan=False))
            for i, key in enumerate(keys):
                parts = self.parts[key]
                with zf.open(f"{i}.npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, parts[0] if len(parts) == 1
                                              else np.concatenate(parts), allow_pickle=False)


class _Reader:
    """The arrays of one file (each member's CRC-32 checked), and views of them by `_Writer`'s
    references."""

    def __init__(self, zf: zipfile.ZipFile, keys: list[str]) -> None:
        self.arrays = {}
        for i, key in enumerate(keys):
            with zf.open(f"{i}.npy") as f:
                a = np.lib.format.read_array(f, allow_pickle=False)
                if f.read(1):  # the member read to its end, so its CRC-32 was checked
                    raise ValueError("bytes after an array")
            if a.dtype.str != key or a.ndim != 1 or a.dtype.kind not in _PLAIN:
                raise ValueError(f"member {i} is not an array of {key}")
            self.arrays[key] = a

    def array(self, ref: list[Any]) -> np.ndarray:
        key, start, shape = ref
        if type(start) is not int or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError(f"not an array: {ref}")
        a = self.arrays[key]
        end = start + math.prod(shape)
        if start < 0 or end > len(a):
            raise ValueError(f"past the end: {ref}")
        return a[start:end].reshape(shape)


def _save(path: Path, kind: str, content: Any) -> None:
    """Write atomically (`durable.replacing`: a reader sees the old file or the new one, never
    half of one), and remove the same file of other code versions (or an old pickle). A cache
    that cannot be written (a full disk, a read-only folder) is not an error: the figures are in
    the warehouse; the next run computes everything again."""
    try:
        w = _Writer()
        meta = {"format": _FORMAT, "code": code_version(), "kind": kind,
                "content": _ENCODE[kind](w, content)}
        for old in path.parent.glob(f"{kind}-*"):
            if old != path:
                old.unlink(missing_ok=True)
        with durable.replacing(path) as tmp:
            w.write(tmp, meta)
    except (OSError, TypeError, ValueError, OverflowError) as exc:
        _log.warning("figure store: could not keep %s (%s); the next run recomputes", path, exc)


def _load(path: Path, kind: str) -> Any | None:
    """What `_save` wrote at `path`, or None: missing, or not a file of this code that reads
    whole (then the warehouse is read instead)."""
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read(_META))
            if (meta["format"], meta["code"], meta["kind"]) != (_FORMAT, code_version(), kind):
                return None
            return _DECODE[kind](_Reader(zf, meta["arrays"]), meta["content"])
    except FileNotFoundError:
        return None
    except Exception as exc:  # whatever the folder holds is input: it never stops a run
        _log.warning("figure store: %s is unreadable (%s); reading the warehouse instead",
                     path, exc)
        return None


def _put_inputs(w: _Writer, inputs: Inputs) -> dict[str, Any]:
    return {"submissions": {b: int(s) for b, s in inputs.submissions.items()},
            "text": inputs.text,
            "frames": {name: _put_frame(w, df) for name, df in inputs.frames.items()}}


def _inputs(r: _Reader, c: dict[str, Any]) -> Inputs:
    frames = {name: _frame(r, e) for name, e in c["frames"].items()}
    text = c["text"]
    tables = set(warehouse.DATA_TABLES)
    if (set(frames) != tables or set(text) != tables
            or any(list(frames[t].columns) != figure_columns(t) for t in tables)
            or not all(_str_dict(text[t]) for t in tables)):
        raise ValueError("not the tables this code reads")
    return Inputs(_submissions(c["submissions"]), frames, text)


def _put_published(w: _Writer, kept: KeptFigures) -> dict[str, Any]:
    figures = {}
    for field in dataclasses.fields(kept.figures):
        value = getattr(kept.figures, field.name)
        if isinstance(value, pd.DataFrame):
            figures[field.name] = {"frame": _put_frame(w, value)}
        elif isinstance(value, Counts):
            figures[field.name] = {"counts": _put_counts(w, value)}
        elif value is None:
            figures[field.name] = None
        else:
            raise TypeError(f"cannot keep {field.name}: {type(value)}")
    return {"stamp": kept.stamp, "submissions": {b: int(s) for b, s in kept.submissions.items()},
            "figures": figures}


# The frames of `Figures` and the published table each one is written to.
_PUBLISHED_AS = {"pay_gap": "pay_gap", "benchmark": "benchmark", "position": "benchmark_position"}


def _published(r: _Reader, c: dict[str, Any]) -> KeptFigures:
    values = {}
    for name, e in c["figures"].items():
        values[name] = (None if e is None else _frame(r, e["frame"]) if "frame" in e
                        else _counts(r, e["counts"]))
    figures = Figures(**values)
    for name, table in _PUBLISHED_AS.items():
        columns = [col.name for col in warehouse.PUBLISHED_TABLES[table].columns]
        if list(getattr(figures, name).columns) != [col for col in columns if col != "period"]:
            raise ValueError(f"not the columns of {table}")
    if not isinstance(c["stamp"], str):
        raise ValueError("no stamp")
    return KeptFigures(c["stamp"], _submissions(c["submissions"]), figures)


def _submissions(value: Any) -> dict[str, int]:
    if not (isinstance(value, dict) and all(type(s) is int for s in value.values())):
        raise ValueError("not submissions")
    return value


def _str_dict(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _put_frame(w: _Writer, df: pd.DataFrame) -> dict[str, Any]:
    if df.attrs:
        raise TypeError("cannot keep a frame's attrs")
    return {"index": _put_index(w, df.index), "columns": _put_index(w, df.columns),
            "data": [_put_values(w, column) for _, column in df.items()]}


def _frame(r: _Reader, e: dict[str, Any]) -> pd.DataFrame:
    index, columns = _index(r, e["index"]), _index(r, e["columns"])
    if len(e["data"]) != len(columns):
        raise ValueError("columns without their labels")
    data = {}
    for i, enc in enumerate(e["data"]):
        values, dtype = _values(r, enc)
        if len(values) != len(index):
            raise ValueError("a column of another length")
        # an explicit dtype: pandas would make an object column of strings `str`
        data[i] = pd.Series(values, index=index, dtype=dtype, copy=False)
    df = pd.DataFrame(data, index=index, copy=False)
    df.columns = columns
    return df


def _put_index(w: _Writer, index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.MultiIndex) or not (index.name is None or isinstance(index.name, str)):
        raise TypeError(f"cannot keep an index {type(index).__name__} named {index.name!r}")
    if type(index) is pd.RangeIndex:
        return {"range": [index.start, index.stop, index.step], "name": index.name}
    return {"values": _put_values(w, index), "name": index.name}


def _index(r: _Reader, e: dict[str, Any]) -> pd.Index:
    name = e["name"]
    if not (name is None or isinstance(name, str)):
        raise ValueError("an index name that is not text")
    if "range" in e:
        start, stop, step = e["range"]
        if not all(type(n) is int for n in (start, stop, step)):
            raise ValueError("a range of other than integers")
        return pd.RangeIndex(start, stop, step, name=name)
    values, dtype = _values(r, e["values"])
    return pd.Index(values, dtype=dtype, name=name, copy=False)


def _put_values(w: _Writer, values: pd.Series | pd.Index) -> dict[str, Any]:
    """A column's (or an index's) values, by its dtype."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {"cat": {"codes": w.array(values.array.codes),
                        "categories": _put_index(w, dtype.categories),
                        "ordered": bool(dtype.ordered)}}
    if isinstance(dtype, pd.StringDtype):
        return {"str": {"storage": dtype.storage, "na": "NA" if dtype.na_value is pd.NA else "nan",
                        **_put_coded(w, values.to_numpy(dtype=object))}}
    if isinstance(dtype, np.dtype) and dtype.kind in _PLAIN:
        return {"np": w.array(values.to_numpy())}
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return {"obj": _put_objects(w, values.to_numpy())}
    raise TypeError(f"cannot keep a column of {dtype}")


def _values(r: _Reader, e: dict[str, Any]) -> tuple[Any, Any]:
    """(values, dtype) of what `_put_values` kept."""
    ((kind, v),) = e.items()
    if kind == "np":
        a = r.array(v)
        return a, a.dtype
    if kind == "obj":
        return _objects(r, v), np.dtype(object)
    if kind == "str":
        dtype = pd.StringDtype(v["storage"], {"NA": pd.NA, "nan": np.nan}[v["na"]])
        return pd.array(_coded(r, v), dtype=dtype), dtype
    if kind == "cat" and type(v["ordered"]) is bool:
        dtype = pd.CategoricalDtype(_index(r, v["categories"]), ordered=v["ordered"])
        return pd.Categorical.from_codes(r.array(v["codes"]), dtype=dtype), dtype
    raise ValueError(f"unknown values {kind!r}")


def _put_objects(w: _Writer, values: np.ndarray) -> dict[str, Any]:
    """An object column: each value's type (a tag), and the values of each type."""
    try:  # the quickest per-value loop found: C calls only, no Python int made per value
        tags = np.frombuffer(bytearray(map(_TAG.get, map(type, values))), np.uint8)
    except TypeError:  # a type not in _OBJECTS (get gave None)
        unknown = {t.__name__ for t in set(map(type, values)) if t not in _TAG}
        raise TypeError(f"cannot keep a value of {unknown} in an object column") from None
    parts = {}
    for tag in _present(tags):
        name, kind, kept_as = _OBJECTS[tag]
        if kind is str:
            parts[name] = _put_coded(w, values[tags == tag])
        elif kept_as is not None:
            parts[name] = w.array(values[tags == tag].astype(kept_as))
    return {"tags": w.array(tags), "parts": parts}


def _objects(r: _Reader, e: dict[str, Any]) -> np.ndarray:
    tags = r.array(e["tags"])
    if tags.dtype != np.uint8 or tags.max(initial=0) >= len(_OBJECTS):
        raise ValueError("unknown object tags")
    out = np.empty(len(tags), dtype=object)  # None unless set
    for tag in _present(tags):
        name, kind, kept_as = _OBJECTS[tag]
        at = tags == tag
        if kind is type(pd.NA):
            out[at] = pd.NA
            continue
        if kept_as is None and kind is not str:
            continue
        if kind is str:
            some = _coded(r, e["parts"][name])
        else:
            some = r.array(e["parts"][name])
            if some.dtype != kept_as:
                raise ValueError(f"{name} values kept as {some.dtype}")
            # numpy scalars stay numpy scalars; astype(object) makes Python bools, ints, floats
            some = (np.fromiter(some, dtype=object, count=len(some)) if kind is kept_as
                    else some.astype(object))
        if len(some) != np.count_nonzero(at):
            raise ValueError(f"{name} values for other rows")
        out[at] = some
    return out


def _present(tags: np.ndarray) -> list[int]:
    return np.flatnonzero(np.bincount(tags, minlength=len(_OBJECTS))).tolist()


def _put_coded(w: _Writer, values: np.ndarray) -> dict[str, Any]:
    """Strings as a code per value (-1: missing) and the distinct strings."""
    codes, uniques = pd.factorize(values)
    small = next(t for t in (np.int8, np.int16, np.int32, np.int64)
                 if len(uniques) < np.iinfo(t).max)
    return {"codes": w.array(codes.astype(small)), "uniques": _put_strs(w, uniques)}


def _coded(r: _Reader, e: dict[str, Any]) -> np.ndarray:
    uniques = _strs(r, e["uniques"])
    codes = r.array(e["codes"])
    if codes.dtype.kind != "i" or (len(codes) and not -1 <= codes.min() <= codes.max()
                                   < len(uniques)):
        raise ValueError("codes of no string")
    table = np.empty(len(uniques) + 1, dtype=object)  # code -1 takes the last: None
    table[:-1] = uniques
    return table[codes]


def _put_strs(w: _Writer, strs: Sequence[str]) -> dict[str, Any]:
    """Strings as one UTF-8 text and where each ends (in characters)."""
    text = "".join(strs)
    ends = np.cumsum(np.fromiter(map(len, strs), np.int64, len(strs)))
    return {"utf8": w.array(np.frombuffer(text.encode("utf-8", "surrogatepass"), np.uint8)),
            "ends": w.array(ends)}


def _strs(r: _Reader, e: dict[str, Any]) -> np.ndarray:
    text = r.array(e["utf8"]).tobytes().decode("utf-8", "surrogatepass")
    ends = r.array(e["ends"])
    bounds = [0, *ends.tolist()]
    if ends.dtype != np.int64 or bounds[-1] != len(text) or any(map(gt, bounds, bounds[1:])):
        raise ValueError("strings past their text")
    out = np.empty(len(ends), dtype=object)
    out[:] = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return out


def _put_counts(w: _Writer, counts: Counts) -> dict[str, Any]:
    return {"codes": _put_strs(w, [code for codes, _ in counts.taken for code in codes]),
            "taken": [[len(codes), w.array(rows)] for codes, rows in counts.taken]}


def _counts(r: _Reader, e: dict[str, Any]) -> Counts:
    codes = _strs(r, e["codes"]).tolist()
    taken, at = [], 0
    for n, ref in e["taken"]:
        taken.append((tuple(codes[at:at + n]), r.array(ref)))
        at += n
    if at != len(codes):
        raise ValueError("counts without their bodies")
    return Counts(tuple(taken))


_ENCODE: dict[str, Callable[[_Writer, Any], dict[str, Any]]] = {
    "inputs": _put_inputs, "published": _put_published}
_DECODE: dict[str, Callable[[_Reader, dict[str, Any]], Any]] = {
    "inputs": _inputs, "published": _published}
