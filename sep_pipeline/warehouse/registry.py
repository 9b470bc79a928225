"""The body registry: which bodies belong to the partnership, when, and how to reach them."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..standard.periods import Period

DEFAULT = Path(__file__).parents[1] / "reference" / "bodies.csv"
COLUMNS = ["body_code", "name_en", "name_cy", "sector", "size_band", "contact_email", "language",
           "expected_from", "expected_until"]


class RegistryError(ValueError):
    """The registry file is malformed; the message names the row and column."""


@dataclass(frozen=True)
class Body:
    code: str
    name_en: str
    name_cy: str
    sector: str
    size_band: str
    contact_email: str
    language: str  # "en" or "cy"
    expected_from: Period
    expected_until: Period | None

    def name(self, lang: str) -> str:
        return self.name_cy if lang == "cy" else self.name_en

    def expected(self, period: Period) -> bool:
        return self.expected_from <= period and (
            self.expected_until is None or period <= self.expected_until)


def path() -> Path:
    return Path(os.environ.get("SEP_BODY_REGISTRY") or DEFAULT)


def load(file: Path | None = None) -> dict[str, Body]:
    """Read and check the registry: body code -> Body (a new dict at each call)."""
    file = file or path()
    return dict(_parse(str(file), Path(file).read_bytes()))


# The file is read at each ask (every run and every file listed asks), but parsed again only
# when its bytes differ from the last parsed: parsing 600 bodies takes ~6 ms (~15 s of a cold run
# at ten times the national size), reading the file and comparing its bytes with the last ~0.03 ms.
@lru_cache(maxsize=1)
def _parse(file: str, data: bytes) -> dict[str, Body]:
    df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    if missing := [c for c in COLUMNS if c not in df.columns]:
        raise RegistryError(f"{file}: missing column(s) {', '.join(missing)}")
    out: dict[str, Body] = {}
    for i, row in enumerate(df.to_dict("records"), start=2):
        code = row["body_code"].strip().upper()
        try:
            if not code or code in out:
                raise ValueError(f"body_code {code!r} is empty or repeated")
            if row["language"] not in ("en", "cy"):
                raise ValueError("language must be en or cy")
            until = row["expected_until"].strip()
            out[code] = Body(code, row["name_en"].strip(), row["name_cy"].strip(),
                             row["sector"].strip(), row["size_band"].strip(),
                             row["contact_email"].strip(), row["language"],
                             Period.parse(row["expected_from"]),
                             Period.parse(until) if until else None)
        except ValueError as e:
            raise RegistryError(f"{file}, row {i}: {e}") from None
    return out


def expected(bodies: dict[str, Body], period: Period) -> list[Body]:
    return [b for b in bodies.values() if b.expected(period)]


def frame(bodies: dict[str, Body]) -> pd.DataFrame:
    """The registry as the warehouse's `bodies` table."""
    rows = [{**b.__dict__, "body_code": b.code, "expected_from": b.expected_from.label,
             "expected_until": b.expected_until.label if b.expected_until else None}
            for b in bodies.values()]
    return pd.DataFrame(rows, columns=COLUMNS)
