"""The steps from a file in the intake folder to the warehouse, without Dagster.

`definitions.py` wraps these as assets, the sensor and `sep-pipeline run` plan with `plan()`.
Each step is safe to repeat: the archive is content-addressed, and what becomes current changes
in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from . import intake, registry, warehouse
from .config import Settings
from .feedback_report import write_report
from .issues import Issue
from .messages import render
from .periods import Period
from .safe_read import FileRefused, read_workbook
from .standardise import standardise
from .validate import ValidationResult, validate_file


@dataclass(frozen=True)
class Received:
    """A file taken into the archive, ready to validate."""

    body: str
    period: str | None
    file_name: str
    sha256: str
    archive_path: str
    received_at: datetime


@dataclass
class Outcome:
    """What validation decided; for an accepted return, its standardised tables.

    Holds no raw reference (tables are pseudonymised), so it may be stored between steps. Nor
    does it hold the partner's cells (`ValidationResult.raw`): they are not pseudonymised and
    would make every pickled step output as big as the file; the feedback workbook takes them
    from this process's `_last_read`, or else re-reads the archived file, when, and only when,
    it marks a cell (see `write_feedback`).
    """

    received: Received
    status: str  # "accepted" | "rejected"
    period: str | None
    template_version: str | None
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    submission_id: int | None = None  # set once recorded
    readable: bool = True  # False when the file could not be read at all (a FileRefused issue)

    @property
    def errors(self) -> int:
        return sum(i.is_error for i in self.issues)

    @property
    def warnings(self) -> int:
        return len(self.issues) - self.errors


# --- Planning: what in the intake folder needs a run ------------------------------------------


@dataclass(frozen=True)
class Planned:
    candidate: intake.Candidate
    sha256: str
    action: str  # "ingest" (routable to a partition), "unroutable", "duplicate", "done"
    period: str | None = None


def plan(
    candidates: list[intake.Candidate], conn: sa.Connection, known_periods: set[str]
) -> list[Planned]:
    """Decide what to do with each ready file.

    done: this file (same name, same content) was already processed; duplicate: the same content
    arrived before under another name; ingest: a run for its body × quarter; unroutable: the
    quarter cannot be read (or is not a quarter we take yet) — a run that records why.
    """
    members = registry.load()
    out: list[Planned] = []
    for c in candidates:
        sha = intake.sha256_file(c.path)
        seen = warehouse.find_by_sha(conn, c.body, sha)
        if any(s.file_name == c.path.name for s in seen):
            out.append(Planned(c, sha, "done"))
        elif seen:
            out.append(Planned(c, sha, "duplicate", seen[0].period))
        else:
            period = intake.peek_period(c.path)
            label = period.label if period else None
            # An unknown body folder gets no partition: it is recorded and told why, no more.
            routable = label in known_periods and c.body in members
            out.append(Planned(c, sha, "ingest" if routable else "unroutable", label))
    return out


# --- The steps ---------------------------------------------------------------------------------


def receive(path: Path, body: str, period: str | None, sha256: str, settings: Settings) -> Received:
    """Archive the file by content before anything parses it."""
    archived = intake.archive(path, settings.archive_dir, sha256)
    return Received(body, period, path.name, sha256, str(archived), datetime.now(UTC))


def record_duplicate(conn: sa.Connection, planned: Planned) -> int:
    return warehouse.record_duplicate(
        conn, body=planned.candidate.body, period=planned.period,
        file_name=planned.candidate.path.name, sha256=planned.sha256,
    )


def from_archive(conn: sa.Connection, body: str, period: str) -> Received | None:
    """The latest submission of a body × quarter, re-read from the archive (re-runs, backfills)."""
    sub = warehouse.latest(conn, body, period)
    if sub is None or not sub.archive_path:
        return None
    received_at = conn.execute(
        sa.select(warehouse.submissions.c.received_at).where(
            warehouse.submissions.c.submission_id == sub.submission_id)
    ).scalar_one()
    return Received(body, period, sub.file_name, sub.file_sha256, sub.archive_path, received_at)


# The sheets validation read that issues name, for the feedback written after the load. Only
# within one process (`sep-pipeline run` executes a run's steps in process); never pickled
# between steps, as it holds staff references in the clear. A step in another process re-reads
# the archive.
_last_read: dict[str, dict[str, list[list[object]]]] = {}


def _named_sheets(issues: list[Issue]) -> set[str]:
    """The sheets (case-folded) that issues name: the only ones a feedback copy can show."""
    return {i.sheet.casefold() for i in issues if i.sheet}


def keep_for_feedback(sha256: str, result: ValidationResult) -> None:
    """Keep the sheets of a file just read that its issues name, for `write_feedback` in this
    process (which then need not read the file again)."""
    _last_read.clear()  # one file's sheets at a time
    if result.raw is not None:
        named = _named_sheets(result.issues)
        _last_read[sha256] = {n: sh.rows for n, sh in result.raw.sheets.items()
                              if n.casefold() in named}


def validate(received: Received, settings: Settings, engine: sa.Engine) -> Outcome:
    previous = None
    if received.period:
        with engine.connect() as conn:
            previous = warehouse.headcount(conn, received.body,
                                           Period.parse(received.period).previous().label)
    _last_read.clear()  # one file's sheets at a time
    result = validate_file(
        Path(received.archive_path), expected_body=received.body, previous_headcount=previous
    )
    if received.body not in registry.load():
        en, cy = render("intake.unknown_body", value=received.body)
        result.issues.insert(0, Issue("error", "intake.unknown_body", en, cy, value=received.body))
    keep_for_feedback(received.sha256, result)
    tables = {}
    if result.status == "accepted":
        tables = standardise(result.tables, body=received.body, key=settings.pseudonym_key)
    period = result.period.label if result.period else received.period
    return Outcome(received, result.status, period, result.about.get("template_version"),
                   result.issues, tables, readable=result.raw is not None)


def is_late(received: Received, settings: Settings) -> bool:
    if not received.period:
        return False
    return received.received_at.date() > settings.deadline(Period.parse(received.period))


def record(outcome: Outcome, settings: Settings, engine: sa.Engine) -> Outcome:
    """Write the outcome: a rejection and its issues, or the new current return, atomically."""
    rec = outcome.received
    common = dict(body=rec.body, period=outcome.period, file_name=rec.file_name,
                  sha256=rec.sha256, archive_path=rec.archive_path, issues=outcome.issues,
                  template_version=outcome.template_version, received_at=rec.received_at)
    with engine.begin() as conn:
        if outcome.status == "accepted":
            outcome.submission_id = warehouse.replace_current(
                conn, late=is_late(rec, settings), tables=outcome.tables, **common)
        else:
            outcome.submission_id = warehouse.record_rejected(conn, **common)
    write_feedback(outcome, settings)
    return outcome


def write_feedback(outcome: Outcome, settings: Settings) -> Path:
    """The partner's feedback workbook, in the body's feedback/ folder (never read as a return).

    The partner's sheets are needed only if an issue can mark a cell (the report copies just the
    sheets with a marked cell): those validation read in this process, else a re-read of them
    from the archive.
    """
    rec = outcome.received
    path = intake.feedback_path(settings.intake_dir, rec.body, rec.file_name)
    path.parent.mkdir(parents=True, exist_ok=True)

    named = _named_sheets(outcome.issues)
    kept = _last_read.pop(rec.sha256, None)  # the same issues named the same sheets

    def partner_sheets() -> dict[str, list[list[object]]] | None:
        if kept is not None:
            return kept
        try:  # the partner's own cells, to mark where the issues are: only sheets with issues
            raw = read_workbook(Path(rec.archive_path), sheets=lambda n: n.casefold() in named)
        except FileRefused:
            return None
        return {n: s.rows for n, s in raw.sheets.items()}

    # In the body's preferred language (from the registry), with the other language beside it.
    member = registry.load().get(rec.body)
    return write_report(path, outcome.issues, partner_sheets if outcome.readable else None,
                        file_name=rec.file_name, status=outcome.status,
                        lang=member.language if member else "en")
