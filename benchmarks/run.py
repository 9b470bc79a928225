"""`make bench`: the pipeline against two baselines, on the same national-scale files, in one run.

    python -m benchmarks.run [--size full|small|smoke|x10] [--phases ...] [--profile DIR]
                             [--scaling]

Phases, each in a fresh Python process (so one phase's imports, caches and memory do not flatter
or burden another):

- floor: baseline A, python-calamine parsing every sheet of every file, nothing else;
- naive: baseline B, the naive ingest: `pandas.read_excel(engine="openpyxl")` of every sheet,
  the pipeline's own validation (`validate_workbook`) on what it read, `standardise`, and pandas
  `DataFrame.to_sql(if_exists="append")` of the tables into a fresh SQLite database, each part
  timed;
- stages: first "ingest, as a run does it", on a fresh SQLite warehouse: a `read_ahead.ReadAhead`
  over every file with `read_ahead.helpers(settings().workers)` processes (SEP_WORKERS,
  default the cores available) checking returns ahead while this process, file by file and in
  order, takes each check (`read_ahead.take`, or `check_file` itself when none was made ahead),
  loads it (`replace_current`) and writes the partner's feedback workbook; its wall time (feedback
  included) is the ingest time of the ratios. Then the same steps in one process, timed one by
  one to show where the time goes: read (`read_workbook`: the safety checks, then calamine),
  validate, standardise, load (into another fresh warehouse), the feedback workbook; then the
  benchmark figures of the quarter and of its year (the pack stage is timed in e2e);
- e2e: `run_pending` through the real Dagster jobs in-process, as `sep-pipeline run` does it
  (read-ahead workers and forked workbook writers included: SEP_WORKERS), on an empty warehouse
  and Dagster instance (cold); then one body resubmits the quarter (the median-sized body, then
  the largest), each `run_pending` taking the file until the partnership pack shows it;
- pg (when a PostgreSQL server answers at SEP_BENCH_PG_ADMIN_URL, default the test server): the
  same standardised tables loaded by the warehouse's COPY path and by pandas `to_sql`.

Memory: each phase reports its process's peak resident set (VmHWM). The runs that use worker
processes (the cold and resubmission runs, the stages' "as a run does it" pass) also report the
peak of the SUM of the resident memory (VmRSS) of the process and all its descendants, sampled
every 20 ms from a background thread (`TreeMemory`), and the memory they hold with a page
that forked workers share with the run counted once (the run's resident set plus what only
each worker holds, from smaps_rollup, sampled less often). `peak_mb` is the cold run's
counted-once peak, never less than the run's own VmHWM; the summed peak is shown beside it
(it counts every shared page in each process, so it overstates).

CPU: the cold run and the resubmissions also report their CPU seconds, the run's and its
workers' (`os.times`, workers counted once they end), and that divided by the cores and the floor:
the least e2e_vs_floor (resubmit_vs_floor) the same work allows with every core busy throughout.
When that is above a target, running more side by side cannot meet it; only doing less work can.

The table and the targets of issue 21 go to stdout; the last line is machine-readable:
`bench: rows=N ingest_vs_floor=x ingest_vs_naive=x e2e_vs_floor=x resubmit_vs_floor=x peak_mb=N
copy_vs_to_sql=x` (on one line; `n/a` for a ratio whose phase did not run), where
ingest_vs_floor = floor seconds ÷ ingest seconds (the same rows: the throughput ratio),
ingest_vs_naive = naive ingest seconds ÷ ingest seconds, e2e_vs_floor = cold `run_pending`
seconds ÷ floor seconds, resubmit_vs_floor = the largest body's resubmission ÷ floor seconds,
peak_mb = the cold run's peak (run + workers, shared pages once),
copy_vs_to_sql = `to_sql` ÷ COPY seconds.

`--size x10` is ten times the national size (600 bodies, ~3.3 million Workforce rows; generating it
takes ~13 minutes on 2 cores, once); it runs floor, stages and e2e by default, not naive and pg (at
that size they take tens of minutes and measure nothing new; ask for them with `--phases`), nor the
pack's public-calls comparison. `--scaling` adds the growth from 1 to 60 bodies (floor, stages and
cold e2e on subsets spread over the size distribution). `--profile DIR` runs the pipeline phases
under pyinstrument and writes a tree and a flat profile per phase (times are then inflated by the
profiler).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.generate import CACHE, DEFAULT_SEED, PERIOD, SIZES, Dataset, generate, subset

RESULT_MARK = "BENCH-RESULT "
PHASES = ("floor", "naive", "stages", "e2e", "pg")
SCALING_STEPS = (1, 6, 15, 30, 60)
PG_ADMIN_URL = os.environ.get(
    "SEP_BENCH_PG_ADMIN_URL",
    os.environ.get("SEP_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
TARGETS = {  # issue 21, on the full national size
    "ingest_vs_floor": (">=", 0.5),
    "ingest_vs_naive": (">=", 10.0),
    "e2e_vs_floor": ("<=", 3.0),
    "resubmit_vs_floor": ("<=", 0.5),
    "peak_mb": ("<=", 1536.0),
    "copy_vs_to_sql": (">=", 3.0),
}
LAST_LINE = ("rows", *TARGETS)  # the keys of the machine-readable last line, in order
DEFAULT_PHASES = {"x10": ("floor", "stages", "e2e")}  # naive and pg take too long at x10


# --- Measuring inside a phase --------------------------------------------------------------------


_PEAK_BEFORE_RESET = 0.0  # the highest VmHWM seen before the last reset


def _vm_hwm_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM) since it started, in MB."""
    return max(_PEAK_BEFORE_RESET, _vm_hwm_mb())


def _reset_peak() -> bool:
    """Restart VmHWM from the current resident set (Linux: clear_refs 5), remembering the old
    peak; False where the kernel does not allow it."""
    global _PEAK_BEFORE_RESET
    _PEAK_BEFORE_RESET = peak_rss_mb()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux: the children files of its threads)."""
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:  # gone, or a kernel without the children files
        pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:  # it ended between the listing and the reading
        pass
    return 0


def _uss_kb(pid: int) -> int:
    """The memory only this process holds (Private_Clean + Private_Dirty of smaps_rollup)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except OSError:
        pass
    return total


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def tree_rss_mb(pid: int | None = None) -> float:
    """The resident memory (VmRSS) of a process and all its descendants, summed, in MB."""
    return sum(_rss_kb(p) for p in _tree(pid or os.getpid())) / 1024


