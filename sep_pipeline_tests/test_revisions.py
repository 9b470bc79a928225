"""Provisional, final and revised figures (issue 20, part 5): a quarter is [p] until finalised;
a return accepted after revises it, each changed figure logged in `revisions` with the values the
pack showed before and after, and marked [r] in the pack."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.definitions import defs
from sep_pipeline.defs.partnership import quarterly_after_deadline
from sep_pipeline.defs.shared import FINALISE_TAG, SepConfig
from sep_pipeline.publish import figures as publish
from sep_pipeline.publish import revisions
from sep_pipeline.publish.figure_store import store_dir
from sep_pipeline.publish.pack import pack_dir
from sep_pipeline.publish.pack.labels import TEXT
from sep_pipeline.runner import run_pending
from sep_pipeline.standard.periods import Period
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate

SAMPLES = Path(__file__).resolve().parents[1] / "data_raw"
Q1 = "2025-26 Q1"


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*revisions.KEY, "value", "marker"])


def test_changes_by_hand():
    before = frame([("P1", "A", "sex", "male_vs_female", "mean_hourly_gap", 12.3, None),
                    ("P1", "ALL", "sex", "male_vs_female", "mean_hourly_gap", 8.0, None),
                    ("W1", "A", "sex", "female", "headcount", None, "[c]"),
                    ("W1", "A", "sex", "male", "headcount", 25.0, None),
                    ("W1", "B", "sex", "male", "headcount", 10.0, None)])
    after = frame([("P1", "A", "sex", "male_vs_female", "mean_hourly_gap", 12.3, None),
                   ("P1", "ALL", "sex", "male_vs_female", "mean_hourly_gap", 7.9, None),
                   ("W1", "A", "sex", "female", "headcount", 5.0, None),
                   ("W1", "A", "sex", "male", "headcount", None, "[c]"),
                   ("W1", "C", "sex", "male", "headcount", 15.0, None)])
    got = revisions.changes(before, after)
    assert got[["body_code", "category", "old_value", "old_marker", "new_value",
                "new_marker"]].astype(object).where(got.notna(), None).values.tolist() == [
        ["ALL", "male_vs_female", 8.0, None, 7.9, None],  # a value changed
        ["A", "female", None, "[c]", 5.0, None],  # a marker gave way to a value
        ["A", "male", 25.0, None, None, "[c]"],  # and the other way
        ["C", "male", None, None, 15.0, None],  # published for the first time
        ["B", "male", 10.0, None, None, None],  # no longer published
    ]
    assert revisions.changes(before, before.sample(frac=1, random_state=1)).empty
    keys = {("P1", "ALL", "sex", "male_vs_female", "mean_hourly_gap")}
    assert revisions.revision_markers(after, False, keys).tolist() == ["", "[r]", "", "", ""]
    assert revisions.revision_markers(after, True, keys).tolist() == ["[p]"] * 5


def drop(cfg, body: str, name: str | None = None, raise_pay: float = 0.0) -> Path:
    """A sample return of Q1 in the intake folder; `raise_pay`: added to the hourly pay of
    the first 40 staff (a corrected return that changes pay figures)."""
    target = cfg.intake_dir / body / (name or f"{body}_2025-26_Q1.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLES / body / f"{body}_2025-26_Q1.xlsx", target)
    if raise_pay:
        wb = load_workbook(target)
        ws = wb["Workforce"]
        col = [c.value for c in ws[1]].index("Hourly pay") + 1
        for r in range(2, 42):
            cell = ws.cell(r, col)
            if isinstance(cell.value, (int, float)):
                cell.value = round(cell.value + raise_pay, 2)
        wb.save(target)
    return target


def read_csv(cfg, name: str) -> dict[tuple, dict[str, str]]:
    """A pack CSV's rows by revisions.KEY (the benchmark table's, or P1/P2's for pay gaps)."""
    path = pack_dir(cfg.outputs_dir, Q1) / "csv" / f"{name}.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return {tuple(r[k] for k in revisions.KEY): r for r in rows}


def workbook(cfg, lang: str):
    return load_workbook(pack_dir(cfg.outputs_dir, Q1) / f"sep_benchmark_2025-26_Q1_{lang}.xlsx")


def column_b(ws) -> list[str]:
    return [str(v) for v in next(ws.iter_cols(min_col=2, max_col=2, values_only=True)) if v]


def number(text: str) -> float | None:
    return float(text) if text else None


