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

On disk, per target version: a base file, ``facts-pyXY.bin`` (``blobs-pyXY.bin`` for the outcomes
of files read from git's objects, which a walk through history keeps apart from the working
tree's), and a delta file beside it, ``facts-pyXY.delta.bin``::

    base:  magic (8) | format version (u32) | extractor version (u32) | target (u8, u8)
           | schema digest (8) | base id (16) | the entries' digest (16) and length (u64) | then :func:`codec.seal`'s
           length, MAC and marshal payload of the index: path -> (size, stamp, content hash,
           where the entry is, outcome digest)
           | the entries, each a marshal payload of its own (a new one in marshal's version 0:
             the bytes its outcome digest is taken of, so that digest is the one the index holds)
    delta: the same head (magic ``AGFACTD``), sealed (base id, path -> entry or None: removed)

A run reads the index only; an entry's bytes are read when it is first used and checked against
the digest the signed index holds for them. A run that changed a few entries (one file edited in a
tree of ten thousand) writes only the delta, which names the base it applies to; when the delta
outgrows a sixteenth of the base, or a quarter of the base is gone, the base is written anew with
every entry (their bytes copied, none decoded) and the delta removed. The two layers' mechanics are
``layered.py``'s: atomic writes, a delta of another base than the one read (a writer wrote a new
base since) ignored. Any mismatch (other version, truncated, corrupted) means "no cache" for what it
covers: it is rebuilt, never trusted. A file whose MAC does not verify under this user's cache key
(:mod:`cache_key`) was not written by this archguard here: it is ignored with a notice.

