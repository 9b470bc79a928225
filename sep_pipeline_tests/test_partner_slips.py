"""A partner's ordinary slips, each in an otherwise valid sample return, give one clear issue that
says what the partner most likely meant (issue 18, parts 1 and 2): a header typed differently,
a near-miss code, the same wrong value down a column. Each slip is made with openpyxl and also
saved again by LibreOffice, as a partner's file may be."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from sep_pipeline.intake.feedback_report import write_report
from sep_pipeline.intake.validate import ValidationResult, validate_file
from sep_pipeline.standard import matching
from sep_pipeline.standard import sep_return as std
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline.warehouse.migrations import upgrade
from sep_pipeline_tests.libreoffice import saved_again

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_raw" / "CLCT" / "CLCT_2025-26_Q2.xlsx"


def slipped(tmp_path: Path, name: str, edits: dict[str, dict[str, object]]) -> Path:
    """The sample return with some cells changed ({sheet: {cell: value}})."""
    wb = openpyxl.load_workbook(SAMPLE)
    for sheet, cells in edits.items():
        for cell, value in cells.items():
            wb[sheet][cell] = value
    path = tmp_path / name
    wb.save(path)
    return path


def resaved_by_libreoffice(path: Path) -> Path:
    """The file opened and saved again by headless LibreOffice, as .xlsx."""
    return saved_again([path], path.parent / f"libreoffice_{uuid.uuid4().hex[:8]}")[0]


@pytest.fixture(params=["openpyxl", "libreoffice"])
def saved_by(request: pytest.FixtureRequest) -> str:
    return request.param


def check(path: Path, saved_by: str, body: str = "CLCT") -> ValidationResult:
    if saved_by == "libreoffice":
        path = resaved_by_libreoffice(path)
    return validate_file(path, expected_body=body)


def test_the_sample_has_no_issue_to_begin_with(tmp_path: Path) -> None:
    result = validate_file(slipped(tmp_path, "clean.xlsx", {}), expected_body="CLCT")
    assert result.status == "accepted" and result.issues == []


def test_a_header_typed_differently_is_one_error_that_names_the_column_meant(
    tmp_path: Path, saved_by: str
) -> None:
    """'Hourly rate of pay (£)' for 'Hourly pay' gave an error on every row in post; now one
    error, at the header, naming the field in the partner's two languages."""
    path = slipped(tmp_path, "renamed.xlsx", {"Workforce": {"V1": "Hourly rate of pay (£)"}})
    result = check(path, saved_by)
    assert [(i.severity, i.code, i.sheet, i.cell, i.column) for i in result.issues] == [
        ("error", "column.not_recognised", "Workforce", "V1", "Hourly rate of pay (£)")]
    issue = result.issues[0]
    assert "Did you mean 'Hourly pay'?" in issue.message_en
    assert "change the header in V1 to 'Hourly pay'" in issue.message_en
    assert "Oeddech chi'n golygu 'Cyflog yr awr'?" in issue.message_cy
    assert result.status == "rejected"  # never mapped on a guess: the values are not read


def test_a_welsh_header_with_a_slip_is_offered_its_field(tmp_path: Path) -> None:
    path = slipped(tmp_path, "welsh.xlsx", {"Workforce": {"J1": "Grŵp ethnic"}})
    result = validate_file(path, expected_body="CLCT")
    assert [(i.code, i.cell) for i in result.issues] == [("column.not_recognised", "J1")]
    assert "Did you mean 'Ethnicity'?" in result.issues[0].message_en


def test_a_header_like_no_field_is_a_warning_without_a_guess(tmp_path: Path) -> None:
    path = slipped(tmp_path, "extra.xlsx", {"Workforce": {"AG1": "Line manager's comments"}})
    result = validate_file(path, expected_body="CLCT")
    assert result.status == "accepted"
    assert [(i.severity, i.code, i.cell) for i in result.issues] == [
        ("warning", "column.unknown", "AG1")]
    assert "Did you mean" not in result.issues[0].message_en


