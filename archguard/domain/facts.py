"""What one source file says about imports and names, extracted once and cached.

These values are produced by the parser adapter (one walk over CPython's ``ast``, newer syntax
rewritten in place for it), cached, and consumed by the analysis. They are deliberately small and
immutable: a 10,000-file tree holds hundreds of thousands of them. The per-import and per-binding values are
NamedTuples rather than frozen dataclasses because a frozen dataclass is several times dearer to
build (one ``object.__setattr__`` per field), and warm and cold runs build hundreds of thousands
of them (the numbers: benchmarks/README.md, "Measurements behind design choices").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from archguard.domain.shapes import Shape


class ImportKind(str, Enum):
    IMPORT = "import"  # import a.b [as c]
    FROM = "from"  # from a import b [as c]  /  from . import b  /  from a import *
    DYNAMIC = "dynamic"  # importlib.import_module("a.b") / __import__("a.b") with a literal


class ImportFact(NamedTuple):
    """One imported name (a statement importing three names gives three facts).

    ``module`` is written as in the source, without the leading dots; ``level`` counts those dots.
    ``name`` is None for ``import a.b`` and dynamic imports, ``"*"`` for star imports.
    ``asname`` is the alias, if any. The bound local name is :attr:`bound_name`.
    """

    kind: ImportKind
    module: str
    name: str | None
    asname: str | None
    level: int
    line: int
    column: int  # 1-based, as editors and ruff count
    end_line: int
    statement: str  # the whole statement text, multi-line statements whole
    type_checking: bool = False  # under ``if TYPE_CHECKING:``
    in_function: bool = False  # inside a def (lazy import, often to dodge a cycle)
    guarded: bool = False  # inside ``try:`` whose handlers catch ImportError/ModuleNotFoundError
    conditional: bool = False  # under any other ``if``/``else``/``match`` at import time
    # PEP 810 ``lazy import a`` / ``lazy from a import b`` (3.15): binds the name, loads nothing at
    # import time (the module loads when the name is first used). Still an import: dangling rules
    # and import-linter contracts see it; the golden path and import-time cycles do not.
    lazy: bool = False

    @property
    def at_import_time(self) -> bool:
        """Runs when its module is imported: not inside a function, not under ``TYPE_CHECKING``,
        not ``lazy``."""
        return not (self.in_function or self.type_checking or self.lazy)

    @property
    def bound_name(self) -> str | None:
        """The local name this import binds, or None for star and dynamic imports."""
        # Ordered for the common case (``from m import N``); this runs for every import.
        name = self.name
        if name is not None:
            return None if name == "*" else (self.asname or name)
        if self.kind is ImportKind.DYNAMIC:
            return None
        return self.asname or self.module.partition(".")[0]


class BindingKind(str, Enum):
    CLASS = "class"
    FUNCTION = "function"
    ALIAS = "alias"  # X = Y or X = mod.Y: another name for an existing object
    ASSIGN = "assign"  # any other assignment (X = 3, X = make())
    TYPE_ALIAS = "type"  # type X = ... (Python 3.12+)
    DELETE = "del"  # del X: unbinds the name (not a binding; see docs/dangling.md)


class Binding(NamedTuple):
    """A name bound at module level by anything but an import (imports are :class:`ImportFact`).
    A class's or function's shape (``domain/shapes.Shape``) is read through
    :meth:`FileFacts.shape_of`."""

    name: str
    kind: BindingKind
    line: int
    target: str | None = None  # ALIAS: the dotted expression on the right ("Y", "mod.Y")
    bases: tuple[str, ...] = ()  # CLASS: the dotted base-class expressions
    conditional: bool = False  # bound under if/try at module level
    empty_body: bool = False  # CLASS: body is only ``pass``/``...``/a docstring (a wrapper)


class DynamicKind(str, Enum):
    """How code archguard does not follow may change a namespace, a package's ``__path__`` or
    ``sys.modules`` at run time (docs/dangling.md, "Warnings, not errors")."""

    NAMESPACE = "namespace"  # this module's own namespace escapes: ``globals()`` passed on, ``exec``
    SETS_ATTRIBUTES = "attributes"  # sets attributes on (or hands on) ``target``, maybe a module
    PATH = "path"  # this package's ``__path__`` may grow: submodules may come from elsewhere
    REGISTERS = "registers"  # puts modules into ``sys.modules`` or an importer on ``sys.meta_path``
    # reaches its caller's frame (``f_globals``), or writes a module it finds by a computed name
    # (``setattr(sys.modules[cls.__module__], ...)``: a decorator writing into the decorated's module)
    CALLER_NAMESPACE = "caller"
    CALLS = "calls"  # calls ``target`` at import time: a CALLER_NAMESPACE helper may change this module


class DynamicFact(NamedTuple):
    """One construct through which a namespace or a package's path may change at run time.

    ``construct`` is what a message names (``globals()``, ``pkgutil.extend_path``). ``target``:
    for SETS_ATTRIBUTES and CALLS the dotted expression of the object or callee (resolved in this
    module); for
    REGISTERS the module name put into ``sys.modules``, written as a literal name, or as
    ``__name__``/``__package__`` followed by a literal tail (``__name__.moves``; an importer on
    ``sys.meta_path`` is ``__name__.``: it serves whatever lies under the module), or ``*`` when the key
    is computed (then: the names this module's functions are called with, see CALLS). ``name``: for
    SETS_ATTRIBUTES the attribute set, ``""`` when any may be; for CALLS the arguments that may
    name modules (dotted literals, or built from ``__name__``), joined by ``|``.
    """

    line: int  # first: facts sort by line
    kind: DynamicKind
    construct: str
    target: str = ""
    name: str = ""


class AttributeUse(NamedTuple):
    """``a.b.Name`` where ``a`` was bound by a plain ``import a.b``: reaching a name by attribute."""

    dotted: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class FileFacts:
    imports: tuple[ImportFact, ...] = ()
    bindings: tuple[Binding, ...] = ()
    # The bindings' shapes (``domain/shapes.Shape``), packed (``domain/shapes.py`` says how), read one
    # binding at a time by :meth:`shape_of`. Only discover (and check's per-file pieces for ``diff``, in a git
    # checkout) reads them, while every check decodes every file's facts: kept as one string,
    # they cost a check (cold or warm) one copy per file instead of tuples and strings per class
    # and function (as fields of each binding they were a quarter of the facts' bytes and a third
    # of their decoding). The parser builds this form itself, so facts are the same from the
    # cache, from a parser worker or not.
    shapes: str = ""
    all_names: tuple[str, ...] | None = None  # a literal ``__all__``; None when absent or computed
    has_getattr: bool = False  # module-level ``def __getattr__``: any name may exist
    attribute_uses: tuple[AttributeUse, ...] = ()
    warns_deprecation: bool = False  # emits DeprecationWarning at module level (shim marker)
    # ``sys.modules[__name__] = ...`` (or a module-level helper called with ``__name__``): the
    # module object importers get may be another one, with any names.
    replaces_module: bool = False
    # Names a function (or class body) declares ``global``: bound at module level only once it runs.
    function_globals: tuple[str, ...] = ()
    # Constructs that let code archguard does not follow change a namespace, a package's path or
    # sys.modules, in line order: a missing name or module they may provide is only a warning.
    dynamic: tuple[DynamicFact, ...] = ()

    def shape_of(self, binding: Binding) -> Shape:
        """The shape of ``binding``, one of :attr:`bindings` (an empty one: none recorded, or not
        a class or function)."""
        # loaded by the readers of shapes only: a check, which reads none, never builds the class
        from archguard.domain.shapes import shape_at

        return shape_at(self.shapes, self.bindings.index(binding))


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    path: str
    reason: str  # "permission denied", "not UTF-8 ...", "binary (NUL byte)", "too large (N MB)"


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """What parsing one file gave: facts, or a syntax error, or why it could not be read."""

    facts: FileFacts | None = None
    syntax_error: SyntaxIssue | None = None
    unreadable: UnreadableFile | None = None
