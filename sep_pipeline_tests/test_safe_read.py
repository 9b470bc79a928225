"""Safe reading of untrusted .xlsx returns: every hostile or broken file is refused with the right
code and a bilingual message, nothing but FileRefused ever escapes, and good files come back at
their Excel positions."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.intake.safe_read import (
    FileRefused,
    Limits,
    RawSheet,
    RawWorkbook,
    inspect_file,
    read_workbook,
)
from sep_pipeline_tests import bad_workbooks as bw
from sep_pipeline_tests.bad_workbooks import (
    HOSTILE,
    minimal_xlsx,
    openpyxl_formulas,
    rows_without_refs,
    sample_return,
    sheet_xml,
    too_many_entries,
    write_zip,
    xlsx_parts,
    zip_bomb_ratio,
    zip_parts,
)

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def refused(path: Path, limits: Limits = Limits()) -> FileRefused:  # noqa: B008
    with pytest.raises(FileRefused) as caught:
        read_workbook(path, limits)
    issue = caught.value.issue
    assert issue.severity == "error"
    assert issue.message_en.strip() and issue.message_cy.strip()
    assert issue.message_en != issue.message_cy
    assert issue.row is None and issue.column is None
    return caught.value


def read_or_refuse(path: Path) -> None:
    """The property every file must have: a workbook or FileRefused, never anything else."""
    try:
        assert isinstance(read_workbook(path), RawWorkbook)
    except FileRefused as exc:
        assert exc.issue.code.startswith("file.") and exc.issue.message_cy


# --- hostile and broken files (every one of them: test_safe_read_corpus.py) -----------------


def test_too_many_cells_names_the_sheet_and_range(tmp_path: Path) -> None:
    issue = refused(HOSTILE["lying_dimension"].build(tmp_path)).issue
    assert (issue.sheet, issue.value) == ("Staff", "A1:B400000")
    assert "B400000" in issue.message_en and "B400000" in issue.message_cy


def test_messages_say_what_the_file_is(tmp_path: Path) -> None:
    assert "PDF" in refused(HOSTILE["pdf_renamed"][0](tmp_path)).issue.message_en
    assert "Word" in refused(HOSTILE["docx_renamed"][0](tmp_path)).issue.message_en
    assert "password" in refused(HOSTILE["encrypted_xlsx"][0](tmp_path)).issue.message_en
    assert "cyfrinair" in refused(HOSTILE["encrypted_xlsx"][0](tmp_path)).issue.message_cy


def test_unreadable_duration_names_the_sheet(tmp_path: Path) -> None:
    issue = refused(HOSTILE["huge_duration"][0](tmp_path)).issue
    assert issue.sheet == "Hours" and "[h]:mm" in issue.message_en


def test_entity_marker_split_across_stream_chunks(tmp_path: Path) -> None:
    path = HOSTILE["entity_across_chunks"][0](tmp_path)
    part = zip_parts(path)["xl/worksheets/sheet1.xml"]
    assert part.index(b"<!DOCTYPE") == 1024**2 - 4  # straddles the 1 MiB chunk boundary
    assert refused(path).issue.code == "file.xml_entities"


def test_missing_file_is_refused_not_raised(tmp_path: Path) -> None:
    assert refused(tmp_path / "absent.xlsx").issue.code == "file.corrupt"
    with pytest.raises(FileRefused) as caught:
        inspect_file(tmp_path / "absent.xlsx")
    assert caught.value.issue.code == "file.corrupt"


def test_too_large_reports_the_real_size(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(3 * 1024**2))
    issue = refused(path, Limits(max_file_bytes=1024**2)).issue
    assert issue.code == "file.too_large" and "3.0 MB" in issue.message_en


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (Limits(max_file_bytes=1_000), "file.too_large"),
        (Limits(max_zip_entries=5), "file.zip_bomb"),
        (Limits(max_uncompressed_bytes=5_000), "file.zip_bomb"),
        (Limits(max_rows=3), "file.too_many_cells"),
        (Limits(max_columns=5), "file.too_many_cells"),
        (Limits(max_cells=20), "file.too_many_cells"),
        (Limits(max_workbook_cells=20), "file.too_many_cells"),
    ],
)
def test_each_limit_is_enforced(limits: Limits, code: str, tmp_path: Path) -> None:
    path = sample_return(tmp_path)  # Data is A1:F4, 11 parts
    read_workbook(path)
    assert refused(path, limits).issue.code == code


def test_workbook_cell_budget_adds_up_the_sheets(tmp_path: Path) -> None:
    path = sample_return(tmp_path)  # Data is A1:F4 (24 cells) beside small sheets
    issue = refused(path, Limits(max_cells=24, max_workbook_cells=24)).issue
    assert issue.code == "file.too_many_cells" and issue.sheet is None
    assert "at most 24" in issue.message_en and issue.message_cy


def test_limits_are_inclusive(tmp_path: Path) -> None:
    path = sample_return(tmp_path)
    read_workbook(path, Limits(max_rows=4, max_columns=6, max_cells=24))


def test_ratio_is_judged_only_above_one_mib(tmp_path: Path) -> None:
    parts = xlsx_parts()
    parts["xl/media/zeros.bin"] = bytes(1024**2)  # ~1000:1 but only 1 MiB
    read_workbook(write_zip(tmp_path / "ok.xlsx", parts))
    assert refused(zip_bomb_ratio(tmp_path, megabytes=2)).issue.code == "file.zip_bomb"


def test_entry_count_limit_counts_entries(tmp_path: Path) -> None:
    path = too_many_entries(tmp_path, count=10)
    read_workbook(path)
    assert refused(path, Limits(max_zip_entries=14)).issue.code == "file.zip_bomb"  # 15 entries


def test_rows_and_cells_without_refs_are_counted(tmp_path: Path) -> None:
    path = rows_without_refs(tmp_path, rows=12, cols=3)
    sheet = read_workbook(path).sheets["Sheet1"]
    assert len(sheet.rows) == 12 and sheet.rows[11] == [1.0, 1.0, 1.0]
    assert refused(path, Limits(max_rows=11)).issue.code == "file.too_many_cells"
    assert refused(path, Limits(max_columns=2)).issue.code == "file.too_many_cells"


def test_huge_declared_count_of_shared_strings_is_refused_before_calamine(tmp_path: Path) -> None:
    # calamine reserves uniqueCount strings up front: 3e9 aborts the process (not an exception)
    with pytest.raises(FileRefused) as caught:
        inspect_file(HOSTILE["huge_shared_string_count"].build(tmp_path))
    assert caught.value.reason == "sst.unique_count"


# --- good files -----------------------------------------------------------------------------


def test_sample_return_reads_at_excel_positions(tmp_path: Path) -> None:
    wb = read_workbook(sample_return(tmp_path))
    assert list(wb.sheets) == ["Data", "Notes"]
    data = wb.sheets["Data"]
    assert data.name == "Data"
    assert data.rows == [
        ["Workforce return 2024-25 Q1", None, None, None, None, None],
        [None] * 6,
        ["Employee ID", "Start date", "Hours", "Weekly pay", "Annual", "Active"],
        ["E001", dt.date(2020, 4, 1), 37.5, 375.0, None, True],
    ]
    assert data.formulas_without_value == {(3, 4)}  # E4: =D4*52 with no cached value
    notes = wb.sheets["Notes"]
    assert notes.rows == [[None, None, None], [None, None, "see note"]]  # from A1, not from C2
    assert notes.formulas_without_value == set()


def test_empty_cells_are_read_as_empty_strings_until_rows_is_asked_for(tmp_path: Path) -> None:
    """`cells` holds calamine's "" for an empty cell (validation reads it so, paying for no
    conversion); `rows`, what every other reader uses, has None, made so in place once."""
    notes = read_workbook(sample_return(tmp_path)).sheets["Notes"]
    assert notes.cells == [["", "", ""], ["", "", "see note"]]
    assert notes.rows == [[None, None, None], [None, None, "see note"]]
    assert notes.cells is notes.rows


def test_a_sheet_built_with_rows_keeps_them() -> None:
    rows: list[list[object]] = [[None, "", "x", 0.0, False]]
    sheet = RawSheet("S", rows, set())
    assert sheet.rows == [[None, None, "x", 0.0, False]]  # "" is an empty cell too
    assert sheet.rows is rows


def test_openpyxl_formulas_have_no_cached_value(tmp_path: Path) -> None:
    sheet = read_workbook(openpyxl_formulas(tmp_path)).sheets["Calc"]
    assert sheet.rows[0][0] == 2
    assert sheet.formulas_without_value == {(0, 1), (1, 1)}


def test_minimal_hand_built_workbook_reads(tmp_path: Path) -> None:
    assert read_workbook(minimal_xlsx(tmp_path)).sheets["Sheet1"].rows == [[1.0]]


def test_sheet_names_are_kept_as_written(tmp_path: Path) -> None:
    one = sheet_xml('<row r="2"><c r="B2"><f>1+1</f></c></row>', "B2")
    parts = xlsx_parts({"Staff &amp; Pay": sheet_xml(""), "Tâl 'Q1'": one})
    wb = read_workbook(write_zip(tmp_path / "names.xlsx", parts))
    assert list(wb.sheets) == ["Staff & Pay", "Tâl 'Q1'"]
    assert wb.sheets["Staff & Pay"].rows == []
    assert wb.sheets["Tâl 'Q1'"].formulas_without_value == {(1, 1)}


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ('<c r="A1"><f>1+1</f><v>2</v></c>', set()),
        ('<c r="A1"><f>1+1</f></c>', {(0, 0)}),
        ('<c r="A1"><f>1+1</f><v/></c>', {(0, 0)}),
        ('<c r="A1"><f>1+1</f><v> </v></c>', {(0, 0)}),
        ('<c r="A1" t="str"><f>""</f><v></v></c>', set()),  # cached value is ""
        ('<c r="A1" t="str"><f>""</f></c>', {(0, 0)}),
        ('<c r="A1"><v>2</v><f>1+1</f></c>', set()),  # odd order: walked
        (
            '<c r="C1"><f t="shared" ref="C1:C2" si="0">A1</f><v>1</v></c>'
            '<c r="C2"><f t="shared" si="0"/></c>',
            {(1, 2)},  # C2: the cell's own ref wins over its <row>
        ),
        ('<c r="A1" s="1"/><c><f>1+1</f></c>', {(0, 1)}),  # no ref: next column
        ('<c r="D1"><f>1+1</f><v><![CDATA[2]]></v></c>', set()),
    ],
)
def test_formula_without_value_shapes(cells: str, expected: set, tmp_path: Path) -> None:
    row = f'<row r="1">{cells}</row>'
    path = write_zip(tmp_path / "f.xlsx", xlsx_parts({"S": sheet_xml(row, None)}))
    assert read_workbook(path).sheets["S"].formulas_without_value == expected


def test_prefixed_sheet_xml_is_scanned(tmp_path: Path) -> None:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{ns}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1"><x:v>5</x:v></x:c><x:c r="B1"><x:f>A1*2</x:f></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = write_zip(tmp_path / "prefixed.xlsx", xlsx_parts({"S": sheet}))
    assert read_workbook(path).sheets["S"].formulas_without_value == {(0, 1)}
    assert refused(path, Limits(max_columns=1)).issue.code == "file.too_many_cells"


# --- properties -----------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(data)
    read_or_refuse(path)


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    directory = tmp_path_factory.mktemp("valid")
    deflated = sample_return(directory)
    stored = write_zip(directory / "stored.xlsx", zip_parts(deflated), zipfile.ZIP_STORED)
    return {"deflated": deflated.read_bytes(), "stored": stored.read_bytes()}


@FUZZ
@given(
    kind=st.sampled_from(["deflated", "stored"]),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
    keep=st.floats(0.3, 1),
)
def test_mutated_xlsx_bytes_never_raise_anything_else(
    valid_bytes: dict[str, bytes], kind: str, edits: list, keep: float, tmp_path: Path
) -> None:
    data = bytearray(valid_bytes[kind])
    for where, byte in edits:
        data[int(where * len(data))] = byte
    path = tmp_path / "mutated.xlsx"
    path.write_bytes(bytes(data[: max(1, int(keep * len(data)))]))
    read_or_refuse(path)


SNIPPETS = [
    b"<",
    b">",
    b"/",
    b'"',
    b"'",
    b"=",
    b"&",
    b"9",
    b"0",
    b"XFD",
    b"-",
    b"\x00",
    b"\xff",
    b"<c>",
    b"</c>",
    b'<c r="Z9">',
    b"<f>1</f>",
    b"<v/>",
    b"<row>",
    b"</row>",
    b" r=",
    b' t="e"',
    b' t="s"',
    b"<!--",
    b"]]>",
    b"<is><t>x</t></is>",
]


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True),
            st.integers(0, 4),
            st.one_of(st.sampled_from(SNIPPETS), st.binary(max_size=3)),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_mutated_sheet_xml_never_raises_anything_else(
    valid_bytes: dict[str, bytes], edits: list, tmp_path: Path
) -> None:
    """Mutations inside the XML, re-zipped with valid CRCs, so that calamine gets to see them."""
    path = tmp_path / "valid.xlsx"
    path.write_bytes(valid_bytes["deflated"])
    parts = zip_parts(path)
    for name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
        xml = bytearray(parts[name])
        for where, drop, snippet in edits:
            at = int(where * len(xml))
            xml[at : at + drop] = snippet
        parts[name] = bytes(xml)
    read_or_refuse(write_zip(tmp_path / "mutated_xml.xlsx", parts))


# --- reading some sheets only (routing a file by its About sheet) ---------------------------


def _two_sheets(directory: Path, about: str, data: str, name: str = "two.xlsx") -> Path:
    return bw.write_zip(directory / name, bw.xlsx_parts({"About": about, "Workforce": data}))


def test_a_sheet_filter_reads_only_the_sheets_it_accepts(tmp_path: Path) -> None:
    about = bw.sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>Period</t></is></c>'
                         '<c r="B1" t="inlineStr"><is><t>2025-26 Q1</t></is></c></row>', "A1:B1")
    data = bw.sheet_xml('<row r="1"><c r="A1"><v>7</v></c></row>', "A1")
    path = _two_sheets(tmp_path, about, data)
    full = read_workbook(path)
    some = read_workbook(path, sheets=lambda n: n == "About")
    assert set(full.sheets) == {"About", "Workforce"} and set(some.sheets) == {"About"}
    assert some.sheets["About"].rows == full.sheets["About"].rows == [["Period", "2025-26 Q1"]]


def test_a_sheet_filter_still_refuses_what_it_reads(tmp_path: Path) -> None:
    huge = bw.sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    plain = bw.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1")
    # a hostile data sheet is not parsed when only About is read; the full read refuses it
    path = _two_sheets(tmp_path, plain, huge, "huge_data.xlsx")
    assert set(read_workbook(path, sheets=lambda n: n == "About").sheets) == {"About"}
    with pytest.raises(FileRefused) as refused:
        read_workbook(path)
    assert refused.value.issue.code == "file.too_many_cells"
    # a hostile About sheet is refused either way
    path = _two_sheets(tmp_path, huge, plain, "huge_about.xlsx")
    with pytest.raises(FileRefused) as refused:
        read_workbook(path, sheets=lambda n: n == "About")
    assert refused.value.issue.code == "file.too_many_cells"
    # and so are the parts calamine reads whatever the filter (shared strings)
    with pytest.raises(FileRefused) as refused:
        read_workbook(bw.xxe_shared_strings(tmp_path), sheets=lambda n: False)
    assert refused.value.issue.code == "file.xml_entities"


def test_a_part_shared_by_two_sheets_is_checked_when_either_is_wanted(tmp_path: Path) -> None:
    huge = bw.sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    plain = bw.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1")
    parts = bw.xlsx_parts({"About": huge, "Workforce": plain})
    # both sheets now point at the hostile part; About is named first
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'r:id="rId2"', b'r:id="rId1"')
    path = bw.write_zip(tmp_path / "shared_part.xlsx", parts)
    with pytest.raises(FileRefused) as refused:
        read_workbook(path, sheets=lambda n: n == "About")
    assert refused.value.issue.code == "file.too_many_cells"


def test_the_garbage_collector_is_paused_only_while_the_cells_are_unpickled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent pauses the collector while it unpickles the child's cells (millions of new
    objects, none of them cycles), and restores it however the read ends."""
    import gc
    import pickle

    seen: list[bool] = []
    real = pickle.loads

    def spy(data):  # noqa: ANN001, ANN202
        seen.append(gc.isenabled())
        return real(data)

    monkeypatch.setattr(pickle, "loads", spy)
    assert gc.isenabled()
    read_workbook(sample_return(tmp_path))
    assert seen and not any(seen) and gc.isenabled()
    refused(HOSTILE["huge_duration"].build(tmp_path))  # refused by calamine, in the child
    assert gc.isenabled()
    gc.disable()  # a caller that paused it itself keeps it paused
    try:
        read_workbook(sample_return(tmp_path))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _entry_of_ratio(target: float, size: int = 2 * 1024**2) -> bytes:
    """`size` bytes that deflate about `target`:1 (random bytes, then zeros: the random part
    sets the compressed size), found by bisection on the real compressor."""
    import os
    import zlib

    noise = os.urandom(size)
    lo, hi = 0, size
    while hi - lo > 16:
        mid = (lo + hi) // 2
        data = noise[:mid] + bytes(size - mid)
        ratio = size / len(zlib.compress(data, 6))
        lo, hi = (mid, hi) if ratio > target else (lo, mid)
    return noise[:lo] + bytes(size - lo)


def test_the_compression_ratio_limit_is_pinned(tmp_path: Path) -> None:
    """An entry compressed 140:1 passes, one compressed 160:1 is a zip bomb: the limit (150) is
    between them, not anywhere below the ~1000:1 of a file of zeros."""
    import zipfile

    assert Limits().max_compression_ratio == 150.0
    for target, refused_too in ((140.0, False), (160.0, True)):
        parts = xlsx_parts()
        parts["xl/media/image1.png"] = _entry_of_ratio(target)
        path = write_zip(tmp_path / f"ratio_{int(target)}.xlsx", parts)
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/media/image1.png")
            ratio = info.file_size / info.compress_size
        assert abs(ratio - target) < 5, ratio
        if refused_too:
            assert refused(path).issue.code == "file.zip_bomb"
        else:
            read_workbook(path)
