"""The outcome measures of the partnership's five shared Strategic Equality objectives
(STANDARD.md, "Partnership objectives"; issue 20: "employment and engagement profile data, pay
gaps, professional development, uptake of work patterns at different levels, co-production,
procurement data, complaints and feedback"), each a published benchmark cell. Every objective
also has its own action-plan completion (A1 `pct_complete` by partnership objective).

The Outcomes sheet of the pack lists these with their latest value, a year earlier, the change
and the direction of travel (`series`, from `polarity.POLARITY`).
"""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):
    objective: str  # the partnership objective's code, "1" to "5"
    table_id: str
    measure: str
    breakdown: str
    category: str

    @property
    def cell(self) -> tuple[str, str, str, str]:
        return self.table_id, self.measure, self.breakdown, self.category


OBJECTIVES = ("1", "2", "3", "4", "5")
_HEADLINE_GAPS = (("sex", "male_vs_female"), ("ethnicity", "white_vs_ethnic_minority"),
                  ("disability", "not_disabled_vs_disabled"))

OUTCOMES: tuple[Outcome, ...] = (
    # 1 Increase workforce diversity and inclusion: the employment profile against Wales,
    # declaration, recruitment, professional development, work patterns
    Outcome("1", "C1", "workforce_pct", "sex", "female"),
    Outcome("1", "C1", "workforce_pct", "ethnicity", "ethnic_minority"),
    Outcome("1", "C1", "workforce_pct", "disability", "disabled"),
    Outcome("1", "C1", "workforce_pct", "welsh_language", "welsh_speaker"),
    Outcome("1", "D1", "pct_declared", "ethnicity", "all"),
    Outcome("1", "D1", "pct_declared", "disability", "all"),
    Outcome("1", "D1", "pct_declared", "sexual_orientation", "all"),
    Outcome("1", "R1", "appointed_from_shortlisted", "ethnicity", "white_vs_ethnic_minority"),
    Outcome("1", "R1", "appointed_from_shortlisted", "disability", "not_disabled_vs_disabled"),
    Outcome("1", "W8", "pct_completed_training", "all", "all"),
    Outcome("1", "W5", "pct_flexible_working", "job_level/sex", "all/all"),
    # 2 Eliminate pay gaps
    *(Outcome("2", "P1", m, b, c) for m in ("median_hourly_gap", "mean_hourly_gap")
      for b, c in _HEADLINE_GAPS),
    # 3 Engage with the community: co-production and what changed
    Outcome("3", "E1", "activities", "all", "all"),
    Outcome("3", "E1", "participants", "all", "all"),
    Outcome("3", "E1", "pct_coproduced", "all", "all"),
    Outcome("3", "E1", "pct_you_said_we_did", "all", "all"),
    # 4 Embed equality in procurement and commissioning
    Outcome("4", "PR1", "pct_of_contracts", "equality_criteria_in_tender", "yes"),
    Outcome("4", "PR1", "pct_of_contracts", "equality_monitoring_in_contract", "yes"),
    Outcome("4", "PR1", "pct_of_contracts", "community_benefits", "yes"),
    Outcome("4", "PR1", "pct_of_contracts", "supplier_in_wales", "yes"),
    # 5 Ensure service delivery reflects individual need: complaints and feedback
    Outcome("5", "F1", "pct_equality_related", "all", "all"),
    Outcome("5", "F1", "pct_led_to_change", "all", "all"),
    Outcome("5", "F1", "median_days_to_close", "all", "all"),
    # every objective: its actions complete
    *(Outcome(o, "A1", "pct_complete", "partnership_objective", o) for o in OBJECTIVES),
)


def outcomes_of(objective: str) -> list[Outcome]:
    return [o for o in OUTCOMES if o.objective == objective]
