"""The intake folder: which files are returns, which are ready, and what each one is."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..common.durable import copy_hashed, fits
from ..common.pause_points import pause
from ..standard import matching
from ..standard import sep_return as std
from ..standard.periods import Period
from .safe_read import FileRefused, read_workbook

FEEDBACK_DIR = "feedback"
# Office lock files, editor and download leftovers: never returns.
_IGNORED_PREFIXES = ("~$", ".", "~")
_IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp", "~", ".md", ".txt")


@dataclass(frozen=True)
class Candidate:
    path: Path
    body: str  # the body folder's name, exactly as on disk (a registry code, or refused later)
    size: int
    mtime_ns: int

    @property
    def look(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


# Why an entry of the intake folder is not read as a return (the `status` command lists them;
# a body's feedback folder gets a workbook saying so for those marked True).
NOT_TAKEN: dict[str, tuple[str, bool]] = {
    "link": ("a link (shortcut), never followed", True),
    "not_a_file": ("not an ordinary file", True),
    "unreadable": ("cannot be read: check its permissions", True),
    "folder": ("a folder inside a body's folder: only files directly in it are read", True),
    "top_level": ("not in a body's folder", False),
    "ignored": ("a lock, temporary or note file: ignored", False),
}


@dataclass(frozen=True)
class NotTaken:
    """An entry of the intake folder that is not read as a return, and why (`NOT_TAKEN`)."""

    path: Path
    body: str | None  # the body folder it is in (None: the top level)
    reason: str

    @property
    def why(self) -> str:
        return NOT_TAKEN[self.reason][0]


def _ignored(name: str) -> bool:
    return name.startswith(_IGNORED_PREFIXES) or name.lower().endswith(_IGNORED_SUFFIXES)


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def survey(intake_dir: Path) -> tuple[list[Candidate], list[NotTaken]]:
    """The intake folder, without following any link: the ordinary files directly in each body
    folder (candidates), and every other entry with the reason it is not read. A body folder
    is taken by its exact name (no case folding): one that is no registry code is refused when
    its files are processed. The feedback folders and hidden top-level folders are skipped; a
    folder that cannot be read is reported, never stops the others."""
    found: list[Candidate] = []
    refused: list[NotTaken] = []
    if not intake_dir.is_dir():
        return found, refused
    try:
        top = _entries(intake_dir)
    except OSError:
        return found, [NotTaken(intake_dir, None, "unreadable")]
    for entry in top:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue  # the system's or the pipeline's own
        if entry.is_symlink():
            refused.append(NotTaken(path, None, "link"))
            continue
        if not entry.is_dir(follow_symlinks=False):
            if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv"):
                refused.append(NotTaken(path, None, "top_level"))
            continue
        body = entry.name
        try:
            inner = _entries(path)
        except OSError:
            refused.append(NotTaken(path, body, "unreadable"))
            continue
        for e in inner:
            p = Path(e.path)
            if e.name == FEEDBACK_DIR and e.is_dir(follow_symlinks=False):
                continue
            if e.is_symlink():
                reason = "link"
            elif e.is_dir(follow_symlinks=False):
                reason = "folder"
            elif not e.is_file(follow_symlinks=False):
                reason = "not_a_file"
            elif _ignored(e.name):
                reason = "ignored"
            else:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    reason = "unreadable"
                else:
                    found.append(Candidate(p, body, st.st_size, st.st_mtime_ns))
                    continue
            refused.append(NotTaken(p, body, reason))
    return found, refused


def candidates(intake_dir: Path) -> list[Candidate]:
    """The files in `intake_dir/<BODY>/` that may be returns (`survey`'s first part)."""
    return survey(intake_dir)[0]


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
    ChangedWhileCopied when the file changed meanwhile (the copy is dropped); durable.Unreadable
    when it cannot be opened as an ordinary file (replaced by a link, say: never followed)."""

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
    """A body's intake folder: the folder named exactly as its code."""
    return intake_dir / body


def feedback_path(intake_dir: Path, body: str, file_name: str) -> Path:
    """Where a return's feedback workbook goes: beside it, in the body's feedback/ folder; a
    name too long for the file system is shortened (keeping a hash of it and `.xlsx`)."""
    folder = body_dir(intake_dir, body) / FEEDBACK_DIR
    return folder / fits(folder, f"{Path(file_name).stem}_feedback.xlsx")
