"""The pack's data (`load_pack_data`), its shaping and the writing machinery (`_Writer`) that
every workbook of the pack uses; `partnership_workbook` composes the partnership's workbook, one
per language (METHODOLOGY.md, "Benchmark tables"), `body_pack` a body's.

The partnership's workbook: cover, contents, one sheet per table id and a sheet of the bodies'
own action-plan and "you said, we did" texts. On a table sheet each breakdown is a panel: one
row per body, then the partnership (ALL) and, where the methodology gives them, MEDIAN, LQ and
UQ; one column per category. A breakdown with a single category (a total, a declaration rate)
puts its measures across instead. Native charts sit at the top of P1, P2, C1, D1 and A1, drawn
from a numbers-only copy of their figures at the foot of the sheet, because a chart reads a
marker such as `[c]` as zero.

Shaping is pure (`table_panels`, `chart_specs`, `partner_actions`, `partner_engagement`:
DataFrames in, panels and frames out; `Shaped` holds a whole workbook's, made once for both
languages); writing is the `_Writer` below, a column of cells at a time (`xlsx.Sheet`), a table's
figures a run of rows at a time (`put_grid`), whose XML the second language's workbook reuses:
the two differ in labels only. Partner text goes through `feedback_report.clean_text` and is
stored as a string (`put_column` or `write_string`), in a workbook opened with
`strings_to_formulas=False`: no cell of the pack is a formula.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import repeat

import numpy as np
import pandas as pd
import sqlalchemy as sa
import xlsxwriter
from xlsxwriter.format import Format

from ...common.config import settings
from ...coordination.status import period_status
from ...intake.feedback_report import clean_text
from ...methodology.pay_gaps import COMPARISONS
from ...methodology.tables import TABLE_IDS, measure_places
from ...warehouse import tables as warehouse
from ..published import in_published_order
from ..revisions import PackState, pack_state
from ..series_store import pack_periods, read_series
from . import labels as L
from .headlines import HEADLINE_CELLS
from .revisions_sheet import (
    revised_format,
)
from .xlsx import Sheet, paused_gc

SPREAD = ("MEDIAN", "LQ", "UQ")
CHART_TABLES = ("P1", "P2", "C1", "D1", "A1")  # the table sheets with charts
SUMMARY = ("ALL", *SPREAD)
HEADLINES = [(c.characteristic, f"{c.reference_group}_vs_{c.comparison_group}")
             for c in COMPARISONS if c.headline]
MAX_COLS = 11  # category columns per panel, so a sheet prints legibly across a landscape page
LABEL_W, DATA_W = 34, 13  # column widths (characters)
CHART_W, CHART_H, WIDE_W = 560, 240, 1100  # pixels: two chart rows fit a page with the heading
ROW_PX = 20
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")  # GSS accessible
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "nan_inf_to_errors": False}


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackData:
    """Everything one period's pack shows, read once from the warehouse."""

    period: str
    benchmark: pd.DataFrame
    pay_gap: pd.DataFrame
    position: pd.DataFrame
    actions: pd.DataFrame
    engagement: pd.DataFrame
    # Every registry body's state for the (last) quarter: who is in the figures, who is [x].
    submissions: pd.DataFrame | None = None
    # Provisional or final, and the revisions logged since (revisions.PackState).
    state: PackState = field(default_factory=PackState)
    # The series rows the Trends and Outcomes sheets show (trends.HEADLINE_CELLS), of every
    # published period of its kind up to its own (series_store.read_series).
    series: pd.DataFrame | None = None
    # Those periods: series.csv shows every series row of each, read from the warehouse a body
    # of a period at a time as it is written (pack.series_parts), so the pack's
    # memory grows neither with the history nor with the number of bodies. Empty: series.csv
    # shows `series` (a pack made of frames).
    series_periods: tuple[str, ...] = ()

    @property
    def bodies(self) -> list[str]:
        return sorted(set(self.benchmark["body_code"].unique()) - set(SUMMARY))


