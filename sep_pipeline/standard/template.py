"""The blank partner return, generated entirely from `sep_return.py`.

Nothing here names a field, a label or a code: every sheet, header, dropdown and hint comes from
`SHEETS`, so a change to the standard changes the template with no edit here. Only the template's
own words (titles, "required", "Pick from the list") are kept below, in English and Welsh.

Readers must ignore the Guidance, Checks and Lists sheets (`TEMPLATE_SHEETS`, either language)
and, on About, the header row ("Field"/"Value"/"Guidance") and column C.

The template checks itself as the partner types (see "Self-checks" below): conditional formats
colour a required cell left blank in a filled row and a value not in its list, and the Checks
sheet counts both per sheet, with a total that turns green at 0.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .matching import code_index
from .sep_return import (
    AGE_BANDS,
    DATA_SHEETS,
    PROFILE_CHARACTERISTICS,
    SHEETS,
    TEMPLATE_SHEETS,
    TEMPLATE_VERSION,
    YES_NO_CODES,
    CategoryOf,
    CodeList,
    Field,
    Sheet,
)

LAST_ROW = 20000  # data validation reaches this row: ample for a quarter, cheap for Excel
PROMPT_MAX, TITLE_MAX = 255, 32  # Excel rejects (repairs) longer input/error messages
LIST_NAME = "list_{}"  # defined name of a code list on the Lists sheet, e.g. list_sex
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = '"£"#,##0.00'

# The template's own words. Everything about the data comes from the standard instead.
_UI: dict[str, tuple[str, str]] = {
    "field": ("Field", "Maes"),
    "value": ("Value", "Gwerth"),
    "guidance": ("Guidance", "Canllawiau"),
    "required": ("required", "gofynnol"),
    "optional": ("optional", "dewisol"),
    "title": (
        "Wales Public Bodies Equality Partnership — quarterly return",
        "Partneriaeth Cydraddoldeb Cyrff Cyhoeddus Cymru — ffurflen chwarterol",
    ),
    "version": ("Template version {}", "Fersiwn y templed {}"),
    "intro": (
        "This workbook is your body's quarterly return to the partnership. Fill in the required "
        "sheets ({}) and any other sheet you have data for, one row per record below the "
        "headers, save it as .xlsx and drop it into your body's intake folder. A feedback report "
        "appears beside it within minutes: accepted, or exactly what to fix, in English and Welsh.",
        "Y llyfr gwaith hwn yw ffurflen chwarterol eich corff i'r bartneriaeth. Llenwch y "
        "taflenni gofynnol ({}) ac unrhyw daflen arall y mae gennych ddata ar ei chyfer, un rhes "
        "i bob cofnod o dan y penawdau, cadwch ef fel .xlsx a'i roi yn ffolder derbyn eich corff. "
        "Bydd adroddiad adborth yn ymddangos wrth ei ymyl o fewn munudau: wedi'i dderbyn, neu'n "
        "union beth i'w gywiro, yn Gymraeg ac yn Saesneg.",
    ),
    "empty": (
        "A sheet with headers and no rows means nothing to report; a missing optional sheet "
        "means not submitted (its figures are published as [x], never as 0).",
        "Mae taflen â phenawdau a dim rhesi yn golygu dim i'w adrodd; mae taflen ddewisol sydd ar "
        "goll yn golygu na chafodd ei chyflwyno (cyhoeddir ei ffigurau fel [x], byth fel 0).",
    ),
    "values": (
        "Pick values from the dropdowns or type them: English and Welsh labels are both accepted. "
        "Dates: a real date, or day first (30/06/2025). Amounts: numbers, with or without £. "
        "Required columns have a dark header; hover over a header for its notes.",
        "Dewiswch werthoedd o'r cwymplenni neu teipiwch nhw: derbynnir labeli Cymraeg a Saesneg. "
        "Dyddiadau: dyddiad go iawn, neu'r diwrnod yn gyntaf (30/06/2025). Symiau: rhifau, gyda "
        "neu heb £. Mae gan golofnau gofynnol bennawd tywyll; hofrwch dros bennawd i weld ei "
        "nodiadau.",
    ),
    "identifiers": (
        "Never add a column of names, dates of birth, National Insurance numbers, addresses, "
        "email addresses or phone numbers: a return with such a column is rejected whole. Staff "
        "and application references are replaced by a pseudonym on receipt.",
        "Peidiwch byth ag ychwanegu colofn o enwau, dyddiadau geni, rhifau Yswiriant Gwladol, "
        "cyfeiriadau, cyfeiriadau e-bost na rhifau ffôn: gwrthodir ffurflen â cholofn o'r fath yn "
        "gyfan. Rhoddir ffugenw yn lle cyfeirnodau staff a chyfeirnodau ceisiadau wrth eu derbyn.",
    ),
    "ignored": (
        "The {}, {} and {} sheets are ignored when your return is read. Keep the headers in row 1 "
        "of each data sheet; extra columns are dropped with a warning.",
        "Anwybyddir y taflenni {}, {} a {} wrth ddarllen eich ffurflen. Cadwch y penawdau yn "
        "rhes 1 pob taflen ddata; caiff colofnau ychwanegol eu hepgor gyda rhybudd.",
    ),
    "checks_para": (
        "The {} sheet counts the problems this workbook can see for itself (required cells left "
        "blank, values not in a list) and each one is coloured on its sheet: yellow for a "
        "required cell left blank in a row you filled in, red for a value not in the list. Its "
        "total turns green at 0.",
        "Mae'r daflen {} yn cyfrif y problemau y gall y llyfr gwaith hwn eu gweld ei hun (celloedd "
        "gofynnol wedi'u gadael yn wag, gwerthoedd nad ydynt mewn rhestr) a lliwir pob un ar ei "
        "thaflen: melyn ar gyfer cell ofynnol wag mewn rhes rydych wedi'i llenwi, coch ar gyfer "
        "gwerth nad yw yn y rhestr. Mae ei chyfanswm yn troi'n wyrdd ar 0.",
    ),
    "checks_title": (
        "Checks: the problems this workbook can see for itself",
        "Gwiriadau: y problemau y gall y llyfr gwaith hwn eu gweld ei hun",
    ),
    "checks_intro": (
        "The counts update as you type, and each problem is coloured on its sheet. When the total "
        "is 0 and green these checks pass. Dates, numbers and the rules across columns and sheets "
        "(a leave date for a leaver, say) are checked when you validate or send the return: the "
        "feedback report names each problem.",
        "Mae'r cyfrifon yn diweddaru wrth i chi deipio, a lliwir pob problem ar ei thaflen. Pan "
        "fo'r cyfanswm yn 0 ac yn wyrdd mae'r gwiriadau hyn yn llwyddo. Caiff dyddiadau, rhifau "
        "a'r rheolau ar draws colofnau a thaflenni (dyddiad gadael i rywun a adawodd, er "
        "enghraifft) eu gwirio pan fyddwch yn dilysu neu'n anfon y ffurflen: mae'r adroddiad "
        "adborth yn enwi pob problem.",
    ),
    "blank_h": ("Required cells left blank", "Celloedd gofynnol wedi'u gadael yn wag"),
    "list_h": ("Values not in the list", "Gwerthoedd nad ydynt yn y rhestr"),
    "problems_h": ("Problems", "Problemau"),
    "total": ("Total", "Cyfanswm"),
    "status_ok": ("No problems found by these checks", "Dim problemau gan y gwiriadau hyn"),
    "status_fix": ("Fix the coloured cells", "Cywirwch y celloedd lliw"),
    "key_blank": (
        "Yellow: a required cell left blank in a row that has other data.",
        "Melyn: cell ofynnol wedi'i gadael yn wag mewn rhes sydd â data arall.",
    ),
    "key_list": (
        "Red: a value that is not in the column's list. English and Welsh labels, codes and the "
        "usual synonyms are all accepted, and an age in whole years for an age band.",
        "Coch: gwerth nad yw yn rhestr y golofn. Derbynnir labeli Cymraeg a Saesneg, codau a'r "
        "cyfystyron arferol, ac oedran mewn blynyddoedd cyfan ar gyfer band oedran.",
    ),
    "sheets": ("Sheets", "Taflenni"),
    "sheet": ("Sheet", "Taflen"),
    "row_per": ("One row per", "Un rhes i bob"),
    "required_h": ("Required", "Gofynnol"),
    "column": ("Column", "Colofn"),
    "type": ("Type", "Math"),
    "allowed": ("Allowed values or range", "Gwerthoedd a ganiateir neu ystod"),
    "notes": ("Notes", "Nodiadau"),
    "rules": ("Checks across columns", "Gwiriadau ar draws colofnau"),
    "categories": ("Categories for each characteristic", "Categorïau ar gyfer pob nodwedd"),
    "pick": ("Pick a value from the list.", "Dewiswch werth o'r rhestr."),
    "not_in_list": ("Not in the list", "Ddim yn y rhestr"),
    "check": ("Check this value", "Gwiriwch y gwerth hwn"),
    "blank_no": ("Blank means {}.", "Mae cell wag yn golygu {}."),
    "and": (" and ", " a "),
    "min": ("at least {}", "o leiaf {}"),
    "min_x": ("more than {}", "mwy na {}"),
    "max": ("at most {}", "dim mwy na {}"),
    "max_x": ("less than {}", "llai na {}"),
    "k_text": ("Text", "Testun"),
    "k_ref": ("Reference (text or number)", "Cyfeirnod (testun neu rif)"),
    "k_code": ("One value from the list", "Un gwerth o'r rhestr"),
    "k_codes": (
        "One or more values from the list, separated by ;",
        "Un neu fwy o werthoedd o'r rhestr, wedi'u gwahanu gan ;",
    ),
    "k_bool": ("{} / {}", "{} / {}"),
    "k_date": ("Date (day first)", "Dyddiad (y diwrnod yn gyntaf)"),
    "k_number": ("Number", "Rhif"),
    "k_money": ("Amount in £", "Swm mewn £"),
    "k_integer": ("Whole number", "Rhif cyfan"),
    "k_age_band": (
        "Age band from the list, or age in whole years",
        "Band oedran o'r rhestr, neu oedran mewn blynyddoedd cyfan",
    ),
}

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="9BC2E6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def ui(key: str, lang: str) -> str:
    en, cy = _UI[key]
    return cy if lang == "cy" else en


def _fmt(x: float) -> str:
    return f"{x:g}"


def _clip(text: str, limit: int) -> str:
    """Cut to Excel's length limit, marking the cut so nobody mistakes it for the whole text."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_words(f: Field, lang: str) -> str:
    if f.kind == "bool":
        return ui("k_bool", lang).format(*code_labels(YES_NO_CODES, lang))
    return ui(f"k_{f.kind}", lang)


