"""The Trends and Outcomes sheets (pack/trends.py, pack/outcomes.py) and series.csv, written to
real .xlsx and CSV files from hand-made published figures of several quarters, read back."""

from __future__ import annotations

import json

import frictionless
import pandas as pd
import pytest
from openpyxl import load_workbook

from sep_pipeline.methodology.objectives import OBJECTIVES, OUTCOMES
from sep_pipeline.methodology.series import series_rows
from sep_pipeline.publish.pack import labels as L
from sep_pipeline.publish.pack.outcomes import outcomes_sheet
from sep_pipeline.publish.pack.series_csv import COLUMNS, write_series_csv
from sep_pipeline.publish.pack.tidy_csv import write_csv
from sep_pipeline.publish.pack.trends import TREND_GROUPS, trends_sheet
from sep_pipeline.publish.pack.workbook import WORKBOOK_OPTIONS, PackData, _Writer
from sep_pipeline.publish.pack.xlsx import workbook

PERIODS = ["2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2", "2025-26 Q3"]
LATEST = PERIODS[-1]
GAP = ("P1", "median_hourly_gap", "sex", "male_vs_female")


def _figures() -> pd.DataFrame:
    """Every trend and outcome cell for body A and ALL in each period: a gap narrowing from
    15.0 by 1 pp a quarter (A's suppressed in 2025-26 Q2), every other figure 50.0 + i."""
    rows = []
    cells = {c for g in TREND_GROUPS for c in g.cells} | {o.cell for o in OUTCOMES}
    for i, period in enumerate(PERIODS):
        for body in ("A", "ALL"):
            for cell in sorted(cells):
                value, marker = 50.0 + i, None
                if cell == GAP:
                    value = 15.0 - i
                    if body == "A" and period == "2025-26 Q2":
                        value, marker = None, "[c]"
                rows.append({"period": period, "body_code": body, "table_id": cell[0],
                             "measure": cell[1], "breakdown": cell[2], "category": cell[3],
                             "value": value, "marker": marker})
    return pd.DataFrame(rows).astype({"value": object, "marker": object})


@pytest.fixture(scope="module")
def data() -> PackData:
    series = series_rows(_figures()).assign(revision_marker="[p]")
    empty = pd.DataFrame()
    return PackData(LATEST, empty, empty, empty, empty, empty, series=series)


def _write(tmp_path, data, lang, body=None):
    path = tmp_path / f"sheets_{lang}_{body}.xlsx"
    with workbook(path, WORKBOOK_OPTIONS) as wb:
        w = _Writer(wb, lang)
        n_trends = trends_sheet(w, w.sheet(L.text("trends", lang)), data, lang, "", body)
        n_outcomes = outcomes_sheet(w, w.sheet(L.text("outcomes", lang)), data, lang, "", body)
    return load_workbook(path), n_trends, n_outcomes


