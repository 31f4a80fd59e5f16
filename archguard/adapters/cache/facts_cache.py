"""Per-file parse outcomes cached between runs, keyed by path + content hash.

The content hash is git's blob id of the file's bytes (:func:`blob_id`): a file git calls
unchanged against its index, with a known blob id, can be matched to its outcome without being
read or even stat-ed (the per-file warm start, adapters/warm_start.py), and a file read out of a
commit (``Engine.at_commit``) by the blob id git lists for it.

A warm run must not even read unchanged files, so an entry first matches by ``stat`` (size,
mtime, ctime and inode, as git's index does: a ``cp -p`` or ``rsync -t`` that keeps the mtime
still changes the ctime, a symlink pointed elsewhere the inode); when the stat differs the caller
reads the file and the entry still matches by content hash (a ``touch`` or a checkout of the same
content costs a read, never a parse).

On disk: one file per target version, ``facts-pyXY.bin`` (``blobs-pyXY.bin`` for the outcomes of
files read from git's objects, which a walk through history keeps apart from the working tree's)::

    magic (8) | format version (u32) | extractor version (u32) | target (u8, u8)
    | schema digest (8) | then :func:`codec.seal`'s length, MAC and marshal payload

written to a temp file and ``os.replace``d, so a concurrent reader sees the old or the new file,
never half of one. Any mismatch (other version, truncated, corrupted) means "no cache": it is
rebuilt, never trusted. A file whose MAC does not verify under this user's cache key
(:mod:`cache_key`) was not written by this archguard here: it is ignored with a notice.

Entries are plain tuples (:mod:`codec` says why not pickle), and a hit is decoded only as far as
it is used (:class:`CachedOutcome`): a warm run whose derived results are cached too never
rebuilds the facts at all. The schema digest (the domain classes' field names and enum values)
invalidates the cache by itself when a domain class gains or loses a field.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from archguard.adapters import gc_policy
from archguard.adapters.cache.cache_key import cache_key, notice_untrusted
from archguard.adapters.cache.codec import (
    Codec,
    UntrustedData,
    content_hash,
    enum_field,
    many,
    optional,
    packed,
    schema_digest,
    seal,
    unseal,
)
from archguard.adapters.project_files.output_files import create_new, write_atomically
from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    DynamicFact,
    DynamicKind,
    FileFacts,
    ImportFact,
    ImportKind,
    ParseOutcome,
    SyntaxIssue,
    UnreadableFile,
)

# Bump when the extractors' output changes: every cached outcome is then recomputed.
# 5: newer syntax (PEP 701/750/758, dotted PEP 695 bounds) down-levelled for ast rather than read
# by libcst; same facts, but a file libcst could not hold (too deep) may now have them.
# 6: one walk; a handler's ``A | B`` read as the types it lists (downlevel's PEP 758 form).
# 7: analysed files parsed with their own warnings silenced: under PYTHONWARNINGS=error an invalid
# escape sequence made a valid file unreadable, and that outcome may have been cached.
# 8: classes keep their members and decorators, functions their parameters, decorators and return
# annotation (what discover compares between two definitions of one name).
# 9: ImportFact.lazy (PEP 810 ``lazy import``, read from 3.15 syntax rewritten for older ``ast``).
# 10: ``dynamic`` facts (namespace escapes, __path__ growth, sys.modules registrations) replace
# the writes_globals and registers_submodules flags.
# 11: module-level decorators are calls at import time (DynamicKind.CALLS); writes into
# ``sys.modules[computed]`` are CALLER_NAMESPACE; reads of ``m.__dict__`` hand nothing on.
EXTRACTOR_VERSION = 11
# 6: entries signed with the per-user cache key; 7: content hashes are git blob ids
FORMAT_VERSION = 7
MAGIC = b"AGFACTS\x00"
_IDENTITY = struct.Struct("<8sIIBB8s")
DEFAULT_TARGET = (3, 15)
# Files modified this recently before being cached may change again within the same mtime tick
# (coarse clocks, FAT's 2 s): such entries match by content hash only, never by stat ("racy git").
RACY_WINDOW_NS = 2_000_000_000
_NEVER_MATCHES = -1

# path -> (size, FileStamp as a plain tuple or _NEVER_MATCHES, content hash, encoded outcome,
#          outcome digest)
_Entry = tuple[int, Any, bytes, tuple, bytes]


class FileStamp(NamedTuple):
    """What must be unchanged, besides the size, for a file to be trusted unchanged unread."""

    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _trusted(stamp: FileStamp) -> Any:
    """The stamp to match by next time; never one so recent the file may change within its tick."""
    # The mtime alone decides: a later write within the same tick would change it (or leave a
    # recent one, which is never trusted), whatever the ctime says.
    if time.time_ns() - stamp.mtime_ns < RACY_WINDOW_NS:
        return _NEVER_MATCHES
    return tuple(stamp)  # marshal stores plain tuples only


def blob_id(data: bytes) -> bytes:
    """git's id of a blob holding ``data`` (SHA-1 object format): the content hash of every file."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.digest()


