"""Kills that land inside each step of a run, and a disk that fills during one, on SQLite:
after each, the warehouse is consistent, every pack workbook a reader can open is whole, and
the next completed run publishes exactly what a clean run on the same files does, figure for
figure and file for file. (The same on PostgreSQL, with a lost connection: test_kills_postgres.)
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
import xlsxwriter

from sep_pipeline.common import durable
from sep_pipeline.publish.pack.labels import LANGS, long_date
from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import (
    World,
    assert_consistent,
    assert_plain,
    assert_readable_packs,
    assert_same,
    can_mount,
    files_outcome,
    fill,
    finish,
    go,
    held,
    kill,
    mount_read_only,
    mount_tmpfs,
    outcome,
    start_run,
    unmount,
)
from sep_pipeline_tests.isolation import isolate

# Each step of a run, as the pause point SEP_PAUSE_AT names it, in the World's scenario that
# goes through it: CLCT's corrected Q1 ("resubmission"), MGNPA's first Q2 ("new quarter").
KILL_POINTS = [
    ("resubmission", "archive:CLCT_Q1_v2.xlsx"),  # copied into the archive, not yet named
    ("resubmission", "validate:CLCT_Q1_v2.xlsx"),  # read and checked, nothing recorded
    ("resubmission", "warehouse:CLCT_Q1_v2.xlsx"),  # inside the transaction making it current
    ("resubmission", "feedback:CLCT_Q1_v2.xlsx"),  # recorded; its feedback not yet in place
    ("resubmission", "figures:2025-26 Q1"),  # inside the transaction writing Q1's figures
    ("resubmission", "pack_file:sep_benchmark_2025-26_Q1_en.xlsx"),  # Q1's pack being written
    ("resubmission", "pack_file:sep_benchmark_2025-26_Q1_cy.xlsx"),
    ("resubmission", "pack_file:csv"),
    ("resubmission", "pack_commit:sep_benchmark_2025-26_Q1_cy.xlsx"),  # CSV in place, not these
    ("new quarter", "figures:2025-26 Q2"),  # a quarter's first figures
    ("new quarter", "pack_file:bodies/*"),  # the per-body workbooks, written the first time
    ("new quarter", "pack_commit:bodies/MGNPA_benchmark_2025-26_Q2_en.xlsx"),  # half in place
]
IDS = [point for _, point in KILL_POINTS]


def require_mount() -> None:
    why = can_mount()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The World on a 200 MB tmpfs, so a test can fill its disk (in a plain folder where this
    process may not mount one: the full-disk tests then skip, or fail in CI)."""
    base = tmp_path_factory.mktemp("kills")
    mounted = can_mount() is None
    if mounted:
        mount_tmpfs(base, 200)
    try:
        with pytest.MonkeyPatch.context() as mp:
            w = World(base, mp)
            yield w
            w.close()
    finally:
        if mounted:
            unmount(base)


# The steps whose kill lands between a file's write under a temporary name and its rename.
LEAVES_A_TEMPORARY = ("archive", "feedback")


def temporaries(cfg) -> list[Path]:  # noqa: ANN001
    """The temporary files (durable's) in the data folder and the intake folders."""
    return sorted(p for root in (cfg.data_dir, cfg.intake_dir) for p in root.rglob(".sep-*.tmp"))


def an_hour_later(paths: list[Path]) -> None:
    """As if the next run came an hour after the kill: the files left are that old."""
    then = time.time() - durable.STALE_AFTER - 5
    for p in paths:
        os.utime(p, (then, then))


def kill_then_complete(world: World, scenario: str, point: str) -> None:
    world.restore(scenario)
    pause_dir = world.pause_dir
    proc = start_run(point, pause_dir)
    assert fnmatchcase(held(proc, pause_dir), point)
    kill(proc)
    assert_consistent(world.cfg.warehouse_url)
    assert_readable_packs(world.cfg.outputs_dir / "packs")
    left = temporaries(world.cfg)
    assert bool(left) == point.startswith(LEAVES_A_TEMPORARY), left
    an_hour_later(left)
    run_pending()
    assert_same(outcome(world.cfg), world.clean[scenario])
    assert temporaries(world.cfg) == []  # the next run cleared what the kill left


def test_the_clean_runs_published_what_they_were_given(world):
    """The references themselves: the corrected Q1 current, Q1's per-body workbooks marked out
    of date; MGNPA's Q2 published with its workbooks; nothing owed."""
    resub, new = world.clean["resubmission"], world.clean["new quarter"]
    assert [(s[2], s[4]) for s in resub["submissions"] if s[0] == "CLCT"] == [
        ("CLCT_2025-26_Q1.xlsx", "superseded"), ("CLCT_Q1_v2.xlsx", "accepted")]
    assert "2025-26_Q1/bodies/OUT_OF_DATE.txt" in resub["packs"]
    assert {k for k in new["packs"] if k.startswith("2025-26_Q2/bodies/")} == {
        "2025-26_Q2/bodies/MGNPA_benchmark_2025-26_Q2_cy.xlsx",
        "2025-26_Q2/bodies/MGNPA_benchmark_2025-26_Q2_en.xlsx"}
    for clean in (resub, new):
        assert clean["queued"] == [] and clean["out_of_date"] == []
        assert all(s[10] == "written" for s in clean["submissions"] if s[4] != "duplicate")


@pytest.mark.parametrize(("scenario", "point"), KILL_POINTS, ids=IDS)
def test_a_kill_inside_each_step_then_a_run_publishes_what_a_clean_run_does(world, scenario,
                                                                           point):
    kill_then_complete(world, scenario, point)


