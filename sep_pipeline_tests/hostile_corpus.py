"""Build every file of `bad_workbooks.HOSTILE`, read it, and print one JSON line per file.

`python -m sep_pipeline_tests.hostile_corpus DIR [NAME ...]`. test_safe_read_corpus.py runs it in
a child process under a hard memory limit: a file that takes the reader down (a regression of the
checks or of the sandbox) takes this process down, never the test runner, and the lines printed so
far say how far it got.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from sep_pipeline.intake.safe_read import FileRefused, inspect_file, read_then, read_workbook
from sep_pipeline_tests.bad_workbooks import HOSTILE


def outcome(read: Callable[[Path], object], path: Path) -> dict[str, object] | None:
    """How `read` refused the file (None: it did not)."""
    try:
        read(path)
    except FileRefused as refused:
        return {"code": refused.issue.code, "reason": refused.reason, **refused.issue.to_dict()}
    return None


def main(directory: Path, names: list[str]) -> None:
    for name in names or sorted(HOSTILE):
        path = HOSTILE[name].build(directory)
        line = {"name": name, "read": outcome(read_workbook, path),
                "then": outcome(lambda p: read_then(p, lambda raw: None), path),
                "checks": outcome(inspect_file, path)}
        print(json.dumps(line), flush=True)
        path.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
