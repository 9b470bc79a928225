"""Build small, hand-controlled returns for tests (written with openpyxl, read back for real)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from sep_pipeline.standard import sep_return as std

PERIOD = "2025-26 Q2"  # 1 July – 30 September 2025
TODAY = date(2026, 11, 25)

ABOUT = {
    "body_code": "TEST",
    "body_name": "Test Body (synthetic)",
    "period": PERIOD,
    "template_version": "1.0",
    "contact_email": "equality@test.example",
    "notes": "Synthetic test data.",
}


def person(ref: str, **over: Any) -> dict[str, Any]:
    """A valid Workforce row of someone in post at the snapshot."""
    row: dict[str, Any] = {
        "staff_ref": ref,
        "in_post_at_snapshot": "Yes",
        "start_date": date(2019, 4, 1),
        "leave_date": None,
        "leaving_reason": None,
        "sex": "Female",
        "gender_identity": "Yes",
        "age_band": "30-39",
        "disability": "Not disabled",
        "ethnicity": "White: Welsh, English, Scottish, Northern Irish or British",
        "sexual_orientation": "Heterosexual or straight",
        "religion": "No religion",
        "marital_status": "Married",
        "welsh_language": "Entry",
        "maternity_in_period": "No",
        "job_level": "Operational",
        "grade": "G5",
        "contract_type": "Permanent",
        "working_pattern": "Full-time",
        "flexible_working": "No",
        "fte": 1.0,
        "hourly_pay": 15.5,
        "full_pay_relevant": "Yes",
        "bonus_pay_12m": 0,
        "applied_for_position_change": "No",
        "position_change_successful": "No",
        "applied_for_training": "Yes",
        "training_approved": "Yes",
        "completed_training": "No",
        "grievance_raised": "No",
        "grievance_subject": "No",
        "disciplinary": "No",
    }
    row.update(over)
    return row


def valid_sheets() -> dict[str, list[dict[str, Any]]]:
    """One valid row set per sheet: 12 staff (one leaver), and a row or two elsewhere."""
    staff = [person(f"E{i:03d}", hourly_pay=14 + i) for i in range(1, 12)]
    staff.append(
        person(
            "E012",
            in_post_at_snapshot="No",
            leave_date=date(2025, 8, 15),
            leaving_reason="Resignation",
            hourly_pay=None,
            full_pay_relevant=None,
        )
    )
    return {
        "Workforce": staff,
        "Recruitment": [
            {
                "application_ref": "A1",
                "vacancy_ref": "V1",
                "applicant_type": "External",
                "sex": "Male",
                "age_band": 27,
                "ethnicity": "Indian",
                "disability": "No",
                "sexual_orientation": "Bisexual",
                "gender_identity": "Yes",
                "religion": "Hindu",
                "shortlisted": "Yes",
                "appointed": "Yes",
            },
            {
                "application_ref": "A2",
                "vacancy_ref": "V1",
                "applicant_type": "Internal",
                "sex": "Female",
                "age_band": "40-49",
                "ethnicity": "Prefer not to say",
                "disability": "Disabled",
                "sexual_orientation": "Not known",
                "gender_identity": "Not known",
                "religion": "Christian",
                "shortlisted": "No",
                "appointed": "No",
            },
        ],
        "Engagement": [
            {
                "activity_ref": "ACT1",
                "activity_name": "Library access survey",
                "activity_type": "Survey",
                "partnership_objective": 3,
                "activity_date": date(2025, 8, 1),
                "participants_total": 40,
                "coproduced": "No",
                "you_said_we_did": "- a ramp at the side entrance",
            },
        ],
        "EngagementProfile": [
            {
                "activity_ref": "ACT1",
                "characteristic": "sex",
                "category": "Female",
                "participants": 25,
            },
            {
                "activity_ref": "ACT1",
                "characteristic": "Broad ethnic group",
                "category": "White",
                "participants": 38,
            },
        ],
        "Procurement": [
            {
                "contract_ref": "C1",
                "award_date": date(2025, 9, 30),
                "value_gbp": "£12,500.00",
                "category": "Services",
                "supplier_size": "Small",
                "supplier_type": "Third sector",
                "supplier_in_wales": "Yes",
                "equality_criteria_in_tender": "Yes",
                "equality_monitoring_in_contract": "No",
                "community_benefits": "Yes",
            },
        ],
        "Feedback": [
            {
                "case_ref": "F1",
                "received_date": "15/07/2025",
                "feedback_type": "Complaint",
                "service_area": "Housing",
                "equality_related": "Yes",
                "characteristic": "Disability",
                "outcome": "Upheld",
                "working_days_to_close": 12,
                "led_to_change": "Yes",
            },
            {
                "case_ref": "F2",
                "received_date": date(2025, 9, 1),
                "feedback_type": "Compliment",
                "service_area": "Libraries",
                "equality_related": "No",
                "characteristic": None,
                "outcome": "Open",
                "working_days_to_close": None,
                "led_to_change": "No",
            },
        ],
        "Actions": [
            {
                "action_ref": "1.1",
                "body_objective": "A fair organisation",
                "partnership_objective": 1,
                "action": "Equality training for leaders",
                "key_involvement": "HR",
                "priority": "Priority 1",
                "characteristics": "Intersectionality; Race focus 24/25",
                "status": "In progress",
                "rag": "Green",
                "progress_note": "Two sessions held",
            },
        ],
    }


def write_return(
    path: Path,
    sheets: dict[str, list[dict[str, Any]]] | None = None,
    *,
    about: dict[str, Any] | None = None,
    lang: str = "en",
    headers: dict[str, dict[str, str]] | None = None,
    drop_columns: dict[str, list[str]] | None = None,
    extra_columns: dict[str, dict[str, list[Any]]] | None = None,
    header_row: int = 1,
) -> Path:
    """Write a return: About as key/value, each data sheet with the standard's headers.

    `headers` overrides a header per sheet and field; `drop_columns` leaves fields out;
    `extra_columns` adds columns (header -> values by row).
    """
    sheets = copy.deepcopy(valid_sheets() if sheets is None else sheets)
    wb = Workbook()
    ws = wb.active
    ws.title = std.ABOUT.label(lang)
    for f in std.ABOUT.fields:
        value = (ABOUT if about is None else about).get(f.name)
        ws.append([f.label(lang), value])
    for name, rows in sheets.items():
        s = std.sheet(name)
        ws = wb.create_sheet(s.label(lang))
        for _ in range(header_row - 1):
            ws.append([])
        fields = [f for f in s.fields if f.name not in (drop_columns or {}).get(name, [])]
        over = (headers or {}).get(name, {})
        extra = (extra_columns or {}).get(name, {})
        ws.append([over.get(f.name, f.label(lang)) for f in fields] + list(extra))
        for i, row in enumerate(rows):
            ws.append([row.get(f.name) for f in fields] + [v[i] for v in extra.values()])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
