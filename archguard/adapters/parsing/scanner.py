"""Parse every file once, in parallel, reusing the cache; broken files become outcomes, not errors.

This module is the orchestration only; each step's work lives in a module of its own:

0. **reuse by stat** (here): a file whose size and stamp match its cache entry is not read.
1. **read + parse** (worker processes, :mod:`workers`; per file, :mod:`parse_file`): content
   hash; when it equals the cached hash the file is unchanged and is not parsed; otherwise decode
   and extract facts with CPython's ``ast``. Files over LARGE_FILE_BYTES one at a time.
2. **judge** (one ruff run in this process, :mod:`ruff_verdicts`): the files ``ast`` rejected,
   plus every parsed file when the target Python is older than the running interpreter (3.11
   accepts ``match`` that 3.9 does not). Ruff decides by *target* what is a syntax error.
3. **newer syntax** (workers again, :func:`parse_file.newer_chunk`): files ruff judged valid but
   this interpreter cannot parse: rewritten in place for ``ast`` by :mod:`downlevel` (PEP 695,
   696, 701, 750, 758), so that the one walk reads them; a file it cannot rewrite is reported
   unreadable by this interpreter, naming the construct and the Python that reads it.
4. **changed meanwhile**: steps 2 and 3 read the files again; a file that is no longer the version
   step 1 read is scanned again from step 1, once (docs/security.md).

Outcomes are stored in the cache with the judgement already applied, so a warm run repeats none of
this. The cache is saved at the end of :func:`scan_files`; facts are built lazily
(:mod:`lazy_facts`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from stat import S_ISREG

from archguard.adapters import gc_policy
from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, FileStamp, encode_outcome
from archguard.adapters.parsing import ruff_verdicts
from archguard.adapters.parsing.lazy_facts import LazyFacts
from archguard.adapters.parsing.parse_file import (
    Parsed,
    crashed,
    newer_chunk,
    newer_crashed,
    os_reason,
    parse_chunk,
    parse_one,
    still_as_read,
)
from archguard.adapters.parsing.workers import Workers, chunks, isolated
from archguard.adapters.project_files.safe_io import NotRegularFile, stat_in_tree
from archguard.domain.facts import FileFacts, ParseOutcome, SyntaxIssue, UnreadableFile
from archguard.domain.sources import SourceFile

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200
LARGE_FILE_BYTES = 1_000_000  # parsed alone (see _read_and_parse_all); past DEFAULT_MAX_BYTES not read

ProgressCallback = Callable[[int, int], None]
_Outcome = ParseOutcome | CachedOutcome
_ToParse = tuple[str, bytes | None, int]  # path, the content hash the cache knows, size


class ScanOutput:
    """Every file's parse outcome, in the order given. Outcomes taken from the cache, and the
    workers' fresh ones (sent in the cache's form), are decoded only as far as they are used: a run
    that needs no facts (its derived results are cached as well) never rebuilds them."""

    def __init__(
        self,
        results: dict[str, _Outcome],
        cache_hits: int,
        outcome_digests: dict[str, bytes],
        reparse: Callable[[str], ParseOutcome],
        content_hashes: dict[str, bytes] | None = None,
    ) -> None:
        self._results = results
        self._reparse = reparse  # for a cache entry that turns out not to decode
        self.cache_hits = cache_hits  # files whose outcome came from the cache (by stat or hash)
        # path -> digest of its outcome (facts or error), for every file whose outcome the cache holds
        self.outcome_digests = outcome_digests
        # path -> blob id of the bytes its cached outcome is of (warm start: adapters/warm_start.py)
        self.content_hashes = content_hashes or {}

    @property
    def fully_cached(self) -> bool:
        """Every outcome is in the cache: results derived from them can be cached too. False when a
        file could not be read, crashed the parser, or was judged without ruff."""
        return len(self.outcome_digests) == len(self._results)

    def cached_form(self, path: str) -> CachedOutcome:
        """The outcome of ``path`` in the cache's form, without decoding what the workers sent
        in that form already (``in_memory``: a commit's ten thousand blobs)."""
        result = self._results[path]
        return result if isinstance(result, CachedOutcome) else encode_outcome(result)

    @cached_property
    def outcomes(self) -> dict[str, ParseOutcome]:
        outcomes: dict[str, ParseOutcome] = {}
        with gc_policy.paused():  # hundreds of thousands of facts, kept for the whole run
            for path, result in self._results.items():
                if not isinstance(result, CachedOutcome):
                    outcomes[path] = result
                    continue
                try:
                    outcomes[path] = result.outcome()
                except Exception:  # noqa: BLE001 - a checksum-valid entry our decoder rejects: parse the file again
                    outcomes[path] = self._reparse(path)
        return outcomes

    @cached_property
    def facts(self) -> Mapping[str, FileFacts]:
        """path -> facts of every file that parsed, each decoded on first access: an incremental
        derivation (app/engine.py) reads only the files it re-derives and those they consult."""
        parsed = [path for path, result in self._results.items() if _parsed(result)]
        return LazyFacts(parsed, self._facts_of, self.may_hold)

    def may_hold(self, path: str, word: bytes) -> bool:
        """Whether the facts of ``path`` may hold ``word`` (``LazyFacts.paths_holding``'s test): a
        fresh outcome's are known; a cached one's told from its encoded bytes."""
        result = self._results[path]
        return not isinstance(result, CachedOutcome) or result.may_hold(word)

    def _facts_of(self, path: str) -> FileFacts | None:
        if "outcomes" in self.__dict__:  # everything is decoded already
            return self.outcomes[path].facts
        result = self._results[path]
        if not isinstance(result, CachedOutcome):
            return result.facts
        try:
            return result.outcome().facts
        except Exception:  # noqa: BLE001 - a checksum-valid entry our decoder rejects: parse the file again
            return self._reparse(path).facts

    @property
    def syntax_errors(self) -> list[SyntaxIssue]:
        return [r.syntax_error for r in self._results.values() if r.syntax_error is not None]

    @property
    def unreadable(self) -> list[UnreadableFile]:
        return [r.unreadable for r in self._results.values() if r.unreadable is not None]


def _parsed(result: _Outcome) -> bool:
    return result.parsed if isinstance(result, CachedOutcome) else result.facts is not None


@dataclass
class _Settled:
    """Outcomes decided by one step, the digests of those the cache holds, the cache hits, and the
    files found changed since the workers read them (no outcome yet)."""

    outcomes: dict[str, _Outcome] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)
    hashes: dict[str, bytes] = field(default_factory=dict)
    hits: int = 0
    changed: list[Parsed] = field(default_factory=list)

    def add(self, other: _Settled) -> None:
        self.outcomes.update(other.outcomes)
        self.digests.update(other.digests)
        self.hashes.update(other.hashes)
        self.hits += other.hits


