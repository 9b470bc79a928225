"""Dagster definitions: a thin layer of assets, a sensor, a schedule and jobs around `ingest.py`.

The UI reads like the flow: raw return -> validated return -> standardised tables (one asset per
warehouse table) -> partnership figures per quarter.
"""

# No `from __future__ import annotations`: Dagster reads the context and input annotations.
import dataclasses
import json
import os
import re
import time
import warnings
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from . import dagster_sqlite
from .common.config import Settings, settings
from .common.writer_lock import writer_lock
from .coordination import remind, status
from .intake import folder as intake
from .intake import ingest as steps
from .methodology.tables import measure_places, per_measure
from .publish import figure_store, revisions
from .publish import figures as publish
from .standard import sep_return as std
from .standard.periods import FIRST, Period
from .warehouse import registry
from .warehouse import tables as warehouse

OWNERS = ["team:equality-data"]

dagster_sqlite.install()  # runs in this process write Dagster's SQLite events


def first_expected() -> Period:
    """The first quarter any body in the registry is expected to send (the standard's first
    quarter when the registry cannot be read: the definitions still load, and say why later)."""
    try:
        bodies = registry.load().values()
    except (OSError, ValueError):
        return FIRST
    return min((b.expected_from for b in bodies), default=FIRST)


def known_periods(today: date | None = None) -> list[str]:
    """Every quarter from the first any body is expected to the current one: the period
    dimension of the partitions (an analyst's picker starts where the data can)."""
    today = today or date.today()
    out, p = [], first_expected()
    while p.start <= today:
        out.append(p.label)
        p = p.next()
    return out


def known_years(today: date | None = None) -> list[str]:
    """The financial years of `known_periods`: the annual partitions."""
    return list(dict.fromkeys(Period.parse(p).year_label for p in known_periods(today)))


# Quarters and years are dynamic partitions kept equal to the calendar by `partition_requests`
# (the intake sensor on every tick, `sep-pipeline run` before it runs anything): a static list
# would stop at the quarter the definitions were loaded in.
PERIODS = dg.DynamicPartitionsDefinition(name="period")
YEARS = dg.DynamicPartitionsDefinition(name="year")
BODIES = dg.DynamicPartitionsDefinition(name="body")
RETURNS = dg.MultiPartitionsDefinition({"period": PERIODS, "body": BODIES})
# Beta in name only for our use (stable since Dagster 1.5); keep the logs readable.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
BY_PERIOD = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="period")


class SepConfig(dg.ConfigurableResource):
    """Where the intake, archive and warehouse are. Unset fields come from the SEP_* environment
    variables of the process that runs the step (see README, "Configuration"); the pseudonym key
    always does, so it is never shown in the UI."""

    intake_dir: str | None = None
    data_dir: str | None = None
    warehouse_url: str | None = None

    def settings(self) -> Settings:
        base = settings()
        return dataclasses.replace(
            base,
            intake_dir=Path(self.intake_dir) if self.intake_dir else base.intake_dir,
            data_dir=Path(self.data_dir) if self.data_dir else base.data_dir,
            warehouse_url=self.warehouse_url or base.warehouse_url,
        )

    def engine(self) -> sa.Engine:
        return warehouse.create_all(self.settings().warehouse_url)


def _open_period(key: str) -> str:
    """The partition's quarter or year; a run for one the calendar has not reached, or a typo
    added in the UI ("Add a partition"), fails saying so before anything is written."""
    if refused := steps.unknown_period(key, known_periods() if " Q" in key else known_years()):
        raise dg.Failure(description=refused, allow_retries=False)
    return key


def _keys(context: dg.AssetExecutionContext) -> tuple[str, str]:
    keys = context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    return keys["body"], _open_period(keys["period"])


def partition_requests(instance: dg.DagsterInstance, today: date | None = None) -> list:
    """The requests that make the dynamic partitions what they should be: bodies the registry's,
    quarters and years the calendar's (see `known_periods`). A key typed into the UI that is
    neither is deleted; a past quarter stays when the registry's first quarter moves later."""
    add, drop = steps.body_partitions(instance.get_dynamic_partitions(BODIES.name))
    out = [*([BODIES.build_add_request(add)] if add else []),
           *([BODIES.build_delete_request(drop)] if drop else [])]
    for parts, known in ((PERIODS, known_periods(today)), (YEARS, known_years(today))):
        have = instance.get_dynamic_partitions(parts.name)
        if missing := [k for k in known if k not in have]:
            out.append(parts.build_add_request(missing))
        if stray := [k for k in have if k not in known and not _past(k, known)]:
            out.append(parts.build_delete_request(stray))
    return out


def _past(key: str, known: list[str]) -> bool:
    """A quarter or year before the first known one, written as the pipeline writes them."""
    quarter = " Q" in key
    try:
        p = Period.parse(key if quarter else f"{key} Q1")
    except ValueError:
        return False
    return (p.label if quarter else p.year_label) == key and key < known[0]


