"""The blank template: everything in it must come from, and agree with, `standard.py`."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from sep_pipeline.standard import (
    DATA_SHEETS,
    SHEETS,
    TEMPLATE_SHEETS,
    TEMPLATE_VERSION,
    Field,
)
from sep_pipeline.template import LAST_ROW, code_labels, code_lists, write_template

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
    assert cal.sheet_names[1:-1] == [s.label(lang) for s in SHEETS]
    for s in DATA_SHEETS:
        rows = cal.get_sheet_by_name(s.label(lang)).to_python()
        assert rows[0] == [f.label(lang) for f in s.fields]


def test_rejects_unknown_language(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path / "x.xlsx", "fr")
