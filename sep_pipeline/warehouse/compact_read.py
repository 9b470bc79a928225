"""A warehouse table read for the figures: only the columns asked for, each in a compact dtype,
fetched a batch of rows at a time, so that reading never holds every row as Python objects.

`read_compact` gives the frame `warehouse.read_table` gives (the same columns, values, dtypes
and row order) with each `str` column as a categorical, built from batches of DBAPI rows: text
a categorical of its sorted distinct values (codes of one or two bytes a row, not an object a
row), numbers and flags in numpy arrays. Reading a national quarter whole held ~2 KB a row
(every cell a Python object, then the frame) to keep ~70 bytes; a batch now holds that only for
`BATCH` rows.

The dtypes are those pandas infers from the whole column (as `read_table` gives them), decided
from the column's SQL type and whether it holds a blank:
- text: a categorical (categories in the column's `str` dtype, sorted); all blank: objects, None;
- float: float64, a blank NaN; all blank: objects, None;
- integer: int64; with a blank float64 (NaN); all blank: objects, None;
- boolean: bool; with a blank objects (True, False, None).
Another column type (a date) is not read here (TypeError).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from . import tables as warehouse

BATCH = 10_000  # rows converted at a time: ~20 MB of Python objects for a Workforce batch

_STR = pd.Series(["a"]).dtype  # what pandas infers for text (read_table's dtype)


class _Grown:
    """An array filled batch by batch, grown by doubling: one array object per column for the
    whole read. (An array per batch kept to the end pins the allocator's memory of every batch
    in between, ~500 MB at ten times the national size, for ~200 MB of columns.)"""

    def __init__(self, dtype: type) -> None:
        self.a = np.empty(1024, dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.n + len(values)
        if end > len(self.a):
            grown = np.empty(max(end, 2 * len(self.a)), self.a.dtype)
            grown[:self.n] = self.a[:self.n]
            self.a = grown
        self.a[self.n:end] = values
        self.n = end

    def astype(self, dtype: type) -> None:
        self.a = self.a.astype(dtype)

    def array(self) -> np.ndarray:
        return self.a[:self.n].copy()  # not the doubled buffer


class _Text:
    """A text column's codes, batch by batch, into one dictionary of its distinct values."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes = _Grown(np.int32)

    def add(self, values: Sequence[object]) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # a blank gives -1
        ids = np.array([self.index.setdefault(u, len(self.index)) for u in uniques] + [-1],
                       dtype=np.int32)  # the last: -1 stays -1
        self.codes.extend(ids[codes])

    def series(self, name: str) -> pd.Series:
        codes = self.codes.array()
        if not self.index:  # every value blank
            return pd.Series([None] * len(codes), dtype=object, name=name)
        values = np.array(list(self.index), dtype=object)
        order = np.argsort(values, kind="stable")
        rank = np.empty(len(order) + 1, np.int32)
        rank[order] = np.arange(len(order))
        rank[-1] = -1
        categories = pd.Index(values[order], dtype=_STR)
        return pd.Series(pd.Categorical.from_codes(rank[codes], categories=categories), name=name)


class _Numbers:
    """A numeric or boolean column: its values (a flag as 0/1, -1 blank; an integer column
    float64 from its first blank or fraction) and whether any was blank."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "float", "int", "bool"
        self.values = _Grown({"float": np.float64, "int": np.int64, "bool": np.int8}[kind])
        self.blank = False  # an integer column is then float64
        self.filled = False

    def add(self, values: Sequence[object]) -> None:
        if self.kind == "int" and None not in values:
            a = np.array(values)  # int64, exact; float64 if SQLite kept a fraction as REAL
            if a.dtype.kind not in "iuf":
                raise TypeError(f"not numbers: {a.dtype}")
            fraction = a.dtype.kind == "f"
            self.filled |= len(a) > 0
        else:
            a = np.array(values, dtype=np.float64)  # None gives NaN
            blank = np.isnan(a)
            fraction = bool(blank.any())
            self.filled |= not blank.all()
            if self.kind == "bool":  # as the dialect's processor makes them: bool(v)
                a = np.where(blank, -1, a != 0).astype(np.int8)
        if fraction and not self.blank and self.kind == "int":
            self.values.astype(np.float64)  # the column is floats, as with a blank
        self.blank |= fraction
        self.values.extend(a)

    def series(self, name: str) -> pd.Series:
        values = self.values.array()
        if not self.filled:
            return pd.Series([None] * len(values), dtype=object, name=name)
        if self.kind == "bool":
            if not self.blank:
                return pd.Series(values.astype(bool), name=name)
            flags = np.array([False, True, None], dtype=object)
            return pd.Series(flags[values.astype(np.intp)], dtype=object, name=name)
        return pd.Series(values, name=name)


def _column(kind: sa.types.TypeEngine) -> _Text | _Numbers | None:
    if isinstance(kind, sa.Boolean):
        return _Numbers("bool")
    if isinstance(kind, sa.Integer):
        return _Numbers("int")
    if isinstance(kind, sa.Float):
        return _Numbers("float")
    if isinstance(kind, sa.String):
        return _Text()
    return None


def read_compact(conn: sa.Connection, table: str, periods: Sequence[str], columns: Sequence[str],
                 body: str | None = None) -> pd.DataFrame:
    """`columns` of `table`'s rows of `periods` (and of `body`, if given), compact (module doc),
    in the order the warehouse returns them."""
    t = warehouse.DATA_TABLES[table]
    q = sa.select(*(t.c[c] for c in columns)).where(t.c.period.in_(list(periods)))
    if body is not None:
        q = q.where(t.c.body_code == body)
    builders = [_column(t.c[c].type) for c in columns]
    if any(b is None for b in builders):
        raise TypeError(f"{table}: a column compact_read does not read")
    n = 0
    with conn.execute(q) as result:
        cursor = result.cursor
        while rows := cursor.fetchmany(BATCH):
            n += len(rows)
            for b, values in zip(builders, zip(*rows, strict=True), strict=True):
                b.add(values)
            del rows
    if not n:
        return pd.DataFrame(columns=list(columns))  # as read_table: columns of objects
    out = {c: b.series(c) for c, b in zip(columns, builders, strict=True)}
    return pd.DataFrame(out)