Entries are plain tuples (:mod:`codec` says why not pickle), and a hit is decoded only as far as
it is used (:class:`CachedOutcome`): a warm run whose derived results are cached too never
rebuilds the facts at all. The schema digest (the domain classes' field names and enum values)
invalidates the cache by itself when a domain class gains or loses a field.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import struct
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from archguard.adapters import gc_policy
from archguard.adapters.cache.cache_key import cache_key, notice_untrusted
from archguard.adapters.cache.codec import (
    SEAL_HEAD,
    Codec,
    UntrustedData,
    content_hash,
    enum_field,
    optional,
    packed,
    rows,
    schema_digest,
    seal,
    unseal,
)
from archguard.adapters.cache.layered import BASE_ID_BYTES, Fold, Layers, new_base_id
from archguard.adapters.project_files.output_files import create_new
from archguard.adapters.project_files.safe_io import open_regular
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

if TYPE_CHECKING:
    from archguard.adapters.literal_words import LiteralWords

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
# 6: entries signed with the per-user cache key; 7: content hashes are git blob ids; 8: an index
# read at once, entries read when used, a delta file of what changed since the base; 9: classes'
# and functions' shapes (members, decorators, return annotation) one packed value per file
# (FileFacts.shapes), not three fields of each binding; 10: each kind of fact as columns
# (codec.rows: its enum's values, then the other fields of each)
FORMAT_VERSION = 10
MAGIC = b"AGFACTS\x00"
_IDENTITY = struct.Struct("<8sIIBB8s")
DEFAULT_TARGET = (3, 15)
# Files modified this recently before being cached may change again within the same mtime tick
# (coarse clocks, FAT's 2 s): such entries match by content hash only, never by stat ("racy git").
RACY_WINDOW_NS = 2_000_000_000
_NEVER_MATCHES = -1

# path -> (size, FileStamp as a plain tuple or _NEVER_MATCHES, content hash, the outcome in plain
#          form or, as bytes, where the base file holds it (_REF), outcome digest)
_Entry = tuple[int, Any, bytes, Any, bytes]


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
        # no Python step per fact to encode them (the workers encode every file's)
        "imports": rows(_IMPORT),
        "bindings": rows(_BINDING),
        "attribute_uses": rows(_ATTRIBUTE_USE),
        "dynamic": rows(_DYNAMIC),
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
# The words a whole-run step asks which files' facts may hold (``LazyFacts.paths_holding``): every
# kind of dynamic fact. :meth:`CachedOutcome.holding` answers for all of them in one small number,
# which the warm-start record keeps per file, so that asking needs no file's facts at all.
HELD_WORDS = tuple(kind.value.encode() for kind in DynamicKind)
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
    most recently used first, up to MAX_BLOB_ENTRIES).

    On disk (see the module docstring): a base file, whose index is read at once and whose entries'
    bytes are read when first used, and beside it a small file of what changed since the base was
    written. A run that changes a few entries rewrites only the small file; once it outgrows a
    sixteenth of the base, the two are written again as one base."""

    def __init__(
        self, cache_dir: Path | None, *, target: tuple[int, int] = DEFAULT_TARGET, kind: str = "facts"
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.target = target
        self.kind = kind
        self._reset()
        self._touched: set[str] = set()  # paths seen this run; the others are dropped on save
        self.unwritable = False  # saving failed: results derived from this run go uncached too
        # path -> the entry a new outcome replaced this run: what the file held before, for an
        # incremental derivation that compares the names a file binds with those it bound
        self.replaced: dict[str, _Entry] = {}

    def _reset(self) -> None:
        """Forget what was loaded (read again from disk on next use)."""
        self._entries: dict[str, _Entry] | None = None  # loaded on first use
        self._base: _BaseFile | None = None  # the base file the entries' references are into
        self._base_index: dict[str, _Entry] = {}  # the base's entries as it holds them
        self._in_delta: set[str] = set()  # paths whose entry the delta file holds
        self._changed: set[str] = set()  # paths given another entry this run
        self._dirty = False

    @property
    def file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self.kind}-py{self.target[0]}{self.target[1]}.bin"

    @property
    def delta_file(self) -> Path | None:
        """What changed since the base file was written (:attr:`file`)."""
        layers = self._layers()
        return None if layers is None else layers.delta

    def _layers(self) -> Layers | None:
        base = self.file
        return None if base is None else Layers(base, self._identity(DELTA_MAGIC))

    def select_target(self, target: tuple[int, int]) -> None:
        """Use the entries of ``target`` (outcomes differ by target: what is a syntax error)."""
        if target != self.target:
            self.target = target
            self._reset()
            self._touched.clear()
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
        plain = self._plain(entry)
        if type(plain) is not tuple or len(plain) != len(_OUTCOME.names):
            # a damaged or malformed entry is a miss, and is forgotten
            del self._load()[path]
            self._dirty = True
            return None
        if plain is not entry[3]:  # read from the base file: kept, not read again
            self._load()[path] = (*entry[:3], plain, entry[4])
        self._touched.add(path)
        return CachedOutcome(plain, entry[4], entry[2])

    def _plain(self, entry: _Entry) -> Any:
        """The entry's outcome in plain form, read from the base file when it is a reference
        there (None: it cannot be read, or its bytes are not what the index says)."""
        plain = entry[3]
        if type(plain) is bytes:
            return self._base.read(plain) if self._base is not None else None
        return plain

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
                # what the file held before, read now: the base file may be written anew later
                self.replaced[path] = (*old[:3], self._plain(old), old[4])
            entries[path] = entry
            self._changed.add(path)
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
        """Keep the entries seen this run (files no longer present are dropped): only what
        changed, in the delta file, while that stays small; else everything, as a new base."""
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
            target_file.parent.mkdir(parents=True, exist_ok=True)
            _keep_out_of_version_control(target_file.parent)
            if not self._save_delta():
                self._save_base()
        except (OSError, ValueError) as error:
            # A cache that cannot be written costs speed next time, never the result of this run.
            warnings.warn(f"archguard: cache not saved to {target_file}: {error}", stacklevel=2)
            self.unwritable = True
            return
        self._dirty = False

    def _save_delta(self) -> bool:
        """Write what differs from the base file, if there is one and the difference is small;
        False: write a new base instead."""
        base, entries, layers = self._base, self._entries, self._layers()
        if base is None or entries is None or layers is None:
            return False
        delta: dict[str, _Entry | None] = {p: None for p in self._base_index if p not in entries}
        if _GONE.due(len(delta), len(self._base_index)):
            return False
        delta.update((p, entries[p]) for p in self._in_delta | self._changed if p in entries)
        sealed = layers.seal_delta(base.id, delta)
        if _FOLD.due(len(sealed), base.area_size):
            return False
        layers.write_delta(sealed)
        self._in_delta = {p for p, e in delta.items() if e is not None}
        self._changed = set()
        return True

    def _save_base(self) -> None:
        """Every entry into a new base file (the entries' bytes copied, none decoded), then the
        delta file removed: a reader between the two sees a delta of another base, and ignores it."""
        layers = self._layers()
        assert self._entries is not None and layers is not None
        index: dict[str, _Entry] = {}
        parts: list[bytes] = []
        at = 0
        base = self._base
        for path, entry in self._entries.items():
            stored = entry[3]
            raw = base.raw(stored) if type(stored) is bytes and base is not None else None
            if raw is not None:
                check = _REF.unpack(stored)[2]  # the bytes are copied: so is their digest
            else:
                plain = self._plain(entry)
                if plain is None:
                    continue  # unreadable now: dropped, as a damaged entry is
                # In marshal's version 0, the bytes whose digest is the outcome digest
                # (:func:`outcome_digest`): the entry holds that digest already (a parser worker
                # made it), so a cold run does not hash every file's facts again here.
                raw, check = marshal.dumps(plain, 0), entry[4]
            index[path] = (*entry[:3], _REF.pack(at, len(raw), check), entry[4])
            parts.append(raw)
            at += len(raw)
        area = b"".join(parts)
        # the base's id, and the digest of all its entries' bytes (checked at once by a run that
        # reads most of them): in the signed head
        base_id = new_base_id() + content_hash(area) + struct.pack("<Q", len(area))
        head = seal(self._identity() + base_id, index, cache_key())
        layers.write_base(head + area)
        # what this run holds is the new base's now (the old base's references would not hold in
        # it): the file just written, unless another run has replaced it already
        written = _BaseFile.written(layers.base, self._identity() + base_id, len(head), len(area))
        if written is None:
            self._reset()  # read again when next needed
            return
        self._base, self._base_index = written, index
        self._entries = dict(index)
        self._in_delta, self._changed = set(), set()

    def _least_recently_used(self) -> list[str]:
        """Entries beyond MAX_BLOB_ENTRIES, those not seen this run first (insertion order)."""
        assert self._entries is not None
        over = len(self._entries) - MAX_BLOB_ENTRIES
        if over <= 0:
            return []
        return [key for key in self._entries if key not in self._touched][:over]

    def _load(self) -> dict[str, _Entry]:
        if self._entries is None:
            self._entries = self._read_files()
        return self._entries

    def _read_files(self) -> dict[str, _Entry]:
        """The base file's index (the entries' bytes stay on disk until used), with the delta
        file's entries laid over it when the delta is of this very base."""
        layers = self._layers()
        if layers is None:
            return {}
        with gc_policy.paused():  # ten thousand fresh tuples would trigger useless full collections
            opened = _BaseFile.open(layers.base, self._identity())
            if opened is None:
                return {}
            self._base, self._base_index = opened
            entries = dict(self._base_index)
            delta = layers.read_delta(self._base.id)  # None: of another base (written anew since)
        if not isinstance(delta, dict) or not all(
            e is None or (isinstance(e, tuple) and len(e) == 5) for e in delta.values()
        ):
            return entries  # no delta, or not this version's
        for path, entry in delta.items():
            if entry is None:
                entries.pop(path, None)
            else:
                entries[path] = entry
                self._in_delta.add(path)
        return entries

    def _identity(self, magic: bytes = MAGIC) -> bytes:
        return _IDENTITY.pack(magic, FORMAT_VERSION, EXTRACTOR_VERSION, *self.target, _SCHEMA_DIGEST)


