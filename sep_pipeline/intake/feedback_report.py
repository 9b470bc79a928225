"""The feedback workbook a partner gets back: a summary, every issue, and a marked-up copy of
each of their sheets that has a problem cell.

- **Summary**: the status, the counts, the issues by code and what to do next, in the body's
  language with the other language under it.
- **Issues**: every issue with its sheet, row, column, cell (a link to the marked cell when there
  is a copy), value, and the English and Welsh messages.
- **A copy of each partner sheet with at least one marked cell** (an issue's own cell; else its
  row in the column whose header it names, the header of a whole-column issue, the first cell of
  a whole-row issue), at the same addresses, up to Excel's MAX_ROWS x MAX_COLS: the first
  HEADER_SCAN_ROWS rows (where the headers are) and every row with a marked cell, cell for cell; the
  other rows are left out, so a warning on a header does not copy 25,000 staff rows. Marked
  cells are red (error) or amber (warning) with a note saying what is wrong. A sheet with no
  marked cell is not copied (the partner has it already), so an accepted return whose issues
  point at no cell gets Summary and Issues only.

The partner's cells are needed only for the copies: `write_report` also takes a function that
loads them, called only when some issue can mark a cell (`ingest.write_feedback` passes the
sheets validation read in the same process, else re-reads the archived file that way, rather
than carry the grid between pipeline steps). A copy is written by
whole rows (`write_row`); only marked cells and dates get a format.

Partner text is re-published here, so it is treated as hostile (OWASP formula injection): the
workbook is opened with `strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, so
text is stored as text whichever write method takes it (the copies' `write_row` relies on it and
`_write_copy` checks it), and everything else writes strings with `write_string`. Characters XML
cannot carry are replaced (see `clean_text`) so the report always opens.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ..standard.issues import Issue

Grid = list[list[object]]
Sheets = Mapping[str, Grid]

MAX_TEXT = 32767  # Excel's limit on the characters in one cell
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
MAX_LINKS = 65_000  # Excel's limit is 65,530 hyperlinks a sheet
HEADER_SCAN_ROWS = 10  # the standard lets the header row sit anywhere in the first 10 rows
_SIZED_ROWS = 200  # the first rows, whose values size a copy's columns (>= HEADER_SCAN_ROWS)
REPLACEMENT = "\ufffd"
# XML 1.0 cannot carry C0 controls other than tab/LF/CR, surrogates, U+FFFE or U+FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")

RED, AMBER, GREEN = "#FFC7CE", "#FFEB9C", "#C6EFCE"
RED_TEXT, AMBER_TEXT, GREEN_TEXT = "#9C0006", "#9C5700", "#006100"

_T: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "Crynodeb"),
    "issues": ("Issues", "Problemau"),
    "title": ("Feedback on your quarterly equality return",
              "Adborth ar eich ffurflen cydraddoldeb chwarterol"),
    "file": ("File", "Ffeil"),
    "status": ("Status", "Statws"),
    "accepted": ("Accepted", "Derbyniwyd"),
    "rejected": (
        "Rejected — nothing from this file was loaded. Fix the errors below and send the file "
        "again.",
        "Gwrthodwyd — ni lwythwyd dim o'r ffeil hon. Cywirwch y gwallau isod ac anfonwch y ffeil "
        "eto.",
    ),
    "errors": ("Errors", "Gwallau"),
    "warnings": ("Warnings", "Rhybuddion"),
    "error": ("Error", "Gwall"),
    "warning": ("Warning", "Rhybudd"),
    "by_code": ("Issues by code", "Problemau fesul cod"),
    "next": ("What to do next", "Beth i'w wneud nesaf"),
    "code": ("Code", "Cod"),
    "severity": ("Severity", "Difrifoldeb"),
    "count": ("Count", "Nifer"),
    "example": ("Example", "Enghraifft"),
    "sheet": ("Sheet", "Taflen"),
    "row": ("Row", "Rhes"),
    "column": ("Column", "Colofn"),
    "cell": ("Cell", "Cell"),
    "value": ("Value", "Gwerth"),
    "message_en": ("Message (English)", "Neges (Saesneg)"),
    "message_cy": ("Message (Welsh)", "Neges (Cymraeg)"),
    "do_issues": (
        "Open the {issues} sheet: each row names the sheet, row, column and cell of a problem and "
        "says how to fix it.",
        "Agorwch y daflen {issues}: mae pob rhes yn enwi taflen, rhes, colofn a chell problem ac "
        "yn dweud sut i'w chywiro.",
    ),
    "do_copies": (
        "The copies of your sheets after it show each problem cell in red (error) or amber "
        "(warning), with a note saying what is wrong; they keep your row numbers and show only "
        "the header rows and the rows with a problem.",
        "Mae'r copïau o'ch taflenni ar ei hôl yn dangos pob cell â phroblem mewn coch (gwall) neu "
        "ambr (rhybudd), gyda nodyn yn dweud beth sydd o'i le; maent yn cadw rhifau eich rhesi "
        "ac yn dangos y rhesi pennawd a'r rhesi â phroblem yn unig.",
    ),
    "do_unreadable": (
        "Your file could not be read, so this report has no copy of its sheets: the {issues} "
        "sheet says why.",
        "Nid oedd modd darllen eich ffeil, felly nid oes copi o'i thaflenni yn yr adroddiad hwn: "
        "mae'r daflen {issues} yn dweud pam.",
    ),
    "do_resend": (
        "Correct your own workbook (not this report) and drop it into your intake folder again.",
        "Cywirwch eich llyfr gwaith eich hun (nid yr adroddiad hwn) a'i roi yn eich ffolder "
        "derbyn eto.",
    ),
    "do_warnings": (
        "Please check the warnings: they did not stop your return being loaded, but they may "
        "point to data to correct next time.",
        "Gwiriwch y rhybuddion: ni wnaethant atal eich ffurflen rhag cael ei llwytho, ond efallai "
        "eu bod yn dangos data i'w gywiro y tro nesaf.",
    ),
    "do_nothing": ("Nothing more to do: thank you.", "Dim byd arall i'w wneud: diolch."),
}


def _t(key: str, lang: str) -> str:
    return _T[key][lang == "cy"]


def clean_text(text: str) -> str:
    """The text as the report stores it.

    Line breaks become LF (Excel's own; a CR would be stored as the escape `_x000D_` and shown
    literally by some readers), characters XML 1.0 cannot carry become U+FFFD (visible, so the
    partner can find them), and the text is cut to Excel's 32,767-character cell limit.
    """
    text = _ILLEGAL_XML.sub(REPLACEMENT, text.replace("\r\n", "\n").replace("\r", "\n"))
    return text[:MAX_TEXT]


class _Formats:
    """The report's few formats, made once each (xlsxwriter keeps every Format it is given)."""

    _NUM = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm:ss", "time": "hh:mm:ss"}
    _FILL = {"error": (RED, RED_TEXT), "warning": (AMBER, AMBER_TEXT)}

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self._cache: dict[tuple[str | None, str | None], Format] = {}
        self.title = wb.add_format({"bold": True, "font_size": 16})
        self.subtitle = wb.add_format({"italic": True, "font_size": 12, "font_color": "#595959"})
        self.label = wb.add_format({"bold": True, "valign": "top"})
        self.second = wb.add_format({"italic": True, "font_color": "#595959", "valign": "top"})
        self.second_wrap = wb.add_format({"italic": True, "font_color": "#595959",
                                          "text_wrap": True, "valign": "top"})
        self.head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                   "text_wrap": True, "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.top = wb.add_format({"valign": "top"})
        self.link = wb.add_format({"valign": "top", "font_color": "blue", "underline": 1})
        self.status = {
            "accepted": wb.add_format({"bold": True, "bg_color": GREEN, "font_color": GREEN_TEXT}),
            "rejected": wb.add_format({"bold": True, "bg_color": RED, "font_color": RED_TEXT}),
        }

    def cell(self, fill: str | None, kind: str | None) -> Format | None:
        """Format for a copied cell: highlight (None/error/warning) x number format."""
        if fill is None and kind is None:
            return None
        key = (fill, kind)
        if key not in self._cache:
            props: dict[str, object] = {}
            if fill:
                bg, fg = self._FILL[fill]
                props |= {"bg_color": bg, "font_color": fg, "pattern": 1}
            if kind:
                props["num_format"] = self._NUM[kind]
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


