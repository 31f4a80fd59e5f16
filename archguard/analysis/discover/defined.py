"""What one file defines and imports by name that clusters read (``candidates.py``): the file's
own business (its facts, its path, module name and kind), kept per file by discover's engine and by
``check`` for ``diff`` (``app/passes/structure.py``), so this module stays small: a check that
derives a file again loads it, not the clusters."""

from __future__ import annotations

from archguard.analysis.discover import names
from archguard.analysis.symbols import origin_kind
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportKind
from archguard.domain.sources import SourceFile

_EXCEPTION_SUFFIXES = ("error", "exception", "warning")


# What a file defines that clusters read, in three parts, plain values (discover's engine keeps
# them per file):
# - each class or function that may claim a concept: (a test double, its normalised name, name,
#   origin kind, line);
# - each class that may wrap another (an empty body over one base, not an exception): (name,
#   line, the base expression, a test double);
# - each public function named like a factory: (name, the concept it makes, line, a test double,
#   its first parameter or "", its decorators, its return annotation or "").
Defined = tuple[bool, str, str, str, int]
Wrapper = tuple[str, int, str, bool]
Factory = tuple[str, str, int, bool, str, tuple[str, ...], str]
FileDefinitions = tuple[tuple[Defined, ...], tuple[Wrapper, ...], tuple[Factory, ...]]
_DEFINING = frozenset((BindingKind.CLASS, BindingKind.FUNCTION))


def definitions_in_file(file: SourceFile, facts: FileFacts) -> FileDefinitions:
    """What ``file`` defines at module level that clusters read (the three parts above). Claiming
    a concept: test doubles (fakes, mocks, test code; ``test_*``/``Test*`` left out), and the
    others but dunder names, loose files, conditional definitions and ALL-CAPS names (constants or
    spelled-out standards, SQL's TEXT beside the generic Text: a naming convention, never a second
    home by name alone)."""
    found: list[Defined] = []
    wrappers: list[Wrapper] = []
    factories: list[Factory] = []
    for binding in facts.bindings:
        name = binding.name
        if binding.kind not in _DEFINING:
            continue
        double = names.is_test_double(name, file.path, file.module)
        if binding.kind is BindingKind.CLASS and _may_wrap(binding):
            wrappers.append((name, binding.line, binding.bases[0], double))
        if binding.kind is BindingKind.FUNCTION and not name.startswith("_"):
            made = names.factory_concept(name)
            if made is not None:
                shape = facts.shape_of(binding)
                first = shape.members[0] if shape.members else ""
                factories.append(
                    (name, made, binding.line, double, first, shape.decorators, shape.returns or "")
                )
        if name.startswith("__"):
            continue
        if double:
            if not name.lower().startswith("test"):
                found.append((True, names.normalise(name), name, origin_kind(binding), binding.line))
            continue
        if file.loose or binding.conditional or name.isupper():
            continue
        found.append((False, names.normalise(name), name, origin_kind(binding), binding.line))
    return tuple(found), tuple(wrappers), tuple(factories)


def _may_wrap(binding: Binding) -> bool:
    # One base only: an empty class over a mixin and a base (RelatedExact(Mixin, Exact)) gets its
    # behaviour from the mixin; exceptions are empty subclasses by design.
    return (
        binding.empty_body
        and len(binding.bases) == 1
        and not binding.name.lower().endswith(_EXCEPTION_SUFFIXES)
    )


def names_imported(file: SourceFile, facts: FileFacts) -> tuple[tuple[str, str], ...]:
    """(module, name) of each ``from m import Name`` of ``file`` (not ``*``), in statement order:
    what ``candidates.uses_in_file`` resolves, the file's own business (check keeps it per file for
    ``diff``: ``passes/structure.py``)."""
    found = []
    for fact in facts.imports:
        if fact.kind is not ImportKind.FROM or not fact.name or fact.name == "*":
            continue
        module = file.import_target(fact)
        if module is not None:
            found.append((module, fact.name))
    return tuple(found)
