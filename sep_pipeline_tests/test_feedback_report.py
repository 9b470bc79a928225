"""The feedback workbook: right content, right marks, and partner text never becomes a formula."""

from __future__ import annotations

import datetime as dt
import pickle
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sep_pipeline.intake.feedback_report import (
    HEADER_SCAN_ROWS,
    REPLACEMENT,
    clean_text,
    report_rows,
    write_report,
)
from sep_pipeline.standard.issues import Issue

RED, AMBER = "FFFFC7CE", "FFFFEB9C"
HOSTILE = ["=1+1", "@cmd", "+44", "-2", '=HYPERLINK("http://evil","x")', "\t=1", "@SUM(1)"]

SHEETS: dict[str, list[list[object]]] = {
    "Workforce": [
        ["Staff reference", "Sex", "Start date", "Hourly pay", "Shoe size", "In post"],
        ["E1", "=1+1", dt.date(2024, 5, 1), 12.5, 9, True],
        ["E2", "@cmd", dt.datetime(2025, 4, 2, 9, 30), "+44", "-2", False],
        ["E3", "Female", None, 1e6, '=HYPERLINK("http://evil","x")', None],
    ],
    "About": [["Field", "Value"], ["Body code", "@SUM(1)"], ["Period", "2025-26 Q1"]],
}
ISSUES = [
    Issue(
        "warning",
        "unknown_column",
        "Unknown column dropped.",
        "Colofn anhysbys.",
        sheet="Workforce",
        column="Shoe size",
    ),
    Issue(
        "error",
        "bad_code",
        "Not a code for Sex.",
        "Nid yw'n god Rhyw.",
        sheet="Workforce",
        row=2,
        column="Sex",
        value="=1+1",
    ),
    Issue(
        "warning",
        "pay_outlier",
        "Pay is far from the median.",
        "Cyflog ymhell o'r canolrif.",
        sheet="Workforce",
        row=4,
        column="Hourly pay",
        value="1000000",
    ),
    Issue(
        "error",
        "bad_date",
        "Start date after the quarter.",
        "Dyddiad ar ôl y chwarter.",
        sheet="Workforce",
        row=3,
        column="Start date",
        cell="C3",
        value="2025-04-02",
    ),
    Issue(
        "error",
        "missing_value",
        "Enter the start date.",
        "Rhowch y dyddiad dechrau.",
        sheet="Workforce",
        row=4,
        column="Start date",
    ),  # a blank cell
    Issue(
        "error",
        "required_when",
        "Enter the leave date.",
        "Rhowch y dyddiad gadael.",
        sheet="Workforce",
        row=4,
        cell="G4",
    ),  # beyond the data
    Issue(
        "error",
        "bad_period",
        "Not a period.",
        "Nid cyfnod.",
        sheet="About",
        row=3,
        cell="B3",
        value="2025-26 Q1",
    ),
    Issue(
        "error",
        "missing_column",
        "Add a Leave date column.",
        "Ychwanegwch golofn.",
        sheet="Workforce",
        column="Leave date",
    ),  # no such header: listed only
    Issue(
        "error", "identifier_column", "Remove names.", "Tynnwch enwau.", sheet="Workforce", row=3
    ),  # a whole row: its first cell
    Issue("error", "no_sheet", "No Workforce sheet.", "Dim taflen Gweithlu."),  # file level
]
# Workforce cell -> expected fill (errors win over warnings).
MARKED = {"E1": AMBER, "B2": RED, "D4": AMBER, "C3": RED, "C4": RED, "G4": RED, "A3": RED}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("r") / "feedback.xlsx"
    write_report(path, ISSUES, SHEETS, file_name="=cmd|'/c calc'!A1.xlsx", status="rejected")
    return openpyxl.load_workbook(path)


def _cells(ws):
    return [c for row in ws.iter_rows() for c in row]


def _text(ws) -> str:
    return "\n".join(str(c.value) for c in _cells(ws) if c.value is not None)


def test_sheets_in_order(report):
    assert report.sheetnames == ["Summary", "Issues", "Workforce", "About"]


