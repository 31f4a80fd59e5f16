"""Parse every file once, in parallel, reusing the cache; broken files become outcomes, not errors.

The pipeline for the files the cache cannot answer by ``stat``:

1. **read + parse** (worker processes, each reading its own files): content hash; when it equals
   the cached hash the file is unchanged and is not parsed; otherwise decode and extract facts
   with CPython's ``ast``.
2. **judge** (one ruff run in this process): the files ``ast`` rejected, plus every parsed file
   when the target Python is older than the running interpreter (3.11 accepts ``match`` that 3.9
   does not). Ruff decides by *target* what is a syntax error.
3. **newer syntax** (workers again): files ruff judged valid but this interpreter cannot parse:
   rewritten for ``ast`` when their only novelty is PEP 695 (:mod:`downlevel`), else parsed by
   the libcst extractor.

Outcomes are stored in the cache with the judgement already applied, so a warm run repeats none of
this. The cache is saved at the end of :func:`scan_files`.
"""

from __future__ import annotations

import errno
import gc
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from stat import S_ISREG
from typing import TypeVar

from archguard.adapters.cache.facts_cache import (
    CachedOutcome,
    FactsCache,
    FileStamp,
    collecting_gc,
    content_hash,
    paused_gc,
)
from archguard.adapters.parsing import syntax_judge
from archguard.adapters.parsing.downlevel import extract_facts_downlevel
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.source_text import DEFAULT_MAX_BYTES, UnreadableSource, decode_source
from archguard.adapters.project_files.safe_io import NotRegularFile, read_regular
from archguard.domain.facts import FileFacts, ParseOutcome, SyntaxIssue, UnreadableFile
from archguard.domain.sources import SourceFile

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200
CHUNK_BYTES = 2_000_000  # per task: big enough to amortise the round trip, small enough to balance
CHUNK_MAX_FILES = 200  # and progress moves at least this often
LARGE_FILE_BYTES = 1_000_000  # parsed alone (see scan_files); files past DEFAULT_MAX_BYTES are not read

ProgressCallback = Callable[[int, int], None]
_T = TypeVar("_T")
_Item = TypeVar("_Item", bound=tuple[str, object, int])


