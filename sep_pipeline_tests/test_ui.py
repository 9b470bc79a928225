"""`sep-pipeline ui` starts the Dagster UI and daemon and stops them all on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sep_pipeline import ui
from sep_pipeline_tests.browser import answers, free_port

ROOT = Path(__file__).parents[1]
START_TIMEOUT_S = 90  # `dagster dev` imports the definitions twice before it answers
STOP_TIMEOUT_S = 30
SIGINT_BIT = 1 << (signal.SIGINT - 1)
SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def _processes() -> dict[int, str]:
    """pid -> command line of every live process (zombies have an empty one)."""
    out = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd:
            out[int(d.name)] = cmd
    return out


def _ours(port: int, home: Path) -> dict[int, str]:
    return {
        pid: cmd for pid, cmd in _processes().items()
        if f" {port} " in f" {cmd} " or str(home) in cmd
    }


def _ignored(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return int(line.split()[1], 16)
    return 0


def _ignore_sigint() -> None:
    # As in a background job of a script (`cmd &`): the case where `dagster dev` would inherit
    # "ignore SIGINT", map SIGTERM to it too, and never stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ui_starts_webserver_and_daemon_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "dagster_home"
    intake = tmp_path / "intake"
    intake.mkdir()
    env = {
        **os.environ,
        # Keep the sensor and any run away from the project's own intake and warehouse.
        "SEP_INTAKE_DIR": str(intake),
        "SEP_DATA_DIR": str(tmp_path / "data"),
        "SEP_WAREHOUSE_URL": f"sqlite:///{tmp_path / 'data' / 'warehouse.sqlite'}",
        "PYTHONUNBUFFERED": "1",
    }
    env["DAGSTER_HOME"] = str(home)
    log = (tmp_path / "ui.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "sep-pipeline"), "ui", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        preexec_fn=_ignore_sigint,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not answers(port):
            assert proc.poll() is None, "ui exited early:\n" + (tmp_path / "ui.log").read_text()
            assert time.monotonic() < deadline, "no answer:\n" + (tmp_path / "ui.log").read_text()
            time.sleep(0.5)
        assert (home / "dagster.yaml").is_file()

        while True:  # the daemon starts alongside the webserver; give it a moment if need be
            running = _ours(port, home)
            if any("dagster._daemon" in c or "dagster-daemon" in c for c in running.values()):
                break
            assert time.monotonic() < deadline, f"no dagster daemon among {running}"
            time.sleep(0.5)
        assert any("dagster_webserver" in c for c in running.values()), running
        dev = [pid for pid, c in running.items() if " dev " in c and pid != proc.pid]
        assert dev, f"no `dagster dev` among {running}"
        for pid in dev:
            assert not _ignored(pid) & (SIGINT_BIT | SIGTERM_BIT), "dagster dev ignores signals"

        started = time.monotonic()
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        returncode = proc.wait(STOP_TIMEOUT_S)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:  # only on failure: leave nothing behind
            proc.kill()
            for pid in _ours(port, home):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
        log.close()
    output = (tmp_path / "ui.log").read_text(errors="replace")
    assert returncode == 0, output
    assert took < ui.STOP_TIMEOUT_S, f"stop took {took:.1f} s: was it killed?\n{output}"

    deadline = time.monotonic() + 5
    while left := _ours(port, home):
        assert time.monotonic() < deadline, f"left running after Ctrl-C: {left}"
        time.sleep(0.2)
    assert "Dagster services shut down" in output


def test_prepare_dagster_home_keeps_an_existing_dagster_yaml(tmp_path: Path) -> None:
    home = ui.prepare_dagster_home(tmp_path / "a" / "home")
    assert "enabled: false" in (home / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text("storage: {}\n")
    ui.prepare_dagster_home(home)
    assert (home / "dagster.yaml").read_text() == "storage: {}\n"


def test_dagster_command_is_the_one_next_to_this_python() -> None:
    cmd = ui.dagster_command()
    assert Path(cmd[0]).parent == Path(sys.executable).parent


def test_serve_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        rc = ui.serve(ROOT / "workspace.yaml", tmp_path / "home", port=port)
    assert rc == 1
    assert ui.serve(tmp_path / "missing.yaml", tmp_path / "home", port=free_port()) == 2
