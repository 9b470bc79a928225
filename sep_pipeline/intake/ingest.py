"""The steps from a file in the intake folder to the warehouse, without Dagster.

`defs/intake.py` and `defs/warehouse.py` wrap these as assets; the sensor and `sep-pipeline run`
take files in with `take_in_ready()`. Each step is safe to repeat, and a run killed at any point
loses nothing:
- a ready file is copied into the content-addressed archive and listed in the warehouse's
  intake queue (`receipts`) before anything parses it; everything after reads the archived copy;
- what became of a file (its submission, the return made current, its issues, the feedback it
  is owed, the period's figures marked out of date) is written in one transaction, at most once
  per file;
- the feedback workbook is owed until it is in the partner's folder (`deliver_owed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..common import durable
from ..common.config import ConfigError, Settings
from ..common.pause_points import pause
from ..common.writer_lock import writer_lock
from ..standard.issues import Issue
from ..standard.messages import render
from ..standard.periods import Period
from ..warehouse import registry
from ..warehouse import tables as warehouse
from . import folder as intake
from . import read_ahead
from .feedback_report import write_report
from .pseudonym import fingerprint
from .safe_read import FileRefused, read_workbook
from .validate import ValidationResult


@dataclass(frozen=True)
class Received:
    """A file taken into the archive, ready to validate."""

    body: str
    period: str | None
    file_name: str
    sha256: str
    archive_path: str
    received_at: datetime
    receipt_id: int | None = None  # its place in the intake queue (none for a re-run)

    @classmethod
    def of(cls, r: warehouse.Receipt) -> Received:
        return cls(r.body_code, r.period, r.file_name, r.file_sha256, r.archive_path or "",
                   r.received_at, r.receipt_id)


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
    status: str  # "accepted" | "rejected" (| "duplicate" once recorded as one)
    period: str | None
    template_version: str | None
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    submission_id: int | None = None  # set once recorded
    readable: bool = True  # False when the file could not be read at all (a FileRefused issue)
    # Recording it would change nothing (see `unchanged`): nothing is written for it.
    unchanged: bool = False

    @property
    def errors(self) -> int:
        return sum(i.is_error for i in self.issues)

    @property
    def warnings(self) -> int:
        return len(self.issues) - self.errors

    @property
    def run_outcome(self) -> str:
        """What the run did with the return: accepted | rejected | duplicate | unchanged."""
        return "unchanged" if self.unchanged else self.status


def first_errors(issues: list[Issue], n: int = 3) -> str:
    """The first `n` errors, located as the partner sees them, one a line (for the UI)."""
    errors = [i for i in issues if i.is_error]
    lines = []
    for i in errors[:n]:
        where = " ".join(filter(None, [i.sheet, i.cell or (f"row {i.row}" if i.row else None)]))
        lines.append(f"{where}: {i.message_en}" if where else i.message_en)
    if len(errors) > n:
        lines.append(f"... and {len(errors) - n} more error(s)")
    return "\n".join(lines)


def unknown_body(body: str) -> str | None:
    """Why a run for `body` is refused (None: it is a registry body). Bodies come from the
    registry only: a partition typed into the UI ("Add a partition") is not one."""
    if body in registry.load():
        return None
    return (f"'{body}' is not a body in the registry ({registry.path()}), so nothing was run "
            "or written for it. To add a body, add its row to the registry file (or the file "
            "SEP_BODY_REGISTRY names); the intake sensor adds its partition on its next tick.")


def unknown_period(key: str, known: list[str]) -> str | None:
    """Why a run for the period (or year) `key` is refused (None: one the pipeline takes, from
    the first quarter a registry body is expected to the current one)."""
    if key in known:
        return None
    return (f"'{key}' is not a period the pipeline takes ({known[0]} to {known[-1]}), so nothing "
            "was run or written for it. The periods follow the calendar and the registry: the "
            "intake sensor adds each quarter when it starts.")


def body_partitions(existing: list[str]) -> tuple[list[str], list[str]]:
    """The `body` partitions to add (registry bodies without one) and to delete (partitions that
    are no registry body, e.g. a typo added in the UI) so they equal the registry's bodies."""
    members = set(registry.load())
    return sorted(members - set(existing)), sorted(set(existing) - members)


# --- Taking files in: the archive and the intake queue ----------------------------------------


@dataclass(frozen=True)
class Taken:
    """A ready file and its receipt; `new` when this look listed it (else it was listed before:
    the same name and bytes)."""

    candidate: intake.Candidate
    receipt: warehouse.Receipt
    new: bool