def _put(ws: Worksheet, r: int, c: int, v: object, fmts: _Formats, fill: str | None) -> None:
    """Write one partner value with its own type; any text strictly as a string."""
    if v is None:
        if fill:
            ws.write_blank(r, c, None, fmts.cell(fill, None))
    elif isinstance(v, bool):  # before numbers: bool is an int
        ws.write_boolean(r, c, v, fmts.cell(fill, None))
    elif isinstance(v, numbers.Real) and math.isfinite(float(v)):
        ws.write_number(r, c, float(v), fmts.cell(fill, None))
    elif isinstance(v, dt.datetime | dt.date) and v.year >= 1900:  # Excel has no earlier dates
        timed = isinstance(v, dt.datetime) and v.time() != dt.time(0)
        ws.write_datetime(r, c, v, fmts.cell(fill, "datetime" if timed else "date"))
    elif isinstance(v, dt.time):
        ws.write_datetime(r, c, v, fmts.cell(fill, "time"))
    else:
        text = v.isoformat() if isinstance(v, dt.date) else str(v)
        ws.write_string(r, c, clean_text(text), fmts.cell(fill, None))


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name close to `name` (31 chars, no []:*?/\\, no edge ')."""
    base = _BAD_SHEET_CHARS.sub("_", clean_text(name)).strip("'")[:31].strip("'") or "Sheet"
    title, n = base, 1
    while title.casefold() in taken:  # Excel compares sheet names case-insensitively
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)].rstrip("'") + suffix
    taken.add(title.casefold())
    return title