def range_words(f: Field, lang: str) -> str:
    """'more than 0 and at most 1.5' — the field's bounds with their strictness, or ''."""
    parts = []
    if f.min is not None:
        parts.append(ui("min_x" if f.min_exclusive else "min", lang).format(_fmt(f.min)))
    if f.max is not None:
        parts.append(ui("max_x" if f.max_exclusive else "max", lang).format(_fmt(f.max)))
    return ui("and", lang).join(parts)


def code_labels(codes: CodeList, lang: str) -> list[str]:
    return [c.cy if lang == "cy" else c.en for c in codes.codes]


def allowed_values(f: Field, lang: str) -> str:
    """Labels of the field's codes, or its range. '; ' separates labels because some labels
    (ethnicity) contain commas; numeric codes are shown too, since "1" is accepted for them."""
    if f.codes is None:
        return range_words(f, lang)
    labels = code_labels(f.codes, lang)
    return "; ".join(
        f"{c.code}: {label}" if c.code.isdigit() else label
        for c, label in zip(f.codes.codes, labels, strict=True)
    )


def notes(f: Field, lang: str) -> str:
    """The standard's own hint for a field, plus what a blank Yes/No cell means."""
    parts = [f.hint_cy if lang == "cy" else f.hint_en]
    if isinstance(f.blank, bool):
        meaning = YES_NO_CODES.label("yes" if f.blank else "no", lang)
        parts.append(ui("blank_no", lang).format(meaning))
    return " ".join(p for p in parts if p)


