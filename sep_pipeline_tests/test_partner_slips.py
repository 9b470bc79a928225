"""A partner's ordinary slips, each in an otherwise valid sample return, give one clear issue that
says what the partner most likely meant (issue 18, parts 1 and 2): a header typed differently,
a near-miss code, the same wrong value down a column. Each slip is made with openpyxl and also
saved again by LibreOffice, as a partner's file may be."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from sep_pipeline import matching, warehouse
from sep_pipeline import standard as std
from sep_pipeline.feedback_report import write_report
from sep_pipeline.migrations import upgrade
from sep_pipeline.validate import ValidationResult, validate_file

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
    soffice = shutil.which("soffice")
    if soffice is None:
        why = "LibreOffice (Debian's libreoffice-calc-nogui) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    out = path.parent / f"libreoffice_{uuid.uuid4().hex[:8]}"
    profile = path.parent / f"lo_profile_{uuid.uuid4().hex[:8]}"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    return out / path.name


@pytest.fixture(params=["openpyxl", "libreoffice"])
def saved_by(request: pytest.FixtureRequest) -> str:
    return request.param


def check(path: Path, saved_by: str) -> ValidationResult:
    if saved_by == "libreoffice":
        path = resaved_by_libreoffice(path)
    return validate_file(path, expected_body="CLCT")


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