def _parse_a1(cell: str) -> tuple[int, int] | None:
    m = _A1.fullmatch(cell.strip())
    if not m:
        return None
    r, c = xl_cell_to_rowcol(f"{m[1].upper()}{m[2]}")
    return (r, c) if 0 <= r < MAX_ROWS and 0 <= c < MAX_COLS else None


def _header_positions(grid: Grid) -> dict[str, tuple[int, int]]:
    """Header text (trimmed) -> first (row, col) where it appears in the first rows."""
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        for c, v in enumerate(row):
            if isinstance(v, str) and v.strip():
                found.setdefault(v.strip(), (r, c))
    return found


def _locate(issue: Issue, headers: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
    """0-based (row, col) of the cell an issue is about, or None for a sheet-level issue.

    The issue's own cell wins; else its row and the column whose header reads as written; a
    whole-column issue (no row) marks the header; a whole-row issue marks the row's first cell.
    """
    if issue.cell and (rc := _parse_a1(issue.cell)):
        return rc
    col = headers.get(issue.column.strip()) if issue.column else None
    if issue.row is not None and 1 <= issue.row <= MAX_ROWS:
        if col is not None:
            return issue.row - 1, col[1]
        return (issue.row - 1, 0) if not issue.column else None
    return col


def _match_sheet(name: str | None, sheets: Mapping[str, Grid]) -> str | None:
    if name is None:
        return None
    if name in sheets:
        return name
    return next((k for k in sheets if k.casefold() == name.casefold()), None)


def _comment(issues: list[Issue], lang: str) -> str:
    """The note on a marked cell: each message in the chosen language, then the other one."""
    lines = []
    for i in issues[:20]:  # a note is for reading; the Issues sheet has them all
        first, second = (i.message_cy, i.message_en) if lang == "cy" else (i.message_en,
                                                                            i.message_cy)
        lines.append(f"{_t(i.severity, lang)} ({i.code}): {first}")
        if second and second != first:
            lines.append(f"  {second}")
    if len(issues) > 20:
        lines.append(f"… +{len(issues) - 20}")
    return clean_text("\n".join(lines))


def _can_mark(issue: Issue) -> bool:
    """Whether `_locate` might find a cell for the issue (the header row is not known yet)."""
    if issue.sheet is None:
        return False
    in_range = issue.row is not None and 1 <= issue.row <= MAX_ROWS
    return bool(in_range or issue.column or (issue.cell and _parse_a1(issue.cell)))


def write_report(
    path: Path,
    issues: Sequence[Issue],
    sheets: Sheets | Callable[[], Sheets | None] | None,
    *,
    file_name: str,
    status: str,
    lang: str = "en",
) -> Path:
    """Write the feedback workbook for one return to `path`; return the path.

    `sheets` maps each sheet name as written to its raw values (row 0 = Excel row 1), or is a
    function returning that mapping, called only when an issue can mark a cell (so a caller that
    has to read the file again pays for it only when a copy may be written), or is None (or the
    function returns None) when the file could not be read; `status` is "accepted" or
    "rejected".
    """
    if lang not in ("en", "cy"):
        raise ValueError(f"lang must be 'en' or 'cy', not {lang!r}")
    if callable(sheets):
        sheets = sheets() if any(_can_mark(i) for i in issues) else {}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": False,  # comments and highlights need random access to cells
        "in_memory": True,  # each part zipped from memory: no temporary file per part
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "remove_timezone": True,
    })
    fmts = _Formats(wb)
    taken = {"history"}  # reserved by Excel
    summary_ws = wb.add_worksheet(_sheet_title(_t("summary", lang), taken))
    issues_ws = wb.add_worksheet(_sheet_title(_t("issues", lang), taken))

    grids = sheets or {}
    located = _located(issues, grids)
    # Sheets in workbook order; one not in the file (or not loaded) where the issues first name
    # it, so the order does not depend on whether the file was read.
    rank = {name: i for i, name in enumerate(grids)}
    for issue, name, _ in located:
        rank.setdefault(name if name is not None else issue.sheet, len(rank))
    located.sort(key=lambda x: (
        not x[0].is_error, x[0].sheet is not None, rank[x[1] if x[1] is not None else x[0].sheet],
        x[0].row or 0, x[2][1] if x[2] else -1,
    ))

    marks = _marks(located)
    # Only sheets with a marked cell are copied, in workbook order after Summary and Issues.
    titles = {name: _sheet_title(name, taken) for name in grids if name in marks}

    _write_summary(summary_ws, fmts, [x[0] for x in located], file_name, status, lang,
                   readable=sheets is not None, copies=bool(titles),
                   issues_title=issues_ws.name)
    _write_issues(issues_ws, fmts, located, titles, lang)
    for name, title in titles.items():
        _write_copy(wb.add_worksheet(title), fmts, grids[name], marks[name], lang)
    wb.close()
    return path


