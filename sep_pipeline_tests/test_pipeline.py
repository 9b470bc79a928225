"""The Dagster pipeline end to end, in-process, on real sample returns in a temporary intake."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from sep_pipeline import cli
from sep_pipeline.common.config import settings
from sep_pipeline.definitions import defs
from sep_pipeline.defs.partitions import apply_partition_requests
from sep_pipeline.defs.partnership import (
    annual_after_q4_deadline,
    due_period,
    quarterly_after_deadline,
)
from sep_pipeline.defs.sensor import intake_sensor
from sep_pipeline.defs.shared import FILE_TAG, OUTCOME_TAG, RECEIPT_TAG, SHA_TAG, SepConfig
from sep_pipeline.publish import figures as publish
from sep_pipeline.runner import run_pending
from sep_pipeline.standard.periods import Period
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate, rows

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_raw"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A private intake folder, data folder, warehouse and Dagster instance."""
    return isolate(monkeypatch, tmp_path)


def drop(cfg, body: str, quarter: int, name: str | None = None) -> Path:
    src = SAMPLES / body / f"{body}_2025-26_Q{quarter}.xlsx"
    target = cfg.intake_dir / body / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target


def statuses(cfg) -> list[tuple]:
    return rows(cfg, "select body_code, period, file_name, status from submissions "
                     "order by submission_id")


def staff_refs(path: Path) -> set[str]:
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python()
        for i, row in enumerate(data[:10]):
            if any(str(c).strip().lower() in ("staff reference", "staff_ref", "cyfeirnod staff",
                                             "employee number") for c in row):
                col = next(j for j, c in enumerate(row) if str(c).strip().lower() in (
                    "staff reference", "staff_ref", "cyfeirnod staff", "employee number"))
                return {str(int(r[col]) if isinstance(r[col], float) else r[col]).strip()
                        for r in data[i + 1:] if r[col] not in ("", None)}
    raise AssertionError("no staff reference column")


def assert_consistent(cfg) -> None:
    """What any interrupted run must leave: at most one current return per body x quarter, and
    every row belongs to it."""
    dupes = rows(cfg, "select body_code, period, count(*) from submissions where status = "
                      "'accepted' group by body_code, period having count(*) > 1")
    assert dupes == []
    for table in warehouse.DATA_TABLES:
        stray = rows(cfg, f"select count(*) from {table} t where not exists (select 1 from "
                          "submissions s where s.submission_id = t.submission_id and "
                          "s.status = 'accepted')")
        assert stray == [(0,)], table


def test_definitions_validate_from_the_workspace():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
         "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_asset_graph_reads_like_the_flow():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_return", "validated_return", "workforce", "actions",
            "quarter_submissions"} <= keys
    assert graph.get(dg.AssetKey("validated_return")).parent_keys == {dg.AssetKey("raw_return")}
    assert dg.AssetKey("validated_return") in graph.get(dg.AssetKey("workforce")).parent_keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.group_name and node.owners, key


def test_run_takes_samples_from_intake_to_warehouse(env):
    for q in (1, 2):
        drop(env, "CLCT", q)
    drop(env, "MGNPA", 1)
    results = run_pending()
    assert sorted((r.body, r.period, r.status) for r in results) == [
        ("CLCT", "2025-26 Q1", "accepted"), ("CLCT", "2025-26 Q2", "accepted"),
        ("MGNPA", "2025-26 Q1", "accepted")]
    # Every row of the sample is in the warehouse, under its body and quarter.
    expected = len(staff_refs(SAMPLES / "MGNPA" / "MGNPA_2025-26_Q1.xlsx"))
    assert rows(env, "select count(*) from workforce where body_code = 'MGNPA'") == [(expected,)]
    assert rows(env, "select count(distinct period) from workforce where body_code = 'CLCT'") == [
        (2,)]
    # CLCT did not submit Procurement: no rows, so it reads as not submitted.
    assert rows(env, "select count(*) from procurement where body_code = 'CLCT'") == [(0,)]
    # Archived by content, with feedback beside the return.
    assert len(list(env.archive_dir.glob("*/*.xlsx"))) == 3
    fb = env.intake_dir / "CLCT" / "feedback" / "CLCT_2025-26_Q1_feedback.xlsx"
    assert load_workbook(fb).sheetnames[:2] == ["Summary", "Issues"]
    # Nothing to do the second time; the feedback folder is never read as a return.
    again = run_pending()
    assert {r.status for r in again} == {"done"} and len(again) == 3
    assert_consistent(env)
    # The partnership asset for the quarter saw both bodies.
    instance = dg.DagsterInstance.get()
    records = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=dg.AssetKey("quarter_submissions"), asset_partitions=["2025-26 Q1"]), limit=1)
    (record,) = records.records
    assert record.asset_materialization.metadata["bodies_accepted"].value == 2
    # The runs captured no stdout/stderr into files (runner.without_compute_logs).
    home = Path(os.environ["DAGSTER_HOME"])
    assert not [p for p in home.rglob("*") if "compute_logs" in p.parts and p.is_file()]