def load_pack_data(conn: sa.Connection, period: str,
                   published: Mapping[str, pd.DataFrame] | None = None) -> PackData:
    """A quarter's or a year's published tables, with the partner text of the same period (a
    year: its four quarters' engagement, its Q4 action plan, as its snapshot tables are Q4's).
    The published rows come in the order the figures made them (`published.in_published_order`),
    from `published` (`figure_store.published_frames`) when given, else from the warehouse."""
    if published is None:
        published = {name: in_published_order(name, warehouse.read_table(conn, name, period))
                     for name in ("benchmark", "pay_gap", "benchmark_position")}
    bench = published["benchmark"]
    if bench.empty:
        raise ValueError(f"no published benchmark figures for {period!r}: run the pipeline first")
    quarters = [q.label for q in L.quarters_of(period)]
    series_periods = tuple(pack_periods(conn, period))
    engagement = pd.concat([warehouse.read_table(conn, "engagement", q) for q in quarters],
                           ignore_index=True)
    return PackData(period, bench, published["pay_gap"], published["benchmark_position"],
                    warehouse.read_table(conn, "actions", quarters[-1]), engagement,
                    period_status(conn, L.quarters_of(period)[-1], settings()),
                    pack_state(conn, period),
                    series=read_series(conn, series_periods, HEADLINE_CELLS),
                    series_periods=series_periods)


# --- Shaping (pure) -------------------------------------------------------------------------


def cell_values(df: pd.DataFrame) -> pd.Series:
    """The published value, else its marker (a string), else None: what a table cell shows."""
    v = df["value"].astype(object).where(df["value"].notna(), df["marker"].astype(object))
    return v.where(v.notna(), None)


@dataclass
class Block:
    """One measure's rows of a panel (where the columns are measures: the panel's rows)."""

    measure: str | None  # None: the columns are measures (a one-category breakdown)
    index: list[str]  # body codes, then ALL, MEDIAN, LQ, UQ where the panel has them
    columns: list[str]
    rows: list[list[object]]  # one per index entry, a cell per column: number | marker | None
    # The block's cells as sheet XML (`Sheet.put_grid`), kept for the other language's workbook.
    xml: dict[object, dict] = field(default_factory=dict, repr=False, compare=False)

    @property
    def grid(self) -> pd.DataFrame:
        """The block as a frame: index and columns as above, cells as objects."""
        return pd.DataFrame(self.rows, index=self.index, columns=self.columns, dtype=object)

    @cached_property
    def column_cells(self) -> list[list[object]]:
        """`rows` transposed, a list per column: what the writer puts down a sheet column
        (made once for both languages)."""
        return [list(c) for c in zip(*self.rows, strict=True)] if self.rows else [
            [] for _ in self.columns]


@dataclass
class Panel:
    breakdown: str
    prefix: str | None  # the first code of a two-way breakdown's category (`operational/...`)
    columns: list[str]  # category codes, or measures when `blocks[0].measure` is None
    blocks: list[Block] = field(default_factory=list)
    category: str | None = None  # the one category, when the columns are measures


def _block(measure: str | None, codes: Sequence[str], present: np.ndarray, grid: np.ndarray,
           columns: list[str]) -> Block:
    """The rows of `grid` (a row per code in `codes`, object cells, None where nothing) whose
    code is `present`, leaving out a spread row with nothing in it (counts and amounts measure
    size: the methodology gives them no spread)."""
    kept = [i for i in np.flatnonzero(present).tolist()
            if codes[i] not in SPREAD or any(v is not None for v in grid[i].tolist())]
    cells = grid[kept]
    block = Block(measure, [codes[i] for i in kept], list(columns), cells.tolist())
    block.__dict__["column_cells"] = cells.T.tolist()  # transposed in one step
    return block


def _first_seen(keys: Sequence[object] | np.ndarray) -> tuple[np.ndarray, list[object]]:
    """Each key's number, in the order the distinct keys first come, and those keys."""
    values = _objects(keys)
    ids, uniques = pd.factorize(values)
    if len(ids) and ids.min() < 0:  # a missing key (-1): numbered as a dict would key it
        numbers: dict[object, int] = {}
        ids = np.fromiter((numbers.setdefault(k, len(numbers)) for k in values.tolist()),
                          dtype=np.intp, count=len(values))
        return ids, list(numbers)
    return ids, list(uniques)


