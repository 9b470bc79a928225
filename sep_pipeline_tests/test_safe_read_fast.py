"""The numpy fast path of safe_read's cell scan must give exactly what the regex ("exact") path
gives: the same used range, cell count and formulas without value, or the same need for a
tag-by-tag walk, for any bytes at all. It may decline a region (the exact path then decides), but
never answer differently."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.intake import safe_read
from sep_pipeline.intake.safe_read import (
    FileRefused,
    Limits,
    _inspect,
    _Inspection,
    _PartScan,
    _usual_cells,
)
from sep_pipeline_tests.bad_workbooks import (
    HOSTILE,
    sample_return,
    sheet_xml,
    write_zip,
    xlsx_parts,
)

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def fast_path_for_any_size() -> Iterator[None]:
    """The fast path only takes regions of 4 KiB and more; tests want it on small ones too."""
    with mock.patch.object(safe_read, "_FAST_MIN_BYTES", 0):
        yield


def scan(regions: list[bytes], *, exact: bool, shared_strings: bool = False) -> object:
    """What `_scan_region` makes of the regions in turn: the _PartScan (all its fields, the
    walker's state included), or _NeedsWalk."""
    part = _PartScan()
    try:
        with fast_path_for_any_size():
            for region in regions:
                safe_read._scan_region(part, region, shared_strings, False, exact=exact)
    except safe_read._NeedsWalk:
        return safe_read._NeedsWalk
    part.end_cell()
    return part


# --- generated regions ----------------------------------------------------------------------

letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3) | st.sampled_from(
    ["a", "xfd", "Ab", "XFD", "ZZZZ", "zzzz"]
)
usual_ref = st.builds(lambda col, row: f"{col}{row}", letters, st.integers(1, 10**7 - 1))
ref = (
    usual_ref
    | st.builds(lambda col, row: f"{col}{row}", letters | st.just("ABCDE"),
                st.sampled_from([1, 0, 10**7, 10**8, 10**12 - 1, 10**12]))
    | st.sampled_from(
        ["A01", "$A$1", "A$1", "A", "1", "", "A 1", "A1 ", " A1", "A1:B2", "A-1", "A1x", "É1",
         "A±1", "\udcc1\udcb1", "A\udcb1"]  # bytes >= 0x80 whose low 7 bits are "A" or "1"
    )
)
attrs = st.lists(st.sampled_from([' s="1"', ' t="s"', ' t="str"', ' t="inlineStr"', ' s="12"']),
                 max_size=2).map("".join)
content = st.sampled_from([
    "<v>3</v>", "<v>0.5</v>", "<v/>", "<v></v>", "<v> </v>", "",
    "<f>A1*2</f>", "<f>A1*2</f><v>4</v>", "<f>1+1</f><v/>", '<f>""</f><v></v>',
    '<f t="shared" si="0"/>', '<f t="shared" ref="C1:C9" si="0">A1</f><v>1</v>',
    "<v>2</v><f>1+1</f>", "<is><t>Permanent</t></is>", "<is><t>White: British</t></is>",
])


def cells(refs: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda r, a, c: f'<c r="{r}"{a}>{c}</c>', refs, attrs, content) | st.builds(
        lambda r, a: f'<c r="{r}"{a}/>', refs, attrs
    )


def in_rows(cells: list[list[str]], first_row: int) -> str:
    return "".join(
        f'<row r="{first_row + k}">{"".join(row)}</row>' for k, row in enumerate(cells)
    )


