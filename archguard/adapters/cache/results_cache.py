"""What a whole scan derives from its files (import edge count, dangling imports), and what a check
derives from the scan and the contracts (violations), each cached under a key that names everything
it depends on: every file's path, module name and outcome digest (its facts or error: everything
derived is a function of these, so an edit that leaves the facts alone keeps the key), the run's
options, the contracts, and archguard's own code. A warm run over an unchanged tree then skips the
analysis and does not even rebuild the per-file facts; any change to any input is another key, so a
stale result is never served. (Per-file facts have their own cache, :mod:`facts_cache`: one changed file
costs one parse plus this analysis, never a full re-parse.)

Beside those whole-run results, ``results-<name>-state.bin`` keeps what the last run derived file by
file (see ``archguard/app/derivation.py``): its key names the run's options and archguard's code but
not the files, so the next run can compare file by file and re-derive only what a change reaches.
It is signed and checked like every other entry.

On disk: ``results-<name>.bin`` in the cache folder, holding only the latest result::

    magic (8) | key (16) | then :func:`codec.seal`'s length, MAC and marshal payload

written atomically; anything that does not match (other key, truncated, corrupted) is a miss.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from archguard.adapters.cache.cache_key import cache_key, notice_untrusted
from archguard.adapters.cache.codec import (
    Codec,
    UntrustedData,
    content_hash,
    enum_field,
    many,
    schema_digest,
    seal,
    unseal,
)
from archguard.adapters.project_files.output_files import write_atomically
from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.facts import Binding, BindingKind
from archguard.domain.findings import Severity, Violation
from archguard.domain.golden_path import ClosureEdge, EntryClosure
from archguard.domain.result import DanglingImport

MAGIC = b"AGRSLT\x00\x01"
_DANGLING = Codec(DanglingImport)
_VIOLATION = Codec(Violation, {"severity": enum_field(Severity)})
_CLOSURE = Codec(EntryClosure, {"dynamic": many(Codec(ClosureEdge))})
_BINDING = Codec(Binding, {"kind": enum_field(BindingKind)})

# Plain (marshal-ready) forms of the values a derivation state keeps per file.
encode_dangling, decode_dangling = _DANGLING.encode, _DANGLING.decode
encode_violation, decode_violation = _VIOLATION.encode, _VIOLATION.decode
encode_binding, decode_binding = _BINDING.encode, _BINDING.decode


def results_key(*parts: Any) -> bytes:
    """A digest of ``parts`` (anything marshal can store) and of archguard's own source: a new
    archguard version, or a local edit to it, never reads results an older analysis derived."""
    digest = hashlib.blake2b(marshal.dumps(parts), digest_size=16)
    digest.update(_code_digest())
    return digest.digest()


class ResultsCache:
    """``ResultsCache(None)`` caches nothing (``--no-cache``)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None

    def load_scan(self, key: bytes) -> tuple[int, list[DanglingImport]] | None:
        """(import edge count, dangling imports) of a scan with this key, or None."""
        plain = self._load("scan", key)
        try:
            edges, dangling = plain
            return int(edges), [_DANGLING.decode(d) for d in dangling]
        except (TypeError, ValueError):  # None (a miss), or a payload of another shape
            return None

    def save_scan(self, key: bytes, edges: int, dangling: list[DanglingImport]) -> None:
        self._save("scan", key, (edges, tuple(map(_DANGLING.encode, dangling))))

    def load_check(self, key: bytes) -> tuple[list[Violation], list[str], list[str]] | None:
        """(violations, contracts run, notices) of a check with this key, or None."""
        plain = self._load("check", key)
        try:
            violations, contracts_run, notices = plain
            return [_VIOLATION.decode(v) for v in violations], list(contracts_run), list(notices)
        except (TypeError, ValueError, KeyError):  # None (a miss), or a payload of another shape
            return None

    def save_check(
        self, key: bytes, violations: list[Violation], contracts_run: list[str], notices: list[str]
    ) -> None:
        self._save(
            "check",
            key,
            (
                tuple(map(_VIOLATION.encode, violations)),
                tuple(contracts_run),
                tuple(notices),
            ),
        )

    def load_golden(self, key: bytes) -> tuple[list[Violation], list[EntryClosure]] | None:
        """(golden-path violations, closures) of the entry points under this key, or None."""
        plain = self._load("golden", key)
        try:
            violations, closures = plain
            return [_VIOLATION.decode(v) for v in violations], [_CLOSURE.decode(c) for c in closures]
        except (TypeError, ValueError, KeyError):  # None (a miss), or a payload of another shape
            return None

    def save_golden(self, key: bytes, violations: list[Violation], closures: list[EntryClosure]) -> None:
        self._save(
            "golden",
            key,
            (
                tuple(map(_VIOLATION.encode, violations)),
                tuple(map(_CLOSURE.encode, closures)),
            ),
        )

    def load_state(self, name: str, key: bytes) -> Any:
        """The plain value saved by :meth:`save_state` under this name and key, or None."""
        return self._load(f"{name}-state", key)

    def save_state(self, name: str, key: bytes, plain: Any) -> None:
        self._save(f"{name}-state", key, plain)

    def load_name_rows(self, name: str, key: bytes) -> tuple[list[tuple[str, ...]], Any] | None:
        """Rows of module names saved by :meth:`save_name_rows`, and the value saved beside them;
        None on a miss or a payload of another shape."""
        plain: Any = self._load(name, key)
        try:
            names, rows, extra = plain
            return [tuple(names[i] for i in row) for row in rows], extra
        except (TypeError, ValueError, IndexError):
            return None

    def save_name_rows(
        self, name: str, key: bytes, rows: Iterable[tuple[str, ...]], extra: Any = None
    ) -> None:
        """Rows of module names, each name stored once (a tree's names repeat across thousands of
        rows), with a plain ``extra`` value beside them."""
        index: dict[str, int] = {}
        packed = tuple(tuple(index.setdefault(n, len(index)) for n in row) for row in rows)
        self._save(name, key, (tuple(index), packed, extra))

    def _file(self, name: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"results-{name}.bin"

    def _load(self, name: str, key: bytes) -> Any:
        path = self._file(name)
        if path is None:
            return None
        try:
            data, _ = read_regular(path)  # a FIFO or a device planted here is a miss
        except OSError:
            return None
        try:
            return unseal(data, MAGIC + _keyed(key), cache_key())
        except UntrustedData:
            notice_untrusted(path)
            return None

    def _save(self, name: str, key: bytes, value: Any) -> None:
        path = self._file(name)
        if path is None:
            return
        try:
            write_atomically(path, seal(MAGIC + _keyed(key), value, cache_key()))
        except (OSError, ValueError) as error:
            # A result that cannot be cached costs speed next time, never the result of this run.
            warnings.warn(f"archguard: results not cached in {path}: {error}", stacklevel=3)


def _keyed(key: bytes) -> bytes:
    """The key, bound to the stored classes' schema."""
    schema = schema_digest(_DANGLING, _VIOLATION, _CLOSURE, _BINDING, enums=(Severity, BindingKind))
    return content_hash(key + schema)


@cache
def _code_digest() -> bytes:
    # archguard/, three levels up from archguard/adapters/cache/results_cache.py: all of our code
    # (analysis included), not only the adapters.
    package = Path(__file__).resolve().parents[2]
    digest = hashlib.blake2b(digest_size=16)
    try:
        sources = sorted(package.rglob("*.py"))
        for source in sources:
            digest.update(str(source.relative_to(package)).encode())
            digest.update(source.read_bytes())
    except OSError:
        sources = []
    if not sources:  # our own code cannot be read (installed without sources?): trust nothing
        return os.urandom(16)
    return digest.digest()
