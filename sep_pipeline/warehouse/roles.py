"""PostgreSQL roles of a shared warehouse.

- The **owner** role owns the schema and every table: migrations and pipeline runs connect as it.
- The **reader** role is for analysts and reporting tools: it reads the published tables and the
  submission log, and nothing that holds records about people (the standardised sheets, and the
  validation issues, whose values are partner cells).

    python -m sep_pipeline.warehouse.roles --owner sep_owner --reader sep_reader   # print the SQL
    python -m sep_pipeline.warehouse.roles --owner sep_owner --reader sep_reader \\
        --apply postgresql+psycopg://postgres@127.0.0.1/sep               # run it as admin
"""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from . import tables as warehouse
from .migrations import VERSION_TABLE

# What the reader may see: aggregate, published figures and who submitted what, when.
READABLE = ("pay_gap", "benchmark", "benchmark_position", "submissions")
RECORD_TABLES = (*warehouse.DATA_TABLES, "validation_issues")


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain role name: {name!r}")
    return f'"{name}"'


def roles_sql(owner: str, reader: str, schema: str = "public") -> list[str]:
    """Idempotent statements that set up both roles on the current database."""
    o, r, s = _ident(owner), _ident(reader), _ident(schema)
    create = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{n}') "
        "THEN CREATE ROLE {q} LOGIN; END IF; END $$"
    )
    stmts = [
        create.format(n=owner, q=o),
        create.format(n=reader, q=r),
        f"ALTER SCHEMA {s} OWNER TO {o}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        # Tables made later by migrations give the reader nothing unless granted here.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} REVOKE ALL ON TABLES FROM {r}",
    ]
    for table in (*READABLE, *RECORD_TABLES, VERSION_TABLE):
        stmts.append(
            f"DO $$ BEGIN IF to_regclass('{schema}.{table}') IS NOT NULL THEN "
            f"ALTER TABLE {s}.{_ident(table)} OWNER TO {o}; END IF; END $$"
        )
    for table in READABLE:
        stmts.append(
            f"DO $$ BEGIN IF to_regclass('{schema}.{table}') IS NOT NULL THEN "
            f"GRANT SELECT ON {s}.{_ident(table)} TO {r}; END IF; END $$"
        )
    for table in RECORD_TABLES:
        stmts.append(
            f"DO $$ BEGIN IF to_regclass('{schema}.{table}') IS NOT NULL THEN "
            f"REVOKE ALL ON {s}.{_ident(table)} FROM {r}, PUBLIC; END IF; END $$"
        )
    return stmts


def apply(admin_url: str, owner: str, reader: str) -> None:
    """Run `roles_sql` as an administrator on the warehouse database."""
    engine = sa.create_engine(admin_url)
    with engine.begin() as conn:
        for stmt in roles_sql(owner, reader):
            conn.execute(sa.text(stmt))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--owner", default="sep_owner")
    p.add_argument("--reader", default="sep_reader")
    p.add_argument("--apply", metavar="ADMIN_URL", help="run the SQL as this administrator")
    args = p.parse_args(argv)
    if args.apply:
        apply(args.apply, args.owner, args.reader)
    else:
        sys.stdout.write(";\n".join(roles_sql(args.owner, args.reader)) + ";\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
