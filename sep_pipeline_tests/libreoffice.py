"""Headless LibreOffice for the tests that open a workbook as a partner's office suite would:
saved again (as a partner's file may be), or recalculated (the template's formulas)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest


def soffice() -> str:
    """The LibreOffice command; without it the test skips, and fails in CI (which installs it:
    .ci/run, Debian's libreoffice-calc-nogui)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    why = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI must run this test)")
    pytest.skip(why)


def saved_again(files: list[Path], out: Path) -> list[Path]:
    """Each file opened and saved as .xlsx by headless LibreOffice into `out` (formulas are
    computed on opening), with a profile of its own so that tests side by side share none."""
    profile = out.parent / f"lo_profile_{uuid.uuid4().hex[:8]}"
    cmd = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(out), *map(str, files)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    results = [out / p.name for p in files]
    assert done.returncode == 0 and all(p.exists() for p in results), done.stdout + done.stderr
    return results
