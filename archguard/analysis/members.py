"""Monorepo members (docs/monorepos.md): AG601, a member importing a distribution its
``pyproject.toml`` does not declare, and which members a discovered cluster spans.

AG601 is what breaks when a member is installed alone: in the workspace's shared environment every
member's packages import, so an undeclared import of another member works until the member ships.
What counts as declared (``Member.requires``): dependencies, optional dependencies and dependency
groups other than development ones; a member's tests and scripts (loose files, test paths) may
also use its development groups and the workspace root's. With an environment's metadata
(``--python``), third-party imports are judged the same way.

A finding is an error when the import runs whenever its module does; a warning when it is guarded
(``try: ... except ImportError``), only under ``TYPE_CHECKING``, a literal dynamic import, or
reachable through another declared dependency (it works today, and breaks once that dependency
drops it). Tests and scripts run in the environment their member's declarations make: what a
declared dependency brings along is no finding there. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from archguard.analysis.discover.names import is_test_path
from archguard.analysis.structure import KeyOf, package_key
from archguard.domain.environment import InstalledDistributions, normalise
from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.findings import Severity, Violation
from archguard.domain.sources import MEMBER_CONTRACT, MEMBER_RULE, Member, SourceFile, SourceLayout

if TYPE_CHECKING:  # discover's model: a check never loads it
    from archguard.domain.discovery import Cluster

RULE, CONTRACT = MEMBER_RULE, MEMBER_CONTRACT
_REASON = "declare the dependency in pyproject.toml (archguard edits no project metadata)"


def judges_dependencies(layout: SourceLayout, installed: InstalledDistributions | None) -> bool:
    """Is there anything for AG601 to judge: members that declare their needs and another member
    to import, or an environment to read third-party distributions from?"""
    declaring = [m for m in layout.members if m.requires is not None]
    return bool(declaring) and (
        installed is not None or (layout.is_workspace and any(m.name for m in layout.members))
    )


@dataclass(frozen=True)
class DependencyContext:
    """What every file's judgement needs, built once per run."""

    layout: SourceLayout
    # package module -> the member whose file it is, and whether the file is test code (a member's
    # tests never ship: importing them is no dependency)
    module_member: Mapping[str, tuple[Member, bool]]
    installed: InstalledDistributions | None
    stdlib: frozenset[str]
    loose_modules: frozenset[str]  # scripts and test modules: never third-party

    @cached_property
    def by_distribution(self) -> dict[str, Member]:
        return {normalise(m.name): m for m in self.layout.members if m.name}

    @cached_property
    def workspace_dev(self) -> frozenset[str]:
        """The workspace root's development groups: what every member's tests run with."""
        return self.layout.members[0].dev_requires

    def requirements_of(self, distribution: str) -> frozenset[str]:
        member = self.by_distribution.get(distribution)
        if member is not None:
            return member.requires or frozenset()
        if self.installed is not None:
            return self.installed.requires.get(distribution, frozenset())
        return frozenset()

    def reachable(self, declared: frozenset[str]) -> dict[str, str]:
        """Distribution -> the declared one that brings it in, over every requirement below."""
        via: dict[str, str] = {}
        pending = [(name, name) for name in sorted(declared)]
        while pending:
            name, first = pending.pop()
            for needed in sorted(self.requirements_of(name)):
                if needed not in via and needed not in declared:
                    via[needed] = first
                    pending.append((needed, first))
        return via


def dependency_context(
    files: Sequence[SourceFile],
    layout: SourceLayout,
    installed: InstalledDistributions | None,
    stdlib: frozenset[str],
) -> DependencyContext:
    module_member = {
        f.module: (layout.member_of(f.path), is_test_path(f.path, f.module)) for f in files if not f.loose
    }
    loose = frozenset(f.module for f in files if f.loose and f.module != f.path)
    return DependencyContext(layout, module_member, installed, stdlib, loose)


