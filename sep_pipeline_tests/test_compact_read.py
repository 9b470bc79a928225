"""`compact_read.read_compact` reads what `warehouse.read_table` reads (values, dtypes, None vs
NaN, row order), text as categoricals, batch by batch: on the sample returns and on columns with
blanks where a batch has none, or only blanks. `compact_of_loaded` makes that frame from the
values a load gave the database, or none where the database would give a value back changed."""

from __future__ import annotations

import datetime
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.intake.safe_read import read_workbook
from sep_pipeline.intake.standardise import standardise
from sep_pipeline.intake.validate import validate_workbook
from sep_pipeline.methodology.tables import as_category
from sep_pipeline.publish import figure_store
from sep_pipeline.warehouse import compact_read
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline.warehouse.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
QUARTERS = ("2025-26 Q1", "2025-26 Q2")
BODIES = ("BMCHT", "CLCT", "TCG")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """Three sample bodies' returns of two quarters."""
    folder = tmp_path_factory.mktemp("compact")
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    upgrade(url)
    engine = warehouse.engine(url)
    for period in QUARTERS:
        for body in BODIES:
            path = ROOT / "data_raw" / body / f"{body}_{period.replace(' ', '_')}.xlsx"
            result = validate_workbook(read_workbook(path), file_name=path.name,
                                       expected_body=body)
            assert result.status == "accepted", result.issues
            with engine.begin() as conn:
                warehouse.replace_current(
                    conn, body=body, period=period, file_name=path.name, sha256="0" * 64,
                    archive_path="-", issues=[], late=False, template_version=None,
                    tables=standardise(result.tables, body=body, key="test key"))
    return engine


def as_read(df: pd.DataFrame) -> pd.DataFrame:
    """read_table's frame with its text as categoricals (sorted), as read_compact gives it."""
    text = {c: as_category(df[c]) for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)}
    return df.assign(**text) if text else df


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in want.columns:  # the same object in an object column: None stays None, True True
        if want[c].dtype == object:
            assert list(map(type, got[c])) == list(map(type, want[c])), c


def readable(table: str) -> list[str]:
    """Every column but the dates (read_compact reads no date)."""
    return [c.name for c in warehouse.DATA_TABLES[table].columns
            if not isinstance(c.type, sa.Date)]


@pytest.mark.parametrize("batch", [7, 1000, compact_read.BATCH])
def test_every_table_reads_as_read_table_reads_it(engine, batch, monkeypatch):
    monkeypatch.setattr(compact_read, "BATCH", batch)
    with engine.connect() as conn:
        for table in warehouse.DATA_TABLES:
            columns = readable(table)
            for period in QUARTERS:
                want = as_read(warehouse.read_table(conn, table, period, columns=columns))
                assert_same(compact_read.read_compact(conn, table, [period], columns), want)
                want = as_read(warehouse.read_table(conn, table, period, "CLCT", columns))
                assert_same(compact_read.read_compact(conn, table, [period], columns, "CLCT"),
                            want)
            both = pd.concat([warehouse.read_table(conn, table, p, columns=columns)
                              for p in QUARTERS], ignore_index=True)
            got = compact_read.read_compact(conn, table, list(QUARTERS), columns)
            # one query for both quarters: the rows in storage order, here the quarters' order
            assert_same(got, as_read(both))


def filled(table: str, rows: list[dict]) -> list[dict]:
    """The rows with a value in every other required column."""
    value = {sa.Boolean: True, sa.Integer: 1, sa.Float: 1.0, sa.String: "x",
             sa.Date: datetime.date(2025, 4, 1)}
    required = {c.name: next(v for t, v in value.items() if isinstance(c.type, t))
                for c in warehouse.DATA_TABLES[table].columns if not c.nullable}
    return [{**required, **r} for r in rows]


