"""Asset group `partnership`: a quarter's submissions, and the published figures of a quarter
and of a year with their checks; the jobs that publish them (with the packs) and the schedules
after the deadline."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from ..common.config import Settings
from ..common.writer_lock import writer_lock
from ..coordination import status
from ..methodology.tables import measure_places, per_measure
from ..publish import figure_store, revisions
from ..publish import figures as publish
from ..standard.periods import Period
from ..warehouse import tables as warehouse
from .partitions import BY_PERIOD, PERIODS, YEARS, known_periods, open_period
from .shared import FINALISE_TAG, OWNERS, SepConfig
from .warehouse import STANDARDISED


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
    period = Period.parse(open_period(context.partition_key))
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
    period = open_period(context.partition_key)
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
        done = publish.publish_year(sep.engine(), open_period(context.partition_key))
    yield dg.MaterializeResult(metadata=_figure_metadata(done.figures, done.written))
    yield from _figure_checks(done.figures, done.bodies, "annual_benchmarks")


# The assets of the partnership's quarter and year, packs included (`pack`): their jobs, and
# the runs `publication_run` plans, select from these.
QUARTER_ASSETS = ["quarter_submissions", "quarter_benchmarks", "quarter_pack",
                  "quarter_body_packs"]
YEAR_ASSETS = ["annual_benchmarks", "annual_pack", "annual_body_packs"]

partnership_job = dg.define_asset_job(
    "partnership_quarter",
    selection=dg.AssetSelection.assets(*QUARTER_ASSETS),
    description="The partnership's figures for one quarter, from the warehouse.",
)


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
    selection=dg.AssetSelection.assets(*YEAR_ASSETS),
    description="The year's reg. 9 / reg. 11 tables, after its Q4.",
)


def publication_run(state: warehouse.PublicationState, cfg: Settings, engine: sa.Engine,
                    bodies: bool = False) -> tuple[str, list[dg.AssetKey]] | None:
    """The job and assets that bring an out-of-date period's published figures and pack up to
    date: its figures unless they are current, the partnership's pack, and the per-body
    workbooks the first time (later they are marked out of date instead: the run after the
    deadline and `report` rewrite them; `bodies`: now). None when a year has nothing to
    publish yet (no accepted Q4: recorded as up to date)."""
    from ..publish.pack import body_packs_written, pack_dir

    year = " Q" not in state.period
    if year and not publish.year_has_snapshot(engine, state.period):
        with engine.begin() as conn:
            warehouse.figures_published(conn, state.period, state.version)
            warehouse.pack_published(conn, state.period, state.version)
        return None
    job, assets = (annual_job, YEAR_ASSETS) if year else (partnership_job, QUARTER_ASSETS)
    prefix = "annual" if year else "quarter"
    skip = set()
    if state.figures_current:
        skip.add(dg.AssetKey(f"{prefix}_benchmarks"))
    if body_packs_written(pack_dir(cfg.outputs_dir, state.period)) and not bodies:
        skip.add(dg.AssetKey(f"{prefix}_body_packs"))
    keys = [k for k in map(dg.AssetKey, assets) if k not in skip]
    return job.name, sorted(keys, key=lambda k: k.to_user_string())


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


defs = dg.Definitions(
    assets=[quarter_submissions, quarter_benchmarks, annual_benchmarks],
    jobs=[partnership_job, annual_job, finalise_job],
    schedules=[quarterly_after_deadline, annual_after_q4_deadline],
)
