"""Which findings a change is answerable for (``check --changed`` / ``--staged``).

A finding counts when it sits in a changed file, or when a changed file can have caused it: the
module it imports from (or the concept's canonical module) is changed, or takes names, directly or
through a chain of ``from m import x`` re-exports, from a changed module. So removing a re-export
from ``pkg/__init__.py`` makes every ``from pkg import X`` that now dangles count, wherever it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from archguard.domain.facts import FileFacts, ImportKind
from archguard.domain.findings import Violation
from archguard.domain.sources import SourceFile


def module_of_path(path: str, source_roots: Iterable[str] = ("",)) -> str | None:
    """The dotted module a ``.py`` path would be imported by, for files that no longer exist
    (deleted or renamed away): ``app/a/__init__.py`` -> ``app.a``. ``source_roots`` are folders
    that hold packages (``""`` for ROOT, ``"src"``); None when the path is not under one."""
    if not path.endswith(".py"):
        return None
    for source_root in sorted(source_roots, key=len, reverse=True):
        prefix = f"{source_root}/" if source_root else ""
        if path.startswith(prefix):
            parts = path[len(prefix):-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts)
    return None


def affected_modules(
    changed: Collection[str], files: Iterable[SourceFile], facts: Mapping[str, FileFacts]
) -> set[str]:
    """``changed`` module names plus every module whose names may resolve differently because of
    them: those that take names from an affected module (``from m import x``, ``from m import *``),
    transitively."""
    takers: dict[str, set[str]] = {}
    for source in files:
        file_facts = facts.get(source.path)
        if file_facts is None:
            continue
        for fact in file_facts.imports:
            if fact.kind is ImportKind.FROM:
                target = source.import_target(fact)
                if target is not None:
                    takers.setdefault(target, set()).add(source.module)
    affected = set(changed)
    pending = list(affected)
    while pending:
        for taker in takers.get(pending.pop(), ()):
            if taker not in affected:
                affected.add(taker)
                pending.append(taker)
    return affected


def answerable(violation: Violation, changed_paths: Collection[str], affected: Collection[str]) -> bool:
    """Whether the change is answerable for ``violation`` (see the module docstring)."""
    if violation.path in changed_paths:
        return True
    for named in (violation.imported, violation.canonical or ""):
        module = named.partition(":")[0]
        if module and module in affected:
            return True
    return False


def restrict_to_change(
    violations: Iterable[Violation], changed_paths: Collection[str], affected: Collection[str]
) -> list[Violation]:
    return [v for v in violations if answerable(v, changed_paths, affected)]
