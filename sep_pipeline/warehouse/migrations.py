"""Warehouse schema migrations (Alembic), driven from Python: no alembic.ini needed.

The tables are defined once, in `warehouse.metadata` (generated from the standard). Every change
to them ships as a revision in `sep_pipeline/warehouse/alembic/versions/`, applied with `upgrade()`:

    make migration MSG="add field x"     # autogenerate a revision after changing the standard
    python -m sep_pipeline.warehouse.migrations upgrade --url sqlite:///var/warehouse.sqlite

`test_migrations.py` fails when `warehouse.metadata` and the revisions disagree.

Concurrency: two processes may upgrade the same database at once (two Dagster runs starting
together). On SQLite the whole upgrade runs in one `BEGIN IMMEDIATE` transaction, which takes the
write lock before alembic reads the current revision, so the second process waits (busy timeout)
and then finds nothing to do. On PostgreSQL a transaction-level advisory lock does the same.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

SCRIPT_LOCATION = Path(__file__).parent / "alembic"
VERSION_TABLE = "sep_alembic_version"
VERSIONS = SCRIPT_LOCATION / "versions"
SQLITE_BUSY_TIMEOUT_S = 300  # a waiting upgrade waits this long for the other one to finish
_PG_LOCK_KEY = 0x5E9_0001  # pg_advisory_xact_lock key for "sep_pipeline schema migration"


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config for the package's migrations, built in code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("path_separator", "os")
    # "0002_add_field_x.py": revisions sort by name in the folder.
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "40")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    ruff = Path(sys.executable).parent / "ruff"
    if ruff.exists():  # tidy generated revisions so `ruff check .` stays clean
        cfg.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
        for name, options in (("ruff_format", "format REVISION_SCRIPT_FILENAME"),
                              ("ruff_fix", "check --fix --quiet REVISION_SCRIPT_FILENAME")):
            cfg.set_section_option("post_write_hooks", f"{name}.type", "exec")
            cfg.set_section_option("post_write_hooks", f"{name}.executable", str(ruff))
            cfg.set_section_option("post_write_hooks", f"{name}.options", options)
    return cfg


def _engine(url: str) -> sa.Engine:
    """An engine for migrating only: no pooling; on SQLite, transactions that take the write lock.

    Unlike `warehouse.engine` it leaves `PRAGMA foreign_keys` off, as batch migrations on SQLite
    (copy table, drop old, rename) require.
    """
    u = sa.make_url(url)
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(u, poolclass=NullPool)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(u, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @sa.event.listens_for(eng, "connect")
    def _connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Let SQLAlchemy emit BEGIN itself (pysqlite would delay it until the first DML).
        dbapi_conn.isolation_level = None
        _wal(dbapi_conn)

    @sa.event.listens_for(eng, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return eng


def _wal(dbapi_conn) -> None:  # noqa: ANN001
    """Put the database in WAL mode (as `warehouse.engine` wants it) before any lock is taken.

    WAL mode is persistent, and once set `PRAGMA journal_mode=WAL` is a lock-free no-op. Switching
    a new database to it needs the exclusive lock and fails at once, without the busy timeout,
    when another connection holds a lock: so retry here, and a warehouse connection opened while
    another process migrates never has to switch.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def _locked_transaction(url: str) -> Iterator[Connection]:
    """One transaction holding the database's migration lock; commits on success."""
    eng = _engine(url)
    try:
        with eng.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            yield conn
    finally:
        eng.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the latest). A no-op when it is there."""
    with _locked_transaction(url) as conn:
        command.upgrade(config(conn), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an empty (never migrated) or missing database."""
    u = sa.make_url(url)
    if (u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:"
            and not u.database.startswith("file:") and not Path(u.database).exists()):
        return None  # and do not create an empty file by connecting
    eng = sa.create_engine(u, poolclass=NullPool)
    try:
        with eng.connect() as conn:
            return MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    finally:
        eng.dispose()


def head_revision() -> str:
    """The latest revision shipped with the package."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {VERSIONS}")
    return head


def _next_rev_id() -> str:
    script = ScriptDirectory.from_config(config())
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def autogenerate(message: str, url: str) -> Path | None:
    """Write a new revision: what `warehouse.metadata` has that the database at `url` lacks.

    The database is first upgraded to head, so use a scratch database (`make migration` does).
    Returns the new file, or None (and writes nothing) when there is no difference. Read the file
    before committing it: autogenerate cannot see renames (it writes drop + add).
    """
    if not message.strip():
        raise ValueError("a migration needs a message, e.g. 'add field x'")
    upgrade(url)

    def _skip_empty(context, revision, directives) -> None:  # noqa: ANN001
        if directives and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    with _locked_transaction(url) as conn:
        script = command.revision(
            config(conn), message=message, autogenerate=True, rev_id=_next_rev_id(),
            process_revision_directives=_skip_empty,
        )
    if script is None or isinstance(script, list):
        print("No changes between warehouse.metadata and the migrations: nothing written.")
        return None
    path = Path(script.path)
    print(f"Wrote {path}: read it (renames show as drop + add) and commit it.")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sep_pipeline.warehouse.migrations",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upgrade", help="upgrade a database (default to head)")
    up.add_argument("--url", required=True)
    up.add_argument("--revision", default="head")
    cur = sub.add_parser("current", help="print a database's revision")
    cur.add_argument("--url", required=True)
    sub.add_parser("head", help="print the latest revision")
    gen = sub.add_parser("autogenerate", help="write a revision from the metadata difference")
    gen.add_argument("message")
    gen.add_argument("--url", required=True, help="a scratch database (it is upgraded first)")
    args = parser.parse_args(argv)

    if args.cmd == "upgrade":
        upgrade(args.url, args.revision)
        print(current_revision(args.url))
    elif args.cmd == "current":
        print(current_revision(args.url))
    elif args.cmd == "head":
        print(head_revision())
    elif args.cmd == "autogenerate":
        autogenerate(args.message, args.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
