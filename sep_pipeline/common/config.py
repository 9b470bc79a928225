"""Configuration from environment variables, with working defaults for a laptop."""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..standard.periods import Period

DEFAULT_DEADLINE_WEEKS = 6
# Without SEP_PSEUDONYM_KEY, the pseudonym key is this file in the data folder: random, made on
# first use, never a constant (a public key lets anyone reverse the pseudonyms by trying every
# plausible reference).
KEY_FILE = "pseudonym.key"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    intake_dir: Path
    data_dir: Path
    warehouse_url: str
    # SEP_PSEUDONYM_KEY; empty: the data folder's own key (`pseudonym_key`). Never in a repr.
    key: str = field(default="", repr=False)
    deadline_weeks: int = DEFAULT_DEADLINE_WEEKS
    # Per-quarter overrides of the submission deadline (holidays), e.g. {"2025-26 Q3": date}.
    deadline_overrides: dict[str, date] = field(default_factory=dict)
    # SEP_WORKERS: processes working side by side (reading returns, writing workbooks); by
    # default one per core this process may use. 1: everything in the run's own process.
    workers: int = 1

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def outputs_dir(self) -> Path:
        return self.data_dir / "outputs"

    @property
    def key_file(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def pseudonym_key(self) -> str:
        """The secret of the pseudonyms: SEP_PSEUDONYM_KEY, else the data folder's key file,
        made when first needed (so reading the settings never writes a file)."""
        return self.key or data_folder_key(self.key_file)[0]

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
    if not key and not url.startswith("sqlite"):
        raise ConfigError(
            "SEP_PSEUDONYM_KEY is not set. A shared warehouse needs a secret key for the "
            "pseudonyms of staff and application references: set SEP_PSEUDONYM_KEY to a long "
            "random value and keep it safe (changing it changes every pseudonym)."
        )
    weeks = env.get("SEP_DEADLINE_WEEKS", str(DEFAULT_DEADLINE_WEEKS))
    if not weeks.isdigit():
        raise ConfigError(f"SEP_DEADLINE_WEEKS must be a whole number of weeks, not {weeks!r}")
    workers = env.get("SEP_WORKERS", str(available_cores()))
    if not workers.isdigit() or int(workers) < 1:
        raise ConfigError(f"SEP_WORKERS must be a whole number of processes (1 or more), "
                          f"not {workers!r}")
    return Settings(
        intake_dir=Path(env.get("SEP_INTAKE_DIR", "data_raw")).resolve(),
        data_dir=data_dir,
        warehouse_url=url,
        key=key,
        deadline_weeks=int(weeks),
        deadline_overrides=_overrides(env.get("SEP_DEADLINE_OVERRIDES", "")),
        workers=int(workers),
    )


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def ensure_pseudonym_key(cfg: Settings) -> bool:
    """Make the data folder's key if no key is configured and it has none; whether it was made
    now (the caller says so, once)."""
    return not cfg.key and data_folder_key(cfg.key_file)[1]


def data_folder_key(path: Path) -> tuple[str, bool]:
    """The key in `path`, and whether this call made it (a random 256-bit key, mode 0600).

    Two processes starting at once agree on one key: each writes a complete key under a
    temporary name and hard-links it to `path`, which only the first link can create; both
    then read whichever won. Where the file system has no hard links, the file is created
    exclusively and written in place (a reader meanwhile waits for its content).
    """
    try:
        return _read_key(path), False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    new = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(prefix=".pseudonym-", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(new + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
            made = True
        except FileExistsError:
            made = False
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            made = _create_exclusive(path, new)
    finally:
        os.unlink(tmp)
    if made:
        from .durable import fsync_dir

        fsync_dir(path.parent)
    return _read_key(path), made


def _create_exclusive(path: Path, key: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return True


def _read_key(path: Path) -> str:
    """The key in `path`; FileNotFoundError when there is none yet."""
    for _ in range(50):  # an exclusive create may be writing it (no-hard-link fallback)
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
        time.sleep(0.02)
    raise ConfigError(
        f"The pseudonym key file {path} is empty. Restore it from your backup (the pseudonyms "
        "already stored were made with it), or set SEP_PSEUDONYM_KEY.")
