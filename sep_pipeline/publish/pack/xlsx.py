"""Whole columns of cells into an xlsxwriter worksheet, fast.

xlsxwriter spends about 5 µs on every cell: `write()` dispatches on the value's type and checks
the sheet's dimensions one cell at a time, and `close()` builds each cell's XML from a list of
attributes, escaping each. A quarter's pack holds about 5 million cells (most of them in the 120
body workbooks), so `Sheet` stores a whole column in one step (the very cell records `write_*()`
store) and, at close, writes each row's cells as one string: the same XML, byte for byte
(test_pack_xlsx compares it with xlsxwriter's own), in about a fifth of the time.

`put_grid` goes further for a block of figures (the partnership workbook's tables): one record
per row, the whole block's XML made at close in one pass, and kept in a cache the caller owns,
so that a second workbook with the same figures in the same places (the other language) writes
it again without making it, when its formats and shared strings have the same numbers
(test_pack_grid compares the file with `put_column`'s).

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
_NO_STRINGS: dict[str, int] = {}
_SHORT = 32767 // 2  # a string this long or shorter is within Excel's limit in any encoding
_COLUMNS = [xl_col_to_name(c) for c in range(64)]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused for the block: building hundreds of thousands of cells
    (lists, tuples) would set it off over and over, each time scanning all that came before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def workbook(path: Path, options: Mapping[str, object]) -> Iterator[xlsxwriter.Workbook]:
    """A workbook to fill, written to `path` when the block ends (not after an exception).

    Built in memory (no temporary file per sheet), with Python's cycle collector paused: a
    workbook holds a record per cell, and collecting while those accumulate would scan them over
    and over (a third of the time). Once the file is written the cell records are dropped, so
    they are freed at once rather than scanned again by the collector."""
    with paused_gc():
        wb = xlsxwriter.Workbook(str(path), {**options, "in_memory": True})
        yield wb
        wb.close()
        for ws in wb.worksheets():
            if FAST and isinstance(ws, Sheet):
                ws.table.clear()


def _known_strings(strings: object) -> dict[str, int]:
    """The shared-string table's string -> index, to find a string already numbered without a
    call per cell (empty where a release keeps it elsewhere: every string is then looked up)."""
    known = getattr(strings, "string_table", None)
    return known if isinstance(known, dict) and hasattr(strings, "count") else _NO_STRINGS


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


class _Grid:
    """A grid's cells as any workbook needs them: each distinct text in the order a
    column-at-a-time writer meets them, how many cells are texts, and the rows' XML as last
    written, with the format and shared-string numbers it was written with."""

    __slots__ = ("strings", "uses", "numbers", "rows")

    def __init__(self, strings: list[str], uses: int) -> None:
        self.strings, self.uses = strings, uses
        self.numbers: tuple[tuple[int, ...], tuple[int, ...]] | None = None
        self.rows: list[str] = []


def _scan(columns: Sequence[Sequence[object]]) -> _Grid | None:
    """The grid's texts, or None where a cell needs xlsxwriter's own handling (an infinity, a
    long text, a type other than float, int, str or None)."""
    strings: dict[str, None] = {}
    uses = 0
    for values in columns:
        for v in values:
            kind = v.__class__
            if kind is float or kind is int:
                if v in _INFINITE:
                    return None
            elif kind is str:
                if len(v) > _SHORT:
                    return None
                strings[v] = None
                uses += 1
            elif v is not None:
                return None
    return _Grid(list(strings), uses)


def _render(row: int, col: int, columns: Sequence[Sequence[object]], xfs: Sequence[int],
            index: dict[str, int]) -> list[str]:
    """Each row's cells as `_write_rows` writes what `put_column` stores: a number, a shared
    string (`index`: its number), or a blank with the column's format for None or NaN."""
    numbers, known = [str(r) for r in range(row + 1, row + len(columns[0]) + 1)], _NUMBERS.get
    cols = []
    for j, values in enumerate(columns):
        ref, xf = f'<c r="{_COLUMNS[col + j]}', xfs[j]
        number, text, blank = f'" s="{xf}"><v>', f'" s="{xf}" t="s"><v>', f'" s="{xf}"/>'
        # `known(v) or _number(v)`: _number's remembered text (never that of 0 or -0.0).
        cols.append([f"{ref}{r}{text}{index[v]}</v></c>" if v.__class__ is str
                     else f"{ref}{r}{blank}" if v is None or v != v
                     else f"{ref}{r}{number}{known(v) or _number(v)}</v></c>"
                     for r, v in zip(numbers, values, strict=True)])
    return ["".join(cells) for cells in zip(*cols, strict=True)]


