"""Warm start from git: a run over a tree that has not changed since a recorded run takes that run's
discovery and per-file outcomes instead of listing, naming and stat-ing every file again.

"Not changed" is decided by git (:mod:`archguard.adapters.project_files.git_listing`): one
``git ls-files`` compares every tracked file with its index entry in C. The recorded run kept a
digest of git's whole answer (every path, its index blob id, which files differ from the index,
which are untracked); today's answer with the same digest means the same files, tracked files
holding the same blobs. The few files git cannot vouch for (untracked, or differing from the index)
are stat-ed as the facts cache would stat them, and what discovery looked up on disk beyond git's
listing (``pyvenv.cfg`` folders, ``src``) is looked up again. Anything else (git's answer not
settled, a ``--package`` run, no usable record) is an ordinary run, which records anew.

Why the recorded outcomes are those of today's bytes (docs/scanning.md, "Warm start from git"):

* a tracked file git calls clean holds its index blob's bytes (no conversion applies: see
  ``GitListing.settled``); the same blob then and now means the same bytes then and now, provided
  the recording run's outcome was of the bytes git listed. It is: a run records only when every
  file's facts-cache stamp (mtime and ctime) is older than its git listing by the racy window, so no
  file was written between git's look and the scan's;
* an untracked or changed file must show the very stat (mode, size, mtime, ctime, inode) it showed
  when recorded, not itself within the racy window then.

The record is a results-cache entry (``results-warm-state.bin``): sealed with the user's cache key
like every cache file (docs/security.md), and keyed by the options, the target and archguard's own
code. The facts are not in it: a run that needs facts (a results-cache miss) scans for real.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters.cache.cache_location import run_cache_dir, tracked_in_listing
from archguard.adapters.cache.codec import Codec
from archguard.adapters.cache.facts_cache import RACY_WINDOW_NS, FactsCache
from archguard.adapters.cache.results_cache import ResultsCache, results_key
from archguard.adapters.discovery import MODULE_SUFFIXES, Discovery, probes_hold
from archguard.adapters.parsing.lazy_facts import LazyFacts
from archguard.adapters.project_files.git_listing import GitListing
from archguard.domain.errors import ConfigError
from archguard.domain.facts import FileFacts, SyntaxIssue, UnreadableFile
from archguard.domain.sources import Member, SourceFile, SourceLayout

if TYPE_CHECKING:
    from archguard.app import Options

_STATE = "warm"
_FILE = Codec(SourceFile)
_SYNTAX = Codec(SyntaxIssue)
_UNREADABLE = Codec(UnreadableFile)
_MEMBER = Codec(Member)
_UNTRUSTED = -1  # a stat too recent to vouch for the file's bytes

Stat = tuple[int, int, int, int, int] | None  # (mode, size, mtime, ctime, inode); None: no file


@dataclass(frozen=True)
class RecordedScan:
    """What a recorded run saw: its discovery, and per file what the scan gave, as it gave it."""

    discovery: Discovery
    files: list[SourceFile]  # discovery's files after --include-loose and the name check
    badly_named: list[SourceFile]  # names that are not UTF-8 (reported unreadable)
    digests: dict[str, bytes]  # path -> outcome digest
    parsed: list[str]  # files that parsed, in order
    syntax_errors: list[SyntaxIssue]
    unreadable: list[UnreadableFile]  # as the scan reported them (the badly named not included)


class ScannedLater:
    """A recorded scan's output, shaped as the scanner's: facts come from a real scan, made when a
    file's facts are first asked for (a results-cache miss), never otherwise."""

    def __init__(self, recorded: RecordedScan, scan: Callable[[], Any]) -> None:
        self._recorded = recorded
        self._scan = scan
        self._output: Any = None
        self.cache_hits = len(recorded.digests)  # as a warm run reports: every outcome from the cache
        self.outcome_digests = recorded.digests
        self.fully_cached = True
        self.syntax_errors = recorded.syntax_errors
        self.unreadable = recorded.unreadable
        self.facts = LazyFacts(list(recorded.parsed), self._facts_of)

    def _facts_of(self, path: str) -> FileFacts | None:
        if self._output is None:
            self._output = self._scan()
        found: FileFacts | None = self._output.facts.get(path)
        return found