class ScanOutput:
    """Every file's parse outcome, in the order given. Outcomes taken from the cache are decoded only
    as far as they are used: a run that needs no facts (its derived results are cached as well)
    never rebuilds them."""

    def __init__(
        self,
        results: dict[str, ParseOutcome | CachedOutcome],
        cache_hits: int,
        outcome_digests: dict[str, bytes],
        reparse: Callable[[str], ParseOutcome],
    ) -> None:
        self._results = results
        self._reparse = reparse  # for a cache entry that turns out not to decode
        self.cache_hits = cache_hits  # files whose outcome came from the cache (by stat or hash)
        # path -> digest of its outcome (facts or error), for every file whose outcome the cache holds
        self.outcome_digests = outcome_digests

    @property
    def fully_cached(self) -> bool:
        """Every outcome is in the cache: results derived from them can be cached too. False when a
        file could not be read, crashed the parser, or was judged without ruff."""
        return len(self.outcome_digests) == len(self._results)

    @cached_property
    def outcomes(self) -> dict[str, ParseOutcome]:
        outcomes: dict[str, ParseOutcome] = {}
        with paused_gc():  # hundreds of thousands of facts, kept for the whole run
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
        derivation (app/derivation.py) reads only the files it re-derives and those they consult."""
        parsed = [path for path, result in self._results.items() if _parsed(result)]
        return _LazyFacts(parsed, self._facts_of)

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


def _parsed(result: ParseOutcome | CachedOutcome) -> bool:
    return result.parsed if isinstance(result, CachedOutcome) else result.facts is not None


class _LazyFacts(Mapping[str, FileFacts]):
    """Knows which files parsed at once; decodes a file's facts on first access to it."""

    def __init__(self, paths: list[str], one: Callable[[str], FileFacts | None]) -> None:
        self._paths = paths
        self._known = set(paths)
        self._one = one
        self._facts: dict[str, FileFacts] = {}

    def __getitem__(self, path: str) -> FileFacts:
        facts = self._facts.get(path)
        if facts is not None:
            return facts
        if path not in self._known:
            raise KeyError(path)
        facts = self._one(path)
        if facts is None:  # a file re-parsed after its cache entry failed to decode, and broken now
            self._known.discard(path)
            self._paths = [p for p in self._paths if p != path]
            raise KeyError(path)
        self._facts[path] = facts
        return facts

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def __reduce__(self) -> tuple:
        return dict, (dict(self.items()),)  # pickles as the plain dict it stands for

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """What a worker learnt about one file in the read + parse step."""

    path: str
    size: int = 0
    stamp: FileStamp | None = None
    digest: bytes | None = None  # None: the file could not be read, nothing to cache by
    outcome: ParseOutcome | None = None  # None when unchanged or rejected
    unchanged: bool = False  # digest equals the cached one: reuse, do not parse
    rejected: SyntaxIssue | None = None  # CPython's complaint, pending ruff's verdict
    cacheable: bool = True


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
    jobs = max(1, jobs or os.cpu_count() or 1)
    cache.select_target(target)
    tracker = _Progress(len(files), progress)
    outcomes: dict[str, ParseOutcome | CachedOutcome | None] = {f.path: None for f in files}
    hashes: dict[str, bytes] = {}  # path -> outcome digest

    to_parse: list[tuple[str, bytes | None, int]] = []  # path, cached hash, size
    hits = 0
    with paused_gc():  # a warm run builds every file's facts from the cache here
        for source in files:
            hits += _reuse_by_stat(root, source.path, cache, outcomes, hashes, to_parse, tracker)
    tracker.flush()

    small = [item for item in to_parse if item[2] <= LARGE_FILE_BYTES]
    large = [item for item in to_parse if item[2] > LARGE_FILE_BYTES]
    with _Workers(jobs if len(small) >= PARALLEL_MIN_FILES else 1) as workers:
        parsed = workers.map_chunks(
            _parse_chunk,
            str(root),
            _chunks(small, jobs),
            on_chunk_done=tracker.advance,
            on_crash=_crashed,
        )
        # CPython's parser needs a hundred times a file's size and more (0.7 GB for a 4.7 MB list
        # literal): large files are parsed one at a time, each in a process of its own that hands
        # that memory back when it ends, so a few of them cannot exhaust a CI runner together.
        for item in large:
            parsed.extend(_isolated(_parse_chunk, str(root), [item], _crashed))
            tracker.advance(1)
        hits += _settle(root, parsed, target, cache, outcomes, hashes, workers)
    tracker.flush()
    cache.save()
    final = {path: outcome for path, outcome in outcomes.items() if outcome is not None}

    by_path = {f.path: f for f in files}

    def reparse(path: str) -> ParseOutcome:
        cache.forget(path)
        cache.save()
        again = scan_files(root, [by_path[path]], target=target, cache=FactsCache(None), jobs=1)
        return again.outcomes[path]

    return ScanOutput(final, hits, hashes, reparse)


def _reuse_by_stat(
    root: Path,
    path: str,
    cache: FactsCache,
    outcomes: dict[str, ParseOutcome | CachedOutcome | None],
    hashes: dict[str, bytes],
    to_parse: list[tuple[str, bytes | None, int]],
    tracker: _Progress,
) -> int:
    """Take the outcome from the cache when the file's stat is unchanged (returns 1 for a hit);
    otherwise queue the file for reading, with the hash it had, so it is parsed only if changed."""
    try:
        stat = os.stat(os.path.join(root, path))  # not root / path: pathlib costs 20 us a file
        if not S_ISREG(stat.st_mode):  # a FIFO, device or socket named *.py: never opened
            raise NotRegularFile(path, stat.st_mode)
    except OSError as error:
        outcomes[path] = ParseOutcome(unreadable=UnreadableFile(path, _os_reason(error)))
        tracker.advance(1)
        return 0
    cached = cache.find(path, stat.st_size, FileStamp.of(stat))
    if cached is None:
        to_parse.append((path, cache.known_hash(path), stat.st_size))
        return 0
    outcomes[path] = cached
    hashes[path] = cached.outcome_digest
    tracker.advance(1)
    return 1


