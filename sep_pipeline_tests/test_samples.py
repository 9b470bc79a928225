"""The synthetic sample returns: reproducible, consistent across quarters, realistic enough, and
with the drifts over two years a trend should show (read back from the workbooks)."""

from __future__ import annotations

import hashlib
import re
import statistics
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from sep_pipeline.cli import app
from sep_pipeline.standard import matching
from sep_pipeline.standard import sep_return as std
from sep_pipeline.standard.periods import Period
from sep_pipeline.tools.samples import BODIES, DECLARABLE, PERIODS, generate_samples, return_path

ROOT = Path(__file__).resolve().parents[1]
DATA_RAW = ROOT / "data_raw"
MESSY = "TCG"
FIRST, LAST = PERIODS[0], PERIODS[-1]
NARROWING, WIDENING = "CSEN", "BMCHT"  # the gender pay gap at these moves one way each
NON_ANSWERS = ("not_known", "prefer_not_to_say")


# --- Reading a return back (independently of the pipeline's own reader) ----------------------


def _norm(text: object) -> str:
    return re.sub(r"[\s_\-()]+", "", str(text)).lower()


def _header_map(sheet: std.Sheet) -> dict[str, str]:
    out = {}
    for f in sheet.fields:
        for label in (f.name, f.en, f.cy, *f.synonyms):
            out[_norm(label)] = f.name
    return out


def _decode(f: std.Field, value: Any) -> Any:
    """A cell as the standard code / bool / date / number (None when blank)."""
    if value is None or value == "":
        return f.blank if f.blank is not None else None
    if f.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()
    if f.kind in ("money", "number", "integer"):
        if isinstance(value, str):
            return float(value.strip().replace("£", "").replace(",", ""))
        return float(value)
    if f.kind == "ref":
        return str(int(value)) if isinstance(value, float) else str(value)
    if f.kind in ("bool", "code", "age_band") and f.codes is not None:
        text = str(value).strip().lower()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        for c in f.codes.codes:
            if text in {x.lower() for x in (c.code, c.en, c.cy, *c.synonyms)}:
                return (
                    {"yes": True, "no": False}.get(c.code, c.code) if f.kind == "bool" else c.code
                )
        raise AssertionError(f"{f.name}: {value!r} is not a label of {f.codes.name}")
    return value


def read_return(path: Path) -> dict[str, Any]:
    """{"About": {key: value}, "<Sheet>": [rows as {field: decoded}], "_header_row": {..}}."""
    wb = CalamineWorkbook.from_path(str(path))
    names = {n.lower(): n for n in wb.sheet_names}
    out: dict[str, Any] = {"_header_row": {}, "_sheet_name": {}, "_raw": {}}
    for sheet in std.SHEETS:
        actual = names.get(sheet.name.lower()) or names.get(sheet.cy.lower())
        if actual is None:
            continue
        out["_sheet_name"][sheet.name] = actual
        rows = wb.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        if sheet is std.ABOUT:
            keys = _header_map(sheet)
            out["About"] = {keys[_norm(r[0])]: r[1] for r in rows if r and r[0] != ""}
            continue
        hmap = _header_map(sheet)
        found = [i for i, row in enumerate(rows[:10]) if sum(_norm(c) in hmap for c in row) >= 2]
        assert found, f"{path.name}: no header row on {actual}"
        h = found[0]
        out["_header_row"][sheet.name] = h + 1
        header = [hmap.get(_norm(c)) for c in rows[h]]
        records = []
        for row in rows[h + 1 :]:
            if all(c == "" for c in row):
                continue
            records.append(
                {
                    name: _decode(sheet.field(name), v)
                    for name, v in zip(header, row, strict=False)
                    if name
                }
            )
        out[sheet.name] = records
        out["_raw"][sheet.name] = (rows[h], rows[h + 1 :])
    return out


