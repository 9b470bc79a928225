"""The `sep-pipeline` commands as a partner or analyst runs them."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.intake.validate import validate_file
from sep_pipeline.standard import sep_return as std
from sep_pipeline_tests.returns import ABOUT, TODAY, valid_sheets, write_return

runner = CliRunner()


def fill_about(path, lang):
    """Fill only the About sheet of a blank template, as a partner would."""
    wb = load_workbook(path)
    ws = wb[std.ABOUT.label(lang)]
    labels = {f.label(lang): f.name for f in std.ABOUT.fields}
    for row in ws.iter_rows(min_row=2):
        name = labels.get(row[0].value)
        if name in ("body_code", "body_name", "period"):
            row[1].value = ABOUT[name]
    wb.save(path)


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_blank_template_with_only_about_filled_validates_with_zero_errors(tmp_path, lang):
    out = tmp_path / f"template_{lang}.xlsx"
    result = runner.invoke(app, ["template", "--lang", lang, "--out", str(out)])
    assert result.exit_code == 0, result.output
    unfilled = validate_file(out, today=TODAY)
    assert {i.code for i in unfilled.errors} == {"about.missing"}  # body, name, period
    fill_about(out, lang)
    r = validate_file(out, today=TODAY, expected_body="TEST")
    assert r.errors == [] and r.status == "accepted"
    # Every data sheet is present with headers and no rows: a true zero, not "not submitted";
    # each optional topic says so, and how to say "not collected" instead.
    assert [(i.code, i.sheet) for i in r.warnings] == [
        ("sheet.headers_only", t.label(lang)) for t in std.TOPICS]
    assert {t: len(df) for t, df in r.tables.items()} == {s.table: 0 for s in std.DATA_SHEETS}


def test_template_filled_with_data_round_trips(tmp_path):
    """Rows typed under the template's own headers are read back as the standard's codes."""
    out = tmp_path / "t.xlsx"
    runner.invoke(app, ["template", "--lang", "cy", "--out", str(out)])
    fill_about(out, "cy")
    wb = load_workbook(out)
    ws = wb[std.WORKFORCE.cy]
    headers = [c.value for c in ws[1]]
    by_name = {f.cy: f.name for f in std.WORKFORCE.fields}
    for person in valid_sheets()["Workforce"]:
        ws.append([person.get(by_name[h]) for h in headers])
    wb.save(out)
    r = validate_file(out, today=TODAY)
    assert r.status == "accepted", [i.message_en for i in r.errors]
    assert len(r.tables["workforce"]) == 12 and r.tables["workforce"].loc[2, "sex"] == "female"


def test_validate_json_and_exit_codes(tmp_path):
    good = write_return(tmp_path / "good.xlsx")
    result = runner.invoke(app, ["validate", str(good), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "accepted" and payload["errors"] == []
    assert {"severity", "code", "sheet", "row", "column", "value", "message"} <= set(
        payload["warnings"][0]
    )

    sheets = valid_sheets()
    sheets["Workforce"][0]["sex"] = "Femail"
    bad = write_return(tmp_path / "bad.xlsx", sheets)
    result = runner.invoke(app, ["validate", str(bad), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["status"] == "rejected"
    (error,) = payload["errors"]
    assert (error["code"], error["sheet"], error["row"], error["column"], error["value"]) == (
        "value.code",
        "Workforce",
        2,
        "Sex",
        "Femail",
    )
    assert "Female" in error["message"] and error["message_cy"]


def test_validate_report_and_human_output(tmp_path, monkeypatch):
    from sep_pipeline import cli

    monkeypatch.setattr(cli.console, "width", 250)  # whatever terminal the tests run under
    sheets = valid_sheets()
    sheets["Workforce"][3]["fte"] = 3
    bad = write_return(tmp_path / "bad.xlsx", sheets)
    report = tmp_path / "report.xlsx"
    args = ["validate", str(bad), "--report", str(report), "--body", "TEST"]
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert "Rejected" in result.output and "value.range" in result.output
    wb = load_workbook(report)
    assert wb.sheetnames[:2] == ["Summary", "Issues"]
    marked = wb["Workforce"]["U5"]
    assert marked.comment is not None and "FTE" in marked.comment.text


def test_validate_of_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"%PDF-1.4 not a spreadsheet")
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["errors"][0]["code"].startswith("file.")
    assert "Traceback" not in result.output


def test_check_intake_summarises_each_body_and_quarter(tmp_path):
    intake = tmp_path / "intake"
    write_return(intake / "TEST" / "good.xlsx")
    write_return(intake / "OTHER" / "wrong_folder.xlsx")
    (intake / "TEST" / "~$good.xlsx").write_bytes(b"lock file")
    result = runner.invoke(
        app, ["check-intake", "--intake", str(intake), "--reports", str(tmp_path / "reports")]
    )
    assert result.exit_code == 0, result.output
    assert "2 returns: 1 accepted, 1 rejected." in result.output
    assert "about.body_mismatch" in result.output
    assert (tmp_path / "reports" / "OTHER" / "wrong_folder_report.xlsx").is_file()
