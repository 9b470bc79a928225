"""`warehouse.read_table` returns exactly the frame `pd.read_sql` returns for the same select.

read_table builds the frame from the DBAPI rows, applying SQLAlchemy's result processors itself
(SQLite's yes/no and dates, one call per distinct value) and leaving the inference of each column
to pandas. Here its frame is held equal to read_sql's (dtypes, values, and the Python type of every
value in an object column: None is not NaN, True is not 1, a date is not a string) for every
warehouse table, on a warehouse the real pipeline loaded from the sample returns, on SQLite and on
PostgreSQL, and for random rows with every pattern of NULLs.
"""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sep_pipeline.runner import run_pending
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.postgres import throwaway_database

SAMPLES = Path(__file__).resolve().parents[1] / "data_raw"
TABLES = sorted(warehouse.metadata.tables)
NO_SUCH_PERIOD = "1999-00 Q9"


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert type(got.index) is type(want.index)
    for name in want.columns:
        if want[name].dtype == object:  # assert_frame_equal takes None for NaN, 1 for True
            assert list(map(type, got[name])) == list(map(type, want[name])), name


def read_sql(conn: sa.Connection, table: str, period: str | None) -> pd.DataFrame:
    t = warehouse.metadata.tables[table]
    q = sa.select(t)
    if period is not None:
        q = q.where(t.c.period == period)
    return pd.read_sql(q, conn)


# --- A warehouse loaded by the pipeline ------------------------------------------------------


def _drop(intake: Path, body: str, quarter: int, name: str | None = None) -> Path:
    src = SAMPLES / body / f"{body}_2025-26_Q{quarter}.xlsx"
    target = intake / body / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target


def _load(base: Path, url: str | None) -> str:
    """Two accepted Q4 returns (so quarterly and annual figures), a rejected copy with cell
    issues and an unreadable file (issues with no sheet or row): the pipeline's own run."""
    with pytest.MonkeyPatch.context() as mp:
        cfg = isolate(mp, base, url, key="test-key")
        for body in ("CLCT", "MGNPA"):
            _drop(cfg.intake_dir, body, 4)
        broken = _drop(cfg.intake_dir, "CLCT", 4, name="CLCT_Q4_broken.xlsx")
        wb = load_workbook(broken)
        wb["Workforce"]["F2"] = "not a sex"
        wb.save(broken)
        legacy = cfg.intake_dir / "TCG" / "our return.xlsx"
        legacy.parent.mkdir(parents=True)
        legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
        results = run_pending()
        assert sorted(r.status for r in results) == ["accepted", "accepted", "rejected",
                                                     "rejected"]
        return cfg.warehouse_url


@pytest.fixture(scope="module")
def sqlite_warehouse(tmp_path_factory) -> str:
    return _load(tmp_path_factory.mktemp("sqlite"), None)


@pytest.fixture(scope="module")
def postgres_warehouse(tmp_path_factory):
    with throwaway_database() as url:
        yield _load(tmp_path_factory.mktemp("postgres"), url)
        warehouse.engine(url).dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_read_table_is_read_sql_for_every_table(backend, request, monkeypatch):
    url = request.getfixturevalue(f"{backend}_warehouse")
    fallbacks = []
    real_read_sql = pd.read_sql

    def spy(sql, con, *args, **kwargs):
        fallbacks.append(sql.get_final_froms()[0].name)
        return real_read_sql(sql, con, *args, **kwargs)

    rows = {}
    with warehouse.engine(url).connect() as conn:
        for table in TABLES:
            t = warehouse.metadata.tables[table]
            periods = [None]
            if "period" in t.c:
                periods += [NO_SUCH_PERIOD]
                periods += sorted(p for (p,) in conn.execute(sa.select(t.c.period).distinct())
                                  if p is not None)
            for period in periods:
                want = read_sql(conn, table, period)
                with monkeypatch.context() as mp:
                    mp.setattr(pd, "read_sql", spy)
                    got = warehouse.read_table(conn, table, period)
                assert_same(got, want)
                rows[table, period] = len(got)
    # The check has something to check: every kind of table has rows, and read_sql reads only
    # the tables with a time zone aware timestamp, which read_sql moves to UTC.
    for table in ("submissions", "validation_issues", "bodies", "workforce", "recruitment",
                  "benchmark", "pay_gap", "benchmark_position"):
        assert rows[table, None] > 0, table
        assert rows.get((table, NO_SUCH_PERIOD), 0) == 0
    assert set(fallbacks) == {"submissions", "published_figures", "publications", "receipts",
                              "pseudonym_key", "finalised_periods", "revisions"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_one_bodys_rows_and_some_columns_are_those_of_the_whole_table(backend, request):
    url = request.getfixturevalue(f"{backend}_warehouse")
    with warehouse.engine(url).connect() as conn:
        for table, columns in (("workforce", ["body_code", "sex", "hourly_pay", "fte",
                                              "in_post_at_snapshot"]),
                               ("recruitment", ["applicant_type", "shortlisted"])):
            whole = warehouse.read_table(conn, table, "2025-26 Q4")
            for body in ("CLCT", "MGNPA"):
                got = warehouse.read_table(conn, table, "2025-26 Q4", body, columns)
                want = whole[whole["body_code"] == body][columns].reset_index(drop=True)
                assert len(got) > 0
                assert_same(got, want)


def test_a_processor_it_does_not_know_is_left_to_read_sql(sqlite_warehouse, monkeypatch):
    """Without the yes/no and date processors on its list, a data table falls back to
    read_sql (the same frame, by read_sql itself)."""
    monkeypatch.setattr(warehouse, "_FAST_PROCESSORS", ())
    calls = []
    real_read_sql = pd.read_sql
    with warehouse.engine(sqlite_warehouse).connect() as conn:
        want = read_sql(conn, "workforce", None)
        monkeypatch.setattr(pd, "read_sql", lambda *a, **k: calls.append(1) or
                            real_read_sql(*a, **k))
        got = warehouse.read_table(conn, "workforce")
    assert calls == [1]
    assert_same(got, want)


def test_frame_with_one_or_no_column_left_as_read():
    """`_frame`'s narrow cases, which no warehouse table has: a single column not processed,
    and every column processed."""
    flag, day = warehouse.processors.int_to_boolean, warehouse.processors.str_to_date
    rows = [(1, "2025-04-01", "a"), (0, None, None), (None, "2025-04-01", "b")]

    def expected(columns: list[int], process: list) -> pd.DataFrame:
        records = [tuple(process[i](r[i]) if process[i] else r[i] for i in columns)
                   for r in rows]
        return pd.DataFrame.from_records(records, columns=[f"c{i}" for i in columns],
                                         coerce_float=True)

    process = [flag, day, None]
    assert_same(warehouse._frame(rows, ["c0", "c1", "c2"], process),
                expected([0, 1, 2], process))
    assert_same(warehouse._frame([r[:2] for r in rows], ["c0", "c1"], process[:2]),
                expected([0, 1], process))


# --- Random rows, every pattern of NULLs -----------------------------------------------------


def _values(col: sa.Column, pg: bool) -> st.SearchStrategy[object]:
    kind = col.type
    if col is warehouse.submissions.c.status:  # (a CHECK constraint)
        return st.sampled_from(warehouse.SUBMISSION_STATUSES)
    if isinstance(kind, sa.Boolean):
        return st.booleans()
    if isinstance(kind, sa.DateTime):
        return st.datetimes(timezones=st.just(UTC))
    if isinstance(kind, sa.Date):
        return st.dates()
    if isinstance(kind, sa.Float):
        return st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1e-300, 2.0**60]))
    if isinstance(kind, sa.Integer):
        bits = 31 if pg else 63  # PostgreSQL's INTEGER is 4 bytes, SQLite's 8
        return st.integers(-(2**bits), 2**bits - 1)
    assert isinstance(kind, sa.String), kind
    return st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"),
                   max_size=min(kind.length or 12, 12))


