"""Nothing read is dropped silently (issue 18, part 3): values under a blank or merged header,
merged cells, a repeated header row and a totals row are errors; hidden rows, hidden columns and
an active filter are one warning. Each slip is made in a copy of a valid sample return, as a
partner would make it in Excel, and the file is read back for real."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.intake import layout_checks
from sep_pipeline.intake.safe_read import RawSheet, SheetMarks, _MarksScan
from sep_pipeline.intake.validate import SheetLayout, ValidationResult, validate_file
from sep_pipeline.standard import sep_return as std
from sep_pipeline.standard.issues import Issue
from sep_pipeline_tests.libreoffice import saved_again
from sep_pipeline_tests.returns import TODAY, write_return

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_raw" / "CLCT" / "CLCT_2025-26_Q1.xlsx"  # 30 staff, headers in row 1
TCG = ROOT / "data_raw" / "TCG" / "TCG_2025-26_Q1.xlsx"  # Welsh, headers in row 4
STAFF = 30  # Workforce rows 2-31
# Workforce columns of the sample
REF, IN_POST, GENDER_IDENTITY, GRADE, FTE, PAY = "A", "B", "G", "Q", "U", "V"


def slipped(tmp_path: Path, edit: Callable[[Worksheet], None], sheet: str = "Workforce",
            name: str = "slip.xlsx") -> Path:
    """The sample return with `edit` made to one sheet, saved as `name`."""
    wb = load_workbook(SAMPLE)
    edit(wb[sheet])
    path = tmp_path / name
    wb.save(path)
    return path


def check(path: Path, sample: Path = SAMPLE) -> ValidationResult:
    """The result with only the issues the sample, saved again as it is, does not have (the
    sample is accepted: those are warnings, which other checks may add to)."""
    r = validate_file(path, today=TODAY)
    before = _baseline(sample)
    r.issues = [i for i in r.issues if _key(i) not in before]
    return r


def _key(issue: Issue) -> tuple[object, ...]:
    return (issue.severity, issue.code, issue.sheet, issue.row, issue.cell, issue.message_en)


@cache
def _baseline(sample: Path) -> frozenset[tuple[object, ...]]:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / sample.name
        load_workbook(sample).save(path)
        r = validate_file(path, today=TODAY)
    assert r.status == "accepted" and not any(i.code.startswith("layout.") for i in r.issues)
    return frozenset(map(_key, r.issues))


def where(issues: list[Issue]) -> list[tuple[str, str, str | None, int | None, str | None]]:
    return [(i.severity, i.code, i.sheet, i.row, i.cell) for i in issues]


def column_values(ws: Worksheet, letter: str) -> list[object]:
    return [ws[f"{letter}{r}"].value for r in range(2, STAFF + 2)]


def test_the_sample_saved_again_has_no_issue(tmp_path):
    r = check(slipped(tmp_path, lambda ws: None))
    assert r.status == "accepted" and r.issues == []


# --- Values under a blank header -------------------------------------------------------------


def test_answers_under_a_blank_header_are_one_error_naming_the_column(tmp_path):
    def blank(ws: Worksheet) -> None:
        ws[f"{GENDER_IDENTITY}1"] = None

    r = check(slipped(tmp_path, blank))
    assert r.status == "rejected"
    assert where(r.errors) == [("error", "layout.no_header", "Workforce", 1, "G1")]
    (error,) = r.errors
    assert error.message_en == (
        "Column G has no header (cell G1 is blank) but holds 30 values, on rows 2, 3, 4, 5, 6, "
        "7, 8, 9, 10, 11 and 20 more: nothing in it can be read. Give the column its header "
        "from the template, or delete the column.")
    assert error.message_cy.startswith(
        "Nid oes pennawd gan golofn G (mae cell G1 yn wag) ond mae'n cynnwys 30 o werthoedd, ar "
        "resi 2, 3,")
    assert "layout" not in " ".join(i.code for i in r.warnings)


def test_values_right_of_the_data_under_no_header_are_an_error(tmp_path):
    def notes(ws: Worksheet) -> None:
        ws["AH5"], ws["AH9"] = "left early?", 3

    r = check(slipped(tmp_path, notes))
    assert where(r.issues) == [("error", "layout.no_header", "Workforce", 1, "AH1")]
    assert "holds 2 values, on rows 5 and 9" in r.issues[0].message_en


def test_a_blank_header_cell_is_named_on_the_header_row_where_it_is(tmp_path):
    """The messy sample: Welsh sheets, the header row on row 4."""
    wb = load_workbook(TCG)
    ws = wb["Gweithlu"]
    ws["AG6"] = "extra"
    path = tmp_path / "tcg.xlsx"
    wb.save(path)
    r = check(path, TCG)
    assert where(r.issues) == [("error", "layout.no_header", "Gweithlu", 4, "AG4")]
    assert "holds 1 value, on row 6" in r.issues[0].message_en
    assert "1 gwerth, ar res 6" in r.issues[0].message_cy


# --- Merged cells ----------------------------------------------------------------------------


def test_a_merged_header_is_an_error_naming_the_range(tmp_path):
    r = check(slipped(tmp_path, lambda ws: ws.merge_cells("F1:G1")))
    # the answers under G are the merge's issue, not a second one about a blank header
    assert where(r.errors) == [("error", "layout.merged_header", "Workforce", 1, "F1")]
    assert "The header cells F1:G1 are merged" in r.errors[0].message_en
    assert "Unmerge" in r.errors[0].message_en and "Dad-unwch" in r.errors[0].message_cy


def test_merged_cells_in_the_data_are_one_error_each_and_nothing_else(tmp_path):
    def merge(ws: Worksheet) -> None:
        ws.merge_cells("A3:A4")  # A4's staff reference is gone: the merge says so, once
        ws.merge_cells("Q5:Q7")

    r = check(slipped(tmp_path, merge))
    assert where(r.issues) == [
        ("error", "layout.merged_cells", "Workforce", 3, "A3"),
        ("error", "layout.merged_cells", "Workforce", 5, "Q5"),
    ]
    assert r.issues[0].message_en.startswith("The cells A3:A4 are merged.")


def test_merged_title_cells_above_the_header_are_fine(tmp_path):
    def title(ws: Worksheet) -> None:
        ws.insert_rows(1, 2)
        ws["A1"] = "Cwm Tawel Wellbeing Commissioner: Workforce"
        ws.merge_cells("A1:F1")

    r = check(slipped(tmp_path, title))
    assert r.status == "accepted" and r.issues == []


# --- A second header row -----------------------------------------------------------------------


def test_a_repeated_header_row_is_one_error_and_not_read(tmp_path):
    def paste(ws: Worksheet) -> None:
        headers = [c.value for c in ws[1]]
        ws.insert_rows(17)
        for col, h in enumerate(headers, start=1):
            ws.cell(17, col, h)

    r = check(slipped(tmp_path, paste))
    assert where(r.issues) == [("error", "layout.repeated_header", "Workforce", 17, "A17")]
    assert "Delete this repeated header row" in r.issues[0].message_en
    wf = r.tables["workforce"]
    assert len(wf) == STAFF and 17 not in wf.index


def test_a_fuller_header_row_further_down_makes_the_first_one_the_repeat(tmp_path):
    """The header search takes the row matching most headers: the first header row, with a
    blank cell, is then the repeat, and the person between the two is not read."""
    def paste(ws: Worksheet) -> None:
        headers = [c.value for c in ws[1]]
        ws.insert_rows(3)
        for col, h in enumerate(headers, start=1):
            ws.cell(3, col, h)
        ws[f"{GENDER_IDENTITY}1"] = None

    r = check(slipped(tmp_path, paste))
    assert where(r.issues) == [("error", "layout.repeated_header", "Workforce", 1, "A1")]


# --- Totals rows -------------------------------------------------------------------------------


def _totals(label_cell: str | None, label: str | None, count_yes: bool = True):
    """A totals row under the staff: a label, a count of Yes answers (COUNTIF), the FTE sum."""
    def add(ws: Worksheet) -> None:
        row = STAFF + 2
        if label_cell:
            ws[f"{label_cell}{row}"] = label
        if count_yes:
            ws[f"{GENDER_IDENTITY}{row}"] = column_values(ws, GENDER_IDENTITY).count("Yes")
        ws[f"{FTE}{row}"] = sum(column_values(ws, FTE))
    return add


@pytest.mark.parametrize(("label_cell", "label", "column", "value"), [
    (REF, "Total", "Staff reference", "Total"),
    (REF, "TOTALS:", "Staff reference", "TOTALS:"),
    (REF, "Cyfanswm", "Staff reference", "Cyfanswm"),
    (GRADE, "Grand total", "Grade", "Grand total"),  # any text cell of the row
])
def test_a_totals_row_is_one_error_at_that_row_and_not_read(tmp_path, label_cell, label,
                                                            column, value):
    r = check(slipped(tmp_path, _totals(label_cell, label)))
    cell = f"{label_cell}{STAFF + 2}"
    assert where(r.issues) == [("error", "layout.totals_row", "Workforce", STAFF + 2, cell)]
    (error,) = r.issues
    assert (error.column, error.value) == (column, value)
    assert error.message_en.startswith(f"Row {STAFF + 2} is a totals row. Remove the totals row")
    wf = r.tables["workforce"]
    assert len(wf) == STAFF and STAFF + 2 not in wf.index


def test_a_row_of_sums_with_no_label_is_a_totals_row(tmp_path):
    def sums(ws: Worksheet) -> None:
        for letter in (FTE, PAY):
            ws[f"{letter}{STAFF + 2}"] = sum(v for v in column_values(ws, letter) if v)

    r = check(slipped(tmp_path, sums))
    assert where(r.issues) == [("error", "layout.totals_row", "Workforce", STAFF + 2, "A32")]


def test_subtotals_and_a_grand_total_are_one_error_each(tmp_path):
    def blocks(ws: Worksheet) -> None:
        first = sum(ws[f"{FTE}{r}"].value for r in range(2, 17))
        everyone = sum(column_values(ws, FTE))
        ws.insert_rows(17)
        ws["A17"], ws[f"{FTE}17"] = "Is-gyfanswm", first
        ws[f"{FTE}{STAFF + 3}"] = everyone  # no label: the sum of every person above

    r = check(slipped(tmp_path, blocks))
    assert where(r.issues) == [
        ("error", "layout.totals_row", "Workforce", 17, "A17"),
        ("error", "layout.totals_row", "Workforce", STAFF + 3, f"A{STAFF + 3}"),
    ]


def _profile(rows: list[list[object]]) -> tuple[RawSheet, SheetLayout]:
    headers = ["Activity reference", "Characteristic", "Category", "Participants"]
    layout = SheetLayout("EngagementProfile", 1, {
        "activity_ref": (0, headers[0]), "characteristic": (1, headers[1]),
        "category": (2, headers[2]), "participants": (3, headers[3])})
    return RawSheet("EngagementProfile", [headers, *rows], set()), layout


def test_a_row_with_its_own_reference_is_data_whatever_its_numbers_add_up_to():
    raw, layout = _profile([["ACT1", "sex", "Female", 3], ["ACT1", "sex", "Male", 4],
                            ["ACT2", "sex", "Female", 7]])
    found = layout_checks.check_data_sheet(std.ENGAGEMENT_PROFILE, raw, layout)
    assert found.issues == [] and found.skip_rows == set()


def test_sums_with_no_reference_are_a_totals_row_only_over_two_rows_or_more():
    raw, layout = _profile([["ACT1", "sex", "Female", 3], ["ACT1", "sex", "Male", 4],
                            [None, None, None, 7], [None, None, None, 3]])
    found = layout_checks.check_data_sheet(std.ENGAGEMENT_PROFILE, raw, layout)
    assert [(code, w["row"]) for _, code, w in found.issues] == [("layout.totals_row", 4)]
    assert found.skip_rows == {3}
    raw, layout = _profile([["ACT1", "sex", "Female", 3], [None, None, None, 3]])
    found = layout_checks.check_data_sheet(std.ENGAGEMENT_PROFILE, raw, layout)
    assert found.issues == [] and found.skip_rows == set()


# --- Hidden rows and columns, filters ---------------------------------------------------------


def test_hidden_rows_columns_and_a_filter_are_one_warning(tmp_path):
    def hide(ws: Worksheet) -> None:
        for r in range(3, 15):
            ws.row_dimensions[r].hidden = True
        ws.column_dimensions[IN_POST].hidden = True
        ws.auto_filter.ref = ws.dimensions
        ws.auto_filter.add_filter_column(5, ["Female"])

    r = check(slipped(tmp_path, hide))
    assert r.status == "accepted"
    assert where(r.issues) == [("warning", "layout.hidden", "Workforce", None, None)]
    (warning,) = r.issues
    assert warning.message_en == (
        "Rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 2 more are hidden; column B is hidden; a "
        "filter is on: check that every row you meant to send is included. Everything in "
        "hidden rows and columns is read, as if it were not hidden.")
    assert warning.message_cy.startswith(
        "Mae rhesi 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 a 2 rhes arall wedi'u cuddio; mae colofn B "
        "wedi'i chuddio; mae hidlydd ymlaen: gwiriwch")
    assert len(r.tables["workforce"]) == STAFF  # read as usual


def test_one_hidden_row_in_the_about_sheet_is_named(tmp_path):
    def hide(ws: Worksheet) -> None:
        ws.row_dimensions[6].hidden = True

    r = check(slipped(tmp_path, hide, sheet="About"))
    assert where(r.issues) == [("warning", "layout.hidden", "About", None, None)]
    assert r.issues[0].message_en.startswith("Row 6 is hidden: check")


def test_hidden_empty_rows_and_columns_and_filter_buttons_alone_say_nothing(tmp_path):
    def tidy(ws: Worksheet) -> None:
        ws.row_dimensions[40].hidden = True
        ws.column_dimensions["AK"].hidden = True
        ws.auto_filter.ref = ws.dimensions  # the buttons, with nothing filtered

    r = check(slipped(tmp_path, tidy))
    assert r.status == "accepted" and r.issues == []


# --- Where the partner sees them ---------------------------------------------------------------


def test_slips_reach_the_json_and_the_feedback_workbook(tmp_path):
    def both(ws: Worksheet) -> None:
        _totals(REF, "Total")(ws)
        ws.row_dimensions[5].hidden = True

    path = slipped(tmp_path, both)
    report = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["validate", str(path), "--json", "--report", str(report)])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert [(e["code"], e["sheet"], e["row"], e["cell"]) for e in payload["errors"]] == [
        ("layout.totals_row", "Workforce", STAFF + 2, f"A{STAFF + 2}")]
    # the sample's own warnings (an empty sheet) are there too
    assert [w["code"] for w in payload["warnings"] if w["code"].startswith("layout.")] == [
        "layout.hidden"]
    issues = list(load_workbook(report, read_only=True)["Issues"].iter_rows(values_only=True))
    codes = {row[1]: row for row in issues[1:]}
    assert {c for c in codes if c.startswith("layout.")} == {"layout.totals_row", "layout.hidden"}
    assert codes["layout.totals_row"][3] == STAFF + 2
    assert "rhes gyfansymiau" in codes["layout.totals_row"][8]


# --- Saved by LibreOffice ----------------------------------------------------------------------


def test_slips_saved_by_libreoffice_give_the_same_issues(tmp_path):
    def layout_slips(ws: Worksheet) -> None:
        ws.merge_cells("Q5:Q7")
        for r in (9, 10):
            ws.row_dimensions[r].hidden = True
        ws.column_dimensions[IN_POST].hidden = True
        ws.auto_filter.ref = ws.dimensions
        ws.auto_filter.add_filter_column(5, ["Female"])

    made = [slipped(tmp_path, _totals(REF, "Total"), name="totals.xlsx"),
            slipped(tmp_path, layout_slips, name="layout.xlsx")]
    saved_again(made, tmp_path / "libreoffice")
    out = tmp_path / "libreoffice"
    for path in made:
        ours, theirs = check(path), check(out / path.name)
        assert where(theirs.issues) == where(ours.issues) != []
        assert [i.message_en for i in theirs.issues] == [i.message_en for i in ours.issues]


# --- Nothing dropped: a property ---------------------------------------------------------------


def _held(path: Path, result: ValidationResult) -> int:
    """Non-blank cells below each data sheet's header row, in its recognised columns."""
    wb = load_workbook(path, data_only=True)
    held = 0
    for layout in result.layouts.values():
        ws = wb[layout.name]
        for row in ws.iter_rows(min_row=layout.header_row + 1, values_only=True):
            for col, _ in layout.columns.values():
                v = row[col] if col < len(row) else None
                held += v is not None and not (isinstance(v, str) and not v.strip())
    return held


