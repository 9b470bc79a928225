"""test_kills.py on a PostgreSQL warehouse, reached through a local proxy the test can close:
a kill inside each step of a run, or the connection lost inside a transaction, or refused, and
then a completed run publishes exactly what a clean run on the same files does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import (
    Proxy,
    World,
    assert_consistent,
    assert_plain,
    assert_readable_packs,
    assert_same,
    finish,
    go,
    held,
    outcome,
    start_run,
)
from sep_pipeline_tests.postgres import ADMIN_URL, require_postgres
from sep_pipeline_tests.test_kills import KILL_POINTS, kill_then_complete


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_postgres()
    url = sa.make_url(ADMIN_URL)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    with pytest.MonkeyPatch.context() as mp:
        w = World(tmp_path_factory.mktemp("kills_pg"), mp, ADMIN_URL, via_port=proxy.port)
        w.proxy = proxy
        yield w
        w.close()
    proxy.close()


def test_the_clean_runs_are_those_on_sqlite(world):
    resub = world.clean["resubmission"]
    assert [(s[2], s[4]) for s in resub["submissions"] if s[0] == "CLCT"] == [
        ("CLCT_2025-26_Q1.xlsx", "superseded"), ("CLCT_Q1_v2.xlsx", "accepted")]
    for clean in world.clean.values():
        assert clean["queued"] == [] and clean["out_of_date"] == []
        assert len(clean["benchmark"]) > 1000


# The steps that write the warehouse (receipts, the current return, the figures, the
# publication's version): the steps that write files only run the same code on both
# warehouses, and test_kills.py kills them all.
ON_THE_WAREHOUSE = [(scenario, point) for scenario, point in KILL_POINTS
                    if point.split(":")[0] in ("archive", "warehouse", "figures")
                    or point == "pack_commit:sep_benchmark_2025-26_Q1_cy.xlsx"]


@pytest.mark.parametrize(("scenario", "point"), ON_THE_WAREHOUSE,
                         ids=[point for _, point in ON_THE_WAREHOUSE])
def test_a_kill_inside_each_step_then_a_run_publishes_what_a_clean_run_does(world, scenario,
                                                                           point):
    kill_then_complete(world, scenario, point)


@pytest.mark.parametrize("point", [
    "warehouse:CLCT_Q1_v2.xlsx",  # inside the transaction that makes the return current
    "figures:2025-26 Q1",  # inside the transaction that writes the figures
])
def test_a_lost_database_fails_the_run_plainly_and_the_next_run_completes(world, point):
    world.restore("resubmission")
    pause_dir = world.pause_dir
    proc = start_run(point, pause_dir)
    held(proc, pause_dir)
    world.proxy.cut()
    go(pause_dir)
    code, out = finish(proc)
    world.proxy.restore()
    assert code == 1, out
    assert_plain(out, "warehouse database", "run `sep-pipeline run` again")
    assert_consistent(world.cfg.warehouse_url)
    assert_readable_packs(world.cfg.outputs_dir / "packs")
    run_pending()
    assert_same(outcome(world.cfg), world.clean["resubmission"])


def test_a_refused_database_says_so_and_changes_nothing(world):
    world.restore("resubmission")
    world.proxy.cut()
    try:
        code, out = finish(start_run(None, world.pause_dir))
    finally:
        world.proxy.restore()
    assert code == 1, out
    assert_plain(out, "Cannot reach the warehouse database", "connection refused")
    run_pending()
    assert_same(outcome(world.cfg), world.clean["resubmission"])
