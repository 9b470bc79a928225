"""The blank template: everything in it must come from, and agree with, the standard
(`standard/sep_return.py`)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from sep_pipeline.standard import matching
from sep_pipeline.standard.sep_return import (
    DATA_SHEETS,
    SHEETS,
    TEMPLATE_SHEETS,
    TEMPLATE_VERSION,
    Field,
)
from sep_pipeline.standard.template import (
    FIRST_LIST_COL,
    FORMULA_MAX,
    LAST_ROW,
    LAST_ROW_COL,
    accept_lists,
    accepted_values,
    blank_required_formula,
    code_labels,
    code_lists,
    last_row_formula,
    list_checked,
    not_in_list_formula,
    write_template,
)

LANGS = ("en", "cy")


@pytest.fixture(scope="module", params=LANGS)
def book(request, tmp_path_factory) -> tuple[str, Path, openpyxl.Workbook]:
    lang = request.param
    path = write_template(tmp_path_factory.mktemp(lang) / f"template_{lang}.xlsx", lang)
    return lang, path, openpyxl.load_workbook(path)


def _validations(ws) -> dict[str, DataValidation]:
    """Column letter -> its validation; also checks there is exactly one per column."""
    out: dict[str, DataValidation] = {}
    for dv in ws.data_validations.dataValidation:
        (rng,) = str(dv.sqref).split()
        m = re.fullmatch(r"([A-Z]+)2:([A-Z]+)(\d+)", rng)
        assert m and m[1] == m[2] and int(m[3]) == LAST_ROW, rng
        assert m[1] not in out
        out[m[1]] = dv
    return out


def _accepts(dv: DataValidation, x: float) -> bool:
    """Evaluate a number validation the way Excel would, for the values the tests try."""
    if dv.type == "custom":
        m = re.fullmatch(r"AND\(ISNUMBER\((\w+)\),\1(>=?)([-\d.]+),\1(<=?)([-\d.]+)\)", dv.formula1)
        assert m, dv.formula1
        lo_ok = x >= float(m[3]) if m[2] == ">=" else x > float(m[3])
        hi_ok = x <= float(m[5]) if m[4] == "<=" else x < float(m[5])
        return lo_ok and hi_ok
    if dv.type == "whole" and x != int(x):
        return False
    a = float(dv.formula1)
    return {
        "between": lambda: a <= x <= float(dv.formula2),
        "greaterThan": lambda: x > a,
        "greaterThanOrEqual": lambda: x >= a,
        "lessThan": lambda: x < a,
        "lessThanOrEqual": lambda: x <= a,
    }[dv.operator or "between"]()


def _in_range(f: Field, x: float) -> bool:
    if f.kind == "integer" and x != int(x):
        return False
    if f.min is not None and (x <= f.min if f.min_exclusive else x < f.min):
        return False
    return not (f.max is not None and (x >= f.max if f.max_exclusive else x > f.max))


def test_sheet_names_and_order(book):
    lang, _, wb = book
    cy = lang == "cy"
    expected = [
        TEMPLATE_SHEETS["guidance"][cy],
        TEMPLATE_SHEETS["checks"][cy],
        *(s.label(lang) for s in SHEETS),
        TEMPLATE_SHEETS["lists"][cy],
    ]
    assert wb.sheetnames == expected
    assert wb[TEMPLATE_SHEETS["lists"][cy]].sheet_state == "hidden"
    assert all(wb[n].sheet_state == "visible" for n in expected[:-1])


def test_data_sheet_headers_freeze_and_no_rows(book):
    lang, _, wb = book
    for s in DATA_SHEETS:
        ws = wb[s.label(lang)]
        headers = [c.value for c in ws[1]]
        assert headers == [f.label(lang) for f in s.fields]
        assert ws.freeze_panes == "A2"
        assert ws.max_row == 1  # no data rows
        for col, f in enumerate(s.fields, start=1):
            cell = ws.cell(1, col)
            assert cell.font.b
            assert cell.comment is not None and f.label(lang) in cell.comment.text
            assert ws.column_dimensions[get_column_letter(col)].width >= 12


def test_about_sheet(book):
    lang, _, wb = book
    about = SHEETS[0]
    ws = wb[about.label(lang)]
    assert [c.value for c in ws[1]] == (
        ["Maes", "Gwerth", "Canllawiau"] if lang == "cy" else ["Field", "Value", "Guidance"]
    )
    required_word = "(gofynnol)" if lang == "cy" else "(required)"
    for row, f in enumerate(about.fields, start=2):
        assert ws.cell(row, 1).value == f.label(lang)  # the key, unmarked
        assert bool(ws.cell(row, 1).font.b) == f.required
        assert (required_word in ws.cell(row, 3).value) == f.required
        expected = TEMPLATE_VERSION if f.name == "template_version" else None
        assert ws.cell(row, 2).value == expected


def test_coded_columns_have_list_dropdowns(book):
    lang, _, wb = book
    for s in DATA_SHEETS:
        ws = wb[s.label(lang)]
        dvs = _validations(ws)
        for col, f in enumerate(s.fields, start=1):
            dv = dvs.get(get_column_letter(col))
            if f.kind in ("code", "codes", "bool", "age_band"):
                assert ws.cell(1, col).value == f.label(lang)
                assert dv is not None and dv.type == "list", (s.name, f.name)
                assert dv.formula1 == f"list_{f.codes.name}"
                # Multi-valued and integer-age columns accept values not in the list.
                assert bool(dv.showErrorMessage) == (f.kind in ("code", "bool"))
            elif f.kind == "date":
                assert dv.type == "date" and dv.operator == "greaterThan"
            elif f.kind in ("text", "ref"):
                assert dv is None
            if dv is not None:
                assert dv.showInputMessage and dv.prompt and dv.promptTitle
                assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
                assert len(dv.error or "") <= 255 and len(dv.errorTitle or "") <= 32


def test_number_validations_carry_min_max(book):
    lang, _, wb = book
    checked = 0
    for s in DATA_SHEETS:
        dvs = _validations(wb[s.label(lang)])
        for col, f in enumerate(s.fields, start=1):
            if f.kind not in ("number", "money", "integer"):
                continue
            dv = dvs[get_column_letter(col)]
            assert dv.type in ("decimal", "whole", "custom")
            probes = {0.5, 1.0, 2.0, 1e6}
            for bound in (f.min, f.max):
                if bound is not None:
                    probes |= {bound - 1, bound - 0.01, bound, bound + 0.01, bound + 1}
            for x in sorted(probes):
                assert _accepts(dv, x) == _in_range(f, x), (s.name, f.name, x, dv.formula1)
            checked += 1
    assert checked >= 5


def test_lists_sheet_and_defined_names(book):
    lang, _, wb = book
    lists = wb[TEMPLATE_SHEETS["lists"][lang == "cy"]]
    used = {f.codes.name for s in SHEETS for f in s.fields if f.codes is not None}
    assert used <= set(code_lists())
    for name, cl in code_lists().items():
        dn = wb.defined_names[f"list_{name}"]
        ((sheet_title, rng),) = list(dn.destinations)
        assert sheet_title == lists.title
        values = [c.value for row in lists[rng.replace("$", "")] for c in row]
        assert values == code_labels(cl, lang)
        assert all((c.cy if lang == "cy" else c.en) in values for c in cl.codes)


def test_guidance_mentions_every_sheet_field_and_rule(book):
    lang, _, wb = book
    ws = wb[TEMPLATE_SHEETS["guidance"][lang == "cy"]]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for s in SHEETS:
        assert s.label(lang) in text
        assert (s.row_cy if lang == "cy" else s.row_en) in text
        for f in s.fields:
            assert f.label(lang) in text
        for r in s.rules:
            assert (r.cy if lang == "cy" else r.en) in text
    assert TEMPLATE_VERSION in text


def test_welsh_template_is_welsh(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "cy.xlsx", "cy"))
    assert wb["Gweithlu"]["A1"].value == SHEETS[1].fields[0].cy
    ((title, rng),) = list(wb.defined_names["list_sex"].destinations)
    assert "Benyw" in [row[0].value for row in wb[title][rng.replace("$", "")]]


def test_readable_by_calamine(book):
    lang, path, _ = book
    cal = CalamineWorkbook.from_path(str(path))
    assert cal.sheet_names[2:-1] == [s.label(lang) for s in SHEETS]
    for s in DATA_SHEETS:
        rows = cal.get_sheet_by_name(s.label(lang)).to_python()
        assert rows[0] == [f.label(lang) for f in s.fields]


def test_rejects_unknown_language(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path / "x.xlsx", "fr")


def test_every_required_and_coded_column_is_coloured_live(book):
    """One rule for a required cell left blank, one for a value not in the list, each over the
    whole column and nowhere else; the list rule reads the column's accepted values."""
    lang, _, wb = book
    for s in DATA_SHEETS:
        ws = wb[s.label(lang)]
        rules: dict[str, list[str]] = {}
        for cf in ws.conditional_formatting:
            m = re.fullmatch(r"([A-Z]+)2:\1(\d+)", str(cf.sqref))
            assert m and int(m[2]) == LAST_ROW, cf.sqref
            rules.setdefault(m[1], []).extend(r.formula[0] for r in cf.rules)
        for col, f in enumerate(s.fields, start=1):
            got = rules.pop(get_column_letter(col), [])
            blank = [r for r in got if "MATCH(" not in r]
            listed = [r for r in got if "MATCH(" in r]
            assert len(blank) == f.required, (s.name, f.name, got)
            assert len(listed) == list_checked(f), (s.name, f.name, got)
            if listed:
                assert f"accept_{f.codes.name}," in listed[0]
        assert rules == {}