def test_summary_status_counts_and_welsh(report):
    ws = report["Summary"]
    text = _text(ws)
    assert "Rejected — nothing from this file was loaded." in text
    assert "Gwrthodwyd — ni lwythwyd dim o'r ffeil hon." in text
    assert "=cmd|'/c calc'!A1.xlsx" in text  # the file name, as text
    values = {c.value: ws.cell(c.row, 2).value for c in ws["A"] if c.value}
    assert values["Errors"] == 8 and values["Warnings"] == 2
    assert "Gwallau" in values and "Rhybuddion" in values
    codes = {c.value: ws.cell(c.row, 3).value for c in ws["A"] if c.value}
    assert all(codes[i.code] == 1 for i in ISSUES)


def test_issues_sheet_order_and_messages(report):
    ws = report["Issues"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(ISSUES)
    assert [r[1] for r in rows] == [
        "no_sheet",  # errors: file level first, then by sheet (as in the file), row, column
        "missing_column",
        "bad_code",
        "identifier_column",
        "bad_date",
        "missing_value",
        "required_when",
        "bad_period",
        "unknown_column",
        "pay_outlier",  # then warnings
    ]
    by_code = {i.code: i for i in ISSUES}
    for sev, code, sheet, row, _column, _cell, value, en, cy in rows:
        i = by_code[code]
        assert (sev, sheet, row, value, en, cy) == (
            i.severity.title(),
            i.sheet,
            i.row,
            i.value,
            i.message_en,
            i.message_cy,
        )
    cells = {r[1]: r[5] for r in rows}
    assert cells["bad_code"] == "B2" and cells["missing_value"] == "C4"
    assert cells["unknown_column"] == "E1" and cells["missing_column"] is None
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I11"
    link = next(c for c in ws["F"] if c.value == "B2").hyperlink
    assert link.location == "'Workforce'!B2"


def test_marked_cells_have_fill_and_comment_and_others_do_not(report):
    ws = report["Workforce"]
    for cell in _cells(ws):
        expected = MARKED.get(cell.coordinate)
        if expected:
            assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == expected
            assert cell.comment is not None
        else:
            assert cell.fill.fill_type is None and cell.comment is None, cell.coordinate
    assert {c.coordinate for c in _cells(ws) if c.comment} == set(MARKED)
    comment = ws["B2"].comment.text
    assert "Not a code for Sex." in comment and "Nid yw'n god Rhyw." in comment
    assert ws["C3"].comment.text.startswith("Error (bad_date): Start date after")
    assert report["About"]["B3"].fill.fgColor.rgb == RED


def test_values_keep_their_type_and_text_is_never_a_formula(report):
    ws = report["Workforce"]
    for coord, value in [
        ("B2", "=1+1"),
        ("B3", "@cmd"),
        ("D3", "+44"),
        ("E3", "-2"),
        ("E4", '=HYPERLINK("http://evil","x")'),
        ("A2", "E1"),
    ]:
        assert ws[coord].data_type == "s" and ws[coord].value == value
    assert report["About"]["B2"].value == "@SUM(1)" and report["About"]["B2"].data_type == "s"
    assert ws["C2"].value == dt.datetime(2024, 5, 1) and ws["C2"].is_date
    assert ws["C2"].number_format == "dd/mm/yyyy"
    assert ws["C3"].value == dt.datetime(2025, 4, 2, 9, 30) and ws["C3"].is_date
    assert ws["D2"].value == 12.5 and ws["D2"].data_type == "n"
    assert ws["D4"].value == 1e6
    assert ws["F2"].value is True and ws["F2"].data_type == "b"
    for sheet in report:
        assert all(c.data_type != "f" for c in _cells(sheet)), sheet.title


def test_report_is_readable_by_calamine(report, tmp_path):
    path = write_report(tmp_path / "r.xlsx", ISSUES, SHEETS, file_name="f", status="rejected")
    cal = CalamineWorkbook.from_path(str(path))
    assert cal.sheet_names == report.sheetnames
    assert cal.get_sheet_by_name("Workforce").to_python()[1][1] == "=1+1"


def test_unreadable_file_has_summary_and_issues_only(tmp_path):
    issues = [Issue("error", "corrupt", "The file is not a workbook.", "Nid llyfr gwaith.")]
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "r.xlsx", issues, None, file_name="x.xlsx", status="rejected")
    )
    assert wb.sheetnames == ["Summary", "Issues"]
    assert "no copy of its sheets" in _text(wb["Summary"])
    assert wb["Issues"]["B2"].value == "corrupt"


