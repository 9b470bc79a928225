"""The series cells the pack shows: the headline measures drawn on the Trends sheet (grouped
by chart) and those of the Outcomes sheet. The pack reads the series of these cells only."""

from __future__ import annotations

from dataclasses import dataclass

from ...methodology.objectives import OBJECTIVES, OUTCOMES

Cell = tuple[str, str, str, str]  # table_id, measure, breakdown, category
_GAPS = (("sex", "male_vs_female"), ("ethnicity", "white_vs_ethnic_minority"),
         ("disability", "not_disabled_vs_disabled"))


@dataclass(frozen=True)
class TrendGroup:
    key: str  # labels.TEXT key of the chart's title
    cells: tuple[Cell, ...]
    body_cells: tuple[Cell, ...] | None = None  # a body's chart: these only (default: all)


TREND_GROUPS: tuple[TrendGroup, ...] = (
    TrendGroup("trend_median_gap", tuple(("P1", "median_hourly_gap", b, c) for b, c in _GAPS)),
    TrendGroup("trend_mean_gap", tuple(("P1", "mean_hourly_gap", b, c) for b, c in _GAPS)),
    TrendGroup("trend_representation", (("C1", "workforce_pct", "sex", "female"),
                                        ("C1", "workforce_pct", "ethnicity", "ethnic_minority"),
                                        ("C1", "workforce_pct", "disability", "disabled"))),
    TrendGroup("trend_declaration", tuple(("D1", "pct_declared", b, "all") for b in (
        "ethnicity", "disability", "sexual_orientation"))),
    TrendGroup("trend_actions", (("A1", "pct_complete", "all", "all"),
                                 *(("A1", "pct_complete", "partnership_objective", o)
                                   for o in OBJECTIVES)),
               body_cells=(("A1", "pct_complete", "all", "all"),)),
)
TREND_CELLS: frozenset[Cell] = frozenset(c for g in TREND_GROUPS for c in g.cells)
# Every cell the Trends and Outcomes sheets show: all the pack reads of the series for them.
HEADLINE_CELLS: frozenset[Cell] = TREND_CELLS | {o.cell for o in OUTCOMES}