def apply_partition_requests(instance: dg.DagsterInstance, requests: list | None = None) -> None:
    """Apply `requests` (by default `partition_requests` of today) as the sensor daemon applies
    a tick's: for runs started outside the sensor."""
    for req in partition_requests(instance) if requests is None else requests:
        if isinstance(req, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
        else:
            for key in req.partition_keys:
                instance.delete_dynamic_partition(req.partitions_def_name, key)


# --- Assets: one body x quarter ----------------------------------------------------------------

FILE_TAG, SHA_TAG = "sep/file", "sep/sha256"
RECEIPT_TAG = "sep/receipt"  # the file's place in the intake queue: the run processes it
PUBLISH_TAG = "sep/publish"  # the period whose out-of-date figures and pack a run publishes
FEEDBACK_TAG = "sep/feedback"
# What a run did with its return (accepted | rejected | duplicate | unchanged): the runs list
# filters on it, so a rejection is not hidden behind a green run.
OUTCOME_TAG = "sep/outcome"


def _tag_outcome(context: dg.AssetExecutionContext | dg.OpExecutionContext,
                 outcome: steps.Outcome) -> None:
    context.instance.add_run_tags(context.run.run_id, {OUTCOME_TAG: outcome.run_outcome})


@dg.asset(
    partitions_def=RETURNS,
    group_name="intake",
    kinds={"excel"},
    owners=OWNERS,
    code_version="1",
    description="The return as the partner sent it, as it was copied into the content-addressed "
    "archive when it arrived (before anything parsed it). A run started by the intake sensor "
    "or `sep-pipeline run` takes the file it was started for; a re-run or backfill re-reads the "
    "current return of that body and quarter (else its latest submission) from the archive. "
    "A body that is not in the registry is refused.",
)
def raw_return(context: dg.AssetExecutionContext, sep: SepConfig) -> steps.Received | None:
    body, period = _keys(context)
    if refused := steps.unknown_body(body):  # before anything is written
        raise dg.Failure(description=refused, allow_retries=False)
    tags = context.run.tags
    cfg = sep.settings()
    if RECEIPT_TAG in tags:
        with sep.engine().connect() as conn:
            received = steps.Received.of(warehouse.receipt(conn, int(tags[RECEIPT_TAG])))
    elif FILE_TAG in tags:  # a run started by hand for a file: taken in as the sensor would
        received = steps.take_in_path(Path(tags[FILE_TAG]), body, cfg, sep.engine())
    else:
        with sep.engine().connect() as conn:
            received = steps.from_archive(conn, body, period)
    if received is None:
        context.add_output_metadata({"submitted": False})
        return None
    context.add_output_metadata({
        "file": received.file_name, "sha256": received.sha256,
        "archive": dg.MetadataValue.path(received.archive_path),
    })
    return received


@dg.asset(
    partitions_def=RETURNS,
    group_name="intake",
    kinds={"pandera"},
    owners=OWNERS,
    code_version="1",
    description="The return checked against the SEP Return standard (Pandera models generated "
    "from it, cross-field and cross-sheet rules). A rejected return is recorded with its issues "
    "and the partner's feedback workbook; the previous accepted return stays current. A re-run "
    "whose file and result are as recorded writes nothing.",
    check_specs=[dg.AssetCheckSpec(
        "return_accepted", asset="validated_return",
        description="Warns when the return is rejected; the result's description is its first "
        "errors.")],
)
def validated_return(
    context: dg.AssetExecutionContext, sep: SepConfig, raw_return: steps.Received | None
):
    if raw_return is None:
        yield dg.Output(None, metadata={"submitted": False})
        yield dg.AssetCheckResult(check_name="return_accepted", passed=True,
                                  metadata={"submitted": False})
        return
    engine = sep.engine()
    outcome = steps.validate(raw_return, sep.settings(), engine)
    rejected = outcome.status == "rejected"
    outcome.unchanged = steps.unchanged(outcome, engine)
    if rejected and not outcome.unchanged:
        steps.record(outcome, sep.settings(), engine)
    if rejected or outcome.unchanged:  # final here; an accepted return is recorded downstream
        _tag_outcome(context, outcome)
    rows = [f"| {c} | {n} |" for c, n in Counter(i.code for i in outcome.issues).most_common()]
    yield dg.Output(outcome, metadata={
        "status": outcome.status, "errors": outcome.errors, "warnings": outcome.warnings,
        "issues_by_code": dg.MetadataValue.md(
            "\n".join(["| code | count |", "|---|---|", *rows]) if rows else "no issues"),
        "outcome": outcome.run_outcome,
    })
    yield dg.AssetCheckResult(
        check_name="return_accepted", passed=not rejected, severity=dg.AssetCheckSeverity.WARN,
        description=steps.first_errors(outcome.issues) if rejected else None,
        metadata={"errors": outcome.errors, "warnings": outcome.warnings,
                  "file": outcome.received.file_name})


STANDARDISED = [s.table for s in std.DATA_SHEETS]


@dg.multi_asset(
    partitions_def=RETURNS,
    group_name="warehouse",
    outs={
        s.table: dg.AssetOut(
            is_required=False, kinds={"sqlalchemy"}, owners=OWNERS, code_version="1",
            io_manager_key="warehouse_io",
            description=f"Standardised `{s.table}` rows (one per {s.row_en}) of the current "
            "accepted return: standard codes, pseudonymised references.",
        )
        for s in std.DATA_SHEETS
    },
    check_specs=[
        dg.AssetCheckSpec("references_pseudonymised", asset="workforce",
                          description="No staff reference is stored in the clear."),
        dg.AssetCheckSpec("one_current_return", asset="workforce",
                          description="At most one accepted return is current for this body "
                          "and quarter, and every row belongs to it."),
    ],
)
def standardised_tables(
    context: dg.AssetExecutionContext, sep: SepConfig, validated_return: steps.Outcome | None
):
    """Replace this body x quarter's rows of every table, and make the return current, at once."""
    engine = sep.engine()
    body, period = _keys(context)
    outcome = validated_return
    if outcome is not None and outcome.status == "accepted" and not outcome.unchanged:
        outcome = steps.record(outcome, sep.settings(), engine)
        _tag_outcome(context, outcome)
    loaded = outcome is not None and outcome.status == "accepted" and not outcome.unchanged
    # Otherwise nothing is loaded and the previous accepted return (if any) stays current. Each
    # table still says so as its output: a backfill counts a requested partition left without
    # one as failed, and this run did what it had to.
    why = ("nothing submitted" if outcome is None else
           "unchanged" if outcome.unchanged else "rejected: the previous return stays current")
    for table in STANDARDISED:
        if loaded:
            df = outcome.tables.get(table)
            metadata = {"rows": 0 if df is None else len(df), "submitted": df is not None,
                        "submission_id": outcome.submission_id, "loaded": True}
        else:
            metadata = {"loaded": False, "why": why}
        yield dg.Output(None, output_name=table, metadata=metadata)
    yield from _current_return_checks(engine, body, period)


_PSEUDONYM = re.compile(r"[0-9a-f]{64}")  # an HMAC-SHA256 hex digest


def _current_return_checks(engine: sa.Engine, body: str, period: str):
    wf, subs = warehouse.DATA_TABLES["workforce"], warehouse.submissions
    with engine.connect() as conn:
        refs = conn.execute(sa.select(wf.c.staff_ref).where(
            wf.c.body_code == body, wf.c.period == period)).scalars().all()
        accepted = conn.execute(sa.select(subs.c.submission_id).where(
            subs.c.body_code == body, subs.c.period == period,
            subs.c.status == "accepted")).scalars().all()
        stray = sum(
            conn.execute(sa.select(sa.func.count()).select_from(t).where(
                t.c.body_code == body, t.c.period == period,
                t.c.submission_id.not_in(accepted))).scalar_one()
            for t in warehouse.DATA_TABLES.values()
        )
    bad = [r for r in refs if not _PSEUDONYM.fullmatch(r)]
    yield dg.AssetCheckResult(check_name="references_pseudonymised", asset_key="workforce",
                              passed=not bad, metadata={"not_pseudonymised": len(bad)})
    yield dg.AssetCheckResult(check_name="one_current_return", asset_key="workforce",
                              passed=len(accepted) <= 1 and stray == 0,
                              metadata={"accepted_returns": len(accepted), "stray_rows": stray})


class WarehouseIOManager(dg.ConfigurableIOManager):
    """The standardised tables live in the warehouse: nothing else is stored, nothing loaded."""

    def handle_output(self, context: dg.OutputContext, obj: None) -> None:
        return None

    def load_input(self, context: dg.InputContext) -> None:
        return None


# --- Assets: the partnership, per quarter ------------------------------------------------------


@dg.asset(
    partitions_def=PERIODS,
    group_name="partnership",
    kinds={"sqlalchemy"},
    owners=OWNERS,
    code_version="1",
    deps=[dg.AssetDep(t, partition_mapping=BY_PERIOD) for t in STANDARDISED],
    check_specs=[dg.AssetCheckSpec(
        "one_accepted_return_per_body", asset="quarter_submissions",
        description="No body has two accepted returns for the same quarter.")],
    description="The coordinator's view of a quarter: every registry body accepted (on time or "
    "late), rejected and waiting for a fix, missing, or not expected yet. Read from the "
    "warehouse, so a sparse "
    "body x quarter grid is fine.",
)
def quarter_submissions(context: dg.AssetExecutionContext, sep: SepConfig) -> dg.MaterializeResult:
    period = Period.parse(_open_period(context.partition_key))
    cfg = sep.settings()
    with sep.engine().connect() as conn:
        state = status.period_status(conn, period, cfg)
        subs = warehouse.read_table(conn, "submissions", period.label)
    accepted = subs[subs["status"] == "accepted"]
    inside, expected = status.coverage(state)
    counts = state["state"].value_counts()
    return dg.MaterializeResult(
        metadata={
            "bodies_accepted": len(accepted),
            "expected_bodies": expected,
            "in_figures": inside,
            **{f"state_{k}": int(counts.get(k, 0)) for k in status.STATES},
            "deadline": cfg.deadline(period).isoformat(),
            "status": dg.MetadataValue.md(status.markdown(state)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="one_accepted_return_per_body",
                passed=bool(accepted["body_code"].is_unique),
                metadata={"duplicated": accepted["body_code"][
                    accepted["body_code"].duplicated()].tolist()},
            )
        ],
    )


# --- Assets: published figures (methodology) --------------------------------------------------

# A year reads its quarters from the warehouse. Dagster maps keys between dynamic partitions only
# one to one or all to all, so each year is drawn from every quarter in the lineage.
QUARTER_TO_YEAR = dg.AllPartitionMapping()


def _figure_checks(figs: publish.Figures, bodies: list[str], asset: str):
    bench, pay = figs.benchmark, figs.pay_gap
    both = pd.concat([bench[["value", "marker"]], pay[["value", "marker"]]])
    yield dg.AssetCheckResult(
        asset_key=asset, check_name="no_value_where_a_marker_is_set",
        passed=bool((both["value"].isna() | both["marker"].isna()).all()),
    )
    is_count = per_measure(bench["table_id"], bench["measure"],
                           lambda t, m: measure_places(t, m) == 0 and not m.startswith("median"),
                           dtype=bool)
    counts = bench[is_count & bench["value"].notna().to_numpy()]
    small = counts[(counts["value"] > 0) & (counts["value"] < 5)]
    yield dg.AssetCheckResult(
        asset_key=asset, check_name="no_published_count_between_1_and_4",
        passed=small.empty, metadata={"small_counts": len(small)},
    )
    metric = pay["metric"].astype("string")  # an empty table has no string dtype to offer
    quart = pay[metric.str.match(r"q[1-4]_pct_").fillna(False) & pay["value"].notna()].copy()
    quart["q"] = quart["metric"].astype("string").str[:2]
    sums = quart.groupby(["body_code", "characteristic", "comparison_group", "q"])["value"]
    pairs = sums.agg(["sum", "count"])
    bad = pairs[(pairs["count"] == 2) & ((pairs["sum"] - 100.0).abs() > 1e-9)]
    yield dg.AssetCheckResult(
        asset_key=asset, check_name="quartile_percentages_sum_to_100",
        passed=bad.empty, metadata={"quartiles_not_100": len(bad)},
    )
    missing = sorted(set(bodies) - set(bench["body_code"].unique()))
    yield dg.AssetCheckResult(
        asset_key=asset, check_name="every_submitting_body_appears",
        passed=not missing, metadata={"missing": ", ".join(missing) or "none"},
    )


FIGURE_CHECKS = {
    "no_value_where_a_marker_is_set": "A suppressed or missing figure has only its marker.",
    "no_published_count_between_1_and_4": "Counts of 1-4 are [c]; others are rounded to 5.",
    "quartile_percentages_sum_to_100": "In every pay quartile the two groups' published "
    "percentages add up to exactly 100.0.",
    "every_submitting_body_appears": "Every body with an accepted return has its rows.",
}


def _figure_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name, asset=asset, description=why)
            for name, why in FIGURE_CHECKS.items()]