def test_issue_cells_without_copies_are_still_listed(tmp_path):
    issues = [Issue("error", "x", "m", "n", sheet="Workforce", row=5, column="Sex", cell="B5")]
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "r.xlsx", issues, None, file_name="x.xlsx", status="rejected")
    )
    assert wb["Issues"]["F2"].value == "B5" and wb["Issues"]["F2"].hyperlink is None


def test_welsh_report(tmp_path):
    wb = openpyxl.load_workbook(
        write_report(
            tmp_path / "r.xlsx",
            ISSUES[:2],
            SHEETS,
            file_name="f.xlsx",
            status="accepted",
            lang="cy",
        )
    )
    assert wb.sheetnames[:2] == ["Crynodeb", "Problemau"]
    ws = wb["Crynodeb"]
    status_row = next(c.row for c in ws["A"] if c.value == "Statws")
    assert ws.cell(status_row, 2).value == "Derbyniwyd"
    assert ws.cell(status_row + 1, 2).value == "Accepted"  # English under the Welsh
    assert wb["Problemau"]["A2"].value == "Gwall"
    assert wb["Workforce"]["B2"].comment.text.startswith("Gwall (bad_code): Nid yw'n god Rhyw.")


def test_template_sheets_are_not_copied(tmp_path):
    sheets = {"Guidance": [["How to fill in"]], **SHEETS, "Lists": [["sex"], ["Female"]]}
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "r.xlsx", ISSUES, sheets, file_name="f", status="rejected")
    )
    assert wb.sheetnames == ["Summary", "Issues", "Workforce", "About"]


def test_accepted_without_issues(tmp_path):
    wb = openpyxl.load_workbook(
        write_report(
            tmp_path / "r.xlsx",
            [],
            {"Workforce": [["Staff reference"]]},
            file_name="f.xlsx",
            status="accepted",
        )
    )
    text = _text(wb["Summary"])
    assert "Accepted" in text and "Nothing more to do" in text
    assert wb["Issues"].max_row == 1
    assert wb.sheetnames == ["Summary", "Issues"]  # no marked cell, no copy


def test_sheet_names_made_valid_and_unique(tmp_path):
    long = "A very long sheet name that Excel would refuse"
    sheets = {
        long: [["a"]],
        long + " too": [["b"]],
        "Issues": [["c"]],
        "x/y:[z]?": [["d"]],
        "'quoted'": [["e"]],
        "Unmarked": [["f"]],  # nothing marked: no copy
    }
    issues = [Issue("error", "e", "m", "n", sheet=name, row=1, column=grid[0][0])
              for name, grid in sheets.items() if name != "Unmarked"]
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "r.xlsx", issues, sheets, file_name="f", status="rejected")
    )
    names = wb.sheetnames
    assert len(names) == len({n.casefold() for n in names}) == 7
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[2] == long[:31] and names[3].endswith("(2)")
    assert wb["Issues (2)"]["A1"].comment is not None  # the partner's "Issues", marked


def test_clean_text():
    assert clean_text("a\x00b\x1fc\r\nd\re\ud800f\uffff") == (
        f"a{REPLACEMENT}b{REPLACEMENT}c\nd\ne{REPLACEMENT}f{REPLACEMENT}"
    )
    assert clean_text("tab\tand\nline") == "tab\tand\nline"
    assert len(clean_text("x" * 40000)) == 32767


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
@example(["_x0041_", "\x7f\x85\u2028", " lead ", "\n", "😀", "&lt;<>&\"'", "a\x00b\r\nc"])
def test_any_text_reads_back_as_the_same_string(values):
    # openpyxl's reader deletes every "x005F_" (its half of Excel's _xHHHH_ escaping), so text
    # containing that sequence cannot be checked with it; xlsxwriter escapes it correctly.
    assume(all("x005F_" not in v for v in values))
    sheets = {"S": [[v] for v in values]}
    issues = [  # B1 is marked: row 1 is written cell by cell, the others as whole rows
        Issue("error", "c", values[0], values[-1], sheet="S", row=1, cell="B1", value=values[0])
    ]
    with tempfile.TemporaryDirectory() as tmp:
        wb = openpyxl.load_workbook(
            write_report(
                Path(tmp) / "r.xlsx", issues, sheets, file_name=values[0], status="rejected"
            )
        )
    row = wb["Issues"][2]
    for cell, v in [
        *((wb["S"].cell(r, 1), v) for r, v in enumerate(values, start=1)),
        (row[6], values[0]),
        (row[7], values[0]),
        (row[8], values[-1]),
    ]:
        expected = clean_text(v)
        if expected == "":
            assert cell.value in ("", None)  # an empty string may be stored as an empty cell
        else:
            assert cell.data_type == "s" and cell.value == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")))
