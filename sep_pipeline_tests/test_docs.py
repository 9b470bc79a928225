"""The generated reference page is up to date and covers the whole standard."""

from __future__ import annotations

from pathlib import Path

from sep_pipeline.standard import sep_return as std
from sep_pipeline.tools.docs_gen import standard_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_docs_standard_md_is_up_to_date():
    committed = (ROOT / "docs" / "standard.md").read_text(encoding="utf-8")
    assert committed == standard_markdown(), "run `make docs` and commit docs/standard.md"


def test_reference_page_names_every_sheet_field_code_and_rule():
    page = standard_markdown()
    for s in std.SHEETS:
        assert f"## {s.name} ({s.cy})" in page
        for f in s.fields:
            assert f"| `{f.name}` | {f.en.replace('|', chr(92) + '|')} | {f.cy} |" in page
            if f.codes:
                for c in f.codes.codes:
                    assert f"| `{c.code}`" in page and c.cy in page
        for r in s.rules:
            assert r.en in page
