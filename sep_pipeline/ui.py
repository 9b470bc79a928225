"""The Dagster UI and daemon (`dagster dev`), started as a child and stopped cleanly.

`dagster dev` runs the webserver, the daemon and a code server (which starts a gRPC server, which
starts the runs) as its own children. Stopping all of them needs care:

* A process started with SIGINT ignored (a background job of a non-interactive shell, some
  process managers) passes that on: `dagster dev` then ignores Ctrl-C, and maps SIGTERM to the
  same "ignore", and its children inherit both. So the child starts with SIGINT/SIGTERM at their
  defaults, whatever this process had.
* `dagster dev` runs in its own process group (and session), so a Ctrl-C on the terminal reaches
  it once, from here, not twice; this process forwards SIGINT, SIGTERM (and SIGHUP, as SIGTERM)
  to the whole group, as a terminal Ctrl-C would have reached the whole group.
* If the group has not gone `stop_timeout` seconds after the first signal, it is killed (SIGKILL);
  anything left in the group once `dagster dev` has exited is stopped too. On Linux the child is
  also told to stop (SIGTERM) if this process dies without a chance to forward anything.

    python -m sep_pipeline.ui --port 3000          # or: sep-pipeline ui
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_PORT = 3000
STOP_TIMEOUT_S = 20.0
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

def laptop_dagster_yaml(home: Path) -> str:
    """Dagster's SQLite storage in `home`, with all events in one file rather than a new
    database per run (creating that database costs more disk waits than a short run itself),
    through storage classes that keep their connections (`dagster_sqlite`)."""
    return f"""\
# Written by sep-pipeline because none was here. Dagster keeps its runs, events and schedules in
# SQLite files in this folder. For a shared deployment use deploy/dagster.yaml (PostgreSQL).
telemetry:
  enabled: false
run_storage:
  module: sep_pipeline.dagster_sqlite
  class: KeptSqliteRunStorage
  config:
    base_dir: {home / "history"}
event_log_storage:
  module: sep_pipeline.dagster_sqlite
  class: KeptSqliteEventLogStorage
  config:
    base_dir: {home / "history" / "events"}
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {home / "schedules"}
"""


# gRPC's fork handlers run in every child forked from a process using gRPC (Dagster's code
# server, which evaluates the intake sensor and reads each new return's About sheet in a forked
# child): they let the child abort now and then, and a valid return was refused. The processes
# started here, and the code servers they start, run gRPC without them.
GRPC_WITHOUT_FORK_HANDLERS = {"GRPC_ENABLE_FORK_SUPPORT": "false"}


def dagster_env(home: Path) -> dict[str, str]:
    """The environment of the Dagster processes started here."""
    return {**os.environ, **GRPC_WITHOUT_FORK_HANDLERS, "DAGSTER_HOME": str(home)}


def prepare_dagster_home(dagster_home: Path, template: Path | None = None) -> Path:
    """Create DAGSTER_HOME if missing, with a `dagster.yaml` if it has none: a copy of
    `template` (e.g. deploy/dagster.yaml), or the laptop's SQLite storage."""
    home = Path(dagster_home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and not (home / "dagster.yml").exists():
        text = template.read_text(encoding="utf-8") if template else laptop_dagster_yaml(home)
        (home / "dagster.yaml").write_text(text, encoding="utf-8")
    elif template is None and _earlier_laptop_yaml(home):
        # one sep-pipeline wrote before its storage kept connections: the same files, read
        # by the classes that keep them
        (home / "dagster.yaml").write_text(laptop_dagster_yaml(home), encoding="utf-8")
    return home


def earlier_laptop_dagster_yaml(home: Path) -> str:
    """What `laptop_dagster_yaml` wrote before the storage kept its connections: Dagster's own
    storage classes on the same files."""
    text = laptop_dagster_yaml(home)
    for ours, dagsters in (("sep_pipeline.dagster_sqlite\n  class: KeptSqliteRunStorage",
                            "dagster._core.storage.runs\n  class: SqliteRunStorage"),
                           ("sep_pipeline.dagster_sqlite\n  class: KeptSqliteEventLogStorage",
                            "dagster._core.storage.event_log\n  class: "
                            "ConsolidatedSqliteEventLogStorage")):
        text = text.replace(ours, dagsters)
    return text


def _earlier_laptop_yaml(home: Path) -> bool:
    try:
        text = (home / "dagster.yaml").read_text(encoding="utf-8")
    except OSError:
        return False
    return text == earlier_laptop_dagster_yaml(home)


def dagster_command() -> list[str]:
    """The `dagster` of this environment (next to the running Python), not whatever is on PATH."""
    exe = Path(sys.executable).parent / "dagster"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dagster"]


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _libc_prctl() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _child_setup(prctl: Callable[..., int] | None) -> Callable[[], None]:
    """What the child runs between fork and exec: default signal handling, die with the parent.

    Only calls prepared in the parent: no imports or allocations that could need a lock.
    """
    sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

    def setup() -> None:
        for sig in sigs:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))

    return setup


