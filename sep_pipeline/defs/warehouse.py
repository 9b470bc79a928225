"""Asset group `warehouse`: the standardised tables of the current accepted return (one asset per
warehouse table) with their checks, and `ingest_return`, the job from intake to here."""

# No `from __future__ import annotations`: Dagster reads the context and input annotations.
import dagster as dg
import sqlalchemy as sa

from ..intake import ingest as steps
from ..standard import sep_return as std
from ..warehouse import tables as warehouse
from .intake import raw_return, validated_return
from .partitions import RETURNS, return_keys
from .shared import OWNERS, SepConfig, tag_outcome

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
    body, period = return_keys(context)
    outcome = validated_return
    if outcome is not None and outcome.status == "accepted" and not outcome.unchanged:
        outcome = steps.record(outcome, sep.settings(), engine)
        tag_outcome(context, outcome)
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


_HEX = "0123456789abcdef"  # a pseudonym is an HMAC-SHA256 hex digest: 64 of these


def _current_return_checks(engine: sa.Engine, body: str, period: str):
    wf, subs = warehouse.DATA_TABLES["workforce"], warehouse.submissions
    ref = wf.c.staff_ref
    with engine.connect() as conn:
        # counted where the rows are (not every reference fetched; the column is NOT NULL):
        # SQLite and PostgreSQL both have ltrim(text, characters), which leaves nothing of a
        # hex digest
        bad = conn.execute(sa.select(sa.func.count()).where(
            wf.c.body_code == body, wf.c.period == period,
            sa.or_(sa.func.length(ref) != 64, sa.func.ltrim(ref, _HEX) != ""))).scalar_one()
        accepted = conn.execute(sa.select(subs.c.submission_id).where(
            subs.c.body_code == body, subs.c.period == period,
            subs.c.status == "accepted")).scalars().all()
        stray = sum(
            conn.execute(sa.select(sa.func.count()).select_from(t).where(
                t.c.body_code == body, t.c.period == period,
                t.c.submission_id.not_in(accepted))).scalar_one()
            for t in warehouse.DATA_TABLES.values()
        )
    yield dg.AssetCheckResult(check_name="references_pseudonymised", asset_key="workforce",
                              passed=not bad, metadata={"not_pseudonymised": bad})
    yield dg.AssetCheckResult(check_name="one_current_return", asset_key="workforce",
                              passed=len(accepted) <= 1 and stray == 0,
                              metadata={"accepted_returns": len(accepted), "stray_rows": stray})


class WarehouseIOManager(dg.ConfigurableIOManager):
    """The standardised tables live in the warehouse: nothing else is stored, nothing loaded."""

    def handle_output(self, context: dg.OutputContext, obj: None) -> None:
        return None

    def load_input(self, context: dg.InputContext) -> None:
        return None


ingest_job = dg.define_asset_job(
    "ingest_return",
    selection=dg.AssetSelection.assets(raw_return, validated_return, standardised_tables),
    description="One body x quarter from intake (or the archive) to the warehouse.",
)


defs = dg.Definitions(assets=[standardised_tables], jobs=[ingest_job],
                      resources={"warehouse_io": WarehouseIOManager()})