@pytest.fixture(scope="module")
def committed() -> dict[tuple[str, Period], dict[str, Any]]:
    """The committed data_raw samples, read back: (body, period) -> return."""
    assert (DATA_RAW / "CSEN").is_dir(), "data_raw samples missing: run `make samples`"
    return {
        (b.code, p): read_return(return_path(DATA_RAW, b, p))
        for b in BODIES
        for p in PERIODS
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Reproducibility -------------------------------------------------------------------------


def test_committed_samples_equal_a_fresh_generation(tmp_path: Path) -> None:
    # Through the command line, as `make samples` does.
    result = CliRunner().invoke(app, ["samples", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    paths = sorted(tmp_path.glob("*/*.xlsx"))
    # two financial years, quarter after quarter
    assert [p.label for p in PERIODS] == [f"{y} Q{q}" for y in ("2024-25", "2025-26")
                                         for q in (1, 2, 3, 4)]
    assert len(paths) == len(PERIODS) * len(BODIES)
    for p in paths:
        committed_file = DATA_RAW / p.relative_to(tmp_path)
        assert committed_file.is_file(), committed_file
        assert _sha(p) == _sha(committed_file), (
            f"{committed_file} differs from a fresh generation: run `make samples` (after a "
            "change to samples.py, or a new numpy/xlsxwriter version) and commit data_raw"
        )
    assert (tmp_path / "README.md").read_text() == (DATA_RAW / "README.md").read_text()


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a = generate_samples(tmp_path / "a", bodies=["MGNPA", "TCG"], scale=0.1)
    b = generate_samples(tmp_path / "b", bodies=["MGNPA", "TCG"], scale=0.1)
    c = generate_samples(tmp_path / "c", seed=7, bodies=["MGNPA", "TCG"], scale=0.1)
    assert [_sha(p) for p in a] == [_sha(p) for p in b]
    assert [_sha(p) for p in a] != [_sha(p) for p in c]
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]


def test_a_body_does_not_depend_on_the_others(tmp_path: Path) -> None:
    alone = generate_samples(tmp_path / "alone", bodies=["CLCT"])
    with_other = generate_samples(tmp_path / "both", bodies=["MGNPA", "CLCT"], scale=0.2)
    n = len(PERIODS)
    assert [p.name for p in alone] == [p.name for p in with_other[n:]]
    assert [_sha(p) for p in alone] != [_sha(p) for p in with_other[n:]]  # scale applies
    again = generate_samples(tmp_path / "both", bodies=["CLCT"])
    assert [_sha(p) for p in alone] == [_sha(p) for p in again]
    assert not (tmp_path / "alone" / "README.md").exists()  # only the full set writes it


def test_unknown_body_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        generate_samples(tmp_path, bodies=["NOPE"])


def test_layout_and_about(committed: dict) -> None:
    assert len(BODIES) >= 6
    for b in BODIES:
        assert re.fullmatch(r"[A-Z]{2,6}", b.code)
        for p in PERIODS:
            r = committed[(b.code, p)]
            about = r["About"]
            assert about["body_code"] == b.code
            assert Period.parse(about["period"]) == p
            assert about["template_version"] == std.TEMPLATE_VERSION
            assert about["contact_email"] == f"equality@{b.code.lower()}.example"
            assert "SYNTHETIC" in about["notes"] and "fictional" in about["notes"]
            assert "Workforce" in r
    sizes = sorted(len(committed[(b.code, FIRST)]["Workforce"]) for b in BODIES)
    assert sizes[0] >= 25 and sizes[-1] <= 3300


def test_optional_sheets_missing_and_empty(committed: dict) -> None:
    missing = {
        b.code for b in BODIES for s in std.DATA_SHEETS if s.name not in committed[(b.code, FIRST)]
    }
    assert missing, "some body must omit an optional sheet (not submitted)"
    empty = [
        (k, s.name)
        for k, r in committed.items()
        for s in std.DATA_SHEETS
        if s.name in r and r[s.name] == []
    ]
    assert empty, "some body must send an optional sheet with headers and no rows"
    for key, name in empty:
        header, _ = committed[key]["_raw"][name]
        assert any(header)


# --- Workforce consistency --------------------------------------------------------------------


def _in_post(r: dict) -> set[str]:
    return {x["staff_ref"] for x in r["Workforce"] if x["in_post_at_snapshot"]}


def test_workforce_is_consistent_across_quarters(committed: dict) -> None:
    for b in BODIES:
        people: dict[str, dict] = {}
        for p in PERIODS:
            rows = committed[(b.code, p)]["Workforce"]
            refs = [x["staff_ref"] for x in rows]
            assert len(refs) == len(set(refs)), f"{b.code} Q{p.quarter}: duplicate staff_ref"
            for x in rows:
                assert x["start_date"] <= p.end
                if x["in_post_at_snapshot"]:
                    assert x["leave_date"] is None and x["hourly_pay"] > 0
                    assert x["full_pay_relevant"] is not None
                else:
                    assert p.start <= x["leave_date"] <= p.end and x["leaving_reason"]
                    assert x["leave_date"] >= x["start_date"]
                if x["position_change_successful"]:
                    assert x["applied_for_position_change"]
                if x["training_approved"]:
                    assert x["applied_for_training"]
                assert (x["working_pattern"] == "full_time") == (x["fte"] >= 1)
                # fixed for a person; a characteristic not known (or not given) may be recorded
                # later, and once recorded it stays
                fixed = {k: x[k] for k in ("start_date", *std.CHARACTERISTICS)}
                before = people.setdefault(x["staff_ref"], fixed)
                for k, v in fixed.items():
                    assert v == before[k] or (k in DECLARABLE and before[k] in NON_ANSWERS
                                              and v not in NON_ANSWERS), (x["staff_ref"], k)
                people[x["staff_ref"]] = fixed
        for p in PERIODS[1:]:
            prev = committed[(b.code, p.previous())]
            cur = committed[(b.code, p)]["Workforce"]
            leavers = {x["staff_ref"] for x in cur if not x["in_post_at_snapshot"]}
            starters = {x["staff_ref"] for x in cur if x["start_date"] >= p.start}
            assert (
                _in_post(committed[(b.code, p)]) == (_in_post(prev) - leavers) | starters
            ), f"{b.code} {p}"
            assert {x["staff_ref"] for x in cur} == _in_post(prev) | starters
            n_prev = len(_in_post(prev))
            assert abs(len(_in_post(committed[(b.code, p)])) - n_prev) <= 0.2 * n_prev
            if n_prev > 500:
                assert 0.01 < len(leavers) / n_prev < 0.06


def _pooled(committed: dict, period: Period = LAST) -> list[dict]:
    return [
        x
        for b in BODIES
        for x in committed[(b.code, period)]["Workforce"]
        if x["in_post_at_snapshot"]
    ]


def test_distributions_look_like_wales(committed: dict) -> None:
    staff = _pooled(committed)
    eth = [
        x["ethnicity"] for x in staff if x["ethnicity"] not in ("not_known", "prefer_not_to_say")
    ]
    white = sum(std.ETHNICITY.get(e).group == "white" for e in eth) / len(eth)
    assert 0.85 <= white <= 0.97
    assert len(set(eth)) >= 17  # (nearly) all 19 detailed groups occur
    declared = [x["disability"] for x in staff if x["disability"] in ("disabled", "not_disabled")]
    assert 0.06 <= declared.count("disabled") / len(declared) <= 0.16
    female = sum(x["sex"] == "female" for x in staff) / len(staff)
    assert 0.55 <= female <= 0.75
    fire = [x for x in committed[("AAFRS", LAST)]["Workforce"] if x["in_post_at_snapshot"]]
    assert sum(x["sex"] == "male" for x in fire) / len(fire) > 0.6
    assert {x["welsh_language"] for x in staff} == set(std.WELSH_LANGUAGE.values)
    # Not known over 20% for one characteristic of one body (a warning), under it elsewhere
    # (in the first quarter: records are updated over the quarters).
    over = set()
    for b in BODIES:
        rows = committed[(b.code, FIRST)]["Workforce"]
        for c in std.CHARACTERISTICS:
            if sum(x[c] == "not_known" for x in rows) / len(rows) > std.NOT_KNOWN_WARN_SHARE:
                over.add((b.code, c))
    assert over == {("BMCHT", "sexual_orientation")}


def test_men_are_paid_more_on_average(committed: dict) -> None:
    for p in (FIRST, LAST):
        pop = [x for x in _pooled(committed, p) if x["full_pay_relevant"]]
        men = [x["hourly_pay"] for x in pop if x["sex"] == "male"]
        women = [x["hourly_pay"] for x in pop if x["sex"] == "female"]
        gap = (statistics.mean(men) - statistics.mean(women)) / statistics.mean(men)
        assert 0.03 < gap < 0.2
    for b in BODIES:
        pay = [x["hourly_pay"] for x in _staff(committed, b.code, LAST).values()]
        median = statistics.median(pay)
        assert all(
            median / std.PAY_OUTLIER_FACTOR < v < median * std.PAY_OUTLIER_FACTOR for v in pay
        ), b.code
        assert all(round(v, 2) == v for v in pay)


# --- Two years: the same people, and the drifts a trend should show ---------------------------


def _staff(committed: dict, code: str, period: Period) -> dict[str, dict]:
    return {x["staff_ref"]: x for x in committed[(code, period)]["Workforce"]
            if x["in_post_at_snapshot"]}


LARGE = [b.code for b in BODIES if b.staff >= 500]  # where a drift is not lost in the noise


def test_the_same_people_through_two_years(committed: dict) -> None:
    for b in BODIES:
        seen: set[str] = set()
        gone: set[str] = set()
        for p in PERIODS:
            rows = committed[(b.code, p)]["Workforce"]
            refs = {x["staff_ref"] for x in rows}
            assert not refs & gone, f"{b.code} {p}: a leaver's reference is back"
            new = {x["staff_ref"] for x in rows if x["start_date"] >= p.start}
            assert not new & seen, f"{b.code} {p}: a starter has an old reference"
            seen |= refs
            gone |= {x["staff_ref"] for x in rows if not x["in_post_at_snapshot"]}
        if b.code not in LARGE:
            continue
        first, last = _staff(committed, b.code, FIRST), _staff(committed, b.code, LAST)
        stayed = len(first.keys() & last.keys()) / len(first)
        joined = len(last.keys() - first.keys()) / len(last)
        assert 0.6 < stayed < 0.95, (b.code, stayed)  # two years of turnover
        assert 0.05 < joined < 0.4, (b.code, joined)
        for p in PERIODS:
            rows = committed[(b.code, p)]["Workforce"]
            n = len(rows)
            leavers = sum(not x["in_post_at_snapshot"] for x in rows)
            starters = sum(x["start_date"] >= p.start for x in rows)
            assert 0.005 < leavers / n < 0.08 and 0.005 < starters / n < 0.08, (b.code, str(p))


def test_promotions_and_pay_rises(committed: dict) -> None:
    levels = std.JOB_LEVEL.values
    for b in BODIES:
        promoted = stayed = 0
        for prev, cur in zip(PERIODS, PERIODS[1:], strict=False):
            before, after = _staff(committed, b.code, prev), _staff(committed, b.code, cur)
            for ref in before.keys() & after.keys():
                x, y = before[ref], after[ref]
                rank = levels.index(y["job_level"]) - levels.index(x["job_level"])
                assert rank >= 0, (b.code, str(cur), ref)  # nobody moves down a level
                assert y["hourly_pay"] >= x["hourly_pay"], (b.code, str(cur), ref)  # paid less
                promoted += rank > 0
        first, last = _staff(committed, b.code, FIRST), _staff(committed, b.code, LAST)
        both = first.keys() & last.keys()
        stayed = len(both)
        # two pay awards, and increments on top for most of those below the top of their range
        award = 1.03 ** 2
        rises = [last[r]["hourly_pay"] / first[r]["hourly_pay"] for r in both]
        assert min(rises) >= award - 0.01, b.code
        assert sum(x > award + 0.01 for x in rises) > 0.3 * stayed, b.code
        if b.code in LARGE:
            assert 0.01 * stayed < promoted < 0.2 * stayed, (b.code, promoted)


def _gaps(committed: dict, code: str, period: Period) -> tuple[float, float]:
    """The mean and median gender pay gap (%), full-pay relevant staff in post."""
    pay = [x for x in _staff(committed, code, period).values() if x["full_pay_relevant"]]
    men = [x["hourly_pay"] for x in pay if x["sex"] == "male"]
    women = [x["hourly_pay"] for x in pay if x["sex"] == "female"]
    return (100 * (1 - statistics.mean(women) / statistics.mean(men)),
            100 * (1 - statistics.median(women) / statistics.median(men)))


def test_the_pay_gap_narrows_at_one_body_and_widens_at_another(committed: dict) -> None:
    for code, sign in ((NARROWING, -1), (WIDENING, 1)):
        series = [_gaps(committed, code, p) for p in PERIODS]
        for k, name in enumerate(("mean", "median")):
            first, last = series[0][k], series[-1][k]
            assert sign * (last - first) > 2, (code, name, first, last)  # points
            # a trend, not two lucky quarters: each year's average moves the same way
            years = [statistics.mean(g[k] for g in series[:4]),
                     statistics.mean(g[k] for g in series[4:])]
            assert sign * (years[1] - years[0]) > 0, (code, name, years)
        assert all(g[0] > 0 for g in series), code  # men are still paid more


def _declared(staff: list[dict], characteristic: str) -> float:
    return sum(x[characteristic] not in NON_ANSWERS for x in staff) / len(staff)


def test_declaration_rates_rise(committed: dict) -> None:
    for c in DECLARABLE:
        rates = [_declared(_pooled(committed, p), c) for p in PERIODS]
        assert rates[-1] > rates[0], c
        assert statistics.mean(rates[4:]) > statistics.mean(rates[:4]), c
        for code in LARGE:
            first = _declared(list(_staff(committed, code, FIRST).values()), c)
            last = _declared(list(_staff(committed, code, LAST).values()), c)
            assert last > first, (code, c, first, last)


def test_action_plans_advance(committed: dict) -> None:
    order = {s: i for i, s in enumerate(("not_started", "in_progress", "complete"))}
    for b in BODIES:
        plans = [committed[(b.code, p)]["Actions"] for p in PERIODS]
        assert len({tuple(x["action_ref"] for x in plan) for plan in plans}) == 1, b.code
        complete = [sum(x["status"] == "complete" for x in plan) for plan in plans]
        assert complete == sorted(complete) and complete[-1] > complete[0], b.code
        started = [sum(x["status"] != "not_started" for x in plan) for plan in plans]
        assert started[-1] > started[0], b.code
        for a, c in zip(plans, plans[1:], strict=False):
            for x, y in zip(a, c, strict=True):
                if x["status"] in order and y["status"] in order:
                    assert order[y["status"]] >= order[x["status"]], (b.code, x["action_ref"])


# --- Other sheets -----------------------------------------------------------------------------


def test_event_sheets(committed: dict) -> None:
    for (_, p), r in committed.items():
        if "Recruitment" in r:
            refs = [x["application_ref"] for x in r["Recruitment"]]
            assert len(refs) == len(set(refs))
            for x in r["Recruitment"]:
                assert x["shortlisted"] or not x["appointed"]
            if r["Recruitment"]:
                by_vacancy = {x["vacancy_ref"] for x in r["Recruitment"]}
                assert len(by_vacancy) < len(refs)
        if "Engagement" in r:
            acts = {x["activity_ref"] for x in r["Engagement"]}
            assert len(acts) == len(r["Engagement"])
            for x in r["Engagement"]:
                assert p.start <= x["activity_date"] <= p.end
            for x in r.get("EngagementProfile", []):
                assert x["activity_ref"] in acts
        for x in r.get("Procurement", []):
            assert p.start <= x["award_date"] <= p.end and x["value_gbp"] > 0
        for x in r.get("Feedback", []):
            assert p.start <= x["received_date"] <= p.end
            assert (x["working_days_to_close"] is None) == (x["outcome"] == "open")
            assert x["equality_related"] == (x["characteristic"] is not None)
    texts = [
        x["you_said_we_did"] or "" for r in committed.values() for x in r.get("Engagement", [])
    ]
    assert any(t.startswith("-") for t in texts) and any(t.startswith("=") for t in texts)


def test_recruitment_likelihoods_differ(committed: dict) -> None:
    apps = [x for r in committed.values() for x in r.get("Recruitment", [])]

    def rate(group: list[dict]) -> float:
        return sum(x["shortlisted"] for x in group) / len(group)

    white = [x for x in apps if x["ethnicity"] in std.ETHNICITY.values[:5]]
    minority = [x for x in apps if x["ethnicity"] in std.ETHNICITY.values[5:19]]
    assert len(minority) > 100
    assert 1.1 < rate(white) / rate(minority) < 2.0


def test_messy_body_writes_like_a_welsh_partner(committed: dict) -> None:
    r = committed[(MESSY, PERIODS[1])]
    assert r["_sheet_name"]["Workforce"] == std.WORKFORCE.cy
    assert r["_sheet_name"]["About"] == std.ABOUT.cy
    for name in r["_header_row"]:
        assert r["_header_row"][name] == 4
    header, rows = r["_raw"]["Workforce"]
    assert set(header) == {f.cy for f in std.WORKFORCE.fields}
    assert [h for h in header] != [f.cy for f in std.WORKFORCE.fields]  # shuffled
    col = {h: i for i, h in enumerate(header)}
    starts = [row[col[std.WORKFORCE.field("start_date").cy]] for row in rows]
    assert all(isinstance(s, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", s) for s in starts)
    pay = [row[col[std.WORKFORCE.field("hourly_pay").cy]] for row in rows]
    assert all(v == "" or re.fullmatch(r"£\d+\.\d\d", v) for v in pay)
    sex = {row[col[std.WORKFORCE.field("sex").cy]].strip() for row in rows}
    assert {"Benyw", "Gwryw"} <= sex
    in_post = {row[col[std.WORKFORCE.field("in_post_at_snapshot").cy]] for row in rows}
    assert in_post == {"Ie", "Na"}
    money = [
        v
        for q in PERIODS
        for v in committed[(MESSY, q)]["_raw"]["Procurement"][1]
        for v in v
        if isinstance(v, str) and v.startswith("£")
    ]
    assert any("," in v for v in money)
    padded = [
        v
        for q in PERIODS
        for s in ("Workforce", "Recruitment")
        for row in committed[(MESSY, q)]["_raw"][s][1]
        for v in row
        if isinstance(v, str) and v != v.strip()
    ]
    assert padded


def test_blaenau_gwent_action_plan(committed: dict) -> None:
    plans = [committed[("CSEN", q)]["Actions"] for q in PERIODS]
    assert all(len(p) == 44 for p in plans)
    assert plans[0][0]["priority"] == "1"
    raw_header, raw_rows = committed[("CSEN", FIRST)]["_raw"]["Actions"]
    chars = raw_rows[0][raw_header.index(std.ACTIONS.field("characteristics").en)]
    assert chars == "Intersectionality; Race focus 24/25"
    objectives = {x["action_ref"]: x["partnership_objective"] for x in plans[0]}
    assert objectives["2.3"] == "2" and objectives["1.1"] == "5" and objectives["4.1"] == "3"
    order = {s: i for i, s in enumerate(("not_started", "in_progress", "complete"))}
    complete = [sum(x["status"] == "complete" for x in p) for p in plans]
    assert complete == sorted(complete) and complete[-1] > complete[0]
    for a, b in zip(plans, plans[1:], strict=False):
        for x, y in zip(a, b, strict=True):
            if x["status"] in order and y["status"] in order:
                assert order[y["status"]] >= order[x["status"]], x["action_ref"]


def test_dates_are_real_excel_dates_for_the_tidy_bodies(committed: dict) -> None:
    header, rows = committed[("CSEN", FIRST)]["_raw"]["Workforce"]
    i = header.index(std.WORKFORCE.field("start_date").en)
    assert all(isinstance(row[i], date) for row in rows)
    assert timedelta(0) < PERIODS[0].end - rows[0][i]


# --- The validator accepts every sample ---------------------------------------------------------


def test_every_committed_sample_is_accepted_by_the_validator(committed: dict) -> None:
    from sep_pipeline.intake.validate import validate_file

    warned: dict[str, set[str]] = {b.code: set() for b in BODIES}
    orientation: list[bool] = []  # BMCHT warned of sexual orientation Not known, by quarter
    for b in BODIES:
        previous = None
        for p in PERIODS:
            path = return_path(DATA_RAW, b, p)
            result = validate_file(path, expected_body=b.code, previous_headcount=previous)
            assert result.status == "accepted", path.name
            assert result.errors == [], [
                (i.code, i.sheet, i.row, i.column, i.value) for i in result.errors[:5]
            ]
            # a topic with nothing this quarter (its sheet sent with headers only) is told it
            # will be published as zero, and is the only such warning
            sent = committed[(b.code, p)]
            empty = {t.name for t in std.TOPICS if t.name in sent and not sent[t.name]}
            zero = [i for i in result.warnings if i.code == "sheet.headers_only"]
            assert {std.sheet(matching.match_sheet(i.sheet)).name for i in zero} == empty
            warned[b.code] |= {str(i.column) for i in result.warnings if i not in zero}
            if b.code == "BMCHT":
                orientation.append(any(i.column == "sexual_orientation" for i in result.warnings))
            previous = len(_in_post(committed[(b.code, p)]))
    # The intended warnings, and no others: an unknown column dropped (CSEN), "Race focus
    # 24/25" kept as a note (CSEN Actions), sexual orientation over 20% Not known (BMCHT).
    assert "Directorate" in warned["CSEN"]
    assert std.ACTIONS.field("characteristics").en in warned["CSEN"]
    assert warned["BMCHT"] == {"sexual_orientation"}
    # ... until staff record it: the warning goes as the declaration rate rises
    assert orientation[0] and not orientation[-1]
    assert orientation == sorted(orientation, reverse=True)
    assert all(not warned[b.code] for b in BODIES if b.code not in ("CSEN", "BMCHT"))
