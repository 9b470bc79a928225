"""The intake folder: which files are returns, which are ready, and what each one is."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import matching
from . import standard as std
from .durable import copy_hashed, fits
from .pause_points import pause
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


class ChangedWhileCopied(Exception):
    """The file changed while it was being copied into the archive: it is taken next time."""


def archive_name(sha256: str, file_name: str) -> str:
    """A file's place in the content-addressed archive: `ab/abcd…ef.xlsx`."""
    suffix = Path(file_name).suffix.lower()
    return f"{sha256[:2]}/{sha256}{suffix if len(suffix) <= 6 else ''}"


def take_in(candidate: Candidate, archive_dir: Path) -> tuple[Path, str]:
    """Copy a ready file into the archive before anything parses it, reading it once: the copy
    is written under a temporary name, flushed, and renamed to the sha256 of the bytes it holds.
    Everything after this reads the copy, never the intake file. Returns (archived, sha256);
    ChangedWhileCopied when the file changed meanwhile (the copy is dropped)."""

    def unchanged() -> None:
        pause("archive", candidate.path.name)
        st = candidate.path.stat()
        if (st.st_size, st.st_mtime_ns) != candidate.look:
            raise ChangedWhileCopied(str(candidate.path))

    return copy_hashed(candidate.path, archive_dir,
                       lambda sha: archive_name(sha, candidate.path.name), unchanged)


def arrival_order(ready: list[Candidate]) -> list[Candidate]:
    """Oldest first (modification time, then name): of two returns for the same quarter, the
    newest is taken last and so becomes current."""
    return sorted(ready, key=lambda c: (c.mtime_ns, c.path.name, c.body))


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
    """Where a return's feedback workbook goes: beside it, in the body's feedback/ folder; a
    name too long for the file system is shortened (keeping a hash of it and `.xlsx`)."""
    folder = body_dir(intake_dir, body) / FEEDBACK_DIR
    return folder / fits(folder, f"{Path(file_name).stem}_feedback.xlsx")