def tree_unique_mb(pid: int | None = None) -> float:
    """The process's resident memory plus what only its descendants hold, in MB: a forked
    worker's VmRSS counts the pages it still shares with its parent, which this does not."""
    root, *rest = _tree(pid or os.getpid())
    return (_rss_kb(root) + sum(_uss_kb(p) for p in rest)) / 1024


class TreeMemory:
    """The peaks of `tree_rss_mb()` (sampled every `interval` seconds) and of `tree_unique_mb()`
    (every `unique_every` samples: smaps_rollup costs a few ms for a big process) while a block
    runs (this process and its workers), by a background thread, and at the block's start and
    end."""

    def __init__(self, interval: float = 0.02, unique_every: int = 5) -> None:
        self.interval, self.unique_every = interval, unique_every
        self.peak_mb = self.peak_unique_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def _sample(self) -> None:
        self.peak_mb = max(self.peak_mb, tree_rss_mb())
        if self.samples % self.unique_every == 0:
            self.peak_unique_mb = max(self.peak_unique_mb, tree_unique_mb())
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples = 0  # the last sample takes both
        self._sample()


class Timer:
    """Seconds per named step, summed over calls, the CPU seconds spent in it by this process
    and the processes it started and waited for (workers, forked writers: `os.times`), and the
    peak resident memory during each: this process's (VmHWM) and, for a step timed with
    `tree=True`, that of this process and its workers together (`TreeMemory`)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.tree_peak_mb: dict[str, float] = {}
        self.tree_unique_peak_mb: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str, tree: bool = False) -> Iterator[None]:
        per_step = _reset_peak()
        memory = TreeMemory() if tree else None
        cpu = _cpu_seconds()
        t = time.perf_counter()
        try:
            if memory is None:
                yield
            else:
                with memory:
                    yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t
            self.cpu[name] = self.cpu.get(name, 0.0) + _cpu_seconds() - cpu
            if per_step:
                self.peak_mb[name] = round(max(self.peak_mb.get(name, 0.0), _vm_hwm_mb()), 1)
            if memory is not None:
                for peaks, mb in ((self.tree_peak_mb, memory.peak_mb),
                                  (self.tree_unique_peak_mb, memory.peak_unique_mb)):
                    peaks[name] = round(max(peaks.get(name, 0.0), mb), 1)


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def profiled(profile_dir: Path | None, name: str) -> Iterator[None]:
    """Run the block under pyinstrument when asked; write <name>.txt, <name>.flat.txt, .html."""
    if profile_dir is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        profile_dir.mkdir(parents=True, exist_ok=True)
        (profile_dir / f"{name}.txt").write_text(
            profiler.output_text(unicode=False, color=False), encoding="utf-8")
        (profile_dir / f"{name}.flat.txt").write_text(
            profiler.output_text(unicode=False, color=False, flat=True), encoding="utf-8")
        (profile_dir / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")


def _files(ds: Dataset, codes: Sequence[str] | None) -> list[tuple[str, Path]]:
    return [(b["code"], ds.root / b["file"]) for b in ds.bodies
            if codes is None or b["code"] in codes]


def _environment(ds: Dataset, work: Path) -> None:
    """A private intake, data folder, warehouse and Dagster instance under `work`."""
    os.environ["SEP_INTAKE_DIR"] = str(work / "intake")
    os.environ["SEP_DATA_DIR"] = str(work / "var")
    os.environ["SEP_WAREHOUSE_URL"] = f"sqlite:///{work / 'var' / 'warehouse.sqlite'}"
    os.environ["DAGSTER_HOME"] = str(work / "dagster_home")
    os.environ["SEP_BODY_REGISTRY"] = str(ds.registry)  # the 60 synthetic bodies are members
    os.environ.pop("SEP_PSEUDONYM_KEY", None)  # SQLite: the data folder's own random key
    (work / "intake").mkdir(parents=True, exist_ok=True)
    from sep_pipeline.ui import prepare_dagster_home

    prepare_dagster_home(work / "dagster_home")  # the same Dagster storage as `make run`


def _write_pack() -> Callable[..., list[Path]] | None:
    try:
        from sep_pipeline.publish.pack import write_pack
    except ImportError:
        return None
    return write_pack


# --- Phases (each in its own process) ------------------------------------------------------------


def phase_floor(ds: Dataset, work: Path, codes: Sequence[str] | None,
                profile: Path | None) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    t = Timer()
    rows = cells = 0
    with profiled(profile, "floor"), t("parse"):
        for _code, path in _files(ds, codes):
            with CalamineWorkbook.from_path(str(path)) as wb:
                for i in range(len(wb.sheet_names)):
                    data = wb.get_sheet_by_index(i).to_python()
                    rows += len(data)
                    cells += sum(map(len, data))
    return {"seconds": t.seconds, "sheet_rows": rows, "cells": cells}


def phase_naive(ds: Dataset, work: Path, codes: Sequence[str] | None,
                profile: Path | None) -> dict[str, Any]:
    """The naive ingest: read_excel(openpyxl), the pipeline's validation, standardise, to_sql."""
    import pandas as pd
    import sqlalchemy as sa

    from sep_pipeline.common.config import settings
    from sep_pipeline.intake.safe_read import RawSheet, RawWorkbook
    from sep_pipeline.intake.standardise import standardise
    from sep_pipeline.intake.validate import validate_workbook

    os.environ["SEP_DATA_DIR"] = str(work / "var")  # its own pseudonym key, as stages has
    os.environ.pop("SEP_PSEUDONYM_KEY", None)
    key = settings().pseudonym_key
    db = sa.create_engine(f"sqlite:///{work / 'naive.sqlite'}")  # fresh: to_sql makes its tables

    def grid(df: pd.DataFrame) -> list[list[object]]:
        return df.astype(object).where(df.notna(), None).values.tolist()

    t = Timer()
    statuses: dict[str, int] = {}
    rows = 0
    with profiled(profile, "naive"):
        for code, path in _files(ds, codes):
            with t("read_excel"):
                # keep_default_na=False: by default pandas reads the text "None" (a Welsh
                # language level) as missing, and valid returns are rejected
                frames = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl",
                                       keep_default_na=False, na_values=[""])
            with t("validate"):
                raw = RawWorkbook({n: RawSheet(n, grid(df), set()) for n, df in frames.items()})
                result = validate_workbook(raw, file_name=path.name, expected_body=code)
            statuses[result.status] = statuses.get(result.status, 0) + 1
            del frames, raw
            if result.status != "accepted":
                continue
            with t("standardise"):
                tables = standardise(result.tables, body=code, key=key)
            with t("to_sql"), db.begin() as conn:
                for name, df in tables.items():
                    if df.empty:
                        continue
                    df.assign(body_code=code, period=PERIOD.label).to_sql(
                        name, conn, if_exists="append", index=False)
                    rows += len(df)
            del result, tables
    db.dispose()
    return {"seconds": t.seconds, "statuses": statuses, "rows_loaded": rows}


