"""The benchmark pack, written from a warehouse the real pipeline built from two small sample
bodies (one return hand-edited to carry hostile partner text), then read back with openpyxl
and validated with frictionless."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import frictionless
import pandas as pd
import pytest
from openpyxl import load_workbook

from sep_pipeline.intake.feedback_report import clean_text
from sep_pipeline.methodology.objectives import OBJECTIVES
from sep_pipeline.methodology.rounding import MARKERS
from sep_pipeline.methodology.tables import TABLE_IDS
from sep_pipeline.publish.pack import labels as L
from sep_pipeline.publish.pack import write_pack
from sep_pipeline.publish.pack.body_pack import MIN_BODIES, body_view
from sep_pipeline.publish.pack.tidy_csv import PAY_GAP_COLUMNS, TIDY_COLUMNS, escape_text
from sep_pipeline.publish.pack.trends import TREND_GROUPS
from sep_pipeline.publish.pack.workbook import (
    chart_specs,
    load_pack_data,
    page_breaks,
    sheet_names,
    table_panels,
)
from sep_pipeline.runner import run_pending
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_raw"
PERIOD = "2025-26 Q1"
BODIES = ("CLCT", "MGNPA")
# Partner text a spreadsheet would run: written into CLCT's return by hand (openpyxl would turn
# a leading "=" into a formula, so that one comes from MGNPA's own "you said, we did").
HOSTILE_ACTION = "@SUM(1+1) run the equality survey"
HOSTILE_NOTE = "+cmd|' /C calc'!A0 progress"
HOSTILE_SAID = "-2+3 you said, we did"
SAMPLE_EQUALS = "= equal access"
CHART_TABLES = {"P1", "P2", "C1", "D1", "A1"}


def _hostile_copy(src: Path, target: Path) -> None:
    """CLCT's return with partner text that starts like a formula."""
    wb = load_workbook(src)
    actions, engagement = wb["Actions"], wb["Engagement"]
    head = {c.value: c.column for c in actions[1]}
    actions.cell(2, head["Action"], HOSTILE_ACTION)
    actions.cell(2, head["Progress note"], HOSTILE_NOTE)
    head = {c.value: c.column for c in engagement[1]}
    engagement.cell(2, head["You said, we did"], HOSTILE_SAID)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A private intake, warehouse and Dagster instance (the pattern of test_pipeline's `env`);
    the pipeline run on two bodies' Q1; the whole pack written in both languages."""
    tmp = tmp_path_factory.mktemp("pack")
    with pytest.MonkeyPatch.context() as mp:
        cfg = isolate(mp, tmp)
        intake = cfg.intake_dir
        name = f"{{}}_{PERIOD.replace(' ', '_')}.xlsx"
        _hostile_copy(SAMPLES / "CLCT" / name.format("CLCT"), intake / "CLCT" / name.format("CLCT"))
        (intake / "MGNPA").mkdir(parents=True)
        shutil.copyfile(SAMPLES / "MGNPA" / name.format("MGNPA"),
                        intake / "MGNPA" / name.format("MGNPA"))
        results = run_pending()
        assert {r.status for r in results} == {"accepted"}, results
        engine = warehouse.engine(cfg.warehouse_url)
        paths = write_pack(engine, PERIOD, tmp / "out", lang="both")
        with engine.connect() as conn:
            data = load_pack_data(conn, PERIOD)
        yield {"paths": paths, "out": tmp / "out", "data": data}


def _book(pack, lang: str):
    slug = PERIOD.replace(" ", "_")
    return load_workbook(pack["out"] / f"sep_benchmark_{slug}_{lang}.xlsx")


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws, cell


def test_files_of_the_pack(pack):
    out, slug = pack["out"], PERIOD.replace(" ", "_")
    expected = {out / f"sep_benchmark_{slug}_{lg}.xlsx" for lg in ("en", "cy")}
    expected |= {out / "bodies" / f"{b}_benchmark_{slug}_{lg}.xlsx"
                 for b in BODIES for lg in ("en", "cy")}
    expected |= {out / "csv" / f"{t}.csv" for t in TABLE_IDS}
    expected |= {out / "csv" / f for f in ("pay_gap.csv", "benchmark_position.csv",
                                           "partner_text.csv", "series.csv", "datapackage.json")}
    assert set(pack["paths"]) == expected
    assert all(p.exists() for p in expected)


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_every_sheet_and_its_charts(pack, lang):
    wb = _book(pack, lang)
    names = sheet_names(lang)
    assert wb.sheetnames == [names["cover"], names["contents"], names["trends"],
                             names["outcomes"], *TABLE_IDS, names["partner_text"],
                             names["submissions"], names["revisions"]]
    # Which bodies are in the figures: every registry body expected this quarter, by state.
    subs = [[c.value for c in r] for r in wb[names["submissions"]].iter_rows()]
    codes = {r[0] for r in subs if r and r[0]}
    assert {"CLCT", "MGNPA"} <= codes
    for t in TABLE_IDS:
        ws = wb[t]
        assert ws["A1"].value == f"{t}: {L.table_title(t, lang)}"
        expected = len(chart_specs(pack["data"].benchmark, t, lang))
        assert len(ws._charts) == expected, t
        assert (expected > 0) == (t in CHART_TABLES), t
        # Landscape, fitted to one page wide (fitToWidth 1 is the default, so not written).
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert not wb[names["cover"]]._charts
    # change over time: every headline's line chart, every objective's bar chart
    assert len(wb[names["trends"]]._charts) == len(TREND_GROUPS)
    assert len(wb[names["outcomes"]]._charts) == len(OBJECTIVES)


def test_marker_cells_are_strings_and_values_match_the_warehouse(pack):
    wb = _book(pack, "en")
    seen = set()
    for _ws, cell in _cells(wb):
        if cell.value in MARKERS:
            assert cell.data_type == "s" and isinstance(cell.value, str)
            seen.add(cell.value)
    assert {"[c]", "[low]", "[x]"} <= seen  # CLCT sent no Procurement sheet: PR1 is [x]
    # The ALL row of P1's sex panel carries the warehouse's partnership gaps.
    bench = pack["data"].benchmark
    ws = wb["P1"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == L.text("body", "en"))
    all_row = next(r for r in rows[header:] if r[0] == L.row_label("ALL", "en"))
    heads = rows[header]
    for measure in ("mean_hourly_gap", "median_hourly_gap"):
        want = bench[(bench.body_code == "ALL") & (bench.table_id == "P1")
                     & (bench.measure == measure) & (bench.category == "male_vs_female")]
        value, marker = want[["value", "marker"]].iloc[0]
        got = all_row[heads.index(L.measure_label(measure, "en"))]
        assert got == (marker if pd.isna(value) else value)


def test_partner_text_is_stored_as_text_and_nothing_is_a_formula(pack):
    texts = {}
    for lang in ("en", "cy"):
        wb = _book(pack, lang)
        ws = wb[sheet_names(lang)["partner_text"]]
        texts = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        for hostile in (HOSTILE_ACTION, HOSTILE_NOTE, HOSTILE_SAID):
            assert texts[clean_text(hostile)].data_type == "s"
        equals = [v for v in texts if v.startswith(SAMPLE_EQUALS)]
        assert equals and all(texts[v].data_type == "s" for v in equals)
    books = [load_workbook(p) for p in pack["paths"] if p.suffix == ".xlsx"]
    for wb in books:
        for _ws, cell in _cells(wb):
            assert cell.data_type != "f", (cell.coordinate, cell.value)


def test_csv_validates_against_its_own_datapackage(pack):
    csv = pack["out"] / "csv"
    report = frictionless.validate(str(csv / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])[:5]
    for f in csv.glob("*.csv"):
        assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f.name  # BOM: Excel reads UTF-8
    p1 = pd.read_csv(csv / "P1.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(p1.columns) == [*TIDY_COLUMNS, "revision_marker"]
    assert set(p1["table_id"]) == {"P1"} and set(p1["revision_marker"]) == {"[p]"}  # provisional
    assert not ((p1["value"] != "") & (p1["marker"] != "")).any()  # a value or a marker
    pay = pd.read_csv(csv / "pay_gap.csv", encoding="utf-8-sig", dtype=str)
    assert list(pay.columns) == [*PAY_GAP_COLUMNS, "revision_marker"]
    text = (csv / "partner_text.csv").read_text(encoding="utf-8-sig")
    for hostile in (HOSTILE_ACTION, HOSTILE_NOTE, HOSTILE_SAID, SAMPLE_EQUALS):
        assert "'" + hostile in text
        assert f",{hostile}" not in text


def test_body_pack_holds_no_other_body(pack):
    for body in BODIES:
        others = [b for b in BODIES if b != body]
        for lang in ("en", "cy"):
            path = pack["out"] / "bodies" / f"{body}_benchmark_{PERIOD.replace(' ', '_')}_" \
                                            f"{lang}.xlsx"
            wb = load_workbook(path)
            assert wb.sheetnames[1:] == [L.text("trends", lang), L.text("outcomes", lang),
                                         *TABLE_IDS]
            found_self = False
            for _ws, cell in _cells(wb):
                text = str(cell.value)
                assert not any(o in text for o in others), (path.name, cell.coordinate, text)
                found_self |= body in text
            assert found_self
            assert body in (wb.properties.title or "")
            assert not any(o in (wb.properties.title or "") for o in others)


def _same(v: object) -> str:
    """A cell's value to compare: openpyxl reads 5.0 back as 5."""
    return repr(float(v) if isinstance(v, int | float) else v)


def test_body_pack_holds_each_of_its_figures_and_the_partnerships(pack):
    """A table sheet of a body's workbook has a row per figure the body has in that table:
    its own value (or marker) and the partnership's (ALL) for the same cell, nothing more."""
    bench = pack["data"].benchmark
    cells = bench.assign(cell=[v if pd.notna(v) else (m if isinstance(m, str) else None)
                               for v, m in zip(bench["value"], bench["marker"], strict=True)])
    key = ["table_id", "measure", "breakdown", "category"]
    partnership = cells[cells.body_code == "ALL"].set_index(key)["cell"]
    for body in BODIES:
        wb = load_workbook(pack["out"] / "bodies" / f"{body}_benchmark_"
                                                    f"{PERIOD.replace(' ', '_')}_en.xlsx")
        for t in TABLE_IDS:
            rows = [[c.value for c in r] for r in wb[t].iter_rows()]
            head = next(i for i, r in enumerate(rows)
                        if r[0] == L.text("breakdown", "en") and r[2] == body)
            end = next((i for i, r in enumerate(rows) if r[0] == L.text("chart_data", "en")),
                       len(rows))
            figures = [r for r in rows[head + 1:end] if r[1] is not None]
            own = cells[(cells.body_code == body) & (cells.table_id == t)]
            assert len(figures) == len(own), (body, t)
            assert Counter(_same(r[2]) for r in figures) == Counter(map(_same, own["cell"]))
            want = [partnership.get(tuple(k)) for k in own[key].itertuples(index=False)]
            assert Counter(_same(r[3]) for r in figures) == Counter(map(_same, want)), (body, t)


def test_welsh_pack_speaks_welsh(pack):
    wb = _book(pack, "cy")
    values = {str(c.value) for _ws, c in _cells(wb)}
    assert {"Benyw", "Gwryw", "Y bartneriaeth (ALL)"} <= values
    assert wb.sheetnames[:2] == ["Clawr", "Cynnwys"]
    assert wb["W1"]["A1"].value == "W1: Cyfrif pennau a CALl yn ôl nodwedd warchodedig"
    assert any("Cipolwg ar 30 Mehefin 2025" in v for v in values)
    english = {str(c.value) for _ws, c in _cells(_book(pack, "en"))}
    assert "Female" in english and "Benyw" not in english
    body = load_workbook(pack["out"] / "bodies" / f"MGNPA_benchmark_{PERIOD.replace(' ', '_')}"
                                                  "_cy.xlsx")
    assert "Benyw" in {str(c.value) for _ws, c in _cells(body)}


# --- Pure shaping ------------------------------------------------------------------------------


def _bench(rows):
    return pd.DataFrame(rows, columns=["body_code", "table_id", "measure", "breakdown",
                                       "category", "value", "marker"])


def test_panels_put_bodies_in_rows_and_spread_only_where_given():
    bench = _bench([
        ("A", "W1", "headcount", "sex", "female", 10.0, None),
        ("A", "W1", "headcount", "sex", "male", None, "[c]"),
        ("ALL", "W1", "headcount", "sex", "female", 20.0, None),
        ("ALL", "W1", "headcount", "sex", "male", 5.0, None),
        ("A", "W1", "pct_of_headcount", "sex", "female", 66.7, None),
        ("A", "W1", "pct_of_headcount", "sex", "male", None, "[c]"),
        ("MEDIAN", "W1", "pct_of_headcount", "sex", "female", 60.0, None),
        ("A", "W2", "headcount", "job_level/sex", "operational/female", 10.0, None),
        ("A", "W2", "headcount", "job_level/sex", "operational/all", 15.0, None),
    ])
    (sex,) = table_panels(bench, "W1")
    assert sex.columns == ["female", "male"] and [b.measure for b in sex.blocks] == [
        "headcount", "pct_of_headcount"]
    assert list(sex.blocks[0].grid.index) == ["A", "ALL"]  # no spread for a count
    assert list(sex.blocks[1].grid.index) == ["A", "MEDIAN"]
    assert sex.blocks[0].grid.loc["A", "male"] == "[c]"
    (two_way,) = table_panels(bench, "W2")
    assert (two_way.prefix, two_way.columns) == ("operational", ["female", "all"])


def test_body_view_hides_a_spread_of_too_few_bodies():
    rows = [(b, "P1", "mean_hourly_gap", "sex", "male_vs_female", v, None)
            for b, v in (("A", 5.0), ("B", 7.0), ("MEDIAN", 6.0), ("LQ", 5.5), ("UQ", 6.5))]
    position = pd.DataFrame([("A", "P1", "mean_hourly_gap", "sex", "male_vs_female",
                              "lowest quarter")], columns=["body_code", "table_id", "measure",
                                                           "breakdown", "category", "position"])
    view = body_view(_bench(rows), position, "A")
    assert MIN_BODIES > 2
    assert view.iloc[0][["value", "MEDIAN", "LQ", "UQ", "position"]].tolist() == [
        5.0, "[c]", "[c]", "[c]", "[c]"]


def test_labels_come_from_the_standard_in_both_languages():
    assert L.category_label("sex", "female", "cy") == "Benyw"
    assert L.category_label("disability", "not_disabled_vs_disabled", "cy") == \
        "Ddim yn anabl o'i gymharu ag Anabl"
    assert L.category_label("sex", "male_vs_female", "en") == "Male vs Female"
    assert L.category_label("job_level/sex", "operational/all", "en") == "Operational / Total"
    assert L.code_label("partnership_objective", "2", "en") == "2. Eliminate pay gaps"
    assert L.period_text("2025-26", snapshot=False, lang="cy") == \
        "Digwyddiadau o 1 Ebrill 2025 i 31 Mawrth 2026"
    assert set(L.MEASURES) >= {"headcount", "q4_pct_group", "median_days_to_close"}


def test_csv_escape_follows_owasp():
    s = pd.Series(["=1+1", "+1", "-1", "@x", "\tx", "\rx", "plain", None, "a=b"])
    out = escape_text(s)
    assert out.drop(7).tolist() == ["'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "plain",
                                    "a=b"]
    assert pd.isna(out[7])


def test_page_breaks_keep_a_panel_with_its_heading():
    # 40 rows to a page at 15pt (fitted width 100%); panels of 10 rows from row 0.
    widths = [10.0]
    units = [[r, r + 10] for r in range(0, 100, 10)]
    breaks = page_breaks(units, {}, widths)
    assert breaks and all(b % 10 == 0 for b in breaks)