# How many outcomes of blobs (``kind="blobs"``) are kept, most recently used first: a few history
# walks' worth of distinct file versions.
MAX_BLOB_ENTRIES = 200_000


def outcome_digest(plain: tuple) -> bytes:
    """Identifies what parsing a file gave (its facts, or its error): everything derived from a
    scan is a function of these, so two contents with the same facts (an edit to one line of a
    function body, a comment) derive the same results."""
    # format version 0: the same facts give the same bytes however they were built (the later
    # versions write back-references and "interned" strings where the objects happen to allow)
    return content_hash(marshal.dumps(plain, 0))


_IMPORT = Codec(ImportFact, {"kind": enum_field(ImportKind)})
_BINDING = Codec(Binding, {"kind": enum_field(BindingKind)})
_ATTRIBUTE_USE = Codec(AttributeUse)
_DYNAMIC = Codec(DynamicFact, {"kind": enum_field(DynamicKind)})
_FACTS = Codec(
    FileFacts,
    {
        "imports": many(_IMPORT),
        "bindings": many(_BINDING),
        "attribute_uses": many(_ATTRIBUTE_USE),
        "dynamic": many(_DYNAMIC),
    },
)
_SYNTAX_ISSUE = Codec(SyntaxIssue)
_UNREADABLE = Codec(UnreadableFile)
_OUTCOME = Codec(
    ParseOutcome,
    {
        "facts": packed(_FACTS),  # the bulk of the cache, parsed only for the files whose facts are used
        "syntax_error": optional(_SYNTAX_ISSUE),
        "unreadable": optional(_UNREADABLE),
    },
)
_FACTS_AT, _SYNTAX_ERROR_AT, _UNREADABLE_AT = map(_OUTCOME.index, ("facts", "syntax_error", "unreadable"))
_SCHEMA_DIGEST = schema_digest(
    _IMPORT,
    _BINDING,
    _ATTRIBUTE_USE,
    _DYNAMIC,
    _FACTS,
    _OUTCOME,
    enums=(ImportKind, BindingKind, DynamicKind),
)


# --- the cache --------------------------------------------------------------------------------