def field_hint(f: Field, lang: str, *, with_values: bool = False,
               with_required: bool = True) -> str:
    """One line of help for a column: type, required, range, notes (and the allowed values)."""
    head = kind_words(f, lang)
    if with_required:
        head += f"; {ui('required' if f.required else 'optional', lang)}"
    rng = range_words(f, lang)
    parts = [head + (f", {rng}" if rng else "") + ".", notes(f, lang)]
    if with_values and f.codes is not None:
        parts.append(allowed_values(f, lang))
    return " ".join(p for p in parts if p)


def code_lists() -> dict[str, CodeList]:
    """Every code list of the standard, by name, in first-use order: those of the fields, then
    the characteristics EngagementProfile categories may come from (e.g. ethnicity_group)."""
    found: dict[str, CodeList] = {}
    candidates = [f.codes for s in SHEETS for f in s.fields if f.codes is not None]
    for cl in [*candidates, *PROFILE_CHARACTERISTICS.values()]:
        if found.setdefault(cl.name, cl) != cl:  # one defined name must mean one list
            raise ValueError(f"two different code lists are both named {cl.name!r}")
    return found


def _write_lists(wb: Workbook, lang: str) -> None:
    ws = wb.create_sheet(TEMPLATE_SHEETS["lists"][lang == "cy"])
    ws.sheet_state = "hidden"
    for col, (name, cl) in enumerate(code_lists().items(), start=1):
        letter = get_column_letter(col)
        ws.cell(1, col, name).font = _BOLD
        labels = code_labels(cl, lang)
        for row, label in enumerate(labels, start=2):
            ws.cell(row, col, label)
        ref = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(labels) + 1}"
        wb.defined_names[LIST_NAME.format(name)] = DefinedName(
            LIST_NAME.format(name), attr_text=ref
        )
        ws.column_dimensions[letter].width = min(60, max(len(x) for x in [name, *labels]) + 2)
    _write_accept_lists(wb, ws, first_col=len(code_lists()) + 2)


