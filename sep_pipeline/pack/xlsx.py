"""Whole columns of cells into an xlsxwriter worksheet, fast.

xlsxwriter spends about 5 µs on every cell: `write()` dispatches on the value's type and checks
the sheet's dimensions one cell at a time, and `close()` builds each cell's XML from a list of
attributes, escaping each. A quarter's pack holds about 5 million cells (most of them in the 120
body workbooks), so `Sheet` stores a whole column in one step (the very cell records `write_*()`
store) and, at close, writes each row's cells as one string: the same XML, byte for byte
(test_pack_xlsx compares it with xlsxwriter's own), in about a fifth of the time.

This leans on three of xlsxwriter's internals: the cell table (`table[row][col]` holding its
`Number`, `String` and `Blank` records), the workbook's shared-string table, and `_write_rows`
(overridden here, its loop kept). Where a release no longer has them, `FAST` is False and `Sheet`
writes through the public `write_*()` calls instead: slower, the same workbook.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter
from xlsxwriter import worksheet as _xw
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet


def _record(*names: str) -> type | None:
    return next((getattr(_xw, n) for n in names if hasattr(_xw, n)), None)


_NUMBER = _record("CellNumberTuple", "cell_number_tuple")
_STRING = _record("CellStringTuple", "cell_string_tuple")
_BLANK = _record("CellBlankTuple", "cell_blank_tuple")
FAST = (None not in (_NUMBER, _STRING, _BLANK)
        and all(hasattr(Worksheet, m) for m in ("_write_rows", "_write_row", "_write_cell",
                                                 "_write_empty_row", "_calculate_spans",
                                                 "_check_dimensions")))
_INFINITE = (math.inf, -math.inf)
_SHORT = 32767 // 2  # a string this long or shorter is within Excel's limit in any encoding
_COLUMNS = [xl_col_to_name(c) for c in range(64)]


@contextmanager
def workbook(path: Path, options: Mapping[str, object]) -> Iterator[xlsxwriter.Workbook]:
    """A workbook to fill, written to `path` when the block ends (not after an exception).

    Built in memory (no temporary file per sheet), with Python's cycle collector paused: a
    workbook holds a record per cell, and collecting while those accumulate would scan them over
    and over (a third of the time). Once the file is written the cell records are dropped, so
    they are freed at once rather than scanned again by the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        wb = xlsxwriter.Workbook(str(path), {**options, "in_memory": True})
        yield wb
        wb.close()
        for ws in wb.worksheets():
            if FAST and isinstance(ws, Sheet):
                ws.table.clear()
    finally:
        if enabled:
            gc.enable()


_NUMBERS: dict[float, str] = {}  # a float's text in the XML: the pack's figures repeat a lot


def _number(v: object) -> str:
    """`v` as xlsxwriter writes a number (`%.16G`), remembered for floats (not 0.0, which equals
    -0.0 but is written differently)."""
    if v.__class__ is not float or not v:
        return f"{v:.16G}"
    text = _NUMBERS.get(v)  # type: ignore[call-overload]
    if text is None:
        if len(_NUMBERS) >= 1 << 16:
            _NUMBERS.clear()
        text = _NUMBERS[v] = f"{v:.16G}"  # type: ignore[index]
    return text


