"""The partnership's workbook of a period, one per language: cover, contents, the Trends and
Outcomes sheets, one sheet per table id, the partners' own texts, the submissions and, for a
finalised quarter, the revisions; shaped and written with `workbook`'s machinery."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ...methodology.tables import EVENT_TABLES
from . import labels as L
from .outcomes import outcomes_sheet
from .revisions_sheet import (
    revised_cells,
    revised_in,
    revisions_sheet,
    status_lines,
    table_status_lines,
)
from .trends import series_contents, trends_sheet
from .workbook import (
    DATA_W,
    LABEL_W,
    MAX_COLS,
    WORKBOOK_OPTIONS,
    ChartSpec,
    PackData,
    Panel,
    Shaped,
    _chart_specs,
    _Writer,
    chart_layout,
    panel_title,
    partner_actions,
    partner_engagement,
    places,
    sheet_names,
)
from .xlsx import Sheet, workbook


def write_partnership_workbook(data: PackData, path: Path, lang: str = "en",
                               shaped: Shaped | None = None) -> Path:
    """The partnership's pack for `data.period` in one language ("en" or "cy"); `shaped`:
    `Shaped.of(data.benchmark)`, when the caller writes both languages."""
    if lang not in L.LANGS:
        raise ValueError(f"lang must be 'en' or 'cy', not {lang!r}")
    shaped = shaped or Shaped.of(data.benchmark)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = shaped.tables
    charts = {t: _chart_specs(shaped.numbers[t], t, lang) if t in shaped.numbers else []
              for t in tables}
    with workbook(path, WORKBOOK_OPTIONS) as wb:
        wb.set_properties({"title": f"{L.text('partnership', lang)}: "
                                    f"{L.text('pack_title', lang, period=data.period)}",
                           "author": L.text("partnership", lang), "language": lang})
        w = _Writer(wb, lang)
        names = sheet_names(lang)
        cover, contents = (w.sheet(names[k]) for k in ("cover", "contents"))
        _cover(w, cover, data, lang, names,
               data.bodies if shaped.bodies is None else shaped.bodies)
        _contents(w, contents, tables, charts, data.period, lang, names,
                  data.state.revisions is not None)
        trends_sheet(w, w.sheet(names["trends"]), data, lang, names["contents"])
        outcomes_sheet(w, w.sheet(names["outcomes"]), data, lang, names["contents"])
        for t in tables:
            _table_sheet(w, w.sheet(names[t]), data, shaped.panels[t], t, charts[t], lang,
                         names["contents"])
        _partner_sheet(w, w.sheet(names["partner_text"]), data, lang, names["contents"])
        if data.submissions is not None:
            _submissions_sheet(w, w.sheet(names["submissions"]), data, lang, names["contents"])
        if data.state.revisions is not None:
            revisions_sheet(w, w.sheet(names["revisions"]), data, lang, names["contents"])
    return path


def _cover(w: _Writer, ws: Sheet, data: PackData, lang: str, names: dict[str, str],
           bodies: list[str]) -> None:
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 110)
    ws.hide_gridlines(2)
    ws.write_string(0, 0, L.text("partnership", lang), w.sub)
    ws.write_string(1, 0, L.text("pack_title", lang, period=L.period_label(data.period, lang)),
                    w.big)
    ws.set_row(1, 30)
    pairs = [
        (L.text("period", lang), L.period_label(data.period, lang)),
        ("", L.period_text(data.period, True, lang)),
        ("", L.period_text(data.period, False, lang)),
        (L.text("produced", lang), L.long_date(date.today(), lang)),
        (L.text("bodies", lang), ", ".join(bodies)),
        *status_lines(data, lang),
        (L.text("contents", lang), None),
    ]
    row = 3
    for key, value in pairs:
        ws.write_string(row, 0, key, w.bold)
        if value is None:
            ws.write_url(row, 1, f"internal:'{names['contents']}'!A1", w.link,
                         string=names["contents"])
        else:
            ws.write_string(row, 1, value, w.wrap)
        row += 1
    row += 1
    for key in ("how_to_read", "rounding", "source"):
        ws.write_string(row, 0, L.text("notes", lang) if key == "how_to_read" else "", w.bold)
        ws.write_string(row, 1, L.text(key, lang), w.wrap)
        ws.set_row(row, 15 * math.ceil(len(L.text(key, lang)) / 105))
        row += 1
    row += 1
    row = w.marker_key(ws, row)
    ws.write_string(row, 1, L.text("other_language", lang), w.note)
    w.page(ws, row, 1)
    ws.fit_to_pages(1, 1)


def _contents(w: _Writer, ws: Sheet, tables: Sequence[str],
              charts: dict[str, list[ChartSpec]], period: str, lang: str,
              names: dict[str, str], revisions: bool = False) -> None:
    ws.set_column(0, 0, 27)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 45)
    ws.set_column(3, 3, 9)
    ws.write_string(0, 0, L.text("contents", lang), w.title)
    heads = [L.text(k, lang) for k in ("title", "covers", "charts")]
    w.header_row(ws, 2, L.text("sheet", lang), heads)
    ws.set_row(2, 18)
    rows = [(names[t], f"{t}: {L.table_title(t, lang)}",
             L.period_text(period, t not in EVENT_TABLES, lang), len(charts[t])) for t in tables]
    rows[:0] = series_contents(period, lang, names)
    rows.append((names["partner_text"], L.text("partner_text_title", lang),
                 L.period_text(period, False, lang), 0))
    rows.append((names["submissions"], L.text("submissions_title", lang),
                 L.period_text(period, True, lang), 0))
    if revisions:
        rows.append((names["revisions"], L.text("revisions_title", lang), "", 0))
    for r, (sheet, *_) in enumerate(rows, start=3):
        ws.write_url(r, 0, f"internal:'{sheet}'!A1", w.link, string=sheet)
    w.text_column(ws, 3, 1, [r[1] for r in rows], w.wrap)
    w.text_column(ws, 3, 2, [r[2] for r in rows], w.wrap)
    ws.write_column(3, 3, [r[3] for r in rows])
    w.page(ws, 3 + len(rows), 3)


def _table_sheet(w: _Writer, ws: Sheet, data: PackData, panels: list[Panel], table_id: str,
                 specs: list[ChartSpec], lang: str, contents: str) -> None:
    last_col = MAX_COLS
    widths = [LABEL_W] + [DATA_W] * last_col
    ws.set_column(0, 0, LABEL_W)
    ws.set_column(1, last_col, DATA_W)
    source = L.text("source", lang) + (L.text("source_census", lang) if table_id == "C1" else "")
    lines = [f"{L.text('period', lang)}: {L.period_label(data.period, lang)}. "
             f"{L.period_text(data.period, table_id not in EVENT_TABLES, lang)}.",
             source, f"{L.text('notes', lang)}: {L.table_note(table_id, lang)}",
             f"{L.text('markers', lang)}: {L.marker_key(lang)}",
             *table_status_lines(data, table_id, lang)]
    row = w.heading(ws, f"{table_id}: {L.table_title(table_id, lang)}", lines, last_col, contents)
    anchors, row = chart_layout(specs, row)
    if specs:
        row += 1
    units: list[list[int]] = []
    revised = revised_in(data, table_id)
    for panel in panels:
        row = _panel(w, ws, row, panel, table_id, lang, units, revised)
    row = w.charts(ws, specs, anchors, row + 1)
    ws.freeze_panes(0, 1)
    w.page(ws, row, last_col, units, widths)


def _panel(w: _Writer, ws: Sheet, row: int, panel: Panel, table_id: str, lang: str,
           units: list[list[int]], revised: Collection[tuple] = ()) -> int:
    """Write one panel (in chunks of MAX_COLS columns); each chunk is a unit for page breaks,
    its measure blocks the places it may break when taller than a page."""
    title = panel_title(panel, panel.category, lang)
    by_measure = panel.blocks[0].measure is None
    for start in range(0, len(panel.columns), MAX_COLS):
        unit = [row]
        cols = panel.columns[start:start + MAX_COLS]
        ws.write_string(row, 0, title if start == 0 else L.text("continued", lang, a=title),
                        w.panel)
        heads = ([L.measure_label(m, lang) for m in cols] if by_measure
                 else [L.category_label(panel.breakdown, c if panel.prefix is None
                                        else f"{panel.prefix}/{c}", lang).split(" / ")[-1]
                       for c in cols])
        w.header_row(ws, row + 1, L.text("body", lang), heads)
        row += 2
        for i, block in enumerate(panel.blocks):
            if i:
                unit.append(row)
            if block.measure is not None:
                ws.write_string(row, 0, L.measure_label(block.measure, lang), w.measure)
                row += 1
            fmt = [places(table_id, m if by_measure else block.measure or "") for m in cols]
            row = w.grid(ws, row, block.index, block.column_cells[start:start + len(cols)],
                         fmt, lang, block.xml.setdefault(start, {}),
                         revised_cells(panel, block, cols, revised))
        row += 1
        units.append([*unit, row])
    return row


@lru_cache(maxsize=1 << 14)
def _lines(text: str, width: float) -> int:
    return text_lines(text, width)


def _text_lines(value: object, width: float) -> int:
    """`text_lines`, remembered for texts: the other language's workbook has the same ones."""
    return _lines(value, width) if isinstance(value, str) else 1