def test_clean_text_keeps_xml_legal_text(v):
    legal = all(
        c in "\t\n" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000
        for c in v
    )
    assert (clean_text(v) == v) == legal


# --- Copies only of the sheets with a marked cell, read back from real files -----------------

PARTNER: dict[str, list[list[object]]] = {
    "About": [["body_code", "TEST"], ["notes", '=HYPERLINK("http://evil","x")']],
    "Workforce": [
        ["staff_ref", "sex", "start_date", "hourly_pay", "notes"],
        ["E1", "Female", dt.datetime(2020, 1, 1), 12.5, "=1+1"],
        ["E2", "Femail", dt.datetime(2021, 2, 3), 13.0, "@SUM(A1:A2)"],
        ["E3", "Male", None, 14.25, "+44 20 7946 0000"],
        *([f"E{n}", "Male", dt.datetime(2019, 4, 1), 10.0 + n, f"row {n}"] for n in range(4, 60)),
    ],
    "Actions": [["action_ref", "progress"], ["1.1", "On track"]],
}


def _partner_file(path: Path) -> Path:
    """The partner's workbook as Excel would save it: formula-looking text stored as text."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in PARTNER.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(grid, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    cell = ws.cell(r, c, v)
                    if isinstance(v, str):
                        cell.data_type = "s"  # openpyxl would take "=..." as a formula
    wb.save(path)
    return path


def _feedback(tmp_path: Path, status: str, issues: list[Issue], *, readable: bool = True,
              archive: Path | None = None) -> openpyxl.Workbook:
    """ingest.write_feedback on a real archived file, the report read back with openpyxl."""
    from sep_pipeline.common.config import Settings
    from sep_pipeline.intake.ingest import Outcome, Received, write_feedback

    archive = archive or _partner_file(tmp_path / "return.xlsx")
    received = Received("TEST", "2025-26 Q2", "return.xlsx", "0" * 64, str(archive),
                        dt.datetime.now(dt.UTC))
    cfg = Settings(tmp_path / "intake", tmp_path / "var", "sqlite://", "key")
    outcome = Outcome(received, status, "2025-26 Q2", "1.0", issues, readable=readable)
    path = write_feedback(outcome, cfg)
    assert path == tmp_path / "intake" / "TEST" / "feedback" / "return_feedback.xlsx"
    return openpyxl.load_workbook(path)


def test_accepted_return_without_cell_issues_has_no_copies_and_is_not_read_again(
    tmp_path, monkeypatch
):
    import sep_pipeline.intake.ingest as ingest

    def no_second_read(path):
        raise AssertionError("the archived file was read again")

    monkeypatch.setattr(ingest, "read_workbook", no_second_read)
    issues = [  # about a sheet, not a cell; and about the file
        Issue("warning", "sheet.empty", "Nothing in Actions.", "Dim yn Camau.", sheet="Actions"),
        Issue("warning", "file.note", "A note.", "Nodyn."),
    ]
    for found in ([], issues):
        wb = _feedback(tmp_path, "accepted", found)
        assert wb.sheetnames == ["Summary", "Issues"]
        text = _text(wb["Summary"])
        assert "Accepted" in text and "copies of your sheets" not in text
        assert "could not be read" not in text
        assert wb["Issues"].max_row == 1 + len(found)
    assert [r[2] for r in wb["Issues"].iter_rows(min_row=2, values_only=True)] == [None, "Actions"]


def test_rejected_return_copies_only_the_sheet_with_the_error(tmp_path):
    archive = _partner_file(tmp_path / "return.xlsx")
    issues = [
        Issue("error", "value.code", "Not a code for Sex.", "Nid yw'n god Rhyw.",
              sheet="Workforce", row=3, column="sex", value="Femail"),
        Issue("error", "value.code", "Not a code for Sex.", "Nid yw'n god Rhyw.",
              sheet="Workforce", row=40, column="sex", value="x"),
        Issue("warning", "sheet.note", "About the sheet.", "Am y daflen.", sheet="About"),
    ]
    wb = _feedback(tmp_path, "rejected", issues, archive=archive)
    assert wb.sheetnames == ["Summary", "Issues", "Workforce"]
    assert "copies of your sheets" in _text(wb["Summary"])
    link = wb["Issues"]["F2"]
    assert link.value == "B3" and link.hyperlink.location == "'Workforce'!B3"

    # the header rows and the marked rows, at their own addresses; the rest is left out
    partner, copy = openpyxl.load_workbook(archive)["Workforce"], wb["Workforce"]
    assert len(PARTNER["Workforce"]) > 40
    assert (copy.max_row, copy.max_column) == (40, 5)
    for row in partner.iter_rows():
        for cell in row:
            got = copy[cell.coordinate]
            if cell.row > HEADER_SCAN_ROWS and cell.row != 40:
                assert got.value is None, cell.coordinate
                continue
            assert (got.value, got.data_type) == (cell.value, cell.data_type), cell.coordinate
            if cell.coordinate in ("B3", "B40"):
                assert got.fill.fill_type == "solid" and got.fill.fgColor.rgb == RED
                assert got.comment.text.startswith("Error (value.code): Not a code for Sex.")
            else:
                assert got.fill.fill_type is None and got.comment is None, cell.coordinate
    for coord, text in [("E2", "=1+1"), ("E3", "@SUM(A1:A2)"), ("E4", "+44 20 7946 0000")]:
        assert copy[coord].value == text and copy[coord].data_type == "s"
    assert copy["C2"].is_date and copy["C2"].number_format == "dd/mm/yyyy"
    assert copy["D2"].data_type == "n"


def test_unreadable_return_is_not_read_again(tmp_path, monkeypatch):
    import sep_pipeline.intake.ingest as ingest

    monkeypatch.setattr(ingest, "read_workbook", lambda path: pytest.fail("read again"))
    issues = [Issue("error", "file.legacy_xls", "Save it as .xlsx.", "Cadwch hi fel .xlsx.")]
    wb = _feedback(tmp_path, "rejected", issues, readable=False)
    assert wb.sheetnames == ["Summary", "Issues"]
    assert "no copy of its sheets" in _text(wb["Summary"])


def test_sheets_are_loaded_only_when_an_issue_can_mark_a_cell(tmp_path):
    calls = []

    def load():
        calls.append(1)
        return SHEETS

    sheet_level = [Issue("error", "x", "m", "n", sheet="Workforce")]
    write_report(tmp_path / "a.xlsx", sheet_level, load, file_name="f", status="rejected")
    assert calls == []
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "b.xlsx", ISSUES, load, file_name="f", status="rejected")
    )
    assert calls == [1] and wb.sheetnames == ["Summary", "Issues", "Workforce", "About"]
    # A loader that finds the file unreadable: the report says so.
    wb = openpyxl.load_workbook(
        write_report(tmp_path / "c.xlsx", ISSUES, lambda: None, file_name="f", status="rejected")
    )
    assert wb.sheetnames == ["Summary", "Issues"]
    assert "no copy of its sheets" in _text(wb["Summary"])


def test_whole_rows_and_odd_values_in_a_copy(tmp_path):
    sheets = {"S": [
        ["a", float("nan"), dt.date(1850, 1, 1), dt.time(9, 30), dt.timedelta(hours=1)],  # odd
        ["=1+1", 1, True, dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 1, 9, 30)],  # whole
        [None, float("inf"), "x\r\ny\x00", None, dt.date(2025, 2, 3)],
    ]}
    issues = [Issue("error", "e", "m", "n", sheet="S", cell="A5")]  # below the data
    ws = openpyxl.load_workbook(
        write_report(tmp_path / "r.xlsx", issues, sheets, file_name="f", status="rejected")
    )["S"]
    got = [[(c.value, c.data_type) for c in row] for row in ws.iter_rows(max_row=3)]
    assert got == [
        [("a", "s"), ("nan", "s"), ("1850-01-01", "s"), (dt.time(9, 30), "d"), ("1:00:00", "s")],
        [("=1+1", "s"), (1, "n"), (True, "b"), (dt.datetime(2025, 1, 1), "d"),
         (dt.datetime(2025, 1, 1, 9, 30), "d")],
        [(None, "n"), ("inf", "s"), (f"x\ny{REPLACEMENT}", "s"), (None, "n"),
         (dt.datetime(2025, 2, 3), "d")],
    ]
    assert [ws[c].number_format for c in ("D1", "D2", "E2", "E3")] == [
        "hh:mm:ss", "dd/mm/yyyy", "dd/mm/yyyy hh:mm:ss", "dd/mm/yyyy"]
    assert ws["A5"].fill.fgColor.rgb == RED and ws["A5"].comment is not None


# --- What a worker sends the run's process: only the rows the report shows -------------------


def _parts(path: Path) -> dict[str, bytes]:
    """The report's parts but the one stamped with the time it was written."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


