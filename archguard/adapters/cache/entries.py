"""Every kind of value the store keeps, with its plain (marshal-ready) form: one ``Entry`` each.

A new cache entry is one line here (its file name and codec) and one key function in
``archguard/app/keys.py``; the use case then calls ``store.cached(entries.X, keys.x(...), compute)``.
Each entry's schema (the stored classes' fields and enum values) is bound into its keys by the
store, so a value written under another schema is never read.

The entries of the commands a check never runs (``discover``'s results, ``history``'s rows) are
built on first use (``_LATER``): their record types would cost every warm check their import.
"""

from __future__ import annotations

import marshal
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from archguard.adapters.cache.codec import Codec, enum_field, many, schema_digest
from archguard.domain.contracts import ConceptContract, InterfaceContract
from archguard.domain.derived import (
    CheckOutcome,
    DerivedState,
    FileIdentity,
    FileRecord,
    PassRecord,
    ScanTotals,
)
from archguard.domain.facts import Binding, BindingKind
from archguard.domain.findings import Findings, Severity, Violation, codes, finding_paths, tally
from archguard.domain.golden_path import ClosureEdge, EntryClosure
from archguard.domain.result import DanglingImport

if TYPE_CHECKING:
    from archguard.domain.discovery import Cluster, Cycle, Hotspot, InterfaceCandidate, Shim
    from archguard.domain.history import HistoryRow
    from archguard.domain.structure import ModuleImports

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class EntryKind(Protocol[T_co]):
    """What the store needs of an entry (the app's ``store.Entry`` port, seen from here)."""

    @property
    def name(self) -> str: ...

    @property
    def schema(self) -> bytes: ...

    def encode(self, value: Any, /) -> Any: ...

    def decode(self, plain: Any, /) -> T_co: ...


class Entry(Generic[T]):
    """One kind of stored value (the app's ``store.Entry`` port): the file it lives in
    (``results-<name>.bin``), how it becomes plain values and back, and its schema digest."""

    def __init__(
        self, name: str, encode: Callable[[T], Any], decode: Callable[[Any], T], schema: bytes = b""
    ) -> None:
        self.name = name
        self.encode = encode
        self.decode = decode
        self.schema = schema

    def __repr__(self) -> str:
        return f"Entry({self.name!r})"


DANGLING = Codec(DanglingImport)
VIOLATION = Codec(Violation, {"severity": enum_field(Severity)})
BINDING = Codec(Binding, {"kind": enum_field(BindingKind)})
_CLOSURE = Codec(EntryClosure, {"dynamic": many(Codec(ClosureEdge))})
_IDENTITY = Codec(FileIdentity)
_SCHEMA = schema_digest(DANGLING, VIOLATION, BINDING, _CLOSURE, _IDENTITY, enums=(Severity, BindingKind))

# ---- scan and check ---------------------------------------------------------------------------

SCAN_TOTALS: Entry[ScanTotals] = Entry(
    "scan",
    lambda t: (t.import_edges, tuple(map(DANGLING.encode, t.dangling))),
    lambda plain: ScanTotals(int(plain[0]), [DANGLING.decode(d) for d in plain[1]]),
    _SCHEMA,
)

# The fields of a finding whose values recur from finding to finding (a contract's name, a file's
# path and module, a reached module, a statement, a reason, a message that names no file): stored
# once per entry (see _shared). Not the fingerprint (unique), nor numbers and flags.
_RECURRING = tuple(
    VIOLATION.index(name)
    for name in [
        "code",
        "contract",
        "path",
        "message",
        "statement",
        "importer",
        "imported",
        "canonical",
        "suggestion",
        "reason",
        "contract_reason",
        "extra",
        "chain",
    ]
)


def _shared(violations: Any) -> tuple[tuple[Any, ...], ...]:
    """Findings as rows of plain values, each recurring value (:data:`_RECURRING`) one object
    however many rows hold it: ``marshal`` writes an object it has written already as a
    back-reference of a few bytes, and loading gives the rows that one object again. A broad
    contract's 7,000 findings are 40% smaller on disk (2.9 MB, not 4.9), read, checked and loaded
    in half the time, and decoded into findings that share their strings (benchmarks/README.md,
    "Interface contracts")."""
    rows = tuple(map(VIOLATION.encode, violations))
    if not rows:
        return rows
    columns = list(zip(*rows, strict=True))
    seen: dict[Any, Any] = {}
    keep = seen.setdefault
    for index in _RECURRING:
        columns[index] = tuple(map(keep, columns[index], columns[index]))
    return tuple(zip(*columns, strict=True))


