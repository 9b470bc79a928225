"""Faults that land where they are aimed, and what a run leaves behind.

A `sep-pipeline run` is started in a child process (forked from a process that has imported
the package once: sep_pipeline_tests/zygote.py) held at a named pause point
(`sep_pipeline.common.pause_points`, SEP_PAUSE_AT): the test waits for its marker, then kills it
there (proving the kill landed inside that step) or breaks something (fills the disk, cuts the
database) and lets it go on. `outcome()` is everything a partner or reader sees after a run:
the published tables, the submissions and their issues, the standardised rows, every pack file
and every feedback workbook, so a run after a fault can be compared with a clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from python_calamine import CalamineWorkbook

from sep_pipeline.publish.pack.labels import LANGS, long_date
from sep_pipeline.warehouse import tables as warehouse

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_raw"


class _Zygote:
    """The process that forks the runs (sep_pipeline_tests/zygote.py), started once."""

    proc: subprocess.Popen | None = None
    lock = threading.Lock()

    @classmethod
    def ask(cls, request: dict[str, object]) -> dict[str, object]:
        with cls.lock:
            if cls.proc is None or cls.proc.poll() is not None:
                cls.proc = subprocess.Popen(
                    [sys.executable, "-m", "sep_pipeline_tests.zygote"], cwd=ROOT,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    env={k: v for k, v in os.environ.items() if not k.startswith("SEP_")})
                assert "ready" in json.loads(cls.proc.stdout.readline())
            cls.proc.stdin.write(json.dumps(request) + "\n")
            cls.proc.stdin.flush()
            return json.loads(cls.proc.stdout.readline())


class Run:
    """A `sep-pipeline` command running in a child process (forked by the zygote); the parts
    of `subprocess.Popen` the tests use."""

    def __init__(self, args: list[str], env: dict[str, str], out: Path) -> None:
        self.out = out
        self.pid = int(_Zygote.ask({"run": args, "env": env, "out": str(out)})["pid"])
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = _Zygote.ask({"poll": self.pid})["code"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["sep-pipeline"], timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")


def start_run(pause_at: str | None, pause_dir: Path, *args: str,
              env: dict[str, str] | None = None) -> Run:
    """`sep-pipeline run` in a child process, held at `pause_at` (if given)."""
    env = dict(os.environ if env is None else env)
    env.pop("SEP_PAUSE_AT", None)
    if pause_at:
        env["SEP_PAUSE_AT"] = pause_at
        env["SEP_PAUSE_DIR"] = str(pause_dir)
    shutil.rmtree(pause_dir, ignore_errors=True)
    pause_dir.mkdir(parents=True)
    return Run(["run", *args], env, pause_dir / "output.txt")


def held(proc: Run, pause_dir: Path, timeout: float = 180, in_worker: bool = False) -> str:
    """Wait until the child reaches its pause point; returns the point it reports.
    `in_worker`: one of its worker processes holds there (SEP_WORKERS), not the run itself."""
    marker = pause_dir / "reached"
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before its pause "
                                 f"point:\n{proc.output()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the run never reached its pause point")
        time.sleep(0.02)
    pid, point = marker.read_text(encoding="utf-8").split(" ", 1)
    assert (int(pid) != proc.pid) if in_worker else (int(pid) == proc.pid)
    return point.strip()


def kill(proc: Run) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def go(pause_dir: Path) -> None:
    (pause_dir / "go").touch()


def finish(proc: Run, timeout: float = 300) -> tuple[int, str]:
    code = proc.wait(timeout)
    return code, proc.output()


# --- What a run leaves behind ----------------------------------------------------------------

_TIMES = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?")


def _rows(conn: sa.Connection, sql: str) -> list[tuple]:
    return sorted((tuple(r) for r in conn.execute(sa.text(sql))), key=repr)


def _name(path: str | None) -> str | None:
    return None if path is None else Path(path).name


def warehouse_outcome(url: str) -> dict[str, object]:
    """What the warehouse shows: every published row, each submission (ids, times and folders
    left out: they differ from run to run), its issues, the standardised rows; and whether
    anything is still owed (queued files, feedback, publications)."""
    out: dict[str, object] = {}
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            for table in ("pay_gap", "benchmark", "benchmark_position"):
                out[table] = _rows(conn, f"select * from {table}")
            subs = conn.execute(sa.text(
                "select submission_id, body_code, period, file_name, file_sha256, status, "
                "errors, warnings, template_version, late, sheets, feedback, archive_path, "
                "feedback_file from submissions")).all()
            names = {s.submission_id: (s.body_code, s.file_name, s.status) for s in subs}
            out["submissions"] = sorted(
                (s.body_code, s.period, s.file_name, s.file_sha256, s.status, s.errors,
                 s.warnings, s.template_version, bool(s.late), s.sheets, s.feedback,
                 _name(s.archive_path), _name(s.feedback_file)) for s in subs)
            out["validation_issues"] = sorted(
                (names[r[0]], *r[1:]) for r in conn.execute(sa.text(
                    'select submission_id, severity, code, sheet, "row", "column", cell, value, '
                    "message from validation_issues")))
            for table in warehouse.DATA_TABLES:
                cols = [c.name for c in warehouse.DATA_TABLES[table].columns
                        if c.name != "submission_id"]
                out[table] = _rows(conn, f"select {', '.join(cols)} from {table}")
            out["queued"] = _rows(conn, "select file_name from receipts "
                                        "where submission_id is null")
            out["out_of_date"] = _rows(conn, "select period from publications where "
                                             "pack_version < version or figures_version < version")
    finally:
        eng.dispose()
    return out


def _produced_days() -> set[str]:
    """The day a workbook says it was produced, today's or yesterday's (in either language):
    a clean run before midnight and the run compared with it after it differ only there."""
    today = date.today()
    return {long_date(d, lang) for d in (today, today - timedelta(days=1)) for lang in LANGS}


def _workbook(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    days = _produced_days()

    def seen(c: object) -> object:
        if not isinstance(c, str):
            return c
        return "<day>" if c in days else _TIMES.sub("<time>", c)

    return {name: [[seen(c) for c in row] for row in wb.get_sheet_by_name(name).to_python()]
            for name in wb.sheet_names}


def files_outcome(folder: Path, pattern: str = "*") -> dict[str, object]:
    """Every file under `folder` (a pack, the feedback folders) as a reader sees it: a workbook
    by its sheets' values, any other file by its bytes. The bookkeeping files that name a
    write (a stamp) are left out."""
    out: dict[str, object] = {}
    for path in sorted(folder.rglob(pattern)):
        rel = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix == ".xlsx":
            out[str(rel)] = _workbook(path)
        else:
            out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def outcome(cfg) -> dict[str, object]:  # noqa: ANN001
    """Everything a partner or a reader sees after a run (see the module's docstring)."""
    feedback = {k: v for k, v in files_outcome(cfg.intake_dir).items() if "/feedback/" in k}
    return {**warehouse_outcome(cfg.warehouse_url),
            "packs": files_outcome(cfg.outputs_dir / "packs"), "feedback": feedback}


def assert_same(got: dict[str, object], clean: dict[str, object]) -> None:
    """Figure for figure, file for file; names the first part that differs."""
    assert set(got) == set(clean)
    for key in clean:
        if key in ("packs", "feedback"):
            assert sorted(got[key]) == sorted(clean[key]), key
            for name in clean[key]:
                assert got[key][name] == clean[key][name], f"{key}: {name}"
        else:
            assert got[key] == clean[key], key


# --- A database connection the test can cut --------------------------------------------------


class Proxy:
    """A TCP proxy on 127.0.0.1 to `target`, in a process of its own
    (sep_pipeline_tests/tcp_proxy.py); `cut()` kills it, so every connection through it drops
    at once, `restore()` starts it again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.proc: subprocess.Popen | None = None
        self.restore()

    def restore(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sep_pipeline_tests.tcp_proxy", str(self.port),
                 self.target[0], str(self.target[1])], cwd=ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True)
            if self.proc.stdout.readline().strip() == "listening":
                return
            self.proc.wait()
            assert time.monotonic() < deadline, "the proxy could not listen again"
            time.sleep(0.2)  # the port is still held by the killed one's sockets

    def cut(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        self.cut()


# --- Small file systems ----------------------------------------------------------------------


def mount_tmpfs(path: Path, size_mb: int) -> None:
    """A small tmpfs at `path` (needs root: the machine's tests run as root)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                   check=True, capture_output=True)


def mount_read_only(source: Path, path: Path) -> None:
    """`source` seen read-only at `path` (a read-only bind mount: root cannot write it either)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(source), str(path)], check=True,
                   capture_output=True)
    subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True,
                   capture_output=True)


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def can_mount() -> str | None:
    """None when this process may mount file systems, else why not."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    return None


def fill(folder: Path) -> Path:
    """Fill the file system holding `folder` to the last byte; returns the filler file."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return filler


# --- A world to break, restored for each fault -----------------------------------------------


def drop(intake: Path, body: str, quarter: int, name: str | None = None,
         mtime: float | None = None) -> Path:
    """A sample return copied into a body's intake folder (with the modification time given)."""
    src = SAMPLES / body / f"{body}_2025-26_Q{quarter}.xlsx"
    target = intake / body / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def fewer_women(path: Path, n: int = 5) -> Path:
    """The return with `n` women in post taken out: a resubmission that changes the figures."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Workforce"]
    col = {c.value: c.column for c in ws[1]}
    women = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["Sex"]).value == "Female"
             and ws.cell(r, col["In post at snapshot date"]).value == "Yes"]
    for r in reversed(women[:n]):
        ws.delete_rows(r)
    wb.save(path)
    return path


class World:
    """A data folder, intake, Dagster home and warehouse (SQLite, or a PostgreSQL database) at
    fixed paths, holding the first run's results (CLCT and MGNPA, 2025-26 Q1, published), and
    two next steps to break:

    - "resubmission": CLCT's corrected Q1 arrives (Q1's figures updated from the kept ones, its
      partnership pack rewritten, the per-body workbooks marked out of date);
    - "new quarter": MGNPA's first Q2 arrives (Q2's figures, pack and per-body workbooks
      written the first time).

    `restore(scenario)` puts the first run's state back (files and database) with that
    scenario's file waiting; `clean[scenario]` is what a run without faults then leaves."""

    SCENARIOS = ("resubmission", "new quarter")

    def __init__(self, base: Path, mp, pg_admin_url: str | None = None,  # noqa: ANN001
                 via_port: int | None = None) -> None:
        from sep_pipeline.runner import run_pending
        from sep_pipeline_tests.isolation import isolate

        self.base = base
        # beside the base, not in it: a test may fill the base's file system, and the runs'
        # markers and output must still be written
        self.pause_dir = base.parent / f"{base.name}-pause"
        self.work = base / "work"
        self.template = base / "template"
        self.pg = pg_admin_url
        url = None
        if pg_admin_url:
            stem = f"sep_test_crash_{os.getpid()}_{int(time.time())}"
            self.db, self.template_db = stem, stem + "_tmpl"
            self._admin(f'CREATE DATABASE "{self.db}"')
            u = sa.make_url(pg_admin_url).set(database=self.db)
            url = u.set(port=via_port).render_as_string(hide_password=False) if via_port else (
                u.render_as_string(hide_password=False))
        self.cfg = isolate(mp, self.work, url, key="crash-test-key" if url else None)
        for body in ("CLCT", "MGNPA"):
            drop(self.cfg.intake_dir, body, 1, mtime=time.time() - 100)
        run_pending()
        waiting = base / "waiting"
        self.files = {
            "resubmission": fewer_women(drop(waiting, "CLCT", 1, name="CLCT_Q1_v2.xlsx")),
            "new quarter": drop(waiting, "MGNPA", 2),
        }
        for path in self.files.values():
            os.utime(path, (time.time() - 50, time.time() - 50))
        self._release()
        shutil.copytree(self.work, self.template, symlinks=True)
        if self.pg:
            self._admin(f'CREATE DATABASE "{self.template_db}" TEMPLATE "{self.db}"')
        self.clean = {}
        for scenario in self.SCENARIOS:
            self.restore(scenario)
            run_pending()
            self.clean[scenario] = outcome(self.cfg)

    def _admin(self, sql: str) -> None:
        eng = sa.create_engine(self.pg, isolation_level="AUTOCOMMIT")
        try:
            with eng.connect() as conn:
                conn.execute(sa.text(sql))
        finally:
            eng.dispose()

    def _release(self) -> None:
        """Close this process's connections to the warehouse (it is about to be replaced)."""
        warehouse.engine(self.cfg.warehouse_url).dispose()

    def restore(self, scenario: str) -> None:
        self._release()
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(self.template, self.work, symlinks=True)
        waiting = self.files[scenario]
        target = self.cfg.intake_dir / waiting.parent.name / waiting.name
        shutil.copy2(waiting, target)  # (with its modification time)
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.db}" TEMPLATE "{self.template_db}"')

    def close(self) -> None:
        self._release()
        if self.pg:
            for name in (self.db, self.template_db):
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def assert_plain(out: str, *words: str) -> None:
    """One plain message: no traceback on the terminal, the cause named."""
    assert "Traceback" not in out and len(out.strip().splitlines()) <= 12, out
    flat = " ".join(out.split())
    for w in words:
        assert w in flat, out


def assert_consistent(url: str) -> None:
    """What any interrupted run must leave: at most one current return per body x quarter,
    every standardised row belonging to it."""
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            assert _rows(conn, "select body_code, period from submissions where status = "
                               "'accepted' group by body_code, period having count(*) > 1") == []
            for table in warehouse.DATA_TABLES:
                assert _rows(conn, f"select count(*) from {table} t where not exists (select 1 "
                                   "from submissions s where s.submission_id = t.submission_id "
                                   "and s.status = 'accepted')") == [(0,)], table
    finally:
        eng.dispose()


def assert_readable_packs(folder: Path) -> None:
    """Every pack workbook a reader can open is a whole workbook (never half of one)."""
    for path in folder.rglob("*.xlsx"):
        if not any(part.startswith(".") for part in path.relative_to(folder).parts):
            _workbook(path)
