"""Validate a return: every problem of a file found in one pass, located as the partner sees it.

The steps: safe read -> sheets matched -> About read -> per data sheet: header row found, columns
matched, values normalised -> Pandera model (lazy) -> cross-field and cross-sheet rules ->
plausibility warnings. Any error rejects the whole return.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import compress, count
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..standard import matching, rules, schemas
from ..standard import sep_return as std
from ..standard.issues import Issue, Severity, cell_address
from ..standard.messages import other_cells_text, render, rows_text
from ..standard.periods import FIRST, Period
from . import layout_checks, plausibility
from .safe_read import (
    FileRefused,
    Limits,
    RawSheet,
    RawWorkbook,
    empty_strings_to_none,
    read_workbook,
)

HEADER_SEARCH_ROWS = 10
_BODY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,15}$")


@dataclass
class SheetLayout:
    """Where a data sheet's fields sit in the partner's file."""

    name: str  # as written
    header_row: int  # 1-based Excel row of the headers
    columns: dict[str, tuple[int, str]]  # field -> (0-based column, header as written)


@dataclass
class ValidationResult:
    file_name: str
    issues: list[Issue] = field(default_factory=list)
    about: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # warehouse table -> frame
    layouts: dict[str, SheetLayout] = field(default_factory=dict)  # standard sheet -> layout
    raw: RawWorkbook | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def status(self) -> str:
        return "rejected" if self.errors else "accepted"

    @property
    def body_code(self) -> str | None:
        return self.about.get("body_code")

    @property
    def period(self) -> Period | None:
        return self.about.get("period")

    def to_json(self) -> str:
        return json.dumps(
            {
                "status": self.status,
                "file": self.file_name,
                "body_code": self.body_code,
                "period": self.period.label if self.period else None,
                "errors": [i.to_dict() for i in self.errors],
                "warnings": [i.to_dict() for i in self.warnings],
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )


class _Issues:
    """Collects issues, and which cells already have one so a cell is reported once."""

    def __init__(self) -> None:
        self.items: list[Issue] = []
        self.flagged: set[tuple[str, int, str]] = set()
        # (sheet, field) of each column not in the file: its one column issue stands for the
        # rows, which are not checked for it
        self.absent: set[tuple[str, str]] = set()

    def add(
        self,
        severity: Severity,
        code: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        cell: str | None = None,
        cells: Sequence[str] = (),
        **fmt: object,
    ) -> None:
        """One issue; with `cells` (the first being `cell`), one for the same problem in each
        of them, its message naming the others."""
        shown = None if matching.is_blank(value) else matching.as_text(value)
        fmt.setdefault("sheet", sheet or "")
        fmt.setdefault("column", column or "")
        fmt.setdefault("value", shown or "")
        fmt.setdefault("row", "" if row is None else row)
        fmt.setdefault("cell", cell or "")
        en, cy = render(code, **fmt)
        if len(cells) > 1:
            more_en, more_cy = other_cells_text(list(cells[1:]))
            en, cy = en + more_en, cy + more_cy
        self.items.append(Issue(severity, code, en, cy, sheet, row, column, shown, cell,
                                tuple(cells) if len(cells) > 1 else ()))


def validate_file(
    path: Path,
    *,
    expected_body: str | None = None,
    today: date | None = None,
    previous_headcount: int | None = None,
    limits: Limits | None = None,
) -> ValidationResult:
    """Validate one return file; never raises for a bad file (that is an issue)."""
    path = Path(path)
    try:
        raw = read_workbook(path, limits or Limits())
    except FileRefused as refused:
        return ValidationResult(path.name, [refused.issue])
    return validate_workbook(
        raw, file_name=path.name, expected_body=expected_body, today=today,
        previous_headcount=previous_headcount,
    )


def validate_workbook(
    raw: RawWorkbook,
    *,
    file_name: str,
    expected_body: str | None = None,
    today: date | None = None,
    previous_headcount: int | None = None,
) -> ValidationResult:
    out = _Issues()
    result = ValidationResult(file_name, out.items, raw=raw)
    found = _match_sheets(raw, out)
    _warn_hidden(found.values(), out)
    for s in std.SHEETS:
        if s.required and s.name not in found:
            out.add("error", "sheet.missing", sheet=s.name, sheet_cy=s.cy)
    if std.ABOUT.name in found:
        result.about = _read_about(found[std.ABOUT.name], out, expected_body, today or date.today())
    period = result.period
    for s in std.DATA_SHEETS:
        if s.name not in found:
            continue
        got = _read_sheet(s, found[s.name], out)
        if got is not None:
            result.layouts[s.name], result.tables[s.table] = got
    _not_collected(result, found, out)
    frames = {s.name: result.tables[s.table] for s in std.DATA_SHEETS if s.table in result.tables}
    for s in std.DATA_SHEETS:
        if s.name in frames:
            _check_rules(s, frames, result.layouts[s.name], period, out)
            _check_plausibility(s, frames[s.name], result.layouts[s.name], previous_headcount, out)
    return result


def _not_collected(result: ValidationResult, found: dict[str, RawSheet], out: _Issues) -> None:
    """Zero or not collected: a topic the About sheet says was not collected this quarter is
    left out (published [x]), and an error if its sheet holds rows; a topic sheet with only its
    headers is a warning that it will be published as zero."""
    for topic in std.TOPICS:
        flag = std.ABOUT.field(std.not_collected(topic))
        table = result.tables.get(topic.table)
        rows = 0 if table is None else len(table)
        if result.about.get(flag.name):
            if rows:
                about = found[std.ABOUT.name]
                row = _about_values(about)[flag.name][0]  # answered Yes, so it is there
                out.add("error", "about.not_collected_filled", sheet=about.name, row=row,
                        cell=f"B{row}", column=flag.en, value="Yes",
                        rows_en=f"{rows} row" if rows == 1 else f"{rows} rows",
                        rows_cy="1 rhes" if rows == 1 else f"{rows} o resi",
                        topic=topic.name, topic_cy=topic.cy, expected_en=flag.en,
                        expected_cy=flag.cy)
            result.tables.pop(topic.table, None)
            result.layouts.pop(topic.name, None)
        elif table is not None and not rows and topic.name in result.layouts:
            out.add("warning", "sheet.headers_only", sheet=found[topic.name].name,
                    topic=topic.name, topic_cy=topic.cy, expected_en=flag.en,
                    expected_cy=flag.cy)


# --- Sheets ----------------------------------------------------------------------------------


def _match_sheets(raw: RawWorkbook, out: _Issues) -> dict[str, RawSheet]:
    found: dict[str, RawSheet] = {}
    for name, sheet in raw.sheets.items():
        std_name = matching.match_sheet(name)
        if std_name is None:
            if not matching.is_template_sheet(name):
                out.add("warning", "sheet.unknown", sheet=name, value=name)
        elif std_name in found:
            out.add("error", "sheet.duplicate", sheet=name, value=found[std_name].name,
                    other=name, sheet_std=std_name, sheet_std_cy=std.sheet(std_name).cy)
        else:
            found[std_name] = sheet
    return found


def _about_values(sheet: RawSheet) -> dict[str, tuple[int, object]]:
    """About's field name -> (Excel row, value in column B), the first row of each key."""
    values: dict[str, tuple[int, object]] = {}
    for i, row in enumerate(sheet.cells):
        cells = list(row) + [None, None]
        name = matching.match_header(std.ABOUT.name, cells[0])
        if name and name not in values:
            values[name] = (i + 1, cells[1])
    return values