def _settle(
    root: Path,
    parsed: list[_Parsed],
    target: tuple[int, int],
    cache: FactsCache,
    outcomes: dict[str, ParseOutcome | CachedOutcome | None],
    hashes: dict[str, bytes],
    workers: _Workers,
) -> int:
    """Turn the workers' results into final outcomes: cache reuse, ruff's verdicts, libcst."""
    hits = 0
    fresh: list[_Parsed] = []
    for item in parsed:
        if not item.unchanged:
            fresh.append(item)
            continue
        reused = cache.find_by_hash(item.path, item.digest) if item.digest else None
        if reused is None:  # the entry vanished (it was unusable): parse after all
            fresh.append(_parse_one(str(root), item.path, known_hash=None))
            continue
        outcomes[item.path] = reused
        hashes[item.path] = reused.outcome_digest
        assert item.stamp is not None  # an unchanged file was stat-ed to be found unchanged
        cache.restat(item.path, item.size, item.stamp)
        hits += 1

    judge_all_parsed = target < sys.version_info[:2]
    to_judge = [
        i.path
        for i in fresh
        if i.rejected or (judge_all_parsed and i.outcome is not None and i.outcome.facts is not None)
    ]
    verdicts, crashed, judge_available = _judge(root, to_judge, target)
    judged_paths = set(to_judge)

    needs_cst: list[_Parsed] = []
    final: dict[str, tuple[_Parsed, ParseOutcome, bool]] = {}
    for item in fresh:
        outcome, cacheable = item.outcome, item.cacheable
        if item.path in crashed:
            outcome, cacheable = _judge_crashed(item, target), False
        elif item.path in verdicts:
            issue = verdicts[item.path]
            if issue is not None:
                outcome = ParseOutcome(syntax_error=issue)
            elif item.rejected is not None:  # valid under the target, too new for this interpreter
                needs_cst.append(item)
                continue
        elif item.path in judged_paths:
            # No verdict (ruff missing, or it could not read the file): keep CPython's judgement,
            # but do not cache what a missing ruff may have got wrong.
            cacheable = cacheable and judge_available
            if item.rejected is not None:
                outcome = ParseOutcome(syntax_error=item.rejected)
        if outcome is not None:
            final[item.path] = (item, outcome, cacheable)

    # Where exactly each too-new construct is, by the interpreter's own grammar: files whose only
    # novelty is PEP 695 are rewritten for CPython's ast; the rest go through libcst.
    constructs = _constructs(root, [i.path for i in needs_cst])
    cst_facts = dict(
        workers.map_chunks(
            _cst_chunk,
            str(root),
            _chunks([(i.path, constructs.get(i.path), i.size) for i in needs_cst], workers.jobs),
            on_crash=lambda path: (path, None),
        )
    )
    for item in needs_cst:
        facts = cst_facts.get(item.path)
        outcome = ParseOutcome(facts=facts) if facts else ParseOutcome(syntax_error=item.rejected)
        final[item.path] = (item, outcome, item.cacheable)

    for path, (item, outcome, cacheable) in final.items():
        outcomes[path] = outcome
        if cacheable and item.digest is not None and item.stamp is not None:
            stored = cache.store(path, item.size, item.stamp, item.digest, outcome)
            if stored is not None:
                hashes[path] = stored
    return hits


def _judge(
    root: Path, paths: list[str], target: tuple[int, int]
) -> tuple[dict[str, SyntaxIssue | None], set[str], bool]:
    """Ruff's verdicts, the files that crashed ruff, and whether ruff could be asked at all."""
    if not paths:
        return {}, set(), True
    try:
        judgement = syntax_judge.judge_isolated(root, paths, target)
    except syntax_judge.JudgeUnavailable as error:
        warnings.warn(
            f"archguard: syntax errors judged by Python {sys.version_info[0]}.{sys.version_info[1]}"
            f" instead of the target {target[0]}.{target[1]}: {error.message}",
            RuntimeWarning,
            stacklevel=3,
        )
        return {}, set(), False
    return syntax_judge.first_issues(judgement), set(judgement.crashed), True


def _judge_crashed(item: _Parsed, target: tuple[int, int]) -> ParseOutcome:
    """A file whose parse crashed ruff (an expression of thousands of terms overflows its stack):
    unreadable, with the reason. Not a syntax error: the file may well be valid, only no judge could
    read it (this interpreter's verdict, if it rejected the file, is about its own older grammar)."""
    why = "ruff's parser crashed on it (an expression too deep for its stack)"
    reason = f"could not be judged for Python {target[0]}.{target[1]}: {why}"
    return ParseOutcome(unreadable=UnreadableFile(item.path, reason))


# --- per-file work (runs in worker processes) ---------------------------------------------------


def _parse_chunk(root: str, items: list[tuple[str, bytes | None, int]]) -> list[_Parsed]:
    # ast trees have no parent links, so no cycles: reference counting frees them, and the cyclic
    # collector, triggered by their millions of nodes, would only rescan the facts kept so far.
    with paused_gc():
        return [_parse_one(root, path, known_hash) for path, known_hash, _ in items]


def _parse_one(root: str, path: str, known_hash: bytes | None) -> _Parsed:
    try:
        with _deadline():
            return _read_and_parse(root, path, known_hash)
    except _DeadlinePassed:
        reason = f"took longer than {FILE_DEADLINE_S:g} s to read and parse"
        return _Parsed(path, outcome=ParseOutcome(unreadable=UnreadableFile(path, reason)), cacheable=False)


