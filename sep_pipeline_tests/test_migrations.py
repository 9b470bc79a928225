"""The Alembic migrations build exactly the tables `warehouse.metadata` describes."""

from __future__ import annotations

import multiprocessing
import pprint
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sep_pipeline.warehouse import migrations
from sep_pipeline.warehouse.tables import metadata


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


@pytest.fixture
def upgraded(db_url: str) -> str:
    migrations.upgrade(db_url)
    return db_url


def _inspect(url: str):
    eng = sa.create_engine(url)
    return eng, sa.inspect(eng)


def test_head_is_a_migrated_warehouse_matching_the_metadata(upgraded: str) -> None:
    eng = sa.create_engine(upgraded)
    with eng.connect() as conn:
        opts = {"compare_type": True, "version_table": migrations.VERSION_TABLE}
        ctx = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(ctx, metadata)
    eng.dispose()
    assert not diff, (
        "warehouse.metadata (the standard) differs from the Alembic migrations; write a "
        'migration with: make migration MSG="describe the change"  — then read and commit it.\n'
        + pprint.pformat(diff)
    )


def test_every_table_column_index_fk_and_check_exists(upgraded: str) -> None:
    eng, insp = _inspect(upgraded)
    try:
        assert set(metadata.tables) <= set(insp.get_table_names())
        for name, table in metadata.tables.items():
            cols = {c["name"]: c for c in insp.get_columns(name)}
            assert list(cols) == [c.name for c in table.columns], name
            for c in table.columns:
                assert cols[c.name]["nullable"] == c.nullable, f"{name}.{c.name}"

            want_ix = {(i.name, tuple(c.name for c in i.columns)) for i in table.indexes}
            got_ix = {(i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)}
            assert want_ix == got_ix, name

            want_fk = {
                (tuple(fk.column_keys), fk.referred_table.name,
                 tuple(e.column.name for e in fk.elements))
                for fk in table.foreign_key_constraints
            }
            got_fk = {
                (tuple(fk["constrained_columns"]), fk["referred_table"],
                 tuple(fk["referred_columns"]))
                for fk in insp.get_foreign_keys(name)
            }
            assert want_fk == got_fk, name

            want_ck = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
            got_ck = {c["name"] for c in insp.get_check_constraints(name)}
            assert want_ck <= got_ck, name
    finally:
        eng.dispose()


def test_the_status_check_is_enforced(upgraded: str) -> None:
    eng = sa.create_engine(upgraded)
    try:
        with pytest.raises(sa.exc.IntegrityError), eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO submissions (body_code, file_name, file_sha256, received_at, "
                "status, errors, warnings, late) VALUES ('X', 'f', 's', '2025-01-01', 'bogus', "
                "0, 0, 0)"
            )
    finally:
        eng.dispose()


def test_current_revision_is_head_after_upgrade(db_url: str, tmp_path: Path) -> None:
    assert migrations.current_revision(db_url) is None
    assert not (tmp_path / "warehouse.sqlite").exists(), "asking must not create the file"
    migrations.upgrade(db_url)
    assert migrations.current_revision(db_url) == migrations.head_revision()


def test_upgrade_twice_is_a_no_op(upgraded: str) -> None:
    eng = sa.create_engine(upgraded)
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO submissions (body_code, file_name, file_sha256, received_at, status, "
            "errors, warnings, late) VALUES ('X', 'f', 's', '2025-01-01', 'accepted', 0, 0, 0)"
        )
    eng.dispose()
    migrations.upgrade(upgraded)
    assert migrations.current_revision(upgraded) == migrations.head_revision()
    eng = sa.create_engine(upgraded)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM submissions").scalar_one() == 1
    eng.dispose()


def test_downgrade_to_base_and_back(upgraded: str) -> None:
    from alembic import command

    with migrations._locked_transaction(upgraded) as conn:
        command.downgrade(migrations.config(conn), "base")
    assert migrations.current_revision(upgraded) is None
    eng, insp = _inspect(upgraded)
    assert not set(metadata.tables) & set(insp.get_table_names())
    eng.dispose()
    migrations.upgrade(upgraded)
    assert migrations.current_revision(upgraded) == migrations.head_revision()