def _validation(f: Field, lang: str, letter: str) -> DataValidation | None:
    """The Excel check for one column; None for free text."""
    k = f.kind
    if k in ("code", "codes", "bool", "age_band") and f.codes is not None:
        # Always the Lists range: inline lists are capped at 255 characters by Excel.
        dv = DataValidation(type="list", formula1=LIST_NAME.format(f.codes.name))
        # Several codes separated by ";", or an integer age, are valid but not in the list.
        dv.showErrorMessage = k not in ("codes", "age_band")
    elif k in ("number", "money", "integer"):
        dv = _number_validation(f, letter)
        dv.errorStyle = "warning"  # "£12.34" typed as text is still accepted by the reader
        dv.showErrorMessage = True
    elif k == "date":
        # Serial 1 is 1900-01-01: anything Excel takes for a date passes.
        dv = DataValidation(type="date", operator="greaterThan", formula1="1")
        dv.errorStyle = "warning"  # a day-first date typed as text is still accepted
        dv.showErrorMessage = True
    else:
        return None
    dv.allow_blank = True
    dv.showInputMessage = True
    dv.promptTitle = _clip(f.label(lang), TITLE_MAX)
    dv.prompt = _clip(field_hint(f, lang), PROMPT_MAX)
    dv.errorTitle = _clip(ui("not_in_list" if dv.type == "list" else "check", lang), TITLE_MAX)
    dv.error = _clip(field_hint(f, lang) if dv.type != "list" else ui("pick", lang), PROMPT_MAX)
    dv.add(f"{letter}2:{letter}{LAST_ROW}")
    return dv


def _number_validation(f: Field, letter: str) -> DataValidation:
    whole = f.kind == "integer"
    lo, hi = f.min, f.max
    if whole:  # strict bounds on whole numbers become inclusive ones: > 0 is >= 1
        if lo is not None:
            lo = math.floor(lo) + 1 if f.min_exclusive else math.ceil(lo)
        if hi is not None:
            hi = math.ceil(hi) - 1 if f.max_exclusive else math.floor(hi)
        lo_x = hi_x = False
    else:
        lo_x, hi_x = f.min_exclusive, f.max_exclusive
    vtype = "whole" if whole else "decimal"
    if lo is None and hi is None:  # still a check that it is a number at all
        return DataValidation(type=vtype, operator="between", formula1="-1E+307", formula2="1E+307")
    if lo is not None and hi is not None:
        if not (lo_x or hi_x):
            return DataValidation(type=vtype, operator="between", formula1=_fmt(lo),
                                  formula2=_fmt(hi))
        # Excel's "between" is inclusive only: a strict bound needs a custom formula.
        cell = f"{letter}2"
        return DataValidation(
            type="custom",
            formula1=f"AND(ISNUMBER({cell}),{cell}{'>' if lo_x else '>='}{_fmt(lo)},"
            f"{cell}{'<' if hi_x else '<='}{_fmt(hi)})",
        )
    if lo is not None:
        op = "greaterThan" if lo_x else "greaterThanOrEqual"
        return DataValidation(type=vtype, operator=op, formula1=_fmt(lo))
    op = "lessThan" if hi_x else "lessThanOrEqual"
    return DataValidation(type=vtype, operator=op, formula1=_fmt(hi))


def _header(ws: Worksheet, col: int, text: str, *, required: bool = False) -> None:
    c = ws.cell(1, col, text)
    c.font = _BOLD
    c.fill = _REQUIRED_FILL if required else _HEADER_FILL
    c.alignment = Alignment(wrap_text=True, vertical="center")


