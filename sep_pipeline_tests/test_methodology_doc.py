"""docs/methodology.md stays true: its worked examples are recomputed with the methodology
functions, and the page must show exactly the figures they publish."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sep_pipeline.methodology.measures import (
    census_reference,
    declaration_rows,
    relative_likelihood,
    representation_rows,
)
from sep_pipeline.methodology.pay_gaps import pay_gap_rows, quartile_counts
from sep_pipeline.methodology.rounding import (
    ALL,
    MARKERS,
    Published,
    gap_value,
    publish_count,
    publish_gap,
    publish_pct,
    publish_pct_pair,
    round_half_away,
)
from sep_pipeline.methodology.spread import position_rows, spread_rows
from sep_pipeline.methodology.tables import (
    EVENT_TABLES,
    SHEET_OF,
    TABLE_IDS,
    benchmark_rows,
    measure_places,
)
from sep_pipeline.standard import sep_return as std
from sep_pipeline.warehouse import tables as warehouse

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
FLAT = " ".join(PAGE.split())  # the page with line breaks and runs of spaces as one space


def on_page(snippet: str) -> bool:
    """The snippet is on the page, however the page's lines are wrapped."""
    return " ".join(snippet.split()) in FLAT


def shown(p: Published) -> str:
    """A published cell as the page writes it: the marker, or the value with its places."""
    return p.marker if p.marker is not None else str(p.value).replace("-", "−")


def figure(value: float | None, marker: str | None, places: int = 1) -> str:
    """A (value, marker) table cell as the page writes it."""
    return marker if marker is not None else f"{value:.{places}f}".replace("-", "−")


def cell(rows: pd.DataFrame, table: str, **where: str) -> str:
    """One cell of a benchmark-style frame, written with its measure's decimal places."""
    hit = rows[rows["table_id"] == table] if "table_id" in rows else rows
    for column, wanted in where.items():
        hit = hit[hit[column] == wanted]
    assert len(hit) == 1, where
    places = measure_places(table, where["measure"])
    return figure(hit["value"].iloc[0], hit["marker"].iloc[0], places)


# --- Standard rounding, counts, percentages ----------------------------------------------------


def test_rounding_half_away_from_zero():
    assert shown(Published(round_half_away(Fraction(1225, 100), 1))) == "12.3"
    assert round(12.25, 1) == 12.2  # Python's round: half to even
    rows = [("12.25", "12.2"), ("−12.25", "−12.2"), ("12.35", "12.4")]
    for exact, half_even in rows:
        published = shown(Published(round_half_away(Fraction(exact.replace("−", "-")), 1)))
        assert on_page(f"| {exact} | **{published}** | {half_even} |")
    # Rounding once, not twice.
    once = shown(Published(round_half_away(Fraction("12.249"), 1)))
    twice = shown(Published(round_half_away(round_half_away(Fraction("12.249"), 2), 1)))
    assert (once, twice) == ("12.2", "12.3")
    assert on_page(f"exact figure 12.249, rounded once to 1 decimal place: **{once}**")
    assert on_page(f"(12.25) and then to 1 place: {twice} (wrong)")


def test_floating_point_trap():
    men, women = 240 / 12, 175.5 / 10
    floating = (men - women) / men * 100
    assert repr(floating) == "12.249999999999996" and round(floating, 1) == 12.2
    assert on_page(f"it comes to {floating!r}, which rounds to 12.2")


@pytest.mark.parametrize("n", [0, 1, 4, 7, 12, 13, 18])
def test_count_table(n):
    assert on_page(f"| {n} | {shown(publish_count(n))} |")


def person(body: str, ref: str, **over: Any) -> dict[str, Any]:
    return {"body_code": body, "staff_ref": ref, "in_post_at_snapshot": True, "sex": "female",
            "fte": 1.0, "hourly_pay": 15.0, "full_pay_relevant": True} | over


def w1(rows: list[dict[str, Any]], bodies: list[str]) -> pd.DataFrame:
    out = benchmark_rows({"workforce": pd.DataFrame(rows)}, {"workforce": set(bodies)}, bodies)
    return out[out["table_id"] == "W1"]