def _stored(result: ValidationResult) -> int:
    return sum(int(result.tables[s.table][[f.name for f in s.fields]].notna().sum().sum())
               for s in std.DATA_SHEETS if s.table in result.tables)


SLIPS = st.fixed_dictionaries({
    "blank_row": st.none() | st.integers(3, 12),
    "repeated_header": st.none() | st.integers(3, 12),
    "unheaded_values": st.none() | st.sets(st.integers(2, 13), min_size=1, max_size=3),
    "blank_header": st.none() | st.integers(1, 32),
    "merge": st.none() | st.tuples(st.integers(2, 12), st.integers(1, 32)),
    "hidden_rows": st.none() | st.sets(st.integers(2, 13), min_size=1, max_size=4),
    "totals": st.booleans(),
})


def _apply(ws: Worksheet, slips: dict) -> bool:
    """Make the slips in a Workforce sheet of 12 staff (header in row 1, 32 columns); whether
    one of them must reject the return."""
    blocking = False
    if slips["blank_row"]:
        ws.insert_rows(slips["blank_row"])
    if slips["repeated_header"]:
        headers = [c.value for c in ws[1]]
        ws.insert_rows(slips["repeated_header"])
        for col, h in enumerate(headers, start=1):
            ws.cell(slips["repeated_header"], col, h)
        blocking = True
    if slips["unheaded_values"]:
        for r in slips["unheaded_values"]:
            ws.cell(r, 34, "note")
        blocking = True
    if slips["blank_header"]:
        ws.cell(1, slips["blank_header"]).value = None
    if slips["merge"]:
        row, col = slips["merge"]
        ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
        blocking = True
    for r in slips["hidden_rows"] or ():
        ws.row_dimensions[r].hidden = True
    if slips["totals"]:
        last = ws.max_row
        ws.cell(last + 1, 1, "Total")
        ws.cell(last + 1, 21, sum(c.value or 0 for (c,) in ws.iter_rows(2, last, 21, 21)
                                  if isinstance(c.value, int | float)))
        blocking = True
    return blocking


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(slips=SLIPS)
def test_no_accepted_return_stores_fewer_cells_than_its_recognised_columns_held(tmp_path, slips):
    path = write_return(tmp_path / f"{uuid.uuid4().hex}.xlsx")
    wb = load_workbook(path)
    blocking = _apply(wb["Workforce"], slips)
    wb.save(path)
    r = validate_file(path, today=TODAY)
    if blocking:
        assert r.status == "rejected", slips
    if r.status == "accepted":
        assert _stored(r) >= _held(path, r), slips


