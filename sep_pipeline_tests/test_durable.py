"""The small parts crash consistency rests on: files complete or absent, packs staged, the
writer lock, pause points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sep_pipeline.common import durable, pause_points
from sep_pipeline.common.config import settings
from sep_pipeline.common.writer_lock import writer_lock
from sep_pipeline_tests.postgres import throwaway_database


def test_replacing_leaves_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "pack.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(OSError), durable.replacing(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.xlsx"]  # no temporary file left
    durable.write_bytes(target, b"new")
    assert target.read_bytes() == b"new"


def test_a_staged_folder_changes_nothing_until_committed(tmp_path):
    dest = tmp_path / "packs" / "2025-26_Q1"
    dest.mkdir(parents=True)
    (dest / "a.xlsx").write_bytes(b"old a")
    (dest / "keep.txt").write_bytes(b"kept")
    with pytest.raises(RuntimeError), durable.staged(dest) as stage:
        (stage.path / "a.xlsx").write_bytes(b"new a")
        raise RuntimeError("the disk filled")
    assert (dest / "a.xlsx").read_bytes() == b"old a"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["2025-26_Q1"]  # staging gone
    with durable.staged(dest) as stage:
        (stage.path / "csv").mkdir()
        (stage.path / "csv" / "W1.csv").write_bytes(b"w1")
        (stage.path / "a.xlsx").write_bytes(b"new a")
        (stage.path / ".stamp").write_bytes(b"s")
        moved = stage.commit(last=(".stamp",))
    assert [p.relative_to(dest).as_posix() for p in moved] == ["a.xlsx", "csv/W1.csv",
                                                               ".stamp"]
    assert (dest / "a.xlsx").read_bytes() == b"new a" and (dest / "keep.txt").exists()
    # A staging folder a killed writer left is cleared by the next one.
    left = dest.parent / ".2025-26_Q1.staging-dead"
    left.mkdir()
    durable.Staging(dest).discard()
    assert not left.exists()


def test_copy_hashed_names_the_copy_by_what_it_holds(tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"x" * 3_000_000)
    target, sha = durable.copy_hashed(src, tmp_path / "archive", lambda s: f"{s[:2]}/{s}.xlsx")
    import hashlib

    assert sha == hashlib.sha256(target.read_bytes()).hexdigest() == target.stem
    with pytest.raises(RuntimeError):
        durable.copy_hashed(src, tmp_path / "archive2", lambda s: s,
                            on_written=lambda: (_ for _ in ()).throw(RuntimeError("changed")))
    assert list((tmp_path / "archive2").iterdir()) == []


def test_temporaries_a_killed_writer_left_are_cleared_once_stale(tmp_path):
    """Only durable's temporary files, untouched for STALE_AFTER, and not through a link: a
    live writer's (younger), other files and another folder's stay."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "archive" / "AB").mkdir(parents=True)
    elsewhere.mkdir()
    old = time.time() - durable.STALE_AFTER - 5
    left = work / "archive" / "AB" / ".sep-0a1b2c3d4e5f.tmp"  # as `copy_hashed` names them
    live = work / ".sep-ffffffffffff.tmp"
    others = [work / ".sep-0a1b2c3d4e5f.xlsx", work / "sep-0a1b2c3d4e5f.tmp",
              work / "CLCT_feedback.xlsx", elsewhere / ".sep-000000000000.tmp"]
    for f in [left, live, *others]:
        f.write_bytes(b"x")
        os.utime(f, (old, old))
    os.utime(live, None)  # being written now
    (work / "linked").symlink_to(elsewhere, target_is_directory=True)
    (work / ".sep-111111111111.tmp").symlink_to(others[2])
    os.utime(work / ".sep-111111111111.tmp", (old, old), follow_symlinks=False)
    assert durable.clear_temporaries([work, tmp_path / "absent"]) == [left]
    assert not left.exists() and live.exists() and all(f.exists() for f in others)
    assert (work / ".sep-111111111111.tmp").is_symlink()
    assert durable.clear_temporaries([work / "linked"]) == []  # a linked folder: not followed
    os.utime(live, (old, old))
    assert durable.clear_temporaries([work], stale_after=durable.STALE_AFTER) == [live]


