"""Each run's outcome at a glance (run tag, check), re-runs that change nothing, and bodies from
the registry only: the real Dagster definitions materialised in-process on a real instance."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from sep_pipeline.definitions import defs
from sep_pipeline.defs.partitions import apply_partition_requests
from sep_pipeline.defs.shared import FILE_TAG, OUTCOME_TAG, RECEIPT_TAG, SepConfig
from sep_pipeline.intake import ingest, read_ahead
from sep_pipeline.runner import run_pending
from sep_pipeline.standard.periods import Period
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.postgres import throwaway_database

SAMPLES = Path(__file__).resolve().parents[1] / "data_raw"
Q1 = "2025-26 Q1"


@pytest.fixture
def env(tmp_path, monkeypatch):
    return isolate(monkeypatch, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_env(request, tmp_path, monkeypatch):
    """The laptop's SQLite warehouse, and a shared PostgreSQL one (rows read back through
    another driver's types)."""
    if request.param == "sqlite":
        yield isolate(monkeypatch, tmp_path)
        return
    with throwaway_database() as url:
        yield isolate(monkeypatch, tmp_path, url, key="test-key")
        warehouse.engine(url).dispose()


def drop(cfg, body: str, name: str | None = None, broken: bool = False) -> Path:
    target = cfg.intake_dir / body / (name or f"{body}_2025-26_Q1.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLES / body / f"{body}_2025-26_Q1.xlsx", target)
    if broken:
        wb = load_workbook(target)
        wb["Workforce"]["F2"] = "not a sex"
        wb.save(target)
    return target


def snapshot(cfg) -> dict[str, list[tuple]]:
    """Every warehouse table's full contents."""
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
                for t in warehouse.metadata.sorted_tables}


def ingest_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """The ingest runs, oldest first."""
    return list(reversed(instance.get_runs(filters=dg.RunsFilter(job_name="ingest_return"))))


def rerun(instance: dg.DagsterInstance, body: str, tags: dict[str, str] | None = None,
          period: str = Q1) -> dg.ExecuteInProcessResult:
    """A re-run or backfill of a partition from the UI (no file: the archive is re-read)."""
    return defs.resolve_job_def("ingest_return").execute_in_process(
        instance=instance, tags=tags or {}, raise_on_error=False,
        partition_key=dg.MultiPartitionKey({"period": period, "body": body}))