def _figure_metadata(figs: publish.Figures, written: dict[str, int]) -> dict[str, object]:
    headline = figs.pay_gap[(figs.pay_gap["body_code"] == "ALL")
                            & (figs.pay_gap["characteristic"] == "sex")]
    lines = ["| metric | value | marker |", "|---|---|---|"] + [
        f"| {r.metric} | {'' if pd.isna(r.value) else r.value} | {r.marker or ''} |"
        for r in headline.itertuples()
    ]
    bodies = set(figs.benchmark["body_code"].unique()) - {"ALL", "MEDIAN", "LQ", "UQ"}
    return {**written, "bodies": len(bodies),
            "partnership_gender_pay_gap": dg.MetadataValue.md("\n".join(lines))}


@dg.asset(
    partitions_def=PERIODS,
    group_name="partnership",
    kinds={"pandas", "sqlalchemy"},
    owners=OWNERS,
    code_version="1",
    deps=[dg.AssetDep(t, partition_mapping=BY_PERIOD) for t in STANDARDISED],
    check_specs=[*_figure_check_specs("quarter_benchmarks"), dg.AssetCheckSpec(
        "enough_bodies_in_the_figures", asset="quarter_benchmarks",
        description="Warns when fewer than SEP_MIN_COVERAGE (default 75%) of the expected "
        "bodies have an accepted return in the quarter.")],
    description="The quarter's published tables (`pay_gap`, `benchmark`, `benchmark_position`): "
    "pay gaps, quartiles and every benchmark table W1-F1 for each body, the partnership (ALL, "
    "from pooled records), the median and quartiles across bodies, with the standard rounding "
    "and disclosure control; and `series`: each figure's change since the previous quarter and "
    "a year earlier, with its direction of travel.",
)
def quarter_benchmarks(context: dg.AssetExecutionContext, sep: SepConfig):
    period = _open_period(context.partition_key)
    engine = sep.engine()
    with writer_lock(sep.settings()):
        done = publish.publish_quarter(engine, period,
                                       figure_store.store_dir(sep.settings().data_dir))
    figs = done.figures
    held = {"pay_gap_rows": len(figs.pay_gap), "benchmark_rows": len(figs.benchmark),
            "position_rows": len(figs.position)}  # what the tables hold, however much was written
    yield dg.MaterializeResult(metadata={
        **_figure_metadata(figs, held),
        "bodies_computed": len(done.computed),  # the others' rows kept: their returns are as before
        "rows_rewritten": sum(done.written.values()),
    })
    yield from _figure_checks(figs, done.bodies, "quarter_benchmarks")
    with engine.connect() as conn:
        inside, expected = status.coverage(
            status.period_status(conn, Period.parse(period), sep.settings()))
    cover = status.Coverage(inside, expected, status.min_coverage())
    yield dg.AssetCheckResult(
        asset_key="quarter_benchmarks", check_name="enough_bodies_in_the_figures",
        passed=cover.met, severity=dg.AssetCheckSeverity.WARN,
        metadata={"in_figures": inside, "expected": expected, "share": round(cover.share, 3),
                  "minimum": cover.minimum},
    )