def _ingest_as_run(files: Sequence[tuple[str, Path]], shas: dict[str, str], work: Path,
                   t: Timer) -> dict[str, Any]:
    """Ingest as `run_pending` does it: helpers check returns ahead (`ReadAhead`) while this
    process takes each check in order, loads it and writes its feedback workbook; on a fresh
    warehouse. Timed as a whole ("as_run", with the memory of the process and its workers)."""
    from datetime import UTC

    from sep_pipeline.common.config import settings
    from sep_pipeline.intake import ingest, read_ahead
    from sep_pipeline.warehouse import tables as warehouse

    cfg = settings()
    label = PERIOD.label
    helpers = read_ahead.helpers(cfg.workers)  # as runner.run_pending
    engine = warehouse.create_all(f"sqlite:///{work / 'as_run.sqlite'}")
    queue = [read_ahead.Pending(code, label, str(path), shas[code]) for code, path in files]
    parts = {"wait or check": 0.0, "load": 0.0, "feedback": 0.0, "other": 0.0}
    statuses: dict[str, int] = {}
    checked_here = 0
    with t("as_run", tree=True), read_ahead.ReadAhead(
            queue, engine, cfg.pseudonym_key, helpers, lambda _j: True) as ahead:
        for i, (code, path) in enumerate(files):
            c0 = time.perf_counter()
            ahead.top_up(i)
            with engine.connect() as conn:  # the key as ingest.validate makes it
                key = read_ahead.key_of(conn, code, label, str(path), shas[code])
            c1 = time.perf_counter()
            checked = read_ahead.take(key)
            if checked is None:
                checked_here += 1
                checked = read_ahead.check_file(path, code, key[3], key[4], cfg.pseudonym_key)
            c2 = time.perf_counter()
            statuses[checked.status] = statuses.get(checked.status, 0) + 1
            if checked.status == "accepted":
                with engine.begin() as conn:
                    warehouse.replace_current(
                        conn, body=code, period=label, file_name=path.name, sha256=shas[code],
                        archive_path=str(path), issues=checked.issues, late=False,
                        tables=checked.tables, template_version=checked.template_version)
            c3 = time.perf_counter()
            ingest.keep_sheets(shas[code], checked.kept)  # as ingest.validate does
            received = ingest.Received(code, label, path.name, shas[code], str(path),
                                       datetime.now(UTC))
            ingest.write_feedback(ingest.Outcome(
                received, checked.status, checked.period or label, checked.template_version,
                checked.issues, readable=checked.readable), cfg)
            c4 = time.perf_counter()
            parts["other"] += c1 - c0
            parts["wait or check"] += c2 - c1
            parts["load"] += c3 - c2
            parts["feedback"] += c4 - c3
            del checked
    engine.dispose()
    return {"workers": cfg.workers, "helpers": max(helpers, 0), "checked_here": checked_here,
            "files": len(files), "parts": parts, "statuses": statuses}


def phase_stages(ds: Dataset, work: Path, codes: Sequence[str] | None,
                 profile: Path | None) -> dict[str, Any]:
    _environment(ds, work)
    from datetime import UTC

    from sep_pipeline.common.config import settings
    from sep_pipeline.intake import folder as intake
    from sep_pipeline.intake.ingest import Outcome, Received, keep_for_feedback, write_feedback
    from sep_pipeline.intake.safe_read import read_workbook
    from sep_pipeline.intake.standardise import standardise
    from sep_pipeline.intake.validate import validate_workbook
    from sep_pipeline.publish import figure_store
    from sep_pipeline.publish import figures as publish
    from sep_pipeline.warehouse import tables as warehouse

    cfg = settings()
    label = PERIOD.label
    t = Timer()
    statuses: dict[str, int] = {}
    tables_dir = work / "standardised"
    tables_dir.mkdir(parents=True, exist_ok=True)
    files = _files(ds, codes)
    shas = {code: intake.sha256_file(path) for code, path in files}  # the intake's (not timed)
    # First, before this process holds the figures' memory: ingest as a run does it.
    with profiled(profile, "stages_as_run"):
        as_run = _ingest_as_run(files, shas, work, t)
    with profiled(profile, "stages"):
        with t("migrate"):
            engine = warehouse.create_all(cfg.warehouse_url)
        for code, path in files:
            sha = shas[code]
            with t("read"):
                raw = read_workbook(path)
            with t("validate"):
                result = validate_workbook(raw, file_name=path.name, expected_body=code)
            keep_for_feedback(sha, result)  # as ingest.validate does
            statuses[result.status] = statuses.get(result.status, 0) + 1
            if result.status != "accepted":
                continue
            with t("standardise"):
                tables = standardise(result.tables, body=code, key=cfg.pseudonym_key)
            with t("load"), engine.begin() as conn:
                warehouse.replace_current(
                    conn, body=code, period=label, file_name=path.name, sha256=sha,
                    archive_path=str(path), issues=result.issues, late=False, tables=tables,
                    template_version=result.about.get("template_version"))
            with t("feedback"):  # as ingest.record does: the marked rows of the kept sheets
                received = Received(code, label, path.name, sha, str(path), datetime.now(UTC))
                write_feedback(Outcome(received, "accepted", label, None, result.issues),
                               cfg)
            with (tables_dir / f"{code}.pickle").open("wb") as f:  # for the PostgreSQL phase
                pickle.dump(tables, f)
            del raw, result, tables
        with t("benchmarks.quarter"):  # as the quarter_benchmarks asset does, the first time
            publish.publish_quarter(engine, label, figure_store.store_dir(cfg.data_dir))
        with t("benchmarks.year"):  # as the annual_benchmarks asset does
            publish.publish_year(engine, PERIOD.year_label)
    # The pack stage is timed once, after the cold end-to-end run, on the same warehouse rows.
    return {"seconds": t.seconds, "step_peak_mb": t.peak_mb, "step_tree_peak_mb": t.tree_peak_mb,
            "step_tree_unique_peak_mb": t.tree_unique_peak_mb, "statuses": statuses,
            "as_run": as_run}


