"""Layout slips in a sheet: nothing read is dropped silently.

Values under a blank header cell, merged cells, a second header row and a totals row would
otherwise be dropped, or read as data, without a word; hidden rows and columns and an active
filter are read like any other cell, but the partner may not know they are there. Pure
functions: a raw sheet and where its fields sit in, issues (and the rows not to load) out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..standard import matching
from ..standard import sep_return as std
from ..standard.issues import Severity, cell_address, column_letter
from ..standard.messages import ROWS_NAMED, rows_text
from .safe_read import RawSheet

if TYPE_CHECKING:
    from .validate import SheetLayout

Finding = tuple[Severity, str, dict[str, Any]]  # severity, code, what `_Issues.add` takes

# Keys (matching.key: case, spaces and punctuation ignored) of what a totals row's label says.
TOTAL_WORDS = frozenset(matching.key(w) for w in (
    "Total", "Totals", "Subtotal", "Subtotals", "Sub-total", "Grand total", "Grand totals",
    "Cyfanswm", "Cyfansymiau", "Is-gyfanswm", "Cyfanswm cyffredinol",
))
SUM_TOLERANCE = 0.005  # a totals row's cached sums may differ from ours by rounding
MAX_FLAGGED = 100_000  # cells under merges whose own issues are left to the merge's one


@dataclass
class LayoutFindings:
    issues: list[Finding] = field(default_factory=list)
    skip_rows: set[int] = field(default_factory=set)  # 0-based rows of the sheet not to load
    # (Excel row, field) of the cells a merge covers but does not fill: the merge's issue says it
    merged_cells: set[tuple[int, str]] = field(default_factory=set)


def check_data_sheet(sheet: std.Sheet, raw: RawSheet, layout: SheetLayout) -> LayoutFindings:
    """Every layout slip of a data sheet whose header row and columns are found."""
    found = LayoutFindings()
    header_idx = layout.header_row - 1
    rows = raw.cells[layout.header_row:]
    header_like, totals_like = _header_and_totals_texts(sheet, rows)
    header_merges = [m for m in raw.marks.merged if m[0] <= header_idx <= m[2]]
    data_merges = [m for m in raw.marks.merged if m[0] > header_idx]
    row_issues: list[tuple[int, Finding]] = []
    need = max(2, math.ceil(len(layout.columns) / 2))  # own headers a repeated header row holds
    for i in _rows_with(rows, header_like):
        if len(header_like.intersection(rows[i])) >= need and _repeats_headers(
            sheet, rows[i], layout, need
        ):
            found.skip_rows.add(layout.header_row + i)
            row_issues.append((layout.header_row + i, _repeated(raw, layout.header_row + i)))
    # a header row above the one read (the header search takes the fuller one): what lies
    # between them is not read
    row_issues += [(i, _repeated(raw, i)) for i, row in enumerate(raw.cells[:header_idx])
                   if _repeats_headers(sheet, row, layout, need)]
    for i, where in _totals_rows(sheet, rows, layout, totals_like, found.skip_rows):
        found.skip_rows.add(layout.header_row + i)
        row_issues.append((layout.header_row + i, ("error", "layout.totals_row", where)))
    found.issues = [
        *_no_header_columns(raw, layout, header_merges, found.skip_rows),
        *(_merge_issue("layout.merged_header", raw, m) for m in header_merges),
        *(finding for _, finding in sorted(row_issues, key=lambda x: x[0])),
        *(_merge_issue("layout.merged_cells", raw, m) for m in data_merges),
    ]
    found.merged_cells = _covered_cells(data_merges, layout)
    return found


def hidden_warning(raw: RawSheet) -> Finding | None:
    """One warning naming the hidden rows and columns that hold something, and a filter that is
    on; None when there is none."""
    marks = raw.marks
    rows = [r + 1 for r in marks.hidden_rows if r < len(raw.cells) and _filled(raw.cells[r])]
    columns = _hidden_columns_with_values(raw)
    if not rows and not columns and not marks.filter_active:
        return None
    en: list[str] = []
    cy: list[str] = []
    if rows:
        rows_en, rows_cy = rows_text(rows)
        one = len(rows) == 1
        en.append(f"{rows_en} {'is' if one else 'are'} hidden")
        cy.append(f"mae {_unmutated(rows_cy)} {_HIDDEN_CY[one]}")
    if columns:
        letters_en, letters_cy = _listed([column_letter(c) for c in columns])
        one = len(columns) == 1
        en.append(f"{'column' if one else 'columns'} {letters_en} {'is' if one else 'are'} "
                  "hidden")
        cy.append(f"mae {'colofn' if one else 'colofnau'} {letters_cy} {_HIDDEN_CY[one]}")
    if marks.filter_active:
        en.append("a filter is on")
        cy.append("mae hidlydd ymlaen")
    return ("warning", "layout.hidden", {"sheet": raw.name, "hidden_en": _sentence(en),
                                         "hidden_cy": _sentence(cy)})


_HIDDEN_CY = {True: "wedi'i chuddio", False: "wedi'u cuddio"}  # rhes, colofn: feminine


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# --- Rows ------------------------------------------------------------------------------------


def _header_and_totals_texts(
    sheet: std.Sheet, rows: list[list[object]]
) -> tuple[set[str], set[str]]:
    """The texts in the rows that read as one of the sheet's headers, and those that say Total.
    Each block of rows' distinct cells found by hashing at C speed (so a large sheet costs
    little), a block at a time (so a sheet of distinct texts does not double its memory)."""
    headers: set[str] = set()
    totals: set[str] = set()
    index = matching.header_index(sheet.name)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start:start + _BLOCK]
        try:
            cells: set[object] = set().union(*block)
        except TypeError:  # an unhashable cell (no reader gives one): look at each
            cells = {c for r in block for c in r if isinstance(c, str)}
        for text in cells:
            if not isinstance(text, str) or len(text) > _LABEL_LENGTH:
                continue
            # each distinct text's key once (a staff reference is one), as match_header takes it
            k = matching.key(text)
            if k in index:
                headers.add(text)
            elif k in TOTAL_WORDS:
                totals.add(text)
    return headers, totals


_BLOCK = 4096  # rows
_LABEL_LENGTH = 200  # longer text is no header nor a totals label


def _rows_with(rows: list[list[object]], texts: set[str]) -> list[int]:
    """Positions of the rows holding any of `texts`."""
    if not texts:
        return []
    return [i for i, r in enumerate(rows) if not texts.isdisjoint(r)]


def _repeats_headers(
    sheet: std.Sheet, row: Sequence[object], layout: SheetLayout, need: int
) -> bool:
    """At least `need` of the sheet's columns hold their own header again."""
    same = sum(1 for name, (col, _) in layout.columns.items()
               if col < len(row) and matching.match_header(sheet.name, row[col]) == name)
    return same >= need