@dg.asset(
    partitions_def=YEARS,
    group_name="partnership",
    kinds={"pandas", "sqlalchemy"},
    owners=OWNERS,
    code_version="1",
    deps=[dg.AssetDep("quarter_benchmarks", partition_mapping=QUARTER_TO_YEAR)],
    check_specs=_figure_check_specs("annual_benchmarks"),
    description="The year's published tables (reg. 9 and reg. 11): event tables from the union "
    "of its four quarters, snapshot tables and pay gaps from Q4 (31 March, the relevant date). "
    "Stored with the year (e.g. 2025-26) as the period.",
)
def annual_benchmarks(context: dg.AssetExecutionContext, sep: SepConfig):
    with writer_lock(sep.settings()):
        done = publish.publish_year(sep.engine(), _open_period(context.partition_key))
    yield dg.MaterializeResult(metadata=_figure_metadata(done.figures, done.written))
    yield from _figure_checks(done.figures, done.bodies, "annual_benchmarks")


# --- Jobs -----------------------------------------------------------------------------------------

ingest_job = dg.define_asset_job(
    "ingest_return",
    selection=dg.AssetSelection.assets(raw_return, validated_return, standardised_tables),
    description="One body x quarter from intake (or the archive) to the warehouse.",
)
partnership_job = dg.define_asset_job(
    "partnership_quarter",
    selection=dg.AssetSelection.assets("quarter_submissions", "quarter_benchmarks",
                                       "quarter_pack", "quarter_body_packs"),
    description="The partnership's figures for one quarter, from the warehouse.",
)


