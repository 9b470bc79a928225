"""Headless LibreOffice for the tests that open a workbook as a partner's office suite would:
saved again (as a partner's file may be), or recalculated (the template's formulas)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

from sep_pipeline_tests.commands import required


def soffice() -> str:
    """The LibreOffice command (Debian's libreoffice-calc-nogui)."""
    return required(("soffice", "libreoffice"), "LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui")


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
