"""Interface contracts: a package used only through its public face (docs/contracts.md).

A contract names a package P. Its *public face* is what P's ``__init__`` exports (its ``__all__``
when it has a literal one, built with ``+=``/``.extend``/``.append`` of literals included; else
its public names), plus the modules ``also_public`` names and the submodules a public face's
``__all__`` lists. For every import in a file outside P (packages, tests, scripts; not
``allowed_importers``):

* AG501 it reaches into a non-public module of P: ``from P.core import X``, ``import P.core``,
  ``from P import core``, ``import_module("P.core")``, ``P.core.X`` by attribute;
* AG502 it takes a private name (``_x``) from a public module;
* AG503 it takes a name the public module does not export (``__all__`` leaves it out).

Provenance decides what is the same object (:class:`~archguard.analysis.symbols.SymbolTable`):
when a public module exports the imported object, under any name, the finding is fixable and
names the statement to use instead, keeping the file's local name.

Two parts, so an incremental run derives them the way it derives concept findings: the
whole-tree part (:func:`resolve_interfaces`: each package's face and the objects it exports,
with a :attr:`ResolvedInterfaces.summary` that changes whenever any of that does) and the
per-file part (:func:`interface_violations_in_file`), whose lookups go through the table (traced).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, NamedTuple

from archguard.analysis.concepts import NOT_FIXABLE_ATTRIBUTE
from archguard.analysis.shim_definition import fix_leaves_alone
from archguard.analysis.symbols import Origin, Resolution, Status, SymbolTable
from archguard.domain.contracts import InterfaceContract, duplicate_names, module_matches
from archguard.domain.errors import ContractError
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportFact, ImportKind
from archguard.domain.findings import Fingerprints, Violation, finding_identity
from archguard.domain.interfaces import InterfaceOverview, ReachIn
from archguard.domain.sources import SourceFile, is_dotted_name

if TYPE_CHECKING:  # discover's model: loaded by interface_candidates, never by a check
    from archguard.domain.discovery import InterfaceCandidate

# What makes one object: a found origin, or the last hop of a chain that stops where we do not
# look (another distribution's module, a file that does not parse): two imports ending at the same
# ``("numpy", "ndarray")`` get the same object.
Identity = object

_WILDCARDS = ("*",)


def is_private(name: str) -> bool:
    """``_x`` and ``__x``, not dunders (``__version__`` is module metadata, not a secret)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# ---- the public face ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    """What one public module exports. ``names`` None: unknown (a computed ``__all__``, a module
    that does not parse): then every name that is not private counts as exported."""

    module: str
    names: frozenset[str] | None
    listed: bool  # ``names`` is the module's ``__all__``
    unknown_because: str = ""

    def exports(self, name: str) -> bool:
        if self.names is None:
            return not is_private(name)
        return name in self.names

    @property
    def label(self) -> str:
        """What the face is, for messages: ``app.payments.__all__`` or ``app.payments``."""
        return f"{self.module}.__all__" if self.listed else self.module


def public_face(table: SymbolTable, module: str) -> Face:
    """``module``'s exports: its literal ``__all__``, else its public names (those a star import
    copies: bound at run time, without a leading underscore)."""
    facts = table.facts_of(module)
    if facts is None:
        if table.file_of(module) is None:  # a namespace folder: it binds nothing itself
            return Face(module, frozenset(), listed=False)
        return Face(module, None, listed=False, unknown_because=f"{module} does not parse")
    if facts.all_names is not None:
        return Face(module, frozenset(facts.all_names), listed=True)
    if any(b.name == "__all__" and b.kind is not BindingKind.DELETE for b in facts.bindings):
        return Face(module, None, listed=False, unknown_because=f"{module}.__all__ is computed")
    if facts.has_getattr:
        return Face(
            module, None, listed=False, unknown_because=f"{module} provides names through __getattr__"
        )
    # a name nothing binds: whatever lets code archguard does not follow add names to the module
    # (``globals()`` written, itself replaced in ``sys.modules``) answers for it
    dynamic = table.may_bind(module, "\0")
    if dynamic:
        return Face(module, None, listed=False, unknown_because=f"{module}: {dynamic}")
    names = frozenset(n for n in table.exported_names(module) if not n.startswith("_"))
    return Face(module, names, listed=False)


def identity(res: Resolution) -> Identity | None:
    """The object a resolution denotes, or None when it denotes nothing (a missing name)."""
    if res.origin is not None and res.status in (Status.OK, Status.MODULE):
        return res.origin
    if res.status in (Status.EXTERNAL, Status.UNPARSED) and res.chain:
        return res.chain[-1]
    return None


# ---- the whole-tree part -----------------------------------------------------------------------


@dataclass(frozen=True)
class Interface:
    """One contract, resolved: which modules of the package are public, and which objects the
    public modules export under which name (what a fix rewrites to)."""

    contract: InterfaceContract
    public_modules: frozenset[str]  # the package, ``also_public`` names, submodules ``__all__`` lists
    public_patterns: tuple[str, ...]  # ``also_public`` expressions with wildcards
    # object -> every (public module, exported name) it is exported as, the package's first
    exported: Mapping[Identity, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    face_unknown: str = ""  # why the package's own face is unknown ("" when known)

    @property
    def package(self) -> str:
        return self.contract.package

    def is_public(self, module: str) -> bool:
        if module in self.public_modules:
            return True
        return bool(self.public_patterns) and any(module_matches(module, p) for p in self.public_patterns)

    def exempt(self, file: SourceFile) -> bool:
        """The package's own files, and ``allowed_importers`` (module expressions, or path globs
        for files named by their path: ``scripts/*.py``)."""
        if self.contract.contains(file.module):
            return True
        for pattern in self.contract.allowed_importers:
            if "/" in pattern or pattern.endswith(".py"):
                if fnmatchcase(file.path, pattern):
                    return True
            elif module_matches(file.module, pattern):
                return True
        return False

    def equivalent(self, res: Resolution, name: str) -> tuple[str, str] | None:
        """Where a public module exports the object ``res`` denotes, as (module, name): under
        ``name`` itself where it is exported so, else the package's first public name for it."""
        found = identity(res)
        places = self.exported.get(found) if found is not None else None
        if not places:
            return None
        return next((p for p in places if p[1] == name), places[0])


class ResolvedInterfaces:
    """Every interface contract, resolved; the unit an incremental check compares run to run."""

    def __init__(self, interfaces: Sequence[Interface] = ()) -> None:
        self.interfaces = tuple(interfaces)
        self._by_package: dict[str, list[Interface]] = {}
        for interface in self.interfaces:
            self._by_package.setdefault(interface.package, []).append(interface)
        self._roots = frozenset(package.split(".")[0] for package in self._by_package)
        self._covering: dict[str, tuple[Interface, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.interfaces)

    @property
    def summary(self) -> str:
        """What a file's findings depend on besides the file and the modules it consults."""
        return repr(
            [
                (
                    i.contract,
                    sorted(i.public_modules),
                    sorted((repr(k), v) for k, v in i.exported.items()),
                    i.face_unknown,
                )
                for i in self.interfaces
            ]
        )

    def covering(self, module: str) -> tuple[Interface, ...]:
        """The contracts whose package holds ``module``, outermost first (a lookup per dotted
        prefix, remembered per module: discover runs one contract per package with ``__all__``,
        and a tree imports the same modules many times)."""
        found = self._covering.get(module)
        if found is None:
            found = ()
            if module.partition(".")[0] in self._roots:
                parts = module.split(".")
                found = tuple(
                    interface
                    for k in range(1, len(parts) + 1)
                    for interface in self._by_package.get(".".join(parts[:k]), ())
                )
            self._covering[module] = found
        return found


def validate_interfaces(table: SymbolTable, contracts: Sequence[InterfaceContract]) -> None:
    """Raise :class:`ContractError` listing every contract whose package or ``also_public``
    module does not exist in the tree (and duplicate names)."""
    errors = duplicate_names(contracts)
    for contract in contracts:
        where = f"{contract.source}: " if contract.source else ""
        if not table.module_exists(contract.package):
            errors.append(f"{where}package '{contract.package}' does not exist in the analysed tree")
            continue
        for expression in contract.also_public:
            if not contract.contains(expression.rstrip(".*")):
                errors.append(f"{where}also_public '{expression}' is not inside {contract.package}")
            elif not any(w in expression for w in _WILDCARDS) and not table.module_exists(expression):
                errors.append(f"{where}also_public '{expression}': module {expression} does not exist")
    if errors:
        raise ContractError(errors)


def resolve_interfaces(table: SymbolTable, contracts: Sequence[InterfaceContract]) -> ResolvedInterfaces:
    """Each contract's public modules and exported objects (contracts whose package does not
    exist are left out: :func:`validate_interfaces` reports them)."""
    resolved = []
    for contract in contracts:
        if not table.module_exists(contract.package):
            continue
        resolved.append(_resolve(table, contract))
    return ResolvedInterfaces(tuple(resolved))


def _resolve(table: SymbolTable, contract: InterfaceContract) -> Interface:
    package = contract.package
    patterns = tuple(e for e in contract.also_public if any(w in e for w in _WILDCARDS))
    named = [package, *(e for e in contract.also_public if e not in patterns)]
    public: list[str] = []
    faces: list[Face] = []
    # A submodule a public face's ``__all__`` lists is documented as public: its face counts too.
    pending = list(dict.fromkeys(named))
    while pending:
        module = pending.pop(0)
        if module in public:
            continue
        public.append(module)
        face = public_face(table, module)
        faces.append(face)
        if face.listed and face.names is not None:
            for name in sorted(face.names):
                res = table.resolve(module, name)
                if (
                    res.status == Status.MODULE
                    and res.origin is not None
                    and contract.contains(res.origin.module)
                ):
                    pending.append(res.origin.module)
    exported: dict[Identity, list[tuple[str, str]]] = {}
    for face in faces:
        names = face.names if face.names is not None else _public_names(table, face.module)
        for name in sorted(names, key=lambda n: (is_private(n), n)):
            found = identity(_resolve_export(table, face.module, name))
            if found is not None and _exported_on_purpose(contract, face, found):
                exported.setdefault(found, []).append((face.module, name))
    return Interface(
        contract=contract,
        public_modules=frozenset(public),
        public_patterns=patterns,
        exported={k: tuple(v) for k, v in exported.items()},
        face_unknown=faces[0].unknown_because,
    )


def _exported_on_purpose(contract: InterfaceContract, face: Face, found: Identity) -> bool:
    """Whether a fix may point at ``face`` for this object: its ``__all__`` lists it, or the
    module (for the package's own face: the package) defines it. A public module without
    ``__all__`` that imports a helper for its own use (``from .version import version_short``)
    lets it be imported from there, but is no place to send people."""
    if face.listed:
        return True
    home = found.module if isinstance(found, Origin) else found[0] if isinstance(found, tuple) else ""
    if face.module == contract.package:
        return contract.contains(home)
    return home == face.module


def _resolve_export(table: SymbolTable, module: str, name: str) -> Resolution:
    """What an exported name is. A lazy package (a module ``__getattr__`` imports on first use:
    pydantic, scikit-image) binds its names only when asked; its ``if TYPE_CHECKING:`` imports say
    what they are, as a type checker reads them."""
    res = table.resolve(module, name)
    if res.status != Status.DYNAMIC:
        return res
    facts, file = table.facts_of(module), table.file_of(module)
    if facts is None or file is None:
        return res
    for fact in facts.imports:
        if (
            fact.type_checking
            and not fact.in_function
            and fact.kind is ImportKind.FROM
            and fact.name not in (None, "*")
            and fact.bound_name == name
        ):
            target = file.import_target(fact)
            if target is not None and fact.name is not None:
                typed = table.resolve(target, fact.name)
                if identity(typed) is not None:
                    return typed
    return res


def _public_names(table: SymbolTable, module: str) -> frozenset[str]:
    return frozenset(n for n in table.exported_names(module) if not n.startswith("_"))


# ---- the per-file part -------------------------------------------------------------------------


def check_interfaces(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    contracts: Sequence[InterfaceContract],
) -> list[Violation]:
    """Every file's findings, fingerprinted (the whole of what ``check`` derives per file)."""
    interfaces = resolve_interfaces(table, contracts)
    found: list[Violation] = []
    if interfaces:
        for file in files:
            file_facts = facts.get(file.path)
            if file_facts is not None:
                found.extend(interface_violations_in_file(table, interfaces, file, file_facts))
    found.sort(key=lambda v: (v.path, v.line, v.column, v.code))  # as assign_fingerprints orders them
    return found


def interface_violations_in_file(
    table: SymbolTable, interfaces: ResolvedInterfaces, file: SourceFile, facts: FileFacts
) -> list[Violation]:
    """One file's AG501-AG503 findings in the order of their lines, columns and codes, each built
    once with its fingerprint (the one ``assign_fingerprints`` gives it: a contract with thousands
    of findings would otherwise pay for building each twice)."""
    if not interfaces:
        return []
    home = _FixHome(table, file)
    fingerprints = Fingerprints()
    return [
        _violation(file, located, home, fingerprints)
        for located in sorted(_findings_in_file(table, interfaces, file, facts), key=_position)
    ]


def _position(located: _Located) -> tuple[int, int, str]:
    return (located.line, located.column, located.finding.code)


class _Finding(NamedTuple):  # thousands are made for a broad contract: a tuple is made in C
    code: str
    message: str
    imported: str
    equivalent: tuple[str, str] | None = None  # where the public face exports the same object
    reason: str | None = None  # why it cannot be fixed
    reached: str = ""  # the module of the package it reaches, when not the one imported from


class _Located(NamedTuple):
    """A finding where it stands: an import statement, or an attribute chain (``fact`` None)."""

    interface: Interface
    finding: _Finding
    line: int
    column: int
    statement: str
    bound: str  # the local name the file uses (kept by the suggested statement)
    fact: ImportFact | None


class _FixHome:
    """Why ``fix`` leaves this file alone (a shim, a package ``__init__``), asked once per file and
    only when some finding of it could be fixed."""

    def __init__(self, table: SymbolTable, file: SourceFile) -> None:
        self._table, self._file = table, file
        self._asked = False
        self._reason: str | None = None

    def reason(self) -> str | None:
        if not self._asked:
            self._reason, self._asked = fix_leaves_alone(self._table, self._file), True
        return self._reason


def _findings_in_file(
    table: SymbolTable, interfaces: ResolvedInterfaces, file: SourceFile, facts: FileFacts
) -> Iterator[_Located]:
    reached: set[str] = set()  # modules this file's own imports were reported for
    known = interfaces._covering  # every import of every file passes here: one lookup for most
    exempt: dict[int, bool] = {}  # per contract, for this file
    for fact in facts.imports:
        target = fact.module if fact.level == 0 else file.import_target(fact)
        if target is None:
            continue
        covering = known.get(target)
        if covering is None:
            covering = interfaces.covering(target)
        for interface in covering:
            outside = exempt.get(id(interface))
            if outside is None:
                outside = exempt[id(interface)] = interface.exempt(file)
            if outside:
                continue
            located = _check_import(table, interface, fact, target)
            if located is not None:
                reached.add(target)
                yield located
    for use in facts.attribute_uses:
        if not interfaces.covering(use.dotted):
            continue  # most attribute chains are of other packages: no module lookups for them
        split = table.split_dotted(use.dotted)
        if split is None or split[0] in reached:
            continue  # ``import P.core`` was reported already; ``P.core.X`` below it says no more
        for interface in interfaces.covering(split[0]):
            if not interface.exempt(file):
                module, name = split
                finding = _judge(
                    table,
                    interface,
                    module,
                    name,
                    table.resolve(module, name),
                    as_imported=name,
                    mark=f" (by attribute: {use.dotted})",
                )
                if finding is not None:
                    yield _Located(interface, finding, use.line, use.column, use.dotted, name, None)


def _check_import(table: SymbolTable, interface: Interface, fact: ImportFact, target: str) -> _Located | None:
    package = interface.package
    mark = _mark(fact)
    if fact.kind is not ImportKind.FROM or fact.name is None:  # ``import P.core``, import_module("P.core")
        if interface.is_public(target):
            return None
        how = "import_module" if fact.kind is ImportKind.DYNAMIC else "import"
        finding = _Finding(
            "AG501",
            f"{how} of {target}, a non-public module of {package}{mark}; import from {package} instead",
            target,
            reason="an import of a module: rewrite the code that uses it to import from the package",
        )
        return _Located(
            interface,
            finding,
            fact.line,
            fact.column,
            fact.statement,
            fact.asname or target.split(".")[0],
            fact,
        )
    name = fact.name
    if name == "*":
        if interface.is_public(target):
            return None  # copies exactly what the module exports
        finding = _Finding(
            "AG501",
            f"* star-imported from {target}, a non-public module of {package}{mark}",
            f"{target}:*",
            reason="star import: name what you use, then it can be rewritten",
        )
        return _Located(interface, finding, fact.line, fact.column, fact.statement, "*", fact)
    res = table.resolve(target, name)
    judged = _judge(table, interface, target, name, res, as_imported=_as_imported(fact), mark=mark)
    if judged is None:
        return None
    return _Located(interface, judged, fact.line, fact.column, fact.statement, fact.asname or name, fact)


def _fixable(located: _Located, home: _FixHome) -> tuple[str | None, str | None]:
    """(the statement to use, why ``fix`` cannot write it): an import statement with an
    equivalent in the public face, in a file ``fix`` rewrites."""
    finding = located.finding
    if finding.equivalent is None:
        return None, finding.reason
    suggestion = _statement(finding.equivalent, located.bound)
    if located.fact is None:
        return suggestion, NOT_FIXABLE_ATTRIBUTE
    return suggestion, home.reason()


def _judge(
    table: SymbolTable,
    interface: Interface,
    module: str,
    name: str,
    res: Resolution,
    *,
    as_imported: str,
    mark: str,
) -> _Finding | None:
    """What is wrong with taking ``name`` from ``module`` (inside the package), if anything."""
    package = interface.package
    imported = f"{module}:{name}"
    if not interface.is_public(module):
        equivalent = interface.equivalent(res, name)
        return _Finding(
            "AG501",
            f"{as_imported} imported from {module}, a non-public module of {package}{mark}",
            imported,
            equivalent,
            None if equivalent else _not_exported(interface, module, res),
        )
    if (
        res.status == Status.MODULE
        and res.origin is not None
        and interface.contract.contains(res.origin.module)
    ):
        if interface.is_public(res.origin.module) or res.origin.module == module:
            return None
        return _Finding(
            "AG501",
            f"{as_imported} imported from {module} is {res.origin.module}, a non-public module of {package}{mark}",
            imported,
            reason="a module: import what you use from the package's public face instead",
            reached=res.origin.module,
        )
    face = public_face(table, module)
    if face.exports(name) or (name.startswith("__") and name.endswith("__")):
        return None
    if identity(res) is None and res.status is not Status.DYNAMIC:
        return None  # a name the module does not provide: a dangling import (AG202), not ours
    equivalent = interface.equivalent(res, name)
    if is_private(name):
        return _Finding(
            "AG502",
            f"{as_imported} imported from {module} is private to {package}{mark}",
            imported,
            equivalent,
            None if equivalent else f"private to {package}: use its public API, or make the name public",
        )
    return _Finding(
        "AG503",
        f"{as_imported} imported from {module} is not exported by {face.label}{mark}",
        imported,
        equivalent,
        None
        if equivalent
        else f"not exported: add it to {face.label if face.listed else module + '.__all__'}, "
        f"or use what {module} exports",
    )


def _not_exported(interface: Interface, module: str, res: Resolution) -> str:
    package = interface.package
    if interface.face_unknown:
        return f"what {package} exports is unknown ({interface.face_unknown})"
    if res.status == Status.MODULE:
        return "a module: import what you use from the package's public face instead"
    return f"{package} does not export it: export it from {package}, or list {module} in also_public"


def _violation(file: SourceFile, located: _Located, home: _FixHome, fingerprints: Fingerprints) -> Violation:
    finding, c = located.finding, located.interface.contract
    suggestion, reason = _fixable(located, home)
    key = finding_identity(finding.code, c.name, file.path, file.module, finding.imported, located.statement)
    return Violation(
        code=finding.code,
        contract=c.name,
        path=file.path,
        line=located.line,
        column=located.column,
        message=_with_advice(finding, suggestion if located.fact is not None else None),
        statement=located.statement,
        importer=file.module,
        imported=finding.imported,
        canonical=_canonical(finding, located.interface),
        suggestion=suggestion,
        fixable=suggestion is not None and reason is None,
        reason=reason,
        contract_reason=c.reason,
        fingerprint=fingerprints.next(key),
        extra=_extra(c, finding),
    )


def _extra(contract: InterfaceContract, finding: _Finding) -> tuple[tuple[str, str], ...]:
    """The package (reporters head the contract with it) and the module reached."""
    reached = finding.reached or finding.imported.partition(":")[0]
    return (("package", contract.package), ("reached", reached))


def _canonical(finding: _Finding, interface: Interface) -> str:
    """The public import a finding points to: the exported ``module:Name``, else the package."""
    if finding.equivalent is not None:
        return f"{finding.equivalent[0]}:{finding.equivalent[1]}"
    return interface.package


def _with_advice(finding: _Finding, suggestion: str | None) -> str:
    if suggestion:
        return f"{finding.message}; use: {suggestion}"
    if finding.reason and finding.code == "AG501" and "export" in finding.reason:
        return f"{finding.message}; {finding.reason}"
    return finding.message


def _statement(equivalent: tuple[str, str], bound: str) -> str:
    """The public statement, keeping the local name the code already uses."""
    module, name = equivalent
    alias = f" as {bound}" if bound != name else ""
    return f"from {module} import {name}{alias}"


def _mark(fact: ImportFact) -> str:
    """Guarded and TYPE_CHECKING imports follow the same rules; the message says which they are."""
    if fact.type_checking:
        return " (TYPE_CHECKING import)"
    if fact.guarded:
        return " (guarded import)"
    return ""


def _as_imported(fact: ImportFact) -> str:
    if fact.asname and fact.asname != fact.name:
        return f"{fact.name} (as {fact.asname})"
    return str(fact.name)


# ---- candidates for discover -------------------------------------------------------------------


def interface_candidates(
    table: SymbolTable, files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> list[InterfaceCandidate]:
    """Every package whose ``__init__`` declares ``__all__`` and is reached into from outside,
    with what a contract on it would report: all of them checked in one pass over the files
    (discover's engine keeps each file's tally instead: ``app/passes/discover.py``)."""
    contracts = candidate_contracts(
        table, [f for f in files if (found := facts.get(f.path)) is not None and declares_all(found)]
    )
    if not contracts:
        return []
    interfaces = resolve_interfaces(table, contracts)
    tallies = [
        interface_tally_in_file(table, interfaces, file, found)
        if (found := facts.get(file.path)) is not None
        else ()
        for file in files
    ]
    return candidates_from_tallies(table, tallies, facts)


def declares_all(facts: FileFacts) -> bool:
    return all_binding(facts) is not None


def all_binding(facts: FileFacts) -> Binding | None:
    """The module's first binding of ``__all__`` (not a ``del``), if any."""
    return next((b for b in facts.bindings if b.name == "__all__" and b.kind is not BindingKind.DELETE), None)


def candidate_contracts(table: SymbolTable, declaring: Iterable[SourceFile]) -> list[InterfaceContract]:
    """The draft contract of every package among ``declaring`` (the files that declare ``__all__``,
    in file order) that is the one file of its importable module."""
    return [
        InterfaceContract(name=file.module, package=file.module, source=file.path)
        for file in declaring
        if file.is_package
        and not file.loose
        and is_dotted_name(file.module)
        and table.file_of(file.module) == file
    ]


# One finding a contract on a package would report, tallied (discover's candidates count them):
# (contract, rule code, fixable, importing group, module reached, from a test file).
Tally = tuple[str, str, bool, str, str, bool]


def interface_tally_in_file(
    table: SymbolTable, interfaces: ResolvedInterfaces, file: SourceFile, facts: FileFacts
) -> tuple[Tally, ...]:
    """What check would report in ``file``, tallied without building, wording and fingerprinting
    each finding (a tree of 10,000 files has tens of thousands of them over all its packages)."""
    home = _FixHome(table, file)
    group, in_tests = importing_group(file.module, file.path), is_test_path(file.path)
    found = []
    for located in _findings_in_file(table, interfaces, file, facts):
        suggestion, reason = _fixable(located, home)
        finding = located.finding
        found.append(
            (
                located.interface.contract.name,
                finding.code,
                suggestion is not None and reason is None,
                group,
                finding.reached or finding.imported.partition(":")[0],
                in_tests,
            )
        )
    return tuple(found)


def candidates_from_tallies(
    table: SymbolTable, tallies_by_file: Iterable[Iterable[Tally]], facts: Mapping[str, FileFacts]
) -> list[InterfaceCandidate]:
    """The candidates (the draft contracts of :func:`candidate_contracts`, each named after its
    package, with something to report), worst first, from every file's tally."""
    from archguard.domain.discovery import InterfaceCandidate

    tallies: dict[str, list[Tally]] = {}
    for tallied in tallies_by_file:
        for tally in tallied:
            tallies.setdefault(tally[0], []).append(tally)
    candidates = []
    for package, found in tallies.items():
        init = table.file_of(package)
        assert init is not None  # a candidate contract's package is the one file of its module
        init_facts = facts[init.path]
        candidates.append(
            InterfaceCandidate(
                package=package,
                path=init.path,
                exports=len(init_facts.all_names) if init_facts.all_names is not None else -1,
                breaks=len(found),
                fixable=sum(1 for t in found if t[2]),
                by_code=tuple(sorted(Counter(t[1] for t in found).items())),
                importers=_most_first(t[3] for t in found),
                reached=_most_first(t[4] for t in found),
                from_tests=sum(1 for t in found if t[5]),
            )
        )
    return sorted(candidates, key=lambda c: (-c.breaks, c.package))


def importing_group(importer: str, path: str) -> str:
    """The package (or, for a file named by its path, the folder) an importer sits in: what
    reach-ins are counted by (``app.orders`` for ``app.orders.service``)."""
    if is_dotted_name(importer):
        if path.endswith("/__init__.py") or "." not in importer:
            return importer
        return importer.rpartition(".")[0]
    folder = path.rpartition("/")[0]
    return folder or "(root)"


def is_test_path(path: str) -> bool:
    """A test file by pytest's conventions: under a ``tests``/``test`` folder, or named
    ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = path.split("/")
    name = parts[-1]
    return (
        any(part in ("tests", "test", "testing") for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _most_first(keys: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(keys).items(), key=lambda item: (-item[1], item[0])))


# ---- the report's view of one contract ---------------------------------------------------------


def interface_overview(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    contract: InterfaceContract,
    violations: Sequence[Violation],
) -> InterfaceOverview:
    """One contract as the report draws it: its face, and its findings (``violations``: the
    check's, of this contract) grouped by importing package and by module reached. The imports
    that use the face as they should are counted too, by importing package."""
    interface = _resolve(table, contract)
    face = public_face(table, contract.package)
    mine = [v for v in violations if v.contract == contract.name]
    by_group: dict[str, list[Violation]] = {}
    for v in mine:
        by_group.setdefault(importing_group(v.importer, v.path), []).append(v)
    reach_ins = [
        ReachIn(
            importer=group,
            count=len(found),
            fixable=sum(1 for v in found if v.fixable),
            by_code=tuple(sorted(Counter(v.code for v in found).items())),
            modules=_most_first(_reached_module(v) for v in found),
        )
        for group, found in by_group.items()
    ]
    reached = Counter(_reached_module(v) for v in mine)
    reached_fixable = Counter(_reached_module(v) for v in mine if v.fixable)
    flagged = {(v.path, v.line) for v in mine}
    through_face: Counter[str] = Counter()
    own = 0
    for file in files:
        if contract.contains(file.module) and not file.loose:
            own += 1
            continue
        file_facts = facts.get(file.path)
        if file_facts is None or interface.exempt(file):
            continue
        for fact in file_facts.imports:
            target = file.import_target(fact)
            if target is not None and interface.is_public(target) and (file.path, fact.line) not in flagged:
                through_face[importing_group(file.module, file.path)] += 1
    return InterfaceOverview(
        name=contract.name,
        package=contract.package,
        reason=contract.reason,
        public_modules=tuple(sorted(interface.public_modules, key=lambda m: (m != contract.package, m))),
        exports=tuple(sorted(face.names)) if face.names is not None else None,
        listed=face.listed,
        modules=own,
        violations=len(mine),
        fixable=sum(1 for v in mine if v.fixable),
        reach_ins=tuple(sorted(reach_ins, key=lambda r: (-r.count, r.importer))),
        reached=tuple(
            (module, count, reached_fixable[module])
            for module, count in sorted(reached.items(), key=lambda item: (-item[1], item[0]))
        ),
        through_face=_most_first(through_face.elements()),
    )


def _reached_module(violation: Violation) -> str:
    """The module of the package an import went to: ``from P import core`` reaches ``P.core``."""
    return dict(violation.extra).get("reached") or violation.imported.partition(":")[0]