def test_the_sensor_finishes_what_a_killed_run_left(world):
    """Killed after recording CLCT's correction, before its feedback: the sensor's ticks start
    the runs that deliver the feedback and publish Q1; run as the daemon would run them, they
    leave what a clean run leaves."""
    import dagster as dg

    from sep_pipeline.definitions import defs
    from sep_pipeline.defs.sensor import intake_sensor
    from sep_pipeline.defs.shared import SepConfig

    world.restore("resubmission")
    pause_dir = world.pause_dir
    proc = start_run("feedback:CLCT_Q1_v2.xlsx", pause_dir)
    held(proc, pause_dir)
    kill(proc)
    an_hour_later(left := temporaries(world.cfg))
    assert [p.parent.name for p in left] == ["feedback"]
    instance = dg.DagsterInstance.get()
    cursor, jobs = None, []
    for _ in range(4):
        ctx = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"sep": SepConfig()}, definitions=defs)
        result = intake_sensor(ctx)
        cursor = result.cursor
        if not result.run_requests:
            break
        for req in result.run_requests:
            jobs.append((req.job_name, req.partition_key))
            defs.resolve_job_def(req.job_name).execute_in_process(
                instance=instance, partition_key=req.partition_key, tags=req.tags,
                run_config=req.run_config, asset_selection=req.asset_selection)
    assert sorted(jobs, key=str) == [("deliver_feedback", None),
                                     ("partnership_quarter", "2025-26 Q1")]
    assert_same(outcome(world.cfg), world.clean["resubmission"])
    assert temporaries(world.cfg) == []


def test_report_publishes_an_out_of_date_quarter_from_the_warehouse(world):
    """Killed while Q1's figures were being written: `report` brings them up to date (not
    just redraws the pack from stale tables)."""
    from sep_pipeline.runner import report

    world.restore("resubmission")
    pause_dir = world.pause_dir
    proc = start_run("figures:2025-26 Q1", pause_dir)
    held(proc, pause_dir)
    kill(proc)
    report("2025-26 Q1", None, "both")
    got, clean = outcome(world.cfg), world.clean["resubmission"]
    for table in ("pay_gap", "benchmark", "benchmark_position"):
        assert got[table] == clean[table] and clean[table], table
    for name in ("sep_benchmark_2025-26_Q1_en.xlsx", "sep_benchmark_2025-26_Q1_cy.xlsx",
                 "csv/W1.csv", "csv/pay_gap.csv"):
        assert got["packs"][f"2025-26_Q1/{name}"] == clean["packs"][f"2025-26_Q1/{name}"]
    assert "2025-26_Q1/bodies/OUT_OF_DATE.txt" not in got["packs"]  # rewritten: current


@pytest.mark.parametrize("point", [
    "validate:CLCT_Q1_v2.xlsx",  # the disk fills before the return is recorded
    "pack_file:sep_benchmark_2025-26_Q1_en.xlsx",  # ... while Q1's pack is being written
])
def test_a_full_disk_fails_the_run_plainly_and_keeps_the_previous_pack(world, point):
    require_mount()
    world.restore("resubmission")
    packs = world.cfg.outputs_dir / "packs"
    before = files_outcome(packs)
    pause_dir = world.pause_dir
    proc = start_run(point, pause_dir)
    held(proc, pause_dir)
    filler = fill(world.base)
    go(pause_dir)
    code, out = finish(proc)
    filler.unlink()
    assert code == 1, out
    assert_plain(out, "disk is full", "sep-pipeline run")
    assert files_outcome(packs) == before  # the previous pack, whole and unchanged
    assert_consistent(world.cfg.warehouse_url)
    run_pending()  # room made: the next run completes the work
    assert_same(outcome(world.cfg), world.clean["resubmission"])


def test_a_read_only_data_folder_is_named_plainly(tmp_path, monkeypatch):
    require_mount()
    isolate(monkeypatch, tmp_path)
    (tmp_path / "var").mkdir()
    ro = tmp_path / "ro"
    mount_read_only(tmp_path / "var", ro)
    try:
        monkeypatch.setenv("SEP_DATA_DIR", str(ro))
        code, out = finish(start_run(None, tmp_path / "pause"))
    finally:
        unmount(ro)
    assert code == 1, out
    assert_plain(out, str(ro), "cannot be written", "read-only file system", "SEP_DATA_DIR")


def test_a_pack_produced_just_before_midnight_reads_as_one_produced_after(tmp_path):
    """The clean runs are made once, the runs compared with them later: across midnight the
    day each workbook says it was produced differs, and nothing else must. Only today's and
    yesterday's day is set aside, never another date a workbook shows."""
    today = date.today()

    def pack(name: str, produced: date, deadline: date) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for lang in LANGS:
            wb = xlsxwriter.Workbook(str(folder / f"pack_{lang}.xlsx"))
            ws = wb.add_worksheet("Cover")
            ws.write_row(0, 0, ["Produced", long_date(produced, lang)])
            ws.write_row(1, 0, ["Deadline", long_date(deadline, lang)])
            wb.close()
        return folder

    deadline = date(2025, 8, 12)
    before = files_outcome(pack("before", today - timedelta(days=1), deadline))
    assert before == files_outcome(pack("after", today, deadline))
    assert before != files_outcome(pack("older", today - timedelta(days=2), deadline))
    assert before != files_outcome(pack("other", today, deadline + timedelta(days=1)))