def phase_e2e(ds: Dataset, work: Path, codes: Sequence[str] | None,
              profile: Path | None, incremental: bool = True) -> dict[str, Any]:
    _environment(ds, work)
    t = Timer()
    with t("startup"):  # imports and the Dagster definitions: not counted in the runs
        import dagster as dg

        from sep_pipeline import definitions
        from sep_pipeline.common.config import settings
        from sep_pipeline.runner import prepare_environment, run_pending
        from sep_pipeline.warehouse import tables as warehouse
    files = _files(ds, codes)
    for code, path in files:  # the partners' uploads (not timed)
        (work / "intake" / code).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, work / "intake" / code / path.name)
    # Recent pipelines write the pack in the partnership jobs; otherwise write it here.
    in_jobs = (hasattr(definitions, "quarter_pack")  # before the assets moved to defs/
               or dg.AssetKey("quarter_pack") in definitions.defs.resolve_all_asset_keys())
    write_pack = None if in_jobs else _write_pack()
    label = PERIOD.label
    out: dict[str, Any] = {"pack": "in jobs" if in_jobs else write_pack is not None, "runs": {},
                           "steps": {}, "dagster_runs": {},
                           "workers": getattr(settings(), "workers", 1)}

    def one_run(name: str) -> None:
        prepare_environment()
        instance = dg.DagsterInstance.get()
        before = set(instance.get_run_ids())
        with profiled(profile, f"e2e_{name}"):
            with t(f"{name}.run_pending", tree=True):
                results = run_pending()
            if write_pack is not None:
                with t(f"{name}.pack", tree=True):
                    engine = warehouse.engine(settings().warehouse_url)
                    write_pack(engine, label, work / f"pack_{name}", lang="both")
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        out["runs"][name] = counts
        # Where the runs' time went, step by step (summed over the runs), from Dagster's log.
        steps: dict[str, float] = {}
        new = [r for r in instance.get_run_ids() if r not in before]
        for run_id in new:
            for st in instance.get_run_step_stats(run_id):
                if st.start_time and st.end_time:
                    steps[st.step_key] = steps.get(st.step_key, 0.0) + st.end_time - st.start_time
        out["steps"][name] = steps
        out["dagster_runs"][name] = len(new)

    one_run("cold")
    # What xlsx.py's fast path buys is a property of the library, the same at any size: at x10
    # it would only add two long single-process writes of the whole pack.
    if ds.manifest.get("size") != "x10":
        out["xlsx"] = _xlsx_worth(work, label)
    if incremental:
        present = {code for code, _ in files}
        for role in ds.manifest["resubmitters"]:
            code, path = ds.resubmission(role)
            if code not in present:
                continue
            shutil.copyfile(path, work / "intake" / code / path.name)
            one_run(f"incremental_{role}")
            out[f"incremental_{role}_body"] = code
    out["seconds"] = t.seconds
    out["cpu_seconds"] = t.cpu
    out["cores"] = len(os.sched_getaffinity(0))
    out["step_peak_mb"] = t.peak_mb
    out["step_tree_peak_mb"] = t.tree_peak_mb
    out["step_tree_unique_peak_mb"] = t.tree_unique_peak_mb
    return out


def _xlsx_worth(work: Path, period: str) -> dict[str, float]:
    """The whole pack of the cold run's quarter written in one process twice: through
    pack/xlsx.py's fast path (xlsxwriter's internals) and through xlsxwriter's public calls
    (`xlsx.FAST` off): what leaning on the internals buys."""
    from sep_pipeline.common.config import settings
    from sep_pipeline.publish.pack import write_pack, xlsx
    from sep_pipeline.warehouse import tables as warehouse

    engine = warehouse.engine(settings().warehouse_url)
    fast, workers = xlsx.FAST, os.environ.get("SEP_WORKERS")
    os.environ["SEP_WORKERS"] = "1"
    seconds: dict[str, float] = {}
    try:
        for name, on in (("fast", fast), ("public", False)):
            xlsx.FAST = on
            started = time.perf_counter()
            write_pack(engine, period, work / f"xlsx_{name}", lang="both")
            seconds[name] = time.perf_counter() - started
            shutil.rmtree(work / f"xlsx_{name}", ignore_errors=True)
    finally:
        xlsx.FAST = fast
        if workers is None:
            os.environ.pop("SEP_WORKERS", None)
        else:
            os.environ["SEP_WORKERS"] = workers
    return seconds


def phase_pg(ds: Dataset, work: Path, codes: Sequence[str] | None,
             profile: Path | None) -> dict[str, Any]:
    """COPY (the warehouse's bulk_insert on PostgreSQL) against pandas to_sql, same tables."""
    import uuid

    import sqlalchemy as sa

    from sep_pipeline.warehouse import tables as warehouse

    tables_dir = work.parent / "stages" / "standardised"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"sep_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    os.environ["SEP_BODY_REGISTRY"] = str(ds.registry)
    t = Timer()
    try:
        engine = warehouse.create_all(url)
        loaded = [(code, pickle.loads((tables_dir / f"{code}.pickle").read_bytes()))
                  for code, _ in _files(ds, codes) if (tables_dir / f"{code}.pickle").exists()]
        rows = sum(len(df) for _, tables in loaded for df in tables.values())
        with profiled(profile, "pg_copy"):
            for code, tables in loaded:
                with t("copy"), engine.begin() as conn:
                    warehouse.replace_current(
                        conn, body=code, period=PERIOD.label, file_name=f"{code}.xlsx",
                        sha256="0" * 64, archive_path="", issues=[], late=False, tables=tables,
                        template_version="1.0")
        with engine.begin() as conn:
            sid = conn.execute(sa.select(sa.func.max(warehouse.submissions.c.submission_id))
                               ).scalar_one()
            for table in warehouse.DATA_TABLES.values():
                conn.execute(sa.delete(table))
        with profiled(profile, "pg_to_sql"):
            for code, tables in loaded:
                with t("to_sql"), engine.begin() as conn:
                    for tname, df in tables.items():
                        if df.empty:
                            continue
                        frame = df.assign(body_code=code, period=PERIOD.label, submission_id=sid)
                        frame.to_sql(tname, conn, if_exists="append", index=False)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {"seconds": t.seconds, "rows": rows}