def _read_about(
    sheet: RawSheet, out: _Issues, expected_body: str | None, today: date
) -> dict[str, Any]:
    values = _about_values(sheet)
    about: dict[str, Any] = {}

    def at(name: str) -> dict[str, Any]:
        row = values.get(name, (None, None))[0]
        return {"sheet": sheet.name, "row": row, "cell": f"B{row}" if row else None,
                "column": std.ABOUT.field(name).en}

    for f in std.ABOUT.fields:
        value = values.get(f.name, (None, None))[1]
        if matching.is_blank(value):
            if f.required:
                out.add("error", "about.missing", **at(f.name), expected_en=f.en, expected_cy=f.cy)
            about[f.name] = f.blank
        elif f.kind == "bool":  # a topic's "not collected this quarter": Yes or No
            try:
                about[f.name] = matching.parse_bool(value)
            except matching.ValueError_:
                out.add("error", "value.yes_no", **at(f.name), value=value)
                about[f.name] = f.blank
        else:
            about[f.name] = matching.as_text(value)

    if about.get("body_code"):
        code = about["body_code"].upper()
        if not _BODY_CODE.match(code):
            out.add("error", "about.body_code_invalid", **at("body_code"), value=code)
        elif expected_body and code != expected_body.upper():
            out.add("error", "about.body_mismatch", **at("body_code"), value=code,
                    expected_en=expected_body.upper())
        about["body_code"] = code
    if about.get("period"):
        text = about["period"]
        about["period"] = None
        try:
            period = Period.parse(text)
        except ValueError:
            out.add("error", "about.period_invalid", **at("period"), value=text)
        else:
            if period < FIRST:
                out.add("error", "about.period_too_early", **at("period"), value=period.label)
            elif not period.has_ended(today):
                out.add("error", "about.period_not_ended", **at("period"), value=period.label,
                        end=period.end.strftime("%d/%m/%Y"))
            else:
                about["period"] = period
    version = about.get("template_version")
    if version and version != std.TEMPLATE_VERSION:
        out.add("warning", "about.template_version", **at("template_version"), value=version,
                expected_en=std.TEMPLATE_VERSION)
    return about


