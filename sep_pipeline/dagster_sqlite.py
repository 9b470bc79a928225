"""Fewer disk waits for Dagster's own SQLite storage on a laptop (never the warehouse).

Dagster keeps its run and event storage in SQLite files in WAL mode and opens, commits and
closes a connection for every event. Each commit waits for the disk (fsync), and each close of
the last connection checkpoints the WAL into the database and deletes it (more fsyncs): on a
slow disk that is most of a short run. So, for Dagster's files only:
- `synchronous=NORMAL`, which in WAL mode keeps the files consistent and only risks the last few
  events after a power cut (SQLite's own advice for WAL);
- one idle connection kept open per file, so closing Dagster's connection is not the last close
  and the WAL is checkpointed by size, as SQLite intends, rather than after every event.
The warehouse is untouched: it is the record of what was accepted and keeps full durability.
"""

from __future__ import annotations

import os
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData

_KEEP = 16  # files kept open at once (the instance's own, and the latest runs' event files)
_keepers: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_installed = False


def _dagster_file(dbapi_connection: sqlite3.Connection) -> str | None:
    """The database file if it is one of Dagster's (under DAGSTER_HOME) in WAL mode."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return None
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    path = next((r[2] for r in rows if r[1] == "main" and r[2]), None)
    if path is None or not _under(home, path):
        return None
    mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()
    return path if mode and mode[0] == "wal" else None


@lru_cache(maxsize=256)
def _under(home: str, path: str) -> bool:
    """Whether the file is under the folder. Cached: Dagster connects for every event, and
    resolving both paths each time (a system call per folder) cost more than the connection."""
    return Path(home).resolve() in Path(path).resolve().parents


def _on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = _dagster_file(dbapi_connection)
    if path is None:
        return
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    if path in _keepers:
        _keepers.move_to_end(path)
        return
    keeper = sqlite3.connect(path, check_same_thread=False)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL for real
    _keepers[path] = keeper
    while len(_keepers) > _KEEP:
        _keepers.popitem(last=False)[1].close()


def install() -> None:
    """Apply to every SQLite connection opened in this process from now on (idempotent)."""
    global _installed
    if not _installed:
        sa.event.listen(sa.engine.Engine, "connect", _on_connect)
        _installed = True


# --- Storage that keeps its connections ------------------------------------------------------
#
# Dagster's SQLite storages build a new SQLAlchemy engine, and so a new connection that reads
# the schema again, for every event and every query (~12,000 in a national quarter's runs).
# These subclasses keep one engine per database file and process, its connections pooled;
# everything else (tables, migrations, queries) is Dagster's own. `laptop_dagster_yaml` names
# them; the shared deployment stores Dagster's state in PostgreSQL and does not use them.
# They lean on two of Dagster's internals (the `_conn_string` attribute and the `connect` /
# `_connect` methods every query goes through): without `_conn_string` they use Dagster's own
# connections, and test_dagster_sqlite fails when they no longer keep any.

_engines: dict[tuple[int, str], sa.Engine] = {}
# Only where runs execute in the process (`sep-pipeline run`: `keep_connections()`). Elsewhere
# (the webserver, the daemon) they behave as Dagster's own: the webserver reading through kept
# connections did not show a failed check's description (test_ui_browser), not understood yet.
_keeping = False


def keep_connections() -> None:
    """Keep Dagster's SQLite connections in this process from now on."""
    global _keeping
    _keeping = True


def _kept_engine(conn_string: str, timeout: float) -> sa.Engine:
    """The process's engine for a Dagster database file (a forked child makes its own)."""
    key = (os.getpid(), conn_string)
    engine = _engines.get(key)
    if engine is None:
        # check_same_thread off: the pool hands a connection to whichever thread asks; Dagster
        # serialises its own use. No overflow limit: a busy process waits on SQLite's lock,
        # never on the pool.
        engine = sa.create_engine(conn_string, max_overflow=-1, connect_args={
            "timeout": timeout, "check_same_thread": False})
        _engines[key] = engine
    return engine


@contextmanager
def _kept_connection(storage: object, dagsters: Callable[[], AbstractContextManager]
                     ) -> Iterator[sa.Connection]:
    """A connection in a transaction, as Dagster's storage gives it, from the kept engine of
    the storage's file (from `dagsters`, Dagster's own way, if the file is not known)."""
    conn_string = getattr(storage, "_conn_string", None)
    if conn_string is None or not _keeping:
        with dagsters() as conn:
            yield conn
        return
    with _kept_engine(conn_string, SQLITE_BUSY_TIMEOUT_SECONDS).connect() as conn:
        with conn.begin():
            yield conn


class KeptSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage, its connections kept (see above)."""

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: dict) -> KeptSqliteRunStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    def connect(self) -> AbstractContextManager[sa.Connection]:
        return _kept_connection(self, super().connect)


class KeptSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Dagster's consolidated SQLite event log (every run's events in one file), its
    connections kept (see above)."""

    def _connect(self) -> AbstractContextManager[sa.Connection]:
        return _kept_connection(self, super()._connect)

    def has_table(self, table_name: str) -> bool:
        """Asked before every dynamic-partition lookup (each output of a run): a table, once
        there, stays, so a yes is remembered."""
        seen = self.__dict__.setdefault("_sep_tables", set())
        if table_name in seen:
            return True
        if not hasattr(self, "_conn_string") or not _keeping:
            return super().has_table(table_name)
        engine = _kept_engine(self._conn_string, SQLITE_BUSY_TIMEOUT_SECONDS)
        with engine.connect() as conn:
            present = bool(engine.dialect.has_table(conn, table_name))
        if present:
            seen.add(table_name)
        return present
