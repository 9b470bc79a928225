"""Files that are complete or absent: written under a temporary name, flushed to disk, then
renamed into place, so a kill or a full disk leaves the previous file (or none), never half of
one. A group of files (a pack) is written into a staging folder first and moved into place only
once every file of it is written.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .pause_points import pause

_STAGING = ".staging-"


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(target: Path) -> Path:
    # short and fixed in length: a temporary name is never too long where the target fits
    return target.with_name(f".sep-{secrets.token_hex(6)}.tmp")


_TEMPORARIES = ".sep-*.tmp"  # `_temporary`'s names
# A temporary file untouched this long (seconds) belongs to no live writer: one is written,
# flushed and renamed at once.
STALE_AFTER = 3600.0


def clear_temporaries(folders: Iterable[Path], stale_after: float = STALE_AFTER) -> list[Path]:
    """Remove the temporary files of `replacing` and `copy_hashed` that a killed writer left
    anywhere under `folders` (a copy of a return in the archive, a feedback workbook beside a
    partner's files), once untouched for `stale_after` seconds: a live writer's is younger,
    even one that holds no writer lock (a run started by hand for a file copies it into the
    archive). Links are not followed; one that cannot be removed is left for the next time.
    Returns what was removed."""
    cutoff = time.time() - stale_after
    removed = []
    for folder in folders:
        if Path(folder).is_symlink():
            continue
        for root, _dirs, names in os.walk(folder):  # does not descend into linked folders
            for p in (Path(root) / n for n in names if fnmatch.fnmatchcase(n, _TEMPORARIES)):
                with suppress(OSError):  # gone already, or not ours to remove
                    st = p.lstat()
                    if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                        p.unlink()
                        removed.append(p)
    return removed


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write; when the block ends without an exception it
    is flushed and renamed onto `target`, else removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(target)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(target.parent)


def write_bytes(target: Path, data: bytes) -> Path:
    with replacing(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


class Unreadable(Exception):
    """The source could not be opened or read as an ordinary file; `reason` as in
    `intake.NOT_TAKEN` ("link", "not_a_file", "unreadable")."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def _open_regular(source: Path) -> int:
    """A descriptor to read `source`, never through a link, never blocking on a pipe or device
    (what a name points to can change between a look and the copy)."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise Unreadable(source, "link" if e.errno == errno.ELOOP else "unreadable") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Unreadable(source, "not_a_file")
    os.set_blocking(fd, True)
    return fd


def copy_hashed(source: Path, folder: Path, name: Callable[[str], str],
                on_written: Callable[[], None] = lambda: None) -> tuple[Path, str]:
    """Copy `source` into `folder` under `name(sha256)`, reading it once and hashing the bytes
    as they are written: the name is the hash of exactly what the copy holds. The copy is
    flushed before it takes its name; an existing file of that name (same content) is kept.
    `on_written` runs between the write and the rename. Unreadable when the source cannot be
    read as an ordinary file (a failure to write the copy is an OSError, as it is)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(folder / "x")
    h = hashlib.sha256()
    try:
        with os.fdopen(_open_regular(source), "rb") as src, tmp.open("wb") as dst:
            while True:
                try:
                    chunk = src.read(1 << 20)
                except OSError as e:
                    raise Unreadable(source, "unreadable") from e
                if not chunk:
                    break
                h.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        sha = h.hexdigest()
        target = folder / name(sha)
        on_written()
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.replace(tmp, target)
            fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return target, sha


class Staging:
    """A folder of files written together: write them under `.path` (same layout as the
    destination), then `commit()` moves each into `dest`, or `discard()` drops them all. Until
    the commit the destination is untouched."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        clear_staging(self.dest)
        self.path = self.dest.parent / f".{self.dest.name}{_STAGING}{secrets.token_hex(4)}"
        self.path.mkdir()

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*") if p.is_file())

    def commit(self, last: tuple[str, ...] = ()) -> list[Path]:
        """Move every staged file into place (each flushed first; files named in `last` after
        the others); returns their destinations."""
        staged = self.files()
        order = sorted(staged, key=lambda p: p.name in last)
        for p in order:
            fsync_file(p)
        moved = []
        for p in order:
            rel = p.relative_to(self.path)
            pause("pack_commit", rel.as_posix())
            target = self.dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, target)
            moved.append(target)
        for folder in sorted({t.parent for t in moved}):
            fsync_dir(folder)
        self.discard()
        return moved

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def clear_staging(dest: Path) -> None:
    """Remove staging folders a killed writer left beside `dest` (the caller holds the writer
    lock, so no live writer owns one)."""
    for old in Path(dest).parent.glob(f".{Path(dest).name}{_STAGING}*"):
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(dest: Path) -> Iterator[Staging]:
    """`Staging(dest)`, discarded if the block raises (the destination keeps its files)."""
    stage = Staging(dest)
    try:
        yield stage
    except BaseException:
        stage.discard()
        raise


def fits(folder: Path, name: str) -> str:
    """`name`, or a shorter one keeping its extension and a hash of the whole name, when the
    file system's limit on a name's length (in bytes) would refuse it."""
    try:
        limit = os.pathconf(folder if folder.exists() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    tail = f"~{digest[:8]}" + (f".{ext}" if ext else "")
    room = limit - len(tail.encode("utf-8"))
    short = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return short + tail