def _encode_outcome(outcome: CheckOutcome) -> Any:
    """The findings as marshal bytes of their own (:func:`_shared` rows), which loading the entry
    copies without parsing, and beside them what a text report reads of them all: their number,
    counts, codes and files, and each contract's block of text (``Findings.sections``; None when
    the findings came without: a commit's)."""
    findings = outcome.violations
    sections = findings.sections if isinstance(findings, Findings) else None
    return (
        marshal.dumps(_shared(findings)),
        len(findings),
        tuple(tally(findings).items()),
        tuple(sorted(codes(findings))),
        finding_paths(findings),
        None if sections is None else tuple(sections.items()),
        tuple(outcome.contracts_run),
        tuple(outcome.notices),
        outcome.settled,
    )


def _decode_outcome(plain: Any) -> CheckOutcome:
    rows, length, counted, found_codes, paths, sections, contracts_run, notices, settled = plain
    findings = Findings(
        load=partial(_decode_rows, bytes(rows)),
        length=int(length),
        tally=Counter({(str(c), str(s), bool(b)): int(n) for (c, s, b), n in counted}),
        codes=frozenset(map(str, found_codes)),
        paths=tuple(map(str, paths)),
        sections=None if sections is None else {str(name): str(text) for name, text in sections},
    )
    return CheckOutcome(findings, list(contracts_run), list(notices), bool(settled))


def _decode_rows(rows: bytes) -> list[Violation]:
    """The findings of an outcome, when first read (the entry's MAC covered these bytes)."""
    return list(map(VIOLATION.decode, marshal.loads(rows)))


# 2: the findings encoded apart, with their counts, codes, paths and text sections (1: rows in the entry)
_OUTCOME_FORMAT = b"outcome-2"

CHECK_OUTCOME: Entry[CheckOutcome] = Entry(
    "check", _encode_outcome, _decode_outcome, _SCHEMA + _OUTCOME_FORMAT
)

GoldenResult = tuple[list[Violation], list[EntryClosure]]
GOLDEN: Entry[GoldenResult] = Entry(
    "golden",
    lambda g: (tuple(map(VIOLATION.encode, g[0])), tuple(map(_CLOSURE.encode, g[1]))),
    lambda plain: ([VIOLATION.decode(v) for v in plain[0]], [_CLOSURE.decode(c) for c in plain[1]]),
    _SCHEMA,
)


# ---- the file-by-file state of an incremental run ---------------------------------------------


def _pairs(codec: Codec) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """``((name, (value, ...)), ...)``: per pass name, a tuple of values of one class."""
    return (
        lambda pairs: tuple((name, tuple(map(codec.encode, values))) for name, values in pairs),
        lambda plain: tuple((str(name), tuple(map(codec.decode, values))) for name, values in plain),
    )


_RECORD = Codec(
    FileRecord,
    {
        "identity": (tuple, lambda plain: tuple.__new__(FileIdentity, plain)),
        "dangling": many(DANGLING),
        "findings": _pairs(VIOLATION),
        "inputs": _pairs(BINDING),
    },
)
_PASS = Codec(PassRecord, {"violations": many(VIOLATION)})
_STATE_SCHEMA = schema_digest(
    _RECORD, _PASS, DANGLING, VIOLATION, BINDING, _IDENTITY, enums=(Severity, BindingKind)
)


def _encode_state(state: DerivedState) -> Any:
    return (
        tuple(state.names),
        tuple(map(_RECORD.encode, state.files)),
        tuple(map(_PASS.encode, state.passes)),
    )


def _decode_state(plain: Any) -> DerivedState:
    names, files, passes = plain
    return DerivedState(tuple(names), tuple(map(_RECORD.decode, files)), tuple(map(_PASS.decode, passes)))


