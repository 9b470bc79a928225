"""Commands some tests need beyond Python (LibreOffice, Chromium)."""

from __future__ import annotations

import os
import shutil

import pytest


def required(commands: tuple[str, ...], why: str) -> str:
    """The first of `commands` on the PATH; without one the test skips, and fails in CI (which
    installs them: .ci/run)."""
    for command in commands:
        if found := shutil.which(command):
            return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI must run this test)")
    pytest.skip(why)
