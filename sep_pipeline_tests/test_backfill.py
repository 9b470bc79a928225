"""A backfill as an analyst starts it from the UI ("Materialize" over several body x quarter
partitions), run for real by `dagster-daemon` on the test's own instance: one partition has a
return, the other has nothing submitted, and the backfill ends a success (issue 19, part 2)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.utils import make_new_backfill_id

from sep_pipeline.definitions import defs
from sep_pipeline.defs.partitions import RETURNS, apply_partition_requests
from sep_pipeline.runner import run_pending
from sep_pipeline_tests.isolation import isolate

ROOT = Path(__file__).resolve().parents[1]
FILLED, EMPTY = "CLCT|2025-26 Q1", "TCG|2025-26 Q1"  # Dagster's keys: body|period


def test_a_backfill_over_a_partition_with_nothing_submitted_is_a_success(tmp_path, monkeypatch):
    cfg = isolate(monkeypatch, tmp_path)
    target = cfg.intake_dir / "CLCT" / "CLCT_2025-26_Q1.xlsx"
    target.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "data_raw" / "CLCT" / target.name, target)
    assert [r.status for r in run_pending()] == ["accepted"]

    instance = dg.DagsterInstance.get()
    apply_partition_requests(instance)  # as the sensor keeps them (run_pending did too)
    graph = defs.resolve_asset_graph()
    selection = [k for k in graph.get_all_asset_keys()
                 if graph.get(k).partitions_def == RETURNS]
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=make_new_backfill_id(), asset_graph=graph, partition_names=[FILLED, EMPTY],
        asset_selection=selection, backfill_timestamp=time.time(), tags={},
        dynamic_partitions_store=instance, all_partitions=False, title=None, description=None,
        run_config=None)
    instance.add_backfill(backfill)

    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=ROOT, env={**os.environ, "GRPC_ENABLE_FORK_SUPPORT": "false",
                       "SEP_SENSOR_INTERVAL": "3600"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status = instance.get_backfill(backfill.backfill_id).status
            if status not in (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING):
                break
            time.sleep(1)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        log = daemon.communicate(timeout=60)[0].decode(errors="replace")
    assert status == BulkActionStatus.COMPLETED_SUCCESS, log[-3000:]

    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill.backfill_id}))
    assert sorted(r.tags["dagster/partition"] for r in runs) == sorted([FILLED, EMPTY])
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    # The empty partition's tables say why nothing was loaded; the filled one is unchanged.
    for partition, why in ((EMPTY, "nothing submitted"), (FILLED, "unchanged")):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("workforce"),
                                  asset_partitions=[partition]), limit=1).records
        metadata = records[0].asset_materialization.metadata
        assert metadata["loaded"].value is False and metadata["why"].value == why, partition
