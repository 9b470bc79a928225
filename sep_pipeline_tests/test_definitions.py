"""The Dagster definitions load from `sep_pipeline.definitions` (the module workspace.yaml and
`[tool.dagster]` name), validate, and keep every name the UI's history is kept under: an asset
key, job, sensor or schedule renamed (or left out of `definitions.MODULES`) starts a new history
and leaves the old one behind, so a change to these lists is a decision, not an accident."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from sep_pipeline.definitions import defs

ROOT = Path(__file__).resolve().parents[1]

ASSET_KEYS = {
    "raw_return", "validated_return",  # intake
    "workforce", "recruitment", "engagement", "engagement_profile", "procurement",  # warehouse
    "feedback", "actions",
    "quarter_submissions", "quarter_benchmarks", "annual_benchmarks",  # partnership
    "quarter_pack", "quarter_body_packs", "annual_pack", "annual_body_packs",  # pack
}
ASSET_CHECKS = {
    "validated_return:return_accepted",
    "workforce:references_pseudonymised", "workforce:one_current_return",
    "quarter_submissions:one_accepted_return_per_body",
    "quarter_benchmarks:enough_bodies_in_the_figures",
    *(f"{asset}:{check}" for asset in ("quarter_benchmarks", "annual_benchmarks")
      for check in ("no_value_where_a_marker_is_set", "no_published_count_between_1_and_4",
                    "quartile_percentages_sum_to_100", "every_submitting_body_appears")),
}
JOBS = {"ingest_return", "unroutable_return", "deliver_feedback", "partnership_quarter",
        "partnership_year", "finalise_quarter", "reminders_job"}
SENSORS = {"intake_sensor"}
SCHEDULES = {"quarterly_after_deadline", "annual_after_q4_deadline",
             "reminders_before_and_after_deadline"}


def test_the_module_dagster_loads_is_sep_pipeline_definitions():
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace["load_from"] == [{"python_module": {
        "module_name": "sep_pipeline.definitions", "location_name": "sep_pipeline"}}]
    with (ROOT / "pyproject.toml").open("rb") as f:
        assert tomllib.load(f)["tool"]["dagster"]["module_name"] == "sep_pipeline.definitions"


def test_definitions_validate_from_the_module():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
         "-m", "sep_pipeline.definitions"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_name_the_ui_keeps_history_under_is_unchanged():
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == ASSET_KEYS
    assert {k.to_user_string() for k in graph.asset_check_keys} == ASSET_CHECKS
    # Dagster adds an implicit "__ASSET_JOB" for materialising from the UI: not ours.
    assert {j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")} == JOBS
    assert {s.name for s in defs.sensors or []} == SENSORS
    assert {s.name for s in defs.schedules or []} == SCHEDULES
    assert set(defs.resources or {}) == {"sep", "warehouse_io"}