def _write_data_sheet(wb: Workbook, s: Sheet, lang: str) -> None:
    ws = wb.create_sheet(s.label(lang))
    ws.freeze_panes = "A2"
    for col, f in enumerate(s.fields, start=1):
        letter = get_column_letter(col)
        _header(ws, col, f.label(lang), required=f.required)
        text = f"{f.label(lang)}\n{field_hint(f, lang, with_values=True)}"
        comment = Comment(text, "SEP")
        # Size the box to the text (about 50 characters a line at this width).
        comment.width, comment.height = 320, 20 + 15 * (len(text) // 50 + 2)
        ws.cell(1, col).comment = comment
        longest = max([len(f.label(lang)), *map(len, code_labels(f.codes, lang))] if f.codes
                      else [len(f.label(lang))])
        ws.column_dimensions[letter].width = min(45, max(12, longest + 3))
        # Column styles make typed values look right and keep leading zeros of references.
        fmt = {"date": DATE_FORMAT, "money": MONEY_FORMAT, "ref": "@"}.get(f.kind)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
        dv = _validation(f, lang, letter)
        if dv is not None:
            ws.add_data_validation(dv)
    _add_cell_checks(ws, s)


def _write_about(wb: Workbook, s: Sheet, lang: str) -> None:
    ws = wb.create_sheet(s.label(lang))
    ws.freeze_panes = "A2"
    for col, key in enumerate(("field", "value", "guidance"), start=1):
        _header(ws, col, ui(key, lang))
    for row, f in enumerate(s.fields, start=2):
        # Column A is matched as the key, so "(required)" goes in column C, never here.
        ws.cell(row, 1, f.label(lang)).font = Font(bold=f.required)
        if f.name == "template_version":
            ws.cell(row, 2, TEMPLATE_VERSION)
        hint = field_hint(f, lang, with_required=False)
        c = ws.cell(row, 3, f"({ui('required', lang)}) {hint}" if f.required else hint)
        c.alignment = _WRAP
        if f.kind == "bool" and (dv := _validation(f, lang, "B")) is not None:
            # a topic's "not collected this quarter": Yes or No, from the same list
            dv.sqref = MultiCellRange(f"B{row}")
            ws.add_data_validation(dv)
    for letter, width in zip("ABC", (28, 36, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["B"].number_format = "@"  # a period typed as 2025-26 must stay text


class _Page:
    """Appends rows to the Guidance sheet: paragraphs across all columns, or table rows."""

    WIDTHS = (30, 12, 30, 60, 50)

    def __init__(self, ws: Worksheet) -> None:
        self.ws, self.row = ws, 1
        for i, w in enumerate(self.WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w

    def para(self, text: str = "", *, size: int = 11, bold: bool = False) -> None:
        if text:
            c = self.ws.cell(self.row, 1, text)
            c.font, c.alignment = Font(bold=bold, size=size), _WRAP
            last = len(self.WIDTHS)
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                                end_column=last)
            # Excel never auto-fits merged cells: estimate the lines the text needs.
            lines = math.ceil(len(text) * size / 11 / (sum(self.WIDTHS) * 0.95))
            self.ws.row_dimensions[self.row].height = max(1, lines) * (size + 4)
        self.row += 1

    def table(self, cells: list[str], *, header: bool = False) -> None:
        for col, text in enumerate(cells, start=1):
            c = self.ws.cell(self.row, col, text)
            c.alignment = _WRAP
            if header:
                c.font, c.fill = _BOLD, _HEADER_FILL
        self.row += 1


def _guidance_rows(page: _Page, lang: str) -> None:
    cy = lang == "cy"
    page.para(ui("title", lang), size=14, bold=True)
    page.para(ui("version", lang).format(TEMPLATE_VERSION))
    page.para()
    page.para(ui("intro", lang).format(", ".join(s.label(lang) for s in SHEETS if s.required)))
    page.para(ui("empty", lang))
    page.para(ui("values", lang))
    page.para(ui("identifiers", lang))
    page.para(ui("checks_para", lang).format(TEMPLATE_SHEETS["checks"][cy]))
    page.para(ui("ignored", lang).format(*(v[cy] for v in TEMPLATE_SHEETS.values())))
    page.para()
    page.para(ui("sheets", lang), size=12, bold=True)
    page.table([ui("sheet", lang), ui("required_h", lang), ui("row_per", lang)], header=True)
    for s in SHEETS:
        page.table([s.label(lang), YES_NO_CODES.label("yes" if s.required else "no", lang),
                    s.row_cy if cy else s.row_en])
    for s in SHEETS:
        page.para()
        page.para(f"{ui('sheet', lang)}: {s.label(lang)}", size=12, bold=True)
        page.para(f"{ui('row_per', lang)}: {s.row_cy if cy else s.row_en}")
        page.table([ui(k, lang) for k in ("column", "required_h", "type", "allowed", "notes")],
                   header=True)
        for f in s.fields:
            page.table([
                f.label(lang), YES_NO_CODES.label("yes" if f.required else "no", lang),
                kind_words(f, lang), allowed_values(f, lang),
                notes(f, lang),
            ])
        if s.rules:
            page.para(ui("rules", lang), bold=True)
            for r in s.rules:
                page.para(f"• {r.cy if cy else r.en}")
        for r in s.rules:
            if isinstance(r, CategoryOf):
                page.para(ui("categories", lang), bold=True)
                for name, cl in PROFILE_CHARACTERISTICS.items():
                    label = _characteristic_label(s, r.characteristic_field, name, lang)
                    page.table([label, "", "", "; ".join(code_labels(cl, lang))])


# --- Self-checks: conditional formats on the data sheets, counts on the Checks sheet ----------
# Plain formulas that Excel (2007 on) and LibreOffice both evaluate live: no macros, no dynamic
# arrays. SUMPRODUCT makes its arguments arrays in both without Ctrl+Shift+Enter (IF would not).
# Both checks read a cell as TRIM of its text, so a cell of spaces counts as blank, as it does
# for the pipeline.

ACCEPT_NAME = "accept_{}"  # defined name of the values the checks accept for a code list
MAX_AGE = 130  # matching.parse_age_band reads an age below 130, banded from the first band
FORMULA_MAX = 8192  # Excel's limit on the length of a formula
_BLANK_STYLE = ("FFEB9C", "9C5700")  # (fill, font): yellow, a required cell left blank
_WRONG_STYLE = ("FFC7CE", "9C0006")  # red: a value not in the list
_OK_STYLE = ("C6EFCE", "006100")  # green: no problem


def _dxf(style: tuple[str, str]) -> dict[str, object]:
    fill, font = style
    return {"fill": PatternFill("solid", start_color=fill, end_color=fill, bgColor=fill),
            "font": Font(color=font)}


def _unaccented(text: str) -> str:
    """Welsh typed on an English keyboard (ŵ -> w), which the pipeline's matching accepts."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def list_checked(f: Field) -> bool:
    """A column whose values the checks hold against a list. A "codes" column is not: it takes
    several values and keeps free text as a note, so no single cell is out of the list."""
    return f.codes is not None and f.kind in ("code", "bool", "age_band")


def accepted_values(f: Field) -> list[str]:
    """What the checks accept in a list-checked column: every code, English and Welsh label and
    synonym (and each unaccented), TRUE/FALSE (Excel's text of a logical cell, which the
    pipeline reads as Yes/No) where Yes/No is read, and for an age band each whole age the
    pipeline bands. Excel compares them ignoring case, after TRIM. The pipeline
    also ignores punctuation and spacing inside a value ("Not-known"): a formula cannot, so such
    a value is coloured though it would be read; the dropdown's own labels always pass."""
    assert f.codes is not None
    texts = [t for c in f.codes.codes for t in (c.en, c.cy, c.code, *c.synonyms)]
    index = code_index(f.codes)
    texts += [word for word, code in (("TRUE", "yes"), ("FALSE", "no")) if code in index]
    texts += [_unaccented(t) for t in texts]
    if f.kind == "age_band":
        texts += [str(age) for age in range(AGE_BANDS[0][0], MAX_AGE)]
    unique: dict[str, str] = {}
    for text in texts:  # one of each, as Excel compares them
        unique.setdefault(text.casefold(), text)
    return list(unique.values())


def accept_lists() -> dict[str, list[str]]:
    """Accepted values by code list name, for every list-checked column of the standard."""
    found: dict[str, list[str]] = {}
    for f in (f for s in DATA_SHEETS for f in s.fields if list_checked(f)):
        assert f.codes is not None
        if found.setdefault(f.codes.name, accepted_values(f)) != accepted_values(f):
            raise ValueError(f"columns using {f.codes.name!r} accept different values")
    return found


def _write_accept_lists(wb: Workbook, ws: Worksheet, first_col: int) -> None:
    """The accepted values beside the dropdown lists, each under a defined name."""
    for col, (name, texts) in enumerate(accept_lists().items(), start=first_col):
        letter = get_column_letter(col)
        ws.cell(1, col, ACCEPT_NAME.format(name)).font = _BOLD
        for row, text in enumerate(texts, start=2):
            if text.startswith("="):  # openpyxl would write it as a formula
                raise ValueError(f"an accepted value cannot start with '=': {text!r}")
            ws.cell(row, col, text)  # a str stays text: "1" must match a typed 1 as TRIM gives it
        ref = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(texts) + 1}"
        wb.defined_names[ACCEPT_NAME.format(name)] = DefinedName(
            ACCEPT_NAME.format(name), attr_text=ref
        )


def _filled(ref: str) -> str:
    return f"LEN(TRIM({ref}))>0"


def _unmatched(ref: str, f: Field) -> str:
    """1 where `ref` is not an accepted value of `f` (an array for a range). MATCH reads * ? ~
    as wildcards: they are escaped, so that "Fe?ale" does not pass for "Female". A value MATCH
    cannot look up (Excel's is 255 characters at most) is not in the list either."""
    assert f.codes is not None
    literal = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({ref}),"~","~~"),"*","~*"),"?","~?")'
    return f"(1-ISNUMBER(MATCH({literal},{ACCEPT_NAME.format(f.codes.name)},0)))"