def regions(cell: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(in_rows, st.lists(st.lists(cell, max_size=6), max_size=6), st.integers(1, 99))


usual_cell, any_cell = cells(usual_ref), cells(ref)
usual_region = regions(usual_cell)

odd_piece = st.sampled_from([
    # cell tags the regexes read differently, or not at all
    '<c\tr="A1">', '<c r = "B2">', "<c r='C3'>", '<c r="D4" r="XFD9">', '<c s="1" r="E5">',
    '<c  r="F6">', '<c r="G7"\n>', '<c r="A1" r ="XFD1"/>', '<c r="A1" r\t="XFD2"/>',
    '<c r="H8" x="<c r="I9">', '<c r="J1" x="<row r="9">', "<c>", "<c/>", "<x:c/>", "<x:c>",
    '<c s="1">', '<c r="K1"', '<c\x01r="A1">', '<c r="L1" t="s"/>',
    '<x:c r="M1"><x:f>1</x:f></x:c>', '<c r="N1"><x:f>1</x:f></c>', '<ns.a-b:c r="O1">',
    # rows
    '<row r="5">', "<row>", '<row r="6" spans="1:3">', "</row>", '<row\tr="7">', "<row r='8'>",
    # text and attributes near the patterns the fast path looks for
    "<is><t> r=</t></is>", '<is><t>a r="Z9"</t></is>', "<t>r=</t>", ' r="A1"', " r=",
    ' header="0.3" footer="0.3"', ' xr:uid="{00000000-0001}"', ' ref="A1:B2"', ' sqref="A1"',
    ":c", ":f", ":b", "<f>", "</f>", "</f >", "<f/>", "<f ", "<v>", "</v>", "</c>", "</c >",
    "<", ">", "=", " =", "\t=", '"', "'", "!", "r", " ", "\n", "\x00", "\xff", "<col/>",
    '<dimension ref="A1:C3"/>', "<!-- c -->",
])
any_region = st.lists(any_cell | odd_piece | regions(any_cell), max_size=14).map("".join)


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@MANY
@given(regions=st.lists(usual_region.map(encode), min_size=1, max_size=3))
def test_usual_regions_take_the_fast_path_and_agree(regions: list[bytes]) -> None:
    for region in regions:
        fast = _usual_cells(region)
        assert fast is not None, region
        exact = scan([region], exact=True)
        assert isinstance(exact, _PartScan)
        assert fast[:3] == (exact.cells, exact.max_row, exact.max_col)
    assert scan(regions, exact=False) == scan(regions, exact=True)


@MANY
@given(
    regions=st.lists(any_region.map(encode), min_size=1, max_size=3),
    shared_strings=st.booleans(),
)
def test_any_region_gives_what_the_exact_path_gives(
    regions: list[bytes], shared_strings: bool
) -> None:
    fast = scan(regions, exact=False, shared_strings=shared_strings)
    assert fast == scan(regions, exact=True, shared_strings=shared_strings)


@MANY
@given(
    data=st.binary(max_size=64)
    | st.lists(st.sampled_from([b"<c r=\"", b"A", b"z", b"1", b"0", b'"', b"'", b">", b"<", b" ",
                                b"r=", b"<row r=\"", b"/>", b"</c>", b"<f>", b"</f>", b"<v>",
                                b"</v>", b"\t", b":", b"c", b"f", b"$", b"\x80", b"\xc1"]),
               max_size=40).map(b"".join)
)
def test_any_bytes_give_what_the_exact_path_gives(data: bytes) -> None:
    assert scan([data], exact=False) == scan([data], exact=True)


@pytest.mark.parametrize(
    "region",
    [
        b'<c r="A1" r="XFD1048576"><v>1</v></c>',  # the last r wins in both
        b'<c r="A1" x="<c r="XFD1">',  # a cell inside a tag: the regex reads one ref
        b'<c r="A1" x="<row r="5"><c r="B2"/>',
        b'<c r = "XFD1"/><c r="A1"/>',
        b"<c r='XFD1'/>",
        b'<c r="$XFD$1"/>',
        b'<c r="A01"/><c r="A9"/>',  # 01 < 9, though it has more digits
        b'<c r="A123456789"/>',
        b'<c r="A1"><is><t>x r="XFD9"</t></is></c>',
        b'<x:c r="XFD1"/><c r="A1"/>',
        b'<c r="A1"/><x:c/>',  # a prefixed cell without ref: the prefixed patterns walk
        b'<c r="A1"><x:f>1</x:f></c>',  # prefixed formula without value
        b'<c r="A1" r ="XFD1"/>',
        b'<c r="ABCDE1"/>',
        b'<c r="A\xc2\xb11"/>',  # "A±1"
        b'<c r="\xc1\xb1"/>',
        b'<c r="A1"/><c s="1"/>',  # a cell without ref: needs a walk
        b'=<c r="A1"/>',  # "=" first: the byte before it is the zero padding, so whitespace
        b'<c r="A1" s\n="1"/>',  # whitespace before an "=" that is not an r's
    ],
)
def test_odd_regions_are_left_to_the_exact_path(region: bytes) -> None:
    assert _usual_cells(region) is None
    assert scan([region], exact=False) == scan([region], exact=True)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (b'<row r="1"><c r="A1"/><c r="b7"><v>1</v></c><c r="AB3" t="s"><v>0</v></c></row>',
         (3, 7, 28)),
        (b'<c r="ZZ9"/><c r="AAA1"/>', (2, 9, 703)),  # 3 letters beat 2, whatever they are
        (b'<c r="A999"/><c r="A1000"/>', (2, 1000, 1)),  # 4 digits beat 3
        (b'<c r="xfd1048576"/>', (1, 1048576, 16384)),
        (b'<c r="A1"/>' + b'<c r="B2"><f>1</f></c>', (2, 2, 2)),
        (b"<row>text only</row>", (0, 0, 0)),
    ],
)
def test_fast_path_numbers(region: bytes, expected: tuple[int, int, int]) -> None:
    assert _usual_cells(region)[:3] == expected
    part = scan([region], exact=True)
    assert (part.cells, part.max_row, part.max_col) == expected