Located = list[tuple[Issue, str | None, tuple[int, int] | None]]


def _located(issues: Sequence[Issue], grids: Sheets) -> Located:
    """Each issue with the sheet and 0-based (row, col) it points at in the partner's sheets."""
    headers = {name: _header_positions(grid) for name, grid in grids.items()}
    located: Located = []
    for issue in issues:
        name = _match_sheet(issue.sheet, grids)
        rc = _locate(issue, headers[name]) if name is not None else None
        located.append((issue, name, rc))
    return located


def _marks(located: Located) -> dict[str, dict[tuple[int, int], list[Issue]]]:
    """The marked cells of each sheet and the issues each shows."""
    marks: dict[str, dict[tuple[int, int], list[Issue]]] = defaultdict(lambda: defaultdict(list))
    for issue, name, rc in located:
        if name is not None and rc is not None:
            marks[name][rc].append(issue)
            for other in issue.cells[1:]:  # the same problem in other cells: each is marked
                if (at := _parse_a1(other)) is not None:
                    marks[name][at].append(issue)
    return marks


_LEFT_OUT: list[object] = []  # a row a copy does not show (one object: it pickles once)


def report_rows(issues: Sequence[Issue], sheets: Sheets) -> dict[str, Grid]:
    """The partner's sheets with only what `write_report` reads of them: the first rows (the
    headers; the column widths) and the rows with a marked cell, every other row left empty at
    its place, so the report is the same. A worker that checked a return sends the run's
    process this, not 25,000 staff rows for a warning on one cell (docs/performance.md)."""
    marks = _marks(_located(issues, sheets))
    out: dict[str, Grid] = {}
    for name, grid in sheets.items():
        marked = {r for r, _ in marks.get(name, {})}
        out[name] = [row if r < _SIZED_ROWS or r in marked else _LEFT_OUT
                     for r, row in enumerate(grid)]
    return out