def test_a_second_run_shows_each_file_as_it_was_processed(env, monkeypatch):
    """"already processed" with the quarter, errors and warnings recorded for the file: a
    rejected file its own, a duplicate those of the file it repeats, an unreadable one none."""
    from rich.console import Console

    drop(env, "CLCT", 1)
    broken = drop(env, "CLCT", 1, name="CLCT_Q1_broken.xlsx")
    wb = load_workbook(broken)
    wb["Workforce"]["F2"] = "not a sex"
    wb.save(broken)
    drop(env, "CLCT", 1, name="CLCT_Q1_again.xlsx")
    unreadable = env.intake_dir / "TCG" / "our return.xlsx"
    unreadable.parent.mkdir(parents=True)
    unreadable.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # legacy .xls
    first = {r.file_name: (r.status, r.period, r.errors, r.warnings) for r in run_pending()}
    assert first == {
        "CLCT_2025-26_Q1.xlsx": ("accepted", "2025-26 Q1", 0, 1),
        "CLCT_Q1_broken.xlsx": ("rejected", "2025-26 Q1", 1, 1),
        "CLCT_Q1_again.xlsx": ("duplicate", "2025-26 Q1", 0, 0),
        "our return.xlsx": ("rejected", None, 1, 0)}
    again = {r.file_name: (r.status, r.period, r.errors, r.warnings, r.detail)
             for r in run_pending()}
    assert again == {
        "CLCT_2025-26_Q1.xlsx": ("done", "2025-26 Q1", 0, 1, ""),
        "CLCT_Q1_broken.xlsx": ("done", "2025-26 Q1", 1, 1, ""),
        "CLCT_Q1_again.xlsx": ("done", "2025-26 Q1", 0, 1,
                               "the same file as CLCT_2025-26_Q1.xlsx"),
        "our return.xlsx": ("done", None, 1, 0, "")}
    # The summary's rows, as the coordinator reads them.
    monkeypatch.setattr(cli, "console", Console(width=200, record=True))
    cli._print_run_summary(list(run_pending()), env)
    lines = [" ".join(line.replace("│", " ").split())
             for line in cli.console.export_text().splitlines()]
    assert ("CLCT 2025-26 Q1 CLCT_Q1_again.xlsx already processed: the same file as "
            "CLCT_2025-26_Q1.xlsx 0 1") in lines
    assert "CLCT 2025-26 Q1 CLCT_Q1_broken.xlsx already processed 1 1" in lines
    assert "TCG our return.xlsx already processed 1 0" in lines
    assert "4 files: 0 accepted, 0 rejected, 0 duplicate, 4 already processed." in lines


def test_run_leaves_a_file_still_being_copied_for_the_next_run(env, monkeypatch):
    """`run` looks twice, LOOK_INTERVAL apart (its set-up done in between), and takes only the
    files that did not change between the looks."""
    from sep_pipeline import runner

    done = drop(env, "CLCT", 1)
    growing = drop(env, "MGNPA", 1)
    looks: list[float] = []
    real_sleep, real_survey = time.sleep, runner.intake.survey

    def survey(intake_dir):
        looks.append(time.monotonic())
        return real_survey(intake_dir)

    def sleep(seconds: float) -> None:
        if len(looks) == 1:  # between the looks: the copy goes on
            with growing.open("ab") as f:
                f.write(b"\0")
        real_sleep(seconds)

    monkeypatch.setattr(runner.intake, "survey", survey)
    monkeypatch.setattr(runner.time, "sleep", sleep)
    results = run_pending()
    assert [(r.file_name, r.status) for r in results] == [(done.name, "accepted")]
    assert looks[1] - looks[0] >= runner.LOOK_INTERVAL
    monkeypatch.setattr(runner.time, "sleep", real_sleep)
    shutil.copyfile(SAMPLES / "MGNPA" / "MGNPA_2025-26_Q1.xlsx", growing)  # finished copying
    looks.clear()
    again = run_pending()  # (its set-up is quick now: the wait makes up the interval)
    assert sorted((r.file_name, r.status) for r in again) == [
        (done.name, "done"), (growing.name, "accepted")]
    assert looks[1] - looks[0] >= runner.LOOK_INTERVAL


