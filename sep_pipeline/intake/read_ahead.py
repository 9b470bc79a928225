"""Checking a return (read, validate, standardise), in the run's process or ahead of it.

`sep-pipeline run` records its returns one at a time, in the order they came, through Dagster
runs that write the warehouse; what takes the CPU in them is reading and validating each file.
So while the run records one return, worker processes check the next ones (`ReadAhead`): the
run's validate step then takes the result (`take`) when it was made from the same archived file,
the same previous-quarter headcount and the same registry membership, and otherwise checks the
file itself. Either way the result comes from `check_file`, so a return is judged the same.
Workers only read: everything written still happens in the run's process, in order.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..common.workers import pool
from ..standard.issues import Issue
from ..standard.messages import render
from ..standard.periods import Period
from ..warehouse import registry
from ..warehouse import tables as warehouse
from .feedback_report import report_rows
from .safe_read import FileRefused, RawWorkbook, read_then_pickled
from .standardise import standardise
from .validate import ValidationResult, validate_workbook


@dataclass
class Checked:
    """What checking a file found: its issues, and for an accepted return its standardised
    tables. Of the partner's cells, only the sheets its issues name (`kept`, for the feedback
    workbook); None when the file could not be read at all."""

    status: str  # "accepted" | "rejected"
    period: str | None  # as its About sheet says
    template_version: str | None
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    kept: dict[str, list[list[object]]] | None = None

    @property
    def readable(self) -> bool:
        return self.kept is not None


def check_file(path: Path, body: str, previous_headcount: int | None, member: bool,
               key: str) -> Checked:
    """Read, validate and (accepted) standardise one return; `member`: whether `body` is in
    the registry; `key`: the pseudonym key. All of it happens in the child that parses the file
    (`read_then`): only what checking found crosses back, not the partner's cells."""
    checked: Checked = pickle.loads(check_pickled(path, body, previous_headcount, member, key))
    return checked


def check_pickled(path: Path, body: str, previous_headcount: int | None, member: bool,
                  key: str) -> bytes:
    """`check_file`'s answer as pickled where it was made: what a worker hands on."""
    path = Path(path)
    judged = partial(_judged, file_name=path.name, body=body,
                     previous_headcount=previous_headcount, member=member, key=key)
    try:
        return read_then_pickled(path, judged)
    except FileRefused as refused:
        checked = _checked(ValidationResult(path.name, [refused.issue]), body, member, key)
        return pickle.dumps(checked, pickle.HIGHEST_PROTOCOL)


def _judged(raw: RawWorkbook, *, file_name: str, body: str, previous_headcount: int | None,
            member: bool, key: str) -> Checked:
    result = validate_workbook(raw, file_name=file_name, expected_body=body,
                               previous_headcount=previous_headcount)
    return _checked(result, body, member, key)


def _checked(result: ValidationResult, body: str, member: bool, key: str) -> Checked:
    if not member:
        en, cy = render("intake.unknown_body", value=body)
        result.issues.insert(0, Issue("error", "intake.unknown_body", en, cy, value=body))
    tables = {}
    if result.status == "accepted":
        tables = standardise(result.tables, body=body, key=key)
    return Checked(result.status, result.period.label if result.period else None,
                   result.about.get("template_version"), result.issues, tables,
                   kept_sheets(result))


def named_sheets(issues: list[Issue]) -> set[str]:
    """The sheets (case-folded) that issues name: the only ones a feedback copy can show."""
    return {i.sheet.casefold() for i in issues if i.sheet}


def kept_sheets(result: ValidationResult) -> dict[str, list[list[object]]] | None:
    """The cells of the sheets a file's issues name that its feedback workbook shows (None: the
    file could not be read)."""
    if result.raw is None:
        return None
    named = named_sheets(result.issues)
    return report_rows(result.issues, {n: sh.rows for n, sh in result.raw.sheets.items()
                                       if n.casefold() in named})


# What decides a check besides the file: (archive path, sha256, body, previous headcount, member).
Key = tuple[str, str, str, "int | None", bool]


def previous_headcount(conn: sa.Connection, body: str, period: str | None) -> int | None:
    """The body's headcount in the quarter before `period` (None: none loaded, or no period)."""
    if not period:
        return None
    return warehouse.headcount(conn, body, Period.parse(period).previous().label)


def key_of(conn: sa.Connection, body: str, period: str | None, archive_path: str,
           sha256: str) -> Key:
    return (archive_path, sha256, body, previous_headcount(conn, body, period),
            body in registry.load())


_ahead: dict[Key, Future] = {}  # checks started ahead, not yet taken
taken_ahead = 0  # checks this process took from a worker (the benchmark and tests count them)


def take(key: Key) -> Checked | None:
    """The check made ahead for exactly this key (waiting for it if a worker is on it); None
    when there is none, no worker has started it (the run's process is then free to do it:
    the work balances itself between the run and its workers), or it failed (the caller
    checks the file itself and meets the failure)."""
    future = _ahead.pop(key, None)
    if future is None:
        return None
    if future.cancel():  # no worker has started it: checking it here is sooner than waiting
        return None
    global taken_ahead
    try:
        checked: Checked = pickle.loads(future.result())
    except Exception:  # noqa: BLE001 - checked again in the run's process
        return None
    taken_ahead += 1
    return checked


@dataclass(frozen=True)
class Pending:
    """A return waiting in the run's queue, as the read-ahead needs it."""

    body: str
    period: str | None
    archive_path: str
    sha256: str


def helpers(workers: int) -> int:
    """Worker processes checking returns for a run of SEP_WORKERS `workers`: one per core, as
    the run's own process mostly waits on them (it records each return, and checks one no worker
    has started); none with 1 (everything in the run's process)."""
    return workers if workers > 1 else 0


class ReadAhead:
    """Checks the queue's next returns in `helpers` worker processes, at most `window` ahead
    of the one being recorded. A return waits until no return before it in the queue can still
    change its previous-quarter headcount (the same body's previous quarter)."""

    def __init__(self, queue: Sequence[Pending], engine: sa.Engine, key: str, helpers: int,
                 wanted: Callable[[int], bool], window: int | None = None) -> None:
        self.queue, self.engine, self.key, self.wanted = list(queue), engine, key, wanted
        self.helpers = helpers
        self.window = window if window is not None else helpers + 1
        self.started: set[int] = set()
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        _ahead.clear()

    def _blocked(self, j: int, current: int) -> bool:
        p = self.queue[j]
        if not p.period:
            return False
        previous = Period.parse(p.period).previous().label
        return any(q.body == p.body and q.period == previous for q in self.queue[current:j])

    def top_up(self, current: int) -> None:
        """Before the run records `queue[current]`: start checks up to the window ahead."""
        if self.helpers < 1:
            return
        in_flight = len(_ahead)  # started and not yet taken: each holds a return's tables
        for j in range(current + 1, len(self.queue)):
            if in_flight >= self.window:
                return
            if j in self.started or self._blocked(j, current) or not self.wanted(j):
                continue
            p = self.queue[j]
            with self.engine.connect() as conn:
                k = key_of(conn, p.body, p.period, p.archive_path, p.sha256)
            if self.pool is None:
                self.pool = pool(self.helpers)
            try:
                _ahead[k] = self.pool.submit(check_pickled, Path(p.archive_path), p.body, k[3],
                                             k[4], self.key)
            except BrokenProcessPool:  # a worker died (memory?): the run checks the rest itself
                self.helpers = 0
                return
            self.started.add(j)
            in_flight += 1
