"""The partitions: bodies from the registry, quarters and years from the calendar (dynamic
partitions, kept so by `partition_requests`), and the keys a run reads from its partition."""

# No `from __future__ import annotations`: Dagster reads the context annotations.
import warnings
from datetime import date

import dagster as dg

from ..intake import ingest as steps
from ..standard.periods import FIRST, Period
from ..warehouse import registry


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


def open_period(key: str) -> str:
    """The partition's quarter or year; a run for one the calendar has not reached, or a typo
    added in the UI ("Add a partition"), fails saying so before anything is written."""
    if refused := steps.unknown_period(key, known_periods() if " Q" in key else known_years()):
        raise dg.Failure(description=refused, allow_retries=False)
    return key


def return_keys(context: dg.AssetExecutionContext) -> tuple[str, str]:
    keys = context.partition_key.keys_by_dimension  # type: ignore[union-attr]
    return keys["body"], open_period(keys["period"])


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
