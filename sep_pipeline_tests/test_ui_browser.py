"""The Dagster UI in headless Chromium, as an analyst uses it: the runs list filtered to the
rejected returns, the rejected run's check, and the quarters the partition picker offers."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from openpyxl import load_workbook

from sep_pipeline.defs.partitions import known_periods
from sep_pipeline.defs.shared import OUTCOME_TAG
from sep_pipeline.runner import run_pending
from sep_pipeline_tests.browser import dagster_webserver, page
from sep_pipeline_tests.isolation import isolate

SAMPLES = Path(__file__).resolve().parents[1] / "data_raw"
SETTLE_MS = 20_000  # the UI's first queries, on a slow machine


@pytest.fixture
def env(tmp_path, monkeypatch):
    cfg = isolate(monkeypatch, tmp_path)
    for body, broken in (("CLCT", False), ("MGNPA", True)):
        target = cfg.intake_dir / body / f"{body}_2025-26_Q1.xlsx"
        target.parent.mkdir(parents=True)
        shutil.copyfile(SAMPLES / body / target.name, target)
        if broken:
            wb = load_workbook(target)
            wb["Workforce"]["F2"] = "not a sex"
            wb.save(target)
    assert sorted((r.body, r.status) for r in run_pending()) == [
        ("CLCT", "accepted"), ("MGNPA", "rejected")]
    return cfg


def test_an_analyst_finds_the_rejected_return_its_check_and_the_quarters(env, tmp_path):
    runs = {r.tags.get(OUTCOME_TAG): r for r in dg.DagsterInstance.get().get_runs()
            if r.job_name == "ingest_return"}
    rejected, accepted = runs["rejected"], runs["accepted"]
    with dagster_webserver(tmp_path / "webserver.log") as url, page() as pg:
        # The runs list filtered by the outcome tag: the rejected return's run, and only it.
        pg.goto(f"{url}/runs?q%5B%5D=tag%3Asep%2Foutcome%3Drejected")
        pg.get_by_text(rejected.run_id[:8], exact=True).wait_for(timeout=SETTLE_MS)
        text = pg.inner_text("body")
        assert "sep/outcome: rejected" in text and "partition: MGNPA|2025-26 Q1" in text
        assert accepted.run_id[:8] not in text and "sep/outcome: accepted" not in text

        # validated_return's check failed (a warning) with the first error as its description.
        first_error = ("Workforce F2: 'not a sex' is not an allowed value for 'Sex'. Use one of: "
                       "Female, Male, Prefer not to say, Not known.")
        pg.goto(f"{url}/assets/validated_return?view=checks")
        pg.get_by_text("Latest execution").wait_for(timeout=SETTLE_MS)
        # The panel can be drawn (status, metadata) before the evaluation's description: wait
        # for the description itself, as a reader would, rather than read the page at once.
        pg.get_by_text(first_error).first.wait_for(timeout=SETTLE_MS)
        text = pg.inner_text("body")
        assert "return_accepted" in text and "Failed" in text
        assert "This is a non-blocking asset check." in text
        assert first_error in text

        # The quarters on offer: from the registry's first expected quarter to today's.
        quarters = known_periods()
        pg.goto(f"{url}/assets/quarter_benchmarks?view=partitions")
        pg.get_by_text(f"{len(quarters)} Partitions Selected").wait_for(timeout=SETTLE_MS)
        shown = [line for line in pg.inner_text("body").splitlines()
                 if line[:4].isdigit() and " Q" in line]
        assert list(dict.fromkeys(shown)) == quarters
