"""The Trends sheet: native line charts of the headline measures over every published period of
the pack's kind (quarters, or years), from the warehouse's `series` table.

The partnership's pack draws the partnership (ALL); a body's pack draws the body (solid) against
the partnership (dashed, the same colour). Each chart reads a numbers-only table written below
the charts (a suppressed figure left blank, drawn as a gap), because a chart reads a marker such
as `[c]` as zero. Every chart is drawn even where it has nothing yet, so the sheet's layout is
the same every quarter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ...methodology.objectives import OBJECTIVES
from ...methodology.series import is_year
from . import labels as L
from .headlines import HEADLINE_CELLS, TREND_GROUPS, Cell
from .workbook import PALETTE, PackData, _Writer
from .xlsx import Sheet

CHART_W, CHART_H, ROW_PX = 560, 280, 20


def cell_label(cell: Cell, lang: str) -> str:
    """A short name for a cell in a chart's legend or the Outcomes sheet."""
    table_id, measure, breakdown, category = cell
    if table_id == "P1" or (table_id == "C1" and breakdown != "welsh_language"):
        return L.category_label(breakdown, category, lang)
    if table_id == "D1":
        return L.breakdown_label(breakdown, lang)
    if table_id == "A1":
        return (L.text("all_actions", lang) if breakdown == "all"
                else L.code_label(breakdown, category, lang))
    return L.category_label(breakdown, category, lang)


@dataclass
class TrendChart:
    title: str
    data: pd.DataFrame  # index: period labels; columns: line labels; NaN where not published
    dashed: list[bool]  # per column: the partnership's line beside a body's
    colours: list[str]


def headline_figures(data: PackData) -> dict[tuple, dict]:
    """(period, body, *cell) -> its series row, for the cells the Trends and Outcomes sheets
    show: found once per pack (`data.series` may hold other cells too)."""
    s = data.series
    if s is None or s.empty:
        return {}
    cached = _FOUND.get(id(s))
    if cached is not None and cached[0] is s:
        return cached[1]
    cells = pd.MultiIndex.from_tuples(sorted(HEADLINE_CELLS))
    at = pd.MultiIndex.from_frame(s[["table_id", "measure", "breakdown", "category"]])
    rows = s[at.isin(cells)].astype(object)
    rows = rows.where(rows.notna(), None)  # NaN read from the warehouse: None, as computed
    found = {(r["period"], r["body_code"], r["table_id"], r["measure"], r["breakdown"],
              r["category"]): r for r in rows.to_dict("records")}
    _FOUND.clear()  # one pack at a time
    _FOUND[id(s)] = (s, found)
    return found


_FOUND: dict[int, tuple[pd.DataFrame, dict[tuple, dict]]] = {}


def _numbers(found: dict[tuple, dict], body: str, cells: Sequence[Cell],
             periods: Sequence[str]) -> dict[Cell, list[float]]:
    def number(r: dict | None) -> float:
        v = None if r is None else r["value"]
        return math.nan if v is None or _nan(v) else float(v)

    return {c: [number(found.get((p, body, *c))) for p in periods] for c in cells}


def _nan(v: object) -> bool:
    return isinstance(v, float) and math.isnan(v)


def trend_periods(data: PackData) -> list[str]:
    """The periods the sheet draws: those of the pack's kind with series rows, up to its own."""
    found = {k[0] for k in headline_figures(data)}
    return sorted({p for p in found if is_year(p) == is_year(data.period)
                   and p <= data.period} | {data.period})


def trend_charts(data: PackData, lang: str, body: str | None = None) -> list[TrendChart]:
    """One chart per TREND_GROUPS entry: ALL's lines, or `body`'s against ALL's."""
    periods = trend_periods(data)
    series = headline_figures(data)
    index = [L.period_label(p, lang) for p in periods]
    charts = []
    for g in TREND_GROUPS:
        cells = g.cells if body is None else (g.body_cells or g.cells)
        partnership = _numbers(series, "ALL", cells, periods)
        columns: dict[str, list[float]] = {}
        dashed, colours = [], []
        for j, cell in enumerate(cells):
            colour = PALETTE[j % len(PALETTE)]
            label = cell_label(cell, lang)
            if body is not None:
                columns[f"{body}: {label}"] = _numbers(series, body, [cell], periods)[cell]
                dashed.append(False)
                colours.append(colour)
            name = f"{L.text('partnership_short', lang)}: {label}" if body else label
            columns[name] = partnership[cell]
            dashed.append(body is not None)
            colours.append(colour)
        title = L.text(g.key, lang) if body is None else \
            f"{L.text(g.key, lang)}: {body} / {L.text('partnership_short', lang)}"
        charts.append(TrendChart(title, pd.DataFrame(columns, index=index), dashed, colours))
    return charts


