"""A full disk, a lost database and a folder that cannot be written, for real: a small tmpfs
filled while the run is held inside a step, a local proxy to PostgreSQL closed under it, a
read-only bind mount. Each ends the run with one plain message (no traceback on the terminal),
leaves the previous pack in place, and the next run publishes exactly what a clean run does."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import (
    World,
    assert_consistent,
    assert_readable_packs,
    assert_same,
    can_mount,
    files_outcome,
    fill,
    finish,
    go,
    held,
    mount_read_only,
    mount_tmpfs,
    outcome,
    start_run,
    unmount,
)
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.postgres import ADMIN_URL, require_postgres


def require_mount() -> None:
    why = can_mount()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def assert_plain(out: str, *words: str) -> None:
    """One plain message: no traceback on the terminal, the cause named."""
    assert "Traceback" not in out and len(out.strip().splitlines()) <= 12, out
    flat = " ".join(out.split())
    for w in words:
        assert w in flat, out


# --- A full disk -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory):
    """The World on a 160 MB tmpfs (data folder, Dagster home and intake alike)."""
    require_mount()
    base = tmp_path_factory.mktemp("full_disk")
    mount_tmpfs(base, 160)
    try:
        with pytest.MonkeyPatch.context() as mp:
            w = World(base, mp)
            yield w
            w.close()
    finally:
        unmount(base)


@pytest.mark.parametrize("point", [
    "validate:CLCT_Q1_v2.xlsx",  # the disk fills before the return is recorded
    "pack_file:sep_benchmark_2025-26_Q1_en.xlsx",  # ... while Q1's pack is being written
])
def test_a_full_disk_fails_the_run_plainly_and_keeps_the_previous_pack(small_disk, point):
    w = small_disk
    w.restore()
    packs = w.cfg.outputs_dir / "packs"
    before = files_outcome(packs)
    pause_dir = w.base / "pause"
    proc = start_run(point, pause_dir)
    held(proc, pause_dir)
    filler = fill(w.base)
    go(pause_dir)
    code, out = finish(proc)
    assert code == 1, out
    assert_plain(out, "disk is full", "sep-pipeline run")
    filler.unlink()
    assert files_outcome(packs) == before  # the previous pack, whole and unchanged
    assert_consistent(w.cfg.warehouse_url)
    run_pending()  # room made: the next run completes the work
    assert_same(outcome(w.cfg), w.clean)


# --- A lost database ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cut_database(tmp_path_factory):
    """The World on PostgreSQL, the warehouse reached through a proxy the test can close."""
    from sep_pipeline_tests.faults import Proxy

    require_postgres()
    url = sa.make_url(ADMIN_URL)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    with pytest.MonkeyPatch.context() as mp:
        w = World(tmp_path_factory.mktemp("cut_db"), mp, ADMIN_URL, via_port=proxy.port)
        w.proxy = proxy
        yield w
        w.close()


@pytest.mark.parametrize("point", [
    "warehouse:CLCT_Q1_v2.xlsx",  # inside the transaction that makes the return current
    "figures:2025-26 Q1",  # inside the transaction that writes the figures
])
def test_a_lost_database_fails_the_run_plainly_and_the_next_run_completes(cut_database, point):
    w = cut_database
    w.restore()
    pause_dir = w.base / "pause"
    proc = start_run(point, pause_dir)
    held(proc, pause_dir)
    w.proxy.cut()
    go(pause_dir)
    code, out = finish(proc)
    w.proxy.restore()
    assert code == 1, out
    assert_plain(out, "warehouse database", "run `sep-pipeline run` again")
    assert_consistent(w.cfg.warehouse_url)
    assert_readable_packs(w.cfg.outputs_dir / "packs")
    run_pending()
    assert_same(outcome(w.cfg), w.clean)


def test_a_refused_database_says_so_and_changes_nothing(cut_database):
    w = cut_database
    w.restore()
    w.proxy.cut()
    try:
        code, out = finish(start_run(None, w.base / "pause"))
    finally:
        w.proxy.restore()
    assert code == 1, out
    assert_plain(out, "Cannot reach the warehouse database", "connection refused")
    run_pending()
    assert_same(outcome(w.cfg), w.clean)


# --- A data folder that cannot be written ---------------------------------------------------


def test_a_read_only_data_folder_is_named_plainly(tmp_path, monkeypatch):
    require_mount()
    isolate(monkeypatch, tmp_path)
    (tmp_path / "var").mkdir()
    ro = tmp_path / "ro"
    mount_read_only(tmp_path / "var", ro)
    try:
        monkeypatch.setenv("SEP_DATA_DIR", str(ro))
        code, out = finish(start_run(None, tmp_path / "pause"))
    finally:
        unmount(ro)
    assert code == 1, out
    assert_plain(out, str(ro), "cannot be written", "read-only file system", "SEP_DATA_DIR")
