"""Worked examples for every rule of the standard, on real .xlsx files written and read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from sep_pipeline.intake.validate import ValidationResult, validate_file
from sep_pipeline.standard import sep_return as std
from sep_pipeline_tests.returns import ABOUT, TODAY, person, valid_sheets, write_return


def check(path: Path, **kw) -> ValidationResult:
    return validate_file(path, today=TODAY, **kw)


def only(result: ValidationResult, code: str):
    found = [i for i in result.issues if i.code == code]
    assert len(found) == 1, (code, [(i.code, i.sheet, i.cell) for i in result.issues])
    return found[0]


def error_codes(result: ValidationResult) -> set[str]:
    return {i.code for i in result.errors}


def test_valid_return_is_accepted_and_stored_as_codes(tmp_path):
    r = check(write_return(tmp_path / "r.xlsx"), expected_body="test")
    assert r.status == "accepted", [i.message_en for i in r.errors]
    assert r.body_code == "TEST" and r.period.label == "2025-26 Q2"
    wf = r.tables["workforce"]
    assert len(wf) == 12 and list(wf.index[:2]) == [2, 3]  # indexed by Excel row
    assert wf.loc[2, "sex"] == "female"
    assert wf.loc[2, "ethnicity"] == "white_british"
    assert wf.loc[2, "hourly_pay"] == 15.0
    assert wf.loc[13, "leave_date"] == pd.Timestamp("2025-08-15")
    assert bool(wf.loc[2, "in_post_at_snapshot"]) is True
    rec = r.tables["recruitment"]
    assert rec.loc[2, "age_band"] == "20-29"  # an integer age is banded, never stored
    assert rec.loc[2, "ethnicity"] == "asian_indian"
    assert rec.loc[3, "disability"] == "disabled"
    assert r.tables["procurement"].loc[2, "value_gbp"] == 12500.0
    assert r.tables["feedback"].loc[2, "received_date"] == pd.Timestamp("2025-07-15")
    prof = r.tables["engagement_profile"]
    assert list(prof["category"]) == ["female", "white"]
    assert list(prof["characteristic"]) == ["sex", "ethnicity_group"]
    act = r.tables["actions"]
    assert act.loc[2, "priority"] == "1" and act.loc[2, "partnership_objective"] == "1"
    assert act.loc[2, "characteristics"] == "intersectionality;race"
    assert act.loc[2, "characteristics_note"] == "Race focus 24/25"
    # The free-text focus is kept as a note, with a warning naming the cell.
    note = only(r, "value.codes_note")
    assert (note.sheet, note.row, note.column, note.severity) == (
        "Actions",
        2,
        "Characteristics",
        "warning",
    )


def test_welsh_sheets_headers_and_values(tmp_path):
    sheets = valid_sheets()
    for row in sheets["Workforce"]:
        row.update(
            sex="Benyw",
            disability="Ddim yn anabl",
            in_post_at_snapshot=("Ie" if row["in_post_at_snapshot"] == "Yes" else "Na"),
            ethnicity="Gwyn: Cymreig, Seisnig, Albanaidd, Gwyddelig Gogledd Iwerddon neu Brydeinig",
            welsh_language="Hyfedr",
            contract_type="Parhaol",
        )
    r = check(write_return(tmp_path / "cy.xlsx", sheets, lang="cy"))
    assert r.status == "accepted", [i.message_en for i in r.errors]
    wf = r.tables["workforce"]
    assert set(wf["sex"]) == {"female"} and set(wf["welsh_language"]) == {"proficient"}
    assert set(wf["ethnicity"]) == {"white_british"} and set(wf["contract_type"]) == {"permanent"}
    assert r.layouts["Workforce"].name == "Gweithlu"


def test_header_row_anywhere_in_first_ten_rows_any_order_any_spelling(tmp_path):
    headers = {"Workforce": {"staff_ref": "STAFF_REF", "hourly_pay": "hourly-pay (£)"}}
    r = check(write_return(tmp_path / "r.xlsx", header_row=7, headers=headers))
    assert r.status == "accepted", [i.message_en for i in r.errors]
    assert r.layouts["Workforce"].header_row == 7
    assert len(r.tables["workforce"]) == 12
    assert r.tables["workforce"].index[0] == 8


def test_header_beyond_row_ten_is_not_found(tmp_path):
    r = check(
        write_return(tmp_path / "r.xlsx", {"Workforce": valid_sheets()["Workforce"]}, header_row=12)
    )
    issue = only(r, "sheet.no_header")
    assert issue.sheet == "Workforce" and r.status == "rejected"


def test_uk_text_dates_and_pound_amounts(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][0].update(start_date="01/04/2019", hourly_pay="£1,15.50")
    sheets["Workforce"][1].update(start_date="2019-04-01", hourly_pay="£15.50")
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    bad = only(r, "value.number")  # "1,15" is not a UK thousands grouping
    assert (bad.sheet, bad.row, bad.column, bad.cell) == ("Workforce", 2, "Hourly pay", "V2")
    wf = r.tables["workforce"]
    assert wf.loc[3, "hourly_pay"] == 15.5
    assert wf.loc[2, "start_date"] == wf.loc[3, "start_date"] == pd.Timestamp("2019-04-01")


def test_month_first_dates_are_never_guessed(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][0]["start_date"] = "04/13/2019"  # US order: month 13 does not exist
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    bad = only(r, "value.date")
    assert (bad.row, bad.column, bad.value) == (2, "Start date", "04/13/2019")


@pytest.mark.parametrize(
    ("sheet", "index", "field", "value", "code", "expected_cell"),
    [
        ("Workforce", 0, "sex", "Femail", "value.code", "F2"),
        ("Workforce", 1, "flexible_working", "maybe", "value.yes_no", "T3"),
        ("Workforce", 2, "start_date", "31/02/2025", "value.date", "C4"),
        ("Workforce", 3, "hourly_pay", "twelve", "value.number", "V5"),
        ("Workforce", 4, "fte", 2, "value.range", "U6"),
        ("Workforce", 5, "hourly_pay", 0, "value.range", "V7"),
        ("Workforce", 6, "hourly_pay", 1000, "value.range", "V8"),
        ("Workforce", 7, "bonus_pay_12m", -5, "value.range", "X9"),
        ("Workforce", 8, "age_band", 12, "value.age", "H10"),
        ("Workforce", 9, "age_band", "teen", "value.code", "H11"),
        ("Workforce", 0, "staff_ref", None, "value.required", "A2"),
        ("Workforce", 0, "in_post_at_snapshot", None, "value.required", "B2"),
        ("EngagementProfile", 0, "participants", 2.5, "value.integer", "D2"),
        ("EngagementProfile", 0, "participants", -1, "value.range", "D2"),
        ("Procurement", 0, "value_gbp", "£-1.00", "value.range", "C2"),
        ("Procurement", 0, "award_date", None, "value.required", "B2"),
        ("Feedback", 0, "outcome", "Sorted", "value.code", "G2"),
        ("Actions", 0, "priority", "Priority 4", "value.code", "F2"),
        ("Actions", 0, "partnership_objective", 6, "value.code", "C2"),
        ("Engagement", 0, "activity_name", None, "value.required", "B2"),
    ],
)
def test_type_range_and_code_errors_name_the_cell(
    tmp_path, sheet, index, field, value, code, expected_cell
):
    sheets = valid_sheets()
    sheets[sheet][index][field] = value
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    assert r.status == "rejected"
    issue = only(r, code)
    header = std.sheet(sheet).field(field).en
    assert (issue.sheet, issue.row, issue.column, issue.cell) == (
        sheet,
        index + 2,
        header,
        expected_cell,
    )
    assert issue.message_en and issue.message_cy and issue.message_en != issue.message_cy
    assert [i for i in r.errors if i is not issue] == []


def test_code_error_lists_allowed_values_in_both_languages(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][0]["sex"] = "F-male"
    issue = only(check(write_return(tmp_path / "r.xlsx", sheets)), "value.code")
    assert "Female, Male, Prefer not to say, Not known" in issue.message_en
    assert "Benyw, Gwryw" in issue.message_cy
    assert issue.value == "F-male"


def test_duplicate_reference_names_the_repeat_and_the_first(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][4]["staff_ref"] = "E001"
    issue = only(check(write_return(tmp_path / "r.xlsx", sheets)), "value.duplicate")
    # A staff reference is named by its rows, never by its value (issues are stored).
    assert (issue.row, issue.cell, issue.value) == (6, "A6", None)
    assert "row 6" in issue.message_en and "row 2" in issue.message_en
    assert "E001" not in issue.message_en + issue.message_cy


def test_duplicate_reference_that_is_not_personal_keeps_its_value(tmp_path):
    sheets = valid_sheets()
    sheets["Feedback"][1]["case_ref"] = "F1"
    issue = only(check(write_return(tmp_path / "r.xlsx", sheets)), "value.duplicate")
    assert (issue.row, issue.cell, issue.value) == (3, "A3", "F1")
    assert "on row 3 is also used on row 2" in issue.message_en


@pytest.mark.parametrize(
    ("sheet", "index", "changes", "code", "field", "severity"),
    [
        # A leaver must have a leave date ...
        ("Workforce", 11, {"leave_date": None}, "rule.required", "leave_date", "error"),
        # ... someone in post must have pay and full-pay status, and no leave date.
        ("Workforce", 0, {"hourly_pay": None}, "rule.required", "hourly_pay", "error"),
        (
            "Workforce",
            0,
            {"full_pay_relevant": None},
            "rule.required",
            "full_pay_relevant",
            "error",
        ),
        ("Workforce", 0, {"leave_date": date(2025, 8, 1)}, "rule.blank", "leave_date", "error"),
        # A leaver's leave date is in the quarter; a start date is not after the snapshot.
        (
            "Workforce",
            11,
            {"leave_date": date(2025, 6, 30)},
            "rule.in_period",
            "leave_date",
            "error",
        ),
        (
            "Workforce",
            0,
            {"start_date": date(2025, 10, 1)},
            "rule.in_period",
            "start_date",
            "error",
        ),
        (
            "Workforce",
            11,
            {"start_date": date(2025, 9, 1)},
            "rule.date_order",
            "leave_date",
            "error",
        ),
        (
            "Workforce",
            0,
            {"position_change_successful": "Yes"},
            "rule.implies",
            "applied_for_position_change",
            "error",
        ),
        (
            "Workforce",
            0,
            {"applied_for_training": "No"},
            "rule.implies",
            "applied_for_training",
            "error",
        ),
        ("Recruitment", 0, {"shortlisted": "No"}, "rule.implies", "shortlisted", "error"),
        (
            "Engagement",
            0,
            {"activity_date": date(2025, 10, 1)},
            "rule.in_period",
            "activity_date",
            "error",
        ),
        (
            "EngagementProfile",
            1,
            {"activity_ref": "ACT9"},
            "rule.reference",
            "activity_ref",
            "error",
        ),
        ("EngagementProfile", 0, {"category": "Purple"}, "rule.category", "category", "error"),
        (
            "Procurement",
            0,
            {"award_date": date(2025, 6, 30)},
            "rule.in_period",
            "award_date",
            "error",
        ),
        ("Feedback", 0, {"characteristic": None}, "rule.required", "characteristic", "error"),
        (
            "Feedback",
            1,
            {"working_days_to_close": 3},
            "rule.blank",
            "working_days_to_close",
            "error",
        ),
        (
            "Feedback",
            0,
            {"working_days_to_close": None},
            "rule.required",
            "working_days_to_close",
            "warning",
        ),
    ],
)
def test_cross_field_rules(tmp_path, sheet, index, changes, code, field, severity):
    sheets = valid_sheets()
    sheets[sheet][index].update(changes)
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    issue = only(r, code)
    assert (issue.severity, issue.sheet, issue.row, issue.column) == (
        severity,
        sheet,
        index + 2,
        std.sheet(sheet).field(field).en,
    )
    assert r.status == ("rejected" if severity == "error" else "accepted")
    rule = next(x for x in std.sheet(sheet).rules if x.en == issue.message_en)
    assert rule.cy == issue.message_cy


def test_missing_required_sheet_and_absent_optional_sheets(tmp_path):
    sheets = valid_sheets()
    del sheets["Workforce"]
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    assert only(r, "sheet.missing").sheet == "Workforce"
    sheets = {"Workforce": valid_sheets()["Workforce"]}  # optional sheets absent: not submitted
    r = check(write_return(tmp_path / "r2.xlsx", sheets))
    assert r.status == "accepted" and set(r.tables) == {"workforce"}


def test_sheet_with_headers_and_no_rows_is_a_true_zero(tmp_path):
    sheets = valid_sheets()
    sheets["Procurement"] = []
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    assert r.status == "accepted"
    assert r.tables["procurement"].empty and list(r.tables["procurement"].columns)[0] == (
        "contract_ref"
    )


def test_missing_columns(tmp_path):
    r = check(
        write_return(tmp_path / "r.xlsx", drop_columns={"Workforce": ["staff_ref", "religion"]})
    )
    missing = only(r, "column.missing")
    assert missing.sheet == "Workforce" and "Staff reference" in missing.message_en
    optional = only(r, "column.missing_optional")
    assert optional.severity == "warning" and "Religion" in optional.message_en


def test_identifier_column_rejects_the_whole_return(tmp_path):
    r = check(
        write_return(
            tmp_path / "r.xlsx",
            extra_columns={"Workforce": {"Employee Name": [f"Person {i}" for i in range(12)]}},
        )
    )
    issue = only(r, "column.identifier")
    assert (issue.severity, issue.sheet, issue.row, issue.column, issue.cell) == (
        "error",
        "Workforce",
        1,
        "Employee Name",
        "AG1",
    )
    assert r.status == "rejected"


@pytest.mark.parametrize(
    "header",
    [
        "Date of birth",
        "NI number",
        "Home address",
        "E-mail",
        "Mobile phone",
        "Surname",
        "Cyfeiriad",
        "Postcode",
    ],
)
def test_identifier_headers(tmp_path, header):
    r = check(
        write_return(tmp_path / "r.xlsx", extra_columns={"Recruitment": {header: ["x", "y"]}})
    )
    assert only(r, "column.identifier").column == header


def test_unknown_column_dropped_with_warning_and_thing_names_allowed(tmp_path):
    r = check(
        write_return(
            tmp_path / "r.xlsx",
            extra_columns={
                "Workforce": {"Favourite colour": ["blue"] * 12, "Team name": ["Housing"] * 12}
            },
        )
    )
    assert r.status == "accepted"
    unknown = [i for i in r.issues if i.code == "column.unknown"]
    assert {i.column for i in unknown} == {"Favourite colour", "Team name"}
    assert all(i.severity == "warning" for i in unknown)
    assert "Favourite colour" not in r.tables["workforce"].columns


def test_duplicate_column(tmp_path):
    r = check(
        write_return(tmp_path / "r.xlsx", extra_columns={"Workforce": {"SEX": ["Male"] * 12}})
    )
    issue = only(r, "column.duplicate")
    assert issue.column == "SEX" and "Sex" in issue.message_en


@pytest.mark.parametrize(
    ("about", "code"),
    [
        ({"body_code": "OTHER"}, "about.body_mismatch"),
        ({"body_code": "not a code!"}, "about.body_code_invalid"),
        ({"body_code": None}, "about.missing"),
        ({"body_name": None}, "about.missing"),
        ({"period": None}, "about.missing"),
        ({"period": "Summer 2025"}, "about.period_invalid"),
        ({"period": "2026-27 Q3"}, "about.period_not_ended"),  # ends 31/12/2026, after TODAY
        ({"period": "2019-20 Q4"}, "about.period_too_early"),
        ({"period": "2025-27 Q1"}, "about.period_invalid"),
    ],
)
def test_about_sheet_errors(tmp_path, about, code):
    r = check(write_return(tmp_path / "r.xlsx", about={**ABOUT, **about}), expected_body="TEST")
    issue = only(r, code)
    assert issue.sheet == "About" and issue.severity == "error"
    assert r.status == "rejected"


def test_period_accepted_in_other_spellings_and_the_day_after_it_ends(tmp_path):
    about = {**ABOUT, "period": "Q2 2025/26", "body_code": "test"}
    r = validate_file(write_return(tmp_path / "r.xlsx", about=about), today=date(2025, 10, 1))
    assert r.status == "accepted" and r.period.label == "2025-26 Q2" and r.body_code == "TEST"
    r = validate_file(write_return(tmp_path / "r.xlsx", about=about), today=date(2025, 9, 30))
    assert error_codes(r) == {"about.period_not_ended"}


def test_old_template_version_is_a_warning(tmp_path):
    r = check(write_return(tmp_path / "r.xlsx", about={**ABOUT, "template_version": "0.9"}))
    assert only(r, "about.template_version").severity == "warning"
    assert r.status == "accepted"


def test_formula_without_cached_value(tmp_path):
    # openpyxl writes formulas without a cached result, as a file never opened in Excel would be.
    sheets = valid_sheets()
    sheets["Workforce"][2]["hourly_pay"] = "=10+5"
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    issue = only(r, "value.formula_no_value")
    assert (issue.sheet, issue.row, issue.cell) == ("Workforce", 4, "V4")
    assert error_codes(r) == {"value.formula_no_value"}


def test_not_known_share_warning(tmp_path):
    sheets = valid_sheets()
    for row in sheets["Workforce"][:3]:
        row["disability"] = "Not known"  # 3 of 12 = 25% > 20%
    sheets["Workforce"][3]["religion"] = None  # blank is Not known: 1 of 12, no warning
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    issue = only(r, "warn.not_known_share")
    assert issue.column == "Disability" and "25%" in issue.message_en
    assert r.tables["workforce"].loc[5, "religion"] == "not_known"


def test_pay_outlier_warning(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][0]["hourly_pay"] = 950  # an annual salary typed in thousands?
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    issue = only(r, "warn.pay_outlier")
    assert (issue.row, issue.column, issue.value) == (2, "Hourly pay", "£950.00")
    assert r.status == "accepted"


def test_headcount_change_warning(tmp_path):
    path = write_return(tmp_path / "r.xlsx")
    assert not [
        i for i in check(path, previous_headcount=10).issues if i.code == "warn.headcount_change"
    ]  # 11 in post vs 10: +10%
    issue = only(check(path, previous_headcount=20), "warn.headcount_change")
    assert "-45%" in issue.message_en  # 11 vs 20


def test_every_problem_found_in_one_pass(tmp_path):
    sheets = valid_sheets()
    sheets["Workforce"][0]["sex"] = "X"
    sheets["Workforce"][1]["fte"] = 0
    sheets["Recruitment"][1]["appointed"] = "Yes"
    sheets["Feedback"][0]["received_date"] = "yesterday"
    r = check(write_return(tmp_path / "r.xlsx", sheets, about={**ABOUT, "period": "2025 Q2"}))
    assert error_codes(r) == {
        "value.code",
        "value.range",
        "rule.implies",
        "value.date",
        "about.period_invalid",
    }


def test_not_a_workbook_is_an_issue_not_a_traceback(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_text("staff_ref,sex\nE1,Female\n")
    r = check(path)
    assert r.status == "rejected" and len(r.errors) == 1
    assert r.errors[0].code.startswith("file.")


def test_template_and_guidance_sheets_are_ignored_but_strangers_are_named(tmp_path):
    path = write_return(tmp_path / "r.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.create_sheet("Guidance").append(["How to fill this in"])
    wb.create_sheet("My workings").append(["x"])
    wb.save(path)
    r = check(path)
    assert only(r, "sheet.unknown").sheet == "My workings"
    assert r.status == "accepted"


def test_two_sheets_for_the_same_table(tmp_path):
    path = write_return(tmp_path / "r.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.create_sheet("Gweithlu").append(["Staff reference"])
    wb.save(path)
    assert only(check(path), "sheet.duplicate").sheet == "Gweithlu"


def test_blank_rows_between_data_keep_excel_row_numbers(tmp_path):
    wb = Workbook()
    wb.active.title = "About"
    for key, value in ABOUT.items():
        wb.active.append([key, value])
    ws = wb.create_sheet("Workforce")
    fields = std.WORKFORCE.fields
    ws.append([f.en for f in fields])
    ws.append([person("E1").get(f.name) for f in fields])
    ws.append([])
    ws.append([person("E2", sex="??").get(f.name) for f in fields])
    wb.save(tmp_path / "r.xlsx")
    r = check(tmp_path / "r.xlsx")
    assert list(r.tables["workforce"].index) == [2, 4]
    assert only(r, "value.code").cell == "F4"


def test_dates_and_whole_numbers_beyond_what_can_be_stored_are_issues(tmp_path):
    """Never a crash: a year outside 1900-2199 or a count beyond 64 bits names its cell."""
    sheets = valid_sheets()
    sheets["Workforce"][0]["start_date"] = "01/01/2300"
    sheets["Workforce"][1]["start_date"] = 150000  # an Excel serial: the year 2310
    sheets["Engagement"][0]["participants_total"] = 1e308
    r = check(write_return(tmp_path / "r.xlsx", sheets))
    dates = [i for i in r.errors if i.code == "value.date_range"]
    assert [(i.row, i.column) for i in dates] == [(2, "Start date"), (3, "Start date")]
    assert "1900" in dates[0].message_en and "1900" in dates[0].message_cy
    big = only(r, "value.too_large")
    assert (big.sheet, big.row, big.column) == ("Engagement", 2, "Participants")
    assert r.status == "rejected"
