"""One file, read and parsed: what a worker process does for each file it is given.

Every read of a source file goes through :func:`read_regular` here (without blocking, and only a
regular file: a file swapped for a FIFO or a device after it was listed is reported, never waited
on; docs/security.md). Each function returns what it learnt as a value; a failure costs the file,
never the scan.

* :func:`parse_chunk` / :func:`parse_one`: the first pass, content hash + CPython's ``ast``;
* :func:`newer_chunk`: the files too new for this interpreter, through :mod:`downlevel`'s rewrite
  (or, for what it cannot rewrite, why this interpreter cannot read them);
* :func:`still_as_read`: is a file still the version the first pass read (for the passes that
  read it again: ruff, the newer-syntax pass)?
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from typing import Literal

from archguard.adapters import gc_policy
from archguard.adapters.cache.facts_cache import (
    RACY_WINDOW_NS,
    CachedOutcome,
    FileStamp,
    blob_id,
    encode_outcome,
)
from archguard.adapters.parsing.downlevel import TooNew, extract_facts_downlevel
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.source_text import (
    DEFAULT_MAX_BYTES,
    UnreadableSource,
    decode_source,
    too_large,
)
from archguard.adapters.parsing.workers import DeadlinePassed, deadline, deadlines
from archguard.adapters.project_files.safe_io import RefusedFile, read_regular
from archguard.domain.facts import ParseOutcome, SyntaxIssue, UnreadableFile

# What the newer-syntax pass gives for a file whose content is no longer what the first read hashed.
CHANGED: Literal["changed"] = "changed"
NewerOutcome = ParseOutcome | Literal["changed"]

# CPython's fixed parser limits (the same in every version since 3.9), as its messages begin.
_INTERPRETER_LIMITS = (
    "too many nested parentheses",
    "too many statically nested blocks",
    "too many levels of indentation",
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a worker learnt about one file in the read + parse step."""

    path: str
    size: int = 0
    stamp: FileStamp | None = None
    digest: bytes | None = None  # None: the file could not be read, nothing to cache by
    # None when unchanged or rejected; facts come encoded (encode_outcome), errors as they are
    outcome: ParseOutcome | CachedOutcome | None = None
    unchanged: bool = False  # digest equals the cached one: reuse, do not parse
    rejected: SyntaxIssue | None = None  # CPython's complaint, pending ruff's verdict
    cacheable: bool = True

    def __reduce__(self) -> tuple:
        # Sent from every worker to the parent, which unpickles one for each file: rebuilt by the
        # constructor, not by the frozen slots dataclass's __setstate__ (a Python loop over its
        # fields: unpickling a tree's results took the parent 1.6 times as long).
        return Parsed, (
            self.path,
            self.size,
            self.stamp,
            self.digest,
            self.outcome,
            self.unchanged,
            self.rejected,
            self.cacheable,
        )


def parse_chunk(root: str, items: list[tuple[str, bytes | None, int]]) -> list[Parsed]:
    """Each item is (path, the content hash the cache knows for it, size)."""
    # ast trees have no parent links, so no cycles: reference counting frees them, and the cyclic
    # collector, triggered by their millions of nodes, would only rescan the facts kept so far.
    with gc_policy.paused(), deadlines():
        return [parse_one(root, path, known_hash) for path, known_hash, _ in items]


def parse_one(root: str, path: str, known_hash: bytes | None) -> Parsed:
    try:
        with deadline():
            return _read_and_parse(root, path, known_hash)
    except DeadlinePassed as passed:
        return unreadable(path, _too_slow(passed))


def unreadable(path: str, reason: str) -> Parsed:
    """A file with no facts and no verdict, never cached (the next run tries again)."""
    return Parsed(path, outcome=_unreadable_outcome(path, reason), cacheable=False)


def crashed(path: str) -> Parsed:
    """The file whose parser process died each time it was given it."""
    return unreadable(path, _CRASHED)


def newer_crashed(path: str) -> tuple[str, NewerOutcome]:
    """:func:`crashed`, for the newer-syntax pass."""
    return path, _unreadable_outcome(path, _CRASHED)


_CRASHED = "could not be analysed (the parser process crashed)"


