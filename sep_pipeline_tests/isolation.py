"""A private intake folder, data folder, warehouse and Dagster instance for a test."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sep_pipeline.common.config import Settings, settings
from sep_pipeline.ui import prepare_dagster_home
from sep_pipeline.warehouse import tables as warehouse


def isolate(mp: pytest.MonkeyPatch, base: Path, warehouse_url: str | None = None,
            key: str | None = None) -> Settings:
    """Point every SEP_* setting and DAGSTER_HOME under `base`; returns the settings.
    No `key`: the data folder's own random key, made on first use (a shared warehouse needs
    one)."""
    (base / "intake").mkdir(parents=True, exist_ok=True)
    home = prepare_dagster_home(base / "dagster_home")  # the laptop's Dagster storage
    mp.setenv("SEP_INTAKE_DIR", str(base / "intake"))
    mp.setenv("SEP_DATA_DIR", str(base / "var"))
    mp.setenv("DAGSTER_HOME", str(home))
    if key:
        mp.setenv("SEP_PSEUDONYM_KEY", key)
    else:
        mp.delenv("SEP_PSEUDONYM_KEY", raising=False)
    if warehouse_url:
        mp.setenv("SEP_WAREHOUSE_URL", warehouse_url)
    else:
        mp.delenv("SEP_WAREHOUSE_URL", raising=False)
    return settings()


def rows(cfg: Settings, sql: str) -> list[tuple]:
    """The rows a query gives on the isolated warehouse."""
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]
