"""`sep-pipeline run`: everything pending in the intake folder, in one process, through the same
Dagster jobs the sensor starts (no second code path)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from . import ingest as steps
from . import intake, warehouse
from .config import Settings, settings
from .periods import Period

LOOK_INTERVAL = 0.5  # seconds between the two looks at the intake folder


@dataclass(frozen=True)
class FileResult:
    body: str
    period: str | None
    file_name: str
    status: str  # accepted | rejected | duplicate | done (already processed) | failed
    errors: int = 0
    warnings: int = 0


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


def _submission_of(engine: sa.Engine, body: str, sha256: str, file_name: str) -> FileResult:
    s = warehouse.submissions
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(s).where(s.c.body_code == body, s.c.file_sha256 == sha256,
                               s.c.file_name == file_name)
            .order_by(s.c.submission_id.desc())
        ).first()
    if row is None:
        return FileResult(body, None, file_name, "failed")
    return FileResult(body, row.period, file_name, row.status, row.errors, row.warnings)


def run_pending(
    period: str | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_file: Callable[[FileResult], None] = lambda result: None,
) -> list[FileResult]:
    """Process every file not yet processed; then rebuild the partnership figures of each quarter
    that changed. A rejected return is a normal outcome, not a failure."""
    import dagster as dg

    from .definitions import FILE_TAG, PERIODS, SHA_TAG, defs

    cfg = settings()
    # Two looks, as the sensor does: a file still being copied in waits for the next run. The
    # set-up (migrations, Dagster's instance: ~0.5 s) happens between the looks, not before.
    first = {str(c.path): c.look for c in intake.candidates(cfg.intake_dir)}
    first_at = time.monotonic()
    engine = warehouse.create_all(cfg.warehouse_url)
    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

    def execute(job: str, **kw: object) -> None:
        run_config = {**quiet, **kw.pop("run_config", {})}  # type: ignore[dict-item]
        defs.resolve_job_def(job).execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config, **kw)

    time.sleep(max(0.0, LOOK_INTERVAL - (time.monotonic() - first_at)))
    ready = intake.stable(intake.candidates(cfg.intake_dir), first)
    with engine.begin() as conn:
        planned = steps.plan(ready, conn, set(PERIODS.get_partition_keys()))
        if period:
            planned = [p for p in planned if p.period == period]
        for p in planned:
            if p.action == "duplicate":
                steps.record_duplicate(conn, p)
    todo = [p for p in planned if p.action in ("ingest", "unroutable")]
    on_start(len(todo))
    results: list[FileResult] = []
    for p in planned:
        name, body = p.candidate.path.name, p.candidate.body
        if p.action in ("done", "duplicate"):
            results.append(FileResult(body, p.period, name, p.action))
            continue
        tags = {FILE_TAG: str(p.candidate.path), SHA_TAG: p.sha256}
        if p.action == "ingest":
            instance.add_dynamic_partitions("body", [body])
            execute("ingest_return", tags=tags,
                    partition_key=dg.MultiPartitionKey({"period": p.period, "body": body}))
        else:
            config = {"file": str(p.candidate.path), "body": body, "sha256": p.sha256,
                      "period": p.period}
            execute("unroutable_return", tags=tags,
                    run_config={"ops": {"reject_unroutable_return": {"config": config}}})
        result = _submission_of(engine, body, p.sha256, name)
        results.append(result)
        on_file(result)
    changed = sorted({r.period for r in results if r.status == "accepted" and r.period})
    for label in changed:
        refresh("partnership_quarter", label, "quarter_body_packs", cfg, execute)
    for year in sorted({Period.parse(label).year_label for label in changed}):
        if _has_q4(engine, year):  # a year's tables are its Q4 snapshot and its four quarters
            refresh("partnership_year", year, "annual_body_packs", cfg, execute)
    return results


def refresh(job: str, key: str, body_packs: str, cfg: Settings,
            execute: Callable[..., None]) -> None:
    """Rebuild a quarter's or a year's figures and partnership pack. The per-body workbooks are
    written the first time; after that they are the quarterly run's (or `report`'s) to rewrite,
    so one resubmission does not rewrite every body's workbook: they are marked out of date."""
    import dagster as dg

    from .definitions import defs
    from .pack import body_packs_written, mark_body_packs_out_of_date, pack_dir

    folder = pack_dir(cfg.outputs_dir, key)
    if not body_packs_written(folder):
        execute(job, partition_key=key)
        return
    keys = [k for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys
            if k != dg.AssetKey(body_packs)]
    execute(job, partition_key=key, asset_selection=keys)
    mark_body_packs_out_of_date(folder, key)


def _has_q4(engine: sa.Engine, year: str) -> bool:
    from .publish import year_quarters  # the figures' module: loaded only when needed

    s, q4 = warehouse.submissions, year_quarters(year)[-1]
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(s).where(
            s.c.period == q4, s.c.status == "accepted")).scalar_one() > 0


def out_of_date_body_packs(cfg: Settings) -> list[Path]:
    """Folders of per-body workbooks that predate their period's current figures."""
    from .pack import OUT_OF_DATE

    return sorted(p.parent for p in (cfg.outputs_dir / "packs").glob(f"*/bodies/{OUT_OF_DATE}"))