_HEADERS = ["Staff reference", "Sex", "Start date", "Hourly pay", "Grade"]


@st.composite
def _sheets_and_issues(draw):
    rows = draw(st.integers(min_value=0, max_value=450))
    header_at = draw(st.integers(min_value=0, max_value=HEADER_SCAN_ROWS - 1))
    value = st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["F", "M", "x", "=1+1"]))
    grid: list[list[object]] = [[] for _ in range(header_at)]
    grid.append(list(_HEADERS))
    grid += [[f"E{r}", *draw(st.lists(value, min_size=0, max_size=5))] for r in range(rows)]
    sheets = {"Workforce": grid, "About": [["Field", "Value"], ["Body code", "LA01"]]}
    last = len(grid) + 3
    issue = st.builds(
        Issue,
        st.sampled_from(["error", "warning"]), st.sampled_from(["a", "b"]),
        st.just("English."), st.just("Cymraeg."),
        sheet=st.sampled_from(["Workforce", "workforce", "About", None]),
        row=st.one_of(st.none(), st.integers(1, last)),
        column=st.one_of(st.none(), st.sampled_from([*_HEADERS, "Unknown"])),
        cell=st.one_of(st.none(), st.builds(lambda c, r: f"{c}{r}",
                                            st.sampled_from("ABCDEFG"), st.integers(1, last))),
        cells=st.lists(st.builds(lambda c, r: f"{c}{r}", st.sampled_from("ABCDEFG"),
                                 st.integers(1, last)), max_size=3).map(tuple),
    )
    return sheets, draw(st.lists(issue, max_size=12))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sheets_and_issues(), st.sampled_from(["en", "cy"]), st.sampled_from(["accepted",
                                                                             "rejected"]))