def test_a_near_miss_code_names_the_likely_one_and_repeats_are_one_issue(
    tmp_path: Path, saved_by: str
) -> None:
    path = slipped(tmp_path, "codes.xlsx", {
        "Workforce": {"F5": "Femal", "F9": "Femal", "F14": "Femal", "J6": "Whte: Irish",
                      "J7": "maybe"}})
    result = check(path, saved_by)
    got = [(i.severity, i.code, i.cell, i.cells) for i in result.issues]
    assert got == [
        ("error", "value.code", "F5", ("F5", "F9", "F14")),
        ("error", "value.code", "J6", ()),
        ("error", "value.code", "J7", ()),
    ]
    femal, irish, maybe = result.issues
    assert "Did you mean 'Female'?" in femal.message_en
    assert femal.message_en.endswith("The same in F9 and F14.")
    assert "Oeddech chi'n golygu 'Benyw'?" in femal.message_cy
    assert femal.message_cy.endswith("Yr un peth yn F9 a F14.")
    assert "Did you mean 'White: Irish'?" in irish.message_en
    assert "Oeddech chi'n golygu 'Gwyn: Gwyddelig'?" in irish.message_cy
    assert "Did you mean" not in maybe.message_en  # nothing near: no suggestion


def test_many_identical_wrong_values_name_ten_cells_and_the_json_lists_them_all(
    tmp_path: Path,
) -> None:
    rows = list(range(2, 27, 2))  # 13 cells
    path = slipped(tmp_path, "many.xlsx", {"Workforce": {f"F{r}": "Femal" for r in rows}})
    result = validate_file(path, expected_body="CLCT")
    [issue] = result.issues
    named = ", ".join(f"F{r}" for r in rows[1:11])
    assert issue.message_en.endswith(f"The same in {named} and 2 more.")
    [as_json] = json.loads(result.to_json())["errors"]
    assert as_json["cells"] == [f"F{r}" for r in rows]
    assert as_json["cell"] == "F2"


def test_the_feedback_marks_every_cell_of_a_grouped_issue(tmp_path: Path) -> None:
    path = slipped(tmp_path, "marks.xlsx", {"Workforce": {"F5": "Femal", "F9": "Femal"}})
    result = validate_file(path, expected_body="CLCT")
    raw = result.raw
    assert raw is not None
    out = write_report(tmp_path / "feedback.xlsx", result.issues,
                       {n: s.rows for n, s in raw.sheets.items()}, file_name=path.name,
                       status=result.status)
    copy = openpyxl.load_workbook(out)["Workforce"]
    commented = {c.coordinate for row in copy.iter_rows() for c in row if c.comment}
    assert {"F5", "F9"} <= commented


def test_the_warehouse_keeps_every_cell_of_an_issue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(url)
    engine = warehouse.engine(url)
    path = slipped(tmp_path, "kept.xlsx", {"Workforce": {"F5": "Femal", "F9": "Femal"}})
    result = validate_file(path, expected_body="CLCT")
    with engine.begin() as conn:
        sid = warehouse.record_rejected(conn, body="CLCT", period="2025-26 Q2",
                                        file_name=path.name, sha256="1" * 64,
                                        archive_path=str(path), issues=result.issues,
                                        template_version=None)
    with engine.connect() as conn:
        assert warehouse.issues_of(conn, sid) == result.issues
        stored = conn.execute(sa.text("select cells from validation_issues")).scalars().all()
    assert stored == ["F5,F9"]


@pytest.mark.parametrize(("codes", "written", "meant"), [
    ("sex", "Femal", "female"),
    ("sex", "Mael", None),  # as near Male as it is far: not offered
    ("ethnicity", "Whte: Irish", "white_irish"),
    ("ethnicity", "Indian", "asian_indian"),  # a synonym's near miss
    ("ethnicity", "White", None),  # as near five codes: none is offered
])
def test_suggestions_are_near_misses_only(codes: str, written: str, meant: str | None) -> None:
    f = std.WORKFORCE.field(codes)
    assert f.codes is not None
    got = matching.suggest_code(written, f.codes)
    assert (got.code if got else None) == meant


# --- Part 6: the partner reads it in their language, on screen and on paper ------------------


