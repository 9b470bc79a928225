"""What stopped a run, said plainly: the failures of the machine around the pipeline (a full
disk, a folder it cannot write, a database it cannot reach or lost) become one message naming
the cause and what to do; the traceback goes to the log file, not the terminal."""

from __future__ import annotations

import errno
import os
import tempfile
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from .config import ConfigError, Settings

LOG_NAME = "sep-pipeline.log"


class Failure(Exception):
    """A failure explained: `str()` is the message for the user."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and exceptions carried in its arguments or `.orig`."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__, getattr(e, "orig", None))
                 if isinstance(x, BaseException)]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
_REFUSED = ("connection refused", "could not connect", "connection timed out",
            "no route to host", "name or service not known", "could not translate host")
_LOST = ("server closed the connection", "connection is closed", "terminating connection",
         "consuming input failed", "connection has been closed", "lost synchronization",
         "ssl syscall", "eof detected", "connection reset", "broken pipe",
         "the connection is lost", "server conn crashed", "connection already closed")


def _where(e: BaseException, cfg: Settings) -> str:
    name = getattr(e, "filename", None)
    return str(name) if name else str(cfg.data_dir)


def _database(cfg: Settings) -> str:
    url = sa.make_url(cfg.warehouse_url)
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def explain(exc: BaseException, cfg: Settings) -> str | None:
    """The plain message for a failure of the machine around the pipeline, or None when the
    failure is something else (then the log file has the details)."""
    postgres = not cfg.warehouse_url.startswith("sqlite")
    for e in _chain(exc):
        text = str(e).lower()
        if isinstance(e, Failure | ConfigError):
            return str(e)
        if isinstance(e, OSError) and e.errno in _FULL or "database or disk is full" in text:
            return (f"The disk is full: no space is left on the file system holding "
                    f"{_where(e, cfg)}. Nothing half-written was kept: the files and tables "
                    "being written keep their previous contents. Free some space there, then "
                    "run `sep-pipeline run` again: it completes the work.")
        if (isinstance(e, OSError) and e.errno in _READ_ONLY
                or "readonly database" in text or "unable to open database file" in text):
            why = os.strerror(e.errno) if isinstance(e, OSError) and e.errno else "read-only"
            verb = ("cannot be read or written" if isinstance(e, OSError)
                    and e.errno in (errno.EACCES, errno.EPERM) else "cannot be written")
            return (f"{_where(e, cfg)} {verb} ({why.lower()}). "
                    f"The pipeline keeps its archive, warehouse, Dagster storage and packs in "
                    f"SEP_DATA_DIR ({cfg.data_dir}) and writes feedback in the intake folders: "
                    "make them writable by the account that runs it, or set SEP_DATA_DIR to a "
                    "writable folder. Nothing was changed.")
        database = isinstance(e, (sa.exc.OperationalError, sa.exc.InterfaceError))
        if postgres and (database or type(e).__module__.startswith("psycopg")):
            if any(s in text for s in _REFUSED):
                return (f"Cannot reach the warehouse database at {_database(cfg)} (connection "
                        "refused). Check that PostgreSQL is running and that SEP_WAREHOUSE_URL "
                        "is right, then run `sep-pipeline run` again: it completes the work. "
                        "What was being written was rolled back.")
            if any(s in text for s in _LOST):
                return (f"The connection to the warehouse database at {_database(cfg)} was "
                        "lost. What was being written was rolled back; run `sep-pipeline run` "
                        "again when the database is back: it completes the work.")
    return None


def is_environmental(exc: BaseException, cfg: Settings) -> bool:
    """A failure of the machine around the pipeline (see `explain`): no other file can be
    processed either, so the run stops."""
    return explain(exc, cfg) is not None and not any(
        isinstance(e, Failure) for e in _chain(exc))


def log_file(cfg: Settings) -> Path:
    return cfg.data_dir / "logs" / LOG_NAME


def log(exc: BaseException, cfg: Settings, what: str) -> Path:
    """Append the traceback to the log file (in the data folder; in the temporary folder when
    that cannot be written, the disk being full, say); returns the file written."""
    entry = (f"{datetime.now(UTC).isoformat(timespec='seconds')} ERROR {what}\n"
             + "".join(traceback.format_exception(exc)) + "\n")
    fallback = Path(tempfile.gettempdir()) / LOG_NAME
    for path in (log_file(cfg), fallback):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(entry)
                f.flush()
                os.fsync(f.fileno())
            return path
        except OSError:
            continue
    return fallback


def check_writable(cfg: Settings) -> None:
    """Fail early, plainly, when the data folder cannot be written (before the warehouse or
    Dagster's storage say 'unable to open database file')."""
    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".sep-probe-", dir=cfg.data_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        if e.filename is None:
            e.filename = str(cfg.data_dir)
        raise Failure(explain(e, cfg) or f"{cfg.data_dir} cannot be written: {e}") from e


