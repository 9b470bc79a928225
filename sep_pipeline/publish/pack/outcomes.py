"""The Outcomes sheet: for each of the partnership's five shared objectives, its outcome measures
(`methodology.objectives.OUTCOMES`) with the latest value, the value a year earlier, the change
and the direction of travel (`series`), for the partnership and, in a body's pack, for the body
beside the partnership. One native bar chart per objective compares, for its percentages and
gaps, the latest value with a year earlier (and, in a body's pack, with the partnership).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ...methodology.objectives import OBJECTIVES, Outcome, outcomes_of
from ...methodology.series import compared_periods
from ...methodology.tables import measure_places
from . import labels as L
from .trends import cell_label, headline_figures
from .workbook import WIDE_W, ChartSpec, PackData, _Writer, chart_layout, places
from .xlsx import Sheet

WIDE_CHARS = WIDE_W // 7 + 4  # characters of column width a wide chart spans (about)


@dataclass
class Figure:
    """A cell of the Outcomes sheet: the published value or its marker, and the change."""

    value: object  # float | marker | None
    earlier: object
    change: object
    direction: str | None
    unit: str | None


def _shown(value: object, marker: object) -> object:
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return marker if isinstance(marker, str) else "[x]"


def figure(found: dict[tuple, dict], period: str, body: str, o: Outcome) -> Figure:
    """The body's (or ALL's) outcome figure in `period`, against the same period a year
    earlier: `[x]` where a figure was never published."""
    year = compared_periods(period)[1]
    now, then = found.get((period, body, *o.cell)), found.get((year, body, *o.cell))
    if now is None:
        return Figure("[x]", _shown(None, then and then["marker"]) if then else "[x]", "[x]",
                      None, None)
    earlier = _shown(then["value"], then["marker"]) if then else "[x]"
    return Figure(_shown(now["value"], now["marker"]), earlier,
                  _shown(now["change_year"], now["change_year_marker"]),
                  now["direction_year"], now["change_unit"])


def outcome_rows(data: PackData, body: str) -> list[tuple[Outcome, Figure]]:
    found = headline_figures(data)
    return [(o, figure(found, data.period, body, o)) for obj in OBJECTIVES
            for o in outcomes_of(obj)]


def _number(v: object) -> float:
    return float(v) if isinstance(v, float) else math.nan


def outcome_charts(data: PackData, lang: str, body: str | None = None) -> list[ChartSpec]:
    """One bar chart per objective: its percentages and gaps now and a year earlier (a body's
    pack: the body now, a year earlier, and the partnership now)."""
    found = headline_figures(data)
    specs = []
    for obj in OBJECTIVES:
        cells = [o for o in outcomes_of(obj) if measure_places(o.table_id, o.measure) == 1]
        unit = body or "ALL"
        mine = [figure(found, data.period, unit, o) for o in cells]
        columns = {L.text("latest", lang): [_number(f.value) for f in mine],
                   L.text("year_earlier", lang): [_number(f.earlier) for f in mine]}
        if body is not None:
            columns = {f"{body}: {k}": v for k, v in columns.items()}
            columns[L.text("partnership_short", lang)] = [
                _number(figure(found, data.period, "ALL", o).value) for o in cells]
        index = [_label(o, lang) for o in cells]
        specs.append(ChartSpec(L.text("outcome_chart", lang,
                                      objective=L.code_label("partnership_objective", obj,
                                                             lang)),
                               pd.DataFrame(columns, index=index), kind="bar", wide=True,
                               row_px=16 * len(columns)))  # every category's label shown
    return specs


def _label(o: Outcome, lang: str) -> str:
    """The measure, and the group or breakdown it is of (a total: the measure alone)."""
    if o.table_id == "A1" and o.breakdown == "partnership_objective":
        return L.text("objective_actions", lang)
    if set(o.category.split("/")) == {"all"} and o.table_id != "D1":
        return L.measure_label(o.measure, lang)
    return f"{L.measure_label(o.measure, lang)}: {cell_label(o.cell, lang)}"


def _direction(d: str | None, lang: str) -> str | None:
    return None if d is None else L.text(f"direction_{d}", lang)


def outcomes_sheet(w: _Writer, ws: Sheet, data: PackData, lang: str, contents: str,
                   body: str | None = None) -> int:
    """Write the Outcomes sheet; returns the number of charts."""
    unit = body or "ALL"
    year = compared_periods(data.period)[1]
    widths = [60, 14, 14, 14, 20, 16] + ([14, 14, 16] if body else [])
    widths += [max(0, WIDE_CHARS - sum(widths))]  # the wide charts inside the printed width
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    last_col = len(widths) - 1
    lines = [L.text("outcomes_note", lang, period=L.period_label(data.period, lang),
                    year=L.period_label(year, lang)),
             f"{L.text('markers', lang)}: {L.marker_key(lang)}"]
    title = L.text("outcomes_title", lang) + (f" — {body}" if body else "")
    row = w.heading(ws, title, lines, last_col, contents, chars=sum(widths))
    specs = outcome_charts(data, lang, body)
    anchors, row = chart_layout(specs, row)
    row += 1
    who = body or L.text("partnership_short", lang)
    heads = [f"{who}: {L.text('latest', lang)}", f"{who}: {L.text('year_earlier', lang)}",
             f"{who}: {L.text('change', lang)}", L.text("unit", lang),
             f"{who}: {L.text('direction', lang)}"]
    if body:
        p = L.text("partnership_short", lang)
        heads += [f"{p}: {L.text('latest', lang)}", f"{p}: {L.text('change', lang)}",
                  f"{p}: {L.text('direction', lang)}"]
    found = headline_figures(data)
    for obj in OBJECTIVES:
        ws.write_string(row, 0, L.code_label("partnership_objective", obj, lang), w.panel)
        w.header_row(ws, row + 1, L.text("outcome_measure", lang), heads)
        row += 2
        for o in outcomes_of(obj):
            f = figure(found, data.period, unit, o)
            p = places(o.table_id, o.measure)
            change_places = 2 if f.unit == "ratio" else p
            ws.write_string(row, 0, _label(o, lang), w.label("body"))
            cells = [(f.value, w.cell("body", p)), (f.earlier, w.cell("body", p)),
                     (f.change, w.cell("body", change_places)),
                     (L.text(f"unit_{f.unit}", lang) if f.unit else None, w.label("body")),
                     (_direction(f.direction, lang), w.label("body"))]
            if body:
                a = figure(found, data.period, "ALL", o)
                cells += [(a.value, w.cell("ALL", p)), (a.change, w.cell("ALL", change_places)),
                          (_direction(a.direction, lang), w.label("ALL"))]
            for c, (v, fmt) in enumerate(cells, start=1):
                ws.put_column(row, c, [v], fmt)
            row += 1
        row += 1
    row = w.charts(ws, specs, anchors, row + 1)
    w.page(ws, row, last_col)
    return len(specs)
