"""Failures of the machine around the pipeline, said plainly (failures.explain), and nothing
else mistaken for one."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
import sqlalchemy as sa
import xlsxwriter.exceptions

from sep_pipeline.common import failures
from sep_pipeline.common.config import settings


def _wrapped(orig: BaseException) -> BaseException:
    """As SQLAlchemy raises a driver's error."""
    return sa.exc.OperationalError("COMMIT", None, orig)


def test_a_full_disk_however_it_is_raised(tmp_path):
    cfg = settings({"SEP_DATA_DIR": str(tmp_path)})
    for exc in (OSError(errno.ENOSPC, "No space left on device", "/data/packs/x.xlsx"),
                _wrapped(sqlite3.OperationalError("database or disk is full")),
                xlsxwriter.exceptions.FileCreateError(
                    OSError(errno.ENOSPC, "No space left on device"))):
        try:
            raise RuntimeError("a step failed") from exc
        except RuntimeError as e:
            message = failures.explain(e, cfg)
        assert message is not None and message.startswith("The disk is full"), exc
        assert "run `sep-pipeline run` again" in message
    assert "/data/packs/x.xlsx" in failures.explain(
        OSError(errno.ENOSPC, "No space left on device", "/data/packs/x.xlsx"), cfg)


def test_a_folder_that_cannot_be_written(tmp_path):
    cfg = settings({"SEP_DATA_DIR": str(tmp_path)})
    ro = failures.explain(OSError(errno.EROFS, "Read-only file system", "/srv/sep"), cfg)
    assert ro.startswith("/srv/sep cannot be written (read-only file system)")
    assert "SEP_DATA_DIR" in ro
    denied = failures.explain(PermissionError(errno.EACCES, "Permission denied", "/x"), cfg)
    assert denied.startswith("/x cannot be read or written (permission denied)")
    sqlite = failures.explain(_wrapped(sqlite3.OperationalError(
        "attempt to write a readonly database")), cfg)
    assert f"{tmp_path} cannot be written" in sqlite


def test_a_database_refused_or_lost_on_postgresql(tmp_path):
    env = {"SEP_DATA_DIR": str(tmp_path), "SEP_PSEUDONYM_KEY": "k",
           "SEP_WAREHOUSE_URL": "postgresql+psycopg://sep@db.example:5433/warehouse"}
    cfg = settings(env)
    refused = failures.explain(_wrapped(psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.1", port 5433 failed: '
        "Connection refused")), cfg)
    assert refused.startswith("Cannot reach the warehouse database at db.example:5433/warehouse")
    lost = failures.explain(_wrapped(psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly")), cfg)
    assert lost.startswith("The connection to the warehouse database at db.example:5433")
    # The same words from SQLite are no database connection of ours.
    assert failures.explain(_wrapped(sqlite3.OperationalError("connection refused")),
                            settings({"SEP_DATA_DIR": str(tmp_path)})) is None


def test_anything_else_is_not_explained_and_is_logged(tmp_path):
    cfg = settings({"SEP_DATA_DIR": str(tmp_path)})
    try:
        raise KeyError("a bug")
    except KeyError as e:
        assert failures.explain(e, cfg) is None and not failures.is_environmental(e, cfg)
        path = failures.log(e, cfg, "sep-pipeline run")
    assert path == tmp_path / "logs" / "sep-pipeline.log"
    text = path.read_text()
    assert "sep-pipeline run" in text and "KeyError: 'a bug'" in text


def test_a_different_pseudonym_key_stops_the_run_before_anything_is_loaded(tmp_path,
                                                                            monkeypatch):
    """The warehouse keeps the fingerprint of the key its pseudonyms were made with: a run with
    another key (a key file lost and made again, SEP_PSEUDONYM_KEY changed) loads nothing, says
    so plainly, and leaves the file queued for when the key is restored."""
    import pytest
    import sqlalchemy as sa

    from sep_pipeline.common.config import ConfigError
    from sep_pipeline.runner import run_pending
    from sep_pipeline.warehouse import tables as warehouse
    from sep_pipeline_tests.faults import drop
    from sep_pipeline_tests.isolation import isolate

    cfg = isolate(monkeypatch, tmp_path, key="the-first-key")
    drop(cfg.intake_dir, "CLCT", 1)
    run_pending()
    monkeypatch.setenv("SEP_PSEUDONYM_KEY", "another-key")
    drop(cfg.intake_dir, "MGNPA", 1)
    with pytest.raises(ConfigError) as stopped:
        run_pending()
    assert "not the one this warehouse" in failures.explain(stopped.value, settings())

    def subs() -> list[tuple]:
        with warehouse.engine(cfg.warehouse_url).connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "select body_code, status from submissions order by submission_id"))]

    assert subs() == [("CLCT", "accepted")]
    monkeypatch.setenv("SEP_PSEUDONYM_KEY", "the-first-key")
    run_pending()
    assert subs() == [("CLCT", "accepted"), ("MGNPA", "accepted")]
