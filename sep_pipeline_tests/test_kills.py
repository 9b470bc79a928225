"""Kills that land inside each step of a run, on SQLite: after each, the warehouse is
consistent, every pack workbook a reader can open is whole, and the next completed run
publishes exactly what a clean run on the same files does, figure for figure and file for file.
(The same on PostgreSQL: test_kills_postgres.py.)"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import (
    World,
    assert_consistent,
    assert_readable_packs,
    assert_same,
    held,
    kill,
    outcome,
    start_run,
)

# Each step of the second run (CLCT's corrected Q1, then MGNPA's first Q2): the pause point
# the kill is aimed at, as SEP_PAUSE_AT names it.
KILL_POINTS = [
    "archive:CLCT_Q1_v2.xlsx",  # copied into the archive, not yet under its name
    "validate:CLCT_Q1_v2.xlsx",  # read and checked, nothing recorded
    "warehouse:CLCT_Q1_v2.xlsx",  # inside the transaction that makes it current
    "feedback:CLCT_Q1_v2.xlsx",  # recorded; the feedback workbook not yet in place
    "figures:2025-26 Q1",  # inside the transaction that writes Q1's figures
    "pack_file:sep_benchmark_2025-26_Q1_en.xlsx",  # Q1's pack being written
    "pack_file:sep_benchmark_2025-26_Q1_cy.xlsx",
    "pack_file:csv",
    "pack_commit:sep_benchmark_2025-26_Q1_cy.xlsx",  # Q1's CSV in place, its workbooks not
    "pack_file:bodies/*",  # Q2's per-body workbooks, written the first time
    "pack_commit:bodies/MGNPA_benchmark_2025-26_Q2_en.xlsx",  # half of them in place
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        w = World(tmp_path_factory.mktemp("kills"), mp)
        yield w
        w.close()


def kill_then_complete(world: World, point: str) -> None:
    world.restore()
    pause_dir = world.base / "pause"
    proc = start_run(point, pause_dir)
    assert fnmatchcase(held(proc, pause_dir), point)
    kill(proc)
    assert_consistent(world.cfg.warehouse_url)
    assert_readable_packs(world.cfg.outputs_dir / "packs")
    run_pending()
    assert_same(outcome(world.cfg), world.clean)


def test_the_clean_run_published_the_resubmission(world):
    """The reference itself: CLCT's corrected Q1 current, MGNPA's Q2 published, nothing owed."""
    subs = world.clean["submissions"]
    assert [(s[2], s[4]) for s in subs if s[0] == "CLCT"] == [
        ("CLCT_2025-26_Q1.xlsx", "superseded"), ("CLCT_Q1_v2.xlsx", "accepted")]
    assert world.clean["queued"] == [] and world.clean["out_of_date"] == []
    assert {k for k in world.clean["packs"] if k.startswith("2025-26_Q2/bodies/")} == {
        "2025-26_Q2/bodies/MGNPA_benchmark_2025-26_Q2_cy.xlsx",
        "2025-26_Q2/bodies/MGNPA_benchmark_2025-26_Q2_en.xlsx"}
    assert "2025-26_Q1/bodies/OUT_OF_DATE.txt" in world.clean["packs"]
    assert all(s[10] == "written" for s in subs if s[4] != "duplicate")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_inside_each_step_then_a_run_publishes_what_a_clean_run_does(world, point):
    kill_then_complete(world, point)


def test_the_sensor_finishes_what_a_killed_run_left(world):
    """Killed after recording CLCT's correction, before its feedback: the sensor's ticks start
    the runs that deliver the feedback, load MGNPA's queued Q2 and publish both quarters; run
    as the daemon would run them, they leave what a clean run leaves."""
    import dagster as dg

    from sep_pipeline.definitions import SepConfig, defs, intake_sensor

    world.restore()
    pause_dir = world.base / "pause"
    proc = start_run("feedback:CLCT_Q1_v2.xlsx", pause_dir)
    held(proc, pause_dir)
    kill(proc)
    instance = dg.DagsterInstance.get()
    cursor, jobs = None, []
    for _ in range(6):
        ctx = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"sep": SepConfig()}, definitions=defs)
        result = intake_sensor(ctx)
        cursor = result.cursor
        if not result.run_requests:
            break
        for req in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions("body", list(req.partition_keys))
        for req in result.run_requests:
            jobs.append((req.job_name, req.partition_key))
            defs.resolve_job_def(req.job_name).execute_in_process(
                instance=instance, partition_key=req.partition_key, tags=req.tags,
                run_config=req.run_config, asset_selection=req.asset_selection)
    assert ("deliver_feedback", None) in jobs and ("partnership_quarter", "2025-26 Q1") in jobs
    assert ("partnership_quarter", "2025-26 Q2") in jobs
    assert_same(outcome(world.cfg), world.clean)


def test_report_publishes_an_out_of_date_quarter_from_the_warehouse(world):
    """Killed while Q1's figures were being written: `report` brings them up to date (not
    just redraws the pack from stale tables)."""
    from sep_pipeline.runner import report

    world.restore()
    pause_dir = world.base / "pause"
    proc = start_run("figures:2025-26 Q1", pause_dir)
    held(proc, pause_dir)
    kill(proc)
    report("2025-26 Q1", None, "both")
    got = outcome(world.cfg)
    for table in ("pay_gap", "benchmark", "benchmark_position"):
        q1 = [r for r in world.clean[table] if r[0] == "2025-26 Q1"]
        assert [r for r in got[table] if r[0] == "2025-26 Q1"] == q1 and q1, table
    for name in ("sep_benchmark_2025-26_Q1_en.xlsx", "sep_benchmark_2025-26_Q1_cy.xlsx",
                 "csv/W1.csv", "csv/pay_gap.csv"):
        assert got["packs"][f"2025-26_Q1/{name}"] == world.clean["packs"][f"2025-26_Q1/{name}"]
    assert "2025-26_Q1/bodies/OUT_OF_DATE.txt" not in got["packs"]  # rewritten: current
