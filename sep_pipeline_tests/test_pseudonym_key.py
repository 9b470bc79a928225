"""The pseudonym key: the configured one, else a random key of the data folder's own, made once
(never a public constant), which processes starting at once agree on."""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sep_pipeline.common import config
from sep_pipeline.common.config import ConfigError, data_folder_key, ensure_pseudonym_key, settings
from sep_pipeline.intake import ingest
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.returns import ABOUT, write_return


def _hmac(key: str, body: str, ref: str) -> str:
    return hmac.new(key.encode(), f"{body}\x1f{ref}".encode(), hashlib.sha256).hexdigest()


def test_no_public_key_is_left():
    assert not hasattr(config, "DEMO_PSEUDONYM_KEY")


def test_pseudonyms_are_the_keyed_hmac_of_the_configured_key(tmp_path, monkeypatch):
    cfg = isolate(monkeypatch, tmp_path, key="a configured secret")
    path = write_return(tmp_path / "r.xlsx", about=dict(ABOUT, body_code="CLCT"))
    received = ingest.Received("CLCT", None, "r.xlsx", "0" * 64, str(path), datetime.now(UTC))
    outcome = ingest.validate(received, cfg, warehouse.create_all(cfg.warehouse_url))
    assert outcome.status == "accepted", [i.message_en for i in outcome.issues if i.is_error]
    assert outcome.tables["workforce"]["staff_ref"].tolist() == [
        _hmac("a configured secret", "CLCT", f"E{i:03d}") for i in range(1, 13)]
    assert outcome.tables["recruitment"]["application_ref"].tolist() == [
        _hmac("a configured secret", "CLCT", ref) for ref in ("A1", "A2")]
    assert not cfg.key_file.exists()  # a configured key leaves no key file
    assert "a configured secret" not in repr(cfg)


def test_without_a_key_each_data_folder_gets_its_own_random_key(tmp_path, monkeypatch):
    keys = []
    for name in ("one", "two"):
        cfg = isolate(monkeypatch, tmp_path / name)
        assert not cfg.data_dir.exists()  # reading the settings writes nothing
        assert ensure_pseudonym_key(cfg) is True  # made now: `run` says so
        assert ensure_pseudonym_key(cfg) is False  # once
        key = cfg.pseudonym_key
        assert key == cfg.key_file.read_text().strip() == settings().pseudonym_key
        assert len(key) == 64 and int(key, 16)
        assert stat.S_IMODE(cfg.key_file.stat().st_mode) == 0o600
        assert [p.name for p in cfg.data_dir.iterdir()] == ["pseudonym.key"]  # no temporary
        keys.append(key)
    assert keys[0] != keys[1]


def test_the_key_is_made_when_first_needed(tmp_path, monkeypatch):
    cfg = isolate(monkeypatch, tmp_path)
    key = cfg.pseudonym_key  # e.g. by a run's validation step in the daemon
    assert cfg.key_file.read_text().strip() == key and ensure_pseudonym_key(cfg) is False


def test_a_shared_warehouse_still_needs_a_configured_key(tmp_path):
    env = {"SEP_DATA_DIR": str(tmp_path), "SEP_WAREHOUSE_URL": "postgresql+psycopg://h/db"}
    with pytest.raises(ConfigError, match="SEP_PSEUDONYM_KEY"):
        settings(env)
    assert settings(env | {"SEP_PSEUDONYM_KEY": "k"}).pseudonym_key == "k"


def _race(path: str, start, out) -> None:  # noqa: ANN001
    start.wait()
    out.put(data_folder_key(Path(path)))


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(6), ctx.Queue()
    path = tmp_path / "var" / "pseudonym.key"
    procs = [ctx.Process(target=_race, args=(str(path), start, out)) for _ in range(6)]
    for p in procs:
        p.start()
    got = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
    assert len({key for key, _ in got}) == 1
    assert sum(made for _, made in got) == 1
    assert got[0][0] == path.read_text().strip()


def test_without_hard_links_the_key_is_created_exclusively(tmp_path, monkeypatch):
    def no_links(src, dst):  # noqa: ANN001, ANN202 - e.g. a FAT or SMB data folder
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "pseudonym.key"
    key, made = data_folder_key(path)
    assert made and data_folder_key(path) == (key, False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["pseudonym.key"]


def test_an_emptied_key_file_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(config.time, "sleep", lambda s: None)
    path = tmp_path / "pseudonym.key"
    path.write_text("\n")
    with pytest.raises(ConfigError, match="Restore it from your backup"):
        data_folder_key(path)