def _add_cell_checks(ws: Worksheet, s: Sheet) -> None:
    """Colour, live, a required cell left blank in a filled row and a value not in its list.
    Each rule is written for row 2 and Excel shifts its relative references down the column."""
    last = get_column_letter(len(s.fields))
    row = f"SUMPRODUCT(LEN(TRIM($A2:${last}2)))>0"
    for col, f in enumerate(s.fields, start=1):
        letter = get_column_letter(col)
        cells = f"{letter}2:{letter}{LAST_ROW}"
        if f.required:
            blank = f"AND(LEN(TRIM({letter}2))=0,{row})"
            ws.conditional_formatting.add(cells, FormulaRule(formula=[blank],
                                                             **_dxf(_BLANK_STYLE)))
        if list_checked(f):
            wrong = f"AND({_filled(f'{letter}2')},{_unmatched(f'{letter}2', f)})"
            ws.conditional_formatting.add(cells, FormulaRule(formula=[wrong],
                                                             **_dxf(_WRONG_STYLE)))


# The counts read each column from row 2 down to the sheet's last row with data (a cell on the
# Checks sheet), not to LAST_ROW: string formulas over 20,000 empty rows cost LibreOffice
# seconds at every keystroke. INDEX returns a reference, so the range stays non-volatile.