def text_lines(value: object, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (about)."""
    if not isinstance(value, str):
        return 1
    per_line = max(1, int(width * 1.15))  # text is narrower, on average, than the digit unit
    return sum(max(1, math.ceil(len(part) / per_line)) for part in value.split("\n"))


def _submissions_sheet(w: _Writer, ws: Sheet, data: PackData, lang: str,
                       contents: str) -> None:
    from ...coordination.status import STATES, STATES_CY
    from ...warehouse.registry import load

    widths = (10, 45, 32, 14)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    row = w.heading(ws, L.text("submissions_title", lang),
                    [L.text("submissions_note", lang)], len(widths) - 1, contents)
    bodies = load()
    df = data.submissions
    states = STATES_CY if lang == "cy" else STATES
    frame = pd.DataFrame({
        L.text("body", lang): df["body_code"],
        L.text("name", lang): [bodies[c].name(lang) if c in bodies else c
                               for c in df["body_code"]],
        L.text("state", lang): [states[s] for s in df["state"]],
        L.text("in_figures", lang): [L.text("yes", lang) if f else "[x]"
                                     for f in df["in_figures"]],
    })
    w.header_row(ws, row, frame.columns[0], list(frame.columns[1:]))
    for c, col in enumerate(frame.columns):
        w.text_column(ws, row + 1, c, frame[col].tolist(), w.wrap)
    w.page(ws, row + len(frame) + 1, len(widths) - 1)


def _partner_sheet(w: _Writer, ws: Sheet, data: PackData, lang: str, contents: str) -> None:
    widths = (10, 17, 30, 60, 16, 10, 60)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    row = w.heading(ws, L.text("partner_text_title", lang),
                    [f"{L.text('period', lang)}: {L.period_label(data.period, lang)}. "
                     f"{L.period_text(data.period, False, lang)}.",
                     L.text("partner_text_note", lang)], len(widths) - 1, contents)
    for key, frame in (("actions", partner_actions(data.actions, lang)),
                       ("you_said", partner_engagement(data.engagement, lang))):
        ws.write_string(row, 0, L.text(key, lang), w.panel)
        w.header_row(ws, row + 1, frame.columns[0], list(frame.columns[1:]))
        ws.set_row(row + 1, 18)
        for c, col in enumerate(frame.columns):
            w.text_column(ws, row + 2, c, frame[col].tolist(), w.wrap)
        # Wrapped text needs its row height set: neither Excel nor LibreOffice sizes it reliably.
        columns = [frame[col].tolist() for col in frame.columns]
        for r, cells in enumerate(zip(*columns, strict=True), start=row + 2):
            n = max(map(_text_lines, cells, widths))
            w.height(ws, r, 15 * max(1, n))
        row += len(frame) + 3
    w.page(ws, row, len(widths) - 1)