def _read(f: Field, value: object) -> object:
    """The pipeline's reading of a value of a list-checked column (raises when refused)."""
    if f.kind == "bool":
        return matching.parse_bool(value)
    if f.kind == "age_band":
        return matching.parse_age_band(value, f.codes)
    return matching.parse_code(value, f.codes)


def test_accepted_values_are_read_by_the_pipeline(book):
    """No value the checks pass is one the pipeline refuses, and every dropdown label passes in
    either language."""
    lang, _, wb = book
    lists = wb[TEMPLATE_SHEETS["lists"][lang == "cy"]]
    for s in DATA_SHEETS:
        for f in filter(list_checked, s.fields):
            accepted = accepted_values(f)
            for text in accepted:
                _read(f, {"TRUE": True, "FALSE": False}.get(text, text))  # Excel's TRUE is a bool
            folded = {t.casefold() for t in accepted}
            assert {x.casefold() for x in code_labels(f.codes, "en") + code_labels(f.codes, "cy")
                    } <= folded
            ((title, rng),) = list(wb.defined_names[f"accept_{f.codes.name}"].destinations)
            assert title == lists.title
            assert [c.value for row in lists[rng.replace("$", "")] for c in row] == accepted
    assert set(accept_lists()) <= set(code_lists())


def test_checks_sheet_counts_every_data_sheet(book):
    """Each data sheet's row: the last row with data (hidden), the blank required cells, one
    hidden count per list-checked column summed into the values not in a list, and both."""
    lang, _, wb = book
    ws = wb[TEMPLATE_SHEETS["checks"][lang == "cy"]]
    rows = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    for s in DATA_SHEETS:
        row = rows[s.label(lang)]
        last = f"$F{row}"
        assert ws.cell(row, LAST_ROW_COL).value == f"={last_row_formula(s, lang)}"
        assert ws.cell(row, 2).value == f"={blank_required_formula(s, lang, last)}"
        checked = [f for f in s.fields if list_checked(f)]
        for col, f in enumerate(checked, start=FIRST_LIST_COL):
            assert ws.cell(row, col).value == f"={not_in_list_formula(s, f, lang, last)}"
        assert ws.cell(row, FIRST_LIST_COL + len(checked)).value is None
        end = get_column_letter(FIRST_LIST_COL + len(checked) - 1)
        assert ws.cell(row, 3).value == f"=SUM(H{row}:{end}{row})"
        assert ws.cell(row, 4).value == f"=B{row}+C{row}"
        for col in range(2, FIRST_LIST_COL + len(checked)):
            assert len(str(ws.cell(row, col).value)) < FORMULA_MAX
    workings = ws.column_dimensions[get_column_letter(LAST_ROW_COL)]  # F onwards, one group
    widest = max(sum(map(list_checked, s.fields)) for s in DATA_SHEETS)
    assert workings.hidden and workings.max >= FIRST_LIST_COL + widest - 1
    # the total turns green at 0 and red otherwise
    fills = {r.dxf.fill.bgColor.rgb[-6:] for cf in ws.conditional_formatting for r in cf.rules
             if "=0" in r.formula[0]}
    assert fills == {"C6EFCE", "FFC7CE"}


@pytest.mark.parametrize("lang", LANGS)
def test_checks_sheet_is_never_read_as_data(lang):
    assert matching.is_template_sheet(TEMPLATE_SHEETS["checks"][lang == "cy"])
    assert matching.match_sheet(TEMPLATE_SHEETS["checks"][lang == "cy"]) is None