PHASE_FUNCTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "floor": phase_floor, "naive": phase_naive, "stages": phase_stages, "e2e": phase_e2e,
    "pg": phase_pg,
}


def run_phase(args: argparse.Namespace) -> int:
    ds = Dataset(args.dataset, json.loads((args.dataset / "manifest.json").read_text("utf-8")))
    codes = args.codes.split(",") if args.codes else None
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    kwargs = {"incremental": not args.no_incremental} if args.phase == "e2e" else {}
    result = PHASE_FUNCTIONS[args.phase](ds, args.work, codes, args.profile, **kwargs)
    result.update(peak_mb=round(peak_rss_mb(), 1), load=[load_before, os.getloadavg()[0]])
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


# --- The orchestrating process -------------------------------------------------------------------


def pg_available() -> bool:
    import sqlalchemy as sa

    try:
        eng = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means no server to measure on
        return False


def child(phase: str, ds: Dataset, work: Path, *, codes: Sequence[str] | None = None,
          profile: Path | None = None, no_incremental: bool = False,
          log: Callable[[str], None]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.run", "--phase", phase, "--dataset", str(ds.root),
           "--work", str(work)]
    if codes:
        cmd += ["--codes", ",".join(codes)]
    if profile:
        cmd += ["--profile", str(profile)]
    if no_incremental:
        cmd.append("--no-incremental")
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (work.parent / f"{work.name}.log").open("w") as err:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        tail = (work.parent / f"{work.name}.log").read_text(errors="replace")[-4000:]
        raise RuntimeError(f"phase {phase} failed (exit {proc.returncode}):\n{tail}")
    result = json.loads(lines[-1][len(RESULT_MARK):])
    log(f"  {phase}: {time.perf_counter() - started:.1f} s wall, peak {result['peak_mb']:.0f} MB")
    return result


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError):
        pass
    from importlib.metadata import version

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            **{name.replace("python-", ""): version(name) for name in (
                "pandas", "python-calamine", "openpyxl", "sqlalchemy", "dagster", "xlsxwriter")}}


def summarise(ds: Dataset, res: dict[str, dict[str, Any]], codes: Sequence[str] | None
              ) -> dict[str, Any]:
    """The headline figures and ratios from the phases' results."""
    rows = sum(ds.rows(codes).values())
    s: dict[str, Any] = {"rows": rows, "workforce_rows": ds.rows(codes).get("Workforce", 0),
                         "bodies": len(_files(ds, codes))}
    if "floor" in res:
        s["floor_s"] = res["floor"]["seconds"]["parse"]
    if "naive" in res:
        s["naive_s"] = sum(res["naive"]["seconds"].values())
    if "stages" in res:
        st = res["stages"]["seconds"]
        s["ingest_one_process_s"] = sum(st.get(k, 0.0)
                                        for k in ("read", "validate", "standardise", "load"))
        s["ingest_s"] = st["as_run"]  # as a run does it: the wall time of the whole pass
    if "e2e" in res:
        e = res["e2e"]["seconds"]
        s["cold_s"] = e.get("cold.run_pending", 0.0) + e.get("cold.pack", 0.0)
        for role in ("median", "largest"):
            k = f"incremental_{role}"
            if f"{k}.run_pending" in e:
                s[f"{k}_s"] = e[f"{k}.run_pending"] + e.get(f"{k}.pack", 0.0)
        cpu = res["e2e"].get("cpu_seconds", {})
        for k in ("cold", "incremental_median", "incremental_largest"):
            if f"{k}.run_pending" in cpu:
                s[f"{k}_cpu_s"] = cpu[f"{k}.run_pending"] + cpu.get(f"{k}.pack", 0.0)
        s["cores"] = res["e2e"].get("cores") or os.cpu_count() or 1
        tree = res["e2e"].get("step_tree_peak_mb", {})
        if "cold.run_pending" in tree:
            s["peak_rss_sum_mb"] = max(tree["cold.run_pending"], tree.get("cold.pack", 0.0))
        unique = res["e2e"].get("step_tree_unique_peak_mb", {})
        if "cold.run_pending" in unique:
            s["peak_unique_mb"] = max(unique["cold.run_pending"], unique.get("cold.pack", 0.0))
        hwm = res["e2e"].get("step_peak_mb", {})
        if "cold.run_pending" in hwm:
            s["cold_main_hwm_mb"] = max(hwm["cold.run_pending"], hwm.get("cold.pack", 0.0))
        # The target's measure: the memory the run and its workers hold, a page forked workers
        # share with the run counted once (summed RSS counts it in each), and never less than
        # the run's own peak (the counted-once figure is sampled less often).
        held = [s[k] for k in ("peak_unique_mb", "cold_main_hwm_mb") if k in s]
        if held:
            s["peak_mb"] = max(held)
        elif "peak_rss_sum_mb" in s:
            s["peak_mb"] = s["peak_rss_sum_mb"]
    if s.get("ingest_s"):
        if "floor_s" in s:
            s["ingest_vs_floor"] = s["floor_s"] / s["ingest_s"]  # same rows: throughput ratio
        if "naive_s" in s:
            s["ingest_vs_naive"] = s["naive_s"] / s["ingest_s"]  # how many times faster
    if s.get("floor_s"):
        if "cold_s" in s:
            s["e2e_vs_floor"] = s["cold_s"] / s["floor_s"]
        if "incremental_largest_s" in s:
            s["resubmit_vs_floor"] = s["incremental_largest_s"] / s["floor_s"]
        # The best the same work could do with every core busy throughout: its CPU seconds
        # spread over the cores. A ratio above its target here cannot be met by running the
        # work side by side; only by doing less of it.
        for k, ratio in (("cold", "e2e"), ("incremental_largest", "resubmit")):
            if f"{k}_cpu_s" in s:
                s[f"{ratio}_cpu_bound"] = s[f"{k}_cpu_s"] / s["cores"] / s["floor_s"]
    if "pg" in res:
        pg = res["pg"]["seconds"]
        s["copy_vs_to_sql"] = pg["to_sql"] / pg["copy"]
    return s