def finalise_by_schedule(cfg, monkeypatch) -> None:
    """The after-deadline schedule's run: not finalised below SEP_MIN_COVERAGE, then finalised
    (2 of the registry's 6 bodies are 33%)."""
    day_after = cfg.deadline(Period.parse(Q1)) + timedelta(days=1)
    when = datetime(day_after.year, day_after.month, day_after.day, 6, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=when,
                                   resources={"sep": SepConfig()}) as context:
        request = quarterly_after_deadline(context)
    assert request.partition_key == Q1 and request.tags[FINALISE_TAG] == "schedule"
    engine = warehouse.engine(cfg.warehouse_url)
    job = defs.resolve_job_def("partnership_quarter")
    for minimum, final in (("0.5", False), ("0.3", True)):
        monkeypatch.setenv("SEP_MIN_COVERAGE", minimum)
        result = job.execute_in_process(instance=dg.DagsterInstance.get(),
                                        partition_key=Q1, tags=request.tags)
        assert result.success
        with engine.connect() as conn:
            state = revisions.finalisation(conn, Q1)
        assert (state is not None) == final
        markers = {r["revision_marker"] for r in read_csv(cfg, "P1").values()}
        assert markers == ({""} if final else {"[p]"})
    assert state.finalised_by == "schedule"