def _pack(context: dg.AssetExecutionContext, sep: SepConfig, bodies: bool) -> dg.MaterializeResult:
    from .publish.pack import pack_dir, publish_pack

    key = _open_period(context.partition_key)
    folder = pack_dir(sep.settings().outputs_dir, key)
    with writer_lock(sep.settings()):
        finalised = None if bodies else _finalise_if_asked(context, sep)
        paths = publish_pack(sep.engine(), key, folder, bodies)
    listed = [p for p in paths if p.suffix == ".xlsx" and (bodies or p.parent == folder)]
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(folder / "bodies" if bodies else folder)),
        "files": len(paths),
        **({"finalised": finalised} if finalised else {}),
        "workbooks": dg.MetadataValue.md("\n".join(
            f"- `{p.relative_to(folder)}`" for p in listed[:20])
            + (f"\n- ... and {len(listed) - 20} more" if len(listed) > 20 else "")),
    })


def _pack_assets(partitions: dg.PartitionsDefinition, prefix: str, figures: str, what: str):
    """The partnership's pack and the per-body workbooks of a quarter or a year: two assets, so
    a resubmission can refresh the partnership's figures without rewriting every body's."""

    @dg.asset(
        name=f"{prefix}_pack", partitions_def=partitions, group_name="pack",
        kinds={"excel", "csv"}, owners=OWNERS, code_version="1",
        deps=[figures, "quarter_submissions"] if prefix == "quarter" else [figures],
        description=f"The {what} bilingual benchmark pack: partnership workbooks (English and "
        "Welsh) with charts, and tidy CSV with a datapackage.json.",
    )
    def pack(context: dg.AssetExecutionContext, sep: SepConfig) -> dg.MaterializeResult:
        return _pack(context, sep, bodies=False)

    @dg.asset(
        name=f"{prefix}_body_packs", partitions_def=partitions, group_name="pack",
        kinds={"excel"}, owners=OWNERS, code_version="1", deps=[f"{prefix}_pack"],
        description=f"The {what} workbook for each body (English and Welsh): its figures beside "
        "the partnership's, the median and quartiles. Written by the run after the deadline and "
        "on demand; `sep-pipeline run` leaves existing ones (marked OUT_OF_DATE.txt) after a "
        "resubmission.",
    )
    def body_packs(context: dg.AssetExecutionContext, sep: SepConfig) -> dg.MaterializeResult:
        return _pack(context, sep, bodies=True)

    return pack, body_packs