def _find_header(sheet: std.Sheet, rows: list[list[object]]) -> int | None:
    """0-based index of the row (in the first 10) that matches most of the sheet's headers."""
    best, best_hits = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len({matching.match_header(sheet.name, c) for c in row} - {None})
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _read_sheet(
    sheet: std.Sheet, raw: RawSheet, out: _Issues
) -> tuple[SheetLayout, pd.DataFrame] | None:
    header_idx = _find_header(sheet, raw.cells)
    if header_idx is None:
        out.add("error", "sheet.no_header", sheet=raw.name)
        return None
    header_row = header_idx + 1
    layout = SheetLayout(raw.name, header_row, {})
    unknown: list[dict[str, Any]] = []
    for col, header in enumerate(raw.cells[header_idx]):
        if matching.is_blank(header):
            continue
        shown = matching.as_text(header)
        where = {"sheet": raw.name, "row": header_row, "column": shown,
                 "cell": cell_address(header_row, col)}
        name = matching.match_header(sheet.name, header)
        if name is None:
            if matching.looks_like_identifier(header):
                out.add("error", "column.identifier", **where)
            else:
                unknown.append(where)
        elif name in layout.columns:
            f = sheet.field(name)
            out.add("error", "column.duplicate", **where, other=layout.columns[name][1],
                    expected_en=f.en, expected_cy=f.cy)
        else:
            layout.columns[name] = (col, shown)
    _diagnose_headers(sheet, layout, unknown, out)
    raw = _layout_checked(sheet, raw, layout, out)
    df, columns, distinct = _normalise(sheet, raw, layout, out)
    _check_schema(sheet, df, layout, out, columns, distinct)
    return layout, df


def _diagnose_headers(sheet: std.Sheet, layout: SheetLayout, unknown: list[dict[str, Any]],
                      out: _Issues) -> None:
    """One issue per column, never one per row: a header not recognised that is close to a
    column the sheet is missing is one error at that header offering the closest fields ("did
    you mean 'Hourly pay'?"), as its values would otherwise be lost; any other header not
    recognised is a warning, with its closest fields when some are close; a column missing with
    no such header is one issue. Nothing is mapped on a guess: only the partner, by changing
    the header, says what a column is."""
    missing = [f for f in sheet.fields if f.name not in layout.columns]
    wanted = {f.name for f in missing}  # a column the partner may have sent under another name
    for where in unknown:
        close = matching.suggest_fields(sheet.name, where["column"])
        meant = next((n for n in close if n in wanted), None)
        hint_en, hint_cy = _did_you_mean(sheet, [n for n in close if n != meant])
        if meant is not None:
            wanted.discard(meant)
            f = sheet.field(meant)
            out.add("error", "column.not_recognised", **where, expected_en=f.en,
                    expected_cy=f.cy, hint_en=hint_en, hint_cy=hint_cy)
            out.absent.add((layout.name, meant))
        else:
            out.add("warning", "column.unknown", **where, hint_en=hint_en, hint_cy=hint_cy)
    for f in missing:
        if (layout.name, f.name) in out.absent:
            continue
        if f.required:
            out.add("error", "column.missing", sheet=layout.name, expected_en=f.en,
                    expected_cy=f.cy)
        else:
            out.add("warning", "column.missing_optional", sheet=layout.name, expected_en=f.en,
                    expected_cy=f.cy)
        out.absent.add((layout.name, f.name))


def _did_you_mean(sheet: std.Sheet, names: list[str]) -> tuple[str, str]:
    """' Did you mean 'A' or 'B'?' in both languages, for the fields named (empty for none)."""
    if not names:
        return "", ""
    en = " or ".join(f"'{sheet.field(n).en}'" for n in names)
    cy = " neu ".join(f"'{sheet.field(n).cy}'" for n in names)
    return f" Did you mean {en}?", f" Oeddech chi'n golygu {cy}?"


# --- Values ----------------------------------------------------------------------------------

@dataclass
class _Readings:
    """What a column's cells read as: per cell, the index of its reading (`codes`); per distinct
    reading, the stored value, the note and the error (when unreadable); the positions of the
    cells with an issue (unreadable, or with a multi-code note)."""

    codes: np.ndarray
    values: list[object] | np.ndarray  # an array only of dates, as datetime64[ns]
    notes: list[object] | None  # None: no reading has a note
    errors: dict[int, matching.ValueError_]
    problems: list[int]

    def blank(self) -> int:
        """Add a reading of nothing (no value, no note, no error); its index."""
        if isinstance(self.values, np.ndarray):
            self.values = np.append(self.values, np.datetime64("NaT", "ns"))
        else:
            self.values.append(None)
        if self.notes is not None:
            self.notes.append(None)
        return len(self.values) - 1


