"""The worker pool: work split in chunks over processes, with crash isolation and a per-file
deadline, so one file that kills its parser, or hangs it, costs that file only.

The pool knows nothing of parsing: it runs ``work(root, chunk) -> results`` for each chunk, in
this process when there is little work, else in worker processes; a chunk whose worker died is
retried in a process of its own, then file by file, and ``on_crash(path)`` stands in for the one
file that kills its process each time.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from archguard.adapters import gc_policy

CHUNK_BYTES = 2_000_000  # per task: big enough to amortise the round trip, small enough to balance
CHUNK_MAX_FILES = 200  # and progress moves at least this often
CHUNK_MIN_BYTES = 64_000  # the last tasks' size, down to which they shrink

_T = TypeVar("_T")
_Item = TypeVar("_Item", bound=tuple[str, object, int])


def chunks(items: list[_Item], jobs: int) -> list[list[_Item]]:
    """Groups of files of about CHUNK_BYTES each, and enough groups to keep every worker busy.
    Each item is ``(path, payload, size in bytes)``. The largest files go first and the groups
    shrink as the work left does (to a quarter of it per worker), so that the workers finish
    together: the last group is small, and no worker waits long for another's."""
    max_files = max(8, min(CHUNK_MAX_FILES, math.ceil(len(items) / (jobs * 4) if items else 1)))
    ordered = sorted(items, key=lambda item: item[2], reverse=True)
    left = sum(item[2] for item in ordered)
    grouped: list[list[_Item]] = []
    current: list[_Item] = []
    current_bytes = 0
    limit = _chunk_bytes(left, jobs)
    for item in ordered:
        if current and (current_bytes + item[2] > limit or len(current) >= max_files):
            grouped.append(current)
            left -= current_bytes
            limit = _chunk_bytes(left, jobs)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += item[2]
    if current:
        grouped.append(current)
    return grouped


def _chunk_bytes(left: int, jobs: int) -> int:
    return max(CHUNK_MIN_BYTES, min(CHUNK_BYTES, left // (jobs * 4)))


class Workers:
    """A process pool when there is enough work, else this process; same interface either way."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map_chunks(
        self,
        work: Callable[[str, list], list[_T]],
        root: str,
        chunked: list[list],
        *,
        on_chunk_done: Callable[[int], None] | None = None,
        on_results: Callable[[list[_T]], None] | None = None,
        on_crash: Callable[[str], _T],
    ) -> list[_T]:
        """Every chunk's results (in no particular order). ``on_results`` sees each chunk's results
        as they arrive: work done there overlaps the workers' work on the chunks still running."""
        results: list[_T] = []

        def deliver(chunk: list, done: list[_T]) -> None:
            results.extend(done)
            if on_results:
                on_results(done)
            if on_chunk_done:
                on_chunk_done(len(chunk))

        if self.jobs == 1 or len(chunked) <= 1:
            for chunk in chunked:
                deliver(chunk, work(root, chunk))
            return results
        pool = self._ensure_pool()
        pending: dict[Future, list] = {}
        broken: list[list] = []
        with gc_policy.forking():  # the first submit starts (forks) the workers
            for index, chunk in enumerate(chunked):
                try:
                    pending[pool.submit(work, root, chunk)] = chunk
                except BrokenProcessPool:  # a worker died while we were still handing out work
                    broken.extend(chunked[index:])
                    break
        for future in as_completed(pending):
            chunk = pending[future]
            try:
                done = future.result()
            except BrokenProcessPool:
                broken.append(chunk)
                continue
            deliver(chunk, done)
        if broken:
            self._pool = None  # a dead pool cannot be reused
            for chunk in broken:
                deliver(chunk, isolated(work, root, chunk, on_crash))
        return results

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=gc_policy.worker_start)
        return self._pool


def isolated(
    work: Callable[[str, list], list[_T]], root: str, chunk: list, on_crash: Callable[[str], _T]
) -> list[_T]:
    """Run one chunk in a process of its own (a worker died, a file crashed the parser or the OS
    killed it, and took the pool with it; or the chunk is one large file whose memory must go back
    to the system when it is done); if that process dies too, retry file by file, so only the
    guilty file is lost, and reported."""
    try:
        return _in_own_process(work, root, chunk)
    except BrokenProcessPool:
        pass
    results: list[_T] = []
    for item in chunk:
        try:
            results.extend(_in_own_process(work, root, [item]))
        except BrokenProcessPool:
            results.append(on_crash(item[0]))
    return results


def _in_own_process(work: Callable[[str, list], list[_T]], root: str, chunk: list) -> list[_T]:
    with ProcessPoolExecutor(max_workers=1, initializer=gc_policy.worker_start) as solo:
        with gc_policy.forking():
            submitted = solo.submit(work, root, chunk)
        return submitted.result()


# --- the per-file deadline ----------------------------------------------------------------------

# Reading and parsing one file (at most DEFAULT_MAX_BYTES) takes well under a second; a file that
# takes this long is blocked (a network mount, a device) or pathological, and costs only itself.
FILE_DEADLINE_S = 60.0


class DeadlinePassed(BaseException):
    """A BaseException, so the parsers' "a bug of ours costs one file" handlers do not swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _on_alarm(signum: int, frame: object) -> None:
    raise DeadlinePassed(FILE_DEADLINE_S)


@contextmanager
def deadline() -> Iterator[None]:
    """Raise :class:`DeadlinePassed` in the work inside after FILE_DEADLINE_S, by SIGALRM. Only in a
    process's main thread (workers run their tasks there; so does the CLI), and only where POSIX
    interval timers exist; a blocking system call is interrupted, and Python code stops at once.
    Inside :func:`deadlines` only the timer is set (the handler is in place for the whole chunk)."""
    if not _has_timers():
        yield
        return
    with deadlines():
        signal.setitimer(signal.ITIMER_REAL, FILE_DEADLINE_S)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def deadlines() -> Iterator[None]:
    """The SIGALRM handler of :func:`deadline` in place for a whole chunk of files, the caller's
    put back afterwards: per file, only the timer is set then."""
    if not _has_timers() or signal.getsignal(signal.SIGALRM) is _on_alarm:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, previous)


def _has_timers() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
