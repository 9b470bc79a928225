"""One problem found in a return, in the shape partners, the warehouse and the CLI all share."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """A problem with a return, located the way the partner sees it in Excel."""

    severity: Severity
    code: str
    message_en: str
    message_cy: str
    sheet: str | None = None  # sheet name as written in the file (standard name if absent)
    row: int | None = None  # 1-based Excel row number
    column: str | None = None  # header as the partner wrote it
    value: str | None = None  # offending value, as text
    cell: str | None = None  # A1-style address when known, e.g. "D7"
    # every cell of an issue that stands for several (the same wrong value down a column), the
    # first being `cell`; empty for an issue about one cell
    cells: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = self.message_en
        d["cells"] = list(self.cells) or ([self.cell] if self.cell else [])
        return d


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col_index: int) -> str:
    """1-based Excel row and 0-based column index -> "B7"."""
    return f"{column_letter(col_index)}{row}"