def test_published_tables_for_the_samples(env):
    """Every table id is published, with the markers the rules call for."""
    for body in ("CLCT", "MGNPA"):
        drop(env, body, 1)
    run_pending()
    ids = {r[0] for r in rows(env, "select distinct table_id from benchmark "
                                   "where period = '2025-26 Q1'")}
    assert ids == {f"W{i}" for i in range(1, 12)} | {
        "P1", "P2", "R1", "D1", "C1", "A1", "E1", "E2", "PR1", "F1"}
    assert rows(env, "select count(*) from benchmark where value is not null "
                     "and marker is not null") == [(0,)]
    # CLCT did not send a Procurement sheet: its PR1 cells are [x], never 0.
    assert set(rows(env, "select value, marker from benchmark where period = '2025-26 Q1' "
                         "and table_id = 'PR1' and body_code = 'CLCT'")) == {(None, "[x]")}
    # A gap is published only when both groups have 10 people in the pay population.
    for body in ("CLCT", "MGNPA", "ALL"):
        where = "" if body == "ALL" else f"and body_code = '{body}'"
        counts = dict(rows(env, "select sex, count(*) from workforce where in_post_at_snapshot "
                                f"and full_pay_relevant and hourly_pay > 0 {where} group by sex"))
        (value, marker), = rows(env, "select value, marker from pay_gap where period = "
                                     f"'2025-26 Q1' and body_code = '{body}' and "
                                     "characteristic = 'sex' and metric = 'mean_hourly_gap'")
        reliable = counts.get("male", 0) >= 10 and counts.get("female", 0) >= 10
        assert (marker is None and value is not None) if reliable else marker == "[low]", body
    # No published count of 1 to 4 people in W1.
    small = rows(env, "select count(*) from benchmark where table_id = 'W1' and measure = "
                      "'headcount' and value > 0 and value < 5")
    assert small == [(0,)]
    # No annual tables yet: a year's are its Q4 snapshot and its four quarters' events.
    assert rows(env, "select count(*) from benchmark where period = '2025-26'") == [(0,)]
    drop(env, "CLCT", 4)
    run_pending()
    assert rows(env, "select count(*) > 0 from benchmark where period = '2025-26'") == [(1,)]


def test_no_raw_staff_reference_anywhere_in_the_warehouse(env):
    src = drop(env, "AAFRS", 1)  # staff refs are synonyms-headed ("Employee number")
    run_pending()
    raw = staff_refs(src)
    assert len(raw) > 100
    with warehouse.engine(env.warehouse_url).connect() as conn:
        for table in warehouse.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                assert not raw & {str(v) for v in row if v is not None}, table.name
    stored = {r[0] for r in rows(env, "select staff_ref from workforce")}
    assert len(stored) == len(raw) and all(len(s) == 64 for s in stored)


