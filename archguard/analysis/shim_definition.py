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
- it re-exports on purpose: it has an ``__all__``, an alias or a warning, or other files import it
  and it binds nothing of its own. A module that only imports what it uses at module level is a
  script, not a shim; one that also binds private names (classes, helpers, type aliases) is their
  home, and its importers come for them;
- names imported from ``typing``/``typing_extensions`` (``Any``, ``TYPE_CHECKING``) are tools for
  annotations, like ``import warnings``: offered only when ``__all__`` lists them;
- a package ``__init__`` that re-exports is its package's public face, not a shim, unless it warns;
  a loose file (a script, a test outside a package) is not a module anyone imports;
- imports that bind nothing at run time are not names it offers: ``from __future__ import ...``
  (a compiler directive) and imports under ``if TYPE_CHECKING:``, even when ``__all__`` lists them;
- its own code is its surface too: a public definition of its own outside a literal ``__all__``
  (a module that lists 5 names in ``__all__`` and defines 150 more) makes it an ordinary module, and
  so do more classes and functions of its own, private ones included, than names it re-exports (a
  5,000-line implementation module whose definitions all start with ``_``). A module that warns
  says itself that it is a shim, whatever it defines;
- a module a framework loads by its file name (:func:`loaded_by_file_name`: Django management
  commands and migrations, pytest's ``conftest.py``) exists to be found at that path: what it
  holds is a registration, not a forwarding, even when it only imports (``from
  django...createsuperuser import Command``).
"""

from __future__ import annotations

from collections.abc import Mapping

from archguard.analysis.symbols import Status, SymbolTable
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportKind
from archguard.domain.sources import SourceFile, is_dotted_name

Reexports = tuple[tuple[str, str], ...]


def shim_reexports(table: SymbolTable, module: str, *, imported: bool) -> Reexports | None:
    """``(name, where it really lives)`` for each public re-export of ``module``; None when the
    module is no shim. ``imported``: other files import ``module`` (the "on purpose" test above)."""
    found = shim_candidate(table, module)
    if found is None or (found[1] and not imported):
        return None
    return found[0]


def shim_candidate(table: SymbolTable, module: str) -> tuple[Reexports, bool] | None:
    """What :func:`shim_reexports` says without knowing who imports ``module``: None when it is no
    shim either way, else its re-exports and whether it is a shim only when other files import it
    (nothing of its own, and nothing saying it re-exports on purpose)."""
    file = table.file_of(module)
    facts = table.facts_of(module)
    if file is None or facts is None or not may_be_shim(file, facts):
        return None
    warns = facts.warns_deprecation
    own = _own_bindings(facts)
    defined_here = {b.name for b in own}
    found = []
    for name in sorted(_public_names(facts)):
        res = table.resolve(module, name)
        if res.origin is not None and res.found and res.origin.module != module:
            found.append((name, res.origin.target))
        elif name in defined_here or (res.origin is not None and res.origin.module == module):
            if not warns:
                return None  # offers something of its own
        elif res.status == Status.EXTERNAL:
            found.append((name, _external_target(facts, name)))
    if not found:
        return None
    code = sum(1 for b in own if b.kind in (BindingKind.CLASS, BindingKind.FUNCTION))
    if not warns and code > len(found):
        return None  # mostly code of its own: an implementation module that also imports
    aliases = any(b.kind is BindingKind.ALIAS for b in facts.bindings)
    # Nothing says it re-exports on purpose: with anything of its own (a private class, a type
    # alias ``_OnConflictT = Union[...]``), it is that thing's home and only imports what it
    # uses; with nothing, it is a shim when others import it, a script when nobody does.
    says_so = warns or facts.all_names is not None or aliases
    if not says_so and own:
        return None
    return tuple(found), not says_so


_FIX_LEAVES_SHIM = (
    "this module is itself a re-export shim: fix leaves shims alone (delete it once nothing imports "
    "it: fix --delete-unused-shims)"
)
_FIX_LEAVES_PACKAGE_INIT = (
    "a package __init__ re-exports what it imports: fix leaves it alone; point it at the canonical "
    "module by hand if you want"
)


def fix_leaves_alone(table: SymbolTable, file: SourceFile) -> str | None:
    """Why ``archguard fix`` leaves this importer alone, or None: shims and package ``__init__``
    files are the homes others import from, never rewritten (docs/fix.md)."""
    if file.loose:
        return None
    if file.is_package:
        return _FIX_LEAVES_PACKAGE_INIT
    # Who imports ``file`` is not known here; counting it as imported keeps ``fix`` away from
    # every module that may be a re-export home (the cautious side of the one shim definition).
    if shim_reexports(table, file.module, imported=True) is not None:
        return _FIX_LEAVES_SHIM
    return None


def may_be_shim(file: SourceFile, facts: FileFacts) -> bool:
    """What the definition decides from the module's own file alone: False when it is no shim
    whatever the rest of the tree holds (``history`` asks :func:`shim_reexports` only of the
    files this keeps, once per file version)."""
    if file.loose or not is_dotted_name(file.module) or loaded_by_file_name(file.path) is not None:
        return False
    warns = facts.warns_deprecation
    if file.is_package and not warns:
        return False
    if not warns and any(not b.name.startswith("_") for b in _own_bindings(facts)):
        return False  # a public name of its own, listed in ``__all__`` or not
    return bool(_public_names(facts))  # nothing public: nothing re-exported


def _own_bindings(facts: FileFacts) -> list[Binding]:
    return [
        b
        for b in facts.bindings
        if b.kind is not BindingKind.ALIAS
        and b.kind is not BindingKind.DELETE
        and not b.name.startswith("__")
    ]


def must_stay(table: SymbolTable, module: str, entry_points: Mapping[str, str]) -> str:
    """Why a shim must stay even when nothing in the tree imports it, or "": ``discover`` never
    calls it "safe to delete" and ``fix --delete-unused-shims`` never deletes it.

    - a library's documented public module: a top-level module (what users import first), or one
      its parent package names in a literal ``__all__``;
    - an entry point the project's metadata declares (``entry_points``: module -> where, as
      :func:`archguard.adapters.project_files.entry_points.declared_entry_points` reads them):
      installers, pytest and plugin hosts load it by name.
    """
    if module in entry_points:
        return f"an entry point: {entry_points[module]}"
    parent, _, last = module.rpartition(".")
    if not parent:
        return "the top-level module: the library's public face"
    facts = table.facts_of(parent)
    if facts is not None and facts.all_names is not None and last in facts.all_names:
        return f"named in {parent}.__all__: a documented public module"
    return ""


def loaded_by_file_name(path: str) -> str | None:
    """Why a framework loads the file at ``path`` by its name (so it is never a shim nor safe to
    delete, whatever it holds), or None."""
    parts = path.split("/")
    name = parts[-1]
    if name == "conftest.py":
        return "pytest loads conftest.py by its file name"
    if name == "__init__.py" or len(parts) < 2:
        return None
    if parts[-2] == "migrations":
        return "a migration: Django and Alembic load migrations by file name, each one a step of history"
    if len(parts) >= 3 and parts[-3:-1] == ["management", "commands"]:
        return "a Django management command: Django loads it by its file name"
    return None


def is_imported_shim(table: SymbolTable, module: str) -> bool:
    """:func:`shim_reexports` for a module the caller has just seen imported (an importer's
    ``from module import name``): the "other files import it" part of the definition holds."""
    return shim_reexports(table, module, imported=True) is not None


# Imported to write annotations (``Any``, ``TYPE_CHECKING``, ``overload``), like ``import
# warnings``: tools a module uses, offered only when its ``__all__`` lists them.
_ANNOTATION_TOOLS = frozenset({"typing", "typing_extensions", "__future__"})


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
            and i.module not in _ANNOTATION_TOOLS
        }
    public.discard("__all__")
    return public - _bound_only_before_run_time(facts)


def _bound_only_before_run_time(facts: FileFacts) -> set[str]:
    """Names only ``from __future__ import ...`` or imports under ``TYPE_CHECKING`` bind: nothing
    an importer can get at run time."""
    directives = {
        i.bound_name
        for i in facts.imports
        if i.bound_name and (i.type_checking or (i.kind is ImportKind.FROM and i.module == "__future__"))
    }
    if not directives:
        return set()
    run_time = {b.name for b in facts.bindings}
    run_time |= {
        i.bound_name
        for i in facts.imports
        if i.bound_name and not i.type_checking and not i.in_function and i.module != "__future__"
    }
    return directives - run_time


def _external_target(facts: FileFacts, name: str) -> str:
    for i in facts.imports:
        if i.bound_name == name and i.kind is ImportKind.FROM:
            return f"{i.module}:{i.name}"
    return name
