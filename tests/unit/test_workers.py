"""The worker pool's promise: a file whose parser process dies costs that file only. Its chunk is
retried in a process of its own, then file by file; every other file's results arrive, each chunk
is reported done once, and ``on_crash`` stands in for the guilty file."""

from __future__ import annotations

import os

import pytest

from archguard.adapters.parsing.workers import Workers, chunks


def _work(root: str, chunk: list[tuple[str, object, int]]) -> list[str]:
    """Stands in for parse_chunk: a file named like a crash kills its process, as a parser
    crash (or the OS killing a worker) would."""
    results = []
    for path, _, _ in chunk:
        if "crash" in path:
            os._exit(70)
        results.append(f"{root}:{path}")
    return results


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_file_is_accounted_for_when_one_kills_its_process(jobs: int) -> None:
    items = [(f"pkg/m{i}.py", None, 1000 + i) for i in range(40)]
    if jobs == 2:  # in this process (jobs 1) a crash would end the test run itself
        items.append(("pkg/crash.py", None, 1500))
    grouped = chunks(items, jobs)
    assert len(grouped) > 1
    done_counts: list[int] = []
    seen: list[str] = []
    with Workers(jobs) as workers:
        results = workers.map_chunks(
            _work, "R", grouped,
            on_chunk_done=done_counts.append,
            on_results=seen.extend,
            on_crash=lambda path: f"crashed:{path}",
        )
    expected = {f"R:{path}" for path, _, _ in items if "crash" not in path}
    if jobs == 2:
        expected.add("crashed:pkg/crash.py")
    assert sorted(results) == sorted(expected)
    assert sorted(seen) == sorted(expected)  # on_results saw each result once, crash included
    assert sum(done_counts) == len(items) and len(done_counts) == len(grouped)


def _frozen_in_worker(root: str, chunk: list[tuple[str, object, int]]) -> list[int]:
    import gc

    return [gc.get_freeze_count()] * len(chunk)


def test_a_worker_keeps_what_it_inherits_out_of_its_collections() -> None:
    """A worker's collector must not scan the objects it inherits from its parent (all in the
    youngest generation when the parent's collector is off: the first collection would scan them
    all and copy every page they lie on). They are frozen in the worker; the parent's own are
    as they were, frozen or not (the language server freezes what its engine holds)."""
    import gc

    items = [(f"pkg/m{i}.py", None, 1000) for i in range(40)]
    grouped = chunks(items, 2)
    assert len(grouped) > 1 and gc.get_freeze_count() == 0
    with Workers(2) as workers:
        counts = workers.map_chunks(_frozen_in_worker, "R", grouped, on_crash=lambda path: -1)
    assert len(counts) == len(items) and min(counts) > 0
    assert gc.get_freeze_count() == 0

    kept = [[n] for n in range(1000)]  # a long-lived process's own, frozen by itself
    gc.freeze()
    try:
        with Workers(2) as workers:
            counts = workers.map_chunks(_frozen_in_worker, "R", grouped, on_crash=lambda path: -1)
        assert min(counts) > 0 and gc.get_freeze_count() > 0  # not unfrozen here
    finally:
        gc.unfreeze()
    assert kept
