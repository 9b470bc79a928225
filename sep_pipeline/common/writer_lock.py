"""One writer at a time: a run, a sensor tick or a step that writes holds the writer lock, so
two of them never process the same files or publish the same period at once.

On PostgreSQL it is a session advisory lock on a connection of its own; on SQLite, an exclusive
`flock` on `<SEP_DATA_DIR>/writer.lock`. Both are released by the operating system or the server
when the holder dies, so a killed run never leaves the lock behind. Within one process the lock
is re-entrant: `sep-pipeline run` holds it and the Dagster steps it executes in process take it
again without waiting for themselves.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .config import Settings

_PG_KEY = 0x5E9_0002  # pg_advisory_lock key for "sep_pipeline writer"
_count = 0
_guard = threading.Lock()


def _lock_file(data_dir: Path) -> Path:
    return Path(data_dir) / "writer.lock"


def holder(cfg: Settings) -> str:
    """Who holds the SQLite lock file (as its holder wrote it), for a waiting message."""
    try:
        return _lock_file(cfg.data_dir).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def _flock(cfg: Settings, wait: bool, on_wait: Callable[[str], None]) -> Iterator[bool]:
    path = _lock_file(cfg.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            on_wait(holder(cfg))
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {' '.join(sys.argv[:3])}\n".encode(), 0)
        yield True
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _advisory(cfg: Settings, wait: bool, on_wait: Callable[[str], None]) -> Iterator[bool]:
    engine = sa.create_engine(cfg.warehouse_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_KEY})
            if not got.scalar_one():
                if not wait:
                    yield False
                    return
                on_wait("")
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_KEY})
            try:
                yield True
            finally:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_KEY})
                except sa.exc.DBAPIError:
                    pass  # the connection is gone, and the lock with it
    finally:
        engine.dispose()


@contextmanager
def writer_lock(cfg: Settings, wait: bool = True,
                on_wait: Callable[[str], None] = lambda who: None) -> Iterator[bool]:
    """Hold the writer lock for the block; yields True. With `wait=False` and the lock held by
    another process, yields False at once (the caller skips its work). `on_wait(holder)` is
    called before waiting."""
    global _count
    with _guard:
        if _count:
            _count += 1
            held = True
        else:
            held = False
    if held:
        try:
            yield True
        finally:
            with _guard:
                _count -= 1
        return
    take = _flock if cfg.warehouse_url.startswith("sqlite") else _advisory
    with take(cfg, wait, on_wait) as got:
        if not got:
            yield False
            return
        with _guard:
            _count += 1
        try:
            yield True
        finally:
            with _guard:
                _count -= 1