# --- whole workbooks ------------------------------------------------------------------------


def inspected(data: bytes, *, exact: bool, limits: Limits = Limits()) -> object:  # noqa: B008
    """What _inspect learns (formulas, sheets whose text to check), or the check that refuses."""
    try:
        return _inspect(io.BytesIO(data), limits, exact=exact)
    except FileRefused as exc:
        return exc.reason
    except Exception as exc:  # compared, not hidden: both paths must agree
        return type(exc)


# A million cells each: the exact path takes seconds on them; the big workbooks below compare the
# two paths on that shape.
MILLION_CELLS = {"shared_strings_bomb", "shared_strings_bomb_small_string"}


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - MILLION_CELLS))
def test_hostile_files_get_the_same_answer_either_way(name: str, tmp_path: Path) -> None:
    data = HOSTILE[name][0](tmp_path).read_bytes()
    with fast_path_for_any_size():
        assert inspected(data, exact=False) == inspected(data, exact=True)


def big_workbook(path: Path, seed: int) -> Path:
    """A few megabytes of sheet XML (several 1 MiB chunks): numbers, text, blanks, formulas
    with and without cached value, as xlsxwriter writes them (inline strings)."""
    rng = random.Random(seed)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("Data")
    for r in range(30_000):
        for c in range(8):
            kind = rng.random()
            if kind < 0.4:
                ws.write_number(r, c, rng.random() * 1000)
            elif kind < 0.7:
                ws.write_string(r, c, rng.choice(["Yes", "No", "White: British", "a r=1"]))
            elif kind < 0.72:
                ws.write_formula(r, c, f"=A{r + 1}*2", None, rng.choice([None, 3]))
    if seed % 2:
        ws.write_number(299_999, 2, 1)  # row 300000: the last row allowed
    wb.close()
    return path


@pytest.mark.parametrize("seed", [1, 2])
def test_big_workbook_gets_the_same_answer_either_way(seed: int, tmp_path: Path) -> None:
    data = big_workbook(tmp_path / "big.xlsx", seed).read_bytes()
    for limits in (Limits(), Limits(max_rows=29_999), Limits(max_columns=7)):
        fast = inspected(data, exact=False, limits=limits)  # the real 4 KiB threshold
        assert fast == inspected(data, exact=True, limits=limits)
    assert isinstance(inspected(data, exact=False), _Inspection)


def test_huge_cell_at_the_end_of_a_big_sheet_is_refused(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr">'
                   f"<is><t>x</t></is></c></row>" for r in range(1, 40_000))
    rows += '<row r="40000"><c r="XFD1048576"><v>1</v></c></row>'
    path = write_zip(tmp_path / "huge_end.xlsx", xlsx_parts({"S": sheet_xml(rows, "A1:B40000")}))
    data = path.read_bytes()
    assert inspected(data, exact=False) == inspected(data, exact=True) == "sheet.range"


def test_sample_return_reads_the_same_either_way(tmp_path: Path) -> None:
    data = sample_return(tmp_path).read_bytes()
    with fast_path_for_any_size():
        found = inspected(data, exact=False)
        assert found == inspected(data, exact=True)
        assert found.formulas == {"Data": {(3, 4)}}  # type: ignore[union-attr]