def test_the_property_counts_what_a_valid_return_holds(tmp_path):
    """The count the property compares is not vacuous: a valid return stores every cell."""
    path = write_return(tmp_path / "r.xlsx")
    r = validate_file(path, today=TODAY)
    assert r.status == "accepted" and _held(path, r) > 300
    assert _stored(r) >= _held(path, r)


def test_a_plain_workbook_with_a_totals_row_is_refused_whatever_wrote_it(tmp_path):
    """A return written from scratch (no template) with a totals row."""
    wb = Workbook()
    about = wb.active
    about.title = "About"
    for key, value in (("Body code", "TEST"), ("Body name", "Test"), ("Period", "2025-26 Q1")):
        about.append([key, value])
    ws = wb.create_sheet("EngagementProfile")
    ws.append(["Activity reference", "Characteristic", "Category", "Participants"])
    ws.append(["ACT1", "sex", "Female", 3])
    ws.append(["ACT1", "sex", "Male", 4])
    ws.append(["Total", None, None, 7])
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    r = validate_file(path, today=date(2026, 1, 1))
    profile = [(i.code, i.row) for i in r.issues if i.sheet == "EngagementProfile"]
    assert [(code, row) for code, row in profile if row == 4] == [("layout.totals_row", 4)]


# --- The sheet XML scan ------------------------------------------------------------------------