def test_resubmission_supersedes_and_rejected_resubmission_keeps_the_previous(env):
    drop(env, "CLCT", 1)
    run_pending()
    first = rows(env, "select count(*) from workforce")
    # A corrected file: same quarter, different content (one more staff row removed).
    fixed = drop(env, "CLCT", 1, name="CLCT_Q1_v2.xlsx")
    wb = load_workbook(fixed)
    ws = wb["Workforce"]
    ws.delete_rows(ws.max_row)
    wb.save(fixed)
    run_pending()
    assert [s[3] for s in statuses(env)] == ["superseded", "accepted"]
    assert rows(env, "select count(*) from workforce") == [(first[0][0] - 1,)]
    current_id = rows(env, "select submission_id from submissions where status='accepted'")
    # A broken resubmission is rejected and changes nothing that is current.
    broken = drop(env, "CLCT", 1, name="CLCT_Q1_v3.xlsx")
    wb = load_workbook(broken)
    wb["Workforce"]["F2"] = "not a sex"
    wb.save(broken)
    results = run_pending()
    assert [r.status for r in results if r.file_name == "CLCT_Q1_v3.xlsx"] == ["rejected"]
    assert [s[3] for s in statuses(env)] == ["superseded", "accepted", "rejected"]
    assert rows(env, "select submission_id from submissions where status='accepted'") == (
        current_id)
    assert rows(env, "select distinct submission_id from workforce") == current_id
    issues = rows(env, "select code, sheet, row, \"column\" from validation_issues v join "
                       "submissions s using (submission_id) where s.status='rejected'")
    assert ("value.code", "Workforce", 2, "Sex") in issues
    # The same content again under yet another name: recorded as a duplicate, nothing else.
    drop(env, "CLCT", 1, name="CLCT_Q1_again.xlsx")
    run_pending()
    assert statuses(env)[-1][2:] == ("CLCT_Q1_again.xlsx", "duplicate")
    assert rows(env, "select distinct submission_id from workforce") == current_id
    assert_consistent(env)


def test_a_resubmission_refreshes_the_partnership_pack_and_marks_body_workbooks(env):
    """After a resubmission `run` rewrites the figures and the partnership pack; the per-body
    workbooks (one per body and language) keep their files, marked out of date, until the
    quarterly run or `report` rewrites them."""
    from sep_pipeline.publish.pack import OUT_OF_DATE, pack_dir
    from sep_pipeline.runner import out_of_date_body_packs, report

    for body in ("CLCT", "MGNPA"):
        drop(env, body, 1)
    run_pending()
    folder = pack_dir(env.outputs_dir, "2025-26 Q1")
    bodies = sorted((folder / "bodies").glob("*.xlsx"))
    assert [p.name for p in bodies] == [f"{b}_benchmark_2025-26_Q1_{lg}.xlsx"
                                        for b in ("CLCT", "MGNPA") for lg in ("cy", "en")]
    assert out_of_date_body_packs(env) == []
    partnership = folder / "sep_benchmark_2025-26_Q1_en.xlsx"
    before = {p: p.stat().st_mtime_ns for p in [*bodies, partnership]}
    headcount = "select value from benchmark where period = '2025-26 Q1' and table_id = 'W1' " \
                "and body_code = 'ALL' and measure = 'headcount' and breakdown = 'sex' " \
                "and category = 'female'"
    (was,) = rows(env, headcount)
    fixed = drop(env, "CLCT", 1, name="CLCT_Q1_v2.xlsx")  # five women in post fewer
    wb = load_workbook(fixed)
    ws = wb["Workforce"]
    col = {c.value: c.column for c in ws[1]}
    women = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["Sex"]).value == "Female"
             and ws.cell(r, col["In post at snapshot date"]).value == "Yes"]
    for r in reversed(women[:5]):
        ws.delete_rows(r)
    wb.save(fixed)
    run_pending()
    assert rows(env, headcount) == [(was[0] - 5,)]  # the figures are current
    # computed for CLCT (and ALL) only: MGNPA's rows were kept from the last publication
    event = dg.DagsterInstance.get().get_latest_materialization_event(
        dg.AssetKey("quarter_benchmarks"))
    metadata = event.asset_materialization.metadata
    assert metadata["bodies_computed"].value == 1
    assert metadata["benchmark_rows"].value == rows(
        env, "select count(*) from benchmark where period = '2025-26 Q1'")[0][0]
    assert 0 < metadata["rows_rewritten"].value < metadata["benchmark_rows"].value
    assert partnership.stat().st_mtime_ns != before[partnership]
    assert all(p.stat().st_mtime_ns == before[p] for p in bodies)
    assert out_of_date_body_packs(env) == [folder / "bodies"]
    assert "sep-pipeline report" in (folder / "bodies" / OUT_OF_DATE).read_text()
    with cli.console.capture() as seen:  # and the run's summary says so
        cli._print_run_summary([], env)
    assert 'sep-pipelinereport--period"2025-26Q1"' in "".join(seen.get().split())
    # `report` (as the quarterly run's body packs) rewrites them and clears the note.
    report("2025-26 Q1", None, "both")
    assert all(p.stat().st_mtime_ns != before[p] for p in bodies)
    assert out_of_date_body_packs(env) == []


