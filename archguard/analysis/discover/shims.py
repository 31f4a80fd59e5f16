"""Shims: modules whose public names are all re-exports (INTERFACE.md).

A module is a shim when it emits a ``DeprecationWarning`` at import (it says so itself), or when
every public name it binds (its literal ``__all__``, else every name without a leading ``_``,
leaving out plain ``import x`` tools such as ``warnings`` and ``logging``) is imported from
elsewhere or an alias of something imported, there is at least one such name, and the module
re-exports on purpose: it has an ``__all__`` or an alias, or other files import it. Private
helpers, warnings and logging do not count. A package ``__init__`` that re-exports is its
package's public face, not a shim, unless it warns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from archguard.analysis.symbols import SymbolTable
from archguard.domain.discovery import Shim
from archguard.domain.facts import BindingKind, FileFacts, ImportKind
from archguard.domain.sources import SourceFile, is_dotted_name


def find_shims(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importer_files: Mapping[str, set[str]],
) -> list[Shim]:
    """Shims, most-imported first (those with no importers last: safe to delete)."""
    shims = []
    for file in files:
        file_facts = facts.get(file.path)
        if file.loose or file_facts is None or not is_dotted_name(file.module):
            continue
        reexports = _reexports(table, file, file_facts, bool(importer_files.get(file.module)))
        if reexports is None:
            continue
        importers = tuple(sorted(importer_files.get(file.module, ())))
        shims.append(Shim(file.module, file.path, reexports, importers, file_facts.warns_deprecation))
    return sorted(shims, key=lambda s: (-len(s.importers), s.module))


def _reexports(
    table: SymbolTable, file: SourceFile, facts: FileFacts, used: bool
) -> tuple[tuple[str, str], ...] | None:
    """(name, where it really lives) for each public re-export; None when the module is no shim."""
    if file.is_package and not facts.warns_deprecation:
        return None
    if facts.all_names is not None:
        public = set(facts.all_names)
    else:
        public = {b.name for b in facts.bindings if not b.name.startswith("_")}
        public |= {
            i.bound_name
            for i in facts.imports
            if i.kind is ImportKind.FROM
            and i.bound_name
            and not i.bound_name.startswith("_")
            and not i.in_function
            and not i.type_checking
        }
    public.discard("__all__")
    defined_here = {
        b.name for b in facts.bindings if b.kind is not BindingKind.ALIAS and not b.name.startswith("__")
    }
    found = []
    for name in sorted(public):
        res = table.resolve(file.module, name)
        if res.origin is not None and res.found and res.origin.module != file.module:
            found.append((name, res.origin.target))
        elif name in defined_here or (res.origin is not None and res.origin.module == file.module):
            if not facts.warns_deprecation:
                return None  # defines something public of its own
        elif res.status == "external":
            found.append((name, _external_target(facts, name)))
    if not found:
        return None
    # Re-exporting on purpose: it says so (__all__, a warning, an alias) or others import from
    # it. A module that only imports what it uses at module level is a script, not a shim.
    aliases = any(b.kind is BindingKind.ALIAS for b in facts.bindings)
    if not (facts.warns_deprecation or facts.all_names is not None or aliases or used):
        return None
    return tuple(found)


def _external_target(facts: FileFacts, name: str) -> str:
    for i in facts.imports:
        if i.bound_name == name and i.kind is ImportKind.FROM:
            return f"{i.module}:{i.name}"
    return name
