"""Concept contracts: one concept, one home, one import path.

For a contract with canonical ``module:Name`` we resolve its origin O once, then look at every
import and attribute use of every parsed file (packages, tests, scripts):

* AG101 an import that reaches O through another path (a shim, a package re-export, an alias);
* AG102 an import of a *different* object that claims the concept (``also`` names, wrapper
  subclasses of O) - not fixable: rewriting would change which object the code gets;
* AG111 each such other definition itself;
* AG103 ``pkg.mod.Name`` attribute access reaching O through a non-canonical module.

The modules that implement the canonical path (O's module and every re-export hop from O to the
canonical name), ``allowed_importers`` and ``ignore_imports`` are exempt from AG101-AG103.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from archguard.analysis.shim_definition import fix_leaves_alone, is_imported_shim
from archguard.analysis.symbols import Origin, Resolution, Status, SymbolTable
from archguard.domain.contracts import ConceptContract, duplicate_names, module_matches, split_target
from archguard.domain.errors import ContractError
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportFact, ImportKind
from archguard.domain.findings import Violation, assign_fingerprints
from archguard.domain.sources import SourceFile

_NOT_FIXABLE_OTHER_OBJECT = (
    "a different object (a second definition or a subclass), not another path to the canonical "
    "one: rewriting the import would change behaviour"
)
_NOT_FIXABLE_STAR = "star import: name the concept explicitly, then it can be rewritten"
NOT_FIXABLE_ATTRIBUTE = "attribute access through a module: rewrite the expression by hand"


# ---- validation -------------------------------------------------------------------------------


def validate_contracts(table: SymbolTable, contracts: Sequence[ConceptContract]) -> None:
    """Raise :class:`ContractError` listing every problem with the contracts themselves (canonical
    paths that do not resolve, duplicate names); return when they can all be checked."""
    errors = duplicate_names(contracts)
    for contract in contracts:
        where = f"{contract.source}: " if contract.source else ""
        problem = _target_problem(table, contract.canonical)
        if problem:
            errors.append(f"{where}canonical '{contract.canonical}': {problem}")
        for other in contract.also:
            if ":" in other:
                problem = _target_problem(table, other)
                if problem:
                    errors.append(f"{where}also '{other}': {problem}")
    if errors:
        raise ContractError(errors)


def _target_problem(table: SymbolTable, target: str) -> str | None:
    module, name = split_target(target)
    if not module or not name:
        return "must be written module:Name"
    res = table.resolve(module, name)
    if res.found:
        return None
    failed_at = res.chain[-1][0] if res.chain else module
    return {
        Status.MISSING_MODULE: f"module {failed_at} does not exist",
        Status.MISSING_NAME: f"module {failed_at} has no name '{res.chain[-1][1] if res.chain else name}'",
        Status.EXTERNAL: f"module {module} is outside the analysed tree",
        Status.CYCLE: "re-export cycle: " + " -> ".join(f"{m}:{n}" for m, n in res.chain),
        Status.DYNAMIC: f"module {module} may provide '{name}' only dynamically (__getattr__ or star import)",
        Status.UNPARSED: f"module {failed_at} could not be parsed",
    }.get(res.status, f"cannot be resolved ({res.status.value})")


# ---- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Concept:
    """One contract, resolved: what counts as the concept and who is exempt."""

    contract: ConceptContract
    origin: Origin
    rivals: frozenset[Origin]  # other objects claiming the concept (AG102 / AG111)
    implementers: frozenset[str]  # modules on the canonical re-export chain

    def exempt(self, importer: str, imported_module: str) -> bool:
        if importer in self.implementers:
            return True
        if any(module_matches(importer, glob) for glob in self.contract.allowed_importers):
            return True
        for rule in self.contract.ignore_imports:
            source, arrow, target = rule.partition("->")
            if (
                arrow
                and module_matches(importer, source.strip())
                and module_matches(imported_module, target.strip())
            ):
                return True
        return False

    def is_canonical(self, module: str, name: str) -> bool:
        return (module, name) == split_target(self.contract.canonical)


def check_concepts(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    contracts: Sequence[ConceptContract],
    index: ConceptIndex | None = None,
) -> list[Violation]:
    """Violations of every contract whose canonical path resolves (see validate_contracts).

    One pass over the tree for all contracts: each import is resolved once, and only imports that
    reach some concept's object (or a rival of it) are looked at contract by contract, so twenty
    contracts cost about what one does. ``index``: the tree's :class:`ConceptIndex`, built once
    for checks made one contract at a time (``CanonicalContract`` under ``lint-imports``): then
    only the files whose imports reach the contract's objects are looked at again.
    """
    definitions = index.definitions(contracts) if index is not None else None
    concepts = resolve_concepts(table, contracts, definitions)
    violations = duplicate_definitions(concepts)
    if not concepts:
        return violations
    chosen = index.files_reaching(concepts.claimed) if index is not None else files
    for file in chosen:
        file_facts = facts.get(file.path)
        if file_facts is not None:
            violations.extend(concept_violations_in_file(table, concepts, file, file_facts))
    return assign_fingerprints(violations)


class ConceptIndex:
    """What every concept check reads of a tree, resolved once: per file the objects its imports
    and attribute uses reach (and whether it star-imports anything), and the definitions that may
    claim a concept. A contract then costs its own resolution plus the files that reach its
    objects, not a pass over every import of the tree."""

    def __init__(
        self, table: SymbolTable, files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
    ) -> None:
        self._reaching: dict[Origin, list[int]] = {}
        self._star: list[int] = []  # files with a star import: checked for every contract
        self._files = list(files)
        self._by_name: dict[str, list[tuple[str, Binding]]] = {}
        self._wrappers: list[tuple[str, Binding]] = []  # empty-bodied subclasses: possible wrappers
        for i, file in enumerate(self._files):
            file_facts = facts.get(file.path)
            if file_facts is None:
                continue
            reached: set[Origin] = set()
            for fact in file_facts.imports:
                if fact.kind is not ImportKind.FROM or fact.name is None:
                    continue
                if fact.name == "*":
                    self._star.append(i)
                    continue
                module = file.import_target(fact)
                origin = table.resolve(module, fact.name).origin if module is not None else None
                if origin is not None:
                    reached.add(origin)
            for use in file_facts.attribute_uses:
                split = table.split_dotted(use.dotted)
                origin = table.resolve(*split).origin if split is not None else None
                if origin is not None:
                    reached.add(origin)
            for origin in reached:
                self._reaching.setdefault(origin, []).append(i)
        for module, binding in table.definitions():
            self._by_name.setdefault(binding.name, []).append((module, binding))
            if binding.kind is BindingKind.CLASS and binding.bases and binding.empty_body:
                self._wrappers.append((module, binding))

    def files_reaching(self, claimed: Iterable[Origin]) -> list[SourceFile]:
        """The files whose imports reach one of these objects, or that star-import, in file order."""
        chosen = set(self._star)
        for origin in claimed:
            chosen.update(self._reaching.get(origin, ()))
        return [self._files[i] for i in sorted(chosen)]

    def definitions(self, contracts: Sequence[ConceptContract]) -> list[tuple[str, Binding]]:
        """The definitions :func:`resolve_concepts` may count as rivals of these contracts."""
        bare_names = {n for c in contracts for n in c.also if ":" not in n} | {
            c.canonical_name for c in contracts
        }
        found = {(module, binding) for name in bare_names for module, binding in self._by_name.get(name, ())}
        found.update(self._wrappers)
        return sorted(found, key=lambda pair: (pair[0], pair[1].line, pair[1].name))


@dataclass(frozen=True)
class ResolvedConcepts:
    """Every contract whose canonical path resolves, with what counts as its concept; the unit an
    incremental check compares run to run (:attr:`summary`)."""

    concepts: tuple[_Concept, ...]
    claimed: frozenset[Origin]  # every concept's origin and rivals

    def __bool__(self) -> bool:
        return bool(self.concepts)

    @property
    def summary(self) -> str:
        """What a file's concept findings depend on besides the file and the modules it consults."""
        return repr(
            [
                (c.contract, c.origin, sorted(c.rivals, key=repr), sorted(c.implementers))
                for c in self.concepts
            ]
        )


