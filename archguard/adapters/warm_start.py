"""Warm start, file by file: a run takes the files git (or, without git, their stat) vouches for
from a record of the last run instead of listing, naming, stat-ing or reading them again.

"Vouches" is decided by git (:mod:`archguard.adapters.project_files.git_listing`): one
``git ls-files`` compares every tracked file with its index entry in C, and lists the blob id of
each it finds unchanged. A file's recorded outcome is taken when git lists the very blob id the
record holds for it: the bytes are that blob's (no conversion applies: ``GitListing.settled``),
and the outcome is of those bytes, since the facts cache identifies every file by its blob id
(``facts_cache.blob_id``) and the record keeps an outcome only when the bytes the scan read had the
blob id git listed. No clock is involved, so a fresh clone (every file just written, git's index
settling its racily clean entries by content) starts warm as soon as a record of the same blobs
is restored with the cache. When git answers as it did for the recorded run (a digest of its whole
answer), every file the record took from that answer is vouched for at once.

A file git does not vouch for (untracked, or differing from the index; every file of a tree
without git) is taken from the record only when it shows the very stat (size, mtime, ctime,
inode) the scan saw before it read the bytes the outcome is of (the facts cache's stamp, never one
within the racy window); every other file is scanned as usual (by its stat against the facts
cache, then by content). Discovery (which files, which module names, the workspace's members and
source roots) is taken from the record when the same files are there: git lists the same paths
(whatever they hold), or, without git, every folder the walk read shows the stamp it showed then
(``discovery.folder_stamp``: a file created, removed or renamed in a folder changes it); what
discovery looked up on disk beyond the listing (``pyvenv.cfg`` folders, ``src``, the bytes of every
configuration file it read) gives the same answers; and the files not vouched for are still files.

The record is a store entry (``results-warm-state.bin``): sealed with the user's cache key like
every cache file (docs/security.md), and keyed by the options, the target and archguard's own code
(``app/keys.warm_start``). The facts are not in it: a run that needs a file's facts reads them from
the facts cache by its path and blob id. A run that took everything from the record leaves it as
it is. Beside each outcome the record keeps which kinds of dynamic fact the file's facts may hold
(``CachedOutcome.holding``): the whole-run step that looks for writes into other modules asks it
of every file, and reads only the facts of those that may.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, NamedTuple

from archguard.adapters.cache.cache_location import run_cache_dir, tracked_in_listing
from archguard.adapters.cache.codec import Codec
from archguard.adapters.cache.entries import Entry
from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, held_in
from archguard.adapters.cache.store import DiskStore
from archguard.adapters.discovery import MODULE_SUFFIXES, Discovery, exists_as_non_folder, probes_hold
from archguard.adapters.parsing.lazy_facts import LazyFacts
from archguard.adapters.project_files.git_listing import GitListing, entry_blob_id
from archguard.domain.errors import ConfigError
from archguard.domain.facts import FileFacts, SyntaxIssue, UnreadableFile
from archguard.domain.sources import Member, SourceFile, SourceLayout

if TYPE_CHECKING:  # the scanner (the parser, its workers) is loaded only when some file is scanned
    from archguard.adapters.parsing.scanner import ScanOutput

_FILE = Codec(SourceFile)
_SYNTAX = Codec(SyntaxIssue)
_UNREADABLE = Codec(UnreadableFile)
_MEMBER = Codec(Member)
_UNTRUSTED = -1  # no stat vouches for the file's bytes (too recent, or not read by this scan)
_WALKED = b"walked"  # the shape of a record whose files were listed by a walk, not by git

Stat = tuple[int, int, int, int] | None  # (size, mtime, ctime, inode) of a regular file; None: none


class Known(NamedTuple):
    """What the recorded run's scan gave one file, and what vouches for it today: git's blob id
    (a clean tracked file), else its stat."""

    # git's entry of the file (mode, blob id, path: ``GitListing.clean_entry``); b"" for a file
    # vouched for by its stat
    blob: bytes
    stat: Any  # Stat as a plain tuple, _UNTRUSTED, or None (vouched for by its blob)
    digest: bytes  # the outcome digest
    content: bytes  # the blob id of the bytes the outcome is of (facts_cache.blob_id)
    parsed: bool
    syntax_error: tuple | None  # plain SyntaxIssue
    unreadable: tuple | None  # plain UnreadableFile
    # which kinds of dynamic fact the facts may hold (``CachedOutcome.holding``): the whole-run
    # "written from elsewhere" step asks it of every file, and is answered without the facts cache
    holding: int


@dataclass(frozen=True)
class Record:
    """What a recorded run saw: git's listing's shape, discovery's lookups on disk, its discovery,
    and per file what the scan gave."""

    shape: bytes
    # git's whole answer, digested (GitListing.digest; b"" for a walk): the same answer vouches for
    # every file it vouched for then, without asking it file by file
    listed: bytes
    probes: dict[str, bool | str]
    present: dict[str, bool]  # files git did not vouch for: were they files (not folders) then?
    discovery: Discovery
    chosen: list[str]  # discovery's files after --include-loose and the name check, by path
    badly_named: list[SourceFile]
    known: dict[str, Known]


def _encode(record: Record) -> Any:
    d = record.discovery
    return (
        record.shape,
        record.listed,
        tuple(record.probes.items()),
        tuple(record.present.items()),
        (
            _columns(d.files),
            tuple(d.packages),
            tuple(d.package_dirs.items()),
            tuple(map(_FILE.encode, d.native_modules)),
            tuple(map(_FILE.encode, d.stubs)),
            tuple(map(_MEMBER.encode, d.layout.members)),
            tuple((folder, tuple(sorted(names))) for folder, names in d.layout.environments),
            tuple((name, tuple(dirs)) for name, dirs in d.portions.items()),
            tuple(d.notes),
        ),
        tuple(record.chosen),
        tuple(map(_FILE.encode, record.badly_named)),
        tuple((path, tuple(known)) for path, known in record.known.items()),
    )


def _decode(plain: Any) -> Record:
    shape, listed, probes, present, discovered, chosen, badly_named, known = plain
    files, packages, package_dirs, native, stubs, members, environments, portions, notes = discovered
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
    return Record(
        shape=bytes(shape),
        listed=bytes(listed),
        probes=dict(probes),
        present=dict(present),
        discovery=discovery,
        chosen=list(chosen),
        badly_named=[decode(f) for f in badly_named],
        known={path: Known(*entry) for path, entry in known},
    )


WARM: Entry[Record] = Entry("warm-state", _encode, _decode)


@dataclass(frozen=True)
class Recalled:
    """The outcomes of the files vouched for today, and the recorded run's discovery when git lists
    the same files (else None: discovery runs again, the vouched outcomes stand)."""

    known: dict[str, Known]
    discovery: Discovery | None = None
    files: list[SourceFile] | None = None
    badly_named: list[SourceFile] | None = None


class WarmStart:
    """The record of one cache folder and key: read before a run, written after one. ``listing``:
    git's (None: a tree without git, whose files discovery walks)."""

    def __init__(self, root: Path, listing: GitListing | None, folder: Path, key: bytes) -> None:
        self.root = root
        self.listing = listing
        self.folder = folder
        self._store = DiskStore(folder)
        self._key = key
        self._recalled: Recalled | None = None

    @property
    def _shape(self) -> bytes:
        return self.listing.shape_digest if self.listing is not None else _WALKED

    @property
    def _listed(self) -> bytes:
        return self.listing.digest if self.listing is not None else b""

    def recall(self) -> Recalled | None:
        """Each file's recorded outcome when git (or its stat) vouches for its bytes, and the
        recorded discovery when it still holds; None: no record."""
        record = self._store.load(WARM, self._key)
        if record is None:
            return None
        same_answer = self.listing is not None and record.listed == self.listing.digest
        known = self._vouched(record, same_answer)
        self._recalled = Recalled(known)
        if not same_answer and record.shape != self._shape:  # (the same answer: the same shape)
            return self._recalled
        if not probes_hold(self.root, record.probes):
            return self._recalled
        by_path = {f.path: f for f in record.discovery.files}
        for path in self._not_vouched(by_path, known):
            expected = record.present.get(path, path in by_path)
            if expected != exists_as_non_folder(os.path.join(self.root, path)):
                return self._recalled
        try:
            files = [by_path[path] for path in record.chosen]
        except KeyError:
            return self._recalled
        self._recalled = Recalled(known, record.discovery, files, record.badly_named)
        return self._recalled

    def _vouched(self, record: Record, same_answer: bool) -> dict[str, Known]:
        """The recorded outcomes git (or the file's stat) vouches for today. ``same_answer``: git
        answered as it did for the recorded run, when every entry the record took from that answer
        was clean: each still is."""
        listing = self.listing
        root = os.path.join(self.root, "")  # then root + path: a tree's worth of os.path.join saved
        known = {}
        for path, entry in record.known.items():
            if entry.blob:
                if same_answer or (listing is not None and listing.vouches(entry.blob, path)):
                    known[path] = entry
            elif (
                entry.stat is not None and entry.stat != _UNTRUSTED and _stat(root, path) == tuple(entry.stat)
            ):
                known[path] = entry
        return known

    def record(
        self,
        discovery: Discovery,
        files: Sequence[SourceFile],
        badly_named: Sequence[SourceFile],
        output: ScanOutput | WarmOutcomes,
        cache: FactsCache,
    ) -> None:
        """Keep this run for the next one to start from: per file, its outcome and what vouches
        for it (see the module docstring). Not when some outcome is not cached, nor when the run
        took every file and the discovery from the record (it holds what this run would write)."""
        if not output.fully_cached:
            return
        recalled = self._recalled
        if recalled is not None and recalled.discovery is not None and len(recalled.known) == len(files):
            return
        carried = recalled.known if recalled is not None else {}
        digests, hashes = output.outcome_digests, output.content_hashes
        parsed = output.facts
        syntax = {issue.path: issue for issue in output.syntax_errors}
        unreadable = {u.path: u for u in output.unreadable}
        listing = self.listing
        known: dict[str, Known] = {}
        for file in files:
            path = file.path
            if path in carried:  # vouched for this run: what vouched for it still does
                known[path] = carried[path]
                continue
            content = hashes.get(path, b"")
            blob = listing.clean_entry(path) if listing is not None else None
            if blob is not None:
                if content.hex() != entry_blob_id(blob):
                    continue  # the file changed between git's look and the scan's read
                stat: Any = None
            else:
                # the stat the scan took before reading the bytes its outcome is of, not one taken
                # now: a file written since the scan read it must not be vouched for
                read = cache.read_stamp(path)
                stat = (read[0], *read[1]) if read is not None and read[2] == content else _UNTRUSTED
                blob = b""
            issue, gone = syntax.get(path), unreadable.get(path)
            known[path] = Known(
                blob,
                stat,
                digests[path],
                content,
                path in parsed,
                None if issue is None else _SYNTAX.encode(issue),
                None if gone is None else _UNREADABLE.encode(gone),
                output.cached_form(path).holding() if path in parsed else 0,
            )
        present = {
            path: exists_as_non_folder(os.path.join(self.root, path)) for path in self._not_vouched({}, {})
        }
        self._store.save(
            WARM,
            self._key,
            Record(
                self._shape,
                self._listed,
                dict(discovery.probes),
                present,
                discovery,
                [f.path for f in files],
                list(badly_named),
                known,
            ),
        )

    def _not_vouched(self, recorded: Iterable[str], known: Container[str]) -> Iterable[str]:
        """The module files whose presence no stamp vouches for: those git lists but does not
        vouch for (untracked, or differing from the index); without git, the recorded files whose
        stat no longer vouches for them (their folders' stamps say no file came or went, but a
        link may lead to a folder now)."""
        if self.listing is None:
            yield from (path for path in recorded if path not in known)
            return
        for path in (*self.listing.untracked, *self.listing.changed):
            if path.endswith(MODULE_SUFFIXES):
                yield path


