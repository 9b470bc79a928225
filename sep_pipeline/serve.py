"""The shared deployment: Dagster webserver and daemon as two separate, long-lived processes.

Unlike `sep-pipeline ui` (one `dagster dev` in the foreground), `sep-pipeline serve start`
detaches both processes with their logs in files and their pids recorded, so `serve stop` (or
`make down`) can stop them cleanly later, from another shell. In production a process manager
(systemd, a container runtime) does the same job: see `deploy/`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .ui import (
    _child_setup,
    _group_alive,
    _killpg,
    _wait_group,
    dagster_env,
    prepare_dagster_home,
)

DEPLOY_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]


def services(workspace: Path, host: str, port: int) -> list[Service]:
    bin_dir = Path(sys.executable).parent
    return [
        Service("webserver", [str(bin_dir / "dagster-webserver"), "-w", str(workspace),
                              "-h", host, "-p", str(port)]),
        Service("daemon", [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)]),
    ]


def _pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def running(run_dir: Path) -> dict[str, int]:
    """The services started from `run_dir` that are still alive: name -> process group."""
    out: dict[str, int] = {}
    for pid_file in sorted(run_dir.glob("*.pid")):
        try:
            pgid = int(pid_file.read_text().strip())
        except ValueError:
            continue
        if _group_alive(pgid):
            out[pid_file.stem] = pgid
    return out


def start(workspace: Path, dagster_home: Path, run_dir: Path, *, host: str = "127.0.0.1",
          port: int = 3000, dagster_yaml: Path | None = None) -> dict[str, int]:
    """Start the webserver and the daemon (each in its own process group), logs in run_dir."""
    if not workspace.is_file():
        raise FileNotFoundError(f"no workspace file at {workspace}")
    if already := running(run_dir):
        raise RuntimeError(f"already running from {run_dir}: {sorted(already)}; stop it first")
    home = prepare_dagster_home(dagster_home, dagster_yaml)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {**dagster_env(home),
           "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "ignore::DeprecationWarning")}
    setup = _child_setup(None)  # no "die with the parent": these outlive `serve start`
    started: dict[str, int] = {}
    for svc in services(workspace, host, port):
        log = (run_dir / f"{svc.name}.log").open("ab")
        proc = subprocess.Popen(svc.argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=setup, cwd=workspace.parent)
        log.close()
        _pid_file(run_dir, svc.name).write_text(f"{proc.pid}\n")
        started[svc.name] = proc.pid
    return started


def stop(run_dir: Path, timeout: float = 20.0) -> list[str]:
    """Stop what `start` started: SIGTERM to each group, SIGKILL what outlives the timeout."""
    groups = running(run_dir)
    for pgid in groups.values():
        _killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pgid in groups.values():
        if not _wait_group(pgid, max(0.0, deadline - time.monotonic())):
            _killpg(pgid, signal.SIGKILL)
            _wait_group(pgid, 5.0)
    for pid_file in run_dir.glob("*.pid"):
        pid_file.unlink()
    return sorted(groups)