def resolve_concepts(
    table: SymbolTable,
    contracts: Sequence[ConceptContract],
    definitions: Iterable[tuple[str, Binding]] | None = None,
) -> ResolvedConcepts:
    """``definitions``: the (module, binding) pairs that may be rivals (see
    :func:`rival_candidates`); None: every definition of the table."""
    if definitions is not None:
        definitions = list(definitions)
    resolved = [c for c in (_resolve_concept(table, k, definitions) for k in contracts) if c is not None]
    claimed = frozenset({c.origin for c in resolved} | {rival for c in resolved for rival in c.rivals})
    return ResolvedConcepts(tuple(resolved), claimed)


# A module constant: built from the enum class for each binding of each file, the tuple costs a
# third of rival_candidates (a check with concepts asks it of every file).
_DEFINITIONS = (BindingKind.CLASS, BindingKind.FUNCTION)


def rival_candidates(contracts: Sequence[ConceptContract], file_facts: FileFacts) -> list[Binding]:
    """The bindings of one file that :func:`resolve_concepts` may count as rivals: definitions
    named like a concept, and empty-bodied subclasses (possible wrappers)."""
    bare_names = {n for c in contracts for n in c.also if ":" not in n} | {
        c.canonical_name for c in contracts
    }
    return [
        b
        for b in file_facts.bindings
        if b.kind in _DEFINITIONS
        and (b.name in bare_names or (b.kind is BindingKind.CLASS and bool(b.bases) and b.empty_body))
    ]