quarter_pack, quarter_body_packs = _pack_assets(PERIODS, "quarter", "quarter_benchmarks",
                                                "quarter's")
annual_pack, annual_body_packs = _pack_assets(YEARS, "annual", "annual_benchmarks",
                                              "year's (reg. 9 / reg. 11 tables)")


FINALISE_TAG = "sep/finalise"  # who asks a run to finalise its quarter (revisions.BY_*)


def _finalise_if_asked(context: dg.AssetExecutionContext, sep: SepConfig) -> str | None:
    """Finalise the run's quarter before its pack is written, when the run is tagged so (the
    schedule's only when coverage is met); what happened, for the pack's metadata."""
    by = context.run.tags.get(FINALISE_TAG)
    if not by or not revisions.is_quarter(context.partition_key):
        return None
    with sep.engine().begin() as conn:
        done = revisions.finalise(conn, context.partition_key, sep.settings(), by)
    said = ("finalised" if done.newly else f"not finalised: {done.why}" if not done.done
            else f"final since {done.state.finalised_at:%Y-%m-%d %H:%M} UTC")
    context.log.info(f"{context.partition_key}: {said}")
    return said


finalise_job = dg.define_asset_job(
    "finalise_quarter",
    selection=dg.AssetSelection.assets("quarter_benchmarks", "quarter_pack",
                                       "quarter_body_packs"),
    tags={FINALISE_TAG: revisions.BY_JOB},
    description="Finalise a quarter: its figures brought up to date and made final (a return "
    "accepted later revises them, each changed figure logged in `revisions` and marked [r]), "
    "its packs rewritten without [p]. Finalising a final quarter changes nothing.",
)


annual_job = dg.define_asset_job(
    "partnership_year",
    selection=dg.AssetSelection.assets("annual_benchmarks", "annual_pack", "annual_body_packs"),
    description="The year's reg. 9 / reg. 11 tables, after its Q4.",
)


@dg.op(config_schema={"receipt": int})
def reject_unroutable_return(context: dg.OpExecutionContext, sep: SepConfig) -> None:
    """A file whose quarter cannot be read (or is not open yet), or from a folder that is no
    registry body: validated from the archive so the partner learns why, and recorded as
    rejected."""
    settings_ = sep.settings()
    engine = sep.engine()
    with engine.connect() as conn:
        received = steps.Received.of(warehouse.receipt(conn, context.op_config["receipt"]))
    outcome = steps.validate(received, settings_, engine)
    steps.refuse_closed_period(outcome, known_periods())
    steps.record(outcome, settings_, engine)
    _tag_outcome(context, outcome)
    context.log.info(f"{received.file_name}: rejected with {outcome.errors} errors")


@dg.job(description="Record a return whose quarter cannot be read, and tell the partner why.")
def unroutable_return():
    reject_unroutable_return()


@dg.op
def deliver_owed_feedback(context: dg.OpExecutionContext, sep: SepConfig) -> None:
    """Write every feedback workbook still owed to a partner (the run that recorded the outcome
    died, or could not write it)."""
    paths = steps.deliver_owed(sep.settings(), sep.engine())
    context.log.info(f"{len(paths)} feedback workbook(s) delivered")


@dg.job(description="Deliver the feedback workbooks still owed to partners.")
def deliver_feedback():
    deliver_owed_feedback()


def publication_run(state: warehouse.PublicationState, cfg: Settings, engine: sa.Engine,
                    bodies: bool = False) -> tuple[str, list[dg.AssetKey]] | None:
    """The job and assets that bring an out-of-date period's published figures and pack up to
    date: its figures unless they are current, the partnership's pack, and the per-body
    workbooks the first time (later they are marked out of date instead: the run after the
    deadline and `report` rewrite them; `bodies`: now). None when a year has nothing to
    publish yet (no accepted Q4: recorded as up to date)."""
    from .publish.pack import body_packs_written, pack_dir

    year = " Q" not in state.period
    if year and not publish.year_has_snapshot(engine, state.period):
        with engine.begin() as conn:
            warehouse.figures_published(conn, state.period, state.version)
            warehouse.pack_published(conn, state.period, state.version)
        return None
    job = annual_job if year else partnership_job
    prefix = "annual" if year else "quarter"
    skip = set()
    if state.figures_current:
        skip.add(dg.AssetKey(f"{prefix}_benchmarks"))
    if body_packs_written(pack_dir(cfg.outputs_dir, state.period)) and not bodies:
        skip.add(dg.AssetKey(f"{prefix}_body_packs"))
    keys = [k for k in defs.resolve_job_def(job.name).asset_layer.executable_asset_keys
            if k not in skip]
    return job.name, sorted(keys, key=lambda k: k.to_user_string())