def _met(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return "[green]met[/green]" if ok else "[red]NOT met[/red]"


def render(ds: Dataset, res: dict[str, dict[str, Any]], s: dict[str, Any],
           scaling: list[dict[str, Any]], info: dict[str, Any], size: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=118, highlight=False)
    rows = s["rows"]

    def rate(sec: float | None) -> str:
        return f"{rows / sec:,.0f}" if sec else ""

    def fmt(sec: float | None) -> str:
        return "" if sec is None else f"{sec:,.2f}"

    t = Table(title=f"SEP pipeline benchmark — size {size}: {s['bodies']} bodies, {rows:,} rows "
                    f"({s['workforce_rows']:,} Workforce), {PERIOD.label}",
              title_justify="left")
    t.add_column("measure")
    t.add_column("seconds", justify="right")
    t.add_column("rows/s", justify="right")
    t.add_column("peak MB", justify="right")
    t.add_column("note")

    def peak(phase: str, step: str | None = None, tree: bool = False,
             unique: bool = False) -> str:
        if phase not in res:
            return ""
        steps = res[phase].get("step_tree_unique_peak_mb" if unique else
                               "step_tree_peak_mb" if tree else "step_peak_mb", {})
        mb = res[phase]["peak_mb"] if step is None else steps.get(step)
        return "" if mb is None else f"{mb:,.0f}"

    if "floor" in res:
        t.add_row("[b]A floor[/b]: calamine parse only", fmt(s["floor_s"]), rate(s["floor_s"]),
                  peak("floor"), f"{res['floor']['cells']:,} cells")
    if "naive" in res:
        n = res["naive"]["seconds"]
        t.add_row("[b]B naive ingest[/b]: read_excel(openpyxl) + validate + standardise + "
                  "to_sql", fmt(s["naive_s"]), rate(s["naive_s"]), peak("naive"),
                  _statuses(res["naive"]["statuses"]))
        t.add_row("   read_excel (openpyxl)", fmt(n.get("read_excel")), rate(n.get("read_excel")),
                  "", "")
        t.add_row("   validate (validate_workbook)", fmt(n.get("validate")), "", "", "")
        t.add_row("   standardise", fmt(n.get("standardise")), "", "", "")
        t.add_row("   to_sql (pandas, fresh SQLite)", fmt(n.get("to_sql")), rate(n.get("to_sql")),
                  "", f"{res['naive'].get('rows_loaded', 0):,} rows")
    if "stages" in res:
        st = res["stages"]["seconds"]
        ar = res["stages"]["as_run"]
        t.add_section()
        tree = res["stages"].get("step_tree_peak_mb", {}).get("as_run")
        t.add_row(f"[b]ingest, as a run does it[/b] ({ar['workers']} process"
                  f"{'es' if ar['workers'] > 1 else ''}: this one + {ar['helpers']} reading "
                  "ahead; SQLite)", fmt(s["ingest_s"]), rate(s["ingest_s"]),
                  "" if tree is None else f"{tree:,.0f}",
                  f"{_statuses(ar['statuses'])}; peak MB: process + workers (VmRSS summed; "
                  f"{peak('stages', 'as_run', unique=True) or '?'} without shared pages; this "
                  f"process alone {peak('stages', 'as_run') or '?'})")
        p = ar["parts"]
        t.add_row("   this process: waiting for / making checks", fmt(p["wait or check"]), "", "",
                  f"{ar['checked_here']} of {ar['files']} checked here (not ahead)")
        t.add_row("   this process: load (replace_current)", fmt(p["load"]), "", "", "")
        t.add_row("   this process: feedback workbook", fmt(p["feedback"]), "", "",
                  "included in the ingest time")
        t.add_row("   this process: read-ahead scheduling, keys", fmt(p["other"]), "", "", "")
        t.add_section()
        t.add_row("[b]pipeline stages, one process[/b] (direct calls, SQLite)", "", "",
                  peak("stages"), _statuses(res["stages"]["statuses"]))
        for k, label in (("read", "read (safety checks + calamine)"), ("validate", "validate"),
                         ("standardise", "standardise (pseudonymise)"),
                         ("load", "load (replace_current, SQLite)")):
            t.add_row(f"   {label}", fmt(st.get(k)), rate(st.get(k)), peak("stages", k), "")
        t.add_row("   ingest, one process (read to load)", fmt(s["ingest_one_process_s"]),
                  rate(s["ingest_one_process_s"]), "", "where the time goes")
        t.add_row("   feedback workbook", fmt(st.get("feedback")), "",
                  peak("stages", "feedback"), "part of ingest.record")
        t.add_row("   benchmarks: quarter figures", fmt(st.get("benchmarks.quarter")), "",
                  peak("stages", "benchmarks.quarter"), "")
        t.add_row("   benchmarks: year figures", fmt(st.get("benchmarks.year")), "",
                  peak("stages", "benchmarks.year"), "direct call; run builds a year once "
                  "its Q4 is in")
        pack = _pack_seconds(res, "cold")
        t.add_row("   pack (partnership + per-body, en+cy)", fmt(pack) or "n/a", "", "",
                  "the pack steps of the cold e2e run" if pack is not None else
                  "not run" if "e2e" not in res
                  else "sep_pipeline.publish.pack.write_pack not found")
        xl = res.get("e2e", {}).get("xlsx") or {}
        if xl:
            t.add_row("   whole pack, one process: pack/xlsx.py", fmt(xl.get("fast")), "", "",
                      "its fast path on xlsxwriter's internals")
            t.add_row("   whole pack, one process: xlsxwriter's public calls",
                      fmt(xl.get("public")), "", "",
                      f"x{xl['public'] / xl['fast']:.2f} the time" if xl.get("fast") else "")
    if "e2e" in res:
        e2e = res["e2e"]
        e = e2e["seconds"]
        t.add_section()
        t.add_row(f"[b]end to end[/b] (run_pending: Dagster in-process, SQLite; SEP_WORKERS="
                  f"{e2e.get('workers', 1)})", "", "", peak("e2e"),
                  f"startup {e.get('startup', 0):.1f} s not counted; peak MB of the runs: "
                  "process + workers")
        t.add_row("   cold: run_pending", fmt(e.get("cold.run_pending")), "",
                  peak("e2e", "cold.run_pending", tree=True),
                  f"{_statuses(e2e['runs'].get('cold', {}))}; "
                  f"{e2e['dagster_runs'].get('cold', 0)} Dagster runs; peak MB "
                  f"{peak('e2e', 'cold.run_pending', unique=True) or '?'} without the pages "
                  f"workers share with the run, {peak('e2e', 'cold.run_pending') or '?'} "
                  "the run's process alone")
        steps = e2e["steps"].get("cold", {})
        for key in [*STEP_LABELS, *sorted(set(steps) - set(STEP_LABELS))]:
            if key in steps:
                t.add_row(f"      {key}", fmt(steps[key]), "", "", STEP_LABELS.get(key, ""))
        if steps:
            t.add_row("      the rest", fmt(e["cold.run_pending"] - sum(steps.values())), "", "",
                      "planning (hash, peek), Dagster run set-up and storage, waits")
        if "cold.pack" in e:
            t.add_row("   cold: pack (write_pack)", fmt(e.get("cold.pack")), "", "", "")
        t.add_row("   [b]cold total[/b]", fmt(s["cold_s"]), rate(s["cold_s"]), "", "")
        for role in ("median", "largest"):
            k = f"incremental_{role}"
            if f"{k}_s" in s:
                code = e2e[f"{k}_body"]
                body_rows = sum(ds.body(code)["rows"].values())
                t.add_row(f"   [b]resubmission[/b]: {role} body", fmt(s[f"{k}_s"]), "",
                          peak("e2e", f"{k}.run_pending", tree=True),
                          f"{code}, {body_rows:,} rows; "
                          + _step_summary(
                              e2e["steps"].get(k, {}), e[f"{k}.run_pending"], e.get(f"{k}.pack")))
    if "pg" in res:
        pg = res["pg"]["seconds"]
        t.add_section()
        t.add_row("[b]PostgreSQL load[/b]", "", "", peak("pg"), f"{res['pg']['rows']:,} rows")
        t.add_row("   COPY (warehouse.replace_current)", fmt(pg["copy"]),
                  f"{res['pg']['rows'] / pg['copy']:,.0f}", "", "")
        t.add_row("   pandas to_sql", fmt(pg["to_sql"]), f"{res['pg']['rows'] / pg['to_sql']:,.0f}",
                  "", "")
    console.print(t)

    r = Table(title="Ratios against the targets (issue 21; targets apply at the full size)",
              title_justify="left")
    r.add_column("ratio")
    r.add_column("measured", justify="right")
    r.add_column("target", justify="right")
    r.add_column("")
    for key, label in (
            ("ingest_vs_floor", "ingest (as a run does it) throughput ÷ floor throughput"),
            ("ingest_vs_naive", "naive ingest time ÷ ingest time"),
            ("e2e_vs_floor", "cold run_pending time ÷ floor time"),
            ("resubmit_vs_floor", "largest body's resubmission ÷ floor time"),
            ("peak_mb", "peak memory of the cold run and its workers, shared pages once (MB)"),
            ("copy_vs_to_sql", "PostgreSQL: to_sql time ÷ COPY time")):
        op, target = TARGETS[key]
        if key in s:
            r.add_row(label, _number(key, s[key]), f"{op} {target:g}", _met(key, s[key]))
        else:
            r.add_row(label, "n/a", f"{op} {target:g}", "not measured")
        bound = {"e2e_vs_floor": "e2e", "resubmit_vs_floor": "resubmit"}.get(key)
        if bound and f"{bound}_cpu_bound" in s:
            cpu_s = s["cold_cpu_s" if bound == "e2e" else "incremental_largest_cpu_s"]
            r.add_row(f"   its CPU ({cpu_s:,.1f} s, run + workers) ÷ {s['cores']} cores ÷ floor: "
                      "the least this work allows", _number(key, s[f"{bound}_cpu_bound"]), "",
                      "")
        if key == "peak_mb" and "peak_rss_sum_mb" in s:
            r.add_row("   every process's resident memory summed (shared pages in each)",
                      _number(key, s["peak_rss_sum_mb"]), "", "")
        if key == "peak_mb" and "cold_main_hwm_mb" in s:
            r.add_row("   the run's own process alone (VmHWM)",
                      _number(key, s["cold_main_hwm_mb"]), "", "")
    console.print(r)

    if scaling:
        g = Table(title="Growth from 1 to 60 bodies (cold, SQLite)", title_justify="left")
        for col in ("bodies", "rows", "floor s", "ingest s", "ingest rows/s", "cold e2e s",
                    "e2e rows/s", "e2e s per body", "peak MB"):
            g.add_column(col, justify="right")
        for p in scaling:
            g.add_row(str(p["bodies"]), f"{p['rows']:,}", fmt(p.get("floor_s")),
                      fmt(p.get("ingest_s")),
                      f"{p['rows'] / p['ingest_s']:,.0f}" if p.get("ingest_s") else "",
                      fmt(p.get("cold_s")),
                      f"{p['rows'] / p['cold_s']:,.0f}" if p.get("cold_s") else "",
                      f"{p['cold_s'] / p['bodies']:.2f}" if p.get("cold_s") else "",
                      f"{p.get('peak_mb', 0):,.0f}")
        console.print(g)

    m = info["machine"]
    console.print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python "
                  f"{m['python']}, pandas {m['pandas']}, python-calamine {m['calamine']}; "
                  f"load average at start {info['load_start']:.2f}; data {ds.root.name} "
                  f"({ds.manifest['bytes'] / 1e6:,.0f} MB of .xlsx)")