def _group_alive(pgid: int) -> bool:
    """Does any process (not a zombie) remain in the process group?"""
    proc = Path("/proc")
    if proc.is_dir():
        for stat in proc.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            # After the command name: state, ppid, pgrp, ...
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_group(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def serve(
    workspace: Path,
    dagster_home: Path,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    stop_timeout: float = STOP_TIMEOUT_S,
) -> int:
    """Run `dagster dev` on `workspace` until it exits or this process is told to stop.

    Returns `dagster dev`'s exit status (0 after a clean Ctrl-C), 128+N when it had to be killed
    by signal N, 1 when the port is taken, 2 when the workspace file is missing.
    """
    workspace = Path(workspace).resolve()
    if not workspace.is_file():
        print(f"No workspace file at {workspace}.", file=sys.stderr)
        return 2
    if _port_in_use(host, port):
        print(f"Port {port} on {host} is in use: choose another with --port.", file=sys.stderr)
        return 1
    home = prepare_dagster_home(dagster_home)
    env = dagster_env(home)
    # `dagster dev` is "superseded by dg dev" (a separate CLI): the warning only confuses here.
    env["PYTHONWARNINGS"] = ",".join(
        filter(None, [env.get("PYTHONWARNINGS"), "ignore:Function `dev_command` is superseded"])
    )
    cmd = [*dagster_command(), "dev", "-w", str(workspace), "-h", host, "-p", str(port)]

    child: subprocess.Popen[bytes] | None = None
    first_signal_at: float | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        nonlocal first_signal_at
        sig = signal.SIGTERM if signum == signal.SIGHUP else signum
        if first_signal_at is None:
            first_signal_at = time.monotonic()
            print(f"\nStopping Dagster ({signal.Signals(signum).name})...", file=sys.stderr)
        if child is None:
            pending.append(sig)
        else:
            _killpg(child.pid, sig)

    on_main_thread = threading.current_thread() is threading.main_thread()
    previous: dict[int, Callable | int | None] = {}
    if on_main_thread:  # signal handlers can only be set from the main thread
        for sig in _FORWARDED:
            previous[sig] = signal.signal(sig, forward)
    try:
        child = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_child_setup(_libc_prctl()),
        )
        pgid = child.pid  # leader of its own session and process group
        for sig in pending:
            _killpg(pgid, sig)
        print(f"Dagster UI: http://{host}:{port}  (Ctrl-C stops it)", file=sys.stderr)
        killed = False
        while True:
            try:
                returncode = child.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                pass
            if (first_signal_at is not None and not killed
                    and time.monotonic() - first_signal_at > stop_timeout):
                print(f"Dagster did not stop within {stop_timeout:.0f} s: killing it.",
                      file=sys.stderr)
                _killpg(pgid, signal.SIGKILL)
                killed = True
        # `dagster dev` is gone; make sure nothing it started outlives it.
        if _group_alive(pgid):
            _killpg(pgid, signal.SIGTERM)
            if not _wait_group(pgid, 5.0):
                _killpg(pgid, signal.SIGKILL)
                _wait_group(pgid, 5.0)
    except BaseException:
        if child is not None and child.poll() is None:
            _killpg(child.pid, signal.SIGKILL)
            child.wait()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return 128 - returncode if returncode < 0 else returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sep_pipeline.ui",
        description="Start the Dagster UI and daemon on the workspace; Ctrl-C stops both.",
    )
    parser.add_argument("--workspace", type=Path, default=Path("workspace.yaml"),
                        help="Dagster workspace file (default: %(default)s)")
    parser.add_argument("--dagster-home", type=Path,
                        default=Path(os.environ.get("DAGSTER_HOME") or "var/dagster_home"),
                        help="Dagster instance folder (default: $DAGSTER_HOME or "
                             "var/dagster_home)")
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s")
    args = parser.parse_args(argv)
    return serve(args.workspace, args.dagster_home, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