# --- Sensor and schedule ---------------------------------------------------------------------


RETRY_AFTER = timedelta(minutes=10)  # a run that failed is not requested again sooner


def _may_request(instance: dg.DagsterInstance, tag: str, value: str) -> tuple[bool, int]:
    """(whether a run tagged `tag=value` may be requested now, how many there were): not while
    one is queued or running, nor within RETRY_AFTER of one that failed."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={tag: value}), limit=20)
    for run in runs:
        if not run.is_finished:
            return False, len(runs)
    if runs and runs[0].status == dg.DagsterRunStatus.FAILURE:
        record = instance.get_run_record_by_id(runs[0].run_id)
        ended = record.end_time if record is not None else None
        if ended is not None and time.time() - ended < RETRY_AFTER.total_seconds():
            return False, len(runs)
    return True, len(runs)


@dg.sensor(
    jobs=[ingest_job, unroutable_return, partnership_job, annual_job, deliver_feedback],
    # Two looks at a stable file are two ticks apart: 30 s by default.
    minimum_interval_seconds=int(os.environ.get("SEP_SENSOR_INTERVAL", "30")),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches SEP_INTAKE_DIR/<BODY>/: a file whose size and modification time are "
    "stable across two looks is copied into the archive and queued, and one run is started per "
    "queued file (again, after a pause, if its run failed). Lock files (~$...), temporary files "
    "and the feedback/ folders are ignored; an identical file sent again is recorded as a "
    "duplicate. It also starts the runs that publish out-of-date figures and packs and deliver "
    "feedback still owed, so whatever a failed run left undone gets done.",
)
def intake_sensor(context: dg.SensorEvaluationContext, sep: SepConfig) -> dg.SensorResult:
    cfg = sep.settings()
    looks = json.loads(context.cursor)["looks"] if context.cursor else {}
    now, not_taken = intake.survey(cfg.intake_dir)
    cursor = json.dumps({"looks": {str(c.path): list(c.look) for c in now}})
    ready = intake.stable(now, {k: tuple(v) for k, v in looks.items()})
    engine = sep.engine()
    instance = context.instance
    runs: list[dg.RunRequest] = []
    # The partitions are the registry's and the calendar's, never a folder's or a file's.
    partitions = partition_requests(instance)
    with writer_lock(cfg, wait=False) as free:
        if not free:
            return dg.SensorResult(skip_reason="Another run is writing: the intake folder is "
                                   "looked at again on the next tick.", cursor=context.cursor)
        steps.take_in_ready(ready, engine, cfg, not_taken)
        steps.tell_not_taken(not_taken, cfg)
        known = set(known_periods())
        with engine.connect() as conn:
            pending = [(r, steps.action(r, conn, known))
                       for r in warehouse.pending_receipts(conn)]
            stale = warehouse.out_of_date(conn)
            owed = bool(warehouse.feedback_due(conn))
        for r, what in pending:
            if what == "duplicate":
                steps.record_duplicate(engine, r, cfg)
                continue
            may, tries = _may_request(instance, RECEIPT_TAG, str(r.receipt_id))
            if not may:
                continue
            tags = {RECEIPT_TAG: str(r.receipt_id), FILE_TAG: r.file_name, SHA_TAG: r.file_sha256}
            key = f"{r.body_code}|{r.period}|{r.file_sha256}|{r.receipt_id}|{tries}"
            if what == "ingest":
                runs.append(dg.RunRequest(
                    run_key=key, job_name=ingest_job.name, tags=tags,
                    partition_key=dg.MultiPartitionKey({"period": r.period, "body": r.body_code})))
            else:
                runs.append(dg.RunRequest(
                    run_key=key, job_name=unroutable_return.name, tags=tags,
                    run_config={"ops": {"reject_unroutable_return": {"config": {
                        "receipt": r.receipt_id}}}}))
        for state in stale:
            may, tries = _may_request(instance, PUBLISH_TAG, state.period)
            planned = publication_run(state, cfg, engine) if may else None
            if planned is not None:
                job, keys = planned
                runs.append(dg.RunRequest(
                    run_key=f"publish|{state.period}|{state.version}|{tries}", job_name=job,
                    partition_key=state.period, asset_selection=keys,
                    tags={PUBLISH_TAG: state.period}))
        if owed:
            may, tries = _may_request(instance, FEEDBACK_TAG, "owed")
            if may:
                runs.append(dg.RunRequest(run_key=f"feedback|{tries}",
                                          job_name=deliver_feedback.name,
                                          tags={FEEDBACK_TAG: "owed"}))
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=partitions,
        cursor=cursor,
    )


def due_period(today: date, cfg: Settings) -> Period | None:
    """The quarter whose submission deadline was yesterday, if any."""
    p = Period.parse(known_periods(today)[-1])
    for _ in range(4):
        if cfg.deadline(p) + timedelta(days=1) == today:
            return p
        p = p.previous()
    return None


def _due(context: dg.ScheduleEvaluationContext, sep: SepConfig) -> tuple[date, Period | None]:
    when = context.scheduled_execution_time
    today = when.date() if when else date.today()
    return today, due_period(today, sep.settings())


@dg.schedule(
    cron_schedule="0 6 * * *",
    job=partnership_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Each morning: if a quarter's submission deadline passed yesterday (six weeks "
    "after the quarter ends unless SEP_DEADLINE_WEEKS or SEP_DEADLINE_OVERRIDES say otherwise), "
    "build that quarter's partnership figures, and finalise them when SEP_MIN_COVERAGE of the "
    "expected bodies are in them.",
)
def quarterly_after_deadline(context: dg.ScheduleEvaluationContext, sep: SepConfig):
    today, period = _due(context, sep)
    if period is None:
        return dg.SkipReason(f"No submission deadline passed yesterday ({today - timedelta(1)}).")
    return dg.RunRequest(run_key=f"after-deadline|{period.label}", partition_key=period.label,
                         tags={FINALISE_TAG: revisions.BY_SCHEDULE})


@dg.schedule(
    cron_schedule="0 6 * * *",
    job=annual_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The morning after a Q4 submission deadline: the year's reg. 9 / reg. 11 tables.",
)
def annual_after_q4_deadline(context: dg.ScheduleEvaluationContext, sep: SepConfig):
    today, period = _due(context, sep)
    if period is None or period.quarter != 4:
        return dg.SkipReason(f"No Q4 deadline passed yesterday ({today - timedelta(1)}).")
    return dg.RunRequest(run_key=f"after-deadline|{period.year_label}",
                         partition_key=period.year_label)


@dg.op(config_schema={"period": str})
def write_reminders(context: dg.OpExecutionContext, sep: SepConfig) -> None:
    """Reminders to every body missing or waiting for a fix; sent when SMTP is configured."""
    period = Period.parse(context.op_config["period"])
    cfg = sep.settings()
    with sep.engine().connect() as conn:
        state = status.period_status(conn, period, cfg)
    messages = remind.reminders(state, registry.load(), period, cfg.deadline(period),
                                os.environ.get("SEP_MAIL_FROM", "equality-partnership@localhost"),
                                intake_dir=cfg.intake_dir)  # the run's folder, as configured
    paths = remind.write_outbox(messages, cfg.data_dir / "outbox", period)
    smtp = remind.smtp_settings()
    sent = remind.send(messages, smtp) if smtp and messages else 0
    context.log.info(f"{len(paths)} reminder(s) in the outbox, {sent} sent")


@dg.job(description="Remind bodies whose return for a quarter is missing or waiting for a fix.")
def reminders_job():
    write_reminders()


def reminder_due(today: date, cfg: Settings) -> Period | None:
    """The quarter whose deadline is a week away, or was yesterday."""
    p = Period.parse(known_periods(today)[-1])
    for _ in range(4):
        deadline = cfg.deadline(p)
        if today in (deadline - timedelta(days=7), deadline + timedelta(days=1)):
            return p
        p = p.previous()
    return None


@dg.schedule(
    cron_schedule="0 8 * * *",
    job=reminders_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="A week before each submission deadline and the day after it: reminders to "
    "every body still missing or waiting for a fix (.eml in the outbox; sent by SMTP when "
    "SEP_SMTP_HOST is set).",
)
def reminders_before_and_after_deadline(context: dg.ScheduleEvaluationContext, sep: SepConfig):
    when = context.scheduled_execution_time
    today = when.date() if when else date.today()
    period = reminder_due(today, sep.settings())
    if period is None:
        return dg.SkipReason(f"No reminder due on {today}.")
    return dg.RunRequest(run_key=f"remind|{period.label}|{today}",
                         run_config={"ops": {"write_reminders": {"config": {
                             "period": period.label}}}})


defs = dg.Definitions(
    assets=[raw_return, validated_return, standardised_tables, quarter_submissions,
            quarter_benchmarks, annual_benchmarks, quarter_pack, quarter_body_packs, annual_pack,
            annual_body_packs],
    jobs=[ingest_job, partnership_job, annual_job, unroutable_return, deliver_feedback,
          reminders_job, finalise_job],
    sensors=[intake_sensor],
    schedules=[quarterly_after_deadline, annual_after_q4_deadline,
               reminders_before_and_after_deadline],
    resources={"sep": SepConfig(), "warehouse_io": WarehouseIOManager()},
)