def test_unreadable_file_is_archived_recorded_and_explained(env):
    path = env.intake_dir / "TCG" / "our return.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # a legacy .xls
    (env.intake_dir / "TCG" / "~$our return.xlsx").write_bytes(b"lock")
    results = run_pending()
    assert [(r.body, r.period, r.status) for r in results] == [("TCG", None, "rejected")]
    assert rows(env, "select code from validation_issues") == [("file.legacy_xls",)]
    feedback = env.intake_dir / "TCG" / "feedback" / "our return_feedback.xlsx"
    # TCG prefers Welsh (body registry): its feedback leads in Welsh.
    assert load_workbook(feedback).sheetnames[:2] == ["Crynodeb", "Problemau"]
    assert len(list(env.archive_dir.glob("*/*"))) == 1


def test_backfill_re_reads_the_archive(env):
    drop(env, "CLCT", 1)
    run_pending()
    for p in env.intake_dir.glob("CLCT/*.xlsx"):
        p.unlink()  # the intake folder is not needed: the archive is the source of truth
    instance = dg.DagsterInstance.get()
    result = defs.resolve_job_def("ingest_return").execute_in_process(
        instance=instance,
        partition_key=dg.MultiPartitionKey({"period": "2025-26 Q1", "body": "CLCT"}),
    )
    assert result.success
    # The same bytes give the same result: recorded once (test_outcomes.py: nothing changes).
    assert [s[3] for s in statuses(env)] == ["accepted"]
    assert instance.get_run_by_id(result.run_id).tags[OUTCOME_TAG] == "unchanged"
    assert_consistent(env)
    # A quarter with nothing submitted succeeds and loads nothing.
    # (run_pending added every registry body's partition and every quarter's so far)
    empty = defs.resolve_job_def("ingest_return").execute_in_process(
        instance=instance,
        partition_key=dg.MultiPartitionKey({"period": "2025-26 Q2", "body": "MGNPA"}),
    )
    assert empty.success and len(statuses(env)) == 1


def sensor_tick(instance, cursor=None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor,
                                  resources={"sep": SepConfig()}, definitions=defs)
    return intake_sensor(ctx)