class Sheet(Worksheet):
    """A worksheet that also takes a whole column of cells at a time (`put_column`)."""

    def put_column(self, row: int, col: int, values: Sequence[object],
                   fmt: Format | None = None, blank: bool = True) -> None:
        """Cells down from (`row`, `col`), as `write_column` would store them except that a
        string is always a string (never a formula, URL or number, whatever the workbook's
        options) and NaN is a blank: an int or float is a number, a str a shared string, None
        or NaN a blank cell (stored only with a format, as `write_blank` does; no cell at all
        unless `blank`)."""
        if not len(values):
            return
        fmt_blank = fmt if blank else None
        end = row + len(values) - 1
        if (not FAST or self.constant_memory or row < 0 or col < 0
                or end >= self.xls_rowmax or col >= self.xls_colmax):
            self._put_slowly(row, col, values, fmt, fmt_blank)
            return
        table, index, new = self.table, self.str_table._get_shared_string_index, tuple.__new__
        first = last = None
        for r, v in enumerate(values, start=row):
            kind = v.__class__
            if kind is str:
                if len(v) > _SHORT:  # may need cutting to Excel's limit: xlsxwriter does it
                    self.write_string(r, col, v, fmt)
                    continue
                cell = new(_STRING, (index(v), fmt))
            elif kind is float or kind is int:
                if v != v:  # NaN
                    if fmt_blank is None:
                        continue
                    cell = new(_BLANK, (fmt_blank,))
                elif v in _INFINITE:
                    self.write_number(r, col, v, fmt)  # refused, as write_column would
                    continue
                else:
                    cell = new(_NUMBER, (v, fmt))
            elif v is None:
                if fmt_blank is None:
                    continue
                cell = new(_BLANK, (fmt_blank,))
            else:  # numpy scalars, Decimal ...: xlsxwriter's own dispatch
                self._put_slowly(r, col, [v], fmt, fmt_blank)
                continue
            table[r][col] = cell
            if first is None:
                first = r
            last = r
        if first is not None:
            self._check_dimensions(first, col)
            self._check_dimensions(last, col)

    def _put_slowly(self, row: int, col: int, values: Sequence[object],
                    fmt: Format | None, fmt_blank: Format | None) -> None:
        for r, v in enumerate(values, start=row):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                self.write_blank(r, col, None, fmt_blank)
            elif isinstance(v, str):
                self.write_string(r, col, v, fmt)
            else:
                self.write(r, col, v, fmt)

    # --- At close: the same XML as xlsxwriter's, a row at a time ------------------------------

    def _calculate_spans(self) -> None:
        if not FAST or self.comments:
            super()._calculate_spans()
            return
        low: dict[int, int] = {}
        high: dict[int, int] = {}
        for row_num, cells in self.table.items():
            if cells and self.dim_rowmin <= row_num <= self.dim_rowmax:
                block = row_num // 16
                a, b = min(cells), max(cells)
                if block not in low or a < low[block]:
                    low[block] = a
                if block not in high or b > high[block]:
                    high[block] = b
        self.row_spans = {k: f"{low[k] + 1}:{high[k] + 1}" for k in low}

    def _plain_row(self) -> bool:
        """Whether a row without settings of its own is a bare `<row r=".." spans="..">`, as
        `_write_row` writes it when the default height is unchanged (Excel 2007 flavour)."""
        try:
            return (self.default_row_height == self.original_row_height
                    and self.excel_version != 2010)
        except AttributeError:
            return False

    def _write_rows(self) -> None:
        if not FAST:
            super()._write_rows()
            return
        self._calculate_spans()
        table, info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        plain, write, names = self._plain_row(), self.fh.write, _COLUMNS
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not cells:
                if row_num in info or row_num in comments:
                    self._write_empty_row(row_num, spans.get(row_num // 16), info.get(row_num))
                continue
            span = spans.get(row_num // 16)
            settings = info.get(row_num)
            number = str(row_num + 1)
            if settings is None and plain:
                out = [f'<row r="{number}" spans="{span}">' if span else f'<row r="{number}">']
            else:
                self._write_row(row_num, span, settings)
                out = []
            for col in sorted(cells):
                cell = cells[col]
                kind = cell.__class__
                fmt = cell[-1] if kind is _NUMBER or kind is _STRING or kind is _BLANK else None
                if fmt is None:  # anything else (a row's or column's own format, a formula ...)
                    write("".join(out))
                    out = []
                    self._write_cell(row_num, col, cell)
                    continue
                xf = fmt.xf_index
                if xf is None:  # a format's index is given at its first use, as in xlsxwriter
                    xf = fmt._get_xf_index()
                name = names[col] if col < 64 else xl_col_to_name(col)
                if kind is _NUMBER:
                    out.append(f'<c r="{name}{number}" s="{xf}"><v>{_number(cell[0])}</v></c>')
                elif kind is _STRING:  # cell[0]: the string's index in the shared strings
                    out.append(f'<c r="{name}{number}" s="{xf}" t="s"><v>{cell[0]}</v></c>')
                else:
                    out.append(f'<c r="{name}{number}" s="{xf}"/>')
            out.append("</row>")
            write("".join(out))