def take_in_ready(ready: list[intake.Candidate], engine: sa.Engine, settings: Settings,
                  not_taken: list[intake.NotTaken] | None = None) -> list[Taken]:
    """Copy each ready file into the archive and list it in the intake queue, oldest first. A
    file already listed with the same size and modification time is not read again; one that
    changes while it is copied waits for the next look; one that cannot be read as an ordinary
    file is skipped (added to `not_taken`), never stopping the others."""
    with engine.connect() as conn:
        looks = warehouse.taken_looks(conn)
    out: list[Taken] = []
    for c in intake.arrival_order(ready):
        if looks.get((c.body, c.path.name)) == c.look:
            continue  # taken before, unchanged since
        try:
            archived, sha = intake.take_in(c, settings.archive_dir)
        except intake.ChangedWhileCopied:
            continue
        except durable.Unreadable as e:
            if not_taken is not None:
                not_taken.append(intake.NotTaken(c.path, c.body, e.reason))
            continue
        with engine.begin() as conn:
            found = warehouse.find_receipt(conn, c.body, c.path.name, sha)
            if found is not None:  # touched, not changed: not read again while it stays so
                warehouse.update_look(conn, found.receipt_id, c.look)
        if found is not None:
            out.append(Taken(c, found, False))
            continue
        period = intake.peek_period(archived)
        with engine.begin() as conn:
            r = warehouse.add_receipt(
                conn, body=c.body, file_name=c.path.name, sha256=sha,
                archive_path=str(archived), period=period.label if period else None,
                received_at=datetime.now(UTC), look=c.look)
        out.append(Taken(c, r, True))
    return out


def tell_not_taken(not_taken: list[intake.NotTaken], settings: Settings) -> list[Path]:
    """A feedback workbook in a registry body's feedback folder for each entry of its intake
    folder that is not read (a link, a folder, a pipe, an unreadable file), once: a partner who
    put a shortcut there learns why nothing happened. Nothing is read through the entry."""
    members = registry.load()
    written = []
    for n in not_taken:
        if n.body not in members or not intake.NOT_TAKEN[n.reason][1]:
            continue
        path = intake.feedback_path(settings.intake_dir, n.body, n.path.name)
        if path.exists():
            continue
        en, cy = render(f"intake.{n.reason}", value=n.path.name)
        issue = Issue("error", f"intake.{n.reason}", en, cy, value=n.path.name)
        with durable.replacing(path) as tmp:
            write_report(tmp, [issue], None, file_name=n.path.name, status="rejected",
                         lang=members[n.body].language)
        written.append(path)
    return written


def clear_leftovers(settings: Settings) -> list[Path]:
    """Remove the temporary files killed writers left in the folders the pipeline writes: its
    data folder and the bodies' feedback folders (`durable.clear_temporaries`)."""
    feedback = [p for p in settings.intake_dir.glob(f"*/{intake.FEEDBACK_DIR}") if p.is_dir()]
    return durable.clear_temporaries([settings.data_dir, *feedback])


def take_in_path(path: Path, body: str, settings: Settings, engine: sa.Engine) -> Received:
    """One named file taken in as the sensor would (a run started by hand with a file tag)."""
    st = path.stat()
    c = intake.Candidate(path, body, st.st_size, st.st_mtime_ns)
    archived, sha = intake.take_in(c, settings.archive_dir)
    period = intake.peek_period(archived)
    with engine.begin() as conn:
        r = warehouse.add_receipt(conn, body=body, file_name=path.name, sha256=sha,
                                  archive_path=str(archived),
                                  period=period.label if period else None,
                                  received_at=datetime.now(UTC), look=c.look)
    return Received.of(r)


def action(r: warehouse.Receipt, conn: sa.Connection, known_periods: set[str]) -> str:
    """What a listed file needs: "duplicate" (these bytes came from this body before, under
    another name), "ingest" (a run for its body x quarter) or "unroutable" (its quarter cannot
    be read or is not open, or its folder is no registry body: a run that records why)."""
    original = warehouse.original_of(conn, r.body_code, r.file_sha256)
    if original is not None:
        return "duplicate"
    routable = r.period in known_periods and r.body_code in registry.load()
    return "ingest" if routable else "unroutable"


class _RecordedAlready(Exception):
    """Another run recorded this file first: this run's transaction is rolled back."""


