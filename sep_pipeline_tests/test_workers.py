"""Work side by side (SEP_WORKERS): a run whose workers check returns ahead and write the
per-body workbooks publishes exactly what a run in one process does, a return waits for the
same body's previous quarter, and a killed run leaves no worker behind."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sep_pipeline.common.workers import forked_map, forked_start
from sep_pipeline.intake import read_ahead
from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import (
    SAMPLES,
    assert_readable_packs,
    assert_same,
    drop,
    fewer_women,
    go,
    held,
    kill,
    outcome,
    start_run,
)
from sep_pipeline_tests.isolation import isolate


def _pid(i: int) -> tuple[int, int]:
    return i, os.getpid()


def test_forked_map_keeps_the_order_and_uses_other_processes():
    here = os.getpid()
    got = list(forked_map(_pid, range(12), 2))
    assert [i for i, _ in got] == list(range(12))
    assert {p for _, p in got} - {here}  # the work was done elsewhere
    assert {p for _, p in forked_map(_pid, range(3), 1)} == {here}  # one process: here
    assert {p for _, p in forked_map(_pid, [0], 2)} == {here}  # one item: nothing to share


def test_forked_start_works_beside_the_caller_even_for_one_item():
    """The partnership pack's workbooks are one item (both languages, in one worker, to bound
    memory) written while the caller writes the CSV: one item still goes to a worker."""
    here = os.getpid()
    started = forked_start(_pid, [7], 2)
    ((i, pid),) = started()
    assert i == 7 and pid != here
    assert forked_start(_pid, [7], 1)() == [(7, here)]  # one process: at the wait, here
    assert forked_start(_pid, [], 2)() == []


def _pending(body: str, period: str) -> read_ahead.Pending:
    return read_ahead.Pending(body, period, f"/archive/{body}-{period}", "0" * 64)


_FREED_HEAP = """
import sys
from sep_pipeline.common.workers import release_freed_heap

def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) // 1024

base = rss()
blocks = [bytes(1000) for _ in range(300_000)]  # from the C allocator's heap (> 512 bytes)
kept = blocks[::100]  # one in a hundred stays: the freed blocks between cannot merge away
del blocks
held = rss()
release_freed_heap()
print(base, held, rss(), len(kept))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_release_freed_heap_gives_back_what_python_freed():
    """~300 MB freed by Python between blocks still in use stays with the process until
    `release_freed_heap` (run before forking workers and after each item of a forked worker)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _FREED_HEAP], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    base, held, after, kept = map(int, out.split())
    assert kept == 3_000
    assert held - base > 250, (base, held)  # freed, and still held
    assert held - after > 200, (held, after)  # given back


def test_a_return_waits_while_its_previous_quarter_is_still_queued():
    """Its headcount check compares with the previous quarter as loaded: that must be loaded."""
    queue = [_pending("CLCT", "2025-26 Q1"), _pending("CLCT", "2025-26 Q2"),
             _pending("MGNPA", "2025-26 Q2"), _pending("CLCT", "2025-26 Q3")]
    ahead = read_ahead.ReadAhead(queue, None, "", helpers=1, wanted=lambda j: True)
    assert ahead._blocked(1, current=0)  # CLCT Q1 not recorded yet
    assert not ahead._blocked(2, current=0)  # another body
    assert ahead._blocked(3, current=0)  # CLCT Q2 is before it
    assert not ahead._blocked(1, current=1)  # being recorded: Q1 is done
    assert ahead._blocked(3, current=1)  # CLCT Q2 is being recorded now
    assert not ahead._blocked(3, current=2)


def _returns(folder: Path) -> Path:
    """Three bodies' Q1, two Q2 (one changed), a duplicate, a rejected return: made once, so
    every run is given the same bytes."""
    if folder.exists():
        return folder
    for body in ("CLCT", "MGNPA", "CSEN"):
        drop(folder, body, 1)
    drop(folder, "CLCT", 2)
    fewer_women(drop(folder, "MGNPA", 2))
    shutil.copyfile(SAMPLES / "CSEN" / "CSEN_2025-26_Q1.xlsx",
                    folder / "CSEN" / "CSEN_Q1_again.xlsx")
    bad = drop(folder, "AAFRS", 1)
    wb = load_workbook(bad)
    wb["Workforce"]["F2"] = "not a sex"
    wb.save(bad)
    return folder


def _drop_all(cfg, base: Path) -> None:  # noqa: ANN001
    shutil.copytree(_returns(base / "returns"), cfg.intake_dir, dirs_exist_ok=True)


def test_a_run_with_workers_publishes_what_a_run_in_one_process_does(tmp_path, monkeypatch):
    seen = {}
    for workers in ("1", "2"):
        cfg = isolate(monkeypatch, tmp_path / workers, key="test-key")
        monkeypatch.setenv("SEP_WORKERS", workers)
        _drop_all(cfg, tmp_path)
        before = read_ahead.taken_ahead
        results = run_pending()
        seen[workers] = (outcome(cfg), read_ahead.taken_ahead - before,
                         sorted((r.body, r.file_name, r.status) for r in results))
    assert_same(seen["2"][0], seen["1"][0])
    assert seen["2"][2] == seen["1"][2]
    assert {s for *_, s in seen["1"][2]} == {"accepted", "rejected", "duplicate"}
    assert seen["1"][1] == 0  # one process: nothing checked ahead
    assert seen["2"][1] >= 3  # the others were checked by the worker while the run recorded


def _children(pid: int) -> set[int]:
    """The living processes whose parent is `pid`."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


def _gone(pids: set[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = set()
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.add(pid)
        if not alive:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("point", ["validate", "pack_file:bodies/*"])
def test_a_killed_run_leaves_no_worker_and_the_next_run_completes(tmp_path, monkeypatch, point):
    """Killed while its worker checks the next return (held in `validate` of the first), or
    while its workers write the per-body workbooks (held inside a worker, which wrote the
    marker): every worker dies with it, and the next run publishes what a clean run does."""
    clean = isolate(monkeypatch, tmp_path / "clean", key="test-key")
    monkeypatch.setenv("SEP_WORKERS", "2")
    _drop_all(clean, tmp_path)
    run_pending()
    reference = outcome(clean)

    cfg = isolate(monkeypatch, tmp_path / "killed", key="test-key")
    _drop_all(cfg, tmp_path)
    pause_dir = tmp_path / "pause"
    proc = start_run(point, pause_dir)
    held(proc, pause_dir, in_worker=point != "validate")
    holder = int((pause_dir / "reached").read_text().split()[0])
    if point == "validate":
        assert holder == proc.pid  # the run's own process, its worker reading ahead
        deadline = time.monotonic() + 30
        while not (workers := _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        assert holder != proc.pid  # the kill lands inside a worker writing a workbook
        workers = _children(proc.pid)
        assert holder in workers
    assert workers
    kill(proc)
    go(pause_dir)  # a worker that outlived it would now go on writing
    assert _gone(workers), f"workers {workers} outlived the killed run"
    assert_readable_packs(cfg.outputs_dir / "packs")
    run_pending()
    assert_same(outcome(cfg), reference)