def trends_sheet(w: _Writer, ws: Sheet, data: PackData, lang: str, contents: str,
                 body: str | None = None) -> int:
    """Write the Trends sheet; returns the number of charts."""
    charts = trend_charts(data, lang, body)
    widths = [22] + [14] * 10  # two charts side by side fit inside the printed width
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    last_col = len(widths) - 1
    kind = L.text("trend_years" if is_year(data.period) else "trend_quarters", lang)
    lines = [L.text("trends_note", lang, kind=kind), f"{L.text('markers', lang)}: "
             f"{L.marker_key(lang)}"]
    title = L.text("trends_title", lang) + (f" — {body}" if body else "")
    row = w.heading(ws, title, lines, last_col, contents, chars=sum(widths))
    rows_per_chart = math.ceil(CHART_H / ROW_PX) + 1
    anchors = [(row + (i // 2) * rows_per_chart, 0 if i % 2 == 0 else 5)
               for i in range(len(charts))]
    row += math.ceil(len(charts) / 2) * rows_per_chart + 1
    ws.write_string(row, 0, L.text("chart_data", lang), w.measure)
    row += 2
    for chart, anchor in zip(charts, anchors, strict=True):
        row = _line_chart(w, ws, chart, row, anchor)
    w.page(ws, row, last_col)
    return len(charts)


def _line_chart(w: _Writer, ws: Sheet, chart: TrendChart, row: int,
                anchor: tuple[int, int]) -> int:
    """The chart's numbers from `row` down (a row per period), the chart at `anchor`; returns
    the row after the numbers."""
    name, n, data = ws.name, len(chart.data), chart.data
    ws.write_string(row, 0, chart.title, w.measure)
    row += 1
    w.header_row(ws, row, L.text("period", w.lang), list(data.columns))
    w.text_column(ws, row + 1, 0, list(data.index), w.label("body"))
    for j, col in enumerate(data.columns):
        ws.put_column(row + 1, 1 + j, data[col].tolist(), w.cell("body", 1))
    c = w.wb.add_chart({"type": "line"})
    for j in range(len(data.columns)):
        c.add_series({
            "name": [name, row, 1 + j],
            "categories": [name, row + 1, 0, row + n, 0],
            "values": [name, row + 1, 1 + j, row + n, 1 + j],
            "line": {"color": chart.colours[j], "width": 2.25,
                     **({"dash_type": "dash"} if chart.dashed[j] else {})},
            "marker": {"type": "circle", "size": 5,
                       "fill": {"color": chart.colours[j]},
                       "border": {"color": chart.colours[j]}},
        })
    c.show_blanks_as("gap")
    c.set_title({"name": chart.title, "name_font": {"size": 11, "bold": True}})
    c.set_y_axis({"num_format": "0", "major_gridlines": {"visible": True,
                                                        "line": {"color": "#D9D9D9"}}})
    c.set_x_axis({"num_font": {"size": 9}})
    c.set_legend({"position": "bottom", "font": {"size": 9}})
    c.set_chartarea({"border": {"color": "#BFBFBF"}})
    c.set_size({"width": CHART_W, "height": CHART_H})
    ws.insert_chart(*anchor, c, {"x_offset": 4, "y_offset": 4, "object_position": 3})
    return row + n + 2


def series_contents(period: str, lang: str, names: dict[str, str]
                    ) -> list[tuple[str, str, str, int]]:
    """The Contents rows of the Trends and Outcomes sheets: sheet, title, what it covers, and
    how many charts (every chart is always drawn)."""
    from ...methodology.series import compared_periods

    kind = L.text("trend_years" if is_year(period) else "trend_quarters", lang)
    year = compared_periods(period)[1]
    return [(names["trends"], L.text("trends_title", lang), kind.capitalize(),
             len(TREND_GROUPS)),
            (names["outcomes"], L.text("outcomes_title", lang),
             f"{L.period_label(period, lang)} / {L.period_label(year, lang)}", len(OBJECTIVES))]