# An entry's place in the base file: (offset into the entries' area, length, its bytes' digest)
_REF = struct.Struct("<QQ16s")
DELTA_MAGIC = b"AGFACTD\x00"
# a new base once the delta's bytes pass a sixteenth of the base's entries' (256 KiB at least),
# or once the entries the base holds and the delta removes pass a quarter of them (16 at least)
_FOLD = Fold(share=16, least=256 * 1024)
_GONE = Fold(share=4, least=16)
_READS_ONE_BY_ONE = 256  # entries read one by one before the whole area is read at once
_BASE_ID = BASE_ID_BYTES + 16 + 8  # a base's random id (what a delta names), its area's digest and length


class _BaseFile:
    """A base file open for reading: its id (what a delta names, then its area's digest and
    length) and its entries' area, read an entry at a time. The index was checked with the user's
    key; each entry's bytes are checked against the digest the index holds for them, so a damaged
    entry is a miss, never wrong facts.
    The file stays open: a writer replaces it (``os.replace``), never changes it in place, so what
    this run reads is the base it indexed, whatever is written since."""

    def __init__(self, descriptor: int, area_at: int, area_size: int, base_id: bytes) -> None:
        self._descriptor = descriptor
        self._area_at = area_at
        self.area_size = area_size
        self.id = base_id
        self._reads = 0
        self._area: bytes | None = None  # the whole area, once a run reads more than a few entries
        self._area_whole = False  # its digest is the one the signed head holds

    def __del__(self) -> None:
        # closed with the cache that read it: a plain descriptor, not a file object, whose
        # finaliser would warn about an unclosed file when a collection reaches it first
        with contextlib.suppress(OSError):
            os.close(self._descriptor)

    @classmethod
    def open(cls, path: Path, identity: bytes) -> tuple[_BaseFile, dict[str, _Entry]] | None:
        try:
            descriptor, status = open_regular(path)  # a FIFO or a device planted here is a miss
        except OSError:
            return None
        try:
            found = cls._read_index(descriptor, status.st_size, identity)
        except UntrustedData:
            notice_untrusted(path)
            found = None
        except OSError:
            found = None
        if found is None:
            os.close(descriptor)
            return None
        base_id, area_at, index = found
        return cls(descriptor, area_at, status.st_size - area_at, base_id), index

    @classmethod
    def written(cls, path: Path, start: bytes, area_at: int, area_size: int) -> _BaseFile | None:
        """The base file this run has just written, open for reading its entries; None when
        ``path`` holds another file now (another run's newer base). It is known by the start of its
        head (identity and random base id) and its size; its index is the one the run holds, not
        read back and unsealed again: what is read from the file later is checked against that
        index's digests, as any base's entries are."""
        try:
            descriptor, status = open_regular(path)
        except OSError:
            return None
        try:
            ours = status.st_size == area_at + area_size and _read_exactly(descriptor, 0, len(start)) == start
        except OSError:
            ours = False
        if not ours:
            os.close(descriptor)
            return None
        return cls(descriptor, area_at, area_size, start[-_BASE_ID:])

    @staticmethod
    def _read_index(
        descriptor: int, size: int, identity: bytes
    ) -> tuple[bytes, int, dict[str, _Entry]] | None:
        """(base id, where the entries' area starts, the index) of a base file of ``size`` bytes
        (None: another version, damaged, truncated or grown)."""
        # identity | base id (16), the area's digest (16) and length (8) | the index, sealed | the area
        head = _read_exactly(descriptor, 0, len(identity) + _BASE_ID + SEAL_HEAD.size)
        if head is None or head[: len(identity)] != identity:
            return None
        base_id = head[len(identity) : len(identity) + _BASE_ID]
        length = SEAL_HEAD.unpack_from(head, len(identity) + _BASE_ID)[0]
        if length > size:  # damaged: not a length to allocate
            return None
        payload = _read_exactly(descriptor, len(head), length)
        index = unseal(head + payload, identity + base_id, cache_key()) if payload is not None else None
        if not isinstance(index, dict) or not all(
            isinstance(e, tuple) and len(e) == 5 and type(e[3]) is bytes for e in index.values()
        ):
            return None  # not the shape this version writes
        area_at = len(head) + length
        if size - area_at != struct.unpack_from("<Q", base_id, 32)[0]:
            return None  # truncated, or grown: not the file that was written
        return base_id, area_at, index

    def raw(self, ref: bytes) -> bytes | None:
        """An entry's bytes as stored (None: not there, or not what the index says)."""
        try:
            offset, length, check = _REF.unpack(ref)
            if self._area is None and self._reads >= _READS_ONE_BY_ONE:
                # a run that reads many entries (every file's facts decoded) reads them at once,
                # and checks them at once when the area is whole (else one by one, as before)
                area = _read_exactly(self._descriptor, self._area_at, self.area_size) or b""
                self._area, self._area_whole = area, content_hash(area) == self.id[16:32]
            self._reads += 1
            if self._area is not None:
                data: bytes | None = self._area[offset : offset + length]
                if self._area_whole:
                    return data if data is not None and len(data) == length else None
            else:
                data = _read_exactly(self._descriptor, self._area_at + offset, length)
        except (OSError, ValueError, struct.error):
            return None
        if data is None or content_hash(data) != check:
            return None
        return data

    def read(self, ref: bytes) -> Any:
        """An entry's outcome in plain form (None: not readable)."""
        data = self.raw(ref)
        if data is None:
            return None
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None


