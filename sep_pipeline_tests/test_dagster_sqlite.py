"""Dagster's own SQLite files commit without waiting for the disk; the warehouse still waits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from sep_pipeline import dagster_sqlite


def _file(path, wal: bool) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as c:
        if wal:
            c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE IF NOT EXISTS t (x)")
    return f"sqlite:///{path}"


def _synchronous(url: str) -> int:
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
            return conn.execute(sa.text("PRAGMA synchronous")).scalar_one()
    finally:
        eng.dispose()


def test_only_dagster_wal_files_are_relaxed_and_kept_open(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setattr(dagster_sqlite, "_keepers", type(dagster_sqlite._keepers)())
    dagster_sqlite.install()
    dagster_sqlite.install()  # idempotent: one listener
    events = _file(home / "history" / "runs" / "run1.db", wal=True)
    not_wal = _file(home / "other.db", wal=False)
    warehouse = _file(tmp_path / "var" / "warehouse.db", wal=True)
    assert _synchronous(events) == 1  # NORMAL
    assert _synchronous(not_wal) == 2  # FULL, SQLite's default
    assert _synchronous(warehouse) == 2
    assert list(dagster_sqlite._keepers) == [str(home / "history" / "runs" / "run1.db")]
    # the WAL survives Dagster closing its connection: nothing checkpoints it after each event
    assert (home / "history" / "runs" / "run1.db-wal").exists()
    for i in range(dagster_sqlite._KEEP + 3):
        _synchronous(_file(home / "history" / "runs" / f"more{i}.db", wal=True))
    assert len(dagster_sqlite._keepers) == dagster_sqlite._KEEP
    with sqlite3.connect(home / "history" / "runs" / "run1.db") as c:  # nothing lost
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_the_laptop_storage_keeps_one_engine_per_file_and_runs_see_their_history(tmp_path,
                                                                                 monkeypatch):
    """Dagster's storage through the classes that keep their connections: runs and their
    events are written and read back, and after many events each file has one engine (it had
    one per event); an earlier sep-pipeline's dagster.yaml is brought to them."""
    import dagster as dg

    from sep_pipeline.ui import (
        earlier_laptop_dagster_yaml,
        laptop_dagster_yaml,
        prepare_dagster_home,
    )

    home = tmp_path / "dagster_home"
    old = earlier_laptop_dagster_yaml(home.resolve())
    assert "class: SqliteRunStorage" in old and "Kept" not in old
    home.mkdir()
    (home / "dagster.yaml").write_text(old, encoding="utf-8")
    prepare_dagster_home(home)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == laptop_dagster_yaml(
        home.resolve())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setattr(dagster_sqlite, "_engines", {})
    monkeypatch.setattr(dagster_sqlite, "_keeping", False)

    @dg.op
    def noisy(context) -> int:  # noqa: ANN001
        for i in range(20):
            context.log.info(f"event {i}")
        return 1

    @dg.job
    def twenty_events():
        noisy()

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, dagster_sqlite.KeptSqliteRunStorage)
        assert isinstance(instance.event_log_storage, dagster_sqlite.KeptSqliteEventLogStorage)
        assert twenty_events.execute_in_process(instance=instance).success
        assert dagster_sqlite._engines == {}  # not asked to: Dagster's own connections
        dagster_sqlite.keep_connections()  # as `sep-pipeline run` does
        runs = [twenty_events.execute_in_process(instance=instance) for _ in range(3)]
        assert all(r.success for r in runs)
        assert len(instance.get_run_ids()) == 4
        logged = [e for e in instance.all_logs(runs[-1].run_id)
                  if e.user_message.startswith("event ")]
        assert len(logged) == 20
    assert len(dagster_sqlite._engines) == 2  # runs.db and the event log, once each


def test_runs_of_this_process_capture_no_compute_logs_others_do(tmp_path, monkeypatch):
    """`sep-pipeline run`'s runs (through `without_compute_logs`) leave no stdout/stderr files
    (Dagster's capture costs a `tail` process per run); a run on the instance as dagster.yaml
    makes it (the webserver's, the daemon's) still captures what a step prints."""
    import dagster as dg

    from sep_pipeline.runner import without_compute_logs
    from sep_pipeline.ui import prepare_dagster_home

    home = prepare_dagster_home(tmp_path / "dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    @dg.op
    def printing() -> int:
        print("printed by the step")
        return 1

    @dg.job
    def prints():
        printing()

    def captured() -> list[Path]:
        return [p for p in home.rglob("*") if p.is_file() and p.suffix in (".out", ".err")
                and "compute_logs" in p.parts]

    with dg.DagsterInstance.get() as instance:
        quiet = without_compute_logs(instance)
        assert quiet.run_storage.__class__ is instance.run_storage.__class__
        run = prints.execute_in_process(instance=quiet)
        assert run.success and captured() == []
        # The run is in the instance's history all the same.
        assert instance.get_run_by_id(run.run_id) is not None
        assert prints.execute_in_process(instance=instance).success
    assert any("printed by the step" in p.read_text() for p in captured())
