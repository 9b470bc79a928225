"""The warehouse's bulk load stores exactly what SQLAlchemy's own insert stored.

`warehouse.bulk_load` converts a frame a column at a time: yes/no and date columns one distinct
value at a time, floats left as they are where the bind processor would not change them, and on
SQLite the rows go straight to the DBAPI cursor of the caller's transaction. Here the bound values
are held equal to the bind processor applied to every value, the rows stored to those stored by
`conn.execute(insert(table), rows)`, storage classes included, and the load to one transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.warehouse import tables as warehouse

_META = sa.MetaData()
TYPES = {
    "b": sa.Boolean(), "b2": sa.Boolean(), "d": sa.Date(), "d2": sa.Date(), "f": sa.Float(),
    "f2": sa.Float(), "f3": sa.Float(), "i": sa.Integer(), "s": sa.String(20), "t": sa.Text(),
}


def _table(name: str) -> sa.Table:
    return sa.Table(name, _META, sa.Column("k", sa.Integer, nullable=False),
                    *(sa.Column(n, t) for n, t in TYPES.items()))


loaded, reference = _table("loaded"), _table("reference")
strict = sa.Table("strict", _META, sa.Column("k", sa.Integer, nullable=False),
                  sa.Column("s", sa.String(20), nullable=False))

_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=False),
                     st.sampled_from([0.0, -0.0, 1e-300, 2.0**60]))
_FLOATS = st.one_of(st.none(), _NUMBERS)
_TIMES = st.one_of(st.none(), st.datetimes(pd.Timestamp("1677-09-22").to_pydatetime(),
                                           pd.Timestamp("2262-04-10").to_pydatetime()),
                   st.dates(date(1900, 1, 1), date(2199, 12, 31)).map(pd.Timestamp))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """Frames of the dtypes validation and the published figures give, with NA throughout."""
    n = draw(st.integers(1, 30))

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        pool = draw(st.lists(values, min_size=1, max_size=5))
        return [draw(st.sampled_from(pool)) for _ in range(n)]

    return pd.DataFrame({
        "k": range(n),
        "b": pd.array(column(st.one_of(st.none(), st.booleans())), dtype="boolean"),
        "b2": np.array(column(st.booleans()), dtype=bool),
        "d": pd.to_datetime(pd.Series(column(_TIMES), dtype=object)).astype("datetime64[ns]"),
        "d2": pd.Series([None] * n, dtype="datetime64[ns]") if draw(st.booleans())
        else pd.Series(column(st.one_of(st.none(), st.dates(date(1700, 1, 1))))),
        "f": pd.array(column(_FLOATS), dtype="Float64"),
        "f2": np.array(column(_NUMBERS), dtype=np.float64),
        "f3": pd.array(column(st.one_of(st.none(), st.integers(-(2**53), 2**53))), dtype="Int64"),
        "i": pd.array(column(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
                      dtype="Int64"),
        "s": pd.array(column(st.one_of(st.none(), st.text(max_size=5))), dtype="string"),
        "t": pd.Series(column(st.one_of(st.none(), st.text(max_size=5), st.integers(-9, 9))),
                       dtype=object),
    })


def _typed(values: list[object]) -> list[tuple[type, object]]:
    return [(type(v), v) for v in values]


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.mark.parametrize("url", ["sqlite://", "postgresql+psycopg://"])
@SETTINGS
@given(df=frames())
def test_each_column_is_bound_as_the_processor_binds_each_value(url: str, df: pd.DataFrame):
    """What the driver is given: the type's bind processor on every Python value (and, on
    pysqlite, the adapter it applies to dates); on PostgreSQL (COPY) the Python values."""
    conn = SimpleNamespace(dialect=sa.create_engine(url).dialect)
    adapt = sqlite3.adapters[(date, sqlite3.PrepareProtocol)]
    for col in loaded.columns:
        expected = warehouse._bound(conn, col, warehouse._column_values(df[col.name], col))  # type: ignore[arg-type]
        if conn.dialect.driver == "pysqlite":
            expected = [adapt(v) if type(v) is date else v for v in expected]
        got = warehouse._column_bound(conn, col, df[col.name])  # type: ignore[arg-type]
        assert _typed(got) == _typed(expected), col.name


def _stored(conn: sa.Connection, table: sa.Table) -> list[tuple[object, ...]]:
    """Every value with its SQLite storage class, in key order."""
    cols = ", ".join(f'"{c.name}", typeof("{c.name}")' for c in table.columns)
    return [tuple(r) for r in conn.exec_driver_sql(f"SELECT {cols} FROM {table.name} ORDER BY k")]


@SETTINGS
@given(df=frames())
def test_sqlite_stores_what_sqlalchemy_stored(tmp_path_factory: pytest.TempPathFactory,
                                              df: pd.DataFrame):
    eng = warehouse.engine(f"sqlite:///{tmp_path_factory.mktemp('db')}/w.sqlite")
    _META.create_all(eng)
    rows = [dict(zip(df.columns, r, strict=True))
            for r in zip(*(warehouse._column_values(df[c.name], c) for c in loaded.columns),
                         strict=True)]
    with eng.begin() as conn:
        assert warehouse.bulk_load(conn, loaded, df) == len(df)
        conn.execute(sa.insert(reference), rows)  # SQLAlchemy's own executemany
    with eng.connect() as conn:
        got, want = _stored(conn, loaded), _stored(conn, reference)
    assert [(type(v), v) for r in got for v in r] == [(type(v), v) for r in want for v in r]
    eng.dispose()


def test_constants_are_in_every_row_and_win_over_a_column(tmp_path):
    eng = warehouse.engine(f"sqlite:///{tmp_path}/w.sqlite")
    _META.create_all(eng)
    df = pd.DataFrame({"k": [1, 2, 3], "s": ["a", None, "c"]})
    with eng.begin() as conn:
        assert warehouse.bulk_load(conn, loaded, df, {"s": "same", "t": "x"}) == 3
    with eng.connect() as conn:
        got = [tuple(r) for r in conn.execute(sa.select(loaded.c.k, loaded.c.s, loaded.c.t))]
    assert got == [(1, "same", "x"), (2, "same", "x"), (3, "same", "x")]
    eng.dispose()


def test_a_load_is_part_of_the_callers_transaction(tmp_path):
    """Rows written through the DBAPI cursor go when the transaction is rolled back, even when
    the load is the transaction's first statement; a failed load raises SQLAlchemy's error."""
    eng = warehouse.engine(f"sqlite:///{tmp_path}/w.sqlite")
    _META.create_all(eng)
    with pytest.raises(RuntimeError), eng.begin() as conn:
        warehouse.bulk_load(conn, strict, pd.DataFrame({"k": [1], "s": ["a"]}))
        raise RuntimeError("roll back")
    with pytest.raises(sa.exc.IntegrityError), eng.begin() as conn:
        warehouse.bulk_insert(conn, strict, [{"k": 2, "s": "b"}])
        warehouse.bulk_load(conn, strict, pd.DataFrame({"k": [3, 4], "s": ["c", None]}))
    with eng.begin() as conn:
        warehouse.bulk_load(conn, strict, pd.DataFrame({"k": [5], "s": ["e"]}))
    with eng.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.select(strict))] == [(5, "e")]
    eng.dispose()


def test_bulk_insert_binds_as_sqlalchemy(tmp_path):
    eng = warehouse.engine(f"sqlite:///{tmp_path}/w.sqlite")
    _META.create_all(eng)
    rows: list[dict[str, object]] = [
        {"k": 1, "b": True, "d": date(2025, 6, 30), "f": 1.5, "s": "x"},
        {"k": 2, "b": None, "d": None, "f": None, "s": None},
    ]
    with eng.begin() as conn:
        warehouse.bulk_insert(conn, loaded, rows)
        conn.execute(sa.insert(reference), rows)
    with eng.connect() as conn:
        assert _stored(conn, loaded) == _stored(conn, reference)
    eng.dispose()