class WarmStart:
    """The record of one cache folder, options and target: read before a run, written after one."""

    def __init__(
        self, options: Options, root: Path, target: tuple[int, int], listing: GitListing, cache_dir: Path
    ):
        self.root = root
        self.listing = listing
        self.cache_dir = cache_dir
        self._store = ResultsCache(cache_dir)
        self._key = results_key(
            _STATE,
            os.path.realpath(root),
            tuple(options.excludes),
            tuple(options.source_roots),
            options.include_loose,
            target,
            sys.version_info[:2],
        )

    def recorded(self) -> RecordedScan | None:
        """The recorded run, when nothing it depends on has changed; else None."""
        return _recorded_scan(self._store.load_state(_STATE, self._key), self.root, self.listing)

    def output(self, recorded: RecordedScan, scan: Callable[[], Any]) -> ScannedLater:
        return ScannedLater(recorded, scan)

    def record(
        self,
        facts_cache: FactsCache,
        discovery: Discovery,
        files: list[SourceFile],
        badly_named: list[SourceFile],
        output: Any,
    ) -> None:
        """Keep this run for the next one to start from, when its outcomes are surely those of the
        bytes git listed (see the module docstring); else leave the last record as it is."""
        if not output.fully_cached or facts_cache.unwritable or facts_cache.cache_dir != self.cache_dir:
            return  # some outcome is not cached (the results are not either), or another folder
        digests: dict[str, bytes] = output.outcome_digests
        if not facts_cache.unchanged_since(digests, self.listing.listed_at_ns - RACY_WINDOW_NS):
            return
        now = time.time_ns()
        stats = []
        for path in (*self.listing.untracked, *self.listing.changed):
            if path.endswith(MODULE_SUFFIXES):
                found = _stat(self.root, path)
                recent = found is not None and now - max(found[2], found[3]) < RACY_WINDOW_NS
                stats.append((path, _UNTRUSTED if recent else found))
        encode = _FILE.encode
        self._store.save_state(
            _STATE,
            self._key,
            (
                self.listing.digest,
                tuple(stats),
                tuple(discovery.probes.items()),
                (
                    _columns(discovery.files),
                    tuple(discovery.packages),
                    tuple(discovery.package_dirs.items()),
                    tuple(map(encode, discovery.native_modules)),
                    tuple(map(encode, discovery.stubs)),
                    tuple(map(_MEMBER.encode, discovery.layout.members)),
                    discovery.layout.environments,
                    tuple((name, tuple(dirs)) for name, dirs in discovery.portions.items()),
                    tuple(discovery.notes),
                ),
                (
                    tuple(f.path for f in files),
                    tuple(map(encode, badly_named)),
                    tuple(digests.items()),
                    tuple(output.facts),  # the paths that parsed: no facts are decoded
                    tuple(map(_SYNTAX.encode, output.syntax_errors)),
                    tuple(map(_UNREADABLE.encode, output.unreadable)),
                ),
            ),
        )


def begin(
    options: Options,
    root: Path,
    target: tuple[int, int],
    listing: GitListing | None,
    cache_dir: Path | None,
) -> WarmStart | None:
    """The warm start of this run, or None when none is possible: no settled git listing, no
    cache, a cache folder git tracks (it came with the tree: never read), or ``--package``."""
    if listing is None or not listing.settled or cache_dir is None or options.packages:
        return None
    if tracked_in_listing(cache_dir, root, listing.tracks_under):
        return None
    try:
        folder = run_cache_dir(cache_dir, root, include_loose=options.include_loose)
    except ConfigError:  # the ordinary run says so, in its own order
        return None
    assert folder is not None
    return WarmStart(options, root, target, listing, folder)


def _recorded_scan(plain: Any, root: Path, listing: GitListing) -> RecordedScan | None:
    try:
        digest, stats, probes, discovered, scanned = plain
        if digest != listing.digest or not probes_hold(root, dict(probes)):
            return None
        for path, recorded in stats:
            if recorded == _UNTRUSTED or _stat(root, path) != (None if recorded is None else tuple(recorded)):
                return None
        files, packages, package_dirs, native, stubs, members, environments, portions, notes = discovered
        chosen, badly_named, digests, parsed, syntax_errors, unreadable = scanned
        decode = _FILE.decode
        discovery = Discovery(
            files=list(map(SourceFile, *files)),  # by columns: ten thousand files, built in C
            packages=list(packages),
            package_dirs=dict(package_dirs),
            native_modules=[decode(f) for f in native],
            git_tracked=None,  # asked of the listing instead (the cache folder's trust: see begin)
            stubs=[decode(f) for f in stubs],
            probes=dict(probes),
            layout=SourceLayout(
                tuple(map(_MEMBER.decode, members)), tuple((f, frozenset(n)) for f, n in environments)
            ),
            portions={name: list(dirs) for name, dirs in portions},
            notes=list(notes),
        )
        by_path = {f.path: f for f in discovery.files}
        return RecordedScan(
            discovery=discovery,
            files=[by_path[path] for path in chosen],
            badly_named=[decode(f) for f in badly_named],
            digests=dict(digests),
            parsed=list(parsed),
            syntax_errors=[_SYNTAX.decode(s) for s in syntax_errors],
            unreadable=[_UNREADABLE.decode(u) for u in unreadable],
        )
    except (TypeError, ValueError, KeyError):  # None (a miss), or a record of another shape
        return None


def _columns(files: list[SourceFile]) -> tuple[tuple[Any, ...], ...]:
    """The files as one tuple per field of :class:`SourceFile`, in its order."""
    return tuple(zip(*map(_FILE.encode, files), strict=True)) or tuple(() for _ in _FILE.names)


def _stat(root: Path, path: str) -> Stat:
    try:
        found = os.stat(os.path.join(root, path))
    except (OSError, ValueError):
        return None
    return (found.st_mode, found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