def record_duplicate(engine: sa.Engine, r: warehouse.Receipt, settings: Settings) -> int:
    """These bytes were processed before: recorded as a duplicate, nothing else changes."""
    with writer_lock(settings):
        try:
            with engine.begin() as conn:
                original = warehouse.original_of(conn, r.body_code, r.file_sha256)
                sid = warehouse.record_duplicate(
                    conn, body=r.body_code, period=original.period if original else r.period,
                    file_name=r.file_name, sha256=r.file_sha256, received_at=r.received_at)
                if not warehouse.claim_receipt(conn, r.receipt_id, sid):
                    raise _RecordedAlready
        except _RecordedAlready:
            with engine.connect() as conn:
                return warehouse.receipt(conn, r.receipt_id).submission_id or 0
    return sid


# --- The steps ---------------------------------------------------------------------------------


def from_archive(conn: sa.Connection, body: str, period: str) -> Received | None:
    """What a re-run or backfill of a body × quarter re-reads from the archive: its current
    accepted return, or else its latest submission (a rejected one). The current return, not a
    rejected file sent after it, so that a backfill after a change of the standard or the
    methodology reloads what the figures are computed from."""
    sub = warehouse.current_return(conn, body, period) or warehouse.latest(conn, body, period)
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


def refuse_closed_period(outcome: Outcome, periods: list[str]) -> None:
    """A return routed away (its quarter is not among the partitions) that validation accepted
    is rejected with the reason, never with none: its quarter is not one the pipeline takes."""
    if outcome.status != "accepted":
        return
    en, cy = render("intake.period_not_open", value=outcome.period or "", first=periods[0],
                    latest=periods[-1])
    outcome.issues.insert(0, Issue("error", "intake.period_not_open", en, cy, sheet="About",
                                   value=outcome.period))
    outcome.status = "rejected"


def keep_sheets(sha256: str, kept: dict[str, list[list[object]]] | None) -> None:
    """Keep the named sheets of a file just checked (`read_ahead.kept_sheets`) for
    `write_feedback` in this process, which then need not read the file again."""
    _last_read.clear()  # one file's sheets at a time
    if kept is not None:
        _last_read[sha256] = kept


def keep_for_feedback(sha256: str, result: ValidationResult) -> None:
    """`keep_sheets` from a validation result."""
    keep_sheets(sha256, read_ahead.kept_sheets(result))


_KEYS_CHECKED: set[tuple[str, str]] = set()


def check_key(settings: Settings, engine: sa.Engine) -> None:
    """Stop before making pseudonyms with a key other than the one the warehouse's were made
    with (a lost key file silently replaced, SEP_PSEUDONYM_KEY changed): they would link to none
    of the earlier quarters'. Checked once per process and warehouse."""
    mark = fingerprint(settings.pseudonym_key)
    if (settings.warehouse_url, mark) in _KEYS_CHECKED:
        return
    try:
        with engine.begin() as conn:
            warehouse.check_key(conn, mark)
    except warehouse.KeyMismatch:
        raise ConfigError(
            "The pseudonym key is not the one this warehouse's staff and application "
            "references were pseudonymised with, so nothing was loaded: new pseudonyms would "
            "match none of the earlier quarters'. Restore the key (SEP_PSEUDONYM_KEY, or the "
            f"file {settings.key_file}) from your backup.") from None
    _KEYS_CHECKED.add((settings.warehouse_url, mark))


def validate(received: Received, settings: Settings, engine: sa.Engine) -> Outcome:
    check_key(settings, engine)
    with engine.connect() as conn:
        key = read_ahead.key_of(conn, received.body, received.period, received.archive_path,
                                received.sha256)
    _last_read.clear()  # one file's sheets at a time
    checked = read_ahead.take(key) or read_ahead.check_file(
        Path(received.archive_path), received.body, key[3], key[4], settings.pseudonym_key)
    pause("validate", received.file_name)
    keep_sheets(received.sha256, checked.kept)
    return Outcome(received, checked.status, checked.period or received.period,
                   checked.template_version, checked.issues, checked.tables,
                   readable=checked.readable)


def unchanged(outcome: Outcome, engine: sa.Engine) -> bool:
    """Whether recording a validated return would change nothing, so nothing is written:
    - the run of a file already recorded, run again (a re-execution from the UI keeps the
      run's receipt tag): the receipt has its submission;
    - a re-run or backfill (no receipt) that re-read a file whose sha256 is that of a submission
      of the body × quarter with the same status and, accepted, the same rows (it is then the
      current return). Issues are not compared: a warning that differs (the headcount change
      against a previous quarter resubmitted since) changes no figure and is not worth a new
      submission and feedback. A change of the standard or the methodology that changes the
      status or the rows is recorded as a new submission of the same file, as a resubmission:
      its rows get a new submission id, so nothing kept per submission (figure_store) is stale.
    """
    rec = outcome.received
    with engine.connect() as conn:
        if rec.receipt_id is not None:
            return warehouse.receipt(conn, rec.receipt_id).submission_id is not None
        if outcome.period is None or outcome.status not in ("accepted", "rejected"):
            return False
        sub = warehouse.recorded_as(conn, rec.body, outcome.period, rec.sha256, outcome.status)
        if sub is None:
            return False
        return outcome.status == "rejected" or warehouse.same_rows(
            conn, sub.submission_id, outcome.tables)


