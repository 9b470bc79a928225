"""The pack's fast worksheet (`pack.xlsx.Sheet`) writes the same file as xlsxwriter's own
`write_*()` calls, byte for byte, and never turns a string into a formula."""

from __future__ import annotations

import math
import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook

from sep_pipeline.publish.pack import xlsx
from sep_pipeline.publish.pack.workbook import WORKBOOK_OPTIONS
from sep_pipeline.publish.pack.xlsx import FAST, Sheet, workbook

VALUES = [None, 1.5, "[c]", math.nan, 3, "=1+1", "@SUM(A1)", "{=A1}", "http://x.example", "12",
          1e20, -0.0, 0.0, 0, 1 / 3, "x" * 20_000, "a&b<c>\"", "  padded ", 7, None]


def _fill(wb: xlsxwriter.Workbook, fast: bool) -> None:
    bold = wb.add_format({"bold": True})
    num = wb.add_format({"num_format": "0.0", "border": 1, "border_color": "#D9D9D9"})
    for s in range(2):
        ws = wb.add_worksheet(f"S{s}", worksheet_class=Sheet)
        ws.set_row(3, 30)
        ws.set_row(20, 40)  # a row with cells and a height of its own
        ws.set_row(90, 25)  # a row with a height and no cells
        ws.set_column(0, 0, 20, bold)  # a column format, for cells without one
        ws.write_url(0, 0, "internal:'S0'!A1", bold, string="link")
        ws.merge_range(1, 0, 1, 5, "", bold)
        ws.write_string(1, 0, "merged", bold)
        for c in range(70):  # past column Z and column BL
            fmt = num if c % 3 else None
            if fast:
                ws.put_column(5, c, VALUES, fmt)
                ws.put_column(40, c, VALUES, fmt, blank=False)
                continue
            for r, v in enumerate(VALUES, start=5):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    ws.write_blank(r, c, None, fmt)
                elif isinstance(v, str):
                    ws.write_string(r, c, v, fmt)
                else:
                    ws.write_number(r, c, v, fmt)
            for r, v in enumerate(VALUES, start=40):
                if isinstance(v, str):
                    ws.write_string(r, c, v, fmt)
                elif not (v is None or math.isnan(v)):
                    ws.write_number(r, c, v, fmt)
        ws.write_string(70, 2, "after the columns")
        ws.write_formula(71, 1, "=1+1", None, 2)  # another kind of cell, in a row of its own


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("fast", [True, False])
def test_fast_sheet_writes_what_xlsxwriter_writes(tmp_path, monkeypatch, fast):
    assert FAST  # the xlsxwriter installed has the internals `Sheet` relies on
    monkeypatch.setattr(xlsx, "FAST", fast)  # False: the fallback through write_*()
    with workbook(tmp_path / "fast.xlsx", WORKBOOK_OPTIONS) as wb:
        _fill(wb, fast=True)
    slow = xlsxwriter.Workbook(str(tmp_path / "slow.xlsx"), WORKBOOK_OPTIONS)
    _fill(slow, fast=False)
    slow.close()
    fast, plain = _parts(tmp_path / "fast.xlsx"), _parts(tmp_path / "slow.xlsx")
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name


def test_put_column_keeps_strings_as_strings(tmp_path):
    path = tmp_path / "strings.xlsx"
    with workbook(path, {}) as wb:  # even with xlsxwriter's default options
        ws = wb.add_worksheet("S", worksheet_class=Sheet)
        ws.put_column(0, 0, ["=1+1", "{=A1}", "http://x.example", "12", None, math.nan, 2.5])
    cells = [c for (c,) in load_workbook(path)["S"].iter_rows(max_col=1)]
    assert [c.value for c in cells] == ["=1+1", "{=A1}", "http://x.example", "12", None, None,
                                        2.5]
    assert [c.data_type for c in cells[:4]] == ["s"] * 4


def test_put_column_refuses_infinity_as_write_number_does(tmp_path):
    with pytest.raises(TypeError), workbook(tmp_path / "inf.xlsx", WORKBOOK_OPTIONS) as wb:
        wb.add_worksheet("S", worksheet_class=Sheet).put_column(0, 0, [1.0, math.inf])
