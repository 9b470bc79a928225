"""The intake folder is the registry's, exactly: links, pipes and folders are never followed or
read and are reported (in the body's feedback and in `status`); a folder named like a body but
not exactly its code is not that body; an unreadable file or folder is reported and skipped
without stopping any other body; ignored names are listed, not dropped without a word."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.common import durable
from sep_pipeline.intake import folder as intake
from sep_pipeline.runner import run_pending
from sep_pipeline_tests.faults import SAMPLES, drop
from sep_pipeline_tests.isolation import isolate, rows


@pytest.fixture
def env(tmp_path, monkeypatch):
    return isolate(monkeypatch, tmp_path)


def archived_bytes(cfg) -> list[bytes]:
    return [p.read_bytes() for p in cfg.archive_dir.rglob("*") if p.is_file()]


def test_links_are_never_followed_and_the_partner_is_told(env, tmp_path):
    """A link to /etc/passwd and one to another body's return, in CLCT's folder; a body folder
    that is a link to another body's folder: nothing is read through any of them."""
    secret = tmp_path / "elsewhere" / "MGNPA_2025-26_Q1.xlsx"
    secret.parent.mkdir()
    shutil.copyfile(SAMPLES / "MGNPA" / "MGNPA_2025-26_Q1.xlsx", secret)
    clct = env.intake_dir / "CLCT"
    clct.mkdir()
    (clct / "passwd.xlsx").symlink_to("/etc/passwd")
    (clct / "their_return.xlsx").symlink_to(secret)
    (env.intake_dir / "MGNPA").symlink_to(secret.parent, target_is_directory=True)
    results = run_pending()
    assert sorted((r.body, r.file_name, r.status) for r in results) == [
        ("", "MGNPA", "not taken"), ("CLCT", "passwd.xlsx", "not taken"),
        ("CLCT", "their_return.xlsx", "not taken")]
    assert rows(env, "select count(*) from receipts") == [(0,)]
    assert archived_bytes(env) == []  # nothing copied: not /etc/passwd, not MGNPA's return
    feedback = clct / "feedback" / "their_return_feedback.xlsx"
    issues = load_workbook(feedback)["Issues"]
    text = " ".join(str(c.value) for row in issues.iter_rows() for c in row if c.value)
    assert "intake.link" in text and "never followed" in text
    assert not any(p.suffix == ".xlsx" for p in secret.parent.rglob("feedback/*"))
    # Told once: the next run does not write it again.
    before = feedback.stat().st_mtime_ns
    run_pending()
    assert feedback.stat().st_mtime_ns == before


def test_a_file_swapped_for_a_link_after_the_look_is_not_read(tmp_path):
    target = tmp_path / "secret.xlsx"
    target.write_bytes(b"secret")
    link = tmp_path / "return.xlsx"
    link.symlink_to(target)
    with pytest.raises(durable.Unreadable) as got:
        durable.copy_hashed(link, tmp_path / "archive", lambda s: s)
    assert got.value.reason == "link"
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)  # opened without blocking, refused as no ordinary file
    with pytest.raises(durable.Unreadable) as got:
        durable.copy_hashed(fifo, tmp_path / "archive", lambda s: s)
    assert got.value.reason == "not_a_file"
    assert not any((tmp_path / "archive").iterdir())


def test_a_look_alike_folder_is_not_the_body(env):
    """`clct` and `Clct` beside `CLCT` (and `CLCT` in other scripts' letters) are no registry
    code: their files are refused there, CLCT's return stays current, its feedback its own."""
    drop(env.intake_dir, "CLCT", 1)
    run_pending()
    for name in ("clct", "Clct", "ClCT", "CLCT\N{COMBINING DOT ABOVE}"):
        drop(env.intake_dir, "CLCT", 1, name=None)
        target = env.intake_dir / name / "CLCT_2025-26_Q1_v2.xlsx"
        target.parent.mkdir()
        shutil.copyfile(SAMPLES / "CLCT" / "CLCT_2025-26_Q2.xlsx", target)
    results = run_pending()
    refused = sorted((r.body, r.status) for r in results if r.status != "done")
    assert refused == sorted((n, "rejected") for n in (
        "clct", "Clct", "ClCT", "CLCT\N{COMBINING DOT ABOVE}"))
    assert rows(env, "select body_code, period, status from submissions where body_code = "
                     "'CLCT'") == [("CLCT", "2025-26 Q1", "accepted")]
    codes = {r[0] for r in rows(env, "select code from validation_issues")}
    assert "intake.unknown_body" in codes
    for name in ("clct", "Clct"):
        assert (env.intake_dir / name / "feedback" / "CLCT_2025-26_Q1_v2_feedback.xlsx").exists()
    assert sorted(p.name for p in (env.intake_dir / "CLCT" / "feedback").iterdir()) == [
        "CLCT_2025-26_Q1_feedback.xlsx"]


