"""Headless Chromium (Debian's, driven by Playwright) and a Dagster webserver on the test's
instance: the UI looked at as an analyst looks at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sep_pipeline import ui
from sep_pipeline_tests.commands import required

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90
# Without the background-networking flags Chromium keeps reaching for Google's hosts, which a
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """Debian's Chromium (skips without it; fails in CI)."""
    return required(("chromium", "chromium-browser"),
                    "Chromium is not installed: apt-get install chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    """Whether a Dagster webserver answers on `port`."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
            return r.status == 200 and b"dagster_webserver_version" in r.read()
    except OSError:
        return False


@contextmanager
def dagster_webserver(log: Path) -> Iterator[str]:
    """The Dagster UI (webserver only: no daemon, so nothing runs behind the test's back) on the
    instance and settings of this process's environment; yields its address."""
    port = free_port()
    env = {**os.environ, **ui.dagster_env(Path(os.environ["DAGSTER_HOME"]))}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "-w", str(ROOT / "workspace.yaml"),
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not answers(port):
                assert proc.poll() is None, "webserver exited:\n" + log.read_text()
                assert time.monotonic() < deadline, "no answer:\n" + log.read_text()
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


@contextmanager
def page() -> Iterator:
    """A fresh headless Chromium page (Playwright)."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()
