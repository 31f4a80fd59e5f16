"""Dangling imports: imports of internal modules or names that do not exist.

Each one is an ImportError waiting for the test run. Only what is inside the analysed tree is
checked (``import os`` is not our business); relative imports always are. A name that may exist
(module ``__getattr__``, a star import we cannot see through, an unparsed module) or that sits on
a re-export cycle is not reported: we report only what we know is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from archguard.analysis.symbols import PathsHolding, Status, SymbolTable
from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.findings import Severity, Violation, assign_fingerprints
from archguard.domain.ordering import dangling_order
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile

CONTRACT = "dangling-imports"
_NOT_FIXABLE = "nothing to rewrite to"
# A module constant, asked of every import: on Python 3.11 an enum member looked up on its class
# goes through EnumType.__getattr__'s slot, several times a constant's cost.
_FROM = ImportKind.FROM


def find_dangling(
    table: SymbolTable, files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> list[DanglingImport]:
    """Every import in every parsed file whose module or name is missing, sorted by path, line."""
    found: list[DanglingImport] = []
    for file in files:
        file_facts = facts.get(file.path)
        if file_facts is not None:
            found.extend(dangling_in_file(table, file, file_facts))
    found.sort(key=dangling_order)
    return with_writes_elsewhere(table, found, lambda kind: list(facts))


def with_writes_elsewhere(
    table: SymbolTable, found: Sequence[DanglingImport], paths_holding: PathsHolding
) -> list[DanglingImport]:
    """``found`` with the findings no module's own facts explain checked against what *other*
    modules do: set the name on the module (``setattr(m, ...)``, ``m.X = v``), register the
    module in ``sys.modules``. A whole-run pass, after the per-file findings (whose incremental
    derivation traces only the modules each file consults): what one module does to another may
    sit in any file. ``paths_holding(kind)``: the files whose facts may hold a DynamicFact of that
    kind (only those are read)."""
    result = list(found)
    for i, d in enumerate(result):
        if d.maybe or d.imported.startswith("."):
            continue
        module, _, name = d.imported.partition(":")
        if d.missing == "name":
            why = table.set_elsewhere(module, name, paths_holding)
        else:
            why = table.registered_elsewhere(module, paths_holding)
        if why:
            result[i] = replace(d, maybe=why)
    return result


def dangling_in_file(table: SymbolTable, file: SourceFile, file_facts: FileFacts) -> list[DanglingImport]:
    """One file's dangling imports, in statement order (a file's share of :func:`find_dangling`)."""
    found: list[DanglingImport] = []
    # ``from gone import A, B, C`` is one missing module, not three: one finding per statement.
    seen_modules: set[tuple[int, int, str]] = set()
    for fact in file_facts.imports:
        missing = _missing(table, file, fact)
        if missing is not None:
            what, imported = missing
            if what == "module":
                key = (fact.line, fact.column, imported)
                if key in seen_modules:
                    continue
                seen_modules.add(key)
            found.append(
                DanglingImport(
                    path=file.path,
                    line=fact.line,
                    column=fact.column,
                    importer=file.module,
                    imported=imported,
                    statement=fact.statement,
                    missing=what,
                    guarded=fact.guarded,
                    type_checking=fact.type_checking,
                    maybe=_maybe_bound(table, what, imported),
                )
            )
    return found


def _missing(table: SymbolTable, file: SourceFile, fact: ImportFact) -> tuple[str, str] | None:
    """("module" | "name", imported) when the import cannot succeed, else None."""
    target = file.import_target(fact)
    if target is None:
        # Dots that climb above the top-level package: keep the import as written.
        return "module", "." * fact.level + fact.module
    if fact.level == 0 and not table.is_internal(target):
        return None  # outside the tree (stdlib, third party): not checked
    if fact.level and not table.module_exists(target):
        return "module", target  # relative imports always point inside the tree
    if fact.kind is not _FROM or fact.name == "*":
        # ``import a.b.c``, dynamic imports and star imports need the module itself.
        if table.resolve_module(target).status == Status.MISSING_MODULE:
            return "module", target
        return None
    assert fact.name is not None
    if table.binds_at_runtime(target, fact.name):
        return None
    if (fact.type_checking or _replaces_itself(table, target)) and table.binds_when_type_checking(
        target, fact.name
    ):
        # An import only the type checker runs may use names only it sees; and a lazy module
        # (transformers' ``_LazyModule``) lists under ``if TYPE_CHECKING:`` what it serves.
        return None
    res = table.resolve(target, fact.name)
    if not res.fails_here:
        return None  # found, may exist, or broken further down a re-export chain (reported there)
    if res.status == Status.MISSING_MODULE:
        return "module", target
    return "name", f"{target}:{fact.name}"


def _replaces_itself(table: SymbolTable, module: str) -> bool:
    facts = table.facts_of(module)
    return facts is not None and facts.replaces_module


def _maybe_bound(table: SymbolTable, what: str, imported: str) -> str:
    """Why a missing name or module may exist at run time after all ("" if no reason): code
    archguard does not follow may change the module's namespace, its package's ``__path__`` or
    ``sys.modules`` (docs/dangling.md, "Warnings, not errors")."""
    module, _, name = imported.partition(":")
    if what == "module":
        return "" if module.startswith(".") else table.may_exist(module)
    if table.file_of(module) is None and table.module_exists(module):
        # a name missing from a namespace package is a missing submodule (PEP 420)
        return table.may_exist(f"{module}.{name}")
    file = table.file_of(module)
    if file is not None and file.is_package:
        # ``from pkg import name`` imports the submodule ``pkg.name`` when ``pkg`` binds no such
        # name: whatever may provide that submodule (a stub-only extension, a registration, a
        # growing ``__path__``) may provide the name.
        why = table.may_exist(f"{module}.{name}")
        if why:
            return why
    return table.may_bind(module, name)


def dangling_violations(dangling: Sequence[DanglingImport]) -> list[Violation]:
    """AG201 / AG202 findings; a guarded import (the code expects the ImportError) is a warning."""
    violations = []
    for d in dangling:
        violations.append(
            Violation(
                code=d.code,
                contract=CONTRACT,
                path=d.path,
                line=d.line,
                column=d.column,
                message=d.message,
                statement=d.statement,
                importer=d.importer,
                imported=d.imported,
                fixable=False,
                reason=_NOT_FIXABLE,
                severity=Severity.WARNING if d.guarded or d.maybe else Severity.ERROR,
            )
        )
    return assign_fingerprints(violations)