def scan_files(
    root: Path,
    files: Sequence[SourceFile],
    *,
    target: tuple[int, int],
    cache: FactsCache,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> ScanOutput:
    root = Path(root)
    # Never more workers than CPUs: ``jobs`` may come from the tree's pyproject.toml (``jobs = 256``
    # would start 256 processes; docs/security.md), and more would only compete for the same cores.
    cpus = _usable_cpus()
    jobs = max(1, min(jobs or cpus, cpus))
    cache.select_target(target)
    tracker = _Progress(len(files), progress)
    with gc_policy.paused():  # a warm run builds every file's facts from the cache here
        done, to_parse = _reuse_by_stat(root, files, cache, tracker.advance)
    tracker.flush()

    small_count = sum(1 for item in to_parse if item[2] <= LARGE_FILE_BYTES)
    with Workers(jobs if small_count >= PARALLEL_MIN_FILES else 1) as workers:
        parsed = _read_and_parse_all(workers, root, to_parse, tracker.advance)
        settled = _settle(root, parsed, target, cache, workers)
        done.add(settled)
        if settled.changed:
            # Written (or deleted) between the workers' read and a later pass (ruff's verdict, the
            # newer-syntax pass): what those passes saw is another version. Scan such files again from
            # the start, once; a file that changes yet again is reported, and nothing of it cached.
            again = [(item.path, cache.known_hash(item.path), item.size) for item in settled.changed]
            settled = _settle(root, _read_and_parse_all(workers, root, again, None), target, cache, workers)
            done.add(settled)
            for item in settled.changed:
                reason = "kept changing while it was being scanned (run again once it is written)"
                done.outcomes[item.path] = ParseOutcome(unreadable=UnreadableFile(item.path, reason))
                done.digests.pop(item.path, None)
                done.hashes.pop(item.path, None)
    tracker.flush()
    cache.save()
    in_order = {f.path: done.outcomes[f.path] for f in files if f.path in done.outcomes}

    by_path = {f.path: f for f in files}

    def reparse(path: str) -> ParseOutcome:
        cache.forget(path)
        cache.save()
        again = scan_files(root, [by_path[path]], target=target, cache=FactsCache(None), jobs=1)
        return again.outcomes[path]

    return ScanOutput(in_order, done.hits, done.digests, reparse, done.hashes)


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, where the platform has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, len(affinity(0)) if affinity is not None else os.cpu_count() or 1)