STEP_LABELS = {  # the Dagster steps of run_pending, in order
    "raw_return": "archive the file",
    "validated_return": "read + validate + standardise",
    "standardised_tables": "load + feedback workbook",
    "quarter_submissions": "",
    "quarter_benchmarks": "quarter figures",
    "quarter_pack": "partnership workbooks (en+cy) and CSV",
    "quarter_body_packs": "per-body workbooks (en+cy: two per body)",
    "annual_benchmarks": "year figures (once its Q4 is in)",
    "annual_pack": "year: partnership workbooks and CSV",
    "annual_body_packs": "year: per-body workbooks",
}
STEP_GROUPS = {
    "ingest": ("raw_return", "validated_return", "standardised_tables"),
    "figures": ("quarter_submissions", "quarter_benchmarks", "annual_benchmarks"),
    "packs": ("quarter_pack", "annual_pack", "quarter_body_packs", "annual_body_packs"),
}


def _pack_seconds(res: dict[str, dict[str, Any]], run: str) -> float | None:
    """The pack stage of a run: the pack steps of the jobs, or write_pack after run_pending."""
    e2e = res.get("e2e")
    if e2e is None:
        return None
    steps = e2e["steps"].get(run, {})
    if any(k in steps for k in STEP_GROUPS["packs"]):
        return sum(steps.get(k, 0.0) for k in STEP_GROUPS["packs"])
    return e2e["seconds"].get(f"{run}.pack")


