"""One body's benchmark position, for its own Oversight Group: on every published measure, the
body's figure beside the partnership's (ALL), the median and quartiles across bodies (MEDIAN, LQ,
UQ) and its `benchmark_position`.

It holds no other body's code or figures. The spread is made of other bodies' figures, so where
fewer than MIN_BODIES bodies have a published figure in a cell (with two, the body could work the
other's figure out from the median) the spread and the position are shown as `[c]`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..methodology.rounding import C
from ..methodology.tables import EVENT_TABLES, TABLE_IDS
from . import labels as L
from .workbook import (
    SPREAD,
    SUMMARY,
    WORKBOOK_OPTIONS,
    ChartSpec,
    PackData,
    _none,
    _spec,
    _Writer,
    cell_values,
    chart_layout,
    places,
)

MIN_BODIES = 3
KEY = ["table_id", "measure", "breakdown", "category"]
VIEW_COLUMNS = [*KEY, "value", *SUMMARY, "position"]
_KINDS = ("ALL", "body", "spread", "spread", "spread")  # cell styles of value, ALL, spread


def body_view(bench: pd.DataFrame, position: pd.DataFrame, body: str) -> pd.DataFrame:
    """One row per figure of `body`: KEY, value (number or marker), ALL, MEDIAN, LQ, UQ and
    position, in table order and, within a table, by measure."""
    cells = bench.assign(cell=cell_values(bench))
    own = cells.loc[cells["body_code"] == body, [*KEY, "cell"]].rename(columns={"cell": "value"})
    if own.empty:
        raise ValueError(f"no published figures for body {body!r}")
    summary = (cells[cells["body_code"].isin(SUMMARY)]
               .pivot(index=KEY, columns="body_code", values="cell")
               .reindex(columns=list(SUMMARY)))
    bodies = cells[~cells["body_code"].isin(SUMMARY) & cells["value"].notna()]
    published = bodies.groupby(KEY).size().rename("n")
    pos = position.loc[position["body_code"] == body].set_index(KEY)["position"]
    out = own.join(summary, on=KEY).join(published, on=KEY).join(pos, on=KEY)
    out = out.astype({c: object for c in [*SUMMARY, "position"]})
    thin = out["n"].fillna(0).lt(MIN_BODIES) & out["MEDIAN"].notna()
    out.loc[thin, list(SPREAD)] = C
    out.loc[thin & out["position"].notna(), "position"] = C
    out = out.where(out.notna(), None)
    rank = out["table_id"].map({t: i for i, t in enumerate(TABLE_IDS)})
    measure = out.groupby(["table_id", "measure"], sort=False).ngroup()
    out = out.assign(_t=rank, _m=measure).sort_values(["_t", "_m"], kind="stable")
    return out[VIEW_COLUMNS].reset_index(drop=True)


def body_chart_specs(view: pd.DataFrame, body: str, table_id: str, lang: str) -> list[ChartSpec]:
    """P1: the body's median hourly gaps against ALL and MEDIAN; C1: its workforce against the
    partnership's and Census 2021 Wales."""
    t = view[view["table_id"] == table_id]
    num = t[["value", *SUMMARY]].apply(pd.to_numeric, errors="coerce").astype(float)
    t = pd.concat([t[KEY], num], axis=1)
    if table_id == "P1":
        m = t[t["measure"] == "median_hourly_gap"]
        data = pd.DataFrame({body: m["value"].to_numpy(), L.row_label("ALL", lang): m["ALL"],
                             L.row_label("MEDIAN", lang): m["MEDIAN"]})
        data.index = [L.category_label(b, c, lang) for b, c in zip(m["breakdown"], m["category"],
                                                                   strict=True)]
        return _spec(L.text("body_gap_chart", lang, body=body), data, wide=True)
    if table_id == "C1":
        w = t[t["measure"] == "workforce_pct"].set_index(["breakdown", "category"])
        census = t[t["measure"] == "census_pct"].set_index(["breakdown", "category"])["ALL"]
        data = pd.DataFrame({body: w["value"], L.row_label("ALL", lang): w["ALL"],
                             L.measure_label("census_pct", lang): census.reindex(w.index)})
        data.index = [f"{L.breakdown_label(b, lang)}: {L.category_label(b, c, lang)}"
                      for b, c in data.index]
        return _spec(L.text("body_census_chart", lang, body=body), data, kind="bar", wide=True)
    return []


def body_file_name(body: str, period: str, lang: str) -> str:
    return f"{body}_benchmark_{period.replace(' ', '_')}_{lang}.xlsx"