def test_a_temporary_that_cannot_be_removed_is_left_and_the_others_go(tmp_path, monkeypatch):
    old = time.time() - durable.STALE_AFTER - 5
    stuck, gone = tmp_path / ".sep-aaaaaaaaaaaa.tmp", tmp_path / ".sep-bbbbbbbbbbbb.tmp"
    for f in (stuck, gone):
        f.write_bytes(b"x")
        os.utime(f, (old, old))
    unlink = Path.unlink

    def refused(self, missing_ok=False):  # noqa: ANN001, ANN202 (a folder not ours to write)
        if self == stuck:
            raise PermissionError(13, "Permission denied", str(self))
        return unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    assert durable.clear_temporaries([tmp_path]) == [gone]
    assert stuck.exists()


_HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sep_pipeline.common.config import settings
    from sep_pipeline.common.writer_lock import writer_lock
    with writer_lock(settings()):
        Path(sys.argv[1]).touch()
        time.sleep(float(sys.argv[2]))
""")


def _holder(tmp_path: Path, seconds: float) -> subprocess.Popen:
    marker = tmp_path / "holding"
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(marker), str(seconds)],
                            env=os.environ.copy())
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    return proc


def _lock_behaviour(tmp_path: Path) -> None:
    cfg = settings()
    proc = _holder(tmp_path, 1.5)
    with writer_lock(cfg, wait=False) as got:
        assert got is False  # held elsewhere: skip
    waited: list[str] = []
    start = time.monotonic()
    with writer_lock(cfg, on_wait=waited.append) as got:
        assert got is True and len(waited) == 1
        assert time.monotonic() - start > 0.5  # it waited for the other process
        with writer_lock(cfg, wait=False) as again:  # re-entrant within a process
            assert again is True
    proc.wait(timeout=30)
    with writer_lock(cfg, wait=False) as got:
        assert got is True
    # A holder that dies releases the lock.
    proc = _holder(tmp_path, 60)
    proc.kill()
    proc.wait()
    with writer_lock(cfg, wait=False) as got:
        assert got is True


def test_the_writer_lock_is_one_writer_at_a_time_on_sqlite(tmp_path, monkeypatch):
    monkeypatch.setenv("SEP_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SEP_WAREHOUSE_URL", raising=False)
    _lock_behaviour(tmp_path)
    assert "pid" in (tmp_path / "var" / "writer.lock").read_text()


def test_the_writer_lock_is_one_writer_at_a_time_on_postgresql(tmp_path, monkeypatch):
    with throwaway_database() as url:
        monkeypatch.setenv("SEP_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("SEP_WAREHOUSE_URL", url)
        monkeypatch.setenv("SEP_PSEUDONYM_KEY", "lock-test")
        _lock_behaviour(tmp_path)
        assert not (tmp_path / "var" / "writer.lock").exists()


def test_a_pause_point_holds_only_where_it_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SEP_PAUSE_DIR", str(tmp_path))
    monkeypatch.delenv("SEP_PAUSE_AT", raising=False)
    pause_points.pause("figures", "2025-26 Q1")  # not asked for: returns at once
    monkeypatch.setenv("SEP_PAUSE_AT", "pack_file:*_cy.xlsx")
    pause_points.pause("pack_file", "x_en.xlsx")
    assert not (tmp_path / "reached").exists()
    (tmp_path / "go").touch()
    pause_points.pause("pack_file", "x_cy.xlsx")
    assert (tmp_path / "reached").read_text().split() == [str(os.getpid()), "pack_file:x_cy.xlsx"]