def test_validate_in_welsh_is_welsh_throughout(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sep_pipeline.cli import app

    path = slipped(tmp_path, "cy.xlsx", {"Workforce": {"F5": "Femal", "V1": "Cyflog (£)"}})
    out = CliRunner().invoke(app, ["validate", str(path), "--lang", "cy"], terminal_width=200)
    assert out.exit_code == 1
    text = " ".join(out.output.split())
    for welsh in ("Cod", "Taflen", "Colofn", "Gwerth", "Neges", "gwall",
                  "Wedi'i gwrthod (gwallau: 2, rhybuddion: 0)", "Oeddech", "golygu", "'Benyw'?"):
        assert welsh in text, welsh
    for english in ("Code", "Sheet", "Message", "error", "Rejected", "Did you mean"):
        assert english not in text, english


@pytest.mark.parametrize(("errors", "warnings", "line"), [
    (1, 0, "Rejected: 1 error, 0 warnings."),
    (2, 1, "Rejected: 2 errors, 1 warning."),
    (0, 1, "Accepted (1 warning)"),
    (0, 3, "Accepted (3 warnings)"),
])
def test_the_verdict_agrees_with_its_numbers(errors: int, warnings: int, line: str) -> None:
    from sep_pipeline.cli import verdict
    from sep_pipeline.standard.issues import Issue

    issues = [Issue("error", "x", "", "")] * errors + [Issue("warning", "y", "", "")] * warnings
    result = ValidationResult("r.xlsx", issues)
    shown = verdict(result, "en").replace("[red bold]", "").replace("[/red bold]", "")
    assert line in shown.replace("[green bold]", "").replace("[/green bold]", "")
    assert f"gwallau: {errors}, rhybuddion: {warnings}" in verdict(result, "cy") or errors == 0


def test_the_feedback_prints_to_the_page_width_in_the_partners_language_first(
    tmp_path: Path,
) -> None:
    path = slipped(tmp_path, "print.xlsx", {"Workforce": {"F5": "Femal"}})
    result = validate_file(path, expected_body="CLCT")
    assert result.raw is not None
    out = write_report(tmp_path / "adborth.xlsx", result.issues,
                       {n: s.rows for n, s in result.raw.sheets.items()}, file_name=path.name,
                       status=result.status, lang="cy")
    wb = openpyxl.load_workbook(out)
    summary, problems = wb.worksheets[:2]
    assert [c.value for c in problems[1]][7:9] == ["Neges (Cymraeg)", "Neges (Saesneg)"]
    assert problems["H2"].value.startswith("Nid yw 'Femal'")
    # the row is as tall as its longest message, wrapped: on paper nothing is cut off
    assert problems.row_dimensions[2].height >= 15 * 3
    for ws in (summary, problems):
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the default, which openpyxl reads as None), as long as it takes
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.page_setup.paperSize == 9  # A4
    assert problems.page_setup.orientation == "landscape"
    assert problems.print_title_rows == "$1:$1"  # the headings on every page


# --- Part 4: zero or not collected -------------------------------------------------------------

MGNPA = ROOT / "data_raw" / "MGNPA" / "MGNPA_2025-26_Q1.xlsx"
NOT_COLLECTED = "Procurement: not collected this quarter"


def procurement_emptied(tmp_path: Path, name: str, answer: object | None,
                        keep_rows: bool = False) -> Path:
    """MGNPA's Q1 with its Procurement rows deleted (or kept) and the About sheet's answer to
    "Procurement: not collected this quarter" (None: the row left out)."""
    wb = openpyxl.load_workbook(MGNPA)
    if not keep_rows:
        sheet = wb["Procurement"]
        sheet.delete_rows(2, sheet.max_row)
    if answer is not None:
        about = wb["About"]
        about.append([NOT_COLLECTED, answer])
    path = tmp_path / name
    wb.save(path)
    return path


def test_a_sheet_of_headers_only_is_published_as_zero_and_says_so(tmp_path: Path,
                                                                   saved_by: str) -> None:
    result = check(procurement_emptied(tmp_path, "zero.xlsx", None), saved_by, "MGNPA")
    assert result.status == "accepted"
    [issue] = result.issues
    assert (issue.severity, issue.code, issue.sheet) == ("warning", "sheet.headers_only",
                                                         "Procurement")
    assert "published as zero" in issue.message_en and NOT_COLLECTED in issue.message_en
    assert "sero" in issue.message_cy and "Caffael: heb ei gasglu" in issue.message_cy
    assert len(result.tables["procurement"]) == 0  # sent: a true zero


