"""Facets: the parts of a module a lookup can read, each named, so a derived result depends on the
parts it read and not on the whole module (docs/scanning.md, "What a warm run re-derives").

A traced :class:`~archguard.analysis.symbols.SymbolTable` notes, for every lookup, the facets it
consulted, found or not (a miss is recorded like a hit: ``from hub import New`` that failed depends
on ``hub``'s name ``New``, so binding it later reaches that importer):

=================  =================================================================================
``M``              whether ``M`` exists and as what: its file, package or loose, parsed or not (or a
                   namespace folder, or nothing; for a top-level name, whether it is internal)
``M\\0name``        how ``M`` binds ``name``: its definitions, aliases and module-level imports of
                   that name, in the order resolution prefers them, ``del`` applied
``M\\0*``           ``M``'s star imports, ``__all__`` and the flags that let any name exist there
                   (``__getattr__``, ``sys.modules`` replacement, the dynamic facts...)
``M\\0#names``      the set of names ``M`` binds (read by whoever lists them: star exports)
``M\\0#order``      the lines of ``M``'s bindings (read by lookups bounded by a line: ``X = Y``)
``M\\0#facts``      all of ``M``'s facts but their positions (read through ``facts_of``)
=================  =================================================================================

Lines are left out of every facet but ``#order``: what an importer derives from ``hub:Name``
(found or not, which object) does not move when a line is added above ``Name``. Where a result
does carry another module's lines (the origin of a concept, in the resolved concepts' summary) it
is compared as a whole each run. :func:`changed_facets` compares a module's facts before and after
an edit facet by facet: adding a name nobody imports changes that name's facet (which nobody
consulted), ``#names``, ``#order`` and ``#facts``, and nothing an ordinary importer read.
"""

from __future__ import annotations

from collections.abc import Iterable

from archguard.analysis.module_bindings import candidates_of
from archguard.domain.facts import Binding, FileFacts, ImportFact

SEPARATOR = "\0"
STARS = "\0*"
NAMES = "\0#names"
ORDER = "\0#order"
FACTS = "\0#facts"
WHOLE_MODULE = (STARS, NAMES, ORDER, FACTS)


def name_facet(module: str, name: str) -> str:
    return f"{module}{SEPARATOR}{name}"


def module_of(facet: str) -> str:
    """The module a facet belongs to (a module-existence facet is the module's own name)."""
    return facet.partition(SEPARATOR)[0]


def changed_facets(module: str, old: FileFacts, new: FileFacts) -> set[str]:
    """The facets of ``module`` whose content differs between two parses of its file."""
    changed: set[str] = set()
    if old == new:
        return changed
    old_names, new_names = _names(old), _names(new)
    for name in old_names.keys() | new_names.keys():
        if old_names.get(name) != new_names.get(name):
            changed.add(name_facet(module, name))
    if _stars(old) != _stars(new):
        changed.add(module + STARS)
    if _runtime_names(old) != _runtime_names(new):
        changed.add(module + NAMES)
    if _order(old) != _order(new):
        changed.add(module + ORDER)
    if _stripped(old) != _stripped(new):
        changed.add(module + FACTS)
    return changed


def _bare_import(fact: ImportFact) -> tuple:
    return fact._replace(line=0, column=0, end_line=0, statement="")


def _bare_binding(binding: Binding) -> tuple:
    """A binding as lookups read it: what it is, not where (its shape, which discover compares, is
    apart from it: a method added to a class does not change what importing the class gives; the
    shapes count in ``#facts`` only, as ``FileFacts.shapes``)."""
    return binding._replace(line=0)


def _names(facts: FileFacts) -> dict[str, tuple]:
    """Per name: everything at module level that binds it (imports under TYPE_CHECKING and ``del``
    included), positions left out, in line order; and the order resolution prefers them in."""
    found: dict[str, list[tuple]] = {}
    for binding in facts.bindings:
        found.setdefault(binding.name, []).append((binding.line, _bare_binding(binding)))
    for fact in facts.imports:
        bound = fact.bound_name
        if bound is not None and not fact.in_function:
            found.setdefault(bound, []).append((fact.line, _bare_import(fact)))
    preferred, _ = candidates_of(facts)
    out = {}
    for name, entries in found.items():
        ranked = tuple(_bare(c) for c in preferred.get(name, ()))
        out[name] = (tuple(bare for _, bare in sorted(entries, key=lambda e: e[0])), ranked)
    return out


def _bare(candidate: Binding | ImportFact) -> tuple:
    return _bare_import(candidate) if isinstance(candidate, ImportFact) else _bare_binding(candidate)


def _stars(facts: FileFacts) -> tuple:
    stars = tuple(_bare_import(f) for f in facts.imports if f.name == "*" and not f.in_function)
    return (
        stars,
        facts.all_names,
        facts.has_getattr,
        facts.replaces_module,
        facts.warns_deprecation,
        facts.function_globals,
        facts.dynamic,  # with their lines: messages name where the construct is
    )


def _runtime_names(facts: FileFacts) -> frozenset[str]:
    return frozenset(candidates_of(facts)[0])


def _order(facts: FileFacts) -> tuple:
    return facts.bindings, tuple(f for f in facts.imports if not f.in_function)


def _stripped(facts: FileFacts) -> tuple:
    return (
        tuple(map(_bare_import, facts.imports)),
        tuple(b._replace(line=0) for b in facts.bindings),
        tuple(use.dotted for use in facts.attribute_uses),
        tuple(_other_fields(facts)),
    )


def _other_fields(facts: FileFacts) -> Iterable[tuple[str, object]]:
    """Every field of the facts (a new kind of fact is compared without touching this module)."""
    for name in facts.__dataclass_fields__:
        value = getattr(facts, name)
        if name not in ("imports", "bindings", "attribute_uses"):
            yield name, _without_lines(value)


def _without_lines(value: object) -> object:
    """Other per-fact tuples (a newer kind of fact with a ``line``) compared without positions."""
    if isinstance(value, tuple) and value and hasattr(value[0], "_replace") and hasattr(value[0], "line"):
        return tuple(v._replace(line=0) for v in value)
    return value
