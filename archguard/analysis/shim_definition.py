"""The one definition of a shim (docs/interface.md), used by ``check``, ``fix`` and ``discover``.

A shim is a module whose public names are all re-exports (imported, or aliases of imported
objects), whatever private helpers, warnings or logging it also holds. In detail:

- its public names are its literal ``__all__``, else every name it binds without a leading ``_``
  (definitions, aliases and run-time ``from x import y``; plain ``import warnings`` /
  ``import logging`` are tools, not names it offers);
- each of them resolves to an object that lives in another module (or outside the tree), and there
  is at least one; a public class, function or plain assignment of its own (``urlpatterns = [...]``
  built from its imports) makes it an ordinary module;
- a module that emits a ``DeprecationWarning`` at import says itself that it is a shim, so public
  names of its own do not disqualify it (it still has to re-export something);
- it re-exports on purpose: it has an ``__all__``, an alias or a warning, or other files import it.
  A module that only imports what it uses at module level is a script, not a shim;
- a package ``__init__`` that re-exports is its package's public face, not a shim, unless it warns;
  a loose file (a script, a test outside a package) is not a module anyone imports.
"""

from __future__ import annotations

from archguard.analysis.symbols import Status, SymbolTable
from archguard.domain.facts import BindingKind, FileFacts, ImportKind
from archguard.domain.sources import is_dotted_name

Reexports = tuple[tuple[str, str], ...]


def shim_reexports(table: SymbolTable, module: str, *, imported: bool) -> Reexports | None:
    """``(name, where it really lives)`` for each public re-export of ``module``; None when the
    module is no shim. ``imported``: other files import ``module`` (the "on purpose" test above)."""
    file = table.file_of(module)
    facts = table.facts_of(module)
    if file is None or facts is None or file.loose or not is_dotted_name(module):
        return None
    if file.is_package and not facts.warns_deprecation:
        return None
    defined_here = {
        b.name for b in facts.bindings if b.kind is not BindingKind.ALIAS and not b.name.startswith("__")
    }
    found = []
    for name in sorted(_public_names(facts)):
        res = table.resolve(module, name)
        if res.origin is not None and res.found and res.origin.module != module:
            found.append((name, res.origin.target))
        elif name in defined_here or (res.origin is not None and res.origin.module == module):
            if not facts.warns_deprecation:
                return None  # defines something public of its own
        elif res.status == Status.EXTERNAL:
            found.append((name, _external_target(facts, name)))
    if not found:
        return None
    aliases = any(b.kind is BindingKind.ALIAS for b in facts.bindings)
    if not (facts.warns_deprecation or facts.all_names is not None or aliases or imported):
        return None
    return tuple(found)


def is_imported_shim(table: SymbolTable, module: str) -> bool:
    """:func:`shim_reexports` for a module the caller has just seen imported (an importer's
    ``from module import name``): the "other files import it" part of the definition holds."""
    return shim_reexports(table, module, imported=True) is not None


def _public_names(facts: FileFacts) -> set[str]:
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
    return public


def _external_target(facts: FileFacts, name: str) -> str:
    for i in facts.imports:
        if i.bound_name == name and i.kind is ImportKind.FROM:
            return f"{i.module}:{i.name}"
    return name
