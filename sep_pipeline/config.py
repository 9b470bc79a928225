"""Configuration from environment variables, with working defaults for a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .periods import Period

# Demo mode only: real deployments must set SEP_PSEUDONYM_KEY (see README, "Configuration").
DEMO_PSEUDONYM_KEY = "sep-pipeline-demo-key-not-secret"
DEFAULT_DEADLINE_WEEKS = 6


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    intake_dir: Path
    data_dir: Path
    warehouse_url: str
    pseudonym_key: str
    demo: bool  # no pseudonym key was given: a fixed, public demo key is used
    deadline_weeks: int = DEFAULT_DEADLINE_WEEKS
    # Per-quarter overrides of the submission deadline (holidays), e.g. {"2025-26 Q3": date}.
    deadline_overrides: dict[str, date] = field(default_factory=dict)

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def outputs_dir(self) -> Path:
        return self.data_dir / "outputs"

    def deadline(self, period: Period) -> date:
        """The submission deadline of a quarter: six weeks after it ends unless overridden."""
        return self.deadline_overrides.get(period.label) or (
            period.end + timedelta(weeks=self.deadline_weeks)
        )


def _overrides(text: str) -> dict[str, date]:
    """SEP_DEADLINE_OVERRIDES="2025-26 Q3=2026-02-20; 2025-26 Q4=2026-05-19"."""
    out: dict[str, date] = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        try:
            label, day = (s.strip() for s in item.split("="))
            out[Period.parse(label).label] = date.fromisoformat(day)
        except ValueError as e:
            raise ConfigError(
                f"SEP_DEADLINE_OVERRIDES: cannot read {item!r}; write e.g. "
                "'2025-26 Q3=2026-02-20; 2025-26 Q4=2026-05-19'"
            ) from e
    return out


def settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; relative paths are taken from the current directory."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("SEP_DATA_DIR", "var")).resolve()
    default_url = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    url = env.get("SEP_WAREHOUSE_URL", default_url)
    key = env.get("SEP_PSEUDONYM_KEY", "")
    demo = not key
    if demo and not url.startswith("sqlite"):
        raise ConfigError(
            "SEP_PSEUDONYM_KEY is not set. A shared warehouse needs a secret key for the "
            "pseudonyms of staff and application references: set SEP_PSEUDONYM_KEY to a long "
            "random value and keep it safe (changing it changes every pseudonym)."
        )
    weeks = env.get("SEP_DEADLINE_WEEKS", str(DEFAULT_DEADLINE_WEEKS))
    if not weeks.isdigit():
        raise ConfigError(f"SEP_DEADLINE_WEEKS must be a whole number of weeks, not {weeks!r}")
    return Settings(
        intake_dir=Path(env.get("SEP_INTAKE_DIR", "data_raw")).resolve(),
        data_dir=data_dir,
        warehouse_url=url,
        pseudonym_key=key or DEMO_PSEUDONYM_KEY,
        demo=demo,
        deadline_weeks=int(weeks),
        deadline_overrides=_overrides(env.get("SEP_DEADLINE_OVERRIDES", "")),
    )