def _reuse_by_stat(
    root: Path, files: Sequence[SourceFile], cache: FactsCache, advance: Callable[[int], None]
) -> tuple[_Settled, list[_ToParse]]:
    """The outcome from the cache of every file whose stat is unchanged, the outcome of every file
    that cannot be stat-ed; and the others, to be read, with the hash they had, so that they are
    parsed only if changed."""
    done = _Settled()
    to_parse: list[_ToParse] = []
    for source in files:
        path = source.path
        try:
            # not root / path: cheaper per file; a link out of ROOT is refused
            stat = stat_in_tree(os.path.join(root, path), root)
            if not S_ISREG(stat.st_mode):  # a FIFO, device or socket named *.py: never opened
                raise NotRegularFile(path, stat.st_mode)
        except OSError as error:
            done.outcomes[path] = ParseOutcome(unreadable=UnreadableFile(path, os_reason(error)))
            advance(1)
            continue
        cached = cache.find(path, stat.st_size, FileStamp.of(stat))
        if cached is None:
            to_parse.append((path, cache.known_hash(path), stat.st_size))
            continue
        done.outcomes[path] = cached
        done.digests[path] = cached.outcome_digest
        done.hashes[path] = cached.content_hash
        done.hits += 1
        advance(1)
    return done, to_parse


def _read_and_parse_all(
    workers: Workers, root: Path, items: list[_ToParse], on_done: Callable[[int], None] | None
) -> list[Parsed]:
    """The workers' read + parse of every item."""
    small = [item for item in items if item[2] <= LARGE_FILE_BYTES]
    large = [item for item in items if item[2] > LARGE_FILE_BYTES]
    parsed = workers.map_chunks(
        parse_chunk,
        str(root),
        chunks(small, workers.jobs),
        on_chunk_done=on_done,
        on_results=_decode_facts,
        on_crash=crashed,
    )
    # CPython's parser needs many times a file's size in memory (benchmarks/README.md,
    # "Measurements behind design choices"): large files are parsed one at a time, each in a
    # process of its own that hands that memory back when it ends, so a few of them cannot
    # exhaust a CI runner together.
    for item in large:
        parsed.extend(isolated(parse_chunk, str(root), [item], crashed))
        if on_done:
            on_done(1)
    return parsed


def _decode_facts(results: list[Parsed]) -> None:
    """Build the facts of each fresh file as its chunk arrives (they come encoded, in the cache's
    form): done while the workers parse the next chunks, this takes a share of the parallel phase
    rather than serial time after it; a cold run uses every file's facts."""
    with gc_policy.paused():
        for item in results:
            if isinstance(item.outcome, CachedOutcome):
                try:
                    item.outcome.outcome()  # decoded once, kept
                except Exception:  # noqa: BLE001 - ScanOutput meets it again, and parses the file again
                    continue


# One file's final outcome before it is stored: (what the worker learnt, the outcome, cacheable?)
_Final = dict[str, tuple[Parsed, _Outcome, bool]]


def _settle(
    root: Path, parsed: list[Parsed], target: tuple[int, int], cache: FactsCache, workers: Workers
) -> _Settled:
    """The workers' results turned into final outcomes: cache reuse, ruff's verdicts, newer syntax."""
    settled, fresh = _reuse_unchanged(root, parsed, cache)
    final, newer, settled.changed = _judged(root, fresh, target)
    from_newer, changed = _newer_syntax(root, newer, workers)
    final.update(from_newer)
    settled.changed += changed
    for path, (item, outcome, cacheable) in final.items():
        settled.outcomes[path] = outcome
        if cacheable and item.digest is not None and item.stamp is not None:
            stored = cache.store(path, item.size, item.stamp, item.digest, outcome)
            if stored is not None:
                settled.digests[path] = stored
                settled.hashes[path] = item.digest
    return settled