def last_row_formula(s: Sheet, lang: str) -> str:
    """The last row with anything in a field column (at least 2, the first data row)."""
    title = quote_sheetname(s.label(lang))
    cells = [f"({title}!${c}$2:${c}${LAST_ROW}<>\"\")"
             for c in map(get_column_letter, range(1, len(s.fields) + 1))]
    return f"MAX(2,SUMPRODUCT(MAX(({'+'.join(cells)}>0)*ROW({title}!$A$2:$A${LAST_ROW}))))"


def _used(s: Sheet, f: Field, lang: str, last_row: str) -> str:
    """Column `f` of sheet `s` from row 2 to the row in cell `last_row`."""
    title, letter = quote_sheetname(s.label(lang)), get_column_letter(s.fields.index(f) + 1)
    return f"{title}!${letter}$2:INDEX({title}!${letter}:${letter},{last_row})"


def blank_required_formula(s: Sheet, lang: str, last_row: str) -> str:
    """Count of required cells left blank in the sheet's filled rows."""
    required = [f for f in s.fields if f.required]
    if not required:
        return "0"
    filled = "+".join(f"LEN(TRIM({_used(s, f, lang, last_row)}))" for f in s.fields)
    blanks = "+".join(f"(LEN(TRIM({_used(s, f, lang, last_row)}))=0)" for f in required)
    return f"SUMPRODUCT(({filled}>0)*({blanks}))"


def not_in_list_formula(s: Sheet, f: Field, lang: str, last_row: str) -> str:
    """Count of the column's filled cells whose value is not in its list."""
    used = _used(s, f, lang, last_row)
    return f"SUMPRODUCT(({_filled(used)})*{_unmatched(used, f)})"


def _bilingual(ws: Worksheet, row: int, col: int, key: str, lang: str) -> None:
    """The template's language first, the other one below it in the same cell."""
    other = "en" if lang == "cy" else "cy"
    c = ws.cell(row, col, f"{ui(key, lang)}\n{ui(key, other)}")
    c.alignment = _WRAP


def _checks_para(ws: Worksheet, row: int, key: str, lang: str, *, height: int) -> None:
    _bilingual(ws, row, 1, key, lang)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    ws.row_dimensions[row].height = height


# Columns of the Checks sheet: what the partner sees (A-E), then hidden workings: the last row
# with data (F) and one count per list-checked column (from H), summed into C.
LAST_ROW_COL, FIRST_LIST_COL = 6, 8


def _write_sheet_counts(ws: Worksheet, row: int, s: Sheet, lang: str) -> None:
    """One sheet's row: its blank required cells, values not in a list, and both together."""
    last_row = f"${get_column_letter(LAST_ROW_COL)}{row}"
    ws.cell(row, 1, s.label(lang))
    ws.cell(row, LAST_ROW_COL, f"={last_row_formula(s, lang)}")
    ws.cell(row, 2, f"={blank_required_formula(s, lang, last_row)}")
    checked = [f for f in s.fields if list_checked(f)]
    for col, f in enumerate(checked, start=FIRST_LIST_COL):
        ws.cell(row, col, f"={not_in_list_formula(s, f, lang, last_row)}")
    if checked:
        span = (f"{get_column_letter(FIRST_LIST_COL)}{row}:"
                f"{get_column_letter(FIRST_LIST_COL + len(checked) - 1)}{row}")
        ws.cell(row, 3, f"=SUM({span})")
    else:
        ws.cell(row, 3, 0)
    ws.cell(row, 4, f"=B{row}+C{row}")


