"""The benchmark harness itself, at the smoke size (~5,000 rows), so it never rots.

No timing asserts: only that every phase but pg runs end to end in a temporary folder on returns
the pipeline accepts, the table is printed, and the last line carries issue 21's keys in order,
each a positive number (copy_vs_to_sql `n/a`: the pg phase is not run here).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import NATIONAL, corrected, generate, size_bodies, subset

ROOT = Path(__file__).resolve().parents[1]
# the last line of issue 21, in order; copy_vs_to_sql is n/a here (no pg phase)
LAST_LINE = ("rows", "ingest_vs_floor", "ingest_vs_naive", "e2e_vs_floor", "resubmit_vs_floor",
             "peak_mb", "copy_vs_to_sql")


def test_national_bodies_span_the_sizes_of_the_issue():
    staff = [b.staff for b in NATIONAL]
    assert len(NATIONAL) == 60 and len({b.code for b in NATIONAL}) == 60
    assert min(staff) == 20 and max(staff) == 25_000
    assert 310_000 <= sum(staff) <= 330_000  # ~330,000 Workforce rows with leavers and starters
    bodies, scale = size_bodies("small")
    assert len(bodies) == 60 and scale == 0.1
    codes = [(b.code, b.staff) for b in NATIONAL]
    assert subset(codes, 1) == [sorted(codes, key=lambda c: (c[1], c[0]))[30][0]]
    assert len(subset(codes, 15)) == 15 and len(subset(codes, 60)) == 60


def test_x10_is_ten_bodies_like_each_national_one():
    bodies, scale = size_bodies("x10")
    assert scale == 1.0 and len(bodies) == 600 and len({b.code for b in bodies}) == 600
    assert bodies[:60] == list(NATIONAL)  # the full size's bodies, then nine more like each
    assert sorted(b.staff for b in bodies) == sorted(b.staff for b in NATIONAL for _ in range(10))
    like = {b.code: b for b in bodies}
    assert (like["HB901"].staff, like["HB901"].template) == (25000, "BMCHT")


def test_a_resubmission_corrects_one_pay_in_fifty():
    rows = [{"staff_ref": f"S{i}", "hourly_pay": 10.0 + i} for i in range(100)]
    rows[50]["hourly_pay"] = None  # a leaver's pay left out stays out
    data = {"Workforce": rows, "Feedback": [{"case": 1}]}
    fixed = corrected(data)
    changed = [i for i, (a, b) in enumerate(zip(rows, fixed["Workforce"], strict=True))
               if a != b]
    assert changed == [0]
    assert fixed["Workforce"][0]["hourly_pay"] == 10.1 and rows[0]["hourly_pay"] == 10.0
    assert fixed["Feedback"] is data["Feedback"]


def test_bench_smoke_prints_the_table_and_the_machine_line(tmp_path):
    ds = generate("smoke", cache_dir=tmp_path / "cache", log=lambda _: None)
    assert 4_000 <= ds.manifest["data_rows"] <= 7_000
    assert generate("smoke", cache_dir=tmp_path / "cache").manifest == ds.manifest  # cached
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--size", "smoke", "--cache",
         str(tmp_path / "cache"), "--work", str(tmp_path / "work"),
         "--phases", "floor,naive,stages,e2e"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for label in ("A floor", "B naive ingest", "to_sql (pandas", "ingest, as a run does it",
                  "one process", "read (safety checks", "validate", "standardise",
                  "load (replace_current", "benchmarks: quarter", "pack", "cold total",
                  "resubmission: largest body", "Ratios against the targets"):
        assert label in out, label
    n = len(ds.bodies)
    # naive, ingest as a run does it, the stages in one process and cold e2e accept every file
    assert out.count(f"{n} accepted") == 4, out
    assert "rejected" not in out and "failed" not in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("bench: "), last
    pairs = re.findall(r"(\w+)=(\S+)", last)
    assert tuple(k for k, _ in pairs) == LAST_LINE, last
    values = dict(pairs)
    assert values.pop("copy_vs_to_sql") == "n/a", last
    for key, value in values.items():
        assert float(value) > 0, (key, last)
    assert int(values["rows"]) == ds.manifest["data_rows"]
    assert float(values["peak_mb"]).is_integer()
