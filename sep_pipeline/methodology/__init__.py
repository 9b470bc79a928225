"""The partnership methodology (METHODOLOGY.md) as pure functions: DataFrames in, DataFrames out.

- `rounding`: half-away-from-zero rounding, markers, disclosure control, exact pay statistics.
- `pay_gaps`: the `pay_gap` table (gaps, bonus, quartiles).
- `measures`: relative likelihoods (R1), declaration rates (D1), representation (C1).
"""

from .measures import (
    census_reference,
    declaration_rows,
    likelihood_rows,
    relative_likelihood,
    representation_rows,
)
from .pay_gaps import COMPARISONS, pay_gap_rows, quartile_shares
from .rounding import (
    ALL,
    LOW,
    MARKERS,
    C,
    Published,
    X,
    Z,
    publish_count,
    publish_gap,
    publish_pct,
    publish_value,
    round_half_away,
)

__all__ = [
    "ALL", "C", "COMPARISONS", "LOW", "MARKERS", "X", "Z", "Published", "census_reference",
    "declaration_rows", "likelihood_rows", "pay_gap_rows", "publish_count", "publish_gap",
    "publish_pct", "publish_value", "quartile_shares", "relative_likelihood",
    "representation_rows", "round_half_away",
]
