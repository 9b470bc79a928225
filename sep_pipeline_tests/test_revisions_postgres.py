"""The finalise -> late resubmission -> revisions round trip on a real PostgreSQL warehouse (a
throwaway database; fails in CI when the server is unreachable), finalised by the after-deadline
schedule once coverage is met. In a file of its own so it runs beside the SQLite one."""

from __future__ import annotations

from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.postgres import throwaway_database
from sep_pipeline_tests.test_revisions import round_trip


def test_finalise_then_a_late_resubmission_is_logged_and_marked_on_postgres(tmp_path,
                                                                           monkeypatch):
    with throwaway_database() as url:
        round_trip(isolate(monkeypatch, tmp_path, url, key="test-key"), monkeypatch)
        warehouse.engine(url).dispose()