def _read_and_parse(root: str, path: str, known_hash: bytes | None) -> Parsed:
    try:
        data, stat = read_regular(os.path.join(root, path), max_bytes=DEFAULT_MAX_BYTES, confine_to=root)
        if stat.st_size > DEFAULT_MAX_BYTES:  # do not even read a 2 GB data dump
            # Same wording as decode_source, which we skip so as not to read the file.
            return unreadable(path, too_large(stat.st_size))
    except OSError as error:
        return unreadable(path, os_reason(error))
    digest = blob_id(data)
    size, stamp = stat.st_size, FileStamp.of(stat)
    if digest == known_hash:
        return Parsed(path, size, stamp, digest, unchanged=True)
    try:
        source = decode_source(data)
    except UnreadableSource as error:
        return Parsed(path, size, stamp, digest, _unreadable_outcome(path, error.reason))
    try:
        # Encoded here, in parallel: the parent stores it as is (facts_cache.encode_outcome), and
        # the words its facts may hold told here too (the warm-start record asks for every file).
        encoded = encode_outcome(ParseOutcome(facts=extract_facts(source)), holding=True)
        return Parsed(path, size, stamp, digest, encoded)
    except SyntaxError as error:
        issue = _cpython_issue(path, error)
        if issue.message.startswith(_INTERPRETER_LIMITS):
            # Every CPython version refuses this (its parser's fixed limits), so it is a syntax error
            # whatever the target.
            return Parsed(path, size, stamp, digest, ParseOutcome(syntax_error=issue))
        return Parsed(path, size, stamp, digest, rejected=issue)
    except (RecursionError, MemoryError) as error:  # absurd nesting: CPython cannot compile it
        return Parsed(path, size, stamp, digest, _too_deep(path, error))
    except Exception as error:  # noqa: BLE001 - a bug of ours must cost one file, not the scan
        return Parsed(path, size, stamp, digest, _unreadable_outcome(path, _our_bug(error)), cacheable=False)


def newer_chunk(
    root: str, items: list[tuple[str, tuple[list[SyntaxIssue], bytes | None], int]]
) -> list[tuple[str, NewerOutcome]]:
    """Each item is (path, (ruff's list of its too-new constructs, the first pass's content hash),
    size). The outcome per path: facts, or why this interpreter cannot read it; CHANGED when the
    file is not the version the first pass read."""
    return [(path, _newer_outcome(root, path, *payload)) for path, payload, _ in items]


def _newer_outcome(root: str, path: str, constructs: list[SyntaxIssue], digest: bytes | None) -> NewerOutcome:
    try:
        with deadline():
            return _newer_outcome_of(root, path, constructs, digest)
    except DeadlinePassed as passed:
        return _unreadable_outcome(path, _too_slow(passed))


def _newer_outcome_of(
    root: str, path: str, constructs: list[SyntaxIssue], digest: bytes | None
) -> NewerOutcome:
    try:
        data = read_regular(os.path.join(root, path), confine_to=root)[0]
    except OSError:  # gone since the first read
        return CHANGED
    if blob_id(data) != digest:
        return CHANGED
    try:
        facts = extract_facts_downlevel(decode_source(data), constructs)
    except UnreadableSource as error:
        return _unreadable_outcome(path, error.reason)
    except (RecursionError, MemoryError) as error:  # as in the first pass: CPython cannot compile it
        return _too_deep(path, error)
    except Exception as error:  # noqa: BLE001 - a bug of ours must cost one file, not the scan
        return _unreadable_outcome(path, _our_bug(error))
    if isinstance(facts, TooNew):
        return _unreadable_outcome(path, facts.reason)
    return ParseOutcome(facts=facts)


# What either pass reports when a file cannot be had (the same words from both).
def _unreadable_outcome(path: str, reason: str) -> ParseOutcome:
    return ParseOutcome(unreadable=UnreadableFile(path, reason))


def _too_slow(passed: DeadlinePassed) -> str:
    return f"took longer than {passed.seconds:g} s to read and parse"


def _too_deep(path: str, error: BaseException) -> ParseOutcome:
    message = f"too deeply nested to parse ({type(error).__name__})"
    return ParseOutcome(syntax_error=SyntaxIssue(path, 1, 1, message))


def _our_bug(error: Exception) -> str:
    return f"could not be analysed ({type(error).__name__}: {error})"


def still_as_read(root: str, item: Parsed) -> bool:
    """Is the file still the version the first pass read? Its stat says so, unless it was written
    so recently that a later write may share its timestamp: then its content decides."""
    try:
        stat = os.stat(os.path.join(root, item.path))
    except OSError:
        return False
    if stat.st_size != item.size or FileStamp.of(stat) != item.stamp:
        return False
    if time.time_ns() - stat.st_mtime_ns >= RACY_WINDOW_NS:
        return True
    try:
        data, _ = read_regular(os.path.join(root, item.path), max_bytes=DEFAULT_MAX_BYTES, confine_to=root)
    except OSError:
        return False
    return blob_id(data) == item.digest


def _cpython_issue(path: str, error: SyntaxError) -> SyntaxIssue:
    return SyntaxIssue(path, error.lineno or 1, error.offset or 1, error.msg or str(error))


def os_reason(error: OSError) -> str:
    """Why a listed file cannot be read, as the user reads it."""
    if isinstance(error, RefusedFile):  # not a regular file, or a link out of ROOT: it says which
        return error.strerror or "not a regular file"
    if isinstance(error, PermissionError):
        return "permission denied"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(error, FileNotFoundError):  # listed a moment ago: a broken link, or gone since
        return "broken symbolic link or deleted during the scan"
    return f"cannot read: {error.strerror or error}"