def test_totals_fte_and_percentages_of_exact_counts():
    t = w1([person("A", f"f{i}") for i in range(7)]
           + [person("A", f"m{i}", sex="male") for i in range(7)], ["A"])
    women = cell(t, "W1", body_code="A", measure="headcount", breakdown="sex", category="female")
    men = cell(t, "W1", body_code="A", measure="headcount", breakdown="sex", category="male")
    total = cell(t, "W1", body_code="A", measure="headcount", breakdown="all", category="all")
    assert (women, men, total) == ("5", "5", "15")
    assert on_page(f"| women | 7 | {women} |") and on_page(f"| men | 7 | {men} |")
    assert on_page(f"| total | 14 | **{total}** (not 5 + 5 = 10) |")
    pct = cell(t, "W1", body_code="A", measure="pct_of_headcount", breakdown="sex",
               category="female")
    assert on_page(f"women are 7 ÷ 14 = **{pct}%**")

    t = w1([person("A", f"f{i}", fte=1.5 if i == 0 else 1.0) for i in range(12)], ["A"])
    fte = cell(t, "W1", body_code="A", measure="fte", breakdown="sex", category="female")
    assert on_page(f"12.5 FTE is published as **{fte}** (half away from zero)")


@pytest.mark.parametrize(("num", "den", "exact"), [
    (13, 40, "32.5%"), (7, 16, "43.75%"), (35, 40, "87.5%"), (3, 40, "7.5%"), (37, 40, "92.5%"),
    (5, 9, "55.6%"), (0, 40, "0%"), (40, 40, "100%"), (0, 0, "–"),
])
def test_percentage_table(num, den, exact):
    assert on_page(f"| {num} | {den} | {exact} | {shown(publish_pct(num, den))} |")


def test_every_marker_is_explained():
    for marker in MARKERS:
        assert f"| `{marker}` |" in PAGE


# --- Pay gaps -----------------------------------------------------------------------------------

MEN = [14, 15, 16, 18, 19, 20, 20, 21, 22, 23, 25, 27]
WOMEN = [12.60, 13.50, 15.00, 16.00, 16.50, 17.50, 18.00, 20.00, 22.40, 24.00]


def worker(body: str = "A", sex: str = "female", pay: float = 15.0, *, full_pay: bool = True,
           bonus: float = 0.0) -> dict[str, Any]:
    return {"body_code": body, "in_post_at_snapshot": True, "full_pay_relevant": full_pay,
            "hourly_pay": pay, "bonus_pay_12m": bonus, "sex": sex,
            "ethnicity": "white_british", "disability": "not_disabled"}


def sex_metrics(rows: list[dict[str, Any]], body: str) -> dict[str, str]:
    pg = pay_gap_rows(pd.DataFrame(rows))
    pg = pg[(pg["body_code"] == body) & (pg["characteristic"] == "sex")]
    return {m: figure(v, k) for m, v, k in zip(pg["metric"], pg["value"], pg["marker"],
                                                strict=True)}


def test_pay_gap_worked_example():
    rows = ([worker(sex="male", pay=p, bonus=500.0 if i < 6 else 0.0) for i, p in enumerate(MEN)]
            + [worker(sex="male", pay=9.0, full_pay=False)]
            + [worker(pay=p, bonus=400.0 if i < 5 else 0.0) for i, p in enumerate(WOMEN)]
            + [worker(sex="prefer_not_to_say", pay=p) for p in (18.0, 19.0)])
    got = sex_metrics(rows, "A")
    assert gap_value(MEN, WOMEN, "mean") == Fraction(49, 4)  # exactly 12.25
    assert on_page(f"**mean_hourly_gap = {got['mean_hourly_gap']}**")
    assert on_page(f"**median_hourly_gap = {got['median_hourly_gap']}**")
    assert on_page(f"| `bonus_pct_reference` (men) | 6 ÷ 13 × 100 = 46.15… | "
                   f"{got['bonus_pct_reference']} |")
    assert on_page(f"| `bonus_pct_group` (women) | 5 ÷ 10 × 100 = 50 | {got['bonus_pct_group']} |")
    assert got["mean_bonus_gap"] == got["median_bonus_gap"]
    assert on_page(f"| `mean_bonus_gap`, `median_bonus_gap` | only 6 and 5 bonus receivers | "
                   f"{got['mean_bonus_gap']} |")
    quartiles = {got[f"q{k}_pct_{g}"] for k in range(1, 5) for g in ("reference", "group")}
    assert quartiles == {"[c]"} and on_page("every quartile figure is `[c]`")
    assert got["mean_hourly_gap"] == "12.3"  # the example is there to show x.x5 going up


