"""The reader's newer limits, each with a file just under it (read) and just over it (refused):
the text of one cell, the text of a workbook (shared strings counted in every cell that uses them),
sheets, cell formats, nesting; and control characters in a cell, refused naming the cell whatever
the XML spelling, while tab, line feed and carriage return are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sep_pipeline.intake.safe_read import (
    FileRefused,
    Limits,
    RawWorkbook,
    inspect_file,
    read_workbook,
)
from sep_pipeline.intake.validate import validate_file
from sep_pipeline_tests import bad_workbooks as bw

DEFAULT = Limits()


def refusal(path: Path, limits: Limits = DEFAULT) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read_workbook(path, limits)
    assert caught.value.issue.message_en != caught.value.issue.message_cy
    return caught.value


def one_cell(directory: Path, cell: str, strings: list[str] | None = None,
             name: str = "cell.xlsx", sheet: str = "Workforce") -> Path:
    """A header in A1 and the given cell (at C5 unless it says otherwise)."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Staff ref</t></is></c></row>'
            f'<row r="5">{cell}</row>')
    return bw.write_zip(directory / name,
                        bw.xlsx_parts({sheet: bw.sheet_xml(rows)}, shared_strings=strings))


def the_cell(wb: RawWorkbook) -> object:
    return wb.sheets["Workforce"].rows[4][2]


# --- the text of one cell: 32,767 characters, Excel's own limit -------------------------------


@pytest.mark.parametrize("kind", ["inline", "shared", "formula"])
def test_a_cell_holds_at_most_32767_characters(kind: str, tmp_path: Path) -> None:
    def cell(text: str) -> tuple[str, list[str] | None]:
        if kind == "inline":
            return f'<c r="C5" t="inlineStr"><is><t>{text}</t></is></c>', None
        if kind == "shared":
            return '<c r="C5" t="s"><v>0</v></c>', [text]
        return f'<c r="C5" t="str"><f>A1</f><v>{text}</v></c>', None

    limit = DEFAULT.max_cell_text
    assert limit == 32_767
    under = one_cell(tmp_path, *cell("a" * limit), name="under.xlsx")
    assert the_cell(read_workbook(under)) == "a" * limit
    refused = refusal(one_cell(tmp_path, *cell("a" * (limit + 1)), name="over.xlsx"))
    issue = refused.issue
    assert (issue.code, refused.reason) == ("file.cell_too_long", "text.cell_length")
    assert (issue.sheet, issue.row, issue.cell) == ("Workforce", 5, "C5")
    assert "C5" in issue.message_en and "32,768" in issue.message_en
    assert "32,767" in issue.message_cy


def test_characters_are_counted_not_bytes(tmp_path: Path) -> None:
    """32,767 two-byte Welsh letters (65,534 bytes) are under the limit."""
    text = "ŵ" * DEFAULT.max_cell_text
    path = one_cell(tmp_path, f'<c r="C5" t="inlineStr"><is><t>{text}</t></is></c>')
    assert the_cell(read_workbook(path)) == text


def test_rich_text_runs_add_up(tmp_path: Path) -> None:
    runs = "".join(f"<r><t>{'b' * 10_000}</t></r>" for _ in range(3))
    under = one_cell(tmp_path, f'<c r="C5" t="inlineStr"><is>{runs}<r><t>{"c" * 2_767}</t></r>'
                               "</is></c>", name="under.xlsx")
    assert len(the_cell(read_workbook(under))) == 32_767  # type: ignore[arg-type]
    over = one_cell(tmp_path, f'<c r="C5" t="inlineStr"><is>{runs}<r><t>{"c" * 2_768}</t></r>'
                              "</is></c>", name="over.xlsx")
    assert refusal(over).issue.cell == "C5"


def test_every_long_cell_is_named(tmp_path: Path) -> None:
    long = "x" * 40_000
    cells = "".join(f'<c r="{c}5" t="inlineStr"><is><t>{long}</t></is></c>' for c in "BCDE")
    issue = refusal(one_cell(tmp_path, cells)).issue
    assert issue.cell == "B5" and "The same in C5, D5 and E5." in issue.message_en
    assert "Yr un peth yn C5, D5 a E5." in issue.message_cy


# --- the text of a workbook: 100,000,000 characters, shared strings in every cell using them --


def test_shared_strings_count_in_every_cell_that_uses_them(tmp_path: Path) -> None:
    """One 25,000-character string in 4,000 cells is the limit exactly; in 4,001, over it."""
    assert DEFAULT.max_workbook_text == 100_000_000

    def workbook(cells: int, name: str) -> Path:
        sheet = bw.sheet_xml(bw.shared_string_cells(cells), None)
        return bw.write_zip(tmp_path / name, bw.xlsx_parts({"Actions": sheet},
                                                           shared_strings=["a" * 25_000]))

    read = read_workbook(workbook(4_000, "under.xlsx"))
    assert sum(map(len, read.sheets["Actions"].rows[39])) == 100 * 25_000
    over = workbook(4_001, "over.xlsx")
    refused = refusal(over)
    assert (refused.issue.code, refused.issue.sheet) == ("file.too_much_text", "Actions")
    assert "100,025,000" in refused.issue.message_en
    with pytest.raises(FileRefused) as caught:  # before calamine sees it: the checks alone
        inspect_file(over)
    assert caught.value.issue.code == "file.too_much_text"


def test_inline_text_counts_too(tmp_path: Path) -> None:
    cells = "".join(f'<c r="{c}5" t="inlineStr"><is><t>{"z" * 250}</t></is></c>' for c in "BCDE")
    path = one_cell(tmp_path, cells)
    limits = Limits(max_workbook_text=1_009)  # 1,000 + the header (9)
    read_workbook(path, limits)
    assert refusal(path, Limits(max_workbook_text=1_008)).issue.code == "file.too_much_text"


