"""Asset group `intake`: the return as sent and as validated, one body x quarter; the jobs that
record a return that cannot be routed and deliver feedback still owed."""

# No `from __future__ import annotations`: Dagster reads the context and input annotations.
from collections import Counter
from pathlib import Path

import dagster as dg

from ..intake import ingest as steps
from ..warehouse import tables as warehouse
from .partitions import RETURNS, known_periods, return_keys
from .shared import FILE_TAG, OWNERS, RECEIPT_TAG, SepConfig, tag_outcome


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
    body, period = return_keys(context)
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
        tag_outcome(context, outcome)
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
    tag_outcome(context, outcome)
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


defs = dg.Definitions(assets=[raw_return, validated_return],
                      jobs=[unroutable_return, deliver_feedback])