class FactsCache:
    """``FactsCache(None)`` caches nothing (``--no-cache``): every lookup misses, save does nothing.

    ``kind``: "facts", the working tree's files by path (an entry not seen in a run is dropped when
    it saves); "blobs", files read from git's objects, by ``blob id:path`` (kept across runs, the
    most recently used first, up to MAX_BLOB_ENTRIES)."""

    def __init__(
        self, cache_dir: Path | None, *, target: tuple[int, int] = DEFAULT_TARGET, kind: str = "facts"
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.target = target
        self.kind = kind
        self._entries: dict[str, _Entry] | None = None  # loaded on first use
        self._touched: set[str] = set()  # paths seen this run; the others are dropped on save
        self._dirty = False
        self.unwritable = False  # saving failed: results derived from this run go uncached too
        # path -> the entry a new outcome replaced this run: what the file held before, for an
        # incremental derivation that compares the names a file binds with those it bound
        self.replaced: dict[str, _Entry] = {}

    @property
    def file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self.kind}-py{self.target[0]}{self.target[1]}.bin"

    def select_target(self, target: tuple[int, int]) -> None:
        """Use the entries of ``target`` (outcomes differ by target: what is a syntax error)."""
        if target != self.target:
            self.target = target
            self._entries = None
            self._touched.clear()
            self._dirty = False
            self.replaced.clear()

    # --- lookups ------------------------------------------------------------------------------

    def find(self, path: str, size: int, stamp: FileStamp) -> CachedOutcome | None:
        """The cached outcome when the file's stat is unchanged: the file need not be read."""
        entry = self._load().get(path)
        if entry is None or entry[0] != size or entry[1] != stamp:
            return None
        return self._hit(path, entry)

    def find_by_hash(self, path: str, content_hash: bytes) -> CachedOutcome | None:
        """The cached outcome when the file's content is unchanged (its stat may differ)."""
        entry = self._load().get(path)
        if entry is None or entry[2] != content_hash:
            return None
        return self._hit(path, entry)

    def keep(self, paths: Iterable[str]) -> None:
        """Keep these paths' entries when saving, though this run did not look them up (their
        outcomes came from the warm-start record: git vouched for their bytes)."""
        self._touched.update(paths)

    def read_stamp(self, path: str) -> tuple[int, tuple[int, int, int], bytes] | None:
        """(size, stamp, content hash) of the read that gave ``path``'s entry: the stat taken
        before the bytes were read, which vouches for them while the file shows it (None: no
        entry, or a stamp too recent to vouch for anything)."""
        if self._entries is None:
            return None  # nothing was looked up this run
        entry = self._entries.get(path)
        if entry is None or entry[1] == _NEVER_MATCHES:
            return None
        return entry[0], tuple(entry[1]), entry[2]

    def known_hash(self, path: str) -> bytes | None:
        """The content hash cached for ``path``, so a worker can tell "unchanged" without parsing."""
        entry = self._load().get(path)
        return entry[2] if entry is not None else None

    def _hit(self, path: str, entry: _Entry) -> CachedOutcome | None:
        plain = entry[3]
        if type(plain) is not tuple or len(plain) != len(_OUTCOME.names):
            del self._load()[path]  # a checksum-valid but malformed entry is a miss, and is forgotten
            self._dirty = True
            return None
        self._touched.add(path)
        return CachedOutcome(plain, entry[4], entry[2])

    def store(
        self,
        path: str,
        size: int,
        stamp: FileStamp,
        content_hash: bytes,
        outcome: ParseOutcome | CachedOutcome,
    ) -> bytes | None:
        """Remember ``outcome`` (as is when a worker encoded it already: :func:`encode_outcome`);
        returns its digest (None when nothing is cached)."""
        if self.cache_dir is None:
            return None
        encoded = outcome if isinstance(outcome, CachedOutcome) else encode_outcome(outcome)
        self._put(path, (size, _trusted(stamp), content_hash, encoded.plain, encoded.outcome_digest))
        return encoded.outcome_digest

    def restat(self, path: str, size: int, stamp: FileStamp) -> None:
        """The file was found unchanged by content although its stat changed (a ``touch``, a
        fresh checkout): remember the new stat so the next run need not read it."""
        entry = self._load().get(path)
        if entry is not None and self.cache_dir is not None:
            self._put(path, (size, _trusted(stamp), *entry[2:]))

    def _put(self, path: str, entry: _Entry) -> None:
        entries = self._load()
        old = entries.get(path)
        if old != entry:
            if old is not None and old[2] != entry[2] and path not in self.replaced:
                self.replaced[path] = old
            entries[path] = entry
            self._dirty = True
        self._touched.add(path)

    def outcome(self, path: str, content_hash: bytes) -> CachedOutcome | None:
        """The outcome stored for ``path`` with this content hash, found without a stat (the file
        is known to hold these bytes: git vouched for its blob id); kept as seen this run."""
        return self.find_by_hash(path, content_hash)

    def previous(self, path: str) -> CachedOutcome | None:
        """What ``path`` held before this run replaced its entry (None: nothing was replaced)."""
        entry = self.replaced.get(path)
        if entry is None or type(entry[3]) is not tuple or len(entry[3]) != len(_OUTCOME.names):
            return None
        return CachedOutcome(entry[3], entry[4], entry[2])

    def forget(self, path: str) -> None:
        """Drop an entry found unusable after it was handed out (it is re-parsed instead)."""
        if self._load().pop(path, None) is not None:
            self._dirty = True
        self._touched.discard(path)

    # --- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        """Write the entries seen this run (files no longer present are dropped), atomically."""
        target_file = self.file
        if target_file is None or self._entries is None:
            return
        if self.kind == "blobs":
            stale: set[str] | list[str] = self._least_recently_used()
        else:
            stale = self._entries.keys() - self._touched
        if not self._dirty and not stale:
            return
        for path in stale:
            del self._entries[path]
        try:
            data = seal(self._identity(), self._entries, cache_key())
            target_file.parent.mkdir(parents=True, exist_ok=True)
            _keep_out_of_version_control(target_file.parent)
            write_atomically(target_file, data)
        except (OSError, ValueError) as error:
            # A cache that cannot be written costs speed next time, never the result of this run.
            warnings.warn(f"archguard: cache not saved to {target_file}: {error}", stacklevel=2)
            self.unwritable = True
            return
        self._dirty = False

    def _least_recently_used(self) -> list[str]:
        """Entries beyond MAX_BLOB_ENTRIES, those not seen this run first (insertion order)."""
        assert self._entries is not None
        over = len(self._entries) - MAX_BLOB_ENTRIES
        if over <= 0:
            return []
        return [key for key in self._entries if key not in self._touched][:over]

    def _load(self) -> dict[str, _Entry]:
        if self._entries is None:
            self._entries = self._read_file()
        return self._entries

    def _read_file(self) -> dict[str, _Entry]:
        target_file = self.file
        if target_file is None:
            return {}
        try:
            data, _ = read_regular(target_file)  # a FIFO or a device planted here is a miss
        except OSError:
            return {}
        try:
            with gc_policy.paused():  # a million fresh tuples would trigger useless full collections
                entries = unseal(data, self._identity(), cache_key())
        except UntrustedData:
            notice_untrusted(target_file)
            return {}
        if not isinstance(entries, dict) or not all(
            isinstance(e, tuple) and len(e) == 5 for e in entries.values()
        ):
            return {}  # None (another version, damaged) or not the shape this version writes
        return entries

    def _identity(self) -> bytes:
        return _IDENTITY.pack(MAGIC, FORMAT_VERSION, EXTRACTOR_VERSION, *self.target, _SCHEMA_DIGEST)