def duplicate_definitions(concepts: ResolvedConcepts) -> list[Violation]:
    """AG111: each rival definition itself."""
    return [v for c in concepts.concepts for v in _duplicate_definitions(c)]


def concept_violations_in_file(
    table: SymbolTable, concepts: ResolvedConcepts, file: SourceFile, file_facts: FileFacts
) -> list[Violation]:
    """One file's AG101-AG103 findings (a file's share of :func:`check_concepts`, unfingerprinted)."""
    violations: list[Violation] = []
    claimed = concepts.claimed
    for fact in file_facts.imports:
        if not _may_reach(table, file, fact, claimed):
            continue
        for concept in concepts.concepts:
            violation = _check_import(table, concept, file, fact)
            if violation is not None:
                violations.append(violation)
    for use in file_facts.attribute_uses:
        split = table.split_dotted(use.dotted)
        if split is None or table.resolve(*split).origin not in claimed:
            continue
        for concept in concepts.concepts:
            violation = _check_attribute(table, concept, file, use.dotted, use.line, use.column)
            if violation is not None:
                violations.append(violation)
    return violations


def _may_reach(table: SymbolTable, file: SourceFile, fact: ImportFact, claimed: frozenset[Origin]) -> bool:
    """Could this import be any contract's business? (A cheap superset of _check_import's cases.)"""
    if fact.kind is not ImportKind.FROM or fact.name is None:
        return False
    if fact.name == "*":
        return True  # what a star import brings in is checked name by name, per contract
    module = file.import_target(fact)
    return module is not None and table.resolve(module, fact.name).origin in claimed


def _resolve_concept(
    table: SymbolTable, contract: ConceptContract, definitions: list[tuple[str, Binding]] | None
) -> _Concept | None:
    module, name = split_target(contract.canonical)
    res = table.resolve(module, name)
    if not res.found or res.origin is None:
        return None
    origin = res.origin
    return _Concept(
        contract=contract,
        origin=origin,
        rivals=frozenset(_rivals(table, contract, origin, definitions)),
        implementers=table.chain_modules(module, name),
    )