def check_result(instance: dg.DagsterInstance, run_id: str):
    """The evaluation of validated_return's `return_accepted` check in a run."""
    (event,) = [e for e in instance.all_logs(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if e.dagster_event.event_specific_data.check_name == "return_accepted"]
    return event.dagster_event.event_specific_data


def first_error(cfg) -> str:
    """The first error recorded in the warehouse (English)."""
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        return conn.execute(sa.text("select message from validation_issues where severity = "
                                    "'error' order by issue_id")).scalars().first()


def test_each_run_is_tagged_with_its_outcome_and_a_rejection_fails_a_warn_check(env):
    drop(env, "CLCT", broken=True)
    drop(env, "MGNPA")
    run_pending()
    instance = dg.DagsterInstance.get()
    by_body = {r.tags[FILE_TAG].split("_")[0]: r for r in ingest_runs(instance)}
    assert by_body["CLCT"].tags[OUTCOME_TAG] == "rejected"
    assert by_body["MGNPA"].tags[OUTCOME_TAG] == "accepted"
    assert by_body["CLCT"].status == dg.DagsterRunStatus.SUCCESS  # a normal outcome...
    # ... that the runs list finds by its tag
    (found,) = instance.get_runs(filters=dg.RunsFilter(tags={OUTCOME_TAG: "rejected"}))
    assert found.run_id == by_body["CLCT"].run_id
    rejected = check_result(instance, by_body["CLCT"].run_id)
    assert not rejected.passed and rejected.severity == dg.AssetCheckSeverity.WARN
    assert rejected.description.splitlines()[0] == f"Workforce F2: {first_error(env)}"
    assert rejected.metadata["errors"].value >= 1
    accepted = check_result(instance, by_body["MGNPA"].run_id)
    assert accepted.passed and not accepted.description
    # The validated_return metadata is as it was, with the outcome beside it.
    event = instance.get_latest_materialization_event(dg.AssetKey("validated_return"))
    assert {"status", "errors", "warnings", "issues_by_code", "outcome"} <= set(
        event.asset_materialization.metadata)

    # The unroutable job is tagged too.
    legacy = env.intake_dir / "TCG" / "our return.xlsx"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    run_pending()
    (unroutable,) = instance.get_runs(filters=dg.RunsFilter(job_name="unroutable_return"))
    assert unroutable.tags[OUTCOME_TAG] == "rejected"


def test_the_same_bytes_under_another_name_run_as_a_duplicate(env):
    """Two copies sent at once: the sensor starts a run for each; the one recorded second is a
    duplicate (recorded as such, nothing else changes). A copy sent after the first was
    recorded is recorded as a duplicate by the sensor itself, without a run."""
    from sep_pipeline.defs.sensor import intake_sensor

    drop(env, "CLCT")
    drop(env, "CLCT", name="CLCT_copy.xlsx")
    instance = dg.DagsterInstance.get()
    ctx = dg.build_sensor_context(instance=instance, resources={"sep": SepConfig()},
                                  definitions=defs)
    ctx.update_cursor(intake_sensor(ctx).cursor)
    result = intake_sensor(ctx)
    apply_partition_requests(instance, result.dynamic_partitions_requests)  # as the daemon does
    outcomes, before = [], None
    for req in result.run_requests:
        before = snapshot(env)
        done = defs.resolve_job_def(req.job_name).execute_in_process(
            instance=instance, partition_key=req.partition_key, tags=req.tags)
        outcomes.append(instance.get_run_by_id(done.run_id).tags[OUTCOME_TAG])
    assert outcomes == ["accepted", "duplicate"]
    after = snapshot(env)
    assert [s for _, s in snapshot_status(env)] == ["accepted", "duplicate"]
    for table in [*warehouse.DATA_TABLES, "publications"]:
        assert after[table] == before[table], table


def test_re_materialising_a_partition_changes_no_row_anywhere(any_env):
    env = any_env
    for body in ("CLCT", "MGNPA"):
        drop(env, body)
    run_pending()  # accepted, loaded, figures and pack published
    instance = dg.DagsterInstance.get()
    before = snapshot(env)
    assert len(before["submissions"]) == 2 and before["publications"]
    for _ in range(2):  # a backfill, then a re-run from the UI
        result = rerun(instance, "CLCT")
        assert result.success
        assert instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG] == "unchanged"
        assert snapshot(env) == before
    # A re-execution of the sensor's run keeps its receipt tag: that file is recorded already.
    (first, *_) = ingest_runs(instance)
    again = rerun(instance, first.tags[FILE_TAG].split("_")[0],
                  {k: v for k, v in first.tags.items() if k.startswith("sep/")
                   and k != OUTCOME_TAG})
    assert again.success and RECEIPT_TAG in first.tags
    assert instance.get_run_by_id(again.run_id).tags[OUTCOME_TAG] == "unchanged"
    assert snapshot(env) == before
    # Nothing loaded: each table's output says so (a backfill counts a missing one as failed).
    tables = {e.asset_key.to_user_string(): e.materialization.metadata
              for e in again.get_asset_materialization_events()}
    assert "validated_return" in tables
    assert tables["workforce"]["loaded"].value is False
    assert tables["workforce"]["why"].value == "unchanged"


def test_a_rejected_file_sent_after_the_current_one_re_runs_unchanged(env):
    """A re-run re-reads the current return (not the rejected file sent after it); a partition
    with only a rejected return re-validates it and records nothing new, its check failing."""
    drop(env, "CLCT")
    drop(env, "CLCT", name="CLCT_v2.xlsx", broken=True)
    drop(env, "MGNPA", broken=True)
    run_pending()
    instance = dg.DagsterInstance.get()
    before = snapshot(env)
    assert sorted(r[-1] for r in snapshot_status(env)) == ["accepted", "rejected", "rejected"]
    for body in ("CLCT", "MGNPA"):
        result = rerun(instance, body)
        assert result.success
        assert instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG] == "unchanged", body
    assert not check_result(instance, result.run_id).passed  # MGNPA's return is still rejected
    assert snapshot(env) == before