def _totals_rows(
    sheet: std.Sheet, rows: list[list[object]], layout: SheetLayout, totals_like: set[str],
    skip: set[int],
) -> list[tuple[int, dict[str, Any]]]:
    """Rows that say Total (in any text cell), and rows with no reference whose numbers are the
    sums of the rows above (from the first row, or from the last totals row): a row with its
    own reference is a person or an activity, whatever its numbers add up to."""
    skipped = {r - layout.header_row for r in skip}
    found: dict[int, dict[str, Any]] = {}
    for i in _rows_with(rows, totals_like):
        if i in skipped:
            continue
        col = next(c for c, v in enumerate(rows[i]) if v in totals_like)
        found[i] = _at_row_cell(layout, i, col, rows[i][col])
    numeric = [col for f in sheet.fields if f.kind in ("number", "money", "integer")
               and not f.codes and (col := layout.columns.get(f.name, (None,))[0]) is not None]
    ref = next((layout.columns[f.name][0] for f in sheet.fields
                if f.kind == "ref" and f.name in layout.columns), None)
    candidates = [i for i, r in enumerate(rows) if i not in found and i not in skipped
                  and (ref is None or ref >= len(r) or matching.is_blank(r[ref]))
                  and any(_number(r, c) is not None for c in numeric)]
    if candidates:
        sums = _SumsAbove(rows, numeric, set(found) | skipped)
        for i in candidates:
            if sums.is_totals(i):
                sums.exclude(i)
                first = next(c for c in numeric if _number(rows[i], c) is not None)
                found[i] = _at_row_cell(layout, i, ref if ref is not None else first, None)
    return sorted(found.items())


class _SumsAbove:
    """Column sums of the rows above a row, for the numeric columns, totals rows left out."""

    def __init__(self, rows: list[list[object]], columns: list[int], left_out: set[int]) -> None:
        self.rows, self.columns = rows, columns
        self.values = np.array([[_number(r, c) or 0.0 for c in columns] for r in rows],
                               dtype=np.float64).reshape(len(rows), len(columns))
        self.filled = np.array([[_number(r, c) is not None for c in columns] for r in rows],
                               dtype=np.int64).reshape(len(rows), len(columns))
        self.totals: list[int] = []
        for i in sorted(left_out):
            self.exclude(i)

    def exclude(self, i: int) -> None:
        self.values[i], self.filled[i] = 0.0, 0
        self.totals.append(i)

    def is_totals(self, i: int) -> bool:
        """Every number of row i is the sum of its column over the rows above (or since the last
        totals row), with at least two rows adding up to it and one number not zero."""
        mine = [(k, n) for k, c in enumerate(self.columns)
                if (n := _number(self.rows[i], c)) is not None]
        if not any(n != 0 for _, n in mine):
            return False
        starts = {0, *(t + 1 for t in self.totals if t < i)}
        return any(self._sums_from(start, i, mine) for start in starts)

    def _sums_from(self, start: int, i: int, mine: list[tuple[int, float]]) -> bool:
        for k, n in mine:
            if self.filled[start:i, k].sum() < 2:
                return False
            if abs(self.values[start:i, k].sum() - n) > SUM_TOLERANCE:
                return False
        return True