def _rivals(
    table: SymbolTable,
    contract: ConceptContract,
    origin: Origin,
    definitions: list[tuple[str, Binding]] | None,
) -> set[Origin]:
    """Other objects that claim the concept: definitions named like it (the canonical name or a
    bare ``also`` name), ``also`` targets, and (transitive) empty wrapper subclasses of the origin."""
    rivals: set[Origin] = set()
    # A class or def carrying the canonical name in another module claims the concept too.
    bare_names = {n for n in contract.also if ":" not in n} | {contract.canonical_name}
    for other in contract.also:
        if ":" in other:
            res = table.resolve_target(other)
            if res.origin is not None and res.origin != origin:
                rivals.add(res.origin)
    # Only empty-bodied subclasses can be wrappers; origins are built only for the candidates
    # (a large tree has hundreds of thousands of definitions).
    classes = []
    for module, binding in table.definitions() if definitions is None else definitions:
        if binding.kind not in (BindingKind.CLASS, BindingKind.FUNCTION):
            continue
        if binding.name in bare_names:
            o = table.origin_of_binding(module, binding)
            if o != origin:
                rivals.add(o)
        if binding.kind is BindingKind.CLASS and binding.bases and binding.empty_body:
            classes.append((module, binding, table.origin_of_binding(module, binding)))
    # Wrapper subclasses of O (a body of only pass/.../a docstring: the same concept under another
    # name), and wrappers of those, until nothing new turns up. A subclass that adds behaviour is a
    # specialisation, not a second home, and is left alone.
    claimed = {origin}
    changed = True
    while changed:
        changed = False
        for module, binding, o in classes:
            if o in claimed:
                continue
            for base in binding.bases:
                base_origin = table.resolve_expression(module, base, before_line=binding.line).origin
                if base_origin in claimed:
                    claimed.add(o)
                    rivals.add(o)
                    changed = True
                    break
    return rivals


def _duplicate_definitions(concept: _Concept) -> list[Violation]:
    c = concept.contract
    out = []
    for rival in sorted(concept.rivals, key=lambda o: (o.path, o.line, o.module, o.name)):
        keyword = {"class": "class", "function": "def"}.get(rival.kind, "")
        out.append(
            Violation(
                code="AG111",
                contract=c.name,
                path=rival.path,
                line=rival.line,
                column=1,
                message=(
                    f"{rival.target} is a second definition claiming the concept '{c.name}'; "
                    f"the one home is {c.canonical}"
                ),
                statement=f"{keyword} {rival.name}".strip(),
                importer=rival.module,
                imported=rival.target,
                canonical=c.canonical,
                fixable=False,
                reason="a definition, not an import: merge it into the canonical one by hand",
                contract_reason=c.reason,
            )
        )
    return out


def _check_import(
    table: SymbolTable, concept: _Concept, file: SourceFile, fact: ImportFact
) -> Violation | None:
    if fact.kind is not ImportKind.FROM:
        # ``import a.b`` / import_module("a.b") yield the module a.b itself, never an alias of
        # another object; their attribute uses are checked separately (AG103).
        return None
    module = file.import_target(fact)
    if module is None or fact.name is None:
        return None
    if fact.name == "*":
        return _check_star(table, concept, file, fact, module)
    if concept.is_canonical(module, fact.name):
        return None
    res = table.resolve(module, fact.name)
    if res.origin is None or (res.origin != concept.origin and res.origin not in concept.rivals):
        return None  # most imports have nothing to do with the concept: no glob matching for them
    if concept.exempt(file.module, module):
        return None
    if res.origin == concept.origin:
        bound = fact.asname or fact.name
        # The canonical module only re-exporting is the concept's home, never "a shim". ``module``
        # is imported right here, so the definition's "others import it" part holds.
        is_home = module == concept.contract.canonical_module
        shim = " (a shim)" if not is_home and is_imported_shim(table, module) else ""
        home = fix_leaves_alone(table, file)
        return _violation(
            concept,
            "AG101",
            file,
            fact,
            module,
            fact.name,
            message=f"{_as_imported(fact)} imported from {module}{shim}; use: {_suggestion(concept, bound)}",
            suggestion=_suggestion(concept, bound),
            fixable=home is None,
            reason=home,
        )
    if res.origin in concept.rivals:
        return _rival_import(concept, file, fact, module, fact.name, res)
    return None


