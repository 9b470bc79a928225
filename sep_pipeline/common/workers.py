"""Worker processes, for work that uses the other cores (reading returns ahead, writing the
per-body workbooks). Linux lets a worker die with the process that started it, so a killed run
leaves no worker behind writing or holding files.

- `pool(n)`: started afresh (spawn): the worker imports what it needs and inherits no open
  database connection, lock or thread of the run. For work that opens files or databases.
- `forked_map(fn, items, n)`: forked workers that inherit the run's memory (the pack's data is
  not copied), for pure work on that data that writes only its own files.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a worker: be killed when the process that started it dies (Linux), leave Ctrl-C to
    that process (it stops the workers), and stop quietly when it does (a forked worker
    inherits Dagster's handler, which would raise inside the pool's machinery)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform != "linux":
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` fresh worker processes."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=die_with_parent)


def release_freed_heap() -> None:
    """Give back to the system the heap Python has freed and the C allocator keeps (glibc's
    `malloc_trim`; nothing elsewhere). After the quarter's figures at ten times the national
    size the run held 952 MB of which ~790 MB was such freed heap (docs/performance.md): kept, it
    is counted again beside every forked worker."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)  # the process's C library, as `die_with_parent`
    except AttributeError:  # a C library without it
        return


_task: Callable[..., object] | None = None  # the forked workers' function (inherited)


def _call(item: object) -> object:
    assert _task is not None
    try:
        return _task(item)
    finally:
        release_freed_heap()  # what one item used, before the next


def forked_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """`map(fn, items)` over `workers` forked processes, results in order; in this process when
    `workers` is 1 or there is one item. `fn` and what it reads are inherited, not copied; each
    item and result is pickled (keep them small: a name, a path)."""
    items = list(items)
    return forked_start(fn, items, workers if len(items) > 1 else 1)()


def forked_start(fn: Callable[[T], R], items: Iterable[T], workers: int
                 ) -> Callable[[], list[R]]:
    """Start `map(fn, items)` in `workers` forked processes (no more than the items) and
    return at once, so this process can do other work meanwhile; the function returned waits
    for the results (in order). With `workers` 1 nothing starts here: the function returned
    does the work."""
    items = list(items)
    if workers <= 1 or not items or sys.platform != "linux":
        return lambda: list(map(fn, items))
    workers = min(workers, len(items))
    global _task
    _task = fn
    release_freed_heap()  # not inherited by each worker
    try:  # the workers fork now, inheriting `_task`
        p = multiprocessing.get_context("fork").Pool(workers, initializer=die_with_parent)
    finally:
        _task = None
    pending = p.map_async(_call, items, chunksize=1)

    def results() -> list[R]:
        try:
            out = pending.get()
            p.close()
        except BaseException:
            p.terminate()
            raise
        finally:
            p.join()
        return out  # type: ignore[return-value]

    return results
