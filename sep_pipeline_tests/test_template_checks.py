"""The template checks itself: copies filled as a partner would (one with slips, one clean) are
recalculated by a real LibreOffice, and what it computed is read back.

The Checks sheet must count exactly the slips made (counted by hand below), and zero on an
accepted return; each conditional-format rule, evaluated by LibreOffice at every filled cell,
must be true exactly at the slips. The pipeline must reject every cell the template colours.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter

from sep_pipeline.intake.validate import validate_file
from sep_pipeline.standard import sep_return as std
from sep_pipeline.standard.template import write_template
from sep_pipeline_tests.libreoffice import saved_again
from sep_pipeline_tests.returns import ABOUT, TODAY, person, valid_sheets

PROBE_COL = 200  # probes sit far right of every field column, so no check reads them


Rows = dict[str, list[dict[str, Any]]]


def fill(path: Path, lang: str, sheets: Rows) -> None:
    """Type About and the given rows (row 2 on; {} leaves a row empty) under the headers."""
    wb = openpyxl.load_workbook(path)
    about = wb[std.ABOUT.label(lang)]
    for cells in about.iter_rows(min_row=2):
        f = next(f for f in std.ABOUT.fields if f.label(lang) == cells[0].value)
        if f.name in ("body_code", "body_name", "period"):
            cells[1].value = ABOUT[f.name]
    for name, records in sheets.items():
        s = std.sheet(name)
        ws = wb[s.label(lang)]
        for row, record in enumerate(records, start=2):
            for col, f in enumerate(s.fields, start=1):
                if record.get(f.name) is not None:
                    ws.cell(row, col, record[f.name])
    wb.save(path)


def slipped_rows() -> Rows:
    """Valid rows in many accepted spellings, with 3 required cells left blank and 4 values not
    in their list (marked SLIP)."""
    clean = valid_sheets()
    recruit = dict(clean["Recruitment"][0], sex="Fe?ale",  # SLIP: "?" is no wildcard here
                   age_band="65 and over")
    action = dict(clean["Actions"][0], action_ref=1.1, action=None,  # SLIP: required blank
                  priority=1, rag="Purple")  # SLIP: not a RAG colour
    return {
        "Workforce": [
            person("E001", in_post_at_snapshot=True, age_band=35, welsh_language="Hyfedr",
                   religion="Hindwaidd",  # Hindŵaidd typed without the accent
                   ethnicity="Gwyn: Cymreig, Seisnig, Albanaidd, Gwyddelig Gogledd Iwerddon "
                             "neu Brydeinig"),
            person("   ", in_post_at_snapshot="No", leave_date=date(2025, 8, 15),  # SLIP
                   leaving_reason="Resigned", sex="M", hourly_pay=None, full_pay_relevant=None),
            person("E003", in_post_at_snapshot=None,  # SLIP: required blank
                   sex="Femail",  # SLIP: not in the list
                   age_band=12,  # SLIP: no age band below 16
                   ethnicity="  white british ", disability="not_disabled"),
            {},
            {"grade": "   "},  # spaces only: an empty row, as the pipeline reads it too
            person("E007", sex="benyw", gender_identity="Ie", marital_status="Dim un o'r rhain"),
        ],
        "Recruitment": [recruit, clean["Recruitment"][1]],
        "Actions": [action],
        "Procurement": clean["Procurement"],
    }


# (sheet, row, field, check) of each slip above
SLIPS = {
    ("Workforce", 3, "staff_ref", "blank"),
    ("Workforce", 4, "in_post_at_snapshot", "blank"),
    ("Workforce", 4, "sex", "list"),
    ("Workforce", 4, "age_band", "list"),
    ("Recruitment", 2, "sex", "list"),
    ("Actions", 2, "action", "blank"),
    ("Actions", 2, "rag", "list"),
}


def add_probes(path: Path, lang: str, rows: Rows) -> dict[tuple[str, int, str, str], str]:
    """Copy each conditional-format rule, moved to every cell of the filled rows, into a cell
    of that row far to the right: LibreOffice then computes what the rule says of the cell.
    Returns where each probe went, by (sheet, row, field, check)."""
    wb = openpyxl.load_workbook(path)
    probes: dict[tuple[str, int, str, str], str] = {}
    for name, records in rows.items():
        s = std.sheet(name)
        ws = wb[s.label(lang)]
        for cf in ws.conditional_formatting:
            (rng,) = str(cf.sqref).split()
            m = re.fullmatch(r"([A-Z]+)2:\1\d+", rng)
            assert m, rng
            col = openpyxl.utils.column_index_from_string(m[1])
            f = s.fields[col - 1]
            for rule in cf.rules:
                check = "list" if "MATCH(" in rule.formula[0] else "blank"
                for row in range(2, len(records) + 2):
                    formula = Translator(f"={rule.formula[0]}", origin=f"{m[1]}2")
                    at = ws.cell(row, PROBE_COL + 2 * col + (check == "list"))
                    at.value = formula.translate_formula(f"{m[1]}{row}")
                    probes[(name, row, f.name, check)] = f"{s.label(lang)}!{at.coordinate}"
    wb.save(path)
    return probes


def recalculate(files: list[Path], work: Path) -> list[Path]:
    """Each file opened and saved by headless LibreOffice, which computes every formula."""
    return saved_again(files, work / "recalculated")


def counts(path: Path, lang: str) -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
    """The Checks sheet as computed: per sheet (blank required, not in list, problems), and
    the total row (label, three totals, status)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[std.TEMPLATE_SHEETS["checks"][lang == "cy"]]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    per_sheet = {s.name: tuple(rows[s.label(lang)][1:4]) for s in std.DATA_SHEETS}
    (total,) = [r for label, r in rows.items() if str(label).startswith(("Total", "Cyfanswm"))]
    return per_sheet, total[:5]


