"""Coordination, beside the flow: reminders to bodies missing or waiting for a fix, and the
schedule that sends them a week before each deadline and the day after."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
import os
from datetime import date, timedelta

import dagster as dg

from ..common.config import Settings
from ..coordination import remind, status
from ..standard.periods import Period
from ..warehouse import registry
from .partitions import known_periods
from .shared import SepConfig


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


defs = dg.Definitions(jobs=[reminders_job], schedules=[reminders_before_and_after_deadline])