def _ref_cells(ws, ref: str) -> list:
    """The cells a chart series reference ('Sheet'!$B$3:$B$7) points at, read back."""
    area = ref.split("!")[1].replace("$", "")
    return [c.value for row in ws[area] for c in (row if isinstance(row, tuple) else (row,))]


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("body", [None, "A"])
def test_trends_sheet_has_native_line_charts_of_each_headline(tmp_path, data, lang, body):
    wb, n, _ = _write(tmp_path, data, lang, body)
    ws = wb[L.text("trends", lang)]
    assert n == len(TREND_GROUPS) == len(ws._charts)
    assert all(c.tagname == "lineChart" for c in ws._charts)
    gap_chart = ws._charts[0]
    lines = gap_chart.series
    # partnership: a line per comparison; a body: its own and the partnership's for each
    assert len(lines) == (3 if body is None else 6)
    first = lines[0]
    categories = _ref_cells(ws, first.cat.strRef.f if first.cat.strRef else first.cat.numRef.f)
    assert categories == [L.period_label(p, lang) for p in PERIODS]
    values = _ref_cells(ws, first.val.numRef.f)
    if body is None:  # ALL's gap, 15.0 down by 1 a quarter
        assert values == [15, 14, 13, 12, 11]
    else:  # A's, with a gap where it was suppressed
        assert values == [15, 14, 13, None, 11]
        assert lines[1].spPr.ln.prstDash == "dash"  # the partnership's, dashed
    title = "".join(r.t for p in ws["A1"].parent._charts[0].title.tx.rich.p for r in p.r)
    assert title.startswith(L.text("trend_median_gap", lang))


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("body", [None, "A"])
def test_outcomes_sheet_lists_each_objective_with_change_and_direction(tmp_path, data, lang,
                                                                       body):
    wb, _, n = _write(tmp_path, data, lang, body)
    ws = wb[L.text("outcomes", lang)]
    assert n == len(OBJECTIVES) == len(ws._charts)
    assert all(c.tagname == "barChart" for c in ws._charts)
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    labels = [r[0] for r in rows]
    for obj in OBJECTIVES:
        assert L.code_label("partnership_objective", obj, lang) in labels
    gap_label = f"{L.measure_label('median_hourly_gap', lang)}: " \
                f"{L.category_label('sex', 'male_vs_female', lang)}"
    gap = rows[labels.index(gap_label)]
    # 2025-26 Q3 against 2024-25 Q3: ALL 11.0 from 15.0 (-4.0 pp, better); A the same
    assert gap[1:6] == [11, 15, -4, L.text("unit_pp", lang), L.text("direction_better", lang)]
    if body:
        assert gap[6:9] == [11, -4, L.text("direction_better", lang)]
    declared = rows[labels.index(f"{L.measure_label('pct_declared', lang)}: "
                                 f"{L.breakdown_label('ethnicity', lang)}")]
    assert declared[1:6] == [54, 50, 4, L.text("unit_pp", lang),
                             L.text("direction_better", lang)]
    activities = rows[labels.index(L.measure_label("activities", lang))]
    assert activities[3:6] == [4, L.text("unit_difference", lang),
                               L.text("direction_not_applicable", lang)]


def test_outcomes_a_suppressed_end_shows_its_marker_and_no_direction(tmp_path, data):
    later = PackData("2025-26 Q2", data.benchmark, data.pay_gap, data.position, data.actions,
                     data.engagement, series=data.series)
    wb, _, _ = _write(tmp_path, later, "en", "A")
    rows = [[c.value for c in r] for r in wb["Outcomes"].iter_rows()]
    gap = next(r for r in rows if r[0] == "Median hourly pay gap (%): Male vs Female")
    # A's is [c]; 2024-25 Q2 was never published ([x]): the change takes [c], the first in
    # the order [c] [low] [x] [z]
    assert gap[1:6] == ["[c]", "[x]", "[c]", "percentage points", None]
    assert gap[6:9] == [12, "[x]", None]  # the partnership's, with no year-earlier figure


def test_series_csv_validates_against_its_schema(tmp_path, data):
    path, resource = write_series_csv(data, tmp_path)
    package = {"name": "series-test", "profile": "tabular-data-package",
               "resources": [resource]}
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:5]
    csv = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(csv.columns) == COLUMNS == [f["name"] for f in resource["schema"]["fields"]]
    assert len(csv) == len(data.series)
    row = csv[(csv["period"] == LATEST) & (csv["body_code"] == "ALL")
              & (csv["measure"] == "median_hourly_gap") & (csv["breakdown"] == "sex")].iloc[0]
    assert (row["value"], row["change_previous"], row["change_year"]) == ("11.0", "-1.0", "-4.0")
    assert (row["revision_marker"], row["direction_year"]) == ("[p]", "better")


def test_series_csv_schema_catches_a_bad_row(tmp_path, data):
    """The schema has teeth: a direction outside its list fails validation."""
    path, resource = write_series_csv(data, tmp_path)
    bad = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    bad.loc[0, "direction_previous"] = "sideways"
    write_csv(bad, path)
    (tmp_path / "datapackage.json").write_text(json.dumps(
        {"name": "bad", "profile": "tabular-data-package", "resources": [resource]}),
        encoding="utf-8")
    assert not frictionless.validate(str(tmp_path / "datapackage.json")).valid