def _write_summary(ws: Worksheet, fmts: _Formats, issues: list[Issue], file_name: str,
                   status: str, lang: str, *, readable: bool, copies: bool,
                   issues_title: str) -> None:
    other = "en" if lang == "cy" else "cy"
    _for_paper(ws, landscape=False)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 3, 90)
    row = 0

    def para(key: str, **kw: str) -> None:
        """A paragraph across the page in the chosen language, the other language under it."""
        nonlocal row
        for lg, fmt in ((lang, fmts.wrap), (other, fmts.second_wrap)):
            text = _t(key, lg).format(**kw)
            ws.merge_range(row, 0, row, 3, "", fmt)
            ws.write_string(row, 0, text, fmt)
            ws.set_row(row, 15 * max(1, math.ceil(len(text) / 130)))  # merged cells never autofit
            row += 1

    def pair(key: str, value: object, fmt: Format | None = None, value_key: str | None = None):
        nonlocal row
        ws.write_string(row, 0, _t(key, lang), fmts.label)
        if isinstance(value, str):
            ws.write_string(row, 1, clean_text(value), fmt)
        else:
            ws.write_number(row, 1, value, fmt)
        ws.write_string(row + 1, 0, _t(key, other), fmts.second)
        if value_key:
            ws.write_string(row + 1, 1, _t(value_key, other), fmts.second)
        row += 2

    ws.write_string(row, 0, _t("title", lang), fmts.title)
    ws.write_string(row + 1, 0, _t("title", other), fmts.subtitle)
    row += 3
    pair("file", file_name)
    key = status.strip().lower()
    if key in fmts.status:
        pair("status", _t(key, lang), fmts.status[key], value_key=key)
    else:  # not expected; shown as given rather than guessed at
        pair("status", status)
    errors = sum(i.is_error for i in issues)
    pair("errors", errors)
    pair("warnings", len(issues) - errors)

    if issues:
        row += 1
        ws.write_string(row, 0, _t("by_code", lang), fmts.label)
        ws.write_string(row + 1, 0, _t("by_code", other), fmts.second)
        row += 2
        for col, k in enumerate(("code", "severity", "count", "example")):
            ws.write_string(row, col, _t(k, lang), fmts.head)
        row += 1
        counts = Counter((i.code, i.severity) for i in issues)
        example = {}
        for i in issues:
            example.setdefault((i.code, i.severity), i)
        for (code, sev), n in sorted(counts.items(), key=lambda x: (x[0][1] != "error", -x[1])):
            ex = example[(code, sev)]
            ws.write_string(row, 0, clean_text(code), fmts.top)
            ws.write_string(row, 1, _t(sev, lang), fmts.top)
            ws.write_number(row, 2, n, fmts.top)
            ws.write_string(row, 3, clean_text(ex.message_cy if lang == "cy" else ex.message_en),
                            fmts.wrap)
            row += 1

    row += 1
    ws.write_string(row, 0, _t("next", lang), fmts.label)
    ws.write_string(row + 1, 0, _t("next", other), fmts.second)
    row += 2
    rejected = key == "rejected"
    if not readable:
        para("do_unreadable", issues=issues_title)
    elif issues:
        para("do_issues", issues=issues_title)
    if copies:
        para("do_copies")
    if rejected:
        para("do_resend")
    elif any(not i.is_error for i in issues):
        para("do_warnings")
    else:
        para("do_nothing")


