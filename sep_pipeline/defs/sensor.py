"""The intake sensor: takes ready files in and starts a run for each, and starts the runs that
publish out-of-date figures and packs and deliver feedback still owed (every job of the flow,
so it sits above the asset groups)."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
import json
import os
import time
from datetime import timedelta

import dagster as dg

from ..common.writer_lock import writer_lock
from ..intake import folder as intake
from ..intake import ingest as steps
from ..warehouse import tables as warehouse
from .intake import deliver_feedback, unroutable_return
from .partitions import known_periods, partition_requests
from .partnership import annual_job, partnership_job, publication_run
from .shared import FEEDBACK_TAG, FILE_TAG, PUBLISH_TAG, RECEIPT_TAG, SHA_TAG, SepConfig
from .warehouse import ingest_job

RETRY_AFTER = timedelta(minutes=10)  # a run that failed is not requested again sooner


def _may_request(instance: dg.DagsterInstance, tag: str, value: str) -> tuple[bool, int]:
    """(whether a run tagged `tag=value` may be requested now, how many there were): not while
    one is queued or running, nor within RETRY_AFTER of one that failed."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={tag: value}), limit=20)
    for run in runs:
        if not run.is_finished:
            return False, len(runs)
    if runs and runs[0].status == dg.DagsterRunStatus.FAILURE:
        record = instance.get_run_record_by_id(runs[0].run_id)
        ended = record.end_time if record is not None else None
        if ended is not None and time.time() - ended < RETRY_AFTER.total_seconds():
            return False, len(runs)
    return True, len(runs)


@dg.sensor(
    jobs=[ingest_job, unroutable_return, partnership_job, annual_job, deliver_feedback],
    # Two looks at a stable file are two ticks apart: 30 s by default.
    minimum_interval_seconds=int(os.environ.get("SEP_SENSOR_INTERVAL", "30")),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches SEP_INTAKE_DIR/<BODY>/: a file whose size and modification time are "
    "stable across two looks is copied into the archive and queued, and one run is started per "
    "queued file (again, after a pause, if its run failed). Lock files (~$...), temporary files "
    "and the feedback/ folders are ignored; an identical file sent again is recorded as a "
    "duplicate. It also starts the runs that publish out-of-date figures and packs and deliver "
    "feedback still owed, so whatever a failed run left undone gets done.",
)
def intake_sensor(context: dg.SensorEvaluationContext, sep: SepConfig) -> dg.SensorResult:
    cfg = sep.settings()
    looks = json.loads(context.cursor)["looks"] if context.cursor else {}
    now, not_taken = intake.survey(cfg.intake_dir)
    cursor = json.dumps({"looks": {str(c.path): list(c.look) for c in now}})
    ready = intake.stable(now, {k: tuple(v) for k, v in looks.items()})
    engine = sep.engine()
    instance = context.instance
    runs: list[dg.RunRequest] = []
    # The partitions are the registry's and the calendar's, never a folder's or a file's.
    partitions = partition_requests(instance)
    with writer_lock(cfg, wait=False) as free:
        if not free:
            return dg.SensorResult(skip_reason="Another run is writing: the intake folder is "
                                   "looked at again on the next tick.", cursor=context.cursor)
        steps.take_in_ready(ready, engine, cfg, not_taken)
        steps.tell_not_taken(not_taken, cfg)
        steps.clear_leftovers(cfg)
        known = set(known_periods())
        with engine.connect() as conn:
            pending = [(r, steps.action(r, conn, known))
                       for r in warehouse.pending_receipts(conn)]
            stale = warehouse.out_of_date(conn)
            owed = bool(warehouse.feedback_due(conn))
        for r, what in pending:
            if what == "duplicate":
                steps.record_duplicate(engine, r, cfg)
                continue
            may, tries = _may_request(instance, RECEIPT_TAG, str(r.receipt_id))
            if not may:
                continue
            tags = {RECEIPT_TAG: str(r.receipt_id), FILE_TAG: r.file_name, SHA_TAG: r.file_sha256}
            key = f"{r.body_code}|{r.period}|{r.file_sha256}|{r.receipt_id}|{tries}"
            if what == "ingest":
                runs.append(dg.RunRequest(
                    run_key=key, job_name=ingest_job.name, tags=tags,
                    partition_key=dg.MultiPartitionKey({"period": r.period, "body": r.body_code})))
            else:
                runs.append(dg.RunRequest(
                    run_key=key, job_name=unroutable_return.name, tags=tags,
                    run_config={"ops": {"reject_unroutable_return": {"config": {
                        "receipt": r.receipt_id}}}}))
        for state in stale:
            may, tries = _may_request(instance, PUBLISH_TAG, state.period)
            planned = publication_run(state, cfg, engine) if may else None
            if planned is not None:
                job, keys = planned
                runs.append(dg.RunRequest(
                    run_key=f"publish|{state.period}|{state.version}|{tries}", job_name=job,
                    partition_key=state.period, asset_selection=keys,
                    tags={PUBLISH_TAG: state.period}))
        if owed:
            may, tries = _may_request(instance, FEEDBACK_TAG, "owed")
            if may:
                runs.append(dg.RunRequest(run_key=f"feedback|{tries}",
                                          job_name=deliver_feedback.name,
                                          tags={FEEDBACK_TAG: "owed"}))
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=partitions,
        cursor=cursor,
    )


defs = dg.Definitions(sensors=[intake_sensor])