class CachedOutcome:
    """An outcome in the cache's form, decoded only as far as it is used: whether the file parsed
    is known at once, its facts are rebuilt only when asked for. A cache hit, or a fresh outcome a
    parser worker encoded (:func:`encode_outcome`)."""

    __slots__ = ("_decoded", "content_hash", "outcome_digest", "plain")

    def __init__(self, plain: tuple, outcome_digest: bytes, content_hash: bytes = b"") -> None:
        self.plain = plain
        self.outcome_digest = outcome_digest
        self.content_hash = (
            content_hash  # the blob id of the bytes it is the outcome of (b"": not known here)
        )
        self._decoded: ParseOutcome | None = None

    def __reduce__(self) -> tuple:
        return CachedOutcome, (self.plain, self.outcome_digest, self.content_hash)

    @property
    def parsed(self) -> bool:
        return self.plain[_FACTS_AT] is not None

    @property
    def syntax_error(self) -> SyntaxIssue | None:
        plain = self.plain[_SYNTAX_ERROR_AT]
        return None if plain is None else _SYNTAX_ISSUE.decode(plain)

    @property
    def unreadable(self) -> UnreadableFile | None:
        plain = self.plain[_UNREADABLE_AT]
        return None if plain is None else _UNREADABLE.decode(plain)

    def may_hold(self, word: bytes) -> bool:
        """Whether the facts may hold the string ``word`` (a DynamicKind value, say), told from
        their encoded bytes without decoding them: marshal writes every string's UTF-8 bytes
        once, so a file whose bytes lack it cannot hold it (a superset, never a miss)."""
        facts = self.plain[_FACTS_AT]
        return facts is not None and (self._decoded is not None or word in facts)

    def outcome(self) -> ParseOutcome:
        """Decoded once (the scanner decodes a fresh outcome as soon as it arrives)."""
        if self._decoded is None:
            self._decoded = _OUTCOME.decode(self.plain)
        return self._decoded

    def outcome_unkept(self) -> ParseOutcome:
        """Decoded for the caller, not kept here (a blob's outcome serves every commit of a walk
        through history: what each commit decodes is that commit's tree's to keep)."""
        return self._decoded if self._decoded is not None else _OUTCOME.decode(self.plain)


def encode_outcome(outcome: ParseOutcome) -> CachedOutcome:
    """``outcome`` in the cache's form. Parser workers call this, in parallel, and send the parent
    these plain tuples (a facts payload is one bytes object, pickled as a copy) rather than
    FileFacts objects: the parent then stores them as they are and decodes each file's facts only
    when they are used (benchmarks/README.md, "Where a cold scan's time goes")."""
    plain = _OUTCOME.encode(outcome)
    return CachedOutcome(plain, outcome_digest(plain))


def _keep_out_of_version_control(cache_dir: Path) -> None:
    """Like ruff's and pytest's caches: a ``.gitignore`` of ``*`` so nobody commits it (made by the
    one guarded creator: never through a symlink planted there, a dangling one included)."""
    create_new(cache_dir / ".gitignore", b"# created by archguard\n*\n")
