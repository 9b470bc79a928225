"""The intake folder: which files are returns, which are ready, and what each one is."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import matching
from . import standard as std
from .periods import Period
from .safe_read import FileRefused, read_workbook

FEEDBACK_DIR = "feedback"
# Office lock files, editor and download leftovers: never returns.
_IGNORED_PREFIXES = ("~$", ".", "~")
_IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp", "~", ".md", ".txt")


@dataclass(frozen=True)
class Candidate:
    path: Path
    body: str  # the body folder's name, upper case
    size: int
    mtime_ns: int

    @property
    def look(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


def candidates(intake_dir: Path) -> list[Candidate]:
    """Files in `intake_dir/<BODY>/` that may be returns (not the feedback folder, not lock
    files, not files at the top level)."""
    out: list[Candidate] = []
    if not intake_dir.is_dir():
        return out
    for body_dir in sorted(p for p in intake_dir.iterdir() if p.is_dir()):
        if body_dir.name.startswith("."):
            continue
        for path in sorted(body_dir.iterdir()):
            name = path.name
            if not path.is_file() or name.startswith(_IGNORED_PREFIXES):
                continue
            if name.lower().endswith(_IGNORED_SUFFIXES):
                continue
            st = path.stat()
            out.append(Candidate(path, body_dir.name.upper(), st.st_size, st.st_mtime_ns))
    return out


def stable(now: list[Candidate], before: Mapping[str, tuple[int, int]]) -> list[Candidate]:
    """Files whose size and modification time did not change since the previous look: a file
    still being copied in is left for the next look."""
    return [c for c in now if c.size > 0 and tuple(before.get(str(c.path), ())) == c.look]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive(path: Path, archive_dir: Path, sha256: str) -> Path:
    """Copy a file into the content-addressed archive (before anything parses it)."""
    suffix = path.suffix.lower() if len(path.suffix) <= 6 else ""
    target = archive_dir / sha256[:2] / f"{sha256}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        shutil.copyfile(path, tmp)
        tmp.replace(target)  # atomic: the archive never holds half a file
    return target


def peek_period(path: Path) -> Period | None:
    """The quarter named on a return's About sheet, or None when the file or period can't be
    read (the full validation then says why)."""
    def about(name: str) -> bool:
        return matching.match_sheet(name) == std.ABOUT.name

    try:
        raw = read_workbook(path, sheets=about)  # the data sheets are read once, by the run
    except FileRefused:
        return None
    for sheet in raw.sheets.values():
        for row in sheet.rows:
            cells = list(row) + [None, None]
            if matching.match_header(std.ABOUT.name, cells[0]) == "period":
                try:
                    return Period.parse(matching.as_text(cells[1]))
                except ValueError:
                    return None
    return None


def body_dir(intake_dir: Path, body: str) -> Path:
    """A body's intake folder, whatever the case of its name on disk."""
    if intake_dir.is_dir():
        for p in intake_dir.iterdir():
            if p.is_dir() and p.name.upper() == body.upper():
                return p
    return intake_dir / body


def feedback_path(intake_dir: Path, body: str, file_name: str) -> Path:
    """Where a return's feedback workbook goes: beside it, in the body's feedback/ folder."""
    return body_dir(intake_dir, body) / FEEDBACK_DIR / f"{Path(file_name).stem}_feedback.xlsx"