@pytest.mark.parametrize("blanks", ["none", "first", "last", "all", "every other"])
def test_blanks_in_some_batches_give_the_whole_column_s_dtype(tmp_path, blanks, monkeypatch):
    """A float, integer, flag and text column with blanks in some batches only: the dtype is
    the one pandas infers from the whole column (an integer with a blank is a float, a flag
    with a blank an object, a column of blanks objects)."""
    monkeypatch.setattr(compact_read, "BATCH", 4)
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrade(url)
    engine = warehouse.engine(url)
    n = 10
    blank = {"none": [], "first": [0], "last": [n - 1], "all": list(range(n)),
             "every other": list(range(0, n, 2))}[blanks]
    rows = [{"body_code": "B", "period": "2025-26 Q1", "submission_id": 1,
             "activity_type": None if i in blank else f"t{i % 3}",
             "participants_total": None if i in blank else i * 10**12,
             "coproduced": None if i in blank else bool(i % 2)} for i in range(n)]
    feedback = [{"body_code": "B", "period": "2025-26 Q1", "submission_id": 1,
                 "feedback_type": "complaint", "equality_related": True,
                 "working_days_to_close": None if i in blank else i + 0.5,
                 "led_to_change": None if i in blank else i > 4} for i in range(n)]
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
        conn.execute(warehouse.DATA_TABLES["engagement"].insert(), filled("engagement", rows))
        conn.execute(warehouse.DATA_TABLES["feedback"].insert(), filled("feedback", feedback))
    with engine.connect() as conn:
        for table in ("engagement", "feedback"):
            columns = readable(table)
            want = as_read(warehouse.read_table(conn, table, "2025-26 Q1", columns=columns))
            got = compact_read.read_compact(conn, table, ["2025-26 Q1"], columns)
            assert_same(got, want)
            flag = {"engagement": "coproduced", "feedback": "led_to_change"}[table]
            assert (got[flag].dtype == object) == bool(blank)


def test_text_is_a_categorical_of_small_codes(engine):
    with engine.connect() as conn:
        df = compact_read.read_compact(conn, "workforce", list(QUARTERS),
                                       figure_store.figure_columns("workforce"))
    for c in ("body_code", "sex", "ethnicity", "grade"):
        assert isinstance(df[c].dtype, pd.CategoricalDtype)
        assert df[c].cat.codes.dtype == np.int8
        assert list(df[c].cat.categories) == sorted(df[c].cat.categories)


# --- A return as loaded: what reading it back would give, made from the values in hand -------

def load_keeping(engine: sa.Engine, body: str, period: str, tables: dict[str, pd.DataFrame]
                 ) -> dict[str, pd.DataFrame | None]:
    """Load a return as the pipeline does; each table's `compact_of_loaded`."""
    given: dict[str, tuple[dict, int]] = {}
    with engine.begin() as conn:
        warehouse.replace_current(
            conn, body=body, period=period, file_name=f"{body}.xlsx", sha256="0" * 64,
            archive_path="-", issues=[], late=False, template_version=None, tables=tables,
            loaded=lambda name: lambda values, n: given.__setitem__(name, (values, n)))
    return {name: compact_read.compact_of_loaded(name, *given.get(name, ({}, 0)))
            for name in warehouse.DATA_TABLES}


@pytest.fixture(scope="module")
def sample_tables() -> dict[tuple[str, str], dict[str, pd.DataFrame]]:
    out = {}
    for period in QUARTERS:
        for body in BODIES:
            path = ROOT / "data_raw" / body / f"{body}_{period.replace(' ', '_')}.xlsx"
            result = validate_workbook(read_workbook(path), file_name=path.name,
                                       expected_body=body)
            out[body, period] = standardise(result.tables, body=body, key="test key")
    return out


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_return_as_loaded_is_what_reading_it_back_gives(sample_tables, dialect, tmp_path):
    """Every table of the sample returns, on SQLite (values bound by SQLAlchemy's processors)
    and on PostgreSQL (COPY of the Python values): the frame made from the values loaded is the
    frame `read_compact` reads back, dtypes and categories included; in the same row order on
    SQLite (PostgreSQL gives rows back in no order: so do its reads)."""
    from sep_pipeline_tests.postgres import throwaway_database

    with (throwaway_database() if dialect == "postgresql"
          else nullcontext(f"sqlite:///{tmp_path / 'w.sqlite'}")) as url:
        upgrade(url)
        engine = warehouse.engine(url)
        for (body, period), tables in sample_tables.items():
            kept = load_keeping(engine, body, period, tables)
            with engine.connect() as conn:
                for name, frame in kept.items():
                    assert frame is not None, name
                    want = compact_read.read_compact(
                        conn, name, [period], compact_read.figure_columns(name), body)
                    if dialect == "postgresql" and len(want):
                        frame, want = in_row_order(frame), in_row_order(want)
                    assert_same(frame, want)
        engine.dispose()


def in_row_order(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), ignore_index=True, na_position="first")