@st.composite
def tables_with_rows(draw: st.DrawFn, pg: bool) -> tuple[str, list[dict[str, object]]]:
    """A warehouse table and rows for it: each column all NULL, never NULL or sometimes NULL
    (where it may be NULL), from a few values or many; no rows at all now and then."""
    table = warehouse.metadata.tables[draw(st.sampled_from(TABLES))]
    n = draw(st.integers(0, 12))
    # one column of each unique constraint made distinct row by row, so the rows can be stored
    distinct = {next(c.name for c in con.columns if isinstance(c.type, sa.String))
                for con in table.constraints if isinstance(con, sa.UniqueConstraint)}
    columns = {}
    for col in table.columns:
        if col.primary_key or col.name in distinct:
            columns[col.name] = [f"B{i}" if isinstance(col.type, sa.String) else i + 1
                                 for i in range(n)]
            continue
        mode = draw(st.sampled_from(["null", "full", "some"] if col.nullable else ["full"]))
        if mode == "null":
            columns[col.name] = [None] * n
            continue
        few = draw(st.sampled_from([2, max(n, 1)]))
        pool = draw(st.lists(_values(col, pg), min_size=1, max_size=few))
        choice = st.sampled_from(pool)
        if mode == "some":
            choice = st.one_of(st.none(), choice)
        columns[col.name] = [draw(choice) for _ in range(n)]
    return table.name, [{k: v[i] for k, v in columns.items()} for i in range(n)]


def _check_random_rows(eng: sa.Engine, pg: bool):
    @settings(max_examples=40 if pg else 150, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=tables_with_rows(pg))
    def check(data: tuple[str, list[dict[str, object]]]) -> None:
        table, rows = data
        t = warehouse.metadata.tables[table]
        with eng.connect() as conn:
            conn.execute(sa.delete(t))
            if rows:
                conn.execute(sa.insert(t), rows)
            for period in ([None, rows[0]["period"]] if rows and "period" in t.c else [None]):
                assert_same(warehouse.read_table(conn, table, period),
                            read_sql(conn, table, period))
            conn.rollback()

    check()


def test_read_table_is_read_sql_for_random_rows_on_sqlite(tmp_path):
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'random.sqlite'}")  # (foreign keys off)
    warehouse.metadata.create_all(eng)
    _check_random_rows(eng, pg=False)


def test_read_table_is_read_sql_for_random_rows_on_postgres():
    with throwaway_database() as url:
        eng = sa.create_engine(url)
        try:
            warehouse.metadata.create_all(eng)
            with eng.begin() as conn:  # rows without their submission
                for table in TABLES:
                    for fk in sa.inspect(conn).get_foreign_keys(table):
                        conn.execute(sa.text(f'ALTER TABLE "{table}" DROP CONSTRAINT '
                                             f'"{fk["name"]}"'))
            _check_random_rows(eng, pg=True)
        finally:
            eng.dispose()