def write_body_pack(data: PackData, body: str, path: Path, lang: str = "en") -> Path:
    """`body`'s position on every measure of `data.period`, in one language."""
    if lang not in L.LANGS:
        raise ValueError(f"lang must be 'en' or 'cy', not {lang!r}")
    view = body_view(data.benchmark, data.position, body)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    title = L.text("body_title", lang, body=body, period=L.period_label(data.period, lang))
    wb.set_properties({"title": title, "author": L.text("partnership", lang), "language": lang})
    w = _Writer(wb, lang)
    cover = wb.add_worksheet(L.text("cover", lang))
    tables = [t for t in TABLE_IDS if (view["table_id"] == t).any()]
    _cover(w, cover, data.period, body, title, tables, lang)
    for t in tables:
        _table_sheet(w, wb.add_worksheet(t), view, body, t, data.period, lang, cover.name)
    wb.close()
    return path


def _cover(w: _Writer, ws: Worksheet, period: str, body: str, title: str,
           tables: list[str], lang: str) -> None:
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 110)
    ws.hide_gridlines(2)
    ws.write_string(0, 0, L.text("partnership", lang), w.sub)
    ws.write_string(1, 0, title, w.big)
    ws.set_row(1, 30)
    rows = [(L.text("body", lang), body),
            (L.text("period", lang), L.period_label(period, lang)),
            ("", L.period_text(period, True, lang)), ("", L.period_text(period, False, lang)),
            (L.text("produced", lang), L.long_date(date.today(), lang)),
            (L.text("notes", lang), L.text("body_how_to_read", lang, n=MIN_BODIES)),
            ("", L.text("rounding", lang)), ("", L.text("source", lang))]
    row = 3
    for key, value in rows:
        ws.write_string(row, 0, key, w.bold)
        ws.write_string(row, 1, value, w.wrap)
        w.height(ws, row, 15 * max(1, -(-len(value) // 105)))
        row += 1
    row += 1
    row = w.marker_key(ws, row)
    ws.write_string(row, 0, L.text("contents", lang), w.bold)
    for t in tables:
        ws.write_url(row, 1, f"internal:'{t}'!A1", w.link,
                     string=f"{t}: {L.table_title(t, lang)}")
        row += 1
    row += 1
    ws.write_string(row, 1, L.text("other_language", lang), w.note)
    w.page(ws, row, 1)


def _table_sheet(w: _Writer, ws: Worksheet, view: pd.DataFrame, body: str, table_id: str,
                 period: str, lang: str, contents: str) -> None:
    widths = [40, 54, 12, 12, 12, 12, 12, 16]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    last_col = len(widths) - 1
    lines = [f"{L.text('period', lang)}: {L.period_label(period, lang)}. "
             f"{L.period_text(period, table_id not in EVENT_TABLES, lang)}.",
             f"{L.text('notes', lang)}: {L.table_note(table_id, lang)}",
             f"{L.text('markers', lang)}: {L.marker_key(lang)}"]
    row = w.heading(ws, f"{table_id}: {L.table_title(table_id, lang)} — {body}", lines,
                    last_col, contents, chars=sum(widths))
    specs = body_chart_specs(view, body, table_id, lang)
    anchors, row = chart_layout(specs, row)
    if specs:
        row += 1
    heads = [L.text("category", lang), body, *(L.row_label(c, lang) for c in SUMMARY),
             L.text("position", lang)]
    header = row
    w.header_row(ws, header, L.text("breakdown", lang), heads)
    ws.repeat_rows(header)  # a long table keeps its column heads on every printed page
    row += 1
    t = view[view["table_id"] == table_id]
    units: list[list[int]] = []
    for measure, seg in t.groupby("measure", sort=False):
        unit = [header if not units else row]  # the heads stay with the first measure
        ws.write_string(row, 0, L.measure_label(measure, lang), w.measure)
        row += 1
        changes = seg["breakdown"].ne(seg["breakdown"].shift()).to_numpy()
        unit += [row + i for i in range(1, len(seg)) if changes[i]]
        w.text_column(ws, row, 0, [L.breakdown_label(b, lang) for b in seg["breakdown"]],
                      w.label("body"))
        w.text_column(ws, row, 1, [L.category_label(b, c, lang) for b, c in
                                   zip(seg["breakdown"], seg["category"], strict=True)],
                      w.label("body"))
        p = places(table_id, measure)
        # The body's own figure stands out; the partnership's and the spread's beside it.
        for c, (col, kind) in enumerate(zip(["value", *SUMMARY], _KINDS, strict=True), start=2):
            ws.write_column(row, c, _none(seg[col].tolist()), w.cell(kind, p))
        ws.write_column(row, last_col, [L.position_label(v, lang) for v in seg["position"]],
                        w.center)  # our own labels (or [c]): never partner text
        row += len(seg)
        units.append([*unit, row])
    row = w.charts(ws, specs, anchors, row + 1)
    ws.freeze_panes(0, 2)
    w.page(ws, row, last_col, units, widths)
