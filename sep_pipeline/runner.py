"""`sep-pipeline run`: everything pending in the intake folder, in one process, through the same
Dagster jobs the sensor starts (no second code path)."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .common import failures
from .common.config import Settings, settings
from .common.writer_lock import writer_lock
from .intake import folder as intake
from .intake import ingest as steps
from .intake import read_ahead
from .publish import revisions
from .warehouse import tables as warehouse

LOOK_INTERVAL = 0.5  # seconds between the two looks at the intake folder


@dataclass(frozen=True)
class FileResult:
    body: str
    period: str | None
    file_name: str
    status: str  # accepted | rejected | duplicate | done (already processed) | failed
    #              | not taken (not read: `detail` says why) | waiting (for the next run)
    errors: int = 0
    warnings: int = 0
    detail: str = ""


def prepare_environment(intake_dir: Path | None = None) -> Settings:
    """Defaults for a laptop: DAGSTER_HOME under the data folder, the intake folder if given."""
    if intake_dir is not None:
        os.environ["SEP_INTAKE_DIR"] = str(intake_dir.resolve())
    from .ui import prepare_dagster_home

    cfg = settings()
    home = Path(os.environ.get("DAGSTER_HOME") or cfg.data_dir / "dagster_home")
    home = prepare_dagster_home(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return cfg


def _result(engine: sa.Engine, r: warehouse.Receipt) -> FileResult:
    """What became of a receipt ("failed" if nothing was recorded)."""
    s = warehouse.submissions
    with engine.connect() as conn:
        sid = warehouse.receipt(conn, r.receipt_id).submission_id
        row = conn.execute(sa.select(s).where(s.c.submission_id == sid)).first() if sid else None
    if row is None:
        return FileResult(r.body_code, r.period, r.file_name, "failed")
    return FileResult(r.body_code, row.period, r.file_name, row.status, row.errors, row.warnings)


def _already(engine: sa.Engine, c: intake.Candidate) -> FileResult:
    """A ready file processed by an earlier run: what became of it then, from the submission
    recorded for its receipt (for a duplicate, the submission of the same bytes it repeats)."""
    with engine.connect() as conn:
        taken = _receipt_of(conn, c)
        sub = _submission_of(conn, taken) if taken is not None else None
    if sub is None:  # it changed while it was being copied in: the next run takes it
        return FileResult(c.body, None, c.path.name, "waiting",
                          detail="it changed while it was read; the next run takes it")
    detail = "" if sub.file_name == c.path.name else f"the same file as {sub.file_name}"
    return FileResult(c.body, sub.period, c.path.name, "done", sub.errors, sub.warnings, detail)


def _receipt_of(conn: sa.Connection, c: intake.Candidate) -> sa.Row | None:
    """The receipt of the file as it is now: the one taken with its size and modification
    time, else the latest of its name (a receipt from before looks were kept)."""
    q = warehouse.receipts
    same_look = sa.and_(q.c.file_size == c.look[0], q.c.file_mtime_ns == c.look[1])
    return conn.execute(
        sa.select(q.c.body_code, q.c.file_sha256, q.c.submission_id)
        .where(q.c.body_code == c.body, q.c.file_name == c.path.name,
               q.c.submission_id.is_not(None))
        .order_by(sa.case((same_look, 0), else_=1), q.c.receipt_id.desc())).first()


def _submission_of(conn: sa.Connection, taken: sa.Row) -> sa.Row | None:
    """The submission a receipt was recorded as; a duplicate's is the first submission of the
    same bytes that was not itself a duplicate (a duplicate records no period or counts of its
    own worth showing)."""
    s = warehouse.submissions
    columns = (s.c.period, s.c.file_name, s.c.status, s.c.errors, s.c.warnings)
    sub = conn.execute(sa.select(*columns).where(
        s.c.submission_id == taken.submission_id)).first()
    if sub is None or sub.status != "duplicate":
        return sub
    original = conn.execute(sa.select(*columns).where(
        s.c.body_code == taken.body_code, s.c.file_sha256 == taken.file_sha256,
        s.c.status != "duplicate").order_by(s.c.submission_id)).first()
    return original or sub


def run_pending(
    period: str | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_file: Callable[[FileResult], None] = lambda result: None,
    on_wait: Callable[[str], None] = lambda holder: None,
) -> list[FileResult]:
    """Take in every ready file and process every file not yet processed (including any a
    killed run left in the intake queue), deliver the feedback still owed, then publish every
    period whose figures or pack are out of date. A rejected return is a normal outcome, not a
    failure. Holds the writer lock throughout (`on_wait` is told when another run holds it).
    A failure of the machine (full disk, lost database, folder not writable) stops the run
    with the exception; any other failure of one file's run is that file's "failed" result
    (its traceback in the log file) and the run goes on."""
    import dagster as dg

    from .defs.partitions import known_periods
    from .defs.shared import PUBLISH_TAG

    cfg = settings()
    failures.check_writable(cfg)
    with writer_lock(cfg, on_wait=on_wait):
        # Two looks, as the sensor does: a file still being copied in waits for the next run.
        # The set-up (migrations, Dagster's instance: ~0.5 s) happens between the looks.
        first = {str(c.path): c.look for c in intake.survey(cfg.intake_dir)[0]}
        first_at = time.monotonic()
        engine = warehouse.create_all(cfg.warehouse_url)
        instance = dg.DagsterInstance.get()
        execute = _executor(instance)
        time.sleep(max(0.0, LOOK_INTERVAL - (time.monotonic() - first_at)))
        found, not_taken = intake.survey(cfg.intake_dir)
        ready = intake.stable(found, first)
        steps.take_in_ready(ready, engine, cfg, not_taken)
        steps.tell_not_taken(not_taken, cfg)
        steps.clear_leftovers(cfg)
        with engine.connect() as conn:
            pending = warehouse.pending_receipts(conn)
        if period:
            pending = [r for r in pending if r.period == period]
        on_start(len(pending))
        known = set(known_periods())
        results: list[FileResult] = []
        queue = [read_ahead.Pending(r.body_code, r.period, r.archive_path or "", r.file_sha256)
                 for r in pending]

        def wanted(j: int) -> bool:  # a return the run will validate (not a duplicate)
            with engine.connect() as conn:
                return steps.action(pending[j], conn, known) == "ingest"

        ahead = read_ahead.ReadAhead(queue, engine, cfg.pseudonym_key,
                                     read_ahead.helpers(cfg.workers), wanted)
        with ahead:
            for i, r in enumerate(pending):
                ahead.top_up(i)
                results.append(_process(r, engine, cfg, known, execute))
                on_file(results[-1])
        done = {(r.body_code, r.file_name) for r in pending}
        done |= {(n.body, n.path.name) for n in not_taken}
        earlier = [_already(engine, c) for c in ready if (c.body, c.path.name) not in done]
        results += [e for e in earlier if period is None or e.period == period]
        results += [FileResult(n.body or "", None, n.path.name, "not taken", detail=n.why)
                    for n in not_taken if n.reason != "ignored"]
        steps.deliver_owed(cfg, engine)
        publish_out_of_date(engine, cfg, execute, PUBLISH_TAG)
    return results


def _process(r: warehouse.Receipt, engine: sa.Engine, cfg: Settings, known: set[str],
             execute: Callable[..., None]) -> FileResult:
    """One file of the queue through its run (or recorded as a duplicate): what became of it."""
    import dagster as dg

    from .defs.shared import FILE_TAG, RECEIPT_TAG, SHA_TAG

    with engine.connect() as conn:
        what = steps.action(r, conn, known)
    tags = {RECEIPT_TAG: str(r.receipt_id), FILE_TAG: r.file_name, SHA_TAG: r.file_sha256}
    try:
        if what == "duplicate":
            steps.record_duplicate(engine, r, cfg)
        elif what == "ingest":
            execute("ingest_return", tags=tags, partition_key=dg.MultiPartitionKey(
                {"period": r.period, "body": r.body_code}))
        else:
            execute("unroutable_return", tags=tags, run_config={"ops": {
                "reject_unroutable_return": {"config": {"receipt": r.receipt_id}}}})
    except Exception as exc:
        if failures.is_environmental(exc, cfg):
            raise
        failures.log(exc, cfg, f"{r.body_code}/{r.file_name}")
    return _result(engine, r)


def _executor(instance) -> Callable[..., None]:  # noqa: ANN001
    """Run a job of the definitions in this process. Step failures raise (the caller tells them
    once, plainly); their tracebacks go to the log file and Dagster's event log, not the
    terminal."""
    from . import dagster_sqlite
    from .definitions import defs
    from .defs.partitions import apply_partition_requests

    dagster_sqlite.keep_connections()  # the runs execute here: one connection, not one per event
    apply_partition_requests(instance)  # as the sensor keeps them: today's quarters, the bodies
    instance = without_compute_logs(instance)
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

    def execute(job: str, **kw: object) -> None:
        run_config = {**quiet, **kw.pop("run_config", {})}  # type: ignore[dict-item]
        defs.resolve_job_def(job).execute_in_process(
            instance=instance, raise_on_error=True, run_config=run_config, **kw)

    return execute


def without_compute_logs(instance):  # noqa: ANN001, ANN201 (dg.DagsterInstance)
    """The same instance (storage, settings) for the runs this process executes, but with no
    capture of each run's stdout and stderr into files: Dagster tees them through a `tail`
    process per run, ~80 ms of each of a quarter's 61 runs (docs/performance.md), and these runs
    print nothing there (their logs are Dagster's events and the log file). Runs the webserver
    or the daemon launch keep the capture of the instance's dagster.yaml."""
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
    from dagster._serdes import ConfigurableClassData

    if instance.is_ephemeral:
        return instance
    noop = ConfigurableClassData(NoOpComputeLogManager.__module__,
                                 NoOpComputeLogManager.__name__, "{}")
    return type(instance).from_ref(instance.get_ref()._replace(compute_logs_data=noop))


def publish_out_of_date(engine: sa.Engine, cfg: Settings, execute: Callable[..., None],
                        tag: str, only: str | None = None, bodies: bool = False) -> list[str]:
    """Bring every out-of-date period's figures and pack up to date (quarters first, then
    years), through the partnership jobs; `only`: just that period, published even when up to
    date; `bodies`: the per-body workbooks rewritten too. Returns the periods published."""
    from .defs.partnership import publication_run

    with engine.connect() as conn:
        states = warehouse.out_of_date(conn)
        if only is not None:
            state = warehouse.publication(conn, only)
            states = [state] if state is not None else []
    done = []
    for state in states:
        planned = publication_run(state, cfg, engine, bodies=bodies)
        if planned is None:
            continue
        job, keys = planned
        execute(job, partition_key=state.period, asset_selection=keys, tags={tag: state.period})
        done.append(state.period)
    return done


def report(period: str, out: Path | None, lang: str,
           on_wait: Callable[[str], None] = lambda holder: None) -> list[Path]:
    """`sep-pipeline report`: the period's figures brought up to date from the warehouse if
    they are not, its pack and per-body workbooks rewritten (through the partnership jobs), and,
    for another folder or one language, the pack written there from the warehouse's tables."""
    import dagster as dg

    from .defs.shared import PUBLISH_TAG
    from .publish.pack import languages, pack_dir, write_pack

    languages(lang)
    cfg = settings()
    failures.check_writable(cfg)
    engine = warehouse.create_all(cfg.warehouse_url)
    folder = pack_dir(cfg.outputs_dir, period)
    with writer_lock(cfg, on_wait=on_wait):
        published = publish_out_of_date(engine, cfg, _executor(dg.DagsterInstance.get()),
                                        PUBLISH_TAG, only=period, bodies=True)
        if out is None and lang == "both" and published:
            return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".txt"
                          and not p.name.startswith("."))
        return write_pack(engine, period, out or folder, lang)