def test_sensor_requests_one_run_per_new_stable_file(env):
    instance = dg.DagsterInstance.ephemeral()
    path = drop(env, "MGNPA", 2)
    (path.parent / "~$MGNPA_2025-26_Q2.xlsx").write_bytes(b"owner lock")
    (path.parent / "feedback").mkdir()
    shutil.copyfile(path, path.parent / "feedback" / "old_feedback.xlsx")
    first = sensor_tick(instance)
    assert first.run_requests == []  # seen once: not yet known to be stable
    second = sensor_tick(instance, first.cursor)
    (run,) = second.run_requests
    assert run.partition_key == dg.MultiPartitionKey({"body": "MGNPA", "period": "2025-26 Q2"})
    assert run.run_key.startswith("MGNPA|2025-26 Q2|") and run.tags[FILE_TAG] == path.name
    # The body partitions are the registry's, MGNPA's among them.
    assert "MGNPA" in second.dynamic_partitions_requests[0].partition_keys
    # Taken into the archive and queued before any run: the run reads the archived copy.
    (receipt,) = rows(env, "select receipt_id, file_name, file_sha256, archive_path, "
                           "submission_id from receipts")
    assert run.tags[RECEIPT_TAG] == str(receipt[0]) and receipt[4] is None
    assert Path(receipt[3]).read_bytes() == path.read_bytes() and run.tags[SHA_TAG] == receipt[2]
    # The same file on the next tick: the same run key (Dagster starts a key once), not re-read.
    third = sensor_tick(instance, second.cursor)
    assert [r.run_key for r in third.run_requests] == [run.run_key]
    assert len(rows(env, "select * from receipts")) == 1
    # A file still being written (it grows between two looks) waits.
    growing = drop(env, "MGNPA", 3)
    fourth = sensor_tick(instance, third.cursor)
    with growing.open("ab") as f:
        f.write(b"\0")
    fifth = sensor_tick(instance, fourth.cursor)
    assert [r.run_key for r in fifth.run_requests] == [run.run_key]
    shutil.copyfile(SAMPLES / "MGNPA" / "MGNPA_2025-26_Q3.xlsx", growing)  # finished copying
    sixth = sensor_tick(instance, fifth.cursor)
    seventh = sensor_tick(instance, sixth.cursor)
    assert sorted(r.partition_key.keys_by_dimension["period"] for r in seventh.run_requests) == [
        "2025-26 Q2", "2025-26 Q3"]
    # A changed file (new content under the same name) is queued again, with a new run key.
    shutil.copyfile(SAMPLES / "MGNPA" / "MGNPA_2025-26_Q4.xlsx", path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    eighth = sensor_tick(instance, seventh.cursor)
    ninth = sensor_tick(instance, eighth.cursor)
    changed = [r for r in ninth.run_requests if r.tags[SHA_TAG] != run.tags[SHA_TAG]
               and r.tags[FILE_TAG] == path.name]
    (changed,) = changed
    assert changed.run_key != run.run_key
    assert len(rows(env, "select * from receipts where file_name = 'MGNPA_2025-26_Q2.xlsx'")) == 2


def test_sensor_run_request_executes(env):
    instance = dg.DagsterInstance.get()
    drop(env, "CLCT", 3)
    cursor = sensor_tick(instance).cursor
    result = sensor_tick(instance, cursor)
    (req,) = result.run_requests
    apply_partition_requests(instance, result.dynamic_partitions_requests)  # as the daemon does
    done = defs.resolve_job_def(req.job_name).execute_in_process(
        instance=instance, partition_key=req.partition_key, tags=req.tags)
    assert done.success
    assert statuses(env) == [("CLCT", "2025-26 Q3", "CLCT_2025-26_Q3.xlsx", "accepted")]
    checks = [e for e in done.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {e.event_specific_data.check_name for e in checks} == {
        "references_pseudonymised", "one_current_return", "return_accepted"}
    assert all(e.event_specific_data.passed for e in checks)


def test_checks_fail_on_a_staff_reference_in_the_clear_and_on_stray_rows(env):
    from sep_pipeline.defs.warehouse import _current_return_checks

    drop(env, "CLCT", 1)
    run_pending()
    engine = warehouse.engine(env.warehouse_url)

    def passed() -> dict[str, bool]:
        return {r.check_name: r.passed for r in _current_return_checks(engine, "CLCT",
                                                                       "2025-26 Q1")}

    assert passed() == {"references_pseudonymised": True, "one_current_return": True}
    (last, ref), = rows(env, "select max(rowid), staff_ref from workforce")
    for value in (ref[:63], "g" + ref[1:], ref[:32] + " " + ref[33:], ref):  # then as it was
        with engine.begin() as conn:
            conn.execute(sa.text("update workforce set staff_ref = :v where rowid = :r"),
                         {"v": value, "r": last})
        assert passed()["references_pseudonymised"] is (value == ref), value
    with engine.begin() as conn:
        conn.execute(sa.text("update workforce set staff_ref = upper(staff_ref) where rowid = "
                             "(select min(rowid) from workforce)"))
    assert passed() == {"references_pseudonymised": False, "one_current_return": True}
    broken = drop(env, "CLCT", 1, name="CLCT_Q1_broken.xlsx")  # a rejected submission
    wb = load_workbook(broken)
    wb["Workforce"]["F2"] = "not a sex"
    wb.save(broken)
    run_pending()
    (rejected,) = rows(env, "select submission_id from submissions where status = 'rejected'")
    with engine.begin() as conn:  # one row of the current return now belongs to it
        conn.execute(sa.text("update workforce set staff_ref = lower(staff_ref), "
                             f"submission_id = {rejected[0]} where rowid = "
                             "(select min(rowid) from workforce)"))
    assert passed() == {"references_pseudonymised": True, "one_current_return": False}


def test_deadline_schedule(env, monkeypatch):
    from datetime import datetime

    # 2025-26 Q2 ends 30/09/2025; six weeks later is 11/11/2025.
    assert due_period(date(2025, 11, 12), env) == Period(2025, 2)
    assert due_period(date(2025, 11, 11), env) is None
    monkeypatch.setenv("SEP_DEADLINE_OVERRIDES", "2025-26 Q2=2025-11-20")
    assert due_period(date(2025, 11, 21), settings()) == Period(2025, 2)
    monkeypatch.delenv("SEP_DEADLINE_OVERRIDES")
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 11, 12, 6),
                                    resources={"sep": SepConfig()})
    request = quarterly_after_deadline(ctx)
    assert request.partition_key == "2025-26 Q2"
    quiet = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 11, 13, 6),
                                      resources={"sep": SepConfig()})
    assert isinstance(quarterly_after_deadline(quiet), dg.SkipReason)
    # 2025-26 Q4 ends 31/03/2026; its deadline is 12/05/2026: the year's tables follow next day.
    q4 = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 5, 13, 6),
                                   resources={"sep": SepConfig()})
    assert annual_after_q4_deadline(q4).partition_key == "2025-26"
    assert isinstance(annual_after_q4_deadline(ctx), dg.SkipReason)  # a Q2 deadline


