"""What every asset group shares: the `sep` resource (where the intake, archive and warehouse
are), the owners, and the run tags the sensor, the runner and the UI's runs list read."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
import dataclasses
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from ..common.config import Settings, settings
from ..intake import ingest as steps
from ..warehouse import tables as warehouse

OWNERS = ["team:equality-data"]


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


FILE_TAG, SHA_TAG = "sep/file", "sep/sha256"
RECEIPT_TAG = "sep/receipt"  # the file's place in the intake queue: the run processes it
PUBLISH_TAG = "sep/publish"  # the period whose out-of-date figures and pack a run publishes
FEEDBACK_TAG = "sep/feedback"
# What a run did with its return (accepted | rejected | duplicate | unchanged): the runs list
# filters on it, so a rejection is not hidden behind a green run.
OUTCOME_TAG = "sep/outcome"


def tag_outcome(context: dg.AssetExecutionContext | dg.OpExecutionContext,
                 outcome: steps.Outcome) -> None:
    context.instance.add_run_tags(context.run.run_id, {OUTCOME_TAG: outcome.run_outcome})


FINALISE_TAG = "sep/finalise"  # who asks a run to finalise its quarter (revisions.BY_*)


defs = dg.Definitions(resources={"sep": SepConfig()})