def snapshot_status(cfg) -> list[tuple]:
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select body_code, status from submissions order by submission_id"))]


def test_a_backfill_after_a_methodology_change_reloads_the_archived_file(any_env, monkeypatch):
    """README: backfills re-read the archive. When the same bytes now give other rows (here:
    standardising drops a row), the file is recorded again and its quarter is republished."""
    env = any_env
    drop(env, "CLCT")
    run_pending()
    instance = dg.DagsterInstance.get()
    with warehouse.engine(env.warehouse_url).connect() as conn:
        version = warehouse.publication(conn, Q1).version
        staff = conn.execute(sa.text("select count(*) from workforce")).scalar_one()
    real = read_ahead.standardise

    def changed(tables, **kw):
        out = real(tables, **kw)
        out["workforce"] = out["workforce"].iloc[:-1]
        return out

    monkeypatch.setattr(read_ahead, "standardise", changed)
    result = rerun(instance, "CLCT")
    assert result.success
    assert instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG] == "accepted"
    assert [s for _, s in snapshot_status(env)] == ["superseded", "accepted"]
    with warehouse.engine(env.warehouse_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from workforce")).scalar_one() == staff - 1
        assert warehouse.publication(conn, Q1).version == version + 1  # figures out of date
    # ... and once reloaded, the next backfill changes nothing.
    before = snapshot(env)
    again = rerun(instance, "CLCT")
    assert instance.get_run_by_id(again.run_id).tags[OUTCOME_TAG] == "unchanged"
    assert snapshot(env) == before


def test_a_warning_that_differs_on_a_re_run_is_not_a_change(env, monkeypatch):
    """The cross-quarter headcount warning depends on the previous quarter, which may have been
    resubmitted since: the rows are the same, so nothing is recorded again."""
    from sep_pipeline.standard.issues import Issue

    drop(env, "CLCT")
    run_pending()
    before = snapshot(env)
    real = read_ahead.validate_workbook

    def with_a_warning(*args, **kw):
        result = real(*args, **kw)
        result.issues.append(Issue("warning", "warn.headcount_change", "Changed.", "-"))
        return result

    monkeypatch.setattr(read_ahead, "validate_workbook", with_a_warning)
    instance = dg.DagsterInstance.get()
    result = rerun(instance, "CLCT")
    assert instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG] == "unchanged"
    assert snapshot(env) == before