def _for_paper(ws: Worksheet, *, landscape: bool, header_rows: int = 0) -> None:
    """Printed on A4, every column on the page's width (as many pages down as it takes), the
    header rows repeated on each page."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if header_rows:
        ws.repeat_rows(0, header_rows - 1)


def _height(issue: Issue) -> float:
    """A row's height for its wrapped messages (70 characters wide) and column header (24): set,
    as a spreadsheet program reading the file does not always grow a row to its text, and on
    paper the rest would be cut off."""
    lines = max(math.ceil(len(issue.message_en) / 62), math.ceil(len(issue.message_cy) / 62),
                math.ceil(len(issue.column or "") / 20))
    return 15.0 * max(1, lines)


def _write_issues(ws: Worksheet, fmts: _Formats,
                  located: list[tuple[Issue, str | None, tuple[int, int] | None]],
                  titles: dict[str, str], lang: str) -> None:
    # the partner's language first in the pair of messages
    messages = ("message_cy", "message_en") if lang == "cy" else ("message_en", "message_cy")
    keys = ("severity", "code", "sheet", "row", "column", "cell", "value", *messages)
    for col, (k, width) in enumerate(zip(keys, (10, 24, 18, 7, 24, 8, 24, 70, 70), strict=True)):
        ws.write_string(0, col, _t(k, lang), fmts.head)
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    _for_paper(ws, landscape=True, header_rows=1)
    sev_fmt = {"error": fmts.cell("error", None), "warning": fmts.cell("warning", None)}
    links = 0
    for r, (issue, name, rc) in enumerate(located, start=1):
        ws.write_string(r, 0, _t(issue.severity, lang), sev_fmt.get(issue.severity))
        ws.write_string(r, 1, clean_text(issue.code), fmts.top)
        if issue.sheet is not None:
            ws.write_string(r, 2, clean_text(issue.sheet), fmts.top)
        if issue.row is not None:
            ws.write_number(r, 3, issue.row, fmts.top)
        if issue.column is not None:
            ws.write_string(r, 4, clean_text(issue.column), fmts.wrap)
        addr = xl_rowcol_to_cell(*rc) if rc else (issue.cell and clean_text(issue.cell))
        if rc and name in titles and links < MAX_LINKS:
            # A link to the marked cell in the copy: a hyperlink record, not a formula.
            quoted = titles[name].replace("'", "''")
            ws.write_url(r, 5, f"internal:'{quoted}'!{addr}", fmts.link, string=addr)
            links += 1
        elif addr:
            ws.write_string(r, 5, addr, fmts.top)
        if issue.value is not None:
            ws.write_string(r, 6, clean_text(str(issue.value)), fmts.wrap)
        for col, k in enumerate(messages, start=7):
            ws.write_string(r, col, clean_text(getattr(issue, k)), fmts.wrap)
        ws.set_row(r, _height(issue))
    ws.autofilter(0, 0, max(1, len(located)), len(keys) - 1)


class _Tokens(dict):
    """Partner value -> what `write_row` is given for it, or None with `odd` set.

    Text is cleaned once per distinct string (a sheet repeats its codes); only strings are kept
    as keys (1 == 1.0 == True would mix up a number and a boolean). Numbers, booleans and dates
    Excel can hold go as they are (dates get their format from the sheet's write handlers);
    anything else (non-finite numbers, dates before 1900, other types) sets `odd`, and that row
    is written cell by cell by `_put`.
    """

    def __init__(self) -> None:
        super().__init__({None: None})
        self.odd = False

    def __missing__(self, v: Any) -> Any:
        kind = v.__class__
        if kind is str:
            text = self[v] = clean_text(v)
            return text
        if kind is int or kind is bool or kind is dt.time or (kind is float and math.isfinite(v)):
            return v
        if (kind is dt.date or kind is dt.datetime) and v.year >= 1900:
            return v
        self.odd = True
        return None


def _write_copy(ws: Worksheet, fmts: _Formats, grid: Grid,
                marks: Mapping[tuple[int, int], list[Issue]], lang: str) -> None:
    """The partner's sheet at the same addresses, with problem cells marked: its first
    HEADER_SCAN_ROWS rows (where the headers are) and every row with a marked cell.

    Rows without a mark go whole through `write_row` (text stays text: see the module notes);
    marked rows, and rows holding a value `_Tokens` finds odd, go cell by cell through `_put`.
    """
    if ws.strings_to_formulas or ws.strings_to_urls or ws.strings_to_numbers:
        raise RuntimeError("write_row would read partner text as formulas, links or numbers")
    fill = {rc: "error" if any(i.is_error for i in found) else "warning"
            for rc, found in marks.items()}
    marked_rows = {r for r, _ in fill}
    # write_row hands each date to these (by exact type), with its number format.
    ws.add_write_handler(dt.date, lambda ws, r, c, v, _: ws.write_datetime(
        r, c, v, fmts.cell(None, "date")))
    ws.add_write_handler(dt.datetime, lambda ws, r, c, v, _: ws.write_datetime(
        r, c, v, fmts.cell(None, "datetime" if v.time() != dt.time(0) else "date")))
    ws.add_write_handler(dt.time, lambda ws, r, c, v, _: ws.write_datetime(
        r, c, v, fmts.cell(None, "time")))
    tokens = _Tokens()
    token = tokens.__getitem__
    for r, values in enumerate(grid[:MAX_ROWS]):
        if r >= HEADER_SCAN_ROWS and r not in marked_rows:
            continue  # the partner has every row; the copy shows the ones with a problem
        row = values if len(values) <= MAX_COLS else values[:MAX_COLS]
        if r not in marked_rows:
            cells = list(map(token, row))
            if not tokens.odd:
                ws.write_row(r, 0, cells)
                continue
            tokens.odd = False
        for c, v in enumerate(row):
            _put(ws, r, c, v, fmts, fill.get((r, c)))
    widths: dict[int, int] = {}
    for values in grid[:_SIZED_ROWS]:  # a sample is enough to size columns
        for c, v in enumerate(values[:MAX_COLS]):
            if v is not None:
                widths[c] = max(widths.get(c, 8), min(40, len(str(v)) + 2))
    for (r, c), found in marks.items():
        if r >= len(grid) or c >= len(grid[r]):  # e.g. a required value in a blank cell
            _put(ws, r, c, None, fmts, fill[(r, c)])
        text = _comment(found, lang)
        ws.write_comment(r, c, text, {"author": "SEP", "x_scale": 2.5,
                                      "y_scale": min(8.0, 1 + text.count("\n") * 0.4)})
    for c, w in widths.items():
        ws.set_column(c, c, w)
