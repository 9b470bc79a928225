"""`compact_read.read_compact` reads what `warehouse.read_table` reads (values, dtypes, None vs
NaN, row order), text as categoricals, batch by batch: on the sample returns and on columns with
blanks where a batch has none, or only blanks."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

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