def test_a_year_is_read_once_and_its_q4_is_the_snapshot(env):
    """year_returns gives what reading Q4 and then the four quarters separately gives."""
    for body, quarter in (("CLCT", 1), ("CLCT", 4), ("MGNPA", 2), ("MGNPA", 4), ("CSEN", 1)):
        drop(env, body, quarter)
    run_pending()
    quarters = publish.year_quarters("2025-26")
    with warehouse.engine(env.warehouse_url).connect() as conn:
        snapshot, events = publish.year_returns(conn, quarters)
        alone = {"snapshot": publish.current_returns(conn, quarters[-1:])}
        per_quarter = {q: publish.current_returns(conn, [q]) for q in quarters}
    assert snapshot.bodies == alone["snapshot"].bodies == ["CLCT", "MGNPA"]
    assert events.bodies == ["CLCT", "CSEN", "MGNPA"]
    assert snapshot.submitted == alone["snapshot"].submitted
    # year_returns reads the columns the figures read, text tallied as categoricals
    for name, df in snapshot.frames.items():
        want = alone["snapshot"].frames[name][list(df.columns)]
        pd.testing.assert_frame_equal(df.astype(want.dtypes.to_dict()), want)
        expected = pd.concat([per_quarter[q].frames[name] for q in quarters], ignore_index=True)
        got = events.frames[name]
        pd.testing.assert_frame_equal(got.astype(expected[got.columns].dtypes.to_dict()),
                                      expected[got.columns])
    assert len(events.frames["workforce"]) > len(snapshot.frames["workforce"]) > 0


def test_feedback_marks_cells_from_the_sheets_validation_read(env, monkeypatch):
    """In one process the feedback copy uses the sheets validation read: no second read."""
    from sep_pipeline.intake import ingest
    from sep_pipeline_tests.returns import ABOUT, valid_sheets, write_return

    sheets = valid_sheets()
    sheets["Workforce"][0]["sex"] = "Femail"
    write_return(env.intake_dir / "CLCT" / "CLCT_2025-26_Q1.xlsx", sheets,
                 about={**ABOUT, "body_code": "CLCT", "period": "2025-26 Q1"})
    monkeypatch.setattr(ingest, "read_workbook",
                        lambda *a, **k: pytest.fail("the archive was read again"))
    (result,) = run_pending()
    assert result.status == "rejected"
    feedback = env.intake_dir / "CLCT" / "feedback" / "CLCT_2025-26_Q1_feedback.xlsx"
    wb = load_workbook(feedback)
    assert "Workforce" in wb.sheetnames
    marked = [c for row in wb["Workforce"].iter_rows() for c in row if c.comment]
    assert ("F2", "Femail") in [(c.coordinate, c.value) for c in marked]
    assert ingest._last_read == {}  # nothing kept once the feedback is written


def test_sensor_skips_its_tick_while_another_process_writes(env, tmp_path):
    """A `sep-pipeline run` (here: any process) holds the writer lock: the sensor neither takes
    files in nor starts runs until it is free."""
    from sep_pipeline_tests.test_durable import _holder

    instance = dg.DagsterInstance.ephemeral()
    drop(env, "MGNPA", 2)
    first = sensor_tick(instance)
    proc = _holder(tmp_path, 30)
    try:
        busy = sensor_tick(instance, first.cursor)
    finally:
        proc.kill()
        proc.wait()
    assert busy.run_requests == [] and "Another run is writing" in busy.skip_reason.skip_message
    assert rows(env, "select count(*) from receipts") == [(0,)]
    free = sensor_tick(instance, busy.cursor)
    assert len(free.run_requests) == 1