@pytest.fixture(scope="module")
def empty_engine(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('loaded') / 'w.sqlite'}"
    upgrade(url)
    return warehouse.engine(url)


_bodies = iter(range(10**6))  # a body code per example: one warehouse for them all


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 30))
def test_any_values_loaded_compact_as_they_read_back(empty_engine, data, n):
    """Integers, floats, flags and text, each with blanks anywhere (or only blanks, or none),
    in the dtypes a standardised table may hold them, or a column left out: the same frame
    either way."""
    def column(dtype: str, value):  # noqa: ANN001, ANN202
        blank = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        values = [None if b else value(i) for i, b in enumerate(blank)]
        return pd.Series(values, dtype=dtype)

    texts = st.sampled_from(["a", "b", "Benyw ŵ", ""])
    engagement = pd.DataFrame({
        "activity_ref": [f"r{i}" for i in range(n)], "activity_name": "x",
        "activity_type": column("str", lambda i: data.draw(texts)),
        "partnership_objective": "SEO1",
        "participants_total": column(data.draw(st.sampled_from(["Int64", "object"])),
                                     lambda i: data.draw(st.integers(0, 10**12))),
        "coproduced": column(data.draw(st.sampled_from(["boolean", "object"])),
                             lambda i: data.draw(st.booleans())),
    })
    feedback = pd.DataFrame({
        "case_ref": [f"c{i}" for i in range(n)], "received_date": datetime.date(2025, 4, 1),
        "feedback_type": "complaint",
        "equality_related": column("boolean", lambda i: data.draw(st.booleans())),
        "working_days_to_close": column("Int64", lambda i: data.draw(st.integers(0, 400))),
        "led_to_change": column("boolean", lambda i: data.draw(st.booleans())),
    })
    left_out = data.draw(st.sampled_from([None, "activity_type", "participants_total",
                                          "coproduced"]))
    if left_out is not None:
        engagement = engagement.drop(columns=left_out)
    body = f"B{next(_bodies)}"
    kept = {}
    with empty_engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
        for name, frame in (("engagement", engagement), ("feedback", feedback)):
            warehouse.bulk_load(
                conn, warehouse.DATA_TABLES[name], frame,
                {"body_code": body, "period": "2025-26 Q1", "submission_id": 1},
                lambda values, rows, name=name: kept.__setitem__(
                    name, compact_read.compact_of_loaded(name, values, rows)))
    with empty_engine.connect() as conn:
        for name, frame in kept.items():
            want = compact_read.read_compact(conn, name, ["2025-26 Q1"],
                                             compact_read.figure_columns(name), body)
            assert frame is not None
            assert_same(frame, want)


def test_a_value_the_database_gives_back_changed_is_read_back_instead(tmp_path):
    """SQLite keeps 3.0 in an integer column as 3 (its affinity): made from the values in hand
    it would be a float column, so none is made and the rows are read back; likewise a number
    in a text column (it comes back as text)."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(url)
    engine = warehouse.engine(url)
    kept = {}
    frame = pd.DataFrame({"case_ref": ["c1", "c2"], "received_date": datetime.date(2025, 4, 1),
                          "feedback_type": ["complaint", 7],
                          "equality_related": [True, False],
                          "working_days_to_close": [3.0, 4.0], "led_to_change": [True, None]})
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
        warehouse.bulk_load(conn, warehouse.DATA_TABLES["feedback"], frame,
                            {"body_code": "B", "period": "2025-26 Q1", "submission_id": 1},
                            lambda values, rows: kept.update(values=values, rows=rows))
    with engine.connect() as conn:
        back = compact_read.read_compact(conn, "feedback", ["2025-26 Q1"],
                                         compact_read.figure_columns("feedback"), "B")
    assert back["working_days_to_close"].tolist() == [3, 4]
    assert back["working_days_to_close"].dtype == np.int64
    assert list(back["feedback_type"].cat.categories) == ["7", "complaint"]
    assert compact_read.compact_of_loaded("feedback", kept["values"], kept["rows"]) is None
    whole = dict(kept["values"], feedback_type=["complaint", "complaint"])
    assert compact_read.compact_of_loaded("feedback", whole, 2) is None  # the 3.0 still
    whole["working_days_to_close"] = [3, 4]
    made = compact_read.compact_of_loaded("feedback", whole, 2)
    assert made is not None and made["working_days_to_close"].dtype == np.int64