class StateEntry(Entry[DerivedState]):
    """The file-by-file state (``DerivedState``), which the store keeps in layers: a run that
    re-derived a few files writes those files' records, not ten thousand (``store.DiskStore``).
    Its plain form is (names, each file's record, each pass's record), in that order."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}-state", _encode_state, _decode_state, _STATE_SCHEMA)

    @staticmethod
    def encode_record(record: FileRecord) -> Any:
        return _RECORD.encode(record)

    @staticmethod
    def encode_passes(passes: tuple[PassRecord, ...]) -> Any:
        return tuple(map(_PASS.encode, passes))


def derived_state(name: str) -> StateEntry:
    """The file-by-file state of one command's runs (``scan``, ``check``)."""
    return StateEntry(name)


SCAN_STATE = derived_state("scan")
CHECK_STATE = derived_state("check")

# ---- what other use cases keep beside a run ----------------------------------------------------

# discover's derived results: (clusters, shims, cycles, hotspots, content copy pairs as
# (path, live, by name), importers by path, interface candidates)
DiscoverDerived = tuple[
    "list[Cluster]",
    "list[Shim]",
    "list[Cycle]",
    "list[Hotspot]",
    list[tuple[str, str, bool]],
    dict[str, int],
    "list[InterfaceCandidate]",
]


def _discovery_codecs() -> dict[str, Codec]:
    """The codecs of discover's findings (domain/discovery.py), by name."""
    from archguard.domain.discovery import (
        AccessPath,
        Cluster,
        Cycle,
        CycleEdge,
        Definition,
        Hotspot,
        InterfaceCandidate,
        Shim,
    )

    definition = Codec(Definition)
    path = Codec(AccessPath)
    edge = Codec(CycleEdge)
    return {
        "definition": definition,
        "path": path,
        "cluster": Codec(Cluster, {"definitions": many(definition), "access_paths": many(path)}),
        "shim": Codec(Shim),
        "edge": edge,
        "cycle": Codec(Cycle, {"path": many(edge), "breakers": many(edge)}),
        "hotspot": Codec(Hotspot),
        "interface": Codec(InterfaceCandidate),
    }


def _discover_entry() -> Entry[DiscoverDerived]:
    codecs = _discovery_codecs()
    cluster, shim, cycle = codecs["cluster"], codecs["shim"], codecs["cycle"]
    hotspot, interface = codecs["hotspot"], codecs["interface"]

    def encode(derived: DiscoverDerived) -> Any:
        clusters, shims, cycles, hotspots, pairs, importers, interfaces = derived
        return (
            tuple(map(cluster.encode, clusters)),
            tuple(map(shim.encode, shims)),
            tuple(map(cycle.encode, cycles)),
            tuple(map(hotspot.encode, hotspots)),
            tuple(map(tuple, pairs)),
            dict(importers),
            tuple(map(interface.encode, interfaces)),
        )

    def decode(plain: Any) -> DiscoverDerived:
        clusters, shims, cycles, hotspots, pairs, importers, interfaces = plain
        return (
            [cluster.decode(c) for c in clusters],
            [shim.decode(s) for s in shims],
            [cycle.decode(c) for c in cycles],
            [hotspot.decode(h) for h in hotspots],
            [(str(p[0]), str(p[1]), bool(p[2])) for p in pairs],
            dict(importers),
            [interface.decode(i) for i in interfaces],
        )

    return Entry("discover", encode, decode, schema_digest(*codecs.values()))


# What history and diff compare of one tree besides the check's result (app/history.py's
# Architecture): (module edges, cycles, shims, clusters or None)
TreeStructure = tuple[frozenset[tuple[str, str]], "list[Cycle]", "list[Shim]", "list[Cluster] | None"]