def test_reliability_9_vs_10():
    ten, nine = publish_gap(MEN, WOMEN, "mean"), publish_gap(MEN, WOMEN[:-1], "mean")
    assert WOMEN[-1] == 24.00
    assert on_page(f"| 10 | {shown(ten)} |") and on_page(f"| 9 | {shown(nine)} |")
    assert on_page(f"both gaps would be published as **{shown(nine)}**")


def test_quartile_tie_example():
    ranked = ([("female", 10.0 + i * 0.05) for i in range(10)]
              + [("male", 10.6 + i * 0.05) for i in range(7)]  # positions 1-17
              + [("female", 12.0)] * 4 + [("male", 12.0)] * 3  # 18-24: the tied block
              + [("female", 13.0 + i * 0.1) for i in range(8)]
              + [("male", 13.05 + i * 0.1) for i in range(8)]  # 25-40
              + [("female", 16.0 + i * 0.1) for i in range(9)]
              + [("male", 16.05 + i * 0.1) for i in range(11)]  # 41-60
              + [("female", 20.0 + i * 0.1) for i in range(6)]
              + [("male", 20.05 + i * 0.1) for i in range(14)])  # 61-80
    pay = [p for _, p in ranked]
    men, women = [s == "male" for s, _ in ranked], [s == "female" for s, _ in ranked]
    assert quartile_counts(pay, men, women)[:2] == [
        (7 + Fraction(9, 7), 10 + Fraction(12, 7)), (8 + Fraction(12, 7), 8 + Fraction(16, 7))]
    got = sex_metrics([worker("Q", s, p) for s, p in ranked], "Q")
    ref = ", ".join(got[f"q{k}_pct_reference"] for k in range(1, 5))
    grp = ", ".join(got[f"q{k}_pct_group"] for k in range(1, 5))
    assert on_page(f"`q1_pct_reference` … `q4_pct_reference` ({ref})")
    assert on_page(f"`q1_pct_group` … `q4_pct_group` ({grp})")
    for k in range(1, 5):
        assert on_page(f"| {got[f'q{k}_pct_group']} | {got[f'q{k}_pct_reference']} |")
    men_pct, women_pct = publish_pct_pair(291, 109)
    assert on_page(f"published **{shown(men_pct)}** and **{shown(women_pct)}**")


def test_all_is_pooled_not_averaged():
    rows = ([worker("A", "male", 12.0)] * 10 + [worker("A", "female", 12.0)] * 30
            + [worker("B", "male", 25.0)] * 30 + [worker("B", "female", 25.0)] * 10)
    body_a, body_b, pooled = (sex_metrics(rows, b) for b in ("A", "B", ALL))
    for body, label in ((body_a, "Body A"), (body_b, "Body B")):
        assert on_page(f"| {body['mean_hourly_gap']} | {body['median_hourly_gap']} |")
        assert on_page(label)
    assert on_page(f"| **{pooled['mean_hourly_gap']}** | **{pooled['median_hourly_gap']}** |")
    assert on_page(f"29.88…, published as {pooled['mean_hourly_gap']}")

    t = w1([person("A", f"a{i}") for i in range(20)] + [person("B", f"b{i}") for i in range(3)],
           ["A", "B"])
    a, b, total = (cell(t, "W1", body_code=u, measure="headcount", breakdown="all", category="all")
                   for u in ("A", "B", ALL))
    assert on_page(f"a body with 20 staff (published {a}) and a body with 3 (published `{b}`) "
                   f"give `ALL` a headcount of 23, published as **{total}**")


