"""What ``archguard fix`` will change, decided from ``check``'s own violations (one source of
truth: a violation ``check`` marks fixable becomes an :class:`ImportEdit`; every other one in scope
is listed with its reason), and which shims the change leaves without importers.

Pure: no I/O, no parser. The rewriting itself is the libcst adapter's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archguard.analysis.shim_definition import is_imported_shim, must_stay
from archguard.analysis.symbols import SymbolTable
from archguard.domain.contracts import ConceptContract, split_target
from archguard.domain.facts import FileFacts, ImportKind
from archguard.domain.findings import Kind, Violation
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # a check settles conflicts without loading fix's model
    from archguard.domain.fix import ImportEdit, NotFixed

# The findings whose fix is the same rewrite: one imported name retargeted to ``canonical``.
_REWRITTEN = frozenset({Kind.NON_CANONICAL_IMPORT, Kind.NON_PUBLIC_IMPORT})
_CONFLICT = "contracts disagree on the canonical path of this object ({}): settle the contracts first"


@dataclass
class FixPlan:
    edits: dict[str, list[ImportEdit]] = field(default_factory=dict)  # by path
    not_fixed: list[NotFixed] = field(default_factory=list)

    @property
    def edit_count(self) -> int:
        return sum(len(e) for e in self.edits.values())


def in_scope(path: str, scopes: Sequence[str]) -> bool:
    """``scopes``: paths relative to ROOT (files or folders); empty means the whole tree."""
    if not scopes:
        return True
    return any(s in (".", "") or path == s or path.startswith(s.rstrip("/") + "/") for s in scopes)


def settle_conflicts(violations: Sequence[Violation]) -> list[Violation]:
    """``violations``, with the fixable rewrites that contracts disagree on made unfixable, with
    the reason: two contracts send the same import two ways (nested interface contracts), or a
    rewrite's target is a path another contract sends elsewhere (a concept's canonical past an
    interface's face). Either rewrite would only trade one finding for another, and the two would
    undo each other. ``check`` applies it to what it reports, so ``fixable`` in its output is what
    ``fix`` and the editor's quick fix will do."""
    # Where each contract would send an import path.
    moved: dict[str, set[str]] = {}
    for v in violations:  # fixable first: most findings are not, and kind is looked up
        if v.fixable and v.canonical and v.kind in _REWRITTEN:
            moved.setdefault(v.imported, set()).add(v.canonical)
    if not any(len(targets) > 1 or targets & moved.keys() for targets in moved.values()):
        return list(violations)  # nothing sent two ways (almost every run): no grouping
    by_import: dict[tuple[str, int, str], set[str]] = {}
    for v in violations:
        if v.fixable and v.canonical and v.kind in _REWRITTEN:
            by_import.setdefault((v.path, v.line, v.imported), set()).add(v.canonical)
    conflicts: dict[tuple[str, int, str], str] = {}
    for where, canonicals in by_import.items():
        if len(canonicals) == 1:
            (only,) = canonicals
            canonicals = {only, *moved.get(only, ())}
        if len(canonicals) > 1:
            conflicts[where] = _CONFLICT.format(", ".join(sorted(canonicals)))
    return [
        v._replace(fixable=False, reason=conflicts[key])
        if v.kind in _REWRITTEN and v.fixable and (key := (v.path, v.line, v.imported)) in conflicts
        else v
        for v in violations
    ]


def plan_fix(
    violations: Iterable[Violation], *, concept: str | None = None, scopes: Sequence[str] = ()
) -> FixPlan:
    """Edits for every fixable import in scope (non-canonical, or past a package's public face);
    the rest with their reasons. ``concept``: only the contract of that name."""
    from archguard.domain.fix import ImportEdit, NotFixed

    plan = FixPlan()
    by_import: dict[tuple[str, int, str], list[Violation]] = {}
    for v in settle_conflicts(list(violations)):  # over every contract's findings, before any filter
        if v.kind not in _REWRITTEN:
            continue
        if (concept is not None and v.contract != concept) or not in_scope(v.path, scopes):
            continue
        if not v.fixable or not v.canonical:
            plan.not_fixed.append(
                NotFixed(v.path, v.line, v.code, v.contract, v.statement, v.reason or "not fixable")
            )
            continue
        by_import.setdefault((v.path, v.line, v.imported), []).append(v)
    for (path, line, imported), group in sorted(by_import.items()):
        v = group[0]
        module, name = imported.rpartition(":")[::2]
        canonical_module, canonical_name = split_target(str(v.canonical))
        plan.edits.setdefault(path, []).append(
            ImportEdit(
                line=line,
                name=name,
                module=module,
                canonical_module=canonical_module,
                canonical_name=canonical_name,
                contract=v.contract,
                fingerprint=v.fingerprint,
            )
        )
    plan.not_fixed.sort(key=lambda n: (n.path, n.line, n.code))
    return plan


def unused_shims(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    plan: FixPlan,
    contracts: Sequence[ConceptContract],
    entry_points: Mapping[str, str] | None = None,
) -> list[SourceFile]:
    """Shims the planned edits took importers from and that no other file imports any more,
    leaving out those that must stay all the same (a documented public module, a declared entry
    point: :func:`archguard.analysis.shim_definition.must_stay`).

    A shim here is what :mod:`archguard.analysis.shim_definition` says, never a package
    ``__init__``, a loose file, or a module on a contract's canonical re-export chain. Any remaining import of the module
    (``from shim import other``, ``import shim``, ``from pkg import shim``, ``import_module``)
    keeps it; shims that only other unused shims import go too.
    """
    by_module = {f.module: f for f in files if not f.loose}
    protected: set[str] = set()
    for contract in contracts:
        protected |= table.chain_modules(*split_target(contract.canonical))
        protected.add(split_target(contract.canonical)[0])
    candidates = {
        e.module
        for edits in plan.edits.values()
        for e in edits
        if e.module in by_module
        and not by_module[e.module].is_package
        and e.module not in protected
        and is_imported_shim(table, e.module)  # the plan's edits import from it
        and not must_stay(table, e.module, entry_points or {})
    }
    removed = {(path, e.line, e.module, e.name) for path, edits in plan.edits.items() for e in edits}
    gone: set[str] = set()
    changed = True
    while changed:
        changed = False
        for module in sorted(candidates - gone):
            if not _still_imported(module, files, facts, removed, gone):
                gone.add(module)
                changed = True
    return sorted((by_module[m] for m in gone), key=lambda f: f.path)


def _still_imported(
    module: str,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    removed: set[tuple[str, int, str, str]],
    gone: set[str],
) -> bool:
    parent, _, last = module.rpartition(".")
    for file in files:
        if file.module == module or file.module in gone:
            continue
        file_facts = facts.get(file.path)
        if file_facts is None:
            continue
        for fact in file_facts.imports:
            target = file.import_target(fact)
            if target is None:
                continue
            if fact.kind is ImportKind.FROM:
                if target == module and (file.path, fact.line, module, fact.name) not in removed:
                    return True
                if target == parent and fact.name in (last, "*"):
                    return True
            elif target == module or target.startswith(module + "."):
                return True
    return False