def error_cells(path: Path) -> set[tuple[str, str]]:
    result = validate_file(path, today=TODAY)
    return {(i.sheet, cell) for i in result.errors for cell in (i.cells or (i.cell,)) if cell}


def test_checks_count_the_slips_and_zero_on_an_accepted_return(tmp_path):
    slipped = write_template(tmp_path / "slipped_en.xlsx", "en")
    rows = slipped_rows()
    fill(slipped, "en", rows)
    # the pipeline rejects every cell the template is to colour
    rejected = error_cells(slipped)
    for name, row, field, _ in SLIPS:
        col = get_column_letter(std.sheet(name).fields.index(std.sheet(name).field(field)) + 1)
        assert (name, f"{col}{row}") in rejected, (name, row, field)
    probes = add_probes(slipped, "en", rows)

    clean = write_template(tmp_path / "clean_cy.xlsx", "cy")
    fill(clean, "cy", valid_sheets())
    accepted = validate_file(clean, today=TODAY, expected_body="TEST")
    assert accepted.status == "accepted", [i.message_en for i in accepted.errors]
    assert not [i for i in accepted.warnings if i.code == "sheet.unknown"]

    slipped_lo, clean_lo = recalculate([slipped, clean], tmp_path)

    per_sheet, total = counts(slipped_lo, "en")
    assert per_sheet == {
        "Workforce": (2, 2, 4),
        "Recruitment": (0, 1, 1),
        "Engagement": (0, 0, 0),
        "EngagementProfile": (0, 0, 0),
        "Procurement": (0, 0, 0),
        "Feedback": (0, 0, 0),
        "Actions": (1, 1, 2),
    }
    assert total[1:4] == (3, 4, 7)
    assert total[4].startswith("Fix the coloured cells")

    per_sheet, total = counts(clean_lo, "cy")
    assert per_sheet == {s.name: (0, 0, 0) for s in std.DATA_SHEETS}
    assert total[1:4] == (0, 0, 0)
    assert total[4].startswith("Dim problemau")
    # sent back as saved by a spreadsheet (every formula with its value), the Checks sheet is
    # still ignored: the same acceptance, no new warning
    resent = validate_file(clean_lo, today=TODAY, expected_body="TEST")
    assert resent.status == "accepted", [i.message_en for i in resent.errors]
    assert {i.code for i in resent.warnings} <= {i.code for i in accepted.warnings}

    # every rule, at every filled cell, is true exactly at the slips
    wb = openpyxl.load_workbook(slipped_lo, data_only=True)
    computed = {where: wb[ref.split("!")[0]][ref.split("!")[1]].value
                for where, ref in probes.items()}
    assert all(isinstance(v, bool | int) for v in computed.values()), computed
    assert {where for where, v in computed.items() if v} == SLIPS
