"""Which findings a change is answerable for (``check --changed`` / ``--staged``).

A finding counts when it sits in a changed file, or when a changed file can have caused it: the
module it imports from (or the concept's canonical module) is changed, or takes names, directly or
through a chain of ``from m import x`` re-exports, from a changed module. So removing a re-export
from ``pkg/__init__.py`` makes every ``from pkg import X`` that now dangles count, wherever it is.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Mapping

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
            parts = path[len(prefix) : -3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts)
    return None


class ChangeReach:
    """Whether a module's names can depend on a changed module: it is changed, or it takes names
    (``from m import x``, ``from m import *``) from one that can, transitively.

    Searched forward from the modules findings name, on demand: only the facts of modules on
    those re-export chains are looked at (a warm run keeps the rest undecoded in the cache).
    ``known_sources``: what an earlier search of the same scan learned (:attr:`sources`), so those
    modules' facts are not decoded again."""

    def __init__(
        self,
        changed: Collection[str],
        files: Iterable[SourceFile],
        facts: Mapping[str, FileFacts],
        known_sources: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._reaching = set(changed)
        self._not_reaching: set[str] = set()
        self._files = {source.module: source for source in files}
        self._facts = facts
        self._sources: dict[str, tuple[str, ...]] = dict(known_sources or {})
        self.learned = False  # some module's sources were read from its facts during this search

    @property
    def sources(self) -> dict[str, tuple[str, ...]]:
        """Module -> the modules it takes names from, for every module searched so far."""
        return self._sources

    def __contains__(self, module: object) -> bool:
        if not isinstance(module, str):
            return False
        if module in self._reaching:
            return True
        if module in self._not_reaching:
            return False
        seen = {module}
        pending = [module]
        while pending:
            for target in self._sources_of(pending.pop()):
                if target in self._reaching:
                    self._reaching.add(module)
                    return True
                if target not in seen and target not in self._not_reaching:
                    seen.add(target)
                    pending.append(target)
        # nothing reachable from here reaches a change, so nothing reachable from them does either
        self._not_reaching |= seen
        return False

    def _sources_of(self, module: str) -> Iterable[str]:
        known = self._sources.get(module)
        if known is None:
            known = self._sources[module] = tuple(sorted(self._read_sources(module)))
            self.learned = True
        return known

    def _read_sources(self, module: str) -> Iterable[str]:
        """Modules ``module`` takes names from, read from its facts."""
        source = self._files.get(module)
        file_facts = self._facts.get(source.path) if source is not None else None
        if source is None or file_facts is None:
            return ()
        targets = (source.import_target(fact) for fact in file_facts.imports if fact.kind is ImportKind.FROM)
        return {target for target in targets if target is not None}


def answerable(violation: Violation, changed_paths: Container[str], affected: Container[str]) -> bool:
    """Whether the change is answerable for ``violation`` (see the module docstring)."""
    if violation.path in changed_paths:
        return True
    for named in (violation.imported, violation.canonical or ""):
        module = named.partition(":")[0]
        if module and module in affected:
            return True
    return False


def restrict_to_change(
    violations: Iterable[Violation], changed_paths: Container[str], affected: Container[str]
) -> list[Violation]:
    return [v for v in violations if answerable(v, changed_paths, affected)]