def _number(row: Sequence[object], col: int) -> float | None:
    """The cell's number (a bool is not one), or None."""
    if col >= len(row):
        return None
    v = row[col]
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _filled(row: Sequence[object]) -> bool:
    return any(not matching.is_blank(v) for v in row)


# --- Columns and merges ----------------------------------------------------------------------


def _no_header_columns(
    raw: RawSheet, layout: SheetLayout, header_merges: list[tuple[int, int, int, int]],
    skip: set[int],
) -> list[Finding]:
    """One error per column that holds values under a blank header cell, from the first header
    on (a column under a merged header is the merge's issue)."""
    header = raw.cells[layout.header_row - 1]
    named = [c for c, v in enumerate(header) if not matching.is_blank(v)]
    if not named:
        return []
    covered = {c for m in header_merges for c in range(m[1], m[3] + 1)}
    rows = raw.cells[layout.header_row:]
    width = max(map(len, rows), default=0)
    found: list[Finding] = []
    for col in range(named[0], width):
        if col in covered or (col < len(header) and not matching.is_blank(header[col])):
            continue
        at = [layout.header_row + 1 + i for i, r in enumerate(rows)
              if col < len(r) and not matching.is_blank(r[col])
              and layout.header_row + i not in skip]
        if at:
            rows_en, rows_cy = rows_text(at)
            cell = cell_address(layout.header_row, col)
            n = len(at)
            found.append(("error", "layout.no_header", {
                "sheet": raw.name, "row": layout.header_row, "cell": cell, "header_cell": cell,
                "letter": column_letter(col), "values_en": f"{n} value{'s' * (n != 1)}",
                "values_cy": "1 gwerth" if n == 1 else f"{n} o werthoedd",
                "rows_en": rows_en, "rows_cy": rows_cy}))
    return found


def _merge_issue(code: str, raw: RawSheet, merge: tuple[int, int, int, int]) -> Finding:
    r1, c1, r2, c2 = merge
    first, last = cell_address(r1 + 1, c1), cell_address(r2 + 1, c2)
    return ("error", code, {"sheet": raw.name, "row": r1 + 1, "cell": first,
                            "range": f"{first}:{last}"})


def _covered_cells(merges: list[tuple[int, int, int, int]],
                   layout: SheetLayout) -> set[tuple[int, str]]:
    """(Excel row, field) of the cells the merges cover but leave blank (all but the first)."""
    covered: set[tuple[int, str]] = set()
    for r1, c1, r2, c2 in merges:
        for name, (col, _) in layout.columns.items():
            if not c1 <= col <= c2:
                continue
            for row in range(max(r1, layout.header_row) + 1, r2 + 2):
                if (row - 1, col) != (r1, c1):
                    covered.add((row, name))
            if len(covered) > MAX_FLAGGED:  # absurd merges: their cells' own issues stay
                return set()
    return covered


def _hidden_columns_with_values(raw: RawSheet) -> list[int]:
    if not raw.marks.hidden_columns:
        return []
    width = max(map(len, raw.cells), default=0)
    hidden = sorted({c for low, high in raw.marks.hidden_columns
                     for c in range(low, min(high, width - 1) + 1)})
    return [c for c in hidden
            if any(c < len(r) and not matching.is_blank(r[c]) for r in raw.cells)]


# --- Where, and words --------------------------------------------------------------------------


def _repeated(raw: RawSheet, index: int) -> Finding:
    """The repeated header row at `index` (0-based row of the sheet)."""
    return ("error", "layout.repeated_header",
            {"sheet": raw.name, "row": index + 1, "cell": cell_address(index + 1, 0)})


def _at_row_cell(layout: SheetLayout, i: int, col: int, value: object) -> dict[str, Any]:
    row = layout.header_row + 1 + i
    header = next((h for c, h in layout.columns.values() if c == col), None)
    return {"sheet": layout.name, "row": row, "cell": cell_address(row, col), "column": header,
            "value": value}


def _listed(items: list[str]) -> tuple[str, str]:
    """"D", "D and F", "D, F, ... and 3 more" in English and Welsh."""
    shown = items[:ROWS_NAMED]
    more = len(items) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more", f"{', '.join(shown)} a {more} arall"
    if len(shown) == 1:
        return shown[0], shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}", f"{', '.join(shown[:-1])} a {shown[-1]}"


def _unmutated(rows_cy: str) -> str:
    """`rows_text`'s Welsh follows "ar" (soft mutation: "res", "resi"); as a subject it is
    "rhes", "rhesi"."""
    return "rh" + rows_cy[1:] if rows_cy.startswith("res") else rows_cy