def out_of_date_body_packs(cfg: Settings) -> list[Path]:
    """Folders of per-body workbooks that predate their period's current figures."""
    from .publish.pack import OUT_OF_DATE

    return sorted(p.parent for p in (cfg.outputs_dir / "packs").glob(f"*/bodies/{OUT_OF_DATE}"))


def finalise(period: str, on_wait: Callable[[str], None] = lambda holder: None
             ) -> tuple[revisions.Finalised, list[Path]]:
    """`sep-pipeline finalise`: run the `finalise_quarter` job on `period` (its figures brought
    up to date first if they are not, its packs rewritten without [p]); a final quarter is left
    as it is. Returns what was done and the pack files written (none when nothing changed).
    ValueError when the quarter has no returns to finalise."""
    import dagster as dg

    from .definitions import defs
    from .defs.shared import FINALISE_TAG
    from .publish.pack import pack_dir

    cfg = settings()
    failures.check_writable(cfg)
    engine = warehouse.create_all(cfg.warehouse_url)
    folder = pack_dir(cfg.outputs_dir, period)
    with writer_lock(cfg, on_wait=on_wait):
        with engine.connect() as conn:
            state = warehouse.publication(conn, period)
            already = revisions.finalisation(conn, period)
        if state is None:
            raise ValueError(f"{period} has no accepted return: there is nothing to finalise")
        if already is not None:
            with engine.begin() as conn:  # says so, writing nothing
                return revisions.finalise(conn, period, cfg, revisions.BY_COMMAND), []
        keys = defs.resolve_job_def("finalise_quarter").asset_layer.executable_asset_keys
        if state.figures_current:  # nothing to recompute: the figures are as published
            keys = {k for k in keys if k != dg.AssetKey("quarter_benchmarks")}
        _executor(dg.DagsterInstance.get())(
            "finalise_quarter", partition_key=period, asset_selection=sorted(
                keys, key=lambda k: k.to_user_string()),
            tags={FINALISE_TAG: revisions.BY_COMMAND})
        with engine.begin() as conn:  # final now (by the job's pack step), unless refused
            done = revisions.finalise(conn, period, cfg, revisions.BY_COMMAND)
        done = dataclasses.replace(done, newly=done.done)
    written = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".txt"
                     and not p.name.startswith("."))
    return done, written if done.done else []