def _objects(values: Sequence[object] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _panels(codes: Sequence[str], measures: Sequence[str], breakdowns: Sequence[str],
            categories: Sequence[str], cells: Sequence[object]) -> list[Panel]:
    """One table's rows (as parallel sequences, `cells` from `cell_values`) as its panels, each
    in the order its breakdown, categories and measures first come; within a block, bodies in
    code order, then the summary rows. Numbered with numpy rather than nested dicts per row:
    a national table has tens of thousands of rows."""
    if not len(codes):
        return []
    b_id, b_names = _first_seen(breakdowns)
    c_id, c_names = _first_seen(categories)
    pair, pair_ids = _first_seen(b_id * len(c_names) + c_id)
    groups: dict[tuple[str, str], dict[str, int]] = {}  # panel -> its columns (subs), numbered
    group_ids: dict[tuple[str, str], int] = {}
    pair_group, pair_sub = [], []
    for p in pair_ids:
        breakdown, category = b_names[p // len(c_names)], c_names[p % len(c_names)]
        if "/" in breakdown:  # two-way: a panel per first code, the second across
            prefix, _, sub = category.partition("/")
        else:
            prefix, sub = "", category
        subs = groups.setdefault((breakdown, prefix), {})
        pair_group.append(group_ids.setdefault((breakdown, prefix), len(group_ids)))
        pair_sub.append(subs.setdefault(sub, len(subs)))
    group = np.asarray(pair_group, dtype=np.intp)[pair]
    sub = np.asarray(pair_sub, dtype=np.intp)[pair]
    code_id, code_names = _first_seen(codes)
    order = [*sorted(set(code_names) - set(SUMMARY)), *(c for c in SUMMARY if c in code_names)]
    rank = {c: i for i, c in enumerate(order)}
    code = np.asarray([rank[c] for c in code_names], dtype=np.intp)[code_id]
    measure_id, measure_names = _first_seen(measures)
    values = _objects(cells)
    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(len(groups) + 1))
    panels = []
    for g, ((breakdown, prefix), subs) in enumerate(groups.items()):
        rows = by_group[bounds[g]:bounds[g + 1]]
        m_local, m_first = _first_seen(measure_id[rows])
        ms = [measure_names[m] for m in m_first]
        grid = np.full((len(ms), len(order), len(subs)), None, dtype=object)
        grid[m_local, code[rows], sub[rows]] = values[rows]
        present = np.zeros((len(ms), len(order)), dtype=bool)
        present[m_local, code[rows]] = True
        columns = list(subs)
        if len(columns) == 1:  # one category: the measures go across
            panels.append(Panel(breakdown, prefix or None, ms,
                                [_block(None, order, present.any(axis=0), grid[:, :, 0].T, ms)],
                                columns[0]))
        else:
            panels.append(Panel(breakdown, prefix or None, columns,
                                [_block(m, order, present[i], grid[i], columns)
                                 for i, m in enumerate(ms)]))
    return panels


def _table_rows(t: pd.DataFrame, cells: pd.Series) -> tuple[np.ndarray, ...]:
    return (*(t[c].to_numpy(dtype=object) for c in ("body_code", "measure", "breakdown",
                                                   "category")), cells.to_numpy(dtype=object))


def table_panels(bench: pd.DataFrame, table_id: str) -> list[Panel]:
    """One table's panels in the warehouse's order of breakdowns, categories and measures."""
    t = bench[bench["table_id"] == table_id]
    return _panels(*_table_rows(t, cell_values(t)))


def panel_title(panel: Panel, category: str | None, lang: str) -> str:
    """The breakdown, with its one category where it has only one (`Sex: Male vs Female`)."""
    if panel.prefix is None:
        label = L.breakdown_label(panel.breakdown, lang)
        if category in (None, "all"):
            return label
        return f"{label}: {L.category_label(panel.breakdown, category, lang)}"
    first, second = panel.breakdown.split("/", 1)
    return L.text("by", lang, a=f"{L.breakdown_label(first, lang)}: "
                  f"{L.code_label(first, panel.prefix, lang)}",
                  b=L.breakdown_label(second, lang).lower())


@dataclass
class ChartSpec:
    title: str
    data: pd.DataFrame  # index: category labels; columns: series labels; NaN where not published
    kind: str = "column"  # column | bar
    subtype: str | None = None  # stacked
    lines: tuple[str, ...] = ()  # series drawn as lines over the bars
    wide: bool = False
    y_max: float | None = None
    row_px: int = 20  # a bar chart's height per category (more for several series per category)


def numbers(bench: pd.DataFrame, table_id: str) -> pd.DataFrame:
    """One table's rows with numeric values only (NaN where a marker stands)."""
    return _numeric(bench[bench["table_id"] == table_id])


def _numeric(t: pd.DataFrame) -> pd.DataFrame:
    return t.assign(value=pd.to_numeric(t["value"], errors="coerce").astype(float))


@dataclass(frozen=True)
class TableNumbers:
    """One table's numeric values (NaN where a marker stands), to look up by cell."""

    bodies: list[str]  # the bodies in the table, in code order
    cells: list[tuple[str, str]]  # (breakdown, category) in the table's order
    values: dict[tuple[str, str, str, str], float]  # (body, measure, breakdown, category)

    @classmethod
    def of(cls, t: pd.DataFrame) -> TableNumbers:
        """From one table's rows (`numbers`)."""
        codes, measures = t["body_code"].tolist(), t["measure"].tolist()
        breakdowns, categories = t["breakdown"].tolist(), t["category"].tolist()
        return cls(sorted(set(codes) - set(SUMMARY)),
                   list(dict.fromkeys(zip(breakdowns, categories, strict=True))),
                   dict(zip(zip(codes, measures, breakdowns, categories, strict=True),
                            t["value"].tolist(), strict=True)))


def _series(t: TableNumbers, body: str, measure: str, index: Sequence[tuple[str, str]]
            ) -> list[float]:
    """`body`'s values of `measure` at the (breakdown, category) cells `index`, NaN if none."""
    return [float(t.values.get((body, measure, *k), math.nan)) for k in index]


def _spec(title: str, data: pd.DataFrame, **kw: object) -> list[ChartSpec]:
    """The chart, unless it has nothing to draw; rows with no figure at all are left out."""
    data = data.dropna(how="all")
    return [ChartSpec(title, data, **kw)] if len(data) and data.notna().any().any() else []


def chart_specs(bench: pd.DataFrame, table_id: str, lang: str) -> list[ChartSpec]:
    """The charts of one table sheet of the partnership pack (none for most tables)."""
    if table_id not in CHART_TABLES:
        return []
    return _chart_specs(TableNumbers.of(numbers(bench, table_id)), table_id, lang)


def _chart_specs(t: TableNumbers, table_id: str, lang: str) -> list[ChartSpec]:
    bodies, cells = t.bodies, t.cells
    specs: list[ChartSpec] = []
    if table_id == "P1":  # pay gaps by body, the partnership's as lines across
        for cell in HEADLINES:
            if cell not in cells:
                continue
            mean, median = ([_series(t, b, m, [cell])[0] for b in bodies]
                            for m in ("mean_hourly_gap", "median_hourly_gap"))
            all_mean, all_median = (_series(t, "ALL", m, [cell])[0]
                                    for m in ("mean_hourly_gap", "median_hourly_gap"))
            names = [L.text(k, lang) for k in ("mean_gap", "median_gap", "all_mean", "all_median")]
            data = pd.DataFrame(dict(zip(names, (mean, median, [all_mean] * len(bodies),
                                                  [all_median] * len(bodies)), strict=True)),
                                index=bodies)
            specs += _spec(L.text("gap_chart", lang, comparison=L.category_label(*cell, lang)),
                           data, lines=tuple(names[2:]))
    elif table_id == "P2":  # quartile composition of the partnership, stacked to 100
        for breakdown, category in HEADLINES:
            ref, grp = category.split("_vs_")
            data = pd.DataFrame({
                L.code_label(breakdown, code, lang):
                    [(_series(t, "ALL", f"{q}_pct_{side}", [(breakdown, category)]))[0]
                     for q in L.QUARTERS]
                for code, side in ((ref, "reference"), (grp, "group"))},
                index=[L.pick(p, lang) for p in L.QUARTERS.values()])
            specs += _spec(L.text("quartile_chart", lang,
                                  comparison=L.category_label(breakdown, category, lang)),
                           data, subtype="stacked", y_max=100)
    elif table_id == "C1":  # representation against Census 2021 Wales
        index = [f"{L.breakdown_label(b, lang)}: {L.category_label(b, c, lang)}" for b, c in cells]
        data = pd.DataFrame({L.measure_label(m, lang): _series(t, "ALL", m, cells)
                             for m in ("workforce_pct", "census_pct")}, index=index)
        specs += _spec(L.text("census_chart", lang), data, kind="bar", wide=True)
    elif table_id == "D1":  # declaration rates, stacked to 100
        index = [L.breakdown_label(b, lang) for b, _ in cells]
        data = pd.DataFrame({L.measure_label(m, lang): _series(t, "ALL", m, cells)
                             for m in ("pct_declared", "pct_prefer_not_to_say", "pct_not_known")},
                            index=index)
        specs += _spec(L.text("declaration_chart", lang), data, kind="bar", subtype="stacked",
                       y_max=100, wide=True)
    elif table_id == "A1":  # the partnership's actions, and those complete, by objective; status
        for breakdown, measures, key, y_max in (
                ("partnership_objective", ("actions", "complete"), "objective_chart", None),
                ("status", ("pct_of_actions",), "status_chart", 100)):
            sub = [c for c in cells if c[0] == breakdown]
            data = pd.DataFrame({L.measure_label(m, lang): _series(t, "ALL", m, sub)
                                 for m in measures},
                                index=[L.category_label(*c, lang) for c in sub])
            data = data[data.fillna(0).ne(0).any(axis=1)]  # e.g. no action with no objective
            specs += _spec(L.text(key, lang), data, kind="bar", y_max=y_max)
    return specs


def partner_actions(actions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The period's actions with their body, codes labelled; the bodies' own text as sent."""
    a = actions.sort_values("body_code", kind="stable")
    coded = {c: a[c].map(lambda v, c=c: L.code_label(c, v, lang) if isinstance(v, str) else None)
             for c in ("partnership_objective", "status", "rag")}
    return pd.DataFrame({
        L.text("body", lang): a["body_code"],
        L.text("reference", lang): a["action_ref"],
        L.text("objective", lang): coded["partnership_objective"],
        L.breakdown_label("action", lang): a["action"],
        L.breakdown_label("status", lang): coded["status"],
        L.breakdown_label("rag", lang): coded["rag"],
        L.breakdown_label("progress_note", lang): a["progress_note"],
    }).reset_index(drop=True)


def partner_engagement(engagement: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The period's activities that have a "you said, we did" text, with their body (columns
    placed as `partner_actions`' so the two share the sheet's column widths)."""
    e = engagement[engagement["you_said_we_did"].fillna("").str.strip() != ""]
    e = e.sort_values(["body_code", "period"], kind="stable")
    coded = {c: e[c].map(lambda v, c=c: L.code_label(c, v, lang) if isinstance(v, str) else None)
             for c in ("partnership_objective", "activity_type")}
    return pd.DataFrame({
        L.text("body", lang): e["body_code"],
        L.text("reference", lang): e["activity_ref"],
        L.text("objective", lang): coded["partnership_objective"],
        L.breakdown_label("activity_name", lang): e["activity_name"],
        L.breakdown_label("activity_type", lang): coded["activity_type"],
        L.text("period", lang): e["period"].map(lambda p: L.period_label(p, lang)),
        L.text("you_said", lang): e["you_said_we_did"],
    }).reset_index(drop=True)


# --- Writing --------------------------------------------------------------------------------

_NUM = {0: "#,##0", 1: "0.0", 2: "0.00", -1: "£#,##0.00"}  # -1: money


def places(table_id: str, measure: str) -> int:
    return -1 if measure == "value_gbp" else measure_places(table_id, measure)


_clean_label = lru_cache(maxsize=1 << 14)(clean_text)


def _clean(text: str) -> str:
    """`clean_text`, remembered for short texts: the pack's labels repeat in every workbook."""
    return _clean_label(text) if len(text) <= 200 else clean_text(text)


class _RowLabels(dict[str, str]):
    """Row code -> its label as a grid writes it, made at its first use in the workbook."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, code: str) -> str:
        label = self[code] = _clean(L.row_label(code, self.lang))
        return label


class _Writer:
    """Formats (made once each) and the writing steps every pack sheet shares."""

    def __init__(self, wb: xlsxwriter.Workbook, lang: str) -> None:
        self.wb, self.lang = wb, lang
        f = wb.add_format
        self.title = f({"bold": True, "font_size": 15, "font_color": "#12436D"})
        self.big = f({"bold": True, "font_size": 20, "font_color": "#12436D"})
        self.sub = f({"bold": True, "font_size": 12})
        self.wrap = f({"text_wrap": True, "valign": "top"})
        self.note = f({"text_wrap": True, "valign": "top", "font_color": "#404040"})
        self.bold = f({"bold": True, "valign": "top"})
        self.panel = f({"bold": True, "font_size": 12, "font_color": "#12436D"})
        self.measure = f({"bold": True, "italic": True})
        self.head = f({"bold": True, "bg_color": "#DDEBF7", "border": 1, "border_color": "#9BB7D4",
                       "text_wrap": True, "valign": "top", "align": "center"})
        self.head_left = f({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                            "border_color": "#9BB7D4", "text_wrap": True, "valign": "top"})
        self.link = f({"font_color": "blue", "underline": 1})
        self.center = f({"align": "center", "border": 1, "border_color": "#D9D9D9"})
        self._cells: dict[tuple[str, int, bool], Format] = {}
        self._labels: dict[str, Format] = {}
        self.row_labels = _RowLabels(lang)
        self.heights: dict[str, dict[int, float]] = {}  # sheet -> row -> points, for page breaks

    def height(self, ws: Sheet, row: int, points: float) -> None:
        ws.set_row(row, points)
        self.heights.setdefault(ws.name, {})[row] = points

    _KIND = {"body": {}, "ALL": {"bold": True, "bg_color": "#EAF1FA"},
             "spread": {"italic": True, "bg_color": "#F2F2F2", "font_color": "#404040"}}

    def cell(self, kind: str, place: int, revised: bool = False) -> Format:
        """A figure's format; `revised`: shown with [r] beside it, the cell still a number."""
        if (kind, place, revised) not in self._cells:
            self._cells[kind, place, revised] = self.wb.add_format({
                **self._KIND[kind], "align": "right", "border": 1, "border_color": "#D9D9D9",
                "num_format": revised_format(_NUM[place]) if revised else _NUM[place]})
        return self._cells[kind, place, revised]

    def label(self, kind: str) -> Format:
        if kind not in self._labels:
            self._labels[kind] = self.wb.add_format({**self._KIND[kind], "border": 1,
                                                     "border_color": "#D9D9D9"})
        return self._labels[kind]

    def sheet(self, name: str) -> Sheet:
        return self.wb.add_worksheet(name, worksheet_class=Sheet)

    def text_column(self, ws: Sheet, row: int, col: int, values: Sequence[object],
                    fmt: Format | None = None) -> None:
        """Text cells strictly as strings (OWASP formula injection: partner text is hostile;
        `put_column` stores a str as a string whatever it starts with), cleaned so the file
        always opens; None or NaN leaves its cell empty."""
        ws.put_column(row, col, [None if v is None or (isinstance(v, float) and math.isnan(v))
                                 else _clean(str(v)) for v in values], fmt, blank=False)

    def paragraph(self, ws: Sheet, row: int, text: str, last_col: int, fmt: Format,
                  chars: int) -> int:
        """A wrapped paragraph across columns 0..last_col (merged cells never autofit)."""
        ws.merge_range(row, 0, row, last_col, "", fmt)
        ws.write_string(row, 0, text, fmt)
        self.height(ws, row, 15 * max(1, math.ceil(len(text) / chars)))
        return row + 1

    def page(self, ws: Sheet, last_row: int, last_col: int,
             units: Sequence[Sequence[int]] = (), widths: Sequence[float] = ()) -> None:
        """Print legibly: A4 landscape, fitted to the page width, sheet name and page number;
        with `units` (row boundaries of panels to keep on one page) and the column `widths`,
        page breaks that do not cut a panel from its title and header."""
        if units:
            ws.set_h_pagebreaks(page_breaks(units, self.heights.get(ws.name, {}), widths))
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header("&L&A")
        ws.set_footer("&C" + L.text("page", self.lang))
        ws.print_area(0, 0, max(last_row, 0), last_col)

    def marker_key(self, ws: Sheet, row: int) -> int:
        """What each marker means, from `row`; returns the row after it (and a blank one)."""
        ws.write_string(row, 0, L.text("markers", self.lang), self.bold)
        for marker, meaning in L.MARKERS.items():
            ws.write_string(row, 1, f"{marker}  {L.pick(meaning, self.lang)}", self.wrap)
            row += 1
        return row + 1

    def heading(self, ws: Sheet, title: str, lines: Sequence[str], last_col: int,
                contents: str | None, chars: float | None = None) -> int:
        """Title, wrapped lines across the sheet (`chars` wide), a link back to the contents."""
        ws.write_string(0, 0, title, self.title)
        self.height(ws, 0, 22)
        row = 1
        chars = chars or LABEL_W + DATA_W * last_col
        for line in lines:
            row = self.paragraph(ws, row, line, last_col, self.note, chars)
        if contents:
            ws.write_url(row, 0, f"internal:'{contents}'!A1", self.link,
                         string=L.text("back", self.lang))
            row += 1
        return row + 1

    def grid(self, ws: Sheet, row: int, index: Sequence[str],
             columns: Sequence[Sequence[object]], fmt_places: Sequence[int], lang: str,
             cache: dict[object, dict] | None = None,
             revised: Collection[tuple[int, int]] = ()) -> int:
        """Rows of one block (`index`: their codes; `columns`: each column's cells), written a
        run of rows of one kind at a time, labels first; `cache`: kept by the caller for these
        cells, so the other language's workbook reuses their XML (`Sheet.put_grid`); `revised`:
        the (row, column) of figures shown [r] (each of their rows a run of its own)."""
        kinds = ["ALL" if c == "ALL" else "spread" if c in SPREAD else "body" for c in index]
        flagged = {i: {j for r, j in revised if r == i} for i, _ in revised}
        row_labels = self.row_labels if lang == self.lang else _RowLabels(lang)
        start = 0
        while start < len(kinds):
            end = start + 1
            while (end < len(kinds) and kinds[end] == kinds[start] and end not in flagged
                   and start not in flagged):
                end += 1
            labels = list(map(row_labels.__getitem__, index[start:end]))
            marked = flagged.get(start, set())
            ws.put_grid(row + start, 0, [labels, *(col[start:end] for col in columns)],
                        [self.label(kinds[start]), *(self.cell(kinds[start], p, j in marked)
                                                     for j, p in enumerate(fmt_places))],
                        None if cache is None else cache.setdefault((start, *labels), {}))
            start = end
        return row + len(kinds)

    def header_row(self, ws: Sheet, row: int, first: str, heads: Sequence[str]) -> None:
        ws.write_string(row, 0, first, self.head_left)
        self.text_column_row(ws, row, 1, heads, self.head)
        lines = max([math.ceil(len(h) / (DATA_W - 1)) for h in heads] or [1])
        self.height(ws, row, 15 * min(max(lines, 1), 8))

    def text_column_row(self, ws: Sheet, row: int, col: int, values: Sequence[str],
                        fmt: Format) -> None:
        for c, v in enumerate(values, start=col):
            ws.write_string(row, c, clean_text(v), fmt)

    def charts(self, ws: Sheet, specs: Sequence[ChartSpec],
               anchors: Sequence[tuple[int, int]], row: int) -> int:
        """Each chart's numbers from `row` down, the chart itself at its anchor; returns the
        row after the data."""
        if specs:
            ws.write_string(row, 0, L.text("chart_data", self.lang), self.measure)
            row += 2
        for spec, anchor in zip(specs, anchors, strict=True):
            row = self._chart(ws, spec, row, anchor)
        return row

    def _chart(self, ws: Sheet, spec: ChartSpec, row: int, anchor: tuple[int, int]) -> int:
        name, n = ws.name, len(spec.data)
        self.header_row(ws, row, "", list(spec.data.columns))
        self.text_column(ws, row + 1, 0, list(spec.data.index), self.label("body"))
        for j, col in enumerate(spec.data.columns):
            ws.put_column(row + 1, 1 + j, spec.data[col].tolist(), self.cell("body", 1))
        chart = self.wb.add_chart({"type": spec.kind, **({"subtype": spec.subtype}
                                                          if spec.subtype else {})})
        line = self.wb.add_chart({"type": "line"}) if spec.lines else None
        for j, col in enumerate(spec.data.columns):
            colour = PALETTE[j % len(PALETTE)]
            series = {"name": [name, row, 1 + j],
                      "categories": [name, row + 1, 0, row + n, 0],
                      "values": [name, row + 1, 1 + j, row + n, 1 + j]}
            if line is not None and col in spec.lines:
                line.add_series({**series, "marker": {"type": "none"},
                                 "line": {"color": colour, "width": 2, "dash_type": "dash"}})
            else:
                chart.add_series({**series, "fill": {"color": colour}, "border": {"none": True},
                                  "gap": 60, **({"overlap": 100} if spec.subtype else {})})
        if line is not None:
            chart.combine(line)
        value_axis = {"num_format": "0", "major_gridlines": {"visible": True,
                                                             "line": {"color": "#D9D9D9"}},
                      **({"min": 0, "max": spec.y_max} if spec.y_max else {})}
        category_axis = {"num_font": {"size": 9}, **({"reverse": True} if spec.kind == "bar"
                                                       else {})}
        if spec.kind == "bar":  # a bar chart's categories run up its y axis
            chart.set_y_axis(category_axis)
            chart.set_x_axis(value_axis)
        else:
            chart.set_x_axis(category_axis)
            chart.set_y_axis(value_axis)
        chart.set_title({"name": spec.title, "name_font": {"size": 11, "bold": True}})
        chart.set_legend({"position": "bottom", "font": {"size": 9}})
        chart.set_chartarea({"border": {"color": "#BFBFBF"}})
        chart.set_size({"width": WIDE_W if spec.wide else CHART_W, "height": chart_height(spec)})
        ws.insert_chart(*anchor, chart, {"x_offset": 4, "y_offset": 4, "object_position": 3})
        return row + n + 3


def chart_height(spec: ChartSpec) -> int:
    """Pixels: a bar chart grows with its categories so their labels stay legible."""
    return max(CHART_H, 110 + spec.row_px * len(spec.data)) if spec.kind == "bar" else CHART_H


def chart_layout(specs: Sequence[ChartSpec], top: int) -> tuple[list[tuple[int, int]], int]:
    """Anchor (row, col) of each chart from row `top`, two to a row (a wide one alone), and
    the first row below them all."""
    anchors: list[tuple[int, int]] = []
    row, pending = top, 0  # pending: rows of a left-hand chart still waiting for a neighbour
    for spec in specs:
        rows = math.ceil(chart_height(spec) / ROW_PX) + 1
        if spec.wide:
            row, pending = row + pending, 0
            anchors.append((row, 0))
            row += rows
        elif pending:
            anchors.append((row, 5))
            row, pending = row + max(pending, rows), 0
        else:
            anchors.append((row, 0))
            pending = rows
    return anchors, row + pending


# A4 landscape inside `_Writer.page`'s margins, in points.
PAGE_W, PAGE_H = 841.9 - 2 * 0.4 * 72, 595.3 - 2 * 0.6 * 72
ROW_PT = 15.0


def page_breaks(units: Sequence[Sequence[int]], heights: dict[int, float],
                widths: Sequence[float]) -> list[int]:
    """Rows to break pages before. Each unit is [start, inner starts..., end): it starts a new
    page when it does not fit in what is left of the current one (unless that is still two
    thirds empty), and a unit taller than a page breaks between its inner parts. Heights are
    as printed when fitted to the page width (a whole percent, as Excel's scale is)."""
    width_pt = sum(int(w * 7 + 0.5) + 5 for w in widths) * 0.75
    scale = min(100, math.floor(PAGE_W / width_pt * 100)) / 100 if width_pt else 1.0
    capacity = PAGE_H / scale * 0.95  # a margin for the renderer's own rounding

    def tall(a: int, b: int) -> float:  # the rows' heights summed in order
        return sum(map(heights.get, range(a, b), repeat(ROW_PT)))

    breaks: list[int] = []
    used = tall(0, units[0][0]) % capacity if units else 0.0
    for unit in units:
        need = tall(unit[0], unit[-1])
        if used + need <= capacity:
            used += need
            continue
        if used > capacity / 3:  # a fresh page, unless this one is still mostly empty
            breaks.append(unit[0])
            used = 0.0
            if need <= capacity:
                used = need
                continue
        for a, b in zip(unit[:-1], unit[1:], strict=True):
            part = tall(a, b)
            if used and used + part > capacity:
                breaks.append(a)
                used = 0.0
            used = (used + part) % capacity
    return [b for b in breaks if b > 0]


# --- The partnership workbook ---------------------------------------------------------------


def sheet_names(lang: str) -> dict[str, str]:
    """Sheet key -> sheet name: cover, contents, each table id, partner_text."""
    return {"cover": L.text("cover", lang), "contents": L.text("contents", lang),
            "trends": L.text("trends", lang), "outcomes": L.text("outcomes", lang),
            **{t: t for t in TABLE_IDS}, "partner_text": L.text("partner_text", lang),
            "submissions": L.text("submissions", lang), "revisions": L.text("revisions", lang)}


def partnership_file_name(period: str, lang: str) -> str:
    return f"sep_benchmark_{period.replace(' ', '_')}_{lang}.xlsx"


@dataclass(frozen=True)
class Shaped:
    """The partnership workbook's tables, shaped once for both languages."""

    tables: list[str]  # the table ids with figures, in TABLE_IDS order
    panels: dict[str, list[Panel]]
    numbers: dict[str, TableNumbers]  # the tables with charts
    bodies: list[str] | None = None  # PackData.bodies, found once for both languages

    @classmethod
    def of(cls, bench: pd.DataFrame) -> Shaped:
        with paused_gc():  # a block's cells are lists of lists: nothing for it to collect
            return cls._of(bench)

    @classmethod
    def _of(cls, bench: pd.DataFrame) -> Shaped:
        columns = _table_rows(bench, cell_values(bench))  # as arrays once, sliced per table
        groups = bench.groupby("table_id", sort=False).indices
        tables = [t for t in TABLE_IDS if t in groups]
        panels, nums = {}, {}
        for t in tables:
            panels[t] = _panels(*(c[groups[t]] for c in columns))
            if t in CHART_TABLES:
                nums[t] = TableNumbers.of(_numeric(bench.iloc[groups[t]]))
        return cls(tables, panels, nums, sorted(set(columns[0]) - set(SUMMARY)))