def _write_total(ws: Worksheet, row: int, first: int, lang: str) -> None:
    """The total row: green with "no problems" at 0, red with "fix" otherwise."""
    _bilingual(ws, row, 1, "total", lang)
    ws.cell(row, 1).font = _BOLD
    ws.row_dimensions[row].height = 30
    for letter in "BCD":
        ws[f"{letter}{row}"] = f"=SUM({letter}{first}:{letter}{row - 1})"
        ws[f"{letter}{row}"].font = _BOLD
    ok = f"IF(ISNUMBER($D${row}),$D${row}=0,FALSE)"  # an error value is not "no problem"
    other = "en" if lang == "cy" else "cy"
    words = {k: f"{ui(k, lang)} / {ui(k, other)}" for k in ("status_ok", "status_fix")}
    ws.cell(row, 5, f'=IF({ok},"{words["status_ok"]}","{words["status_fix"]}")')
    ws.cell(row, 5).alignment = _WRAP
    ws.conditional_formatting.add(f"B{first}:D{row - 1}",
                                  FormulaRule(formula=[f"B{first}<>0"], **_dxf(_WRONG_STYLE)))
    ws.conditional_formatting.add(f"D{row}:E{row}", FormulaRule(formula=[ok], **_dxf(_OK_STYLE)))
    ws.conditional_formatting.add(f"D{row}:E{row}",
                                  FormulaRule(formula=[f"NOT({ok})"], **_dxf(_WRONG_STYLE)))


def _write_checks(wb: Workbook, lang: str) -> None:
    """The Checks sheet: per data sheet, the count of each problem; the total green at 0."""
    ws = wb.create_sheet(TEMPLATE_SHEETS["checks"][lang == "cy"], index=1)
    for letter, width in zip("ABCDE", (26, 24, 24, 14, 40), strict=True):
        ws.column_dimensions[letter].width = width
    _checks_para(ws, 1, "checks_title", lang, height=36)
    ws["A1"].font = Font(bold=True, size=13)
    _checks_para(ws, 2, "checks_intro", lang, height=100)
    head = 4
    for col, key in enumerate(("sheet", "blank_h", "list_h", "problems_h"), start=1):
        _bilingual(ws, head, col, key, lang)
        ws.cell(head, col).font, ws.cell(head, col).fill = _BOLD, _HEADER_FILL
    ws.row_dimensions[head].height = 60  # two languages of wrapped words: no reader fits rows
    first = head + 1
    for row, s in enumerate(DATA_SHEETS, start=first):
        _write_sheet_counts(ws, row, s, lang)
    total = first + len(DATA_SHEETS)
    _write_total(ws, total, first, lang)
    for row, (key, style) in enumerate((("key_blank", _BLANK_STYLE), ("key_list", _WRONG_STYLE)),
                                       start=total + 2):
        _checks_para(ws, row, key, lang, height=60)
        ws.cell(row, 1).fill = PatternFill("solid", fgColor=style[0])
    widest = max(sum(map(list_checked, s.fields)) for s in DATA_SHEETS)
    ws.column_dimensions.group(get_column_letter(LAST_ROW_COL),
                               get_column_letter(FIRST_LIST_COL + widest), hidden=True)
    ws.freeze_panes = f"A{first}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed on one page wide
    ws.page_setup.fitToHeight = 0


def _characteristic_label(s: Sheet, field_name: str, code: str, lang: str) -> str:
    codes = s.field(field_name).codes
    try:
        return codes.label(code, lang) if codes else code
    except KeyError:
        return code


def write_template(path: Path, lang: str = "en") -> Path:
    """Write the blank return in English ("en") or Welsh ("cy") to `path`; return the path."""
    if lang not in ("en", "cy"):
        raise ValueError(f"lang must be 'en' or 'cy', not {lang!r}")
    path = Path(path)
    wb = Workbook()
    guidance = wb.active
    guidance.title = TEMPLATE_SHEETS["guidance"][lang == "cy"]
    _guidance_rows(_Page(guidance), lang)
    for s in SHEETS:
        (_write_about if s is SHEETS[0] else _write_data_sheet)(wb, s, lang)
    _write_lists(wb, lang)
    _write_checks(wb, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
