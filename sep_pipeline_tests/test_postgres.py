"""The shared deployment's warehouse on a real PostgreSQL server (a throwaway database each)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.runner import run_pending
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline.warehouse.migrations import current_revision, head_revision
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.postgres import throwaway_database

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_raw"


@pytest.fixture
def pg_url():
    with throwaway_database() as url:
        yield url


def _env(tmp_path: Path, monkeypatch, url: str | None, name: str):
    return isolate(monkeypatch, tmp_path / name, url, key="test-key")


def _drop(cfg, body: str, quarter: int, name: str | None = None) -> Path:
    src = SAMPLES / body / f"{body}_2025-26_Q{quarter}.xlsx"
    target = cfg.intake_dir / body / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target


def _published(url: str) -> dict[str, pd.DataFrame]:
    out = {}
    with warehouse.engine(url).connect() as conn:
        for name, keys in (("benchmark", ["period", "body_code", "table_id", "measure",
                                          "breakdown", "category"]),
                           ("pay_gap", ["period", "body_code", "characteristic",
                                        "comparison_group", "metric"]),
                           ("series", ["period", "body_code", "table_id", "measure",
                                       "breakdown", "category"])):
            df = warehouse.read_table(conn, name)
            out[name] = df.sort_values(keys).reset_index(drop=True)
    return out


def test_migrations_and_contract_tables_on_postgres(pg_url):
    warehouse.create_all(pg_url)
    assert current_revision(pg_url) == head_revision()
    names = set(sa.inspect(warehouse.engine(pg_url)).get_table_names())
    assert set(warehouse.metadata.tables) <= names


def test_same_published_tables_on_postgres_as_on_sqlite(pg_url, tmp_path, monkeypatch):
    results = {}
    for name, url in (("sqlite", None), ("postgres", pg_url)):
        cfg = _env(tmp_path, monkeypatch, url, name)
        for body in ("CLCT", "MGNPA"):
            _drop(cfg, body, 4)
        got = run_pending()
        assert {r.status for r in got} == {"accepted"}
        results[name] = _published(cfg.warehouse_url)
    for table in ("benchmark", "pay_gap", "series"):
        lite, pg = results["sqlite"][table], results["postgres"][table]
        assert len(lite) > 100
        pd.testing.assert_frame_equal(lite, pg, check_dtype=False)
    # the run's checks count in the database: a reference not a hex digest fails them here too
    from sep_pipeline.defs.warehouse import _current_return_checks

    engine = warehouse.engine(pg_url)

    def pseudonymised() -> bool:
        return next(r.passed for r in _current_return_checks(engine, "CLCT", "2025-26 Q4")
                    if r.check_name == "references_pseudonymised")

    assert pseudonymised()
    with engine.begin() as conn:
        conn.execute(sa.text("update workforce set staff_ref = upper(staff_ref) where staff_ref "
                             "= (select min(staff_ref) from workforce where body_code = 'CLCT')"))
    assert not pseudonymised()


def test_copy_loads_rows_in_the_callers_transaction(pg_url):
    eng = warehouse.create_all(pg_url)
    rows = [{"period": "2025-26 Q1", "body_code": "ALL", "table_id": "W1", "measure": "m",
             "breakdown": "sex", "category": c, "value": None if c == "x" else 1.5,
             "marker": "[c]" if c == "x" else None} for c in ("a", "b", "x", "Benyw ŵ")]
    with pytest.raises(RuntimeError), eng.begin() as conn:
        warehouse.bulk_insert(conn, warehouse.benchmark, rows)
        raise RuntimeError("roll back")
    with eng.connect() as conn:
        assert conn.execute(sa.text("select count(*) from benchmark")).scalar_one() == 0
    with eng.begin() as conn:
        warehouse.bulk_insert(conn, warehouse.benchmark, rows)
    with eng.connect() as conn:
        got = conn.execute(sa.text("select category, value, marker from benchmark"))
        assert sorted(tuple(r) for r in got) == [("Benyw ŵ", 1.5, None), ("a", 1.5, None),
                                                  ("b", 1.5, None), ("x", None, "[c]")]


def _ingest_subprocess(env: dict[str, str], body: str, period: str, path: Path):
    code = (
        "import dagster as dg, sys\n"
        "from sep_pipeline.definitions import defs\n"
        "from sep_pipeline.defs.shared import FILE_TAG, SHA_TAG\n"
        "from sep_pipeline.intake.folder import sha256_file\n"
        "i = dg.DagsterInstance.get()\n"
        f"p = {str(path)!r}\n"
        "r = defs.resolve_job_def('ingest_return').execute_in_process(instance=i, "
        f"partition_key=dg.MultiPartitionKey({{'period': {period!r}, 'body': {body!r}}}), "
        "tags={FILE_TAG: p, SHA_TAG: sha256_file(__import__('pathlib').Path(p))}, "
        "raise_on_error=False)\n"
        "sys.exit(0 if r.success else 1)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_bodies_load_at_the_same_time(pg_url, tmp_path, monkeypatch):
    cfg = _env(tmp_path, monkeypatch, pg_url, "concurrent")
    warehouse.create_all(pg_url)
    paths = {b: _drop(cfg, b, 1) for b in ("CSEN", "BMCHT")}  # the two largest bodies
    # Create the SQLite Dagster instance once: two processes creating its tables at the same
    # moment race ("table secondary_indexes already exists"); the warehouse is what is under test.
    from sep_pipeline.defs.partitions import apply_partition_requests

    with dg.DagsterInstance.get() as instance:
        apply_partition_requests(instance)
    env = os.environ.copy()
    procs = [_ingest_subprocess(env, b, "2025-26 Q1", p) for b, p in paths.items()]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out.decode()[-3000:]
    with warehouse.engine(pg_url).connect() as conn:
        got = dict(conn.execute(sa.text(
            "select body_code, count(*) from workforce group by body_code")).all())
        accepted = conn.execute(sa.text(
            "select count(*) from submissions where status='accepted'")).scalar_one()
    assert set(got) == {"CSEN", "BMCHT"} and accepted == 2
    assert all(n > 1000 for n in got.values())


def test_reader_role_reads_published_tables_but_not_records():
    import uuid

    from sep_pipeline.warehouse import roles
    from sep_pipeline_tests.postgres import _admin

    suffix = uuid.uuid4().hex[:8]
    owner, reader = f"sep_owner_{suffix}", f"sep_reader_{suffix}"
    try:
        with throwaway_database() as url:
            roles.apply(url, owner, reader)
            as_owner = url.replace("//postgres@", f"//{owner}@")
            warehouse.create_all(as_owner)  # migrations run as the owner role
            roles.apply(url, owner, reader)  # grants on the tables the migrations made
            with warehouse.engine(as_owner).begin() as conn:
                warehouse.bulk_insert(conn, warehouse.benchmark, [{
                    "period": "2025-26 Q1", "body_code": "ALL", "table_id": "W1",
                    "measure": "headcount", "breakdown": "all", "category": "all",
                    "value": 10.0, "marker": None}])
            reader_engine = sa.create_engine(url.replace("//postgres@", f"//{reader}@"))
            with reader_engine.connect() as conn:
                assert conn.execute(sa.text("select value from benchmark")).scalar_one() == 10.0
                conn.execute(sa.text("select count(*) from submissions")).scalar_one()
            for table in roles.RECORD_TABLES:
                with reader_engine.connect() as conn, pytest.raises(
                        sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(sa.text(f"select * from {table} limit 1"))
            with reader_engine.connect() as conn, pytest.raises(
                    sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("delete from benchmark"))
            reader_engine.dispose()
            with warehouse.engine(as_owner).connect() as conn:
                owners = set(conn.execute(sa.text(
                    "select tableowner from pg_tables where schemaname = 'public'")).scalars())
            assert owners == {owner}
    finally:
        with _admin().connect() as conn:
            for role in (owner, reader):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


def _processes(marker: str) -> list[tuple[str, bytes]]:
    """(command line, environment) of each process whose command or environment holds it."""
    out = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            env = (d / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in env or marker in cmd:
            out.append((cmd, env))
    return out


def _ours(marker: str) -> list[str]:
    return [cmd for cmd, _ in _processes(marker)]


def test_daemon_picks_up_a_dropped_file_on_postgres(tmp_path, monkeypatch):
    """The shared deployment for real: webserver and daemon on PostgreSQL storage, the intake
    sensor sees a new file, the run loads it, and both processes stop cleanly."""
    import socket

    with throwaway_database() as warehouse_url, throwaway_database() as dagster_url:
        cfg = _env(tmp_path, monkeypatch, warehouse_url, "daemon")
        home = tmp_path / "deploy_home"
        run_dir = tmp_path / "run"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "DAGSTER_HOME": str(home), "SEP_SENSOR_INTERVAL": "2",
               "DAGSTER_PG_URL": dagster_url.replace("+psycopg", "+psycopg2")}
        exe = str(Path(sys.executable).parent / "sep-pipeline")
        start = subprocess.run([exe, "serve", "start", "--port", str(port), "--run-dir",
                                str(run_dir)], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=60)
        assert start.returncode == 0, start.stdout + start.stderr
        try:
            assert "postgres" in (home / "dagster.yaml").read_text()
            _drop(cfg, "CLCT", 2)
            deadline = time.monotonic() + 240
            status = None
            while time.monotonic() < deadline:
                with warehouse.engine(warehouse_url).connect() as conn:
                    if "submissions" in sa.inspect(conn).get_table_names():
                        status = conn.execute(sa.text(
                            "select status from submissions")).scalars().first()
                if status:
                    break
                time.sleep(2)
            logs = "".join(p.read_text()[-3000:] for p in run_dir.glob("*.log"))
            if status and status != "accepted":
                with warehouse.engine(warehouse_url).connect() as conn:
                    logs = "\n".join(conn.execute(sa.text(
                        "select message from validation_issues")).scalars()) + "\n" + logs
            assert status == "accepted", logs
            with warehouse.engine(warehouse_url).connect() as conn:
                assert conn.execute(sa.text("select count(*) from workforce")).scalar_one() > 0
            # Every Dagster process started (the code server that evaluates the sensor too) runs
            # gRPC without its fork handlers, which could kill the child that reads a return.
            envs = [env for _, env in _processes(str(home)) if str(home).encode() in env]
            assert len(envs) >= 3 and all(
                b"GRPC_ENABLE_FORK_SUPPORT=false" in e.split(b"\0") for e in envs)
            # Dagster's own storage is on PostgreSQL: the run is recorded there.
            with sa.create_engine(dagster_url).connect() as conn:
                runs = conn.execute(sa.text("select count(*) from runs")).scalar_one()
            assert runs >= 1
        finally:
            stop = subprocess.run([exe, "serve", "stop", "--run-dir", str(run_dir)], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=90)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert "webserver" in stop.stdout and "daemon" in stop.stdout
        time.sleep(1)
        assert _ours(str(home)) == [], "processes left behind"


_ODD = sa.MetaData()
_odd = sa.Table("odd_values", _ODD, sa.Column("t", sa.Text), sa.Column("s", sa.String(40)),
                sa.Column("i", sa.Integer), sa.Column("f", sa.Float), sa.Column("b", sa.Boolean),
                sa.Column("d", sa.Date), sa.Column("d2", sa.Date))
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=12)


def _load_and_read(url: str, df: pd.DataFrame) -> list[tuple]:
    eng = sa.create_engine(url)
    try:
        _ODD.drop_all(eng)
        _ODD.create_all(eng)
        with eng.begin() as conn:
            assert warehouse.bulk_load(conn, _odd, df) == len(df)
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(_odd).order_by(_odd.c.i))]
    finally:
        eng.dispose()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(st.none(), _TEXT, st.sampled_from(
    ["\\N", "\\.", "a\tb", "line\nbreak\r\n", '"quoted"', "=1+1", "Benyw ŵ", "", "\\"])),
    min_size=1, max_size=8))
def test_bulk_load_keeps_every_value_on_postgres_and_sqlite(pg_url, tmp_path, texts):
    """The COPY text stream (PostgreSQL) and the executemany (SQLite) store exactly the frame."""
    n = len(texts)
    df = pd.DataFrame({
        "t": pd.Series(texts, dtype="string"),
        "s": pd.Series([None if i % 3 == 0 else f"c{i}" for i in range(n)], dtype="string"),
        "i": pd.Series(range(n), dtype="Int64"),
        "f": [None if i % 4 == 1 else i / 3 for i in range(n)],
        "b": pd.Series([None if i % 5 == 2 else i % 2 == 0 for i in range(n)], dtype="boolean"),
        "d": pd.to_datetime([None if i % 2 else f"2025-06-{i % 28 + 1:02d}" for i in range(n)]),
        "d2": pd.to_datetime([None] * n),  # a date column left blank throughout
    })
    expected = [
        (t, None if i % 3 == 0 else f"c{i}", i, None if i % 4 == 1 else i / 3,
         None if i % 5 == 2 else i % 2 == 0,
         None if i % 2 else date(2025, 6, i % 28 + 1), None)
        for i, t in enumerate(texts)
    ]
    assert _load_and_read(pg_url, df) == expected
    assert _load_and_read(f"sqlite:///{tmp_path}/odd.db", df) == expected


def test_two_processes_bringing_the_bodies_up_to_date_at_once_do_not_collide(pg_url):
    """Each run process refreshes `bodies` from the registry when it first opens the warehouse;
    two runs started together (the daemon does that) must not both insert it."""
    import threading

    from sep_pipeline.warehouse import registry

    warehouse.create_all(pg_url)
    reg = registry.frame(registry.load())
    eng = warehouse.engine(pg_url)
    with eng.begin() as conn:  # the registry changed since: both processes have work to do
        conn.execute(sa.delete(warehouse.bodies).where(
            warehouse.bodies.c.body_code == reg["body_code"].iloc[0]))
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with eng.begin() as conn:
                warehouse.sync_bodies(conn, reg)
        except BaseException as e:  # noqa: BLE001 - reported by the assert below
            errors.append(e)

    with eng.connect() as first:
        tx = first.begin()
        warehouse.sync_bodies(first, reg)  # done, not committed yet
        other = threading.Thread(target=second)
        other.start()
        time.sleep(1.0)  # the second one is now waiting for the first
        tx.commit()
    other.join(timeout=60)
    assert not other.is_alive() and not errors, errors
    with eng.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(
            warehouse.bodies)).scalar_one() == len(reg)
