"""One body's benchmark position, for its own Oversight Group: on every published measure, the
body's figure beside the partnership's (ALL), the median and quartiles across bodies (MEDIAN, LQ,
UQ) and its `benchmark_position`.

It holds no other body's code or figures. The spread is made of other bodies' figures, so where
fewer than MIN_BODIES bodies have a published figure in a cell (with two, the body could work the
other's figure out from the median) the spread and the position are shown as `[c]`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ...intake.feedback_report import clean_text
from ...methodology.rounding import C
from ...methodology.tables import EVENT_TABLES, TABLE_IDS
from . import labels as L
from .outcomes import outcomes_sheet
from .revisions_sheet import revised_in, status_lines, table_status_lines
from .trends import trends_sheet
from .workbook import (
    SPREAD,
    SUMMARY,
    WORKBOOK_OPTIONS,
    ChartSpec,
    PackData,
    _spec,
    _Writer,
    cell_values,
    chart_layout,
    places,
)
from .xlsx import Sheet, workbook

MIN_BODIES = 3
KEY = ["table_id", "measure", "breakdown", "category"]
VIEW_COLUMNS = [*KEY, "value", *SUMMARY, "position"]
_KINDS = ("ALL", "body", "spread", "spread", "spread")  # cell styles of value, ALL, spread


def _views(bench: pd.DataFrame, position: pd.DataFrame, bodies: list[str] | None = None
           ) -> pd.DataFrame:
    """Every body's view (or `bodies'`) in one frame: body_code and VIEW_COLUMNS, sorted by
    body and, within a body, as `body_view`."""
    cells = bench.assign(cell=cell_values(bench))
    summary_rows = cells["body_code"].isin(SUMMARY)
    own = cells.loc[~summary_rows, ["body_code", *KEY, "cell"]].rename(columns={"cell": "value"})
    if bodies is not None:
        own = own[own["body_code"].isin(bodies)]
    summary = (cells[summary_rows]
               .pivot(index=KEY, columns="body_code", values="cell")
               .reindex(columns=list(SUMMARY)))
    published = cells[~summary_rows & cells["value"].notna()].groupby(KEY).size().rename("n")
    pos = position.set_index(["body_code", *KEY])["position"]
    out = (own.join(summary, on=KEY).join(published, on=KEY)
           .join(pos, on=["body_code", *KEY]))
    out = out.astype({c: object for c in [*SUMMARY, "position"]})
    thin = out["n"].fillna(0).lt(MIN_BODIES) & out["MEDIAN"].notna()
    out.loc[thin, list(SPREAD)] = C
    out.loc[thin & out["position"].notna(), "position"] = C
    out = out.where(out.notna(), None)
    rank = out["table_id"].map({t: i for i, t in enumerate(TABLE_IDS)})
    # Within a body: tables in TABLE_IDS order, a table's measures in the order they come.
    measure = out.groupby(["body_code", "table_id", "measure"], sort=False).ngroup()
    out = out.assign(_t=rank, _m=measure).sort_values(["body_code", "_t", "_m"], kind="stable")
    return out[["body_code", *VIEW_COLUMNS]].reset_index(drop=True)


def _spans(out: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """body -> (first row, end row) of its rows in `_views` (sorted by body)."""
    return {body: (int(idx[0]), int(idx[-1]) + 1)
            for body, idx in out.groupby("body_code", sort=False).indices.items()}


def body_views(bench: pd.DataFrame, position: pd.DataFrame,
               bodies: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """`body_view` of every body (or of `bodies`), made in one pass over the frames: body
    code -> its view. A body with no figures has none."""
    out = _views(bench, position, bodies)
    return {body: out.iloc[a:b][VIEW_COLUMNS].reset_index(drop=True)
            for body, (a, b) in _spans(out).items()}


def body_view(bench: pd.DataFrame, position: pd.DataFrame, body: str) -> pd.DataFrame:
    """One row per figure of `body`: KEY, value (number or marker), ALL, MEDIAN, LQ, UQ and
    position, in table order and, within a table, by measure."""
    view = body_views(bench, position, [body]).get(body)
    if view is None:
        raise ValueError(f"no published figures for body {body!r}")
    return view


def _columns(frame: pd.DataFrame) -> dict[str, list[object]]:
    return {c: frame[c].to_numpy(dtype=object).tolist() for c in VIEW_COLUMNS}


@dataclass(frozen=True)
class BodyRows:
    """A body's view as plain columns, with the run of rows of each table's measures: what
    both languages' workbooks write, taken out of the frame once."""

    cols: dict[str, list[object]]  # VIEW_COLUMNS -> values
    runs: dict[str, list[tuple[str, int, int]]]  # table id -> (measure, first row, end row)

    @classmethod
    def of(cls, view: pd.DataFrame) -> BodyRows:
        """From a `body_view`."""
        return cls.of_columns(_columns(view))

    @classmethod
    def of_columns(cls, cols: dict[str, list[object]]) -> BodyRows:
        runs: dict[str, list[tuple[str, int, int]]] = {}
        keys = list(zip(cols["table_id"], cols["measure"], strict=True))
        start = 0
        for i in range(1, len(keys) + 1):
            if i == len(keys) or keys[i] != keys[start]:
                table_id, measure = keys[start]
                runs.setdefault(table_id, []).append((measure, start, i))
                start = i
        return cls(cols, runs)

    def rows(self, table_id: str, measure: str) -> list[int]:
        return [i for m, a, b in self.runs.get(table_id, []) if m == measure
                for i in range(a, b)]


def body_rows(bench: pd.DataFrame, position: pd.DataFrame) -> dict[str, BodyRows]:
    """`BodyRows` of every body's view, from one frame of them all."""
    out = _views(bench, position)
    cols = _columns(out)
    return {body: BodyRows.of_columns({c: v[a:b] for c, v in cols.items()})
            for body, (a, b) in _spans(out).items()}


def _number(v: object) -> float:
    """A figure as a chart draws it: NaN where a marker (or nothing) stands."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


@lru_cache(maxsize=1 << 14)
def _breakdown(breakdown: str, lang: str) -> str:
    """The breakdown's label, cleaned as `_Writer.text_column` cleans what it writes."""
    return clean_text(L.breakdown_label(breakdown, lang))


@lru_cache(maxsize=1 << 14)
def _category(breakdown: str, category: str, lang: str) -> str:
    return clean_text(L.category_label(breakdown, category, lang))


def body_chart_specs(view: pd.DataFrame, body: str, table_id: str, lang: str) -> list[ChartSpec]:
    """P1: the body's median hourly gaps against ALL and MEDIAN; C1: its workforce against the
    partnership's and Census 2021 Wales."""
    if table_id not in ("P1", "C1"):
        return []
    return _chart_specs(BodyRows.of(view), body, table_id, lang)


def _chart_specs(b: BodyRows, body: str, table_id: str, lang: str) -> list[ChartSpec]:
    cols = b.cols
    value, all_, breakdown, category = (cols[c] for c in ("value", "ALL", "breakdown",
                                                          "category"))
    if table_id == "P1":
        rows = b.rows("P1", "median_hourly_gap")
        data = pd.DataFrame({body: [_number(value[i]) for i in rows],
                             L.row_label("ALL", lang): [_number(all_[i]) for i in rows],
                             L.row_label("MEDIAN", lang): [_number(cols["MEDIAN"][i])
                                                           for i in rows]},
                            index=[_category(breakdown[i], category[i], lang) for i in rows])
        return _spec(L.text("body_gap_chart", lang, body=body), data, wide=True)
    if table_id == "C1":
        rows = b.rows("C1", "workforce_pct")
        census = {(breakdown[i], category[i]): _number(all_[i])
                  for i in b.rows("C1", "census_pct")}
        data = pd.DataFrame({
            body: [_number(value[i]) for i in rows],
            L.row_label("ALL", lang): [_number(all_[i]) for i in rows],
            L.measure_label("census_pct", lang): [census.get((breakdown[i], category[i]),
                                                             math.nan) for i in rows]},
            index=[f"{_breakdown(breakdown[i], lang)}: "
                   f"{_category(breakdown[i], category[i], lang)}" for i in rows])
        return _spec(L.text("body_census_chart", lang, body=body), data, kind="bar", wide=True)
    return []


def body_file_name(body: str, period: str, lang: str) -> str:
    return f"{body}_benchmark_{period.replace(' ', '_')}_{lang}.xlsx"


def write_body_pack(data: PackData, body: str, path: Path, lang: str = "en",
                    rows: BodyRows | None = None) -> Path:
    """`body`'s position on every measure of `data.period`, in one language; `rows`:
    `BodyRows.of` its view, when the caller has it (`write_pack` makes every body's at once)."""
    if lang not in L.LANGS:
        raise ValueError(f"lang must be 'en' or 'cy', not {lang!r}")
    if rows is None:
        rows = BodyRows.of(body_view(data.benchmark, data.position, body))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    title = L.text("body_title", lang, body=body, period=L.period_label(data.period, lang))
    tables = [t for t in TABLE_IDS if t in rows.runs]
    with workbook(path, WORKBOOK_OPTIONS) as wb:
        wb.set_properties({"title": title, "author": L.text("partnership", lang),
                           "language": lang})
        w = _Writer(wb, lang)
        cover = w.sheet(L.text("cover", lang))
        _cover(w, cover, data.period, body, title, tables, lang, status_lines(data, lang))
        trends_sheet(w, w.sheet(L.text("trends", lang)), data, lang, cover.name, body)
        outcomes_sheet(w, w.sheet(L.text("outcomes", lang)), data, lang, cover.name, body)
        for t in tables:
            _table_sheet(w, w.sheet(t), rows, body, t, data, lang, cover.name)
    return path


def _cover(w: _Writer, ws: Sheet, period: str, body: str, title: str,
           tables: list[str], lang: str, status: Sequence[tuple[str, str]] = ()) -> None:
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 110)
    ws.hide_gridlines(2)
    ws.write_string(0, 0, L.text("partnership", lang), w.sub)
    ws.write_string(1, 0, title, w.big)
    ws.set_row(1, 30)
    rows = [(L.text("body", lang), body),
            (L.text("period", lang), L.period_label(period, lang)),
            ("", L.period_text(period, True, lang)), ("", L.period_text(period, False, lang)),
            (L.text("produced", lang), L.long_date(date.today(), lang)), *status,
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


def _table_sheet(w: _Writer, ws: Sheet, b: BodyRows, body: str, table_id: str,
                 data: PackData, lang: str, contents: str) -> None:
    """One table: the body's figures beside the partnership's and the spread's, [p] or [r] as
    in the partnership's workbook (`revisions_sheet`)."""
    period = data.period
    widths = [40, 54, 12, 12, 12, 12, 12, 16]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    last_col = len(widths) - 1
    lines = [f"{L.text('period', lang)}: {L.period_label(period, lang)}. "
             f"{L.period_text(period, table_id not in EVENT_TABLES, lang)}.",
             f"{L.text('notes', lang)}: {L.table_note(table_id, lang)}",
             f"{L.text('markers', lang)}: {L.marker_key(lang)}",
             *table_status_lines(data, table_id, lang)]
    row = w.heading(ws, f"{table_id}: {L.table_title(table_id, lang)} — {body}", lines,
                    last_col, contents, chars=sum(widths))
    specs = _chart_specs(b, body, table_id, lang)
    anchors, row = chart_layout(specs, row)
    if specs:
        row += 1
    heads = [L.text("category", lang), body, *(L.row_label(c, lang) for c in SUMMARY),
             L.text("position", lang)]
    header = row
    w.header_row(ws, header, L.text("breakdown", lang), heads)
    ws.repeat_rows(header)  # a long table keeps its column heads on every printed page
    row += 1
    cols = b.cols
    breakdowns, categories, positions = cols["breakdown"], cols["category"], cols["position"]
    named = {p: L.position_label(p, lang) for p in L.POSITION_LABELS}  # else as it is ([c])
    units: list[list[int]] = []
    revised = revised_in(data, table_id)
    for measure, first, end in b.runs[table_id]:
        unit = [header if not units else row]  # the heads stay with the first measure
        ws.write_string(row, 0, L.measure_label(measure, lang), w.measure)
        row += 1
        unit += [row + i - first for i in range(first + 1, end)
                 if breakdowns[i] != breakdowns[i - 1]]
        # Our own labels, cleaned once (`_breakdown`, `_category`): stored as strings.
        ws.put_column(row, 0, [_breakdown(breakdowns[i], lang) for i in range(first, end)],
                      w.label("body"), blank=False)
        ws.put_column(row, 1, [_category(breakdowns[i], categories[i], lang)
                               for i in range(first, end)], w.label("body"), blank=False)
        p = places(table_id, measure)
        # The body's own figure stands out; the partnership's and the spread's beside it.
        for c, (col, kind) in enumerate(zip(["value", *SUMMARY], _KINDS, strict=True), start=2):
            ws.put_column(row, c, cols[col][first:end], w.cell(kind, p))
            code = body if col == "value" else col
            for i in range(first, end) if revised else ():  # written again, [r] beside it
                # (a spread's [c] here may be this workbook's own, where too few bodies have
                # the figure: not the published one that was revised)
                shown = cols[col][i]
                if (code, breakdowns[i], categories[i], measure) in revised and not (
                        col in SPREAD and isinstance(shown, str)):
                    ws.put_column(row + i - first, c, [shown], w.cell(kind, p, True))
        ws.put_column(row, last_col, [named.get(v, v) for v in positions[first:end]],
                      w.center)  # our own labels (or [c]): never partner text
        row += end - first
        units.append([*unit, row])
    row = w.charts(ws, specs, anchors, row + 1)
    ws.freeze_panes(0, 2)
    w.page(ws, row, last_col, units, widths)