# --- Other measures -----------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "working"), [
    ((45, 100, 16, 40), "0.45 ÷ 0.40 = 1.125"),
    ((9, 45, 5, 16), "0.20 ÷ 0.3125 = 0.64"),
    ((6, 300, 5, 50), "0.02 ÷ 0.10 = 0.2"),
    ((45, 100, 4, 9), "only 9 applications"),
    ((45, 100, 0, 40), "B's rate is 0"),
])
def test_relative_likelihood_examples(args, working):
    assert on_page(f"| {working} | **{shown(relative_likelihood(*args))}** |")


def staff(**chars: str | None) -> dict[str, Any]:
    return {"body_code": "A", "in_post_at_snapshot": True} | {
        c: chars.get(c, "not_known") for c in std.CHARACTERISTICS}


def test_declaration_example():
    rows = ([staff(sexual_orientation="heterosexual_or_straight")] * 30
            + [staff(sexual_orientation="prefer_not_to_say")] * 6
            + [staff(sexual_orientation=None)] * 4)
    d = declaration_rows(pd.DataFrame(rows))
    got = {m: cell(d, "D1", body_code="A", breakdown="sexual_orientation", measure=m)
           for m in ("pct_declared", "pct_prefer_not_to_say", "pct_not_known")}
    assert on_page(f"| `pct_declared` | 30 ÷ 40 × 100 = 75 | {got['pct_declared']} |")
    assert on_page(f"| `pct_prefer_not_to_say` | 6 ÷ 40 × 100 = 15 | "
                   f"{got['pct_prefer_not_to_say']} |")
    assert on_page(f"| `pct_not_known` | 4 ÷ 40 (only 4 people) | {got['pct_not_known']} |")


def test_representation_example():
    sexes = ["female"] * 28 + ["male"] * 20 + ["prefer_not_to_say"] * 2
    religion = (["no_religion"] * 20 + ["christian"] * 15 + ["muslim"] * 3
                + ["prefer_not_to_say"] * 4 + ["not_known"] * 8)
    welsh = (["intermediate"] * 4 + ["advanced"] * 2 + ["proficient"] * 3 + ["entry"] * 20
             + ["none"] * 16 + ["not_known"] * 5)
    rows = [staff(sex=s, religion=r, welsh_language=w)
            for s, r, w in zip(sexes, religion, welsh, strict=True)]
    r = representation_rows(pd.DataFrame(rows))
    for label, char, cat, shown_cat in [("sex", "sex", "female", "female"),
                                        ("sex", "sex", "male", "male"),
                                        ("religion", "religion", "no_religion", "no religion"),
                                        ("religion", "religion", "christian", "Christian"),
                                        ("Welsh language", "welsh_language", "welsh_speaker",
                                         "Welsh speaker")]:
        figures = [cell(r, "C1", body_code="A", breakdown=char, category=cat, measure=m)
                   for m in ("workforce_pct", "census_pct", "difference_pp")]
        assert on_page(f"| {label} | {shown_cat} | {' | '.join(figures)} |"), (char, cat, figures)


CHARACTERISTIC_LABEL = {
    "sex": "sex", "ethnicity": "ethnicity", "disability": "disability",
    "welsh_language": "Welsh language", "sexual_orientation": "sexual orientation",
    "gender_identity": "gender identity", "religion": "religion",
}
BASE_LABEL = {"answered": "staff who answered", "all": "all staff in post"}


def test_census_reference_table_matches_the_reference_file():
    census = census_reference()
    assert set(census["date"]) == {"2021-03-21"} and on_page("Census day was **21 March 2021**")
    lines = [line for line in PAGE.splitlines() if line.startswith("| ")]
    for c in census.itertuples(index=False):
        pct = f"{c.pct:.1f}%"
        hits = [line for line in lines
                if line.startswith(f"| {CHARACTERISTIC_LABEL[c.characteristic]} |")
                and f"| {pct}" in line and line.endswith(f"| {BASE_LABEL[c.base]} |")]
        assert len(hits) == 1, (c.characteristic, c.category, pct, c.base)


# --- Spread, annual tables, F1 median -----------------------------------------------------------


