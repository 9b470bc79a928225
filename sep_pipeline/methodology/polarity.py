"""Which way is better, for each published measure: its polarity, declared once (METHODOLOGY.md,
"Change over time").

The direction of travel of a change (`series`), the Outcomes sheet of the pack and the polarity
table of docs/methodology.md all read `POLARITY`; nothing else says which way is better.
A measure not in it has no polarity: counts and amounts measure a body's size and the quarter's
activity, not progress, so their direction is "not applicable".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# higher / lower: more / less is better; toward_zero: nearer 0 either way (a gap of -2 is as
# good as one of 2); toward_parity: a relative likelihood nearer 1.00, either way, measured as
# a ratio (2.00 and 0.50 are as far from parity); toward_census: a workforce share nearer the
# Census 2021 Wales share of the same group (the cell's `census_pct`).
Kind = Literal["higher", "lower", "toward_zero", "toward_parity", "toward_census"]
KINDS: tuple[Kind, ...] = ("higher", "lower", "toward_zero", "toward_parity", "toward_census")
ANY = "*"


@dataclass(frozen=True)
class Polarity:
    """`table_id`'s `measure` (in `breakdown` / `category`, or any: `*`) is better `kind`."""

    table_id: str
    measure: str
    kind: Kind
    why: tuple[str, str]  # English, Welsh
    breakdown: str = ANY
    category: str = ANY


_GAP = ("A smaller pay gap, either way, is better.",
        "Mae bwlch cyflog llai, y naill ffordd neu'r llall, yn well.")
_YES = ("yes",)

POLARITY: tuple[Polarity, ...] = (
    *(Polarity("P1", m, "toward_zero", _GAP) for m in (
        "mean_hourly_gap", "median_hourly_gap", "mean_bonus_gap", "median_bonus_gap")),
    *(Polarity("R1", m, "toward_parity", (
        "A relative likelihood nearer 1.00 (parity) is better.",
        "Mae tebygolrwydd cymharol yn nes at 1.00 (cydraddoldeb) yn well."))
      for m in ("shortlisted_from_applied", "appointed_from_shortlisted",
                "entering_disciplinary", "approved_for_training")),
    Polarity("D1", "pct_declared", "higher", (
        "A higher declaration rate is better.", "Mae cyfradd datgan uwch yn well.")),
    Polarity("D1", "pct_prefer_not_to_say", "lower", (
        "Fewer choosing not to say shows more trust in declaring.",
        "Mae llai yn dewis peidio â dweud yn dangos mwy o ymddiriedaeth wrth ddatgan.")),
    Polarity("D1", "pct_not_known", "lower", (
        "Fewer never asked is better.", "Mae llai heb eu holi erioed yn well.")),
    Polarity("C1", "workforce_pct", "toward_census", (
        "A workforce share closer to Census 2021 Wales is better.",
        "Mae cyfran o'r gweithlu sy'n nes at Gyfrifiad 2021 Cymru yn well.")),
    Polarity("C1", "difference_pp", "toward_zero", (
        "A smaller difference from Census 2021 Wales, either way, is better.",
        "Mae gwahaniaeth llai o Gyfrifiad 2021 Cymru, y naill ffordd neu'r llall, yn well.")),
    Polarity("A1", "pct_complete", "higher", (
        "More actions complete is better.", "Mae mwy o gamau wedi'u cwblhau yn well.")),
    Polarity("E1", "pct_coproduced", "higher", (
        "More co-produced activities are better.",
        "Mae mwy o weithgareddau wedi'u cydgynhyrchu yn well.")),
    Polarity("E1", "pct_you_said_we_did", "higher", (
        "More activities that changed something ('you said, we did') is better.",
        "Mae mwy o weithgareddau a newidiodd rywbeth ('dywedoch chi, gwnaethom ni') yn well.")),
    Polarity("W5", "pct_flexible_working", "higher", (
        "More uptake of flexible working is better.",
        "Mae mwy o ddefnydd o weithio hyblyg yn well.")),
    Polarity("W8", "pct_completed_training", "higher", (
        "More staff completing training (professional development) is better.",
        "Mae mwy o staff yn cwblhau hyfforddiant (datblygiad proffesiynol) yn well.")),
    *(Polarity("PR1", "pct_of_contracts", "higher", (
        "More contracts with equality in them is better.",
        "Mae mwy o gontractau â chydraddoldeb ynddynt yn well."), breakdown=b, category="yes")
      for b in ("equality_criteria_in_tender", "equality_monitoring_in_contract",
                "community_benefits")),
    Polarity("F1", "pct_led_to_change", "higher", (
        "More feedback that led to a change is better.",
        "Mae mwy o adborth a arweiniodd at newid yn well.")),
    Polarity("F1", "median_days_to_close", "lower", (
        "Closing cases sooner is better.", "Mae cau achosion yn gynt yn well.")),
)


def _index() -> dict[tuple[str, str], list[Polarity]]:
    out: dict[tuple[str, str], list[Polarity]] = {}
    for p in POLARITY:
        if p.kind not in KINDS:
            raise ValueError(f"unknown polarity {p.kind!r}")
        out.setdefault((p.table_id, p.measure), []).append(p)
    return out


_BY_MEASURE = _index()


def polarity_of(table_id: str, measure: str, breakdown: str, category: str) -> Kind | None:
    """The measure's polarity in this cell; None: no polarity (direction not applicable)."""
    for p in _BY_MEASURE.get((table_id, measure), ()):
        if p.breakdown in (ANY, breakdown) and p.category in (ANY, category):
            return p.kind
    return None
