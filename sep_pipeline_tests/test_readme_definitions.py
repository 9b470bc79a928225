"""README's list of jobs, schedules, sensors and asset checks is the definitions' (analysts read
it to know what runs when)."""

from __future__ import annotations

import re
from pathlib import Path

from sep_pipeline.definitions import defs

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "### Every job, schedule, sensor and asset check"
GROUPS = ("Jobs", "Schedules", "Sensors", "Asset checks")


def readme_lists(text: str) -> dict[str, list[list[str]]]:
    """Group -> one entry per bullet: the names in backticks before its first colon (a name, then
    for an asset check the assets it is on). Only the section's bullets count."""
    body = text.split(SECTION, 1)[1]
    body = re.split(r"^#", body, maxsplit=1, flags=re.MULTILINE)[0]
    lists: dict[str, list[list[str]]] = {}
    group = None
    for line in body.splitlines():
        heading = re.match(r"\*\*(.+?)\*\*", line)
        if heading:
            group = heading.group(1)
            lists[group] = []
        elif line.startswith("- ") and group is not None:
            head, _, what = line.partition(":")
            assert what.strip(), f"no description: {line}"
            lists[group].append(re.findall(r"`([^`]+)`", head))
    return lists


def defined() -> dict[str, set]:
    graph = defs.resolve_asset_graph()
    return {
        # Dagster adds an implicit "__ASSET_JOB" for materialising from the UI: not ours.
        "Jobs": {j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")},
        "Schedules": {s.name for s in defs.schedules or []},
        "Sensors": {s.name for s in defs.sensors or []},
        "Asset checks": {(k.name, k.asset_key.to_user_string())
                         for k in graph.asset_check_keys},
    }


def listed() -> dict[str, set]:
    lists = readme_lists(README.read_text(encoding="utf-8"))
    assert sorted(lists) == sorted(GROUPS)
    out: dict[str, set] = {g: {names[0] for names in lists[g]} for g in GROUPS[:3]}
    out["Asset checks"] = {(names[0], asset) for names in lists["Asset checks"]
                           for asset in names[1:]}
    return out


def test_readme_lists_every_job_schedule_sensor_and_asset_check():
    want, got = defined(), listed()
    for group in GROUPS:
        assert got[group] == want[group], (
            f"{group}: defined but not in README: {sorted(want[group] - got[group])}; "
            f"in README but not defined: {sorted(got[group] - want[group])}")


def test_the_comparison_sees_a_name_missing_on_either_side():
    text = README.read_text(encoding="utf-8")
    lists = readme_lists(text)
    assert ["annual_after_q4_deadline"] in lists["Schedules"]
    assert ["every_submitting_body_appears", "quarter_benchmarks", "annual_benchmarks"] in (
        lists["Asset checks"])
    dropped = readme_lists(text.replace("- `annual_after_q4_deadline`:", "annual:"))
    assert ["annual_after_q4_deadline"] not in dropped["Schedules"]
    added = readme_lists(text.replace("**Sensors** (on by default)\n",
                                      "**Sensors** (on by default)\n\n- `no_such_sensor`: x\n"))
    assert ["no_such_sensor"] in added["Sensors"]