def _structure_entry() -> Entry[TreeStructure]:
    """``diff``'s structure of a tree (app/history.py ``architecture_of``), by the tree's key: it
    reads every file's facts to make, and a pull request's base and head are diffed again and
    again."""
    codecs = _discovery_codecs()
    cluster, shim, cycle = codecs["cluster"], codecs["shim"], codecs["cycle"]

    def encode(value: TreeStructure) -> Any:
        edges, cycles, shims, clusters = value
        return (
            _name_rows(sorted(edges)),
            tuple(map(cycle.encode, cycles)),
            tuple(map(shim.encode, shims)),
            None if clusters is None else tuple(map(cluster.encode, clusters)),
        )

    def decode(plain: Any) -> TreeStructure:
        edges, cycles, shims, clusters = plain
        pairs = _rows_of(edges)[0]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("not an edge table")
        return (
            frozenset((str(a), str(b)) for a, b in pairs),
            [cycle.decode(c) for c in cycles],
            [shim.decode(s) for s in shims],
            None if clusters is None else [cluster.decode(c) for c in clusters],
        )

    return Entry("structure", encode, decode, schema_digest(*codecs.values()))


def _name_rows(rows: Any, extra: Any = None) -> Any:
    """Rows of module names, each name stored once (a tree's names repeat across thousands of
    rows), with a plain ``extra`` value beside them."""
    index: dict[str, int] = {}
    packed = tuple(tuple(index.setdefault(n, len(index)) for n in row) for row in rows)
    return (tuple(index), packed, extra)


def _rows_of(plain: Any) -> tuple[list[tuple[str, ...]], Any]:
    names, rows, extra = plain
    return [tuple(names[i] for i in row) for row in rows], extra


ModuleImportLines = tuple["ModuleImports", frozenset[tuple[str, str]]]


def _encode_imports(value: ModuleImportLines) -> Any:
    lines, lazy = value
    return _name_rows(lines.keys(), (tuple(lines.values()), tuple(edge in lazy for edge in lines)))


def _decode_imports(plain: Any) -> ModuleImportLines:
    pairs, (lines, lazy) = _rows_of(plain)
    if not len(lines) == len(lazy) == len(pairs) or any(len(p) != 2 for p in pairs):
        raise ValueError("not an edge table")
    if not all(isinstance(at, tuple) for at in lines):
        raise ValueError("not an edge table")
    edges = {(importer, imported): at for (importer, imported), at in zip(pairs, lines, strict=True)}
    return edges, frozenset(edge for edge, only_lazy in zip(edges, lazy, strict=True) if only_lazy)


# The module imports (each edge with the lines of its import statements, and the edges made only of
# PEP 810 ``lazy`` imports) that ``report`` and ``graph`` draw from (the package overview, the
# focus view, the dependency matrix, the page's explorer): finding them needs every file's facts,
# which a warm check never decodes.
MODULE_IMPORTS: Entry[ModuleImportLines] = Entry("edges", _encode_imports, _decode_imports)

# module -> (the identity of the file it was read from as a plain tuple, () for none: path, module,
# kind and outcome digest; the modules it takes names from)
Sources = dict[str, tuple[tuple[Any, ...], tuple[str, ...]]]

# What ``check --changed`` learned about re-export chains (analysis.changes.ChangeReach): each
# step decodes a module's facts, so they are kept for later runs, each with the version of the
# file it was read from (a run after an edit reads again only the modules whose files changed).
REEXPORT_SOURCES: Entry[Sources] = Entry(
    "reexports",
    lambda sources: _name_rows(
        ((module, *targets) for module, (_, targets) in sources.items()),
        tuple(version for version, _ in sources.values()),
    ),
    lambda plain: {
        row[0]: (tuple(version), row[1:]) for row, version in zip(*_rows_of(plain), strict=True) if row
    },
)

# Whether an import-linter configuration's contract types are all import-linter's or archguard's
# own (so its file and text may key cached results): (display path, text).
IMPORTLINTER_IDENTITY: Entry[tuple[str, bytes]] = Entry(
    "importlinter-identity-state",
    lambda identity: identity,
    lambda plain: (str(plain[0]), bytes(plain[1])) if len(plain) == 2 else _shape_error(),
)


_CONCEPT = Codec(ConceptContract)
_INTERFACE_CONTRACT = Codec(InterfaceContract)

