"""Every cache key, composed in one place: what each stored value depends on.

A key is a digest of the parts named here; the store binds it further to archguard's own code and
to the stored classes' schema (``adapters/cache/store.py``), so a new archguard never reads what an
older one derived. A new cache entry adds its key function here and its entry in
``adapters/cache/entries.py`` (docs/DESIGN.md, "Adding things").
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from archguard.domain.contracts import ContractSet
from archguard.domain.derived import FileIdentity


def digest(*parts: Any) -> bytes:
    """A 16-byte digest of ``parts`` (anything marshal can store). marshal's format version 0: the
    later versions write an object seen twice as a back-reference, and a string as "interned" or
    not, so two equal values could give two digests depending on how they were built."""
    return hashlib.blake2b(marshal.dumps(parts, 0), digest_size=16).digest()


# ---- a scan and what is derived from it ---------------------------------------------------------


def scan_context(
    target: tuple[int, int],
    python: tuple[int, int],
    packages: Sequence[str],
    native_modules: Iterable[tuple[str, str]],
    stubs: Iterable[tuple[str, bytes]],
    unreadable: Sequence[str],
) -> bytes:
    """Everything a scan's derived results depend on besides its files: what an incremental run
    must share with the run it continues (a file-by-file state is kept under this)."""
    return digest(
        "scan-context",
        target,
        python,
        tuple(packages),
        tuple(sorted(native_modules)),
        tuple(sorted(stubs)),
        tuple(unreadable),
    )


def scan(context: bytes, identities: Sequence[FileIdentity]) -> bytes:
    """A scan's derived results: its context and every file's identity and outcome digest."""
    return digest("scan", context, tuple(map(tuple, identities)))


def check_context(context: bytes, contracts: ContractSet, importlinter: Any, libraries: Any) -> bytes:
    """What a check's file-by-file state depends on besides its files (``contracts``: the contracts
    folder's concept and interface contracts)."""
    return digest("check-context", context, repr(contracts), importlinter, libraries)


def check(scan_key: bytes, contracts: ContractSet, importlinter: Any, libraries: Any) -> bytes:
    """A whole check's violations: the scan, the contracts folder's concept and interface
    contracts, the import-linter configuration (its file and text) and the installed
    import-linter and grimp."""
    return digest("check", scan_key, repr(contracts), importlinter, libraries)


def importlinter_run(importlinter: Any, libraries: Any, files: bytes, imports: bytes) -> bytes:
    """import-linter's findings: its configuration, the files (:func:`graph_files`) and each
    one's import facts as the graph reads them (their digests joined, in file order)."""
    return digest("import-linter", importlinter, libraries, files, imports)


def graph_files(files: Sequence[tuple[str, str, bool, bool]]) -> bytes:
    """The files an import graph is built of: each one's place, module name and kind."""
    return digest("graph-files", tuple(files))


def importlinter_concepts(importlinter: Any, libraries: Any) -> bytes:
    """The archguard contracts (concept, interface) an import-linter configuration declares: its
    file and text (its cache identity), and the installed import-linter that reads it."""
    return digest("importlinter-concepts", importlinter, libraries)


def golden(scan_key: bytes, entries: Iterable[tuple[str, str]]) -> bytes:
    """The golden path of these entry points (label, file path)."""
    return digest("golden", scan_key, tuple(entries))


def pieces_context(context: bytes, passes: Sequence[str]) -> bytes:
    """The file-by-file state of a scan with piece passes (discover's): the scan's context and
    the passes (their records hold each pass's per-file values)."""
    return digest("pieces-context", context, tuple(passes))


def discover(scan_key: bytes, canonical: Mapping[str, str]) -> bytes:
    return digest("discover", scan_key, tuple(sorted(canonical.items())))


def churn(since: str, window: bytes) -> bytes:
    """The churn of a window (app/discover.py): by the very commits it holds (git's ids, which name
    their changes), however long ago the window was written."""
    return digest("churn", since, window)


def history_rows(rules: Any, libraries: Any, options: Any, python: tuple[int, int]) -> bytes:
    """``history``'s rows (each by its commit id, whose tree it names): the rules they were judged
    by (today's contracts, import-linter configuration and baseline; or "each commit's own"), the
    installed checkers, the options that shape the analysis, and the Python running archguard
    (what its parser reads)."""
    return digest("history-rows", rules, libraries, options, python)


def tree_structure(scan_key: bytes) -> bytes:
    """``diff``'s structure of a tree (module edges, cycles, shims, clusters: app/history.py): a
    function of its files alone, as the scan's results are."""
    return digest("tree-structure", scan_key)


def diff_sides() -> bytes:
    """What ``diff`` derived of the last trees it compared (app/diff.py): each value within is kept
    under its own key (the ones above), so the whole has one."""
    return digest("diff-sides")


def module_imports(scan_key: bytes) -> bytes:
    """The module imports ``report`` draws (app/report.py)."""
    return digest("module-imports", scan_key)


def reexport_sources(context: bytes) -> bytes:
    """What ``check --changed`` learned of re-export chains, per module (each tagged with the
    identity of the file it was read from): kept under the scan's context (``scan_context``), not
    its files."""
    return digest("reexport-sources", context)


# ---- what a run starts from ----------------------------------------------------------------------


def warm_start(
    excludes: Sequence[str],
    source_roots: Sequence[str],
    include_loose: bool,
    target: tuple[int, int],
    python: tuple[int, int],
) -> bytes:
    """The warm-start record of a tree (adapters/warm_start.py): by the options that shape
    discovery and parsing. Not by ROOT's location: the record holds relative paths, blob ids and
    what discovery looked up, all checked again against today's tree (a clone elsewhere with the
    same blobs starts warm)."""
    return digest("warm", tuple(excludes), tuple(source_roots), include_loose, target, python)


def importlinter_identity(
    path: str, root: str, text: bytes, libraries: Any, locations: Sequence[str | None]
) -> bytes:
    """The remembered cache identity of an import-linter configuration (lazy_config.py)."""
    return digest("importlinter-identity", path, root, text, libraries, tuple(locations))


def members(scan_key: bytes, layout: Any, environment: Any) -> bytes:
    """AG601's findings of a tree (app/passes/members.py): its scan, the members' declarations
    (``SourceLayout.identity``) and the environment's metadata (``--python``)."""
    return digest("members", scan_key, layout, environment)


def members_files(layout: Any, environment: Any, boundaries: Any) -> bytes:
    """AG601's file-by-file state: the declarations, the environment and where package modules
    change member (a file's findings depend on nothing else but its own facts)."""
    return digest("members-files", layout, environment, boundaries)