def test_the_rows_a_worker_sends_give_the_same_report(case, lang, status):
    sheets, issues = case
    with tempfile.TemporaryDirectory() as tmp:
        full, sent = Path(tmp) / "full.xlsx", Path(tmp) / "sent.xlsx"
        write_report(full, issues, sheets, file_name="f.xlsx", status=status, lang=lang)
        write_report(sent, issues, report_rows(issues, sheets), file_name="f.xlsx",
                     status=status, lang=lang)
        assert _parts(sent) == _parts(full)


def test_a_warning_on_one_staff_row_sends_that_row_and_the_first_rows(tmp_path):
    grid = [list(_HEADERS)] + [[f"E{r}", "F", None, 10.5 + r, "G1"] for r in range(25_000)]
    warning = Issue("warning", "pay_outlier", "Pay far from the median.", "Cyflog.",
                    sheet="Workforce", row=12_001, column="Hourly pay")
    sent = report_rows([warning], {"Workforce": grid})["Workforce"]
    assert len(sent) == len(grid)  # every row keeps its place
    assert [r for r, row in enumerate(sent) if row] == [*range(200), 12_000]
    assert sent[12_000] == grid[12_000]
    assert len(pickle.dumps(sent)) < len(pickle.dumps(grid)) / 4  # 5 bytes a left-out row
    write_report(tmp_path / "full.xlsx", [warning], {"Workforce": grid}, file_name="f.xlsx",
                 status="accepted")
    write_report(tmp_path / "sent.xlsx", [warning], {"Workforce": sent}, file_name="f.xlsx",
                 status="accepted")
    assert _parts(tmp_path / "sent.xlsx") == _parts(tmp_path / "full.xlsx")