def test_an_unreadable_file_or_folder_stops_no_other_body(env, monkeypatch):
    """(The tests run as root, whom permissions do not stop: opening is refused here as the
    operating system refuses an unreadable file.)"""
    bad = drop(env.intake_dir, "CLCT", 1)
    drop(env.intake_dir, "MGNPA", 1)
    drop(env.intake_dir, "TCG", 1)
    real_open, real_scandir = os.open, os.scandir

    def refusing_open(path, flags, *a, **k):  # noqa: ANN001, ANN002, ANN003
        if str(path) == str(bad):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    def refusing_scandir(path=".", *a, **k):  # noqa: ANN001, ANN002, ANN003
        if isinstance(path, str | os.PathLike) and Path(path) == env.intake_dir / "TCG":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *a, **k)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(os, "scandir", refusing_scandir)
    results = run_pending()
    assert sorted((r.body, r.file_name, r.status, r.detail) for r in results) == [
        ("CLCT", "CLCT_2025-26_Q1.xlsx", "not taken", intake.NOT_TAKEN["unreadable"][0]),
        ("MGNPA", "MGNPA_2025-26_Q1.xlsx", "accepted", ""),
        ("TCG", "TCG", "not taken", intake.NOT_TAKEN["unreadable"][0])]
    assert (env.intake_dir / "CLCT" / "feedback" / "CLCT_2025-26_Q1_feedback.xlsx").exists()
    monkeypatch.setattr(os, "open", real_open)
    monkeypatch.setattr(os, "scandir", real_scandir)
    again = {(r.body, r.status) for r in run_pending() if r.status != "done"}
    assert again == {("CLCT", "accepted"), ("TCG", "accepted")}  # readable again: taken


def test_status_lists_what_is_in_the_intake_folder_but_not_read(env):
    clct = env.intake_dir / "CLCT"
    clct.mkdir()
    (clct / "~$CLCT_2025-26_Q1.xlsx").write_bytes(b"lock")
    (clct / ".hidden.xlsx").write_bytes(b"x")
    (clct / "old returns").mkdir()
    os.mkfifo(clct / "pipe.xlsx")
    (env.intake_dir / "loose.xlsx").write_bytes(b"x")
    found, not_taken = intake.survey(env.intake_dir)
    assert found == []
    assert {(n.body, n.path.name, n.reason) for n in not_taken} == {
        ("CLCT", ".hidden.xlsx", "ignored"), ("CLCT", "old returns", "folder"),
        ("CLCT", "pipe.xlsx", "not_a_file"), ("CLCT", "~$CLCT_2025-26_Q1.xlsx", "ignored"),
        (None, "loose.xlsx", "top_level")}
    result = CliRunner().invoke(app, ["status", "--period", "2025-26 Q1"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("~$CLCT_2025-26_Q1.xlsx", ".hidden.xlsx", "old returns", "pipe.xlsx",
                 "loose.xlsx"):
        assert name in result.output
    assert "not read as returns" in result.output


@pytest.mark.parametrize("hostile", ["shared_strings_bomb", "external_target_sheets"])
def test_a_hostile_file_in_one_body_stops_no_other(env, hostile):
    """The red team's bombs, sent by CLCT beside MGNPA's and TCG's valid returns: the run
    completes, CLCT's file is refused for its own reason (archived, told in its feedback), and
    every other body's return is accepted."""
    from sep_pipeline_tests.bad_workbooks import HOSTILE

    (env.intake_dir / "CLCT").mkdir()
    bad = HOSTILE[hostile].build(env.intake_dir / "CLCT")
    assert bad.parent == env.intake_dir / "CLCT"
    drop(env.intake_dir, "MGNPA", 1)
    drop(env.intake_dir, "TCG", 1)
    results = {r.body: r for r in run_pending()}
    assert {b: r.status for b, r in results.items()} == {
        "CLCT": "rejected", "MGNPA": "accepted", "TCG": "accepted"}
    assert rows(env, "select code from validation_issues v join submissions s using "
                     "(submission_id) where s.body_code = 'CLCT'") == [(HOSTILE[hostile].code,)]
    assert (env.intake_dir / "CLCT" / "feedback" / f"{bad.stem}_feedback.xlsx").exists()
    assert any(p.read_bytes() == bad.read_bytes() for p in env.archive_dir.rglob("*.xlsx"))
