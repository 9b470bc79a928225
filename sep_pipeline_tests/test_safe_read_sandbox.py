"""calamine parses in a child process under hard limits. Whatever happens to the child (an abort,
a hang, a busy loop, its memory limit) the file is refused as too complex, the caller goes on, and
the same file is refused at once until it changes. The cells come back exactly as calamine read
them. Each test replaces the parse in the child only (the child is forked from this process)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from sep_pipeline.intake import safe_read
from sep_pipeline.intake.safe_read import FileRefused, Limits, read_workbook
from sep_pipeline_tests import bad_workbooks as bw

MIB = 1024**2


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of the test's own, and nothing remembered from other tests."""
    folder = tmp_path / "var"
    folder.mkdir()
    monkeypatch.setenv("SEP_DATA_DIR", str(folder))
    monkeypatch.setattr(safe_read, "_REMEMBERED", set())
    return folder


def in_the_child(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run action in the child before calamine parses."""
    real = safe_read._parse

    def parse(data: bytes, wanted: object, out: int) -> None:
        action()
        real(data, wanted, out)  # type: ignore[arg-type]

    monkeypatch.setattr(safe_read, "_parse", parse)


def too_complex(path: Path, limits: Limits = Limits()) -> str:  # noqa: B008
    """The reason the file was refused as too complex to open safely."""
    with pytest.raises(FileRefused) as caught:
        read_workbook(path, limits)
    issue = caught.value.issue
    assert issue.code == "file.too_complex", caught.value.reason
    assert "too large or too complex to open safely" in issue.message_en
    assert "rhy gymhleth" in issue.message_cy
    return caught.value.reason


def test_an_abort_is_a_refused_file_and_the_caller_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bw.minimal_xlsx(tmp_path)
    in_the_child(monkeypatch, os.abort)
    assert too_complex(path) == "sandbox.SIGABRT"
    monkeypatch.undo()
    monkeypatch.setattr(safe_read, "_REMEMBERED", set())
    assert read_workbook(bw.sample_return(tmp_path)).sheets["Data"].rows[3][0] == "E001"


def test_a_file_that_took_the_parser_down_is_refused_at_once_until_it_changes(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bw.minimal_xlsx(tmp_path)
    in_the_child(monkeypatch, os.abort)
    too_complex(path)
    remembered = (data_dir / "parser_refused.txt").read_text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in remembered
    monkeypatch.setattr(safe_read, "_parse", lambda *a: pytest.fail("parsed again"))
    started = time.perf_counter()
    assert too_complex(path) == "sandbox.remembered"
    assert time.perf_counter() - started < 0.5
    monkeypatch.setattr(safe_read, "_REMEMBERED", set())  # another process: the file remembers
    assert too_complex(path) == "sandbox.remembered"
    monkeypatch.undo()
    monkeypatch.setenv("SEP_DATA_DIR", str(data_dir))
    path.write_bytes(path.read_bytes() + b"\0")  # changed (a zip may carry trailing bytes)
    assert read_workbook(path).sheets["Sheet1"].rows == [[1.0]]


def test_a_hang_is_stopped_by_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_the_child(monkeypatch, lambda: time.sleep(60))
    started = time.perf_counter()
    assert too_complex(bw.minimal_xlsx(tmp_path), Limits(max_parse_seconds=0.5)) == "sandbox.time"
    assert time.perf_counter() - started < 10


def test_a_busy_loop_is_stopped_by_the_cpu_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_read, "_WALL_CLOCK", 60)  # so that only the CPU limit can stop it

    def spin() -> None:
        while True:
            pass

    in_the_child(monkeypatch, spin)
    assert too_complex(bw.minimal_xlsx(tmp_path), Limits(max_parse_seconds=1)) == "sandbox.cpu"


def test_the_memory_limit_is_a_refused_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_child(monkeypatch, lambda: bytearray(512 * MIB))
    limits = Limits(max_parse_memory=256 * MIB)
    assert too_complex(bw.minimal_xlsx(tmp_path), limits) == "sandbox.memory"


def test_the_red_teams_bomb_cannot_take_the_process_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the text limit lifted, calamine gets the 2.2 MB shared-strings bomb and aborts on a
    failed allocation (it used to abort the run, or hang with RUST_BACKTRACE set): the child
    dies, the file is refused, and the next file is read."""
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    path = bw.shared_strings_bomb(tmp_path)
    limits = Limits(max_workbook_text=10**15, max_parse_memory=512 * MIB)
    started = time.perf_counter()
    assert too_complex(path, limits) in ("sandbox.SIGABRT", "sandbox.memory")
    assert time.perf_counter() - started < 60
    assert read_workbook(bw.minimal_xlsx(tmp_path)).sheets["Sheet1"].rows == [[1.0]]


def test_rust_backtrace_is_unset_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    monkeypatch.setenv("RUST_LIB_BACKTRACE", "1")

    def report() -> None:
        seen = (os.environ.get("RUST_BACKTRACE"), os.environ.get("RUST_LIB_BACKTRACE"))
        raise safe_read._refused("file.corrupt", why=f"env {seen}")

    in_the_child(monkeypatch, report)
    with pytest.raises(FileRefused) as caught:
        read_workbook(bw.minimal_xlsx(tmp_path))
    assert caught.value.reason == "env (None, None)"
    assert os.environ["RUST_BACKTRACE"] == "1"  # the parent's own is left alone


def test_the_child_holds_none_of_the_parents_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. the writer lock, an flock: a child that outlived its parent must not hold it."""
    with (tmp_path / "writer.lock").open("w") as held:

        def report() -> None:
            try:
                os.fstat(held.fileno())
            except OSError:
                raise safe_read._refused("file.corrupt", why="closed") from None
            raise safe_read._refused("file.corrupt", why="open")

        in_the_child(monkeypatch, report)
        with pytest.raises(FileRefused) as caught:
            read_workbook(bw.minimal_xlsx(tmp_path))
    assert caught.value.reason == "closed"


def test_a_refusal_by_the_checks_wins_and_stops_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_child(monkeypatch, lambda: time.sleep(60))
    started = time.perf_counter()
    with pytest.raises(FileRefused) as caught:
        read_workbook(bw.xfd_cell(tmp_path))
    assert caught.value.reason == "sheet.range"
    assert time.perf_counter() - started < 5
    assert not safe_read._REMEMBERED  # the checks' refusal: nothing took the parser down


def test_without_a_memory_cap_the_child_parses_only_what_the_checks_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where RLIMIT_AS cannot be set, the child waits for the checks before calamine sees a byte."""
    real_confine = safe_read._confine
    monkeypatch.setattr(safe_read, "_confine", lambda *a: real_confine(*a) and False)
    marker = tmp_path / "parsed"
    in_the_child(monkeypatch, marker.touch)
    with pytest.raises(FileRefused) as caught:
        read_workbook(bw.xfd_cell(tmp_path))
    assert caught.value.issue.code == "file.too_many_cells"
    time.sleep(0.2)
    assert not marker.exists()
    assert read_workbook(bw.minimal_xlsx(tmp_path)).sheets["Sheet1"].rows == [[1.0]]
    assert marker.exists()


def test_children_are_collected(tmp_path: Path) -> None:
    path = bw.sample_return(tmp_path)
    for _ in range(5):
        read_workbook(path)
    deadline = time.monotonic() + 10
    while safe_read._EXITING and time.monotonic() < deadline:
        time.sleep(0.05)
        safe_read._reap(safe_read._EXITING)
    assert not safe_read._EXITING


def rich_workbook(path: Path) -> Path:
    """Every kind of value calamine returns, over enough rows to need several messages."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Kinds")
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    stamp = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    clock = wb.add_format({"num_format": "hh:mm:ss"})
    hours = wb.add_format({"num_format": "[h]:mm"})
    for r in range(60):
        ws.write_row(r, 0, [f"Tâl ŵy {r}", r * 1.5, r, r % 2 == 0, ""])
        ws.write_datetime(r, 5, dt.datetime(2024, 1, 1) + dt.timedelta(days=r), date)
        ws.write_datetime(r, 6, dt.datetime(2024, 1, 1, 9, 30) + dt.timedelta(hours=r), stamp)
        ws.write_number(r, 7, (r % 24) / 24, clock)
        ws.write_number(r, 8, 1.25 + r, hours)
        ws.write_formula(r, 9, "=1/0", None, "#DIV/0!")
    wb.add_worksheet("Empty")
    wb.add_worksheet("Notes").write("C3", "x")
    wb.close()
    return path


def test_the_cells_come_back_as_calamine_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rich_workbook(tmp_path / "kinds.xlsx")
    with CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())) as wb:
        direct = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                  for name in wb.sheet_names}
    monkeypatch.setattr(safe_read, "_CHUNK_CELLS", 25)  # a few rows a message
    read = read_workbook(path)
    assert list(read.sheets) == ["Kinds", "Empty", "Notes"]
    for name, sheet in read.sheets.items():
        assert sheet.cells == direct[name]
        assert [list(map(type, row)) for row in sheet.cells] == [
            list(map(type, row)) for row in direct[name]
        ]
    assert {type(v) for v in read.sheets["Kinds"].cells[5]} >= {
        str, float, bool, dt.date, dt.datetime, dt.time, dt.timedelta
    }


def test_a_return_read_in_grpc_threads_is_read(tmp_path: Path) -> None:
    """Dagster's code server evaluates the intake sensor in gRPC threads, and gRPC's fork
    handlers run in the child: when the child closed gRPC's sockets and event fds, one valid
    return in six was refused as too complex (and then remembered as such)."""
    from concurrent import futures

    import grpc

    path = bw.sample_return(tmp_path)
    seen: list[str] = []

    def handler(request: bytes, context: object) -> bytes:
        try:
            raw = read_workbook(path, sheets=lambda name: name == "Notes")
            seen.append(",".join(raw.sheets))
        except FileRefused as refused:
            seen.append(refused.reason)
        return b""

    server = grpc.server(futures.ThreadPoolExecutor(8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "t", {"read": grpc.unary_unary_rpc_method_handler(handler)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary("/t/read")
            for answer in [call.future(b"") for _ in range(100)]:
                answer.result(timeout=120)
    finally:
        server.stop(None)
    assert seen == ["Notes"] * 100
    assert not safe_read._REMEMBERED


def test_in_a_threaded_process_a_child_killed_once_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread (as in Dagster's code server) and a child that dies of a signal once, as
    gRPC's fork handlers could make it: the file is read, and nothing is remembered. A child
    that dies each time is refused after the third."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        first = tmp_path / "first_try"

        def die_the_first_time() -> None:
            if not first.exists():
                first.touch()
                os.abort()

        in_the_child(monkeypatch, die_the_first_time)
        path = bw.sample_return(tmp_path)
        assert set(read_workbook(path).sheets) == {"Data", "Notes"}
        assert first.exists() and not safe_read._REMEMBERED

        tries = tmp_path / "tries"

        def die_each_time() -> None:
            with tries.open("a") as f:
                f.write("x")
            os.abort()

        in_the_child(monkeypatch, die_each_time)
        assert too_complex(bw.minimal_xlsx(tmp_path)) == "sandbox.SIGABRT"
        assert tries.read_text() == "xxx"
    finally:
        stop.set()


# --- read_then: the check applied in the child, its answer sent back instead of the cells -------


def test_then_runs_in_the_child_on_the_workbook_read_workbook_reads(tmp_path: Path) -> None:
    """What `then` sees in the child is what read_workbook gives here: every cell, each sheet's
    formulas without a value and its layout marks (found by the checks in this process)."""
    path = bw.sample_return(tmp_path)
    merged = tmp_path / "marked.xlsx"
    with xlsxwriter.Workbook(merged) as wb:
        ws = wb.add_worksheet("Data")
        ws.merge_range("A1:C1", "Staff")
        ws.set_row(2, None, None, {"hidden": True})
        ws.write_row(1, 0, ["E001", 3.5, True])
    formulas = bw.openpyxl_formulas(tmp_path)

    def seen(raw: safe_read.RawWorkbook) -> object:
        return os.getpid(), {n: (s.rows, s.formulas_without_value, s.marks)
                             for n, s in raw.sheets.items()}

    for each in (path, merged, formulas, rich_workbook(tmp_path / "kinds.xlsx")):
        pid, answer = safe_read.read_then(each, seen)
        assert pid != os.getpid()
        assert answer == seen(read_workbook(each))[1]
        assert pickle.loads(safe_read.read_then_pickled(each, seen))[1] == answer
    assert safe_read.read_then(merged, seen)[1]["Data"][2].merged == ((0, 0, 0, 2),)
    assert any(s[1] for s in safe_read.read_then(formulas, seen)[1].values())


def test_an_exception_in_then_is_raised_here_with_the_childs_traceback(tmp_path: Path) -> None:
    def broken(raw: safe_read.RawWorkbook) -> None:
        raise KeyError("no such column")

    with pytest.raises(KeyError, match="no such column") as caught:
        safe_read.read_then(bw.minimal_xlsx(tmp_path), broken)
    assert "in the child reading the file" in "".join(caught.value.__notes__)
    assert "broken" in "".join(caught.value.__notes__)  # the child's own frames
    assert not safe_read._REMEMBERED

    class Unpicklable(Exception):
        def __reduce__(self) -> object:
            raise TypeError("cannot pickle this")

    def odd(raw: safe_read.RawWorkbook) -> None:
        raise Unpicklable("odd")

    with pytest.raises(RuntimeError, match="cannot pickle this"):
        safe_read.read_then(bw.minimal_xlsx(tmp_path), odd)


def test_a_refusal_in_then_is_the_files(tmp_path: Path) -> None:
    def refuse(raw: safe_read.RawWorkbook) -> None:
        raise safe_read._refused("file.corrupt", why="then says so")

    with pytest.raises(FileRefused) as caught:
        safe_read.read_then(bw.minimal_xlsx(tmp_path), refuse)
    assert caught.value.reason == "then says so"
    assert not safe_read._REMEMBERED


@pytest.mark.parametrize("death", ["abort", "memory"])
def test_a_child_that_dies_in_then_is_not_the_files_fault(tmp_path: Path, death: str) -> None:
    """The parse went well: the file is read again, `then` applied in this process, and nothing
    is refused or remembered (only the parse can make a file too complex)."""
    parent = os.getpid()

    def heavy(raw: safe_read.RawWorkbook) -> tuple[int, object]:
        if os.getpid() != parent:
            if death == "abort":
                os.abort()
            bytearray(512 * MIB)
        return os.getpid(), raw.sheets["Sheet1"].rows

    limits = Limits(max_parse_memory=256 * MIB)
    assert safe_read.read_then(bw.minimal_xlsx(tmp_path), heavy, limits) == (parent, [[1.0]])
    assert not safe_read._REMEMBERED


@pytest.mark.parametrize("uncapped", [False, True])
def test_with_then_a_refusal_by_the_checks_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uncapped: bool
) -> None:
    """`then` never sees a file the checks refuse, whether the child parsed it meanwhile (memory
    capped) or waited for them (uncapped)."""
    if uncapped:
        real_confine = safe_read._confine
        monkeypatch.setattr(safe_read, "_confine", lambda *a: real_confine(*a) and False)
    marker = tmp_path / "judged"
    with pytest.raises(FileRefused) as caught:
        safe_read.read_then(bw.xfd_cell(tmp_path), lambda raw: marker.touch())
    assert caught.value.reason == "sheet.range"
    with pytest.raises(FileRefused) as caught:  # refused on the parsed cells' text, in the child
        safe_read.read_then(bw.HOSTILE["nul_in_inline_cell"].build(tmp_path),
                            lambda raw: marker.touch())
    assert caught.value.reason == "text.control"
    time.sleep(0.2)
    assert not marker.exists()
    answer = safe_read.read_then(bw.minimal_xlsx(tmp_path), lambda raw: raw.sheets["Sheet1"].rows)
    assert answer == [[1.0]]


def test_the_parses_own_death_under_then_still_refuses_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_child(monkeypatch, os.abort)
    with pytest.raises(FileRefused) as caught:
        safe_read.read_then(bw.minimal_xlsx(tmp_path), lambda raw: pytest.fail("judged"))
    assert caught.value.reason == "sandbox.SIGABRT"
    assert safe_read._REMEMBERED
