"""Findings: immutable values with stable fingerprints, rendered by every reporter."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from operator import attrgetter
from typing import NamedTuple, overload


class Kind(str, Enum):
    NON_CANONICAL_IMPORT = "non-canonical-import"
    DUPLICATE_DEFINITION = "duplicate-definition"
    DANGLING_IMPORT = "dangling-import"
    IMPORT_LINTER = "import-linter"
    SYNTAX_ERROR = "syntax-error"  # a file that does not parse: reported, never analysed
    UNREADABLE_FILE = "unreadable-file"  # a file that could not be read or decoded
    GOLDEN_PATH = "golden-path"  # an entry point's import-time closure does not load (docs/golden-path.md)
    NON_PUBLIC_IMPORT = "non-public-import"  # past a package's public face (interface contracts)
    # a member imports what its pyproject.toml does not declare (docs/monorepos.md)
    UNDECLARED_DEPENDENCY = "undeclared-dependency"


class Severity(str, Enum):
    ERROR = "error"  # fails ``check`` unless baselined
    WARNING = "warning"  # reported, never fails (e.g. a guarded import of something gone)


# Stable rule codes, one per kind of finding. Never renumber: baselines and CI filters use them.
RULES: dict[str, tuple[Kind, str]] = {
    "AG001": (Kind.SYNTAX_ERROR, "a file does not parse for the target Python version"),
    "AG002": (Kind.UNREADABLE_FILE, "a file could not be read or decoded"),
    "AG101": (Kind.NON_CANONICAL_IMPORT, "concept imported through a non-canonical path"),
    "AG102": (Kind.NON_CANONICAL_IMPORT, "another object that claims the concept is imported"),
    "AG103": (Kind.NON_CANONICAL_IMPORT, "concept reached by attribute through a non-canonical module"),
    "AG111": (Kind.DUPLICATE_DEFINITION, "a second definition claims the concept"),
    "AG201": (Kind.DANGLING_IMPORT, "import of a module that does not exist"),
    "AG202": (Kind.DANGLING_IMPORT, "import of a name the module does not provide"),
    "AG301": (Kind.IMPORT_LINTER, "an import-linter contract is broken"),
    "AG401": (Kind.GOLDEN_PATH, "a module an entry point loads does not parse or cannot be read"),
    "AG402": (Kind.GOLDEN_PATH, "an entry point loads an import of a module that does not exist"),
    "AG403": (Kind.GOLDEN_PATH, "an entry point loads an import of a name the module does not provide"),
    "AG404": (Kind.GOLDEN_PATH, "an entry point loads an import cycle at module level"),
    "AG501": (Kind.NON_PUBLIC_IMPORT, "an import reaches into a non-public submodule of a package"),
    "AG502": (Kind.NON_PUBLIC_IMPORT, "a private name is imported from outside its package"),
    "AG503": (Kind.NON_PUBLIC_IMPORT, "a name the package's public face does not export is imported"),
    "AG601": (Kind.UNDECLARED_DEPENDENCY, "a member imports what its pyproject.toml does not declare"),
}


# ``extra`` key of an import-linter finding (AG301): the broken dependency its import starts, as
# "app.ui is not allowed to import app.db"; baseline entries record it too (analysis/baseline.py).
DEPENDENCY = "dependency"


def fingerprint(*parts: str) -> str:
    """A fingerprint from the parts that identify a finding, deliberately without line numbers,
    so it survives edits elsewhere in the file. ``surrogatepass``: text from the tree may hold a
    lone surrogate (a string literal's ``"\\ud800"``); it is fingerprinted as it is, never a crash."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return digest.hexdigest()[:16]


class Violation(NamedTuple):
    """One finding. A NamedTuple, as the facts are (``domain/facts.py``): a warm ``check`` decodes
    every finding of the tree from the results cache, and a tuple is built from its stored values
    in C (a broad interface contract's 7,000 findings: 3 ms, not 10 as a frozen dataclass's slots
    filled one by one); ``_replace`` where a dataclass would take ``dataclasses.replace``."""

    code: str
    contract: str
    path: str
    line: int
    column: int
    message: str
    statement: str = ""
    importer: str = ""
    imported: str = ""  # module:Name as written
    canonical: str | None = None  # module:Name users must use
    suggestion: str | None = None  # the canonical statement, e.g. "from a.b import C"
    fixable: bool = False
    reason: str | None = None  # why it is not fixable
    contract_reason: str | None = None  # the contract's own ``reason``
    severity: Severity = Severity.ERROR
    fingerprint: str = ""
    baselined: bool = False
    extra: tuple[tuple[str, str], ...] = ()
    # golden-path findings: the modules from the entry point to the problem, shortest first; not
    # part of the fingerprint (an edit elsewhere may shorten the chain, not fix the problem)
    chain: tuple[str, ...] = ()

    @property
    def kind(self) -> Kind:
        return RULES[self.code][0]

    def identity(self) -> tuple[str, ...]:
        """What identifies the finding for its fingerprint: never its line or column."""
        return finding_identity(
            self.code, self.contract, self.path, self.importer, self.imported, self.statement
        )

    def with_fingerprint(self, occurrence: int = 0) -> Violation:
        """Fill the fingerprint from what identifies the finding (not its line)."""
        return _fingerprinted(self, fingerprint(*self.identity(), str(occurrence)))


_FINGERPRINT = Violation._fields.index("fingerprint")


def fails_check(violation: Violation) -> bool:
    """A new error: not in the baseline, not a warning. One of these makes ``check`` exit 1."""
    return not violation.baselined and violation.severity is Severity.ERROR


def _fingerprinted(violation: Violation, value: str) -> Violation:
    """``violation._replace(fingerprint=value)``, at a fraction of its cost (every finding of a
    cold run passes here; ``_replace`` goes through a keyword dictionary per field)."""
    return tuple.__new__(Violation, (*violation[:_FINGERPRINT], value, *violation[_FINGERPRINT + 1 :]))


def finding_identity(
    code: str, contract: str, path: str, importer: str, imported: str, statement: str
) -> tuple[str, ...]:
    """What identifies a finding for its fingerprint (:meth:`Violation.identity`)."""
    return (code, contract, path, importer, imported, " ".join(statement.split()))


class Fingerprints:
    """Fingerprints for findings not built yet, handed out in the order :func:`assign_fingerprints`
    walks them (by path, line, column, code; keyed by
    :func:`finding_identity`): the same fingerprint each would get there, so a
    finding is built once, with it, instead of built and then rebuilt fingerprinted (a contract
    with thousands of findings pays both per finding). Two findings of different codes never share
    an identity, so one kind of finding may be fingerprinted apart from another's."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], int] = {}

    def next(self, key: tuple[str, ...]) -> str:
        """The fingerprint of the next finding whose identity is ``key``."""
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return fingerprint(*key, str(n))


def assign_fingerprints(violations: list[Violation]) -> list[Violation]:
    """Fingerprint a list; identical findings in one file are told apart by occurrence order."""
    fingerprints = Fingerprints()
    return [
        _fingerprinted(v, fingerprints.next(v.identity()))
        for v in sorted(violations, key=lambda v: (v.path, v.line, v.column, v.code))
    ]


# ---- a check's findings, as every reporter reads them ---------------------------------------------

Tally = Counter[tuple[str, str, bool]]  # (contract, severity's value, baselined) -> how many

# A finding's severity by its value: an Enum member's hash is a Python call, its value's is not.
_TALLIED = attrgetter("contract", "severity._value_", "baselined")
_CODE = attrgetter("code")
_PATH = attrgetter("path")
_ERROR = Severity.ERROR.value


class Findings(Sequence[Violation]):
    """A check's findings, in their order: the sequence of ``Violation`` every reporter renders.

    Read from the results cache, they stay encoded (``load`` decodes them) until something reads
    them one by one; what a text report needs of them all is kept beside them, so that a warm
    ``check`` printing text decodes none of a broad contract's thousands of findings
    (benchmarks/README.md, "Interface contracts"):

    * :meth:`tally` (every count the summaries give), :meth:`codes` and :meth:`paths`;
    * ``sections``: per contract, its block of the text report with every finding shown
      (``reporting/text.contract_sections``), made from these very findings, so it stands for
      them as long as they are unchanged: any step that changes a finding (a baseline, a filter)
      makes a list of them, which carries no sections.
    """

    __slots__ = ("_codes", "_items", "_length", "_load", "_paths", "_tally", "sections")

    def __init__(
        self,
        items: Iterable[Violation] | None = None,
        *,
        load: Callable[[], list[Violation]] | None = None,
        length: int = 0,
        tally: Tally | None = None,
        codes: frozenset[str] | None = None,
        paths: tuple[str, ...] | None = None,
        sections: Mapping[str, str] | None = None,
    ) -> None:
        assert (items is None) != (load is None), "findings are given or loaded, not both"
        self._items: list[Violation] | None = None if items is None else list(items)
        self._load = load
        self._length = length if self._items is None else len(self._items)
        self._tally = tally
        self._codes = codes
        self._paths = paths
        self.sections = sections

    def _decoded(self) -> list[Violation]:
        if self._items is None:
            assert self._load is not None
            self._items, self._load = self._load(), None
        return self._items

    @property
    def loaded(self) -> bool:
        """Are the findings decoded (or were they never encoded)?"""
        return self._items is not None

    def tally(self) -> Tally:
        """How many findings there are of each (contract, severity's value, baselined): one pass
        in C, or the counts kept with encoded findings."""
        if self._tally is None:
            self._tally = Counter(map(_TALLIED, self._decoded()))
        return Counter(self._tally)

    def codes(self) -> frozenset[str]:
        """The rule codes among the findings."""
        if self._codes is None:
            self._codes = frozenset(map(_CODE, self._decoded()))
        return self._codes

    def paths(self) -> tuple[str, ...]:
        """The files with findings, each once, in the order of their first finding."""
        if self._paths is None:
            self._paths = tuple(dict.fromkeys(map(_PATH, self._decoded())))
        return self._paths

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Violation]:
        return iter(self._decoded())

    @overload
    def __getitem__(self, index: int) -> Violation: ...

    @overload
    def __getitem__(self, index: slice) -> list[Violation]: ...

    def __getitem__(self, index: int | slice) -> Violation | list[Violation]:
        return self._decoded()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Findings):
            return other is self or self._decoded() == other._decoded()
        if isinstance(other, (list, tuple)):
            return self._decoded() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a list's: findings are compared by value

    def __repr__(self) -> str:
        return f"Findings({self._decoded()!r})" if self.loaded else f"Findings(<{self._length} encoded>)"


def tally(violations: Iterable[Violation]) -> Tally:
    """How many findings there are of each (contract, severity's value, baselined): every count
    the summaries give, in one pass in C (a broad contract's findings are counted, never walked,
    by a text report; :class:`Findings` from the results cache keep theirs)."""
    if isinstance(violations, Findings):
        return violations.tally()
    return Counter(map(_TALLIED, violations))


def codes(violations: Iterable[Violation]) -> frozenset[str]:
    """The rule codes among ``violations``."""
    if isinstance(violations, Findings):
        return violations.codes()
    return frozenset(map(_CODE, violations))


def finding_paths(violations: Iterable[Violation]) -> tuple[str, ...]:
    """The files with findings among ``violations``, each once, in the order of their first."""
    if isinstance(violations, Findings):
        return violations.paths()
    return tuple(dict.fromkeys(map(_PATH, violations)))


def any_failing(violations: Iterable[Violation]) -> bool:
    """Does one of ``violations`` make ``check`` exit 1 (:func:`fails_check`)? The first is
    enough; encoded :class:`Findings` answer from their counts."""
    if isinstance(violations, Findings) and not violations.loaded:
        return any(severity == _ERROR and not known for (_, severity, known) in violations.tally())
    return any(map(fails_check, violations))