class _Run:
    """One grid in one workbook: its cells, formats and shared-string numbers. Stored as the
    first cell of each of its rows, standing for `width` cells from there."""

    __slots__ = ("grid", "row", "col", "width", "columns", "fmts", "strings", "_rows")

    def __init__(self, grid: _Grid, row: int, col: int, columns: Sequence[Sequence[object]],
                 fmts: tuple[Format, ...], strings: tuple[int, ...]) -> None:
        self.grid, self.row, self.col, self.columns = grid, row, col, columns
        self.width, self.fmts, self.strings = len(columns), fmts, strings
        self._rows: list[str] | None = None

    def rows(self) -> list[str]:
        """Each row's cells. The formats are numbered at the grid's first row written, in column
        order, just as cell by cell; the XML is the grid's last if written with the same
        numbers (the other language's workbook, as a rule), else made here."""
        if self._rows is None:
            xfs = tuple(f._get_xf_index() if f.xf_index is None else f.xf_index
                        for f in self.fmts)
            grid, numbers = self.grid, (xfs, self.strings)
            if grid.numbers != numbers:
                grid.rows = _render(self.row, self.col, self.columns, xfs,
                                    dict(zip(grid.strings, self.strings, strict=True)))
                grid.numbers = numbers
            self._rows = grid.rows
        return self._rows


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
        table, new, strings = self.table, tuple.__new__, self.str_table
        known, count = _known_strings(strings), 0
        skipped = False
        for r, v in enumerate(values, start=row):
            kind = v.__class__
            if kind is float or kind is int:
                if v - v:  # NaN or an infinity (int: 0)
                    skipped = True  # unless stored below as a blank
                    if v in _INFINITE:
                        self.write_number(r, col, v, fmt)  # refused, as write_column would
                        continue
                    if fmt_blank is None:
                        continue
                    cell = new(_BLANK, (fmt_blank,))
                else:
                    cell = new(_NUMBER, (v, fmt))
            elif kind is str:
                if len(v) > _SHORT:  # may need cutting to Excel's limit: xlsxwriter does it
                    self.write_string(r, col, v, fmt)
                    skipped = True
                    continue
                index = known.get(v)
                if index is None:  # a new string: numbered (and counted) by xlsxwriter
                    index = strings._get_shared_string_index(v)
                else:
                    count += 1
                cell = new(_STRING, (index, fmt))
            elif v is None:
                if fmt_blank is None:
                    skipped = True
                    continue
                cell = new(_BLANK, (fmt_blank,))
            else:  # numpy scalars, Decimal ...: xlsxwriter's own dispatch
                self._put_slowly(r, col, [v], fmt, fmt_blank)
                skipped = True
                continue
            table[r][col] = cell
        strings.count += count  # each use of a known string, as _get_shared_string_index counts
        if skipped:  # the first and last rows with a cell (those xlsxwriter stored are counted)
            stored = [r for r in range(row, end + 1) if col in table.get(r, ())]
            if not stored:
                return
            row, end = stored[0], stored[-1]
        self._check_dimensions(row, col)
        self._check_dimensions(end, col)

    def put_grid(self, row: int, col: int, columns: Sequence[Sequence[object]],
                 fmts: Sequence[Format], cache: dict[object, _Grid] | None = None) -> None:
        """Columns of cells side by side from (`row`, `col`), each with its own format, as
        `put_column(row, col + j, columns[j], fmts[j])` for each j would store them, but kept
        as one record per row, its XML made at close for the whole grid at once. `cache`, a
        dict the caller keeps for exactly these `columns`, keeps that XML: another workbook
        writing the same cells at the same place (the other language) reuses it when its
        formats and texts have the same numbers. Cells written later over the grid are not
        supported."""
        n, width = len(columns[0]) if columns else 0, len(columns)
        if (not FAST or not n or self.comments or self.constant_memory
                or any(f is None for f in fmts) or any(len(c) != n for c in columns)
                or row < 0 or col < 0 or row + n > self.xls_rowmax or col + width > len(_COLUMNS)
                or _known_strings(self.str_table) is _NO_STRINGS):
            self._put_columns(row, col, columns, fmts)
            return
        grid = cache.get((row, col)) if cache is not None else None
        if grid is None:
            grid = _scan(columns)
            if grid is None:
                self._put_columns(row, col, columns, fmts)
                return
            if cache is not None:
                cache[row, col] = grid
        run = _Run(grid, row, col, columns, tuple(fmts),
                   self._string_indices(grid.strings, grid.uses))
        table, rows = self.table, range(row, row + n)
        if any(r in table for r in rows):
            for r in rows:
                cells = table[r]
                if cells and max(cells) >= col:  # cells the grid overwrites, as put_column does
                    for c in range(col, col + width):
                        cells.pop(c, None)
                cells[col] = run
        else:  # new rows, as a rule
            table.update({r: {col: run} for r in rows})
        self._grids = True
        self._check_dimensions(row, col)
        self._check_dimensions(row + n - 1, col + width - 1)

    def _put_columns(self, row: int, col: int, columns: Sequence[Sequence[object]],
                     fmts: Sequence[Format]) -> None:
        for j, (values, fmt) in enumerate(zip(columns, fmts, strict=True)):
            self.put_column(row, col + j, values, fmt)

    def _string_indices(self, strings: Sequence[str], uses: int) -> tuple[int, ...]:
        """`strings`' shared-string numbers, new ones numbered in the order given (as the cells
        written a column at a time would number them); every use counted."""
        table = self.str_table
        known, indices, added = table.string_table, [], 0
        for s in strings:
            index = known.get(s)
            if index is None:
                index = table._get_shared_string_index(s)  # numbers and counts it
                added += 1
            indices.append(index)
        table.count += uses - added
        return tuple(indices)

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

    _grids = False  # whether `put_grid` stored a grid here (a record per row, not per cell)

    def _calculate_spans(self) -> None:
        if not FAST or self.comments:
            if self._grids:  # xlsxwriter's own would not see a grid's width
                raise NotImplementedError("a comment on a sheet with a grid (put_grid)")
            super()._calculate_spans()
            return
        low: dict[int, int] = {}
        high: dict[int, int] = {}
        for row_num, cells in self.table.items():
            if cells and self.dim_rowmin <= row_num <= self.dim_rowmax:
                block = row_num // 16
                if len(cells) == 1:
                    ((a, last),) = cells.items()
                    b = a
                else:
                    a, b = min(cells), max(cells)
                    last = cells[b]
                if last.__class__ is _Run:
                    b += last.width - 1
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
        info, comments, spans = self.row_info, self.comments, self.row_spans
        plain = self._plain_row()
        row_num, last_row = self.dim_rowmin, self.dim_rowmax
        while row_num <= last_row:
            cells = self.table.get(row_num)
            if not cells:
                if row_num in info or row_num in comments:
                    self._write_empty_row(row_num, spans.get(row_num // 16), info.get(row_num))
                row_num += 1
                continue
            settings = info.get(row_num)
            if len(cells) == 1 and settings is None and plain:  # a grid's rows, as a rule
                (run,) = cells.values()
                if run.__class__ is _Run:
                    row_num = self._write_grid_rows(run, row_num, last_row)
                    continue
            self._write_cells(row_num, cells, spans.get(row_num // 16), settings, plain)
            row_num += 1

    def _write_grid_rows(self, run: _Run, row: int, last_row: int) -> int:
        """`run`'s rows from `row` while they hold nothing but its cells and have no settings
        of their own, each in a bare `<row>`; returns the row after them."""
        table, info, spans, rows, first = (self.table, self.row_info, self.row_spans,
                                           run.rows(), run.row)
        end, r, out = min(first + len(rows), last_row + 1), row, []
        while r < end:
            if r > row:
                cells = table.get(r)
                if r in info or not cells or len(cells) != 1 or cells.get(run.col) is not run:
                    break
            span = spans.get(r // 16)
            out.append(f'<row r="{r + 1}" spans="{span}">{rows[r - first]}</row>' if span
                       else f'<row r="{r + 1}">{rows[r - first]}</row>')
            r += 1
        self.fh.write("".join(out))
        return r

    def _write_cells(self, row_num: int, cells: dict[int, object], span: str | None,
                     settings: object, plain: bool) -> None:
        """One row with its cells (`plain`: see `_plain_row`)."""
        write, names, known = self.fh.write, _COLUMNS, _NUMBERS.get
        number = str(row_num + 1)
        if settings is None and plain:
            out = [f'<row r="{number}" spans="{span}">' if span else f'<row r="{number}">']
        else:
            self._write_row(row_num, span, settings)
            out = []
        covered = -1  # the last column of a grid's row written
        for col, cell in sorted(cells.items()):
            kind = cell.__class__
            if col <= covered:
                raise ValueError(f"a cell written over a grid at row {number}, column {col}")
            if kind is _Run:
                out.append(cell.rows()[row_num - cell.row])
                covered = col + cell.width - 1
                continue
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
                v = cell[0]
                text = known(v) if v.__class__ is float else None  # never 0.0: see _number
                out.append(f'<c r="{name}{number}" s="{xf}"><v>'
                           f'{text if text is not None else _number(v)}</v></c>')
            elif kind is _STRING:  # cell[0]: the string's index in the shared strings
                out.append(f'<c r="{name}{number}" s="{xf}" t="s"><v>{cell[0]}</v></c>')
            else:
                out.append(f'<c r="{name}{number}" s="{xf}"/>')
        out.append("</row>")
        write("".join(out))