def _reuse_unchanged(root: Path, parsed: list[Parsed], cache: FactsCache) -> tuple[_Settled, list[Parsed]]:
    """The cached outcome of each file found unchanged by its content; the fresh results apart."""
    reused = _Settled()
    fresh: list[Parsed] = []
    for item in parsed:
        if not item.unchanged:
            fresh.append(item)
            continue
        cached = cache.find_by_hash(item.path, item.digest) if item.digest else None
        if cached is None:  # the entry vanished (it was unusable): parse after all
            fresh.append(parse_one(str(root), item.path, known_hash=None))
            continue
        reused.outcomes[item.path] = cached
        reused.digests[item.path] = cached.outcome_digest
        reused.hashes[item.path] = cached.content_hash
        assert item.stamp is not None  # an unchanged file was stat-ed to be found unchanged
        cache.restat(item.path, item.size, item.stamp)
        reused.hits += 1
    return reused, fresh


def _judged(
    root: Path, fresh: list[Parsed], target: tuple[int, int]
) -> tuple[_Final, list[Parsed], list[Parsed]]:
    """Ruff's verdicts applied: the final outcomes, the files valid under the target but too new
    for this interpreter (for :func:`_newer_syntax`), and the files that changed before ruff read them."""
    judge_all_parsed = target < sys.version_info[:2]
    to_judge = [
        i.path
        for i in fresh
        if i.rejected or (judge_all_parsed and i.outcome is not None and _parsed(i.outcome))
    ]
    verdicts = ruff_verdicts.judge(root, to_judge, target)
    judged_paths = set(to_judge)
    # Ruff read the files itself: its verdict counts only for the version the workers read.
    moved = {i.path for i in fresh if i.path in judged_paths and not still_as_read(str(root), i)}

    final: _Final = {}
    newer: list[Parsed] = []
    changed: list[Parsed] = []
    for item in fresh:
        outcome, cacheable = item.outcome, item.cacheable
        if item.path in moved:
            changed.append(item)
            continue
        if item.path in verdicts.crashed:
            outcome, cacheable = ruff_verdicts.crashed_outcome(item.path, target), False
        elif item.path in verdicts.issues:
            issue = verdicts.issues[item.path]
            if issue is not None:
                outcome = ParseOutcome(syntax_error=issue)
            elif item.rejected is not None:  # valid under the target, too new for this interpreter
                newer.append(item)
                continue
        elif item.path in judged_paths:
            # No verdict (ruff missing, or it could not read the file): keep CPython's judgement,
            # but do not cache what a missing ruff may have got wrong.
            cacheable = cacheable and verdicts.available
            if item.rejected is not None:
                outcome = ParseOutcome(syntax_error=item.rejected)
        if outcome is not None:
            final[item.path] = (item, outcome, cacheable)
    return final, newer, changed


def _newer_syntax(root: Path, newer: list[Parsed], workers: Workers) -> tuple[_Final, list[Parsed]]:
    """Outcomes of the files too new for this interpreter, and the files that changed before this
    pass read them. Where exactly each too-new construct is, by the interpreter's own grammar:
    :mod:`downlevel` rewrites them for CPython's ``ast``; a file it cannot rewrite is unreadable
    here (never cached: an archguard on a newer Python reads it), and so is one in which ruff
    names no construct (ruff and this interpreter disagree)."""
    if not newer:
        return {}, []
    constructs = ruff_verdicts.too_new_constructs(root, [i.path for i in newer])
    final: _Final = {}
    changed: list[Parsed] = []
    items = []
    for item in newer:
        if constructs.get(item.path):
            items.append((item.path, (constructs[item.path], item.digest), item.size))
        elif not still_as_read(str(root), item):  # ruff read another version, or none
            changed.append(item)
        else:
            outcome = ruff_verdicts.unlocated_outcome(
                item.path, item.rejected, listed=item.path in constructs
            )
            final[item.path] = (item, outcome, False)
    outcome_of = dict(
        workers.map_chunks(newer_chunk, str(root), chunks(items, workers.jobs), on_crash=newer_crashed)
    )
    by_path = {item.path: item for item in newer}
    for path, _, _ in items:
        item, result = by_path[path], outcome_of[path]
        if isinstance(result, str):  # CHANGED: this pass read another version than the workers did
            changed.append(item)
        else:
            final[path] = (item, result, item.cacheable and result.facts is not None)
    return final, changed


class _Progress:
    """Calls ``progress(done, total)``; cheap per file, so a 10,000-file warm run stays fast."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self._callback = callback
        self._reported = -1

    def advance(self, count: int) -> None:
        self.done += count
        if self._callback and (count > 1 or self.done - self._reported >= 100):
            self.flush()

    def flush(self) -> None:
        if self._callback and self.done != self._reported:
            self._reported = self.done
            self._callback(self.done, self.total)