# The archguard contracts an import-linter configuration declares (``type = canonical``,
# ``type = interface``): a check whose file-by-file state is kept need not load the configuration
# (import-linter, grimp) to know them.
IMPORTLINTER_CONTRACTS: Entry[tuple[list[ConceptContract], list[InterfaceContract]]] = Entry(
    "importlinter-contracts",
    lambda found: (tuple(map(_CONCEPT.encode, found[0])), tuple(map(_INTERFACE_CONTRACT.encode, found[1]))),
    lambda plain: (
        [_CONCEPT.decode(tuple(c)) for c in plain[0]],
        [_INTERFACE_CONTRACT.decode(tuple(c)) for c in plain[1]],
    ),
    schema_digest(_CONCEPT, _INTERFACE_CONTRACT),
)


def _shape_error() -> Any:
    raise ValueError("a payload of another shape")


# ---- AG601 (app/passes/members.py) ------------------------------------------------------------

MEMBERS: Entry[tuple[bool, list[Violation]]] = Entry(
    "members",
    lambda found: (found[0], tuple(map(VIOLATION.encode, found[1]))),
    lambda plain: (bool(plain[0]), [VIOLATION.decode(v) for v in plain[1]]),
    _SCHEMA,
)

MemberFiles = dict[str, tuple[bytes, tuple[Violation, ...]]]  # path -> (outcome digest, findings)

MEMBER_FILES: Entry[MemberFiles] = Entry(
    "members-files",
    lambda state: {
        path: (digest, tuple(map(VIOLATION.encode, found))) for path, (digest, found) in state.items()
    },
    lambda plain: {
        str(path): (bytes(digest), tuple(VIOLATION.decode(v) for v in found))
        for path, (digest, found) in plain.items()
    },
    _SCHEMA,
)


# ---- discover's churn (app/discover.py) ----------------------------------------------------------

Churned = tuple[dict[str, int], dict[str, int]]  # path -> commits, path -> lines added + deleted

CHURN: Entry[Churned] = Entry(
    "discover-churn",
    lambda churn: (tuple(churn[0].items()), tuple(churn[1].items())),
    lambda plain: ({str(p): int(n) for p, n in plain[0]}, {str(p): int(n) for p, n in plain[1]}),
)


def _history_entry() -> Entry[dict[str, HistoryRow]]:
    """``history``'s rows by commit id, of one set of rules (keys.history_rows): a commit's row
    never changes under the same rules, so a second walk over a range reads them back."""
    from archguard.domain.history import HistoryRow

    row_codec = Codec(HistoryRow)

    def decoded_row(plain: Any) -> HistoryRow:
        row: HistoryRow = row_codec.decode(plain)
        return replace(
            row,
            summary=dict(row.summary),
            by_contract=dict(row.by_contract),
            notes=tuple(row.notes),
            by_owner=dict(row.by_owner),
        )

    return Entry(
        "history",
        lambda rows: {sha: row_codec.encode(row) for sha, row in rows.items()},
        lambda plain: {str(sha): decoded_row(row) for sha, row in plain.items()},
        schema_digest(row_codec),
    )


# What ``diff`` derived of the last trees it compared (app/diff.py ``SidesStore``): (entry name,
# its schema, key) -> that entry's plain value, the most recently used last. Kept apart from the
# entries above, which hold one value each: the working tree's, that ``check`` reads.
DiffSides = dict[tuple[str, bytes, bytes], Any]

DIFF_SIDES: Entry[DiffSides] = Entry(
    "diff-sides",
    lambda sides: tuple((name, schema, key, plain) for (name, schema, key), plain in sides.items()),
    lambda plain: {(str(name), bytes(schema), bytes(key)): value for name, schema, key, value in plain},
)


# ---- built on first use -------------------------------------------------------------------------

_LATER: dict[str, Callable[[], Entry[Any]]] = {
    "DISCOVER": _discover_entry,
    "HISTORY_ROWS": _history_entry,
    "TREE_STRUCTURE": _structure_entry,
}

if TYPE_CHECKING:
    DISCOVER: Entry[DiscoverDerived]
    HISTORY_ROWS: Entry[dict[str, HistoryRow]]
    TREE_STRUCTURE: Entry[TreeStructure]


def __getattr__(name: str) -> Any:
    build = _LATER.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    entry = globals()[name] = build()  # built once
    return entry
