"""Named points in the flow where a test can hold the process: to kill it exactly there, or to
break something (fill the disk, cut the database) before letting it go on.

    SEP_PAUSE_AT="figures"           hold at the first point named "figures"
    SEP_PAUSE_AT="pack_file:*_cy.xlsx"  points take a detail, matched as a shell pattern
    SEP_PAUSE_DIR=/tmp/x             where the markers go

At a matching point the process writes `<SEP_PAUSE_DIR>/reached` (its pid and the point) and
waits until `<SEP_PAUSE_DIR>/go` exists, then goes on; the point holds once per process. Without
SEP_PAUSE_AT nothing happens: one environment lookup per point.
"""

from __future__ import annotations

import os
import time
from fnmatch import fnmatchcase
from pathlib import Path

_held: set[str] = set()


def pause(point: str, detail: str = "") -> None:
    """Hold here if SEP_PAUSE_AT names this point (`point` or `point:detail`)."""
    wanted = os.environ.get("SEP_PAUSE_AT")
    if not wanted:
        return
    name = f"{point}:{detail}" if detail else point
    if not (fnmatchcase(name, wanted) or fnmatchcase(point, wanted)) or wanted in _held:
        return
    _held.add(wanted)
    folder = Path(os.environ.get("SEP_PAUSE_DIR", "."))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".reached.{os.getpid()}"
    tmp.write_text(f"{os.getpid()} {name}\n", encoding="utf-8")
    os.replace(tmp, folder / "reached")
    while not (folder / "go").exists():
        time.sleep(0.02)