def test_not_collected_is_said_on_the_about_sheet_and_published_x(tmp_path: Path,
                                                                  saved_by: str) -> None:
    result = check(procurement_emptied(tmp_path, "x.xlsx", "Yes"), saved_by, "MGNPA")
    assert result.status == "accepted" and result.issues == []
    assert "procurement" not in result.tables  # not sent: [x]


def test_not_collected_with_rows_is_an_error_at_the_answer(tmp_path: Path) -> None:
    path = procurement_emptied(tmp_path, "both.xlsx", "Yes", keep_rows=True)
    result = validate_file(path, expected_body="MGNPA")
    [issue] = result.issues
    assert (issue.severity, issue.code, issue.sheet, issue.cell) == (
        "error", "about.not_collected_filled", "About", "B7")
    assert "the Procurement sheet has 5 rows" in issue.message_en
    assert "mae gan y daflen Caffael 5 o resi" in issue.message_cy
    assert "change the answer in B7 to No" in issue.message_en


def test_an_answer_that_is_not_yes_or_no_is_an_error(tmp_path: Path) -> None:
    result = validate_file(procurement_emptied(tmp_path, "maybe.xlsx", "Maybe"),
                           expected_body="MGNPA")
    assert [(i.code, i.cell) for i in result.errors] == [("value.yes_no", "B7")]


def test_zero_and_not_collected_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """Through a run: a body that said "not collected" gets [x] in the procurement table, a body
    that sent headers only gets 0."""
    from sep_pipeline.runner import run_pending
    from sep_pipeline_tests.isolation import isolate

    cfg = isolate(monkeypatch, tmp_path / "env")
    for body, answer in (("MGNPA", "Yes"), ("CLCT", None)):
        source = MGNPA if body == "MGNPA" else ROOT / "data_raw" / "CLCT" / "CLCT_2025-26_Q1.xlsx"
        wb = openpyxl.load_workbook(source)
        sheet = wb["Procurement"] if "Procurement" in wb.sheetnames else None
        if sheet is not None:
            sheet.delete_rows(2, sheet.max_row)
        else:
            wb.create_sheet("Procurement").append(
                [f.en for f in std.PROCUREMENT.fields])
        if answer:
            wb["About"].append([NOT_COLLECTED, answer])
        (cfg.intake_dir / body).mkdir(parents=True, exist_ok=True)
        wb.save(cfg.intake_dir / body / source.name)
    assert {r.status for r in run_pending()} >= {"accepted"}
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        got = dict(conn.execute(sa.text(
            "select body_code, marker from benchmark where table_id = 'PR1' "
            "and measure = 'contracts' and breakdown = 'all' and period = '2025-26 Q1' "
            "and body_code in ('MGNPA', 'CLCT')")).all())
        values = dict(conn.execute(sa.text(
            "select body_code, value from benchmark where table_id = 'PR1' "
            "and measure = 'contracts' and breakdown = 'all' and period = '2025-26 Q1' "
            "and body_code = 'CLCT'")).all())
    assert got["MGNPA"] == "[x]"
    assert got["CLCT"] is None and values["CLCT"] == 0


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_template_asks_each_topic_yes_or_no_on_the_about_sheet(tmp_path: Path,
                                                                    lang: str) -> None:
    from sep_pipeline.standard.template import write_template

    path = tmp_path / f"template_{lang}.xlsx"
    write_template(path, lang)
    about = openpyxl.load_workbook(path)[std.ABOUT.label(lang)]
    rows = {about.cell(r, 1).value: r for r in range(1, about.max_row + 1)}
    lists = {str(dv.sqref): dv.formula1 for dv in about.data_validations.dataValidation}
    for topic in std.TOPICS:
        label = std.ABOUT.field(std.not_collected(topic)).label(lang)
        assert lists[f"B{rows[label]}"] == "list_yes_no", label