def test_each_shared_string_counts_at_least_once(tmp_path: Path) -> None:
    """Strings no cell uses still cost calamine their memory."""
    path = one_cell(tmp_path, '<c r="C5" t="s"><v>0</v></c>', strings=["x" * 10, "y" * 500])
    read_workbook(path, Limits(max_workbook_text=510 + 9))
    assert refusal(path, Limits(max_workbook_text=510 + 8)).reason == "file.too_much_text"


# --- sheets, cell formats, nesting ------------------------------------------------------------


def test_sheets(tmp_path: Path) -> None:
    limit = DEFAULT.max_sheets
    read = read_workbook(bw.many_sheets(tmp_path, count=limit))
    assert len(read.sheets) == limit
    assert refusal(bw.many_sheets(tmp_path, count=limit + 1)).issue.code == "file.too_many_sheets"


def test_cell_formats(tmp_path: Path) -> None:
    limit = DEFAULT.max_styles
    read_workbook(bw.many_styles(tmp_path, count=limit))
    assert refusal(bw.many_styles(tmp_path, count=limit + 1)).issue.code == "file.too_many_styles"


def test_nesting_of_the_workbook_part(tmp_path: Path) -> None:
    limit = DEFAULT.max_xml_depth  # <workbook> is one level: 99 more make 100
    read_workbook(bw.deep_nesting(tmp_path, depth=limit - 1))
    assert refusal(bw.deep_nesting(tmp_path, depth=limit)).reason == "xml.depth"


def test_the_parse_memory_budget(tmp_path: Path) -> None:
    """The same file read within a budget its cells fit, refused within one they do not."""
    sheet = bw.sheet_xml(bw.shared_string_cells(100_000), None)
    path = bw.write_zip(tmp_path / "text.xlsx",
                        bw.xlsx_parts({"S": sheet}, shared_strings=["t" * 900]))
    read_workbook(path, Limits(max_parse_memory=1024 * 1024**2))
    refused = refusal(path, Limits(max_parse_memory=48 * 1024**2))
    assert refused.issue.code == "file.too_complex"


# --- control characters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "char"),
    [
        ("_x0000_", "U+0000"),  # how Excel writes NUL
        ("_x001b_", "U+001B"),
        ("&#7;", "U+0007"),
        ("&#x1F;", "U+001F"),
        ("&#127;", "U+007F"),
        ("\x01", "U+0001"),  # raw: not well-formed XML, read all the same
        ("\u0085", "U+0085"),  # a C1 control, as UTF-8
        ("_x0090_", "U+0090"),
    ],
)
@pytest.mark.parametrize("kind", ["inline", "shared"])
def test_a_control_character_is_refused_naming_its_cell(
    spelling: str, char: str, kind: str, tmp_path: Path
) -> None:
    text = f"E0{spelling}7"
    if kind == "inline":
        path = one_cell(tmp_path, f'<c r="C5" t="inlineStr"><is><t>{text}</t></is></c>')
    else:
        path = one_cell(tmp_path, '<c r="C5" t="s"><v>0</v></c>', strings=[text])
    refused = refusal(path)
    issue = refused.issue
    assert (issue.code, refused.reason) == ("file.control_characters", "text.control")
    assert (issue.sheet, issue.row, issue.cell) == ("Workforce", 5, "C5")
    assert issue.value == f"E0[{char}]7"
    assert char in issue.message_en and "C5" in issue.message_cy


@pytest.mark.parametrize("spelling", ["\t", "\n", "\r\n", "_x000D_", "_x000a_", "&#9;", "&#10;"])
def test_tab_line_feed_and_carriage_return_are_text(spelling: str, tmp_path: Path) -> None:
    path = one_cell(tmp_path, f'<c r="C5" t="inlineStr"><is><t>a{spelling}b</t></is></c>')
    assert the_cell(read_workbook(path)).startswith("a")  # type: ignore[union-attr]


def test_the_validation_names_the_cell_and_stores_no_control_character(tmp_path: Path) -> None:
    """The refusal is the issue validation reports: sheet and cell, the character spelt out."""
    cells = '<c r="C5" t="inlineStr"><is><t>a_x0000_b</t></is></c><c r="D5" t="str"><v>&#1;</v></c>'
    result = validate_file(one_cell(tmp_path, cells))
    [issue] = result.errors
    assert (issue.code, issue.sheet, issue.row, issue.cell) == (
        "file.control_characters", "Workforce", 5, "C5")
    assert "The same in D5." in issue.message_en
    text = result.to_json()
    assert "\\u0000" not in text and "\\u0001" not in text and json.loads(text)["errors"]


def test_a_control_character_in_a_sheet_name(tmp_path: Path) -> None:
    parts = bw.xlsx_parts()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="Sheet1"',
                                                                b'name="Staff&#x90;"')
    issue = refusal(bw.write_zip(tmp_path / "name.xlsx", parts)).issue
    assert issue.sheet == "Staff?" and "U+0090" in issue.message_en


def test_only_the_sheets_read_are_checked(tmp_path: Path) -> None:
    """Routing reads the About sheet alone: a bad cell elsewhere waits for the full read."""
    about = bw.sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>Period</t></is></c></row>')
    bad = bw.sheet_xml('<row r="2"><c r="B2" t="inlineStr"><is><t>a_x0000_</t></is></c></row>')
    path = bw.write_zip(tmp_path / "two.xlsx", bw.xlsx_parts({"About": about, "Staff": bad}))
    assert set(read_workbook(path, sheets=lambda n: n == "About").sheets) == {"About"}
    assert refusal(path).issue.sheet == "Staff"
