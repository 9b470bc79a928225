"""test_kills.py on a PostgreSQL warehouse: a kill inside each step of a run, then a completed
run publishes exactly what a clean run on the same files does."""

from __future__ import annotations

import pytest

from sep_pipeline_tests.faults import World
from sep_pipeline_tests.postgres import ADMIN_URL, require_postgres
from sep_pipeline_tests.test_kills import KILL_POINTS, kill_then_complete


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_postgres()
    with pytest.MonkeyPatch.context() as mp:
        w = World(tmp_path_factory.mktemp("kills_pg"), mp, ADMIN_URL)
        yield w
        w.close()


def test_the_clean_run_is_the_same_as_on_sqlite(world):
    subs = world.clean["submissions"]
    assert [(s[2], s[4]) for s in subs if s[0] == "CLCT"] == [
        ("CLCT_2025-26_Q1.xlsx", "superseded"), ("CLCT_Q1_v2.xlsx", "accepted")]
    assert world.clean["queued"] == [] and world.clean["out_of_date"] == []
    assert len(world.clean["benchmark"]) > 1000


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_inside_each_step_then_a_run_publishes_what_a_clean_run_does(world, point):
    kill_then_complete(world, point)
