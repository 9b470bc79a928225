"""The benchmark harness itself, at the smoke size (~5,000 rows), so it never rots.

No timing asserts: only that every phase runs end to end in a temporary folder on returns the
pipeline accepts, the table is printed, and the last line carries every key with a positive
number.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import NATIONAL, corrected, generate, size_bodies, subset

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("rows", "workforce_rows", "ingest_vs_floor", "e2e_vs_naive", "incremental_vs_cold",
        "peak_mb")


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
    for label in ("A floor", "B naive", "read (safety checks", "validate", "standardise",
                  "load (replace_current", "benchmarks: quarter", "pack", "cold total",
                  "incremental", "Ratios against the targets"):
        assert label in out, label
    n = len(ds.bodies)
    assert out.count(f"{n} accepted") == 3, out  # naive, stages and cold e2e accept every file
    assert "rejected" not in out and "failed" not in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("bench: "), last
    values = dict(re.findall(r"(\w+)=([-\d.e+]+)", last))
    for key in KEYS:
        assert key in values, (key, last)
        assert float(values[key]) > 0, (key, last)
    assert int(values["rows"]) == ds.manifest["data_rows"]
