"""Every hostile file is refused by its own check, with its code and a message in English and
Welsh, and nothing but FileRefused escapes. The corpus is built and read in a child process under a
hard memory limit (RLIMIT_AS): a file that the reader fails to stop takes that process down, never
the test runner. RUST_BACKTRACE is set there, as it was when a shared-strings bomb hung the run."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sep_pipeline_tests.bad_workbooks import HOSTILE

CORPUS_MEMORY = 5 * 1024**3 // 2  # the child's whole address space, its own parsing children's too

# The checks alone (inspect_file) let these through: only calamine, or the cells it parsed, tell.
ONLY_THE_PARSE_CAN_TELL = {
    "broken_sheet_xml",
    "no_sheets",
    "huge_duration",
    "shared_index_out_of_range",
    "sheet_behind_url",
    "shared_string_of_a_megabyte",
    "inline_cell_of_a_megabyte",
    "formula_result_too_long",
    "rich_text_runs_too_long",
    "cdata_hides_cells",
    "comment_hides_cells",
    "nul_in_inline_cell",
    "nul_in_shared_string",
    "control_character_reference",
    "raw_control_byte",
    "c1_control_in_shared_string",
    "fake_end_of_cells",
    "control_in_sheet_name",
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CORPUS_MEMORY, CORPUS_MEMORY))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each file's outcome (by name), and how the child process ended."""
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "var").mkdir()
    env = {**os.environ, "SEP_DATA_DIR": str(directory / "var"), "RUST_BACKTRACE": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "sep_pipeline_tests.hostile_corpus", str(directory)],
        capture_output=True, text=True, env=env, preexec_fn=_limit_memory, timeout=300,
        check=False, cwd=Path(__file__).parents[1],
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    return {"files": {line["name"]: line for line in lines}, "run": run}


def test_the_corpus_is_read_to_the_end_under_its_memory_limit(corpus: dict[str, Any]) -> None:
    run = corpus["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(corpus["files"]) == set(HOSTILE)
    assert len(HOSTILE) >= 60


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_by_its_own_check(name: str, corpus: dict[str, Any]) -> None:
    if name not in corpus["files"]:
        pytest.fail(f"the corpus run stopped before {name}: {corpus['run'].stderr[-2000:]}")
    expected = HOSTILE[name]
    read, checks = corpus["files"][name]["read"], corpus["files"][name]["checks"]
    assert read is not None, "accepted"
    assert corpus["files"][name]["then"] == read  # read_then refuses it as read_workbook does
    assert (read["code"], read["reason"]) == (expected.code, expected.reason)
    assert read["severity"] == "error"
    assert read["message_en"].strip() and read["message_cy"].strip()
    assert read["message_en"] != read["message_cy"]
    if name in ONLY_THE_PARSE_CAN_TELL:
        assert checks is None
    else:  # the checks alone refuse it, for the same reason: calamine never has to
        assert checks is not None and checks["reason"] == expected.reason


def test_every_check_of_the_reader_has_a_file() -> None:
    """The corpus exercises each way of refusing a file (a new check needs a file here)."""
    reasons = {h.reason for h in HOSTILE.values()}
    assert {"zip.ratio", "zip.total_size", "zip.overrun", "zip.declared_entries",
            "zip.duplicate_name", "zip.bad_name", "zip.overlap", "zip.encrypted", "zip.method",
            "xml.utf16", "xml.encoding", "xml.depth", "xml.part_too_large", "xml.tag_too_long",
            "sheet.range", "sheet.declared_range", "file.too_many_cells.workbook",
            "sst.unique_count", "file.too_many_sheets", "file.too_many_styles",
            "file.too_much_text", "text.cell_length", "text.control", "text.sheet_name",
            "macros.part", "macros.content_type"} <= reasons