def begin(
    root: Path,
    listing: GitListing | None,
    cache_dir: Path | None,
    *,
    packages: Sequence[str],
    include_loose: bool,
    key: bytes,
) -> WarmStart | None:
    """The warm start of this run, or None when none is possible: a git listing that is not settled,
    no cache, a cache folder git tracks (it came with the tree: never read), or ``--package``.
    ``listing`` None: a tree without git (git was asked), whose files discovery walks."""
    if (listing is not None and not listing.settled) or cache_dir is None or packages:
        return None
    if listing is not None and tracked_in_listing(cache_dir, root, listing.tracks_under):
        return None
    try:
        folder = run_cache_dir(cache_dir, root, include_loose=include_loose)
    except ConfigError:  # the ordinary run says so, in its own order
        return None
    assert folder is not None
    return WarmStart(root, listing, folder, key)


class WarmOutcomes:
    """Every file's outcome, shaped as the scanner's: the files the record vouches for from it (no
    file read), the others as the scanner gave them. Facts are decoded when first asked for, a
    vouched file's from the facts cache by its path and blob id (``rescan``: a file whose entry is
    gone is scanned)."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        known: dict[str, Known],
        scanned: ScanOutput | None,
        facts: FactsCache,
        rescan: Callable[[list[SourceFile]], ScanOutput],
    ) -> None:
        self._known = known
        self._scanned = scanned
        self._facts_cache = facts
        self._rescan = rescan
        self._by_path = {f.path: f for f in files}
        digests = {path: k.digest for path, k in known.items()}
        hashes = {path: k.content for path, k in known.items()}
        self.syntax_errors = [_SYNTAX.decode(k.syntax_error) for k in known.values() if k.syntax_error]
        self.unreadable = [_UNREADABLE.decode(k.unreadable) for k in known.values() if k.unreadable]
        self.cache_hits = len(known)
        scanned_facts: Any = ()
        if scanned is not None:
            digests.update(scanned.outcome_digests)
            hashes.update(scanned.content_hashes)
            self.syntax_errors += scanned.syntax_errors
            self.unreadable += scanned.unreadable
            self.cache_hits += scanned.cache_hits
            scanned_facts = scanned.facts
        self.outcome_digests = digests
        self.content_hashes = hashes
        self.fully_cached = len(digests) == len(files)
        parsed = [
            f.path for f in files if (known[f.path].parsed if f.path in known else f.path in scanned_facts)
        ]
        self.facts = LazyFacts(parsed, self._facts_of, self._may_hold)

    def _may_hold(self, path: str, word: bytes) -> bool:
        """Whether the file's facts may hold ``word``, told from their encoded bytes when the
        facts cache has them (``CachedOutcome.may_hold``); a superset."""
        known = self._known.get(path)
        if known is None:
            assert self._scanned is not None
            return self._scanned.may_hold(path, word)
        told = held_in(known.holding, word)  # from the record: no facts-cache entry read
        if told is not None:
            return told
        cached = self._facts_cache.outcome(path, known.content)
        return cached is None or cached.may_hold(word)

    def cached_form(self, path: str) -> CachedOutcome:
        """The outcome of a file this run scanned, in the cache's form (``ScanOutput.cached_form``);
        a vouched file's from the facts cache, or scanned again when its entry is gone (a facts
        cache damaged or replaced since the record was written)."""
        known = self._known.get(path)
        if known is None:
            assert self._scanned is not None
            return self._scanned.cached_form(path)
        found = self._facts_cache.outcome(path, known.content)
        return found if found is not None else self._rescanned(path).cached_form(path)

    def _facts_of(self, path: str) -> FileFacts | None:
        known = self._known.get(path)
        if known is None:
            assert self._scanned is not None
            return self._scanned.facts.get(path)
        cached = self._facts_cache.outcome(path, known.content)
        if cached is not None:
            try:
                return cached.outcome().facts
            except Exception:  # noqa: BLE001 - a checksum-valid entry our decoder rejects: scan the file
                self._facts_cache.forget(path)
        return self._rescanned(path).facts.get(path)

    def _rescanned(self, path: str) -> ScanOutput:
        """A vouched file scanned after all: the facts cache no longer holds (a usable) entry."""
        return self._rescan([self._by_path[path]])


def _columns(files: list[SourceFile]) -> tuple[tuple[Any, ...], ...]:
    """The files as one tuple per field of :class:`SourceFile`, in its order."""
    return tuple(zip(*map(_FILE.encode, files), strict=True)) or tuple(() for _ in _FILE.names)


def _stat(root: str, path: str) -> Stat:
    """``root``: ROOT with a trailing separator."""
    try:
        found = os.stat(root + path)
    except (OSError, ValueError):
        return None
    if not S_ISREG(found.st_mode):  # a FIFO or a folder now: the scan says what it is
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
