"""Files archguard cannot analyse, as findings: AG001 (does not parse for the target Python) and
AG002 (cannot be read or decoded). And the baseline entries such a file holds while it is broken.

A file that stops parsing has no facts, so its own findings vanish, and so do findings elsewhere
that were read through it (a name re-exported by a shim that no longer parses cannot be resolved).
Were those baseline entries reported stale, ``--update-baseline`` would drop them and every one
would come back as new once the file is repaired. So the broken file is a finding of its own (new
ones fail ``check``; baselined like any other, by file: the message and line change as it is
edited), and an entry that the broken file may be hiding is *held*: neither matched nor stale,
kept by ``--update-baseline`` and ``baseline``, until the file can be read again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from archguard.domain.facts import FileFacts, SyntaxIssue, UnreadableFile
from archguard.domain.findings import Violation, fingerprint
from archguard.domain.sources import SourceFile

CONTRACT = "analysable-files"
SYNTAX_ERROR = "AG001"
UNREADABLE = "AG002"
_NOT_FIXABLE = "repair the file (or exclude it): archguard cannot read its imports"


def broken_file_findings(
    syntax_errors: Iterable[SyntaxIssue], unreadable: Iterable[UnreadableFile]
) -> list[Violation]:
    """One finding per file that cannot be analysed, fingerprinted by its code and path only."""
    found = [
        Violation(
            code=SYNTAX_ERROR,
            contract=CONTRACT,
            path=issue.path,
            line=issue.line,
            column=issue.column,
            message=f"syntax error: {issue.message}",
            reason=_NOT_FIXABLE,
            fingerprint=fingerprint(SYNTAX_ERROR, issue.path),
        )
        for issue in syntax_errors
    ]
    found += [
        Violation(
            code=UNREADABLE,
            contract=CONTRACT,
            path=file.path,
            line=1,
            column=1,
            message=f"unreadable: {file.reason}",
            reason=_NOT_FIXABLE,
            fingerprint=fingerprint(UNREADABLE, file.path),
        )
        for file in unreadable
    ]
    return found


def held_entries(
    entries: Sequence[dict[str, Any]],
    broken_paths: set[str],
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    canonical_modules: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(held, stale): of baseline entries no finding matched, those a broken file may be hiding.

    An entry is held when its own file is broken, or when what it is about may be read through a
    broken module: its imported module, or its concept's canonical module (``canonical_modules``:
    contract name -> module), imports a broken module directly or through other modules (any
    import: names flow through re-exports, import-linter's chains through any import). That is a
    superset on purpose: holding an entry only delays its being reported stale until the file
    parses again; dropping one would turn it into a new violation then."""
    if not broken_paths or not entries:
        return [], list(entries)
    held, stale = [], []
    reaching: set[str] | None = None
    for entry in entries:
        if entry.get("path") in broken_paths:
            held.append(entry)
            continue
        if reaching is None:  # read every file's imports only when an entry needs it
            reaching = _modules_reaching(broken_paths, files, facts)
        named = str(entry.get("imported") or "").partition(":")[0]
        canonical = canonical_modules.get(str(entry.get("contract")), "")
        if (named and _under(named, reaching)) or (canonical and _under(canonical, reaching)):
            held.append(entry)
        else:
            stale.append(entry)
    return held, stale


def _under(module: str, modules: set[str]) -> bool:
    """``module`` or a package above it is in ``modules`` (importing ``a.b`` runs ``a`` first)."""
    parts = module.split(".")
    return any(".".join(parts[:k]) in modules for k in range(1, len(parts) + 1))


def _modules_reaching(
    broken_paths: set[str], files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> set[str]:
    """The broken files' modules and every module that imports one of them, at any distance."""
    modules = {f.module for f in files}
    importers: dict[str, set[str]] = {}
    for source in files:
        file_facts = facts.get(source.path)
        if file_facts is None:
            continue
        for fact in file_facts.imports:
            base = source.import_target(fact)
            if not base:
                continue
            for target in (base, f"{base}.{fact.name}" if fact.name else ""):
                if target in modules:
                    importers.setdefault(target, set()).add(source.module)
    reached = {f.module for f in files if f.path in broken_paths}
    todo = list(reached)
    while todo:
        for importer in importers.get(todo.pop(), ()):
            if importer not in reached:
                reached.add(importer)
                todo.append(importer)
    return reached
