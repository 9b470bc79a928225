"""Asset group `pack`: the partnership's bilingual benchmark pack and the per-body workbooks, of
a quarter and of a year (a quarter's finalised first when its run asks)."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
import dagster as dg

from ..common.writer_lock import writer_lock
from ..publish import revisions
from .partitions import PERIODS, YEARS, open_period
from .shared import FINALISE_TAG, OWNERS, SepConfig


def _pack(context: dg.AssetExecutionContext, sep: SepConfig, bodies: bool) -> dg.MaterializeResult:
    from ..publish.pack import pack_dir, publish_pack

    key = open_period(context.partition_key)
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


defs = dg.Definitions(assets=[quarter_pack, quarter_body_packs, annual_pack, annual_body_packs])
