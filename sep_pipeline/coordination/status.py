"""Who has sent what for a quarter: the coordinator's view (pure apart from `period_status`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from ..common.config import Settings
from ..standard.periods import Period
from ..warehouse import registry
from ..warehouse import tables as warehouse

# One state per registry body for a quarter.
STATES = {
    "on_time": "accepted, on time",
    "late": "accepted, late",
    "waiting_for_fix": "rejected, waiting for a fix",
    "missing": "missing",
    "not_expected": "not expected this quarter",
}
STATES_CY = {
    "on_time": "derbyniwyd, mewn pryd",
    "late": "derbyniwyd, yn hwyr",
    "waiting_for_fix": "gwrthodwyd, yn aros am gywiriad",
    "missing": "ar goll",
    "not_expected": "heb ei ddisgwyl y chwarter hwn",
}
# The states a reminder chases: nothing accepted yet for an expected body.
CHASED = ("missing", "waiting_for_fix")
COLUMNS = ["body_code", "name", "state", "detail", "errors", "submissions", "superseded",
           "rejected", "last_received", "deadline", "in_figures"]


def status_frame(
    bodies: dict[str, registry.Body], submissions: pd.DataFrame, period: Period, deadline: date,
    today: date,
) -> pd.DataFrame:
    """Each registry body's state for `period` from its submissions (the warehouse's rows for
    that period). Pure: the tests build the submissions by hand."""
    # A quarter has a few rows per body: plain Python over them, not a frame filter per body.
    by_body: dict[str, list[dict]] = {}
    for sub in sorted(submissions.to_dict("records"), key=lambda r: r["submission_id"]):
        by_body.setdefault(sub["body_code"], []).append(sub)
    rows = []
    for body in sorted(bodies.values(), key=lambda b: b.code):
        real = [r for r in by_body.get(body.code, []) if r["status"] != "duplicate"]
        accepted = [r for r in real if r["status"] == "accepted"]
        latest = real[-1] if real else None
        errors = 0
        if accepted:
            state = "late" if bool(accepted[-1]["late"]) else "on_time"
            detail = ""
            if latest is not None and latest["status"] == "rejected":
                detail = "a later resubmission was rejected; the accepted one stays current"
        elif latest is not None:
            state, errors = "waiting_for_fix", int(latest["errors"])
            detail = f"rejected with {errors} error(s); nothing accepted yet"
        elif body.expected(period):
            state = "missing"
            detail = "nothing received" + ("" if today <= deadline else
                                           "; the deadline has passed")
        else:
            state, detail = "not_expected", f"expected from {body.expected_from.label}"
        rows.append({
            "body_code": body.code, "name": body.name_en, "state": state, "detail": detail,
            "errors": errors, "submissions": len(real),
            "superseded": sum(r["status"] == "superseded" for r in real),
            "rejected": sum(r["status"] == "rejected" for r in real),
            "last_received": "" if latest is None else str(latest["received_at"])[:16],
            "deadline": deadline.isoformat(), "in_figures": state in ("on_time", "late"),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def period_status(conn: sa.Connection, period: Period, cfg: Settings,
                  today: date | None = None) -> pd.DataFrame:
    subs = warehouse.read_table(conn, "submissions", period.label)
    return status_frame(registry.load(), subs, period, cfg.deadline(period),
                        today or date.today())


def markdown(status: pd.DataFrame) -> str:
    lines = ["| body | state | detail | submissions |", "|---|---|---|---|"]
    lines += [f"| {r.body_code} | {STATES[r.state]} | {r.detail} | {r.submissions} |"
              for r in status.itertuples()]
    return "\n".join(lines)


def coverage(status: pd.DataFrame) -> tuple[int, int]:
    """(bodies in the figures, bodies expected)."""
    expected = status[status["state"] != "not_expected"]
    return int(expected["in_figures"].sum()), len(expected)


def min_coverage() -> float:
    """The share of expected bodies the figures need (SEP_MIN_COVERAGE, default 75%): below it
    the figures' asset check warns and the after-deadline schedule does not finalise them."""
    return float(os.environ.get("SEP_MIN_COVERAGE", "0.75"))


@dataclass(frozen=True)
class Coverage:
    inside: int
    expected: int
    minimum: float

    @property
    def share(self) -> float:
        return self.inside / self.expected if self.expected else 1.0

    @property
    def met(self) -> bool:
        return self.share >= self.minimum


def coverage_of(status: pd.DataFrame) -> Coverage:
    """How many expected bodies are in the figures, against `min_coverage()`."""
    return Coverage(*coverage(status), min_coverage())


def to_chase(status: pd.DataFrame) -> list[str]:
    """The bodies a reminder goes to: missing or waiting for a fix."""
    return sorted(status.loc[status["state"].isin(CHASED), "body_code"])


def closing_line(status: pd.DataFrame, period: Period) -> str:
    """The line under the status table: how many bodies are in the figures and, only when
    someone is to be chased, who and how."""
    inside, expected = coverage(status)
    if expected == 0:
        return f"No body is expected to send a return for {period.label}."
    chase = to_chase(status)
    if not chase:
        return f"All {expected} expected bodies are in the partnership figures: nobody to chase."
    return (f"{inside} of {expected} expected bodies are in the partnership figures. "
            f"To chase ({', '.join(chase)}): sep-pipeline remind --period '{period.label}'")