def _read_and_parse(root: str, path: str, known_hash: bytes | None) -> _Parsed:
    try:
        # Without blocking, and only a regular file: a file swapped for a FIFO or a device after
        # it was listed is reported, never waited on (docs/security.md).
        data, stat = read_regular(os.path.join(root, path), max_bytes=DEFAULT_MAX_BYTES)
        if stat.st_size > DEFAULT_MAX_BYTES:  # do not even read a 2 GB data dump
            # Same wording as decode_source, which we skip so as not to read the file.
            reason = f"too large ({stat.st_size / 1_000_000:.1f} MB)"
            return _Parsed(
                path, outcome=ParseOutcome(unreadable=UnreadableFile(path, reason)), cacheable=False
            )
    except OSError as error:
        return _Parsed(
            path, outcome=ParseOutcome(unreadable=UnreadableFile(path, _os_reason(error))), cacheable=False
        )
    digest = content_hash(data)
    done = _Parsed(path, size=stat.st_size, stamp=FileStamp.of(stat), digest=digest)
    if digest == known_hash:
        return replace(done, unchanged=True)
    try:
        source = decode_source(data)
    except UnreadableSource as error:
        return replace(done, outcome=ParseOutcome(unreadable=UnreadableFile(path, error.reason)))
    try:
        return replace(done, outcome=ParseOutcome(facts=extract_facts(source)))
    except SyntaxError as error:
        issue = _cpython_issue(path, error)
        if issue.message.startswith(_INTERPRETER_LIMITS):
            # Every CPython version refuses this (its parser's fixed limits), so it is a syntax error
            # whatever the target; asking libcst instead costs it tens of seconds and a gigabyte.
            return replace(done, outcome=ParseOutcome(syntax_error=issue))
        return replace(done, rejected=issue)
    except (RecursionError, MemoryError) as error:  # absurd nesting: CPython cannot compile it
        message = f"too deeply nested to parse ({type(error).__name__})"
        return replace(done, outcome=ParseOutcome(syntax_error=SyntaxIssue(path, 1, 1, message)))
    except Exception as error:  # noqa: BLE001 - a bug of ours must cost one file, not the scan
        reason = f"could not be analysed ({type(error).__name__}: {error})"
        return replace(done, outcome=ParseOutcome(unreadable=UnreadableFile(path, reason)), cacheable=False)


def _cst_chunk(
    root: str, items: list[tuple[str, list[SyntaxIssue] | None, int]]
) -> list[tuple[str, FileFacts | None]]:
    with collecting_gc():  # libcst's trees hold cycles
        return [(path, _cst_facts(root, path, constructs)) for path, constructs, _ in items]


def _cst_facts(root: str, path: str, constructs: list[SyntaxIssue] | None) -> FileFacts | None:
    try:
        with _deadline():
            return _cst_facts_of(root, path, constructs)
    except _DeadlinePassed:  # the caller records CPython's error instead
        return None


def _cst_facts_of(root: str, path: str, constructs: list[SyntaxIssue] | None) -> FileFacts | None:
    try:
        source = decode_source(read_regular(os.path.join(root, path))[0])
        if constructs:
            facts = extract_facts_downlevel(source, constructs)
            if facts is not None:
                return facts
        # Imported here, not at the top: libcst takes a tenth of a second to import, and most
        # runs (every warm one) never need it.
        from archguard.adapters.parsing.facts_cst import extract_facts_cst

        return extract_facts_cst(source)
    except (OSError, UnreadableSource, SyntaxError, RecursionError, MemoryError):  # CstSyntaxError too
        return None
    except Exception:  # noqa: BLE001 - a libcst or extractor bug: the caller records CPython's error instead
        return None


def _constructs(root: Path, paths: list[str]) -> dict[str, list[SyntaxIssue]]:
    """Ruff's list of what the running interpreter cannot parse, per file ({} without ruff)."""
    if not paths:
        return {}
    try:
        return syntax_judge.all_issues(root, paths, sys.version_info[:2])
    except syntax_judge.JudgeUnavailable:
        return {}


# CPython's fixed parser limits (the same in every version since 3.9), as its messages begin.
_INTERPRETER_LIMITS = (
    "too many nested parentheses",
    "too many statically nested blocks",
    "too many levels of indentation",
)


