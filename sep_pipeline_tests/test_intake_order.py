"""Taking files in: the archive holds exactly the bytes the warehouse loads, arrival (not name)
decides which return is current, the same bytes under two names are one submission, a name too
long for the file system still gets its feedback, and two runs at once process each file once."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sep_pipeline.common import durable
from sep_pipeline.intake import folder as intake
from sep_pipeline.runner import run_pending
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.faults import (
    SAMPLES,
    drop,
    fewer_women,
    finish,
    go,
    held,
    start_run,
)
from sep_pipeline_tests.isolation import isolate, rows
from sep_pipeline_tests.postgres import throwaway_database


@pytest.fixture
def env(tmp_path, monkeypatch):
    return isolate(monkeypatch, tmp_path)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newest_arrival_is_current_whatever_the_names(env):
    """`…_original` sorts after `…_corrected` but arrived first: the corrected one is current."""
    now = time.time()
    original = drop(env.intake_dir, "CLCT", 1, "CLCT_Q1_original.xlsx", mtime=now - 60)
    corrected = fewer_women(drop(env.intake_dir, "CLCT", 1, "CLCT_Q1_corrected.xlsx"))
    os.utime(corrected, (now - 30, now - 30))
    run_pending()
    assert rows(env, "select file_name, status from submissions order by submission_id") == [
        (original.name, "superseded"), (corrected.name, "accepted")]
    assert rows(env, "select distinct s.file_name from workforce w join submissions s "
                     "using (submission_id)") == [(corrected.name,)]


def test_a_return_that_arrived_earlier_never_replaces_a_later_one(env):
    """Runs can finish out of order (the daemon runs several at once): recording the earlier
    arrival after the later one records it as superseded, and leaves the later one current."""
    from sep_pipeline.common.config import settings
    from sep_pipeline.intake import ingest

    cfg = settings()
    engine = warehouse.create_all(cfg.warehouse_url)
    now = time.time()
    first = drop(env.intake_dir, "CLCT", 1, "early.xlsx", mtime=now - 60)
    second = fewer_women(drop(env.intake_dir, "CLCT", 1, "late.xlsx"))
    os.utime(second, (now - 30, now - 30))
    looks = [intake.Candidate(p, "CLCT", p.stat().st_size, p.stat().st_mtime_ns)
             for p in (first, second)]
    taken = ingest.take_in_ready(looks, engine, cfg)
    assert [t.receipt.file_name for t in taken] == ["early.xlsx", "late.xlsx"]
    early, late = (ingest.Received.of(t.receipt) for t in taken)
    ingest.record(ingest.validate(late, cfg, engine), cfg, engine)
    ingest.record(ingest.validate(early, cfg, engine), cfg, engine)
    assert rows(env, "select file_name, status from submissions order by submission_id") == [
        ("late.xlsx", "accepted"), ("early.xlsx", "superseded")]
    assert rows(env, "select distinct s.file_name from workforce w join submissions s "
                     "using (submission_id)") == [("late.xlsx",)]


def test_the_same_bytes_under_two_names_are_one_submission_and_a_duplicate(env):
    now = time.time()
    drop(env.intake_dir, "CLCT", 1, "first.xlsx", mtime=now - 60)
    drop(env.intake_dir, "CLCT", 1, "copy.xlsx", mtime=now - 30)
    results = run_pending()
    assert sorted((r.file_name, r.status) for r in results) == [
        ("copy.xlsx", "duplicate"), ("first.xlsx", "accepted")]
    assert rows(env, "select file_name, status, feedback from submissions "
                     "order by submission_id") == [
        ("first.xlsx", "accepted", "written"), ("copy.xlsx", "duplicate", None)]
    assert {r.status for r in run_pending()} == {"done"}


def test_the_archive_holds_the_bytes_that_were_loaded(env, tmp_path):
    """A file replaced while it is copied into the archive is not taken until it is stable;
    every archived file is named by the hash of the bytes it holds, the warehouse loads those,
    and the first version sent again later is a new file, not a 'duplicate'."""
    path = drop(env.intake_dir, "CLCT", 1)
    v1 = path.read_bytes()
    pause_dir = tmp_path / "pause"
    proc = start_run("archive:CLCT_2025-26_Q1.xlsx", pause_dir)
    held(proc, pause_dir)  # v1's bytes are in a temporary file of the archive
    shutil.copyfile(SAMPLES / "CLCT" / "CLCT_2025-26_Q2.xlsx", path)  # replaced meanwhile
    go(pause_dir)
    code, out = finish(proc)
    assert code == 0, out
    assert rows(env, "select count(*) from submissions") == [(0,)]  # it waits: it changed
    run_pending()
    ((file_sha, archived, period),) = rows(
        env, "select file_sha256, archive_path, period from submissions")
    assert sha(Path(archived)) == file_sha == sha(path) and period == "2025-26 Q2"
    for f in env.archive_dir.rglob("*.xlsx"):
        assert f.stem == sha(f)
    back = path.with_name("CLCT_2025-26_Q1_again.xlsx")
    back.write_bytes(v1)
    (result,) = [r for r in run_pending() if r.file_name == back.name]
    assert (result.status, result.period) == ("accepted", "2025-26 Q1")


def test_a_name_too_long_for_the_file_system_still_gets_its_feedback(env):
    """The feedback workbook of a return whose name leaves no room for `_feedback` gets a
    shorter name (its start, a hash, `.xlsx`), and is delivered."""
    limit = os.pathconf(env.intake_dir, "PC_NAME_MAX")
    name = "CLCT return " + "x" * (limit - 5 - len("CLCT return ") - 3) + "Q1.xlsx"
    assert len(name.encode()) <= limit < len((Path(name).stem + "_feedback.xlsx").encode())
    drop(env.intake_dir, "CLCT", 1, name)
    (result,) = run_pending()
    assert result.status == "accepted"
    ((written, status),) = rows(env, "select feedback_file, feedback from submissions")
    feedback = Path(written)
    assert status == "written" and feedback.exists() and feedback.suffix == ".xlsx"
    assert feedback.parent == env.intake_dir / "CLCT" / "feedback"
    assert feedback.name == durable.fits(feedback.parent, Path(name).stem + "_feedback.xlsx")
    assert len(feedback.name.encode()) <= limit and feedback.name.startswith("CLCT return xx")
    assert load_workbook(feedback).sheetnames[:2] == ["Summary", "Issues"]


def test_fits_keeps_a_name_that_fits_and_shortens_one_that_does_not(tmp_path):
    assert durable.fits(tmp_path, "a.xlsx") == "a.xlsx"
    long = "é" * 200 + ".xlsx"  # 405 bytes
    short = durable.fits(tmp_path, long)
    assert short.endswith(".xlsx") and len(short.encode()) <= 255
    assert short.startswith("é" * 50) and short != durable.fits(tmp_path, "è" + long[1:])
    (tmp_path / short).write_bytes(b"")  # the file system takes it


def _two_runs_at_once(cfg) -> tuple[list[tuple[int, str]], list[tuple]]:
    now = time.time()
    for i, (body, q) in enumerate([("CLCT", 1), ("MGNPA", 1), ("CLCT", 2), ("MGNPA", 2)]):
        drop(cfg.intake_dir, body, q, mtime=now - 100 + i)
    procs = [start_run(None, cfg.data_dir.parent / f"run{i}") for i in range(2)]
    done = [finish(p) for p in procs]
    subs = rows(cfg, "select body_code, period, status from submissions order by 1, 2")
    return done, subs


def test_two_runs_at_once_process_each_file_once(env):
    done, subs = _two_runs_at_once(env)
    assert [code for code, _ in done] == [0, 0], done
    assert subs == [("CLCT", "2025-26 Q1", "accepted"), ("CLCT", "2025-26 Q2", "accepted"),
                    ("MGNPA", "2025-26 Q1", "accepted"), ("MGNPA", "2025-26 Q2", "accepted")]
    assert rows(env, "select count(*) from receipts where submission_id is null") == [(0,)]
    assert rows(env, "select count(*) from publications where pack_version < version") == [
        (0,)]


def test_two_runs_at_once_on_postgresql(tmp_path, monkeypatch):
    with throwaway_database() as url:
        cfg = isolate(monkeypatch, tmp_path, url, key="two-runs-key")
        done, subs = _two_runs_at_once(cfg)
        assert [code for code, _ in done] == [0, 0], done
        assert [s[2] for s in subs] == ["accepted"] * 4 and len({s[:2] for s in subs}) == 4
        warehouse.engine(url).dispose()