def _step_summary(steps: dict[str, float], total: float, pack: float | None) -> str:
    parts = [f"{g} {sum(steps.get(k, 0.0) for k in keys):.1f}" for g, keys in STEP_GROUPS.items()
             if any(k in steps for k in keys)]
    parts.append(f"rest {total - sum(steps.values()):.1f}")
    if pack is not None:
        parts.append(f"+ write_pack {pack:.1f}")
    return ", ".join(parts) + " s"


def _statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def _number(key: str, value: float) -> str:
    if key in ("rows", "peak_mb"):
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def machine_line(s: dict[str, Any]) -> str:
    """`bench: rows=N ingest_vs_floor=x ... copy_vs_to_sql=x`: every key, n/a when not measured."""
    return "bench: " + " ".join(f"{k}={_number(k, s[k]) if k in s else 'n/a'}"
                                for k in LAST_LINE)


def _dump(path: Path, info: dict[str, Any], res: dict[str, Any], scaling: list[dict[str, Any]],
          ds: Dataset, summary: dict[str, Any] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"info": info, "summary": summary, "phases": res,
                                "scaling": scaling, "manifest_key": ds.root.name}, indent=1),
                    encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SEP pipeline performance benchmark (issue 21).")
    ap.add_argument("--size", choices=SIZES, default="full")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--cache", type=Path, default=CACHE, help="where generated returns are kept")
    ap.add_argument("--work", type=Path, default=None,
                    help="working folder (warehouses, Dagster instance); default a temporary one")
    ap.add_argument("--keep", action="store_true", help="keep the working folder")
    ap.add_argument("--phases", default=None,
                    help=f"comma-separated subset of {','.join(PHASES)} (default all; at x10 "
                         f"{','.join(DEFAULT_PHASES['x10'])})")
    ap.add_argument("--profile", type=Path, default=None,
                    help="write pyinstrument profiles of the pipeline phases into this folder")
    ap.add_argument("--scaling", action="store_true",
                    help="also measure the growth from 1 to 60 bodies")
    ap.add_argument("--json", type=Path, default=None, help="also write all results as JSON")
    # internal: one phase in this process
    ap.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    ap.add_argument("--dataset", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--codes", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--no-incremental", action="store_true",
                    help="e2e: the cold run only, no resubmissions")
    # for trying a size quickly: only this many of its bodies, spread over the sizes
    ap.add_argument("--bodies", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        return run_phase(args)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    default = ",".join(DEFAULT_PHASES.get(args.size, PHASES))
    phases = [p for p in (args.phases or default).split(",") if p]
    unknown = set(phases) - set(PHASES)
    if unknown:
        ap.error(f"unknown phases: {', '.join(sorted(unknown))}")
    ds = generate(args.size, args.seed, args.cache, log=log, bodies_limit=args.bodies)
    work = args.work or Path(tempfile.mkdtemp(prefix="sep-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    info = {"machine": machine(), "load_start": os.getloadavg()[0],
            "started": datetime.now().isoformat(timespec="seconds"), "size": args.size}
    if "pg" in phases and not ("stages" in phases and pg_available()):
        log(f"  pg: skipped (needs the stages phase and a PostgreSQL server at {PG_ADMIN_URL})")
        phases.remove("pg")
    for _code, path in _files(ds, None):  # warm the page cache: every phase reads warm files
        path.read_bytes()
    log(f"benchmark {args.size}: {len(ds.bodies)} bodies, {ds.manifest['data_rows']:,} rows; "
        f"phases {','.join(phases)}; working folder {work}")
    try:
        res: dict[str, dict[str, Any]] = {}
        for p in phases:
            res[p] = child(p, ds, work / p, profile=args.profile if p != "naive" else None,
                           no_incremental=args.no_incremental, log=log)
            if args.json:  # as it goes: a long run that is cut short keeps what it measured
                _dump(args.json, info, res, [], ds)
        summary = summarise(ds, res, None)
        scaling: list[dict[str, Any]] = []
        if args.scaling:
            log("growth from 1 to 60 bodies:")
            staff = [(b["code"], b["staff"]) for b in ds.bodies]
            steps = [n for n in SCALING_STEPS if n < len(ds.bodies)] + [len(ds.bodies)]
            for n in steps:
                if n >= len(ds.bodies):
                    point = {"bodies": len(ds.bodies), **{k: summary.get(k) for k in (
                        "rows", "floor_s", "ingest_s", "cold_s", "peak_mb")}}
                else:
                    codes = subset(staff, n)
                    sub = work / f"scaling_{n}"
                    part = {p: child(p, ds, sub / p, codes=codes, no_incremental=True, log=log)
                            for p in ("floor", "stages", "e2e")}
                    point = {"bodies": len(codes), **{k: v for k, v in summarise(
                        ds, part, codes).items() if k in ("rows", "floor_s", "ingest_s",
                                                          "cold_s", "peak_mb")}}
                scaling.append(point)
                if args.json:
                    _dump(args.json, info, res, scaling, ds)
        info["finished"] = datetime.now().isoformat(timespec="seconds")
        render(ds, res, summary, scaling, info, args.size)
        if args.json:
            _dump(args.json, info, res, scaling, ds, summary)
        print(machine_line(summary), flush=True)
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
