"""Financial-year quarters: `2025-26 Q2` is July–September 2025."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD = re.compile(
    r"^\s*(?:(?:q|ch)\s*(?P<q1>[1-4])\s*[,/ ]*\s*)?(?P<y>2\d\d\d)\s*[-/–]\s*(?P<y2>\d\d(?:\d\d)?)"
    r"\s*(?:[,/ ]*\s*(?:q|ch)\s*(?P<q2>[1-4]))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Period:
    """A quarter of a financial year (1 April – 31 March)."""

    year: int  # the calendar year the financial year starts in: 2025 for 2025-26
    quarter: int  # 1..4; Q1 = Apr–Jun, Q4 = Jan–Mar

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read `2025-26 Q2` (also `2025/26 Q2`, `Q2 2025-26`, Welsh `Ch2`); ValueError if not."""
        m = _PERIOD.match(str(text))
        if not m or not (m["q1"] or m["q2"]) or (m["q1"] and m["q2"]):
            raise ValueError(f"not a period like '2025-26 Q2': {text!r}")
        start = int(m["y"])
        end = int(m["y2"])
        if end != (start + 1) % (100 if end < 100 else 10_000):
            raise ValueError(f"the two years of {text!r} are not consecutive")
        return cls(start, int(m["q1"] or m["q2"]))

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"

    @property
    def year_label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """The snapshot date: the last day of the quarter."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def has_ended(self, today: date) -> bool:
        return today > self.end

    def __str__(self) -> str:
        return self.label


FIRST = Period(2020, 1)