def finalise_by_command(cfg) -> None:
    """`sep-pipeline finalise`, twice: the second time nothing changes; `status` says which."""
    cli = CliRunner()
    status = cli.invoke(app, ["status", "--period", Q1], env={"COLUMNS": "250"})
    assert "Figures: provisional [p] until finalised" in status.output, status.output
    result = cli.invoke(app, ["finalise", "--period", Q1], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"{Q1} finalised" in result.output and "2 of 6 expected bodies" in result.output
    assert "Pack rewritten without [p]" in result.output
    again = cli.invoke(app, ["finalise", "--period", Q1], env={"COLUMNS": "250"})
    assert again.exit_code == 0 and "already final" in again.output, again.output
    assert "by command" in again.output
    status = cli.invoke(app, ["status", "--period", Q1], env={"COLUMNS": "250"})
    assert "Figures: final since" in status.output and "0 figure(s) revised" in status.output


def test_finalise_then_a_late_resubmission_is_logged_and_marked(tmp_path, monkeypatch):
    """SQLite, finalised by the command (test_revisions_postgres: PostgreSQL, by the schedule,
    a file of its own so the two run side by side)."""
    round_trip(isolate(monkeypatch, tmp_path), monkeypatch)


def round_trip(cfg, monkeypatch) -> None:
    """Two bodies' returns published (provisional), the quarter finalised, then a corrected
    return: what is logged, and what the pack shows before and after."""
    drop(cfg, "CLCT")
    drop(cfg, "MGNPA")
    assert {r.status for r in run_pending()} == {"accepted"}
    # Provisional: every figure [p], and the cover says so in both languages.
    p1 = read_csv(cfg, "P1")
    assert {r["revision_marker"] for r in p1.values()} == {"[p]"}
    assert {r["revision_marker"] for r in read_csv(cfg, "W1").values()} == {"[p]"}
    for lang in ("en", "cy"):
        wb = workbook(cfg, lang)
        cover = wb[TEXT["cover"][lang == "cy"]]
        assert TEXT["provisional"][lang == "cy"] in column_b(cover)
        assert TEXT["table_provisional"][lang == "cy"] in [
            c.value for c in wb["P1"]["A"] if isinstance(c.value, str)]
    if cfg.warehouse_url.startswith("sqlite"):
        finalise_by_command(cfg)
    else:
        finalise_by_schedule(cfg, monkeypatch)
    final = read_csv(cfg, "P1")
    assert {r["revision_marker"] for r in final.values()} == {""}
    assert [r["value"] for r in final.values()] == [r["value"] for r in p1.values()]
    for lang in ("en", "cy"):
        cover = workbook(cfg, lang)[TEXT["cover"][lang == "cy"]]
        assert any(t.startswith(TEXT["final"][lang == "cy"][:8]) for t in column_b(cover))
    shown = {t: read_csv(cfg, t) for t in ("P1", "W3")}
    pay_shown = read_csv_pay(cfg)

    drop(cfg, "MGNPA", "MGNPA_2025-26_Q1_corrected.xlsx", raise_pay=4.0)
    assert {r.file_name: r.status for r in run_pending()}[
        "MGNPA_2025-26_Q1_corrected.xlsx"] == "accepted"
    engine = warehouse.engine(cfg.warehouse_url)
    with engine.connect() as conn:
        logged = revisions.revisions_of(conn, Q1)
        (sid,) = conn.execute(sa.select(warehouse.submissions.c.submission_id).where(
            warehouse.submissions.c.status == "accepted",
            warehouse.submissions.c.body_code == "MGNPA")).scalars().all()
    assert len(logged) > 0
    assert set(logged["submission_id"]) == {sid}
    assert {"MGNPA", "ALL"} <= set(logged["body_code"]) and "CLCT" not in set(logged["body_code"])
    now = {t: read_csv(cfg, t) for t in shown}
    for t in shown:
        mine = logged[logged["table_id"] == t]
        assert len(mine) > 0
        for r in mine.itertuples():
            key = (r.table_id, r.body_code, r.breakdown, r.category, r.measure)
            before, after = shown[t].get(key), now[t].get(key)
            # The old value and marker are what the pack showed; the new, what it shows now.
            assert (number(before["value"]) if before else None) == (
                None if pd.isna(r.old_value) else r.old_value)
            assert (before["marker"] if before else "") == (r.old_marker or "")
            assert (number(after["value"]) if after else None) == (
                None if pd.isna(r.new_value) else r.new_value)
            assert (after["marker"] if after else "") == (r.new_marker or "")
        revised = {(r.table_id, r.body_code, r.breakdown, r.category, r.measure)
                   for r in mine.itertuples()}
        assert {k for k, row in now[t].items() if row["revision_marker"] == "[r]"} == revised
    # The pay-gap CSV marks the same figures as P1 and P2 do (it has no spread rows).
    pay_now = read_csv_pay(cfg)
    p_keys = set(map(tuple, logged[logged["table_id"].isin(["P1", "P2"])][
        revisions.KEY].to_numpy().tolist())) & pay_now.keys()
    assert p_keys
    assert {k for k, row in pay_now.items() if row["revision_marker"] == "[r]"} == p_keys
    assert pay_shown.keys() == pay_now.keys()
    # The workbook: [r] on the table sheet, each revision on the Revisions sheet, both languages.
    for lang in ("en", "cy"):
        cy = lang == "cy"
        wb = workbook(cfg, lang)
        heading = [c.value for c in wb["P1"]["A"][:8] if isinstance(c.value, str)]
        assert any(h.startswith("[r] ") and "MGNPA" in h for h in heading)
        # Each revised figure shows [r] beside it in its cell, the cell still its number.
        shown_r = [c.value for r in wb["P1"].iter_rows() for c in r
                   if '" [r]"' in (c.number_format or "")]
        p1_new = logged[(logged["table_id"] == "P1") & logged["new_value"].notna()]
        assert sorted(shown_r) == sorted(p1_new["new_value"].tolist())
        ws = wb[TEXT["revisions"][cy]]
        rows = list(ws.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r[0] == TEXT["table"][cy])
        body = rows[header + 1:]
        assert len(body) == len(logged)
        cols = rows[header]
        old_at, new_at = cols.index(TEXT["old_value"][cy]), cols.index(TEXT["new_value"][cy])
        assert [(r[0], r[1], r[old_at], r[new_at]) for r in body] == [
            (r.table_id, r.body_code, None if pd.isna(r.old_value) else r.old_value,
             None if pd.isna(r.new_value) else r.new_value) for r in logged.itertuples()]
        assert all("MGNPA_2025-26_Q1_corrected.xlsx" in r[-1] for r in body)
    # The body's own workbook marks the same figures [r]: its own, the partnership's and the
    # spread's beside them.
    from sep_pipeline.publish.pack.body_pack import write_body_pack
    from sep_pipeline.publish.pack.workbook import SPREAD, load_pack_data

    with engine.connect() as conn:
        data = load_pack_data(conn, Q1)
    for lang in ("en", "cy"):
        ws = load_workbook(write_body_pack(data, "MGNPA", cfg.outputs_dir / f"b_{lang}.xlsx",
                                           lang))["P1"]
        heading = [c.value for c in ws["A"][:8] if isinstance(c.value, str)]
        assert any(h.startswith("[r] ") and "MGNPA" in h for h in heading)
        marked = [c.value for r in ws.iter_rows() for c in r
                  if '" [r]"' in (c.number_format or "")]
        mine = logged[(logged["table_id"] == "P1") & logged["body_code"].isin(["MGNPA", "ALL"])]
        assert sorted(marked) == sorted(mine["new_value"].tolist())
        # The spread's revised figures are not shown here: with two bodies this workbook shows
        # [c] of its own in their place, and that [c] was not revised.
        spread = logged[(logged["table_id"] == "P1") & logged["body_code"].isin(SPREAD)]
        assert len(spread) and not [c for r in ws.iter_rows() for c in r[4:7]
                                    if '" [r]"' in (c.number_format or "")]
        assert not [c.value for r in ws.iter_rows() for c in r[4:7]
                    if isinstance(c.value, int | float)]
    # Publishing again with nothing changed logs nothing.
    publish.publish_quarter(engine, Q1, store_dir(cfg.data_dir))
    with engine.connect() as conn:
        assert len(revisions.revisions_of(conn, Q1)) == len(logged)


def read_csv_pay(cfg) -> dict[tuple, dict[str, str]]:
    path = pack_dir(cfg.outputs_dir, Q1) / "csv" / "pay_gap.csv"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    keys = revisions.pay_gap_keys(df)
    return {tuple(k): r for k, r in zip(keys[revisions.KEY].to_numpy().tolist(),
                                        df.to_dict("records"), strict=True)}