def _normalise(
    sheet: std.Sheet, raw: RawSheet, layout: SheetLayout, out: _Issues
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Typed frame of standard codes, indexed by Excel row; unreadable cells become NA + issue.
    Also its columns as arrays, and per column an array of exactly the values it holds, each
    once (what `_check_schema` works on).

    A column at a time: each distinct raw value of a column is read once (`_parse_column`), and a
    cell's location is only worked out when the cell has an issue. The result is what reading
    every cell with `_parse_cell` gives (the reference; a property test holds them equal).
    """
    rows = raw.cells[layout.header_row:]
    # `_filled`, its usual answer (text in the first cell) tested inline, with no call per row
    filled = [(r[0].__class__ is str and r[0].strip() != "") or _filled(r) if r else False  # type: ignore[union-attr]
              for r in rows]
    body: list[Sequence[object]] = list(compress(rows, filled))
    index: list[int] = (np.flatnonzero(filled) + (layout.header_row + 1)).tolist()
    width = max(map(len, body), default=0)
    body = [r if len(r) == width else [*r, *[None] * (width - len(r))] for r in body]
    by_column = _columns(body, width)
    formula_cells: dict[int, set[int]] = {}  # column -> positions in `body` of formula cells
    if raw.formulas_without_value:
        position = {excel_row: i for i, excel_row in enumerate(index)}
        for r, c in raw.formulas_without_value:
            if (i := position.get(r + 1)) is not None:
                formula_cells.setdefault(c, set()).add(i)

    data: dict[str, Any] = {}
    distinct: dict[str, Any] = {}
    for f in sheet.fields:
        col, header = layout.columns.get(f.name, (None, f.en))
        cells = by_column[col] if col is not None and col < width else [None] * len(body)
        read = _parse_column(f, cells)
        formulas = formula_cells.get(col, set()) if col is not None else set()
        if formulas:  # stored as blank, whatever the file cached
            read.codes[list(formulas)] = read.blank()
        problems = sorted(formulas.union(read.problems))
        # the same wrong value down a column (as the partner sees it) is one issue
        alike: dict[tuple[str, str], list[int]] = {}
        for i in problems:
            if i not in formulas and (e := read.errors.get(int(read.codes[i]))) is not None:
                alike.setdefault((e.code, matching.as_text(cells[i])), []).append(i)
        for i in problems:
            excel_row = index[i]
            where = {"sheet": raw.name, "row": excel_row, "column": header,
                     "cell": cell_address(excel_row, col) if col is not None else None}
            if i in formulas:
                out.add("error", "value.formula_no_value", **where)
                out.flagged.add((raw.name, excel_row, f.name))
                continue
            n = int(read.codes[i])
            error = read.errors.get(n)
            if error is None:
                out.add("warning", "value.codes_note", **where, value=read.notes[n])  # type: ignore[index]
                continue
            same = alike[error.code, matching.as_text(cells[i])]
            if same[0] != i:
                continue  # told with the first cell
            rows = [index[j] for j in same]
            hint_en, hint_cy = _meant(f, cells[i]) if error.code == "value.code" else ("", "")
            out.add("error", error.code, **where, value=_shown(f, cells[i]),
                    cells=[cell_address(r, col) for r in rows] if col is not None else (),
                    expected_en=error.expected_en, expected_cy=error.expected_cy,
                    hint_en=hint_en, hint_cy=hint_cy)
            out.flagged.update((raw.name, r, f.name) for r in rows)
        data[f.name], distinct[f.name] = _typed(read.values, f.kind, read.codes)
        if f.kind == "codes":
            note = f.name + std.NOTE_SUFFIX
            notes = read.notes if read.notes is not None else [None] * len(read.values)
            data[note], distinct[note] = _typed(notes, "text", read.codes)
        if formulas:  # the values those cells cached are not held: no longer exactly distinct
            distinct[f.name] = None
            if f.kind == "codes":
                distinct[f.name + std.NOTE_SUFFIX] = None
    index_ = pd.Index(np.array(index, dtype=np.int64), name="excel_row")
    return pd.DataFrame(data, index=index_, copy=False), data, distinct


def _columns(rows: list[Sequence[object]], width: int) -> list[list[object]]:
    """Rows of `width` cells as columns. `zip(*rows)` a few hundred rows at a time: at once it
    would make an iterator per row, and so many objects at a time set off the garbage collector
    (over the whole workbook held in memory) many times over; in chunks it is faster, too."""
    columns: list[list[object]] = [[] for _ in range(width)]
    for start in range(0, len(rows), _CHUNK):
        for column, part in zip(columns, zip(*rows[start:start + _CHUNK], strict=True),
                                strict=True):
            column += part
    return columns


_CHUNK = 256


def _filled(row: Sequence[object]) -> bool:
    """Any cell not blank (`matching.is_blank`); text, the usual first cell, tested inline."""
    for v in row:
        if v.__class__ is str:
            if v.strip():  # type: ignore[attr-defined]
                return True
        elif v is not None and not matching.is_blank(v):
            return True
    return False


def _parse_column(f: std.Field, cells: list[object]) -> _Readings:
    """Each cell of a column read as `_parse_cell` reads it, reading each distinct value once.

    Cells are told apart by type and value, not value alone: 1, 1.0 and True are the same dict
    key but not the same cell. Nor are 0.0 and -0.0 (a number field stores each as it is), nor
    equal instants in different time zones (shown and dated by their wall clocks).

    No tuple is made per cell (nor per distinct text): at this size the garbage collector,
    which counts such allocations, would run many times over the whole workbook held in memory.
    """
    types = set(map(type, cells))
    if str in types and len(types) > 1:
        # An empty cell may be "" (RawSheet.cells): None beside other types, so a column of
        # numbers or dates with blanks keeps its NumPy path and a blank one key.
        empty_strings_to_none([cells])
        types = set(map(type, cells))
    types.discard(type(None))
    if f.kind in ("text", "ref") and types <= {str}:
        # Text kept as written, trimmed (`_parse_cell` on a str or None): references are all
        # different, so there is nothing to share and the plain loop is the cheaper one.
        blank = f.blank
        values = [blank if c is None or not (t := c.strip()) else t  # type: ignore[attr-defined]
                  for c in cells]
        return _Readings(np.arange(len(cells), dtype=np.intp), values, None, {}, [])
    if types == {float}:
        return _parse_floats(f, cells)
    keys: Sequence[Any]
    if len(types) <= 1 and types <= _ALONE:
        keys, raw = cells, _same
    elif types <= _READ_TYPES:
        keys, raw = list(zip(map(type, cells), cells, strict=True)), _second
    else:  # a type no reader gives, whose equality may hide a difference: read every cell
        keys, raw = range(len(cells)), cells.__getitem__
    distinct, codes = _factorise(keys)
    if raw is _second and any(_tag(k[1]) is not None for k in distinct):
        keys = [(t, c, _tag(c)) for t, c in keys]
        distinct, codes = _factorise(keys)
    if types == {date} and f.kind == "date" and f.blank is None:
        blank = distinct.index(None) if None in distinct else None
        read = _parse_dates(list(distinct), codes, blank)
        if read is not None:
            return read
    return _read_each(f, list(map(raw, distinct)), codes)


def _factorise(keys: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """The distinct keys in order of first appearance, and per key the index of its own: one
    dict operation per key (`setdefault` keeps each key's first position), where building the
    dict, then looking each key up, took two."""
    first: dict[Any, int] = {}
    at = np.fromiter(map(first.setdefault, keys, count()), dtype=np.intp, count=len(keys))
    dense = np.empty(len(keys), dtype=np.intp)
    dense[np.fromiter(first.values(), dtype=np.intp, count=len(first))] = np.arange(len(first))
    return list(first), dense[at]


def _read_each(f: std.Field, cells: list[object], codes: np.ndarray) -> _Readings:
    """The readings of distinct cells, by `_parse_cell` one at a time; `codes` give each cell
    of the column its distinct cell."""
    values: list[object] = []
    notes: list[object] = []
    errors: dict[int, matching.ValueError_] = {}
    problem_codes: list[int] = []
    for n, cell in enumerate(cells):
        try:
            value, note = _parse_cell(f, cell)
        except matching.ValueError_ as e:
            values.append(None)
            notes.append(None)
            errors[n] = e
            problem_codes.append(n)
        else:
            values.append(value)
            notes.append(note)
            if note:
                problem_codes.append(n)
    problems = np.flatnonzero(np.isin(codes, problem_codes)).tolist() if problem_codes else []
    return _Readings(codes, values, notes, errors, problems)


def _parse_floats(f: std.Field, cells: Sequence[object]) -> _Readings:
    """A column of floats (and blanks) read: the distinct values told apart by their bits (so 0.0
    and -0.0 are two), found at once by NumPy. None reads as NaN would (both blank).

    A number or an amount is the float itself: only a value not finite (blank, or infinite) is
    read by `_parse_cell`. Any other kind reads each distinct value."""
    floats = np.array(cells, dtype=np.float64)  # None -> NaN
    codes, bits = pd.factorize(floats.view(np.int64))
    uniques = bits.view(np.float64)
    if f.kind not in ("number", "money"):
        return _read_each(f, uniques.tolist(), codes)
    values: list[object] = uniques.tolist()
    errors: dict[int, matching.ValueError_] = {}
    for n in np.flatnonzero(~np.isfinite(uniques)).tolist():
        try:
            values[n], _ = _parse_cell(f, values[n])
        except matching.ValueError_ as e:
            values[n] = None
            errors[n] = e
    problems = np.flatnonzero(np.isin(codes, list(errors))).tolist() if errors else []
    return _Readings(codes, values, None, errors, problems)


def _parse_dates(cells: list[object], codes: np.ndarray, blank: int | None) -> _Readings | None:
    """Distinct `date`s of a date field, and None at `blank` if any, read at once as
    `_parse_cell` reads each (a blank is NaT); None when one is outside the dates a return may
    hold (the caller reads each, to report them). Days from their ordinals: NumPy's own
    conversion of `date`s takes twenty times as long."""
    if blank is not None:
        cells[blank] = _EPOCH
    days = (np.fromiter(map(date.toordinal, cells), dtype=np.int64, count=len(cells))  # type: ignore[arg-type]
            - _EPOCH.toordinal()).astype("datetime64[D]")
    if days.size and (days.min() < _FIRST_DAY or days.max() > _LAST_DAY):
        return None
    ns = days.astype("datetime64[ns]")
    if blank is not None:
        ns[blank] = np.datetime64("NaT", "ns")
    return _Readings(codes, ns, None, {}, [])


_EPOCH = date(1970, 1, 1)
_FIRST_DAY = np.datetime64(matching.FIRST_DATE, "D")
_LAST_DAY = np.datetime64(matching.LAST_DATE, "D")

# Types whose equal values read the same, so on their own (one type) a value is its own key.
_ALONE = frozenset((str, int, bool, date))
# What python-calamine gives: keyed by (type, value), and `_tag` where equal is not the same.
_READ_TYPES = _ALONE | {float, datetime, time, timedelta}


def _same(key: object) -> object:
    return key


def _second(key: tuple[object, ...]) -> object:
    return key[1]


def _tag(value: object) -> object:
    """What tells apart equal values that read differently: the sign of a zero, a time zone."""
    if isinstance(value, float) and value == 0:
        return math.copysign(1.0, value)
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        return value.tzinfo
    return None


def _typed(values: list[object] | np.ndarray, kind: str, codes: np.ndarray) -> tuple[Any, Any]:
    """The column `values[codes]` as its kind's dtype (schemas.DTYPES), converting each distinct
    value once, with the values a frame built from the cells' values got; and the distinct
    values so converted (None when not worked out). Dates may come as datetime64[ns] already."""
    dtype = schemas.DTYPES[kind]
    if kind == "date":
        if isinstance(values, np.ndarray):
            typed = pd.array(values)
            return typed.take(codes), typed
        try:  # the Timestamps' own nanoseconds: a tenth of the time of pandas' conversion
            ns = np.array([_NAT if v is None else v.value for v in values], dtype=np.int64)  # type: ignore[attr-defined]
        except (AttributeError, OverflowError):  # not a Timestamp, or beyond datetime64[ns]
            typed = pd.to_datetime(pd.Series(values), errors="coerce").astype("datetime64[ns]")
            return typed.array.take(codes), typed.array
        typed = pd.array(ns.view("datetime64[ns]"))
        return typed.take(codes), typed
    if kind == "integer" and not all(v is None or -_EXACT <= v <= _EXACT for v in values):  # type: ignore[operator]
        # Beyond float64's exact integers: through pandas' own inference, as a frame of the
        # cells' values always was (int64, float64 when there are blanks, or an overflow).
        return pd.Series([values[c] for c in codes]).astype(dtype).array, None  # type: ignore[call-overload]
    if kind in _SMALL_KINDS and len(values) <= 16:
        # Yes/No and code columns hold a few values, the same in every file: convert them once.
        key = (kind, *values)  # the kind, not its dtype: a StringDtype hashes slowly
        typed = _SMALL.get(key)
        if typed is None:
            if len(_SMALL) > 10_000:
                _SMALL.clear()
            typed = _SMALL[key] = pd.array(values, dtype=dtype)  # type: ignore[call-overload]
    else:
        typed = pd.array(values, dtype=dtype)  # type: ignore[call-overload]
    return typed.take(codes), typed


_EXACT = 2**53  # integers up to this survive float64, the type an integer column with blanks took
_NAT = np.datetime64("NaT", "ns").view(np.int64)
# Kinds whose values are str, bool or None, so a tuple of them is an exact key (never 1 == 1.0).
_SMALL_KINDS = frozenset(("text", "ref", "code", "age_band", "codes", "bool"))
_SMALL: dict[tuple[object, ...], Any] = {}  # converted only by take(), which copies: never changed


def _parse_cell(f: std.Field, value: object) -> tuple[object, object]:
    """(stored value, note) for one cell; raises `matching.ValueError_` when unreadable.

    Code-list values that do not match are kept as written, so the Pandera model reports them
    against the list (one place says which values are allowed). A note (the free text of a
    multi-code cell) is also reported as a warning by the caller.
    """
    if matching.is_blank(value):
        return f.blank, None
    match f.kind:
        case "text" | "ref":
            return matching.as_text(value), None
        case "code":
            try:
                return matching.parse_code(value, f.codes), None  # type: ignore[arg-type]
            except matching.ValueError_:
                return matching.as_text(value), None
        case "age_band":
            try:
                return matching.parse_age_band(value, f.codes), None  # type: ignore[arg-type]
            except matching.ValueError_ as e:
                if e.code != "value.code":
                    raise
                return matching.as_text(value), None
        case "codes":
            parsed = matching.parse_codes(value, f.codes)  # type: ignore[arg-type]
            return schemas.CODES_SEPARATOR.join(parsed.codes) or None, parsed.note
        case "bool":
            return matching.parse_bool(value), None
        case "date":
            return pd.Timestamp(matching.parse_date(value)), None
        case "number" | "money" | "integer":
            return matching.parse_number(value, f.kind), None
    raise AssertionError(f.kind)


def _meant(f: std.Field, value: object) -> tuple[str, str]:
    """' Did you mean 'Female'?' for a near miss of one of the field's codes (else empty)."""
    code = matching.suggest_code(value, f.codes) if f.codes else None
    if code is None:
        return "", ""
    return f" Did you mean '{code.en}'?", f" Oeddech chi'n golygu '{code.cy}'?"


def _expected_range(f: std.Field) -> tuple[str, str]:
    en: list[str] = []
    cy: list[str] = []
    if f.min is not None:
        en.append(f"{'more than' if f.min_exclusive else 'at least'} {f.min:g}")
        cy.append(f"{'mwy na' if f.min_exclusive else 'o leiaf'} {f.min:g}")
    if f.max is not None:
        en.append(f"{'less than' if f.max_exclusive else 'at most'} {f.max:g}")
        cy.append(f"{'llai na' if f.max_exclusive else 'dim mwy na'} {f.max:g}")
    return " and ".join(en), " a ".join(cy)


def _allowed(f: std.Field) -> tuple[str, str]:
    codes = f.codes.codes if f.codes else ()
    return ", ".join(c.en for c in codes), ", ".join(c.cy for c in codes)


_CHECK_CODES = (
    ("not_nullable", "value.required"),
    ("field_uniqueness", "value.duplicate"),
    ("isin", "value.code"),
    ("codes_in", "value.code"),
    ("greater_than", "value.range"),
    ("less_than", "value.range"),
    ("in_range", "value.range"),
)


def _check_schema(
    sheet: std.Sheet,
    df: pd.DataFrame,
    layout: SheetLayout,
    out: _Issues,
    columns: Mapping[str, Any] | None = None,
    distinct: Mapping[str, Any] | None = None,
) -> None:
    suspects = schemas.suspect_columns(sheet, df if columns is None else columns, distinct)
    try:
        if suspects is None:
            schemas.model(sheet.name).validate(df, lazy=True)
        elif suspects:
            schemas.partial_schema(sheet.name, tuple(suspects)).validate(df[suspects], lazy=True)
        return
    except pa.errors.SchemaErrors as e:
        failures = e.failure_cases.sort_values("index", kind="stable")
    repeats = _repeats(failures)
    found: dict[tuple[str, str, object], list[int]] = {}  # the rows of each (field, code, value)
    told: set[tuple[str, int]] = set()  # a cell failing two checks is told of the first
    for name, row, check, value in zip(failures["column"], failures["index"],
                                       failures["check"], failures["failure_case"], strict=True):
        if name not in df.columns or pd.isna(row):
            raise AssertionError(f"schema failure outside the data: {name} {row} {check}")
        code = next((c for prefix, c in _CHECK_CODES if str(check).startswith(prefix)), None)
        if code is None:
            raise AssertionError(f"unmapped schema check {check}")
        if (layout.name, name) in out.absent or (layout.name, int(row), name) in out.flagged:
            continue
        if (name, int(row)) in told:
            continue
        told.add((name, int(row)))
        found.setdefault((name, code, None if pd.isna(value) else value), []).append(int(row))
    for (name, code, value), rows in found.items():
        f = sheet.field(name)
        col, header = layout.columns.get(name, (None, f.en))
        if code == "value.duplicate":
            # Each repeat after the first is marked at its cell and names the other rows; a
            # staff or application reference itself is never put in an issue (issues are
            # stored and read by report users): the rows are enough to find it.
            every = repeats[name, value]
            for row in rows:
                if row == every[0]:
                    continue
                en, cy = rows_text([r for r in every if r != row])
                out.add("error", code, sheet=layout.name, row=row, column=header,
                        cell=cell_address(row, col) if col is not None else None,
                        value=_shown(f, value), rows_en=en, rows_cy=cy)
            continue
        # the same failure down a column is one issue, at its first cell, naming the others
        where = {"sheet": layout.name, "row": rows[0], "column": header,
                 "cell": cell_address(rows[0], col) if col is not None else None,
                 "cells": [cell_address(r, col) for r in rows] if col is not None else ()}
        if code == "value.range":
            en, cy = _expected_range(f)
            out.add("error", code, **where, value=value, expected_en=en, expected_cy=cy)
        elif code == "value.code":
            en, cy = _allowed(f)
            hint_en, hint_cy = _meant(f, value)
            out.add("error", code, **where, value=value, expected_en=en, expected_cy=cy,
                    hint_en=hint_en, hint_cy=hint_cy)
        else:
            out.add("error", code, **where, value=None if value is None else _shown(f, value))
    for (name, _, _), rows in found.items():
        out.flagged.update((layout.name, row, name) for row in rows)


def _repeats(failures: pd.DataFrame) -> dict[tuple[str, object], list[int]]:
    """The rows (in order) of each repeated value of a unique column: Pandera lists them all."""
    out: dict[tuple[str, object], list[int]] = {}
    dup = failures[failures["check"].astype(str).str.startswith("field_uniqueness")]
    for name, row, value in zip(dup["column"], dup["index"], dup["failure_case"], strict=True):
        out.setdefault((name, value), []).append(int(row))
    return out


def _shown(f: std.Field, value: object) -> object:
    """The value an issue about field `f` may show: none for a reference that is pseudonymised
    (only the partner's own cells, copied in the feedback workbook, show it)."""
    return None if f.pseudonymise else value


# --- Layout slips ----------------------------------------------------------------------------


def _warn_hidden(sheets: Iterable[RawSheet], out: _Issues) -> None:
    """One warning per sheet whose hidden rows or columns hold something, or with a filter on."""
    for sheet in sheets:
        if (found := layout_checks.hidden_warning(sheet)) is not None:
            severity, code, where = found
            out.add(severity, code, **where)


def _layout_checked(
    sheet: std.Sheet, raw: RawSheet, layout: SheetLayout, out: _Issues
) -> RawSheet:
    """The sheet's layout slips reported (`layout_checks`), and the sheet to read: without its
    totals and repeated header rows, each one issue and nothing loaded."""
    found = layout_checks.check_data_sheet(sheet, raw, layout)
    for severity, code, where in found.issues:
        out.add(severity, code, **where)
    out.flagged.update((raw.name, row, name) for row, name in found.merged_cells)
    if not found.skip_rows:
        return raw
    cells = [[] if i in found.skip_rows else row for i, row in enumerate(raw.cells)]
    return RawSheet(raw.name, cells, raw.formulas_without_value, raw.marks)


# --- Rules and warnings ----------------------------------------------------------------------


def _where(layout: SheetLayout, f: std.Field, row: int | None) -> dict[str, Any]:
    col, header = layout.columns.get(f.name, (None, f.en))
    cell = None
    if col is not None:
        cell = cell_address(row, col) if row is not None else cell_address(layout.header_row, col)
    return {"sheet": layout.name, "row": row, "column": header, "cell": cell}


def _check_rules(
    sheet: std.Sheet,
    frames: Mapping[str, pd.DataFrame],
    layout: SheetLayout,
    period: Period | None,
    out: _Issues,
) -> None:
    df = frames[sheet.name]
    for rule in sheet.rules:
        for row, name, value in rules.check(rule, df, period, frames):
            if (layout.name, row, name) in out.flagged or (layout.name, name) in out.absent:
                continue
            f = sheet.field(name)
            out.add(rule.severity, rules.RULE_CODES[type(rule)],
                    **_where(layout, f, row), value=_shown(f, value),
                    rule_en=rule.en, rule_cy=rule.cy)
            out.flagged.add((layout.name, row, name))


def _check_plausibility(
    sheet: std.Sheet,
    df: pd.DataFrame,
    layout: SheetLayout,
    previous_headcount: int | None,
    out: _Issues,
) -> None:
    findings = list(plausibility.not_known_shares(sheet, df, set(layout.columns)))
    if sheet is std.WORKFORCE:
        findings += plausibility.pay_outliers(df)
        findings += plausibility.headcount_change(df, previous_headcount)
    for code, row, name, value, extra in findings:
        where = _where(layout, sheet.field(name), row) if name else {"sheet": layout.name}
        out.add("warning", code, **where, value=extra.pop("value", value), **extra)