def _read_exactly(descriptor: int, offset: int, size: int) -> bytes | None:
    """``size`` bytes at ``offset`` (None: the file ends before)."""
    chunks = []
    while size > 0:
        if hasattr(os, "pread"):
            chunk = os.pread(descriptor, size, offset)
        else:  # pragma: no cover - no pread (Windows): the descriptor is this cache's alone
            os.lseek(descriptor, offset, os.SEEK_SET)
            chunk = os.read(descriptor, size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


class CachedOutcome:
    """An outcome in the cache's form, decoded only as far as it is used: whether the file parsed
    is known at once, its facts are rebuilt only when asked for. A cache hit, or a fresh outcome a
    parser worker encoded (:func:`encode_outcome`)."""

    __slots__ = ("_decoded", "_holding", "content_hash", "outcome_digest", "plain")

    def __init__(
        self, plain: tuple, outcome_digest: bytes, content_hash: bytes = b"", holding: int = -1
    ) -> None:
        self.plain = plain
        self.outcome_digest = outcome_digest
        self.content_hash = (
            content_hash  # the blob id of the bytes it is the outcome of (b"": not known here)
        )
        self._decoded: ParseOutcome | None = None
        self._holding = holding  # :meth:`holding` once told (-1: not yet)

    def __reduce__(self) -> tuple:
        return CachedOutcome, (self.plain, self.outcome_digest, self.content_hash, self._holding)

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

    def holding(self) -> int:
        """Which of :data:`HELD_WORDS` the encoded facts may hold, one bit each (bit ``i``:
        ``HELD_WORDS[i]``), told as :meth:`may_hold` tells one word: a superset, never a miss.
        A parser worker tells it before sending the outcome (:func:`encode_outcome`), so that the
        parent, which asks it of every file it parsed (the warm-start record), does not scan each
        file's facts six times."""
        if self._holding < 0:
            facts = self.plain[_FACTS_AT]
            self._holding = 0 if facts is None else sum(1 << i for i in _held_words().found_in(facts))
        return self._holding

    def outcome(self) -> ParseOutcome:
        """Decoded once (the scanner decodes a fresh outcome as soon as it arrives)."""
        if self._decoded is None:
            self._decoded = _OUTCOME.decode(self.plain)
        return self._decoded

    def outcome_unkept(self) -> ParseOutcome:
        """Decoded for the caller, not kept here (a blob's outcome serves every commit of a walk
        through history: what each commit decodes is that commit's tree's to keep)."""
        return self._decoded if self._decoded is not None else _OUTCOME.decode(self.plain)


@functools.cache
def _held_words() -> LiteralWords:
    """:data:`HELD_WORDS`, found in one pass over the bytes, where a ``word in facts`` test each
    reads them six times (imported when first asked: a warm run may never ask)."""
    from archguard.adapters.literal_words import LiteralWords

    return LiteralWords(HELD_WORDS)


def held_in(holding: int, word: bytes) -> bool | None:
    """Whether facts whose :meth:`CachedOutcome.holding` is ``holding`` may hold ``word``; None
    when ``word`` is not one of :data:`HELD_WORDS` (or ``holding`` is not known: negative)."""
    if holding < 0 or word not in HELD_WORDS:
        return None
    return bool(holding >> HELD_WORDS.index(word) & 1)


def encode_outcome(outcome: ParseOutcome, *, holding: bool = False) -> CachedOutcome:
    """``outcome`` in the cache's form. Parser workers call this, in parallel, and send the parent
    these plain tuples (a facts payload is one bytes object, pickled as a copy) rather than
    FileFacts objects: the parent then stores them as they are and decodes each file's facts only
    when they are used (benchmarks/README.md, "Where a cold scan's time goes"). ``holding``: tell
    :meth:`CachedOutcome.holding` now (a worker's, sent with the outcome)."""
    plain = _OUTCOME.encode(outcome)
    encoded = CachedOutcome(plain, outcome_digest(plain))
    if holding:
        encoded.holding()
    return encoded


def _keep_out_of_version_control(cache_dir: Path) -> None:
    """Like ruff's and pytest's caches: a ``.gitignore`` of ``*`` so nobody commits it (made by the
    one guarded creator: never through a symlink planted there, a dangling one included)."""
    create_new(cache_dir / ".gitignore", b"# created by archguard\n*\n")