def undeclared_in_file(context: DependencyContext, file: SourceFile, facts: FileFacts) -> list[Violation]:
    """One file's AG601 findings (not fingerprinted: the caller fingerprints the whole run's)."""
    member = context.layout.member_of(file.path)
    if member.requires is None:
        return []  # its needs cannot be read: nothing to judge
    development = file.loose or is_test_path(file.path[len(member.path) :], file.module)
    declared = member.requires
    if development:  # tests and scripts: the development groups, and a requirements file beside them
        declared = declared | member.dev_requires | context.workspace_dev
        declared |= context.layout.environment_of(file.path, member)
    own = normalise(member.name)
    found: list[Violation] = []
    seen: set[tuple[int, int, str]] = set()
    reachable: dict[str, str] | None = None
    for fact in facts.imports:
        provider = _provider(context, file, fact, member)
        if provider is None:
            continue
        imported, distributions, label = provider
        if own in distributions or not declared.isdisjoint(distributions):
            continue
        key = (fact.line, fact.column, distributions[0])
        if key in seen:
            continue
        seen.add(key)
        if reachable is None:
            reachable = context.reachable(declared)
        via = next((reachable[d] for d in distributions if d in reachable), None)
        if via is not None and development:
            continue  # tests and scripts run where the declared dependencies installed it
        found.append(_violation(file, fact, member, imported, distributions[0], label, development, via))
    return found


def _provider(
    context: DependencyContext, file: SourceFile, fact: ImportFact, member: Member
) -> tuple[str, tuple[str, ...], str] | None:
    """(module imported, the distributions that provide it, how to name the provider) for an import
    of another member's package or, with an environment, of an installed distribution; else None."""
    target = file.import_target(fact)
    if not target:
        return None
    full = (
        f"{target}.{fact.name}" if fact.kind is ImportKind.FROM and fact.name not in (None, "*") else target
    )
    parts = full.split(".")
    if parts[0] in member.ships:
        return None  # its build ships that package, wherever its files sit
    prefixes = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
    for prefix in prefixes:
        found = context.module_member.get(prefix)
        if found is not None:
            provider, test_code = found
            if provider is member or not provider.name or test_code:
                return None
            return target, (normalise(provider.name),), f"member {provider.label} ({provider.path or '.'})"
    if (
        context.installed is None
        or fact.level
        or parts[0] in context.stdlib
        or any(prefix in context.loose_modules for prefix in prefixes)
    ):
        return None
    distributions = context.installed.provided_by(full)
    if not distributions:
        return None
    return (
        target,
        tuple(sorted(distributions)),
        "the installed distribution " + " or ".join(sorted(distributions)),
    )


def _violation(
    file: SourceFile,
    fact: ImportFact,
    member: Member,
    imported: str,
    distribution: str,
    label: str,
    development: bool,
    via: str | None,
) -> Violation:
    config = member.config or "pyproject.toml"
    where = "a development dependency group" if development else "[project] dependencies"
    why = []
    if fact.guarded:
        why.append("guarded by an ImportError handler")
    if fact.type_checking:
        why.append("only under TYPE_CHECKING")
    if fact.kind is ImportKind.DYNAMIC:
        why.append("a dynamic import")
    if via is not None:
        why.append(f"installed today only because {via} requires it")
    note = f" ({'; '.join(why)})" if why else ""
    return Violation(
        code=RULE,
        contract=CONTRACT,
        path=file.path,
        line=fact.line,
        column=fact.column,
        message=f"{member.label} imports {imported} from {label}, which {config} does not declare{note}",
        statement=fact.statement,
        importer=file.module,
        imported=imported,
        suggestion=f'add "{distribution}" to {where} in {config}',
        fixable=False,
        reason=_REASON,
        severity=Severity.WARNING if why else Severity.ERROR,
        extra=(("member", member.label), ("distribution", distribution)),
    )


def cluster_members(cluster: Cluster, layout: SourceLayout) -> tuple[str, ...]:
    """The members whose files define or import a cluster's concept, sorted: a concept that spans
    members is fragmentation across distributions (discover notes it)."""
    paths = [d.path for d in cluster.definitions]
    paths += [importer for access in cluster.access_paths for importer in access.importers]
    return tuple(sorted({layout.member_of(path).label for path in paths if path}))


def grouped_by_member(layout: SourceLayout) -> KeyOf:
    """How the report's overview and dependency matrix group a monorepo's files: by member first
    (``[shop-api]``), then by package as everywhere (analysis/structure.py); a tree that is one
    project keeps the plain package key."""
    if not layout.is_workspace:
        return package_key

    def member_first(source: SourceFile) -> tuple[str, ...]:
        return (f"[{layout.member_of(source.path).label}]", *package_key(source))

    return member_first
