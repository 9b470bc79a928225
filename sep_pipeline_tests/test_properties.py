"""Hypothesis properties of matching and validation."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.intake.validate import validate_file
from sep_pipeline.standard import matching
from sep_pipeline.standard import sep_return as std
from sep_pipeline_tests.returns import TODAY, valid_sheets, write_return

CODE_LISTS = sorted(
    {f.codes.name: f.codes for s in std.SHEETS for f in s.fields if f.codes}.values(),
    key=lambda c: c.name,
)


@st.composite
def spelled_code(draw):
    """A code list, one of its codes, and that code written any accepted way."""
    codes = draw(st.sampled_from(CODE_LISTS))
    code = draw(st.sampled_from(codes.codes))
    label = draw(st.sampled_from((code.code, code.en, code.cy, *code.synonyms)))
    label = draw(st.sampled_from((label, label.upper(), label.lower(), label.title())))
    pad = draw(st.sampled_from(("", " ", "  ", "\t")))
    label = label.replace(" ", draw(st.sampled_from((" ", "_", "  ", " - "))))
    return codes, code.code, pad + label + pad


@given(spelled_code())
def test_any_accepted_spelling_of_a_code_is_stored_as_the_code(case):
    codes, code, written = case
    assert matching.parse_code(written, codes) == code


@given(st.sampled_from(CODE_LISTS))
def test_no_two_codes_of_a_list_share_a_spelling(codes):
    seen: dict[str, str] = {}
    for c in codes.codes:
        for label in (c.code, c.en, c.cy, *c.synonyms):
            assert seen.setdefault(matching.key(label), c.code) == c.code, (codes.name, label)


@given(st.sampled_from(std.SHEETS))
def test_no_two_fields_of_a_sheet_share_a_header(sheet):
    seen: dict[str, str] = {}
    for f in sheet.fields:
        for label in (f.name, f.en, f.cy, *f.synonyms):
            assert seen.setdefault(matching.key(label), f.name) == f.name, (sheet.name, label)
            assert not matching.looks_like_identifier(label) or sheet is std.ABOUT, label


# A value that can never be valid for a field of each kind, and the issue it must raise.
CORRUPTIONS = {
    "code": ("no such value", "value.code"),
    "age_band": ("no such band", "value.code"),
    "bool": ("perhaps", "value.yes_no"),
    "date": ("not a date", "value.date"),
    "number": ("lots", "value.number"),
    "money": ("lots", "value.number"),
    "integer": (2.5, "value.integer"),
}
# Blanking a reference other sheets point at breaks those rows too: that is not one cell.
CASCADES = {("Engagement", "activity_ref")}


def _targets():
    sheets = valid_sheets()
    out = []
    for name, rows in sheets.items():
        s = std.sheet(name)
        for i in range(len(rows)):
            for f in s.fields:
                if (name, f.name) in CASCADES:
                    continue
                if f.kind in CORRUPTIONS or f.required:
                    out.append((name, i, f.name))
    return out


TARGETS = _targets()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TARGETS))
def test_corrupting_any_one_cell_names_exactly_that_cell(target):
    name, index, field_name = target
    f = std.sheet(name).field(field_name)
    sheets = valid_sheets()
    value, code = CORRUPTIONS.get(f.kind, (None, "value.required"))
    if f.kind not in CORRUPTIONS:
        value = None  # a required text or reference left blank
    sheets[name][index][field_name] = value
    with tempfile.TemporaryDirectory() as tmp:
        result = validate_file(write_return(Path(tmp) / "r.xlsx", sheets), today=TODAY)
    assert result.status == "rejected"
    located = {(i.sheet, i.row, i.column) for i in result.errors}
    assert located == {(name, index + 2, f.en)}, [i.message_en for i in result.errors]
    assert any(i.code in (code, "value.required") for i in result.errors)


def test_the_untouched_valid_return_passes(tmp_path):
    result = validate_file(write_return(tmp_path / "r.xlsx"), today=TODAY)
    assert result.errors == []