def _check_star(
    table: SymbolTable, concept: _Concept, file: SourceFile, fact: ImportFact, module: str
) -> Violation | None:
    """``from shim import *`` brings the concept in through a non-canonical module."""
    if module == split_target(concept.contract.canonical)[0] or concept.exempt(file.module, module):
        return None
    for name in sorted(table.star_exports(module)):
        res = table.resolve(module, name)
        if res.origin == concept.origin:
            suggestion = _suggestion(concept, concept.contract.canonical_name)
            return _violation(
                concept,
                "AG101",
                file,
                fact,
                module,
                name,
                message=f"{name} star-imported from {module}; use: {suggestion}",
                suggestion=suggestion,
                fixable=False,
                reason=_NOT_FIXABLE_STAR,
            )
        if res.origin in concept.rivals:
            return _rival_import(concept, file, fact, module, name, res)
    return None


def _check_attribute(
    table: SymbolTable, concept: _Concept, file: SourceFile, dotted: str, line: int, column: int
) -> Violation | None:
    split = table.split_dotted(dotted)
    if split is None:
        return None
    module, name = split
    if concept.is_canonical(module, name):
        return None
    res = table.resolve(module, name)
    if res.origin is None or concept.exempt(file.module, module):
        return None
    c = concept.contract
    if res.origin == concept.origin:
        code, fixable_reason = "AG103", NOT_FIXABLE_ATTRIBUTE
        message = f"{module}.{name} reaches {c.canonical} by attribute; use: {_suggestion(concept, c.canonical_name)}"
    elif res.origin in concept.rivals:
        code, fixable_reason = "AG102", _NOT_FIXABLE_OTHER_OBJECT
        message = _rival_message(concept, f"{module}.{name}", f"{module}:{name}", res)
    else:
        return None
    return Violation(
        code=code,
        contract=c.name,
        path=file.path,
        line=line,
        column=column,
        message=message,
        statement=dotted,
        importer=file.module,
        imported=f"{module}:{name}",
        canonical=c.canonical,
        suggestion=_suggestion(concept, c.canonical_name),
        fixable=False,
        reason=fixable_reason,
        contract_reason=c.reason,
    )


def _rival_import(
    concept: _Concept, file: SourceFile, fact: ImportFact, module: str, name: str, res: Resolution
) -> Violation:
    what = f"{_as_imported(fact)} imported from {module}"
    return _violation(
        concept,
        "AG102",
        file,
        fact,
        module,
        name,
        message=_rival_message(concept, what, f"{module}:{name}", res),
        suggestion=_suggestion(concept, concept.contract.canonical_name),
        fixable=False,
        reason=_NOT_FIXABLE_OTHER_OBJECT,
    )


def _rival_message(concept: _Concept, what: str, imported: str, res: Resolution) -> str:
    assert res.origin is not None
    other = "" if res.origin.target == imported else f" (defined as {res.origin.target})"
    return (
        f"{what} is a different object{other} claiming the concept "
        f"'{concept.contract.name}'; use: {_suggestion(concept, concept.contract.canonical_name)}"
    )


def _as_imported(fact: ImportFact) -> str:
    """The name as the statement imports it, and the local name when that differs:
    ``UnifiedManager (as Manager)``. The local name alone would make ``from app.core import
    UnifiedManager as Manager`` read like the suggested ``from app.core import Manager``."""
    if fact.asname and fact.asname != fact.name:
        return f"{fact.name} (as {fact.asname})"
    return str(fact.name)


def _suggestion(concept: _Concept, bound: str) -> str:
    """The canonical statement, keeping the local name the code already uses."""
    module, name = split_target(concept.contract.canonical)
    alias = f" as {bound}" if bound != name else ""
    return f"from {module} import {name}{alias}"


def _violation(
    concept: _Concept,
    code: str,
    file: SourceFile,
    fact: ImportFact,
    module: str,
    name: str,
    *,
    message: str,
    suggestion: str,
    fixable: bool,
    reason: str | None,
) -> Violation:
    c = concept.contract
    return Violation(
        code=code,
        contract=c.name,
        path=file.path,
        line=fact.line,
        column=fact.column,
        message=message,
        statement=fact.statement,
        importer=file.module,
        imported=f"{module}:{name}",
        canonical=c.canonical,
        suggestion=suggestion,
        fixable=fixable,
        reason=reason,
        contract_reason=c.reason,
    )