def _cpython_issue(path: str, error: SyntaxError) -> SyntaxIssue:
    return SyntaxIssue(path, error.lineno or 1, error.offset or 1, error.msg or str(error))


def _os_reason(error: OSError) -> str:
    if isinstance(error, NotRegularFile):
        return error.strerror or "not a regular file"
    if isinstance(error, PermissionError):
        return "permission denied"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(error, FileNotFoundError):  # listed a moment ago: a broken link, or gone since
        return "broken symbolic link or deleted during the scan"
    return f"cannot read: {error.strerror or error}"


def _crashed(path: str) -> _Parsed:
    reason = "could not be analysed (the parser process crashed)"
    return _Parsed(path, outcome=ParseOutcome(unreadable=UnreadableFile(path, reason)), cacheable=False)


# --- the per-file deadline ----------------------------------------------------------------------

# Reading and parsing one file (at most DEFAULT_MAX_BYTES) takes well under a second; a file that
# takes this long is blocked (a network mount, a device) or pathological, and costs only itself.
FILE_DEADLINE_S = 60.0


class _DeadlinePassed(BaseException):
    """A BaseException, so the parsers' "a bug of ours costs one file" handlers do not swallow it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _DeadlinePassed()


@contextmanager
def _deadline() -> Iterator[None]:
    """Raise :class:`_DeadlinePassed` in the work inside after FILE_DEADLINE_S, by SIGALRM. Only in a
    process's main thread (workers run their tasks there; so does the CLI), and only where POSIX
    interval timers exist; a blocking system call is interrupted, and Python code stops at once."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, FILE_DEADLINE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- scheduling ---------------------------------------------------------------------------------


def _chunks(items: list[_Item], jobs: int) -> list[list[_Item]]:
    """Groups of files of about CHUNK_BYTES each, and enough groups to keep every worker busy.
    Each item is ``(path, payload, size in bytes)``."""
    max_files = max(8, min(CHUNK_MAX_FILES, math.ceil(len(items) / (jobs * 4) if items else 1)))
    chunks: list[list[_Item]] = []
    current: list[_Item] = []
    current_bytes = 0
    for item in items:
        if current and (current_bytes + item[2] > CHUNK_BYTES or len(current) >= max_files):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += item[2]
    if current:
        chunks.append(current)
    return chunks


class _Workers:
    """A process pool when there is enough work, else this process; same interface either way."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map_chunks(
        self,
        work: Callable[[str, list], list[_T]],
        root: str,
        chunks: list[list],
        *,
        on_chunk_done: Callable[[int], None] | None = None,
        on_crash: Callable[[str], _T],
    ) -> list[_T]:
        results: list[_T] = []
        if self.jobs == 1 or len(chunks) <= 1:
            for chunk in chunks:
                results.extend(work(root, chunk))
                if on_chunk_done:
                    on_chunk_done(len(chunk))
            return results
        pool = self._ensure_pool()
        pending: dict[Future, list] = {}
        broken: list[list] = []
        for index, chunk in enumerate(chunks):
            try:
                pending[pool.submit(work, root, chunk)] = chunk
            except BrokenProcessPool:  # a worker died while we were still handing out work
                broken.extend(chunks[index:])
                break
        for future in as_completed(pending):
            chunk = pending[future]
            try:
                results.extend(future.result())
            except BrokenProcessPool:
                broken.append(chunk)
                continue
            if on_chunk_done:
                on_chunk_done(len(chunk))
        if broken:
            self._pool = None  # a dead pool cannot be reused
            for chunk in broken:
                results.extend(_isolated(work, root, chunk, on_crash))
                if on_chunk_done:
                    on_chunk_done(len(chunk))
        return results

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_worker_start)
        return self._pool


def _isolated(
    work: Callable[[str, list], list[_T]], root: str, chunk: list, on_crash: Callable[[str], _T]
) -> list[_T]:
    """A worker died (a file crashed the parser, or the OS killed it) and took the pool with it,
    failing every unfinished chunk. Retry each such chunk in a process of its own; only in the
    chunk that dies again, retry file by file, so only the guilty file is lost, and reported."""
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


def _worker_start() -> None:
    """A forked worker inherits the parent's paused cyclic collector, but keeps nothing between
    files: it needs the collector on (``_parse_chunk`` pauses it only around ast work, which makes
    no cycles; libcst's trees do make them)."""
    gc.enable()


def _in_own_process(work: Callable[[str, list], list[_T]], root: str, chunk: list) -> list[_T]:
    with ProcessPoolExecutor(max_workers=1, initializer=_worker_start) as solo:
        return solo.submit(work, root, chunk).result()


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