def is_late(received: Received, settings: Settings) -> bool:
    if not received.period:
        return False
    return received.received_at.date() > settings.deadline(Period.parse(received.period))


def record(outcome: Outcome, settings: Settings, engine: sa.Engine) -> Outcome:
    """Write the outcome in one transaction: a rejection and its issues, or the new current
    return (its period's figures marked out of date), the feedback owed for it and what became
    of its receipt; then deliver the feedback. A file another run recorded first is left as it
    recorded it."""
    rec = outcome.received
    common = dict(body=rec.body, period=outcome.period, file_name=rec.file_name,
                  sha256=rec.sha256, archive_path=rec.archive_path, issues=outcome.issues,
                  template_version=outcome.template_version, received_at=rec.received_at)
    if rec.receipt_id is not None:
        with engine.connect() as conn:
            first = warehouse.original_of(conn, rec.body, rec.sha256)
        if first is not None:  # the same bytes, listed under another name, were recorded first
            outcome.submission_id = record_duplicate(
                engine, warehouse.Receipt(rec.receipt_id, rec.body, rec.file_name, rec.sha256,
                                          rec.archive_path, rec.period, rec.received_at, None),
                settings)
            outcome.status = "duplicate"
            _last_read.pop(rec.sha256, None)
            return outcome
    with writer_lock(settings):
        try:
            with engine.begin() as conn:
                if outcome.status == "accepted":
                    sid = warehouse.replace_current(
                        conn, late=is_late(rec, settings), tables=outcome.tables,
                        receipt_id=rec.receipt_id, **common)
                else:
                    sid = warehouse.record_rejected(conn, **common)
                if rec.receipt_id is not None and not warehouse.claim_receipt(
                        conn, rec.receipt_id, sid):
                    raise _RecordedAlready
                pause("warehouse", rec.file_name)
        except _RecordedAlready:
            with engine.connect() as conn:
                outcome.submission_id = warehouse.receipt(conn, rec.receipt_id).submission_id
            _last_read.pop(rec.sha256, None)
            return outcome
        outcome.submission_id = sid
        deliver(outcome, settings, engine)
    return outcome


def deliver(outcome: Outcome, settings: Settings, engine: sa.Engine) -> Path:
    """Write the feedback owed for a recorded outcome and mark it written."""
    path = write_feedback(outcome, settings)
    with engine.begin() as conn:
        warehouse.feedback_written(conn, outcome.submission_id, str(path))
    return path


def deliver_owed(settings: Settings, engine: sa.Engine) -> list[Path]:
    """Every feedback workbook still owed (a run died, or could not write it, after recording
    the outcome): rebuilt from the recorded issues and the archived file."""
    with engine.connect() as conn:
        due = warehouse.feedback_due(conn)
    written = []
    for d in due:
        with writer_lock(settings):
            with engine.connect() as conn:
                if not warehouse.feedback_due(conn, d.submission_id):
                    continue  # delivered meanwhile
                issues = warehouse.issues_of(conn, d.submission_id)
            received = Received(d.body_code, None, d.file_name, "", d.archive_path or "",
                                datetime.now(UTC))
            status = "rejected" if d.status == "rejected" else "accepted"
            outcome = Outcome(received, status, None, None, issues,
                              submission_id=d.submission_id, readable=bool(d.archive_path))
            written.append(deliver(outcome, settings, engine))
    return written


def write_feedback(outcome: Outcome, settings: Settings) -> Path:
    """The partner's feedback workbook, in the body's feedback/ folder (never read as a return),
    written under a temporary name and renamed into place.

    The partner's sheets are needed only if an issue can mark a cell (the report copies just the
    sheets with a marked cell): those validation read in this process, else a re-read of them
    from the archive.
    """
    rec = outcome.received
    path = intake.feedback_path(settings.intake_dir, rec.body, rec.file_name)

    named = read_ahead.named_sheets(outcome.issues)
    kept = _last_read.pop(rec.sha256, None) if rec.sha256 else None

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
    with durable.replacing(path) as tmp:
        write_report(tmp, outcome.issues, partner_sheets if outcome.readable else None,
                     file_name=rec.file_name, status=outcome.status,
                     lang=member.language if member else "en")
        pause("feedback", rec.file_name)
    return path