def test_revision_ids_are_numbered_and_linear() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    assert len(script.get_heads()) == 1, "several heads: merge or renumber the revisions"
    revs = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revs == [f"{i:04d}" for i in range(1, len(revs) + 1)]
    for r in revs:
        assert len(list(migrations.VERSIONS.glob(f"{r}_*.py"))) == 1


def _upgrade_in_child(url: str, ready: multiprocessing.synchronize.Event) -> None:
    # Warm up (imports, the script directory) so that both children reach the lock together.
    migrations.head_revision()
    ready.set()
    migrations.upgrade(url)


def test_concurrent_upgrades_in_two_processes_both_succeed(db_url: str) -> None:
    """Both wait while another writer holds the database, then race: neither may fail."""
    ctx = multiprocessing.get_context("spawn")  # separate interpreters, as two runs would be
    blocker = sa.create_engine(db_url, connect_args={"isolation_level": None})
    with blocker.connect() as hold:
        hold.exec_driver_sql("PRAGMA journal_mode=WAL")  # as warehouse.engine leaves it
        hold.exec_driver_sql("BEGIN IMMEDIATE")  # someone else is writing
        readies = [ctx.Event() for _ in range(2)]
        procs = [ctx.Process(target=_upgrade_in_child, args=(db_url, r)) for r in readies]
        for p in procs:
            p.start()
        for r in readies:
            assert r.wait(60)
        time.sleep(1.0)
        assert [p.exitcode for p in procs] == [None, None], "an upgrade did not wait its turn"
        hold.exec_driver_sql("COMMIT")
    blocker.dispose()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert migrations.current_revision(db_url) == migrations.head_revision()
    eng, insp = _inspect(db_url)
    assert set(metadata.tables) <= set(insp.get_table_names())
    with eng.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM sep_alembic_version").scalar_one()
    eng.dispose()
    assert n == 1


def test_0005_queues_what_was_processed_and_republishes_every_period(db_url: str) -> None:
    """An existing warehouse gets a receipt per file it has a submission of (so no file is
    processed again), its feedback counted as written, and every period with an accepted
    return (and its year) marked out of date once: figures a run left stale before this
    revision are published again."""
    migrations.upgrade(db_url, "0004")
    eng = sa.create_engine(db_url)
    rows = [("CLCT", "2025-26 Q1", "a.xlsx", "1" * 64, "superseded"),
            ("CLCT", "2025-26 Q1", "b.xlsx", "2" * 64, "accepted"),
            ("CLCT", "2025-26 Q1", "c.xlsx", "2" * 64, "duplicate"),
            ("MGNPA", "2025-26 Q2", "d.xlsx", "3" * 64, "rejected"),
            ("MGNPA", "2025-26 Q2", "d.xlsx", "3" * 64, "rejected")]  # a re-run of d
    with eng.begin() as conn:
        for body, period, name, sha, status in rows:
            conn.execute(sa.text(
                "insert into submissions (body_code, period, file_name, file_sha256, "
                "received_at, status, errors, warnings, late) values (:b, :p, :n, :s, "
                "'2026-01-01 10:00:00', :st, 0, 0, 0)"),
                {"b": body, "p": period, "n": name, "s": sha, "st": status})
    eng.dispose()
    migrations.upgrade(db_url)
    eng = sa.create_engine(db_url)
    with eng.connect() as conn:
        receipts = conn.execute(sa.text(
            "select body_code, file_name, submission_id is not null from receipts "
            "order by receipt_id")).all()
        feedback = conn.execute(sa.text(
            "select status, feedback from submissions order by submission_id")).all()
        pubs = conn.execute(sa.text(
            "select period, version, figures_version, pack_version from publications "
            "order by period")).all()
    eng.dispose()
    assert sorted(receipts) == [("CLCT", "a.xlsx", 1), ("CLCT", "b.xlsx", 1),
                                ("CLCT", "c.xlsx", 1), ("MGNPA", "d.xlsx", 1)]
    assert [f for _, f in feedback] == ["written", "written", None, "written", "written"]
    assert pubs == [("2025-26", 1, 0, 0), ("2025-26 Q1", 1, 0, 0)]