def test_a_body_not_in_the_registry_is_refused_and_nothing_is_written(env):
    drop(env, "CLCT")
    run_pending()
    instance = dg.DagsterInstance.get()
    typo = env.intake_dir / "CLTC" / "CLCT_2025-26_Q1.xlsx"
    typo.parent.mkdir()
    shutil.copyfile(SAMPLES / "CLCT" / "CLCT_2025-26_Q1.xlsx", typo)
    archive = sorted(env.archive_dir.rglob("*"))
    before = snapshot(env)
    instance.add_dynamic_partitions("body", ["CLTC"])  # the UI's "Add a partition"
    for tags in ({}, {FILE_TAG: str(typo)}):
        result = rerun(instance, "CLTC", tags)
        assert not result.success
        (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        message = failure.event_specific_data.user_failure_data.description
        assert "'CLTC' is not a body in the registry" in message
        assert "add its row to the registry" in message
        assert snapshot(env) == before
        assert sorted(env.archive_dir.rglob("*")) == archive
    assert OUTCOME_TAG not in instance.get_run_by_id(result.run_id).tags


def test_the_sensor_keeps_the_partitions_equal_to_the_registry_and_the_calendar(env):
    """Bodies are the registry's; quarters and years run from the registry's first quarter to
    today's, one more as each starts, without reloading the definitions. Keys typed into the
    UI that are neither are deleted; a quarter before the registry's first stays (its history)."""
    from sep_pipeline.defs.partitions import known_periods, partition_requests
    from sep_pipeline.defs.sensor import intake_sensor
    from sep_pipeline.warehouse.registry import load

    today = date.today()
    first = Period.parse(known_periods(today)[0])
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("body", ["CLCT", "CLTC"])
    instance.add_dynamic_partitions("period", ["2025-26 Q5", first.previous().label,
                                               first.label, "Q1 2025-26"])
    instance.add_dynamic_partitions("year", [f"{today.year + 5}-{(today.year + 6) % 100:02d}"])
    ctx = dg.build_sensor_context(instance=instance, resources={"sep": SepConfig()},
                                  definitions=defs)
    result = intake_sensor(ctx)
    asked = {(r.partitions_def_name, type(r).__name__[:3]): list(r.partition_keys)
             for r in result.dynamic_partitions_requests}
    quarters, years = [], []
    p = first
    while p.start <= today:
        quarters.append(p.label)
        years += [p.year_label] if p.year_label not in years else []
        p = p.next()
    assert asked == {
        ("body", "Add"): sorted(set(load()) - {"CLCT"}), ("body", "Del"): ["CLTC"],
        ("period", "Add"): quarters[1:], ("period", "Del"): ["2025-26 Q5", "Q1 2025-26"],
        ("year", "Add"): years, ("year", "Del"): [f"{today.year + 5}-{(today.year + 6) % 100:02d}"],
    }
    apply_partition_requests(instance, result.dynamic_partitions_requests)
    assert intake_sensor(ctx).dynamic_partitions_requests == []
    # The calendar moves on: the next quarter (and, at a Q1, its year) is added the day it starts.
    nxt = Period.parse(quarters[-1]).next()
    assert partition_requests(instance, nxt.start - timedelta(days=1)) == []
    grown = {(r.partitions_def_name, type(r).__name__[:3]): list(r.partition_keys)
             for r in partition_requests(instance, nxt.start)}
    assert grown == {("period", "Add"): [nxt.label],
                     **({("year", "Add"): [nxt.year_label]} if nxt.quarter == 1 else {})}


def test_a_period_the_pipeline_does_not_take_is_refused_and_nothing_is_written(env):
    """A quarter typed into the UI ("Add a partition") that has not started: every asset of it
    fails saying why, before anything is written."""
    from sep_pipeline.defs.partitions import known_periods, known_years

    drop(env, "CLCT")
    run_pending()
    instance = dg.DagsterInstance.get()
    future = Period.parse(known_periods()[-1]).next()
    next_year = Period(future.year + 1, 1).year_label
    instance.add_dynamic_partitions("period", [future.label])
    instance.add_dynamic_partitions("year", [next_year])
    before = snapshot(env)
    runs = [(rerun(instance, "CLCT", period=future.label), future.label, known_periods())]
    for job, key, known in (("partnership_quarter", future.label, known_periods()),
                            ("partnership_year", next_year, known_years())):
        runs.append((defs.resolve_job_def(job).execute_in_process(
            instance=instance, partition_key=key, raise_on_error=False), key, known))
    for result, key, known in runs:
        assert not result.success
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert failures[0].event_specific_data.user_failure_data.description == (
            f"'{key}' is not a period the pipeline takes ({known[0]} to {known[-1]}), so "
            "nothing was run or written for it. The periods follow the calendar and the "
            "registry: the intake sensor adds each quarter when it starts.")
    assert snapshot(env) == before
    assert not (env.outputs_dir / future.label).exists()


def test_first_errors_are_located_as_the_partner_sees_them():
    from sep_pipeline.standard.issues import Issue

    issues = [Issue("warning", "w", "Only a warning.", "-"),
              *(Issue("error", "e", f"Error {n}.", "-", sheet="Workforce", cell=f"F{n}")
                for n in range(2, 7)),
              Issue("error", "e", "Whole file.", "-")]
    assert ingest.first_errors(issues).splitlines() == [
        "Workforce F2: Error 2.", "Workforce F3: Error 3.", "Workforce F4: Error 4.",
        "... and 3 more error(s)"]
    assert ingest.first_errors(issues[-1:]) == "Whole file."