def _marks(*regions: bytes, max_rows: int = 300_000) -> SheetMarks:
    scan = _MarksScan(max_rows)
    for region in regions:
        scan.add(region)
    return scan.result()


def test_the_scan_reads_marks_however_they_are_written():
    marks = _marks(
        b'<x:row r="3" hidden="1"><x:c r="A3"/></x:row><row r="4" hidden="false"/>'
        b"<row r='7' spans='1:3' hidden='true'/><row r=\"9\" ht=\"0\"/>",
        b'<cols><col min="2" max="3" hidden="1"/><col min="5" max="5" width="9"/></cols>',
        b'<autoFilter ref="A1:F40"/><mergeCells count="3"><mergeCell ref="C1:D1"/>'
        b'<x:mergeCell ref="$B$5:B7"/><mergeCell ref="E5"/><mergeCell ref="A1:B"/>',
    )
    assert marks == SheetMarks(merged=((0, 2, 0, 3), (4, 1, 6, 1)), hidden_rows=(2, 6),
                               hidden_columns=((1, 2),), filter_ref="A1:F40",
                               filter_active=False)
    assert _marks(b'<autoFilter ref="A1:F40">', b'<filterColumn colId="2">').filter_active


def test_the_scan_keeps_marks_within_bounds():
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (r, r) for r in range(1, 10_100))
    marks = _marks(merges, b'<row r="300001" hidden="1"/><row r="12" hidden="1"/>',
                   b'<row r="12" hidden="1"/>' * 1000, max_rows=300_000)
    assert len(marks.merged) == 10_000 and marks.hidden_rows == (11,)
