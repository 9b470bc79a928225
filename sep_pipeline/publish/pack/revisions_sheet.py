"""What a pack says of its figures' status (METHODOLOGY.md, "Markers"): the cover's line
(provisional, or final since when), a line on each table sheet with [p] or the count of its
[r] figures, and the Revisions sheet listing every logged revision, old and new, in the pack's
language. The tidy CSV's `revision_marker` column is `revisions.revision_markers`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from . import labels as L

if TYPE_CHECKING:  # the workbook imports this module
    from .workbook import PackData, _Writer
    from .xlsx import Sheet


def _date(data: PackData, lang: str) -> str:
    at = data.state.finalised_at
    return "" if at is None else L.long_date(at.date(), lang)


def status_lines(data: PackData, lang: str) -> list[tuple[str, str]]:
    """The cover's (label, text) saying whether the figures are provisional or final."""
    state = data.state
    if state.revisions is None:  # a year: its quarters carry the status
        return []
    if state.provisional:
        return [(L.text("status", lang), L.text("provisional", lang))]
    return [(L.text("status", lang), L.text("final", lang, date=_date(data, lang),
                                            n=len(state.revisions)))]


def table_status_lines(data: PackData, table_id: str, lang: str) -> list[str]:
    """A table sheet's line under its heading: [p], or how many of its figures are [r]."""
    state = data.state
    if state.revisions is None:
        return []
    if state.provisional:
        return [L.text("table_provisional", lang)]
    mine = state.revisions[state.revisions["table_id"] == table_id]
    if mine.empty:
        return []
    n = len(mine.drop_duplicates(["body_code", "breakdown", "category", "measure"]))
    return [L.text("table_revised", lang, n=n,
                   bodies=", ".join(dict.fromkeys(mine["body_code"].tolist())))]


def revised_in(data: PackData, table_id: str) -> set[tuple[str, str, str, str]]:
    """(body_code, breakdown, category, measure) of the table's figures marked [r]."""
    return {k[1:] for k in data.state.revised if k[0] == table_id}


def revised_cells(panel, block, columns: Sequence[str],  # noqa: ANN001 - workbook's Panel, Block
                  revised: Collection[tuple]) -> set[tuple[int, int]]:
    """(row, column) of a block's cells, `columns` of its panel, whose figure is in `revised`
    (`revised_in`)."""
    if not revised:
        return set()
    out = set()
    for j, c in enumerate(columns):
        if block.measure is None:  # the columns are measures; the panel has one category
            measure, category = c, panel.category
        else:
            measure, category = block.measure, c if panel.prefix is None else f"{panel.prefix}/{c}"
        out |= {(i, j) for i, code in enumerate(block.index)
                if (code, panel.breakdown, category, measure) in revised}
    return out


def revised_format(num_format: str) -> str:
    """An Excel number format showing [r] beside the figure (text too: a revised [c]), the
    cell's value still the number."""
    return f'{num_format}" [r]";-{num_format}" [r]";{num_format}" [r]";@" [r]"'


def _label(f, *args: str) -> str:  # noqa: ANN001 - a labels function
    try:
        return f(*args)
    except (KeyError, ValueError, IndexError):  # a code the labels do not know: as it is
        return args[-2]


def revisions_frame(revisions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The logged revisions as the sheet shows them, labelled in `lang` (numbers as numbers,
    markers as text, empty where there is none)."""
    r = revisions
    cause = [None if pd.isna(sid) else L.text("submission_of", lang, id=int(sid),
                                               file=f if isinstance(f, str) else "")
             for sid, f in zip(r["submission_id"], r.get("file_name", [None] * len(r)),
                               strict=True)]
    return pd.DataFrame({
        L.text("table", lang): r["table_id"],
        L.text("body", lang): r["body_code"],
        L.text("breakdown", lang): [_label(L.breakdown_label, b, lang) for b in r["breakdown"]],
        L.text("category", lang): [_label(L.category_label, b, c, lang)
                                   for b, c in zip(r["breakdown"], r["category"], strict=True)],
        L.text("measure", lang): [_label(L.measure_label, m, lang) for m in r["measure"]],
        L.text("old_value", lang): r["old_value"],
        L.text("old_marker", lang): r["old_marker"],
        L.text("new_value", lang): r["new_value"],
        L.text("new_marker", lang): r["new_marker"],
        L.text("revised_on", lang): [L.long_date(pd.Timestamp(t).date(), lang)
                                     for t in r["revised_at"]],
        L.text("cause", lang): cause,
    })


WIDTHS = (8, 10, 22, 30, 30, 11, 11, 11, 11, 16, 40)


def revisions_sheet(w: _Writer, ws: Sheet, data: PackData, lang: str, contents: str) -> None:
    """The Revisions sheet: every revision logged for the quarter, or why there is none."""
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    last = len(WIDTHS) - 1
    state = data.state
    row = w.heading(ws, L.text("revisions_title", lang), [L.text("revisions_note", lang)],
                    last, contents, chars=sum(WIDTHS))
    revisions = state.revisions if state.revisions is not None else pd.DataFrame()
    if revisions.empty:
        key = "no_revisions_provisional" if state.provisional else "no_revisions"
        ws.write_string(row, 0, L.text(key, lang, date=_date(data, lang)), w.bold)
        w.page(ws, row, last)
        return
    frame = revisions_frame(revisions, lang)
    w.header_row(ws, row, frame.columns[0], list(frame.columns[1:]))
    for c, col in enumerate(frame.columns):
        values = frame[col].tolist()
        if col in (L.text("old_value", lang), L.text("new_value", lang)):
            for r, v in enumerate(values, start=row + 1):  # a number stays a number
                if v is not None and not pd.isna(v):
                    ws.write_number(r, c, float(v))
        else:
            w.text_column(ws, row + 1, c, values, w.wrap)
    ws.freeze_panes(row + 1, 0)
    w.page(ws, row + len(frame), last)