def test_spread_and_position_example():
    key = {"table_id": "P1", "measure": "mean_hourly_gap", "breakdown": "sex",
           "category": "male_vs_female"}
    figures = {"B1": 3.0, "B2": 8.5, "B3": 10.2, "B4": 12.0, "B5": None, ALL: 9.0}
    bench = pd.DataFrame([{**key, "body_code": b, "value": v,
                           "marker": None if v is not None else "[low]"}
                          for b, v in figures.items()])
    spread = dict(zip(spread_rows(bench)["body_code"], spread_rows(bench)["value"], strict=True))
    for code, exact in (("LQ", "7.125"), ("MEDIAN", "9.35"), ("UQ", "10.65")):
        assert on_page(f"| {exact} | **{spread[code]:.1f}** |"), code
    positions = position_rows(bench)
    for b, p in zip(positions["body_code"], positions["position"], strict=True):
        value = "[low]" if figures[b] is None else f"{figures[b]:.1f}"
        assert on_page(f"| {b} | {value} | {p or '(none)'} |")


def test_annual_union_counts_people_once():
    quarters = ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"]
    cases = {0: {0, 4, 5}, 1: {1, 5}, 2: {2}, 3: {3}}  # staff with a disciplinary, by quarter
    wf = pd.DataFrame([person("A", f"s{i}", period=q, disciplinary=i in cases[k])
                       for k, q in enumerate(quarters) for i in range(12)])
    sub = {"workforce": {"A"}}

    def w10(rows: pd.DataFrame) -> list[str]:
        return [cell(rows, "W10", body_code="A", measure=m, breakdown="all",
                     category="all") for m in ("staff", "disciplinary", "pct_disciplinary")]

    each = {tuple(w10(benchmark_rows({"workforce": wf[wf["period"] == q]}, sub, ["A"])))
            for q in quarters}
    assert len(each) == 1
    staff_q, disc_q, pct_q = each.pop()
    assert on_page(f"| each quarter (12 staff; 3, 2, 1, 1 cases) | {staff_q} | {disc_q} | "
                   f"{pct_q} |")
    staff_y, disc_y, pct_y = w10(benchmark_rows({"workforce": wf}, sub, ["A"], annual=True))
    assert on_page(f"| the year | {staff_y} (12 people, not 48) | {disc_y} (6 people, not 7 "
                   f"person-quarters) | {pct_y} |")


def test_median_days_example():
    days = [2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 20, 30]
    cases = pd.DataFrame([{"body_code": "A", "case_ref": f"c{i}", "feedback_type": "complaint",
                           "working_days_to_close": d} for i, d in enumerate(days)])
    rows = benchmark_rows({"workforce": pd.DataFrame([person("A", "a")]), "feedback": cases},
                          {"workforce": {"A"}, "feedback": {"A"}}, ["A"])
    median = cell(rows, "F1", body_code="A", measure="median_days_to_close", breakdown="all",
                  category="all")
    assert on_page(f"{', '.join(map(str, days[:-1]))} and {days[-1]} working days")
    assert on_page(f"published as **{median}** days")


# --- Every table and the warehouse contract -----------------------------------------------------


def section(heading: str) -> str:
    match = re.search(rf"^### {re.escape(heading)}.*?(?=^##|\Z)", PAGE, re.M | re.S)
    assert match, heading
    return match.group(0)


def test_every_table_has_a_section_with_its_measures_sheet_and_period():
    sheets = ("workforce", "recruitment", "engagement", "engagement_profile", "procurement",
              "feedback", "actions")
    one = pd.DataFrame([person("A", "a")])
    rows = benchmark_rows({"workforce": one}, {s: {"A"} for s in sheets}, ["A"])
    sheet_name = {s.table: s.name for s in std.DATA_SHEETS}
    for table in TABLE_IDS:
        text = section(f"{table} — ")
        kind = "events" if table in EVENT_TABLES else "snapshot"
        assert f"**Period:** {kind}" in text, table
        assert sheet_name[SHEET_OF[table]] in text, table
        for measure in rows.loc[rows["table_id"] == table, "measure"].unique():
            if re.fullmatch(r"q[23]_pct_\w+", measure):
                continue  # written as q1_… … q4_…
            assert f"`{measure}`" in text, (table, measure)


def test_warehouse_tables_and_columns():
    for name, table in warehouse.PUBLISHED_TABLES.items():
        text = section(f"`{name}`")
        for column in table.columns:
            assert f"`{column.name}`" in text, (name, column.name)
