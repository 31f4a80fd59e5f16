"""The rules of fact extraction, apart from the walk over CPython's ``ast`` (:mod:`facts_ast`).

The walker only knows the tree's shapes: it reduces nodes to plain values (dotted names, string
literals, spans) and calls :class:`FactsBuilder`. Every decision about what a construct *means*
(which context flags an ``if``/``try`` gives, when an assignment is an alias, how ``__all__``
grows, which calls are dynamic imports or deprecation warnings, which attribute chains count)
lives here once.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import TypedDict

from archguard.adapters.literal_words import LiteralWords
from archguard.domain.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    DynamicFact,
    DynamicKind,
    FileFacts,
    ImportFact,
    ImportKind,
)
from archguard.domain.sources import resolve_relative

# Facts are NamedTuples, built here from a tuple of every field in C (their class's ``__new__``
# is a Python function, with keywords): hundreds of thousands per tree, in the workers.
_new = tuple.__new__
# Enum members read once (``BindingKind.CLASS`` is a lookup through ``EnumType`` every time).
_CLASS, _FUNCTION = BindingKind.CLASS, BindingKind.FUNCTION
_IMPORT, _FROM = ImportKind.IMPORT, ImportKind.FROM
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)
_BY_POSITION = attrgetter("line", "column")  # of an ImportFact or an AttributeUse

# A source range: (line, column, end_line, end_column); lines 1-based, columns 0-based characters.
Span = tuple[int, int, int, int]

_IMPORT_CATCHERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_RAISES_MANAGERS = frozenset({"raises", "assertRaises"})  # pytest.raises, unittest's assertRaises
_DEPRECATION_WARNINGS = frozenset({"DeprecationWarning", "PendingDeprecationWarning"})
# Walkers only summarise calls whose callee ends in one of these: everything else is skipped cheap.
CALLS_OF_INTEREST = frozenset({"import_module", "__import__", "warn"})
# Text of such calls, one literal-prefixed regex each (much faster than one alternation);
# ``warn(`` matters only in files that mention a DeprecationWarning at all.
_CALL_TEXT = {name: re.compile(name + r"[\s)]*\(") for name in ("import_module", "__import__")}
_WARN_CALL_TEXT = re.compile(r"warn[\s)]*\(")
# Attribute chains through stdlib modules (os.path.join) are never concept imports: skip them.
_STDLIB = sys.stdlib_module_names


# A module that swaps itself out of ``sys.modules`` (transformers' ``_LazyModule``, apipkg's
# ``initpkg(__name__, ...)``): the object importers get is another one. The second alternative is a
# bare module-level call with ``__name__`` as its first argument, the shape of such helpers.
_REPLACES_MODULE = re.compile(r"sys\.modules\[\s*__name__\s*\](?:\.__class__)?\s*=[^=]")
# The second shape: ``(__name__,`` or ``(__name__)``, found from each ``__name__`` (str.find, not a
# regex started at every ``(`` of the text), then its callee must be the whole line before it.
_NAME_THEN_END = re.compile(r"\s*[,)]")
_MODULE_LEVEL_CALLEE = re.compile(r"[A-Za-z_][\w.]*")
# The words without which no construct can hand a namespace, a package's ``__path__`` or
# ``sys.modules`` to code we do not follow (DynamicKind): a file holding none of them (most files)
# is not walked for them at all; in the others only the statements on those lines are. A word
# written alone is looked for as it is (str.find: several times cheaper than a regex).
_DYNAMIC_WORDS: dict[str, re.Pattern[str] | str] = {
    "globals": re.compile(r"globals\s*\("),
    "vars": re.compile(r"vars\s*\("),
    "locals": re.compile(r"locals\s*\("),
    "setattr": re.compile(r"setattr\s*\("),
    "exec": re.compile(r"exec\s*\("),
    "eval": re.compile(r"eval\s*\("),
    "modules": re.compile(r"modules\s*[\[.]"),
    "__dict__": "__dict__",
    "__path__": "__path__",
    "declare_namespace": "declare_namespace",
    "meta_path": "meta_path",
    "path_hooks": "path_hooks",
    "f_globals": "f_globals",
    "f_locals": "f_locals",
    "__globals__": "__globals__",
    "import_module": re.compile(r"import_module\s*\(\s*__name__"),
    "__import__": re.compile(r"__import__\s*\(\s*__name__"),
}
# The words a function or class body needs to hold a fact (see FactsBuilder.function_body_lines).
_IMPORT_TEXT = "import"
_GLOBAL_TEXT = "global"
# Walrus targets bind in the enclosing scope: expressions are walked for them on these lines only.
_WALRUS_TEXT = ":="
_DEPRECATION_TEXT = "DeprecationWarning"
_REPLACES_TEXT = "sys.modules["
_OWN_NAME_TEXT = "__name__"

# Every word the text gates ask about but "import" (in nearly every file, and its places are needed
# anyway), looked for in one pass over the text (:func:`words_in`), not one whole-text read each.
_GATE_WORDS = (
    *_DYNAMIC_WORDS,
    _GLOBAL_TEXT,
    _DEPRECATION_TEXT,
    _WALRUS_TEXT,
    _REPLACES_TEXT,
    _OWN_NAME_TEXT,
)
_GATE = LiteralWords(_GATE_WORDS)
_NO_WORDS: frozenset[str] = frozenset()


def words_in(source: str) -> frozenset[str]:
    """The words of :data:`_GATE_WORDS` that occur in ``source``, exactly ``{word for word in
    _GATE_WORDS if word in source}``, found in one pass. The words are ASCII, so each occurs in the
    text where it occurs in its UTF-8 bytes ("surrogatepass": any str has bytes)."""
    found = _GATE.found_in(source.encode("utf-8", "surrogatepass"))
    return frozenset([_GATE_WORDS[index] for index in found]) if found else _NO_WORDS


def dynamic_patterns(words: frozenset[str]) -> list[re.Pattern[str] | str]:
    """The patterns of :data:`_DYNAMIC_WORDS` whose word is among ``words`` (:func:`words_in`)."""
    if words.isdisjoint(_DYNAMIC_WORDS):
        return []
    return [pattern for word, pattern in _DYNAMIC_WORDS.items() if word in words]


# Expressions that name the importing file's own package, as ``package=`` of import_module.
_THIS_PACKAGE = frozenset({"__package__", "__spec__.parent"})


@dataclass(frozen=True, slots=True)
class Dotted:
    """An expression that is a name or a chain of attributes on a name: ``a.b.C``."""

    path: str


@dataclass(frozen=True, slots=True)
class Strings:
    """A list or tuple display whose items are all string literals."""

    values: tuple[str, ...]


# What a walker tells the builder about an expression: a string literal, a dotted name, a literal
# sequence of strings, or None for anything else.
Value = str | Dotted | Strings | None


@dataclass(frozen=True, slots=True)
class Context:
    """Where a statement sits. Walkers derive child contexts only through the methods below."""

    type_checking: bool = False
    in_function: bool = False
    guarded: bool = False
    conditional: bool = False
    module_level: bool = True  # statements here bind module globals (not in a def or class body)
    nested: bool = False  # under some compound statement: a module binding is then conditional

    def function_body(self) -> Context:
        return Context(self.type_checking, True, self.guarded, self.conditional, False, True)

    def class_body(self) -> Context:
        return Context(self.type_checking, self.in_function, self.guarded, self.conditional, False, True)

    def branch(self) -> Context:
        """if/elif/else, match cases, loop bodies: may or may not run at import time."""
        return Context(self.type_checking, self.in_function, self.guarded, True, self.module_level, True)

    def block(self) -> Context:
        """with bodies, except/else/finally of a try: run, but not unconditionally top-level."""
        return Context(
            self.type_checking, self.in_function, self.guarded, self.conditional, self.module_level, True
        )

    def _type_checking_body(self) -> Context:
        return Context(True, self.in_function, self.guarded, self.conditional, self.module_level, True)

    def _guarded_body(self) -> Context:
        return Context(self.type_checking, self.in_function, True, self.conditional, self.module_level, True)

    def if_branches(self, test: str | None) -> tuple[Context, Context]:
        """Contexts of an ``if``'s body and its else/elif, given the test as a dotted name."""
        if test == "TYPE_CHECKING" or (test is not None and test.endswith(".TYPE_CHECKING")):
            return self._type_checking_body(), self.branch()
        branch = self.branch()
        return branch, branch

    def try_body(self, handlers: Iterable[tuple[str, ...] | None]) -> Context:
        """Context of a ``try:`` body given each handler's caught types (None: bare ``except:``).

        Types are dotted names ("" for anything else); a handler catching ImportError, one of its
        bases or everything makes the body's imports "guarded".
        """
        for caught in handlers:
            if caught is None or any(t.rpartition(".")[2] in _IMPORT_CATCHERS for t in caught):
                return self._guarded_body()
        return self.block()

    def with_body(self, managers: Iterable[tuple[str | None, tuple[str, ...]]]) -> Context:
        """Context of a ``with`` body given each context manager as (callee, first argument's
        dotted names). ``with pytest.raises(ImportError):`` (or ``assertRaises``) expects the
        imports in its body to fail: they are guarded, like a ``try`` catching ImportError."""
        for callee, expected in managers:
            if (
                callee
                and callee.rpartition(".")[2] in _RAISES_MANAGERS
                and any(t.rpartition(".")[2] in _IMPORT_CATCHERS for t in expected)
            ):
                return self._guarded_body()
        return self.block()


ROOT = Context()


class LineGate:
    """The lines on which a text pattern occurs, so walkers can skip every subtree whose lines
    hold none: a regex over the text is far cheaper than visiting every expression node."""

    def __init__(self, source: str, patterns: Iterable[re.Pattern[str] | str]) -> None:
        self._lines = sorted(_lines_matching(source, patterns))

    @classmethod
    def of_lines(cls, lines: Iterable[int]) -> LineGate:
        gate = cls.__new__(cls)
        gate._lines = sorted(lines)
        return gate

    @property
    def lines(self) -> list[int]:
        """The lines, ascending."""
        return self._lines

    def __bool__(self) -> bool:
        return bool(self._lines)

    def overlaps(self, first_line: int, last_line: int) -> bool:
        index = bisect_left(self._lines, first_line)
        return index < len(self._lines) and self._lines[index] <= last_line


def _lines_matching(source: str, patterns: Iterable[re.Pattern[str] | str]) -> set[int]:
    """The lines where a pattern matches; a str is a literal word."""
    lines: set[int] = set()
    for pattern in patterns:
        if isinstance(pattern, str):
            lines |= _lines_of(source, pattern)
        else:
            lines |= _lines_at(source, (m.start() for m in pattern.finditer(source)))
    return lines


def _places(source: str, word: str) -> list[int]:
    """Where ``word`` occurs, ascending, without overlaps: the starts ``re`` finds for it."""
    places = []
    at = source.find(word)
    while at >= 0:
        places.append(at)
        at = source.find(word, at + len(word))
    return places


def _lines_of(source: str, word: str) -> set[int]:
    """The lines where ``word`` occurs: :func:`_places` and :func:`_lines_at` in one loop ("import"
    occurs dozens of times in most files, and each Python step per place counts)."""
    lines: set[int] = set()
    line, counted_to = 1, 0
    at = source.find(word)
    while at >= 0:
        line += source.count("\n", counted_to, at)
        counted_to = at
        lines.add(line)
        at = source.find(word, at + len(word))
    return lines


def _lines_at(source: str, starts: Iterable[int]) -> set[int]:
    """The lines of ascending offsets into ``source``."""
    lines: set[int] = set()
    line, counted_to = 1, 0
    for start in starts:
        line += source.count("\n", counted_to, start)
        counted_to = start
        lines.add(line)
    return lines


def normalize_newlines(source: str) -> str:
    """Lines counted as ruff and CPython count them: only ``\\n`` ends a line afterwards."""
    if "\r" in source:
        return source.replace("\r\n", "\n").replace("\r", "\n")
    return source


@dataclass(slots=True)
class _PendingCall:
    context: Context
    callee: str
    span: Span
    args: Sequence[Value]
    keywords: Mapping[str, Value]


class FactsBuilder:
    """Collects one file's facts as the walker reports them; :meth:`build` returns FileFacts."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._lines: list[str] = []  # the first lines of the source, split as far as needed
        self._all_lines = False  # every line is in self._lines
        self.ascii = source.isascii()  # then ast's UTF-8 columns are character columns
        # A def's body holds facts only through imports (statements, ``__import__``,
        # ``import_module``) and ``global``: everything else it binds is local. A class body runs at
        # import time, so a deprecation ``warn(`` there counts too. Bodies whose lines hold none of
        # these words are not walked at all (most of a codebase's statements).
        words = self._words = words_in(source)
        body_lines = _lines_of(source, _IMPORT_TEXT)
        if _GLOBAL_TEXT in words:
            body_lines |= _lines_of(source, _GLOBAL_TEXT)
        # Expressions are walked for calls only on lines where an interesting call is written.
        # (The word first: running the regex over a big file costs much more.)
        patterns: list[re.Pattern[str] | str] = [
            pattern for name, pattern in _CALL_TEXT.items() if name in words
        ]
        if _WALRUS_TEXT in words:
            patterns.append(_WALRUS_TEXT)
        call_lines = _lines_matching(source, patterns)
        warn_lines = _lines_matching(source, [_WARN_CALL_TEXT]) if _DEPRECATION_TEXT in words else None
        if warn_lines:
            call_lines |= warn_lines
        self.call_lines = LineGate.of_lines(call_lines)
        self.scan_calls = bool(call_lines)
        self.function_body_lines = LineGate.of_lines(body_lines)
        if warn_lines is not None:
            body_lines |= warn_lines
            self.class_body_lines = LineGate.of_lines(body_lines)
        else:
            self.class_body_lines = self.function_body_lines
        # Inside a def or class body a statement can hold a fact only on these lines (a module
        # global or binding is never bound there): the walker skips the others unvisited.
        self.nested_lines = LineGate.of_lines(body_lines | call_lines)
        # Where a construct of DynamicKind may be written (a separate walk visits only these).
        dynamic = dynamic_patterns(words)
        self.dynamic_lines = LineGate(source, dynamic) if dynamic else LineGate.of_lines(())
        self._dynamic: list[DynamicFact] = []
        # Attribute writes and hand-overs of objects named by a dotted expression: kept at the
        # end only when the expression starts at a name an import binds (it may be a module).
        self._handed: list[DynamicFact] = []
        self._imports: list[ImportFact] = []
        # (line, binding, its shape's line of FileFacts.shapes: "" but for a class or function
        # with a shape), packed together by build()
        self._bindings: list[tuple[int, Binding, str]] = []
        self._uses: list[AttributeUse] = []
        self._calls: list[_PendingCall] = []
        self._all: list[str] | None = None
        self._all_computed = False
        self._has_getattr = False
        self._warns = False
        self._function_globals: set[str] = set()
        # Local names bound by plain ``import a.b`` (unaliased: root -> modules; aliased: -> module).
        self._plain_roots: dict[str, set[str]] = {}
        self._plain_aliases: dict[str, str] = {}
        # Names bound by an import (ImportFact.bound_name, anywhere) or a module-level def: the
        # roots of the handed-on objects that may be modules (see _dynamic_facts).
        self._bound: set[str] = set()
        # Names through which importlib.import_module can be reached (for dynamic imports).
        self._importlib_names: set[str] = {"importlib"}
        self._import_module_names: set[str] = set()

    # -- text ------------------------------------------------------------------------------------

    def lines_to(self, last: int) -> list[str]:
        """The source's lines, at least the first ``last`` (all of them when there are fewer):
        facts sit mostly near the top, and splitting a whole big file for them costs more."""
        if len(self._lines) < last and not self._all_lines:
            count = max(last, 2 * len(self._lines), 64)
            lines = self._source.split("\n", count)
            if len(lines) > count:
                lines.pop()  # the rest of the text, not split yet
            else:
                self._all_lines = True
            self._lines = lines
        return self._lines

    def char_column(self, line: int, utf8_offset: int) -> int:
        """CPython's ast counts columns in UTF-8 bytes; everything else here counts characters."""
        if self.ascii:
            return utf8_offset
        text = self.lines_to(line)[line - 1]
        if text.isascii():
            return utf8_offset
        return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", "replace"))

    def text(self, span: Span) -> str:
        line, column, end_line, end_column = span
        if line == end_line:
            return self.lines_to(line)[line - 1][column:end_column]
        lines = self.lines_to(end_line)[line - 1 : end_line]
        return "\n".join([lines[0][column:], *lines[1:-1], lines[-1][:end_column]])

    # -- imports ---------------------------------------------------------------------------------

    def import_modules(
        self, context: Context, span: Span, aliases: Iterable[tuple[str, str | None]], *, lazy: bool = False
    ) -> None:
        """``[lazy] import a.b [as c], d``: one fact per module."""
        statement = self.text(span)
        for module, asname in aliases:
            self._add_import(_IMPORT, module, None, asname, 0, context, span, statement, lazy)
            self._bound.add(asname or module.partition(".")[0])
            self._note_plain_import(module, asname)
            if asname == "__getattr__" and not context.in_function:
                self._has_getattr = True

    def import_names(
        self,
        context: Context,
        span: Span,
        module: str,
        level: int,
        aliases: Iterable[tuple[str, str | None]],
        *,
        lazy: bool = False,
    ) -> None:
        """``[lazy] from <dots>module import x [as y], ...`` (``*`` as the name for star imports)."""
        statement = self.text(span)
        for name, asname in aliases:
            self._add_import(_FROM, module, name, asname, level, context, span, statement, lazy)
            if name != "*":
                self._bound.add(asname or name)
            if module == "importlib" and level == 0 and name == "import_module":
                self._import_module_names.add(asname or name)
            if (asname or name) == "__getattr__" and not context.in_function:
                self._has_getattr = True  # ``from lazy import __getattr__``: still a module hook

    def _note_plain_import(self, module: str, asname: str | None) -> None:
        top = module.partition(".")[0]
        if top == "importlib":
            self._importlib_names.add(asname or top)
        if top in _STDLIB:
            return
        if asname:
            self._plain_aliases[asname] = module
        else:
            self._plain_roots.setdefault(top, set()).add(module)

    def _add_import(
        self,
        kind: ImportKind,
        module: str,
        name: str | None,
        asname: str | None,
        level: int,
        context: Context,
        span: Span,
        statement: str,
        lazy: bool = False,
    ) -> None:
        self._imports.append(
            _new(
                ImportFact,
                (
                    kind,
                    module,
                    name,
                    asname,
                    level,
                    span[0],  # line
                    span[1] + 1,  # column, 1-based
                    span[2],  # end_line
                    statement,
                    context.type_checking,
                    context.in_function,
                    context.guarded,
                    context.conditional,
                    lazy,
                ),
            )
        )

    # -- calls -----------------------------------------------------------------------------------

    def call(
        self,
        context: Context,
        callee: str,
        span: Span,
        args: Sequence[Value],
        keywords: Mapping[str, Value],
    ) -> None:
        """A call whose callee's last part is in :data:`CALLS_OF_INTEREST`."""
        if callee.rpartition(".")[2] == "warn":
            if not context.in_function and self._warns_deprecation(args, keywords):
                self._warns = True
            return
        # Whether ``import_module`` came from importlib is known only once the whole file is seen.
        self._calls.append(_PendingCall(context, callee, span, args, keywords))

    @staticmethod
    def _warns_deprecation(args: Sequence[Value], keywords: Mapping[str, Value]) -> bool:
        return any(
            isinstance(value, Dotted) and value.path.rpartition(".")[2] in _DEPRECATION_WARNINGS
            for value in (*args, *keywords.values())
        )

    def _dynamic_import(self, call: _PendingCall) -> None:
        owner, _, function = call.callee.rpartition(".")
        if function == "__import__" and owner in ("", "builtins"):
            name = call.args[0] if call.args else call.keywords.get("name")
            if isinstance(name, str) and name and not name.startswith("."):
                self._add_import(
                    ImportKind.DYNAMIC, name, None, None, 0, call.context, call.span, self.text(call.span)
                )
            return
        is_import_module = owner in self._importlib_names if owner else function in self._import_module_names
        if not is_import_module:
            return
        name = call.args[0] if call.args else call.keywords.get("name")
        if not isinstance(name, str) or not name.strip("."):
            return
        module = name.lstrip(".")
        level = len(name) - len(module)
        if level:
            package = call.args[1] if len(call.args) > 1 else call.keywords.get("package", ...)
            if package is ...:
                return  # a relative name without package= is a TypeError at run time
            if isinstance(package, str):
                # A literal anchor: the module is known absolutely, whatever file this is.
                absolute = resolve_relative(package, module, level)
                if absolute is None:
                    return
                module, level = absolute, 0
            elif not (isinstance(package, Dotted) and package.path in _THIS_PACKAGE):
                # Anchored on a value only known at run time (``import_module(".management",
                # app_config.name)`` in Django): nothing to check, and guessing would invent a
                # dangling import.
                return
            # Otherwise (package=__package__) it is relative to this file's package.
        self._add_import(
            ImportKind.DYNAMIC, module, None, None, level, call.context, call.span, self.text(call.span)
        )

    # -- module-level bindings -------------------------------------------------------------------

    def bind_class(
        self,
        context: Context,
        name: str,
        line: int,
        bases: tuple[str, ...],
        empty_body: bool,
        members: str = "",
        decorators: str = "",
    ) -> None:
        """``bases``: the dotted base-class expressions (others left out); ``members``: the names
        its body binds, ``decorators``: each decorator's callable, dotted, both joined by spaces
        (the shape's fields, domain/shapes.py)."""
        if context.module_level:
            self._bindings.append(
                (
                    line,
                    _new(Binding, (name, _CLASS, line, None, bases, context.nested, empty_body)),
                    f"{members}\t{decorators}\t" if members or decorators else "",
                )
            )

    def bind_function(
        self,
        context: Context,
        name: str,
        line: int,
        parameters: str = "",
        decorators: str = "",
        returns: str = "",
    ) -> None:
        """``parameters`` and ``decorators`` joined by spaces, as :meth:`bind_class` takes them;
        ``returns``: the return annotation, dotted ("" for none, or one that is no dotted name)."""
        if context.module_level:
            self._bindings.append(
                (
                    line,
                    _new(Binding, (name, _FUNCTION, line, None, (), context.nested, False)),
                    f"{parameters}\t{decorators}\t{returns}" if parameters or decorators or returns else "",
                )
            )
            self._bound.add(name)
            if name == "__getattr__":
                self._has_getattr = True

    def bind_type_alias(self, context: Context, name: str, line: int) -> None:
        if context.module_level:
            self._bindings.append(
                (line, Binding(name, BindingKind.TYPE_ALIAS, line, conditional=context.nested), "")
            )

    def bind_assignment(
        self, context: Context, line: int, targets: Iterable[tuple[str, bool]], value: Value
    ) -> None:
        """``targets``: every name bound, with whether it was a whole target (``X = ...``) rather
        than part of an unpacking (``X, Y = ...``). Only whole targets can be aliases."""
        if not context.module_level:
            return
        for name, whole in targets:
            if name == "__getattr__":
                # ``__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)`` or
                # ``__getattr__ = make_getattr(...)``: a module hook however it is bound.
                self._has_getattr = True
            if whole and isinstance(value, Dotted):
                binding = Binding(
                    name, BindingKind.ALIAS, line, target=value.path, conditional=context.nested
                )
            else:
                binding = Binding(name, BindingKind.ASSIGN, line, conditional=context.nested)
            self._bindings.append((line, binding, ""))
            if name == "__all__":
                if whole and isinstance(value, Strings):
                    self._all = list(value.values)
                else:
                    self._all_computed = True

    def bind_names(self, context: Context, line: int, names: Iterable[str]) -> None:
        """Names bound by ``for`` and ``with ... as`` targets, walrus (also in comprehensions),
        ``match`` captures: plain assignments of values we do not follow."""
        self.bind_assignment(context, line, [(name, False) for name in names], None)

    def unbind(self, context: Context, line: int, names: Iterable[str]) -> None:
        """``del X`` at module level (conditional when nested under if/try/for...)."""
        if context.module_level:
            for name in names:
                self._bindings.append(
                    (line, Binding(name, BindingKind.DELETE, line, conditional=context.nested), "")
                )

    def declare_global(self, context: Context, names: Iterable[str]) -> None:
        """``global X`` inside a function or class body: X may be bound once that code runs."""
        if not context.module_level:
            self._function_globals.update(names)

    def extend_all(self, context: Context, method: str, args: Sequence[Value]) -> None:
        """``__all__ += [...]`` (method "extend"), ``__all__.extend([...])``, ``.append("x")``;
        any other mutation, or a non-literal argument, makes ``__all__`` computed."""
        if not context.module_level:
            return
        value = args[0] if len(args) == 1 else None
        if self._all is not None and method == "extend" and isinstance(value, Strings):
            self._all.extend(value.values)
        elif self._all is not None and method == "append" and isinstance(value, str):
            self._all.append(value)
        else:
            self._all_computed = True

    # -- namespaces, paths and sys.modules changed by code we do not follow ---------------------

    def dynamic(self, kind: DynamicKind, line: int, construct: str, target: str = "") -> None:
        """A construct of this module itself: its namespace escapes (NAMESPACE), its ``__path__``
        may grow (PATH), it registers modules (REGISTERS, ``target`` as DynamicFact says) or it
        reaches its caller's namespace (CALLER_NAMESPACE)."""
        self._dynamic.append(DynamicFact(line, kind, construct, target))

    def hands_on(self, line: int, construct: str, dotted: str, name: str = "") -> None:
        """``dotted.name = v``, ``setattr(dotted, ...)``, ``dotted.__dict__``, ``vars(dotted)``,
        ``f(dotted)`` at module level: if ``dotted`` denotes a module, names may be bound in it
        (``name``, or any when empty)."""
        self._handed.append(DynamicFact(line, DynamicKind.SETS_ATTRIBUTES, construct, dotted, name))

    def calls_at_import(self, line: int, callee: str, module_names: Iterable[str] = ()) -> None:
        """A module-level call of a function imported or defined here (see DynamicKind.CALLS);
        ``module_names``: its arguments that may name modules (a helper registering modules
        under computed names registers these)."""
        if callee.partition(".")[0] not in _STDLIB:
            names = "|".join(module_names)
            self._handed.append(DynamicFact(line, DynamicKind.CALLS, f"{callee}()", callee, names))

    def _dynamic_facts(self) -> tuple[DynamicFact, ...]:
        if not self._handed:
            return tuple(sorted(set(self._dynamic)))  # line first: a total order, walk-independent
        bound = self._bound
        handed = [fact for fact in self._handed if fact.target.partition(".")[0] in bound]
        return tuple(sorted({*self._dynamic, *handed}))

    # -- attribute uses --------------------------------------------------------------------------

    @property
    def attribute_roots(self) -> set[str]:
        """Local names whose attribute chains are worth reporting; empty: skip that walk."""
        return self._plain_roots.keys() | self._plain_aliases.keys()

    def attribute_lines(self) -> LineGate:
        """Lines where some root is followed by a dot (``app.x``, ``(app).x``, ``app\\n.x``)."""
        patterns = [re.compile(re.escape(root) + r"[\s)]*\.") for root in self.attribute_roots]
        return LineGate(self._source, patterns)

    def attribute_chain(self, root: str, attributes: Sequence[str], span: Span) -> None:
        """A maximal chain ``root.a.b`` (attributes non-empty) starting at ``span``."""
        module = self._plain_aliases.get(root)
        if module is not None:
            dotted = ".".join((module, *attributes))
        else:
            dotted = ".".join((root, *attributes))
            if not any(dotted.startswith(m + ".") for m in self._plain_roots.get(root, ())):
                return  # `import a.b` then `a.b` or `a.c.X`: not beyond an imported module
        self._uses.append(AttributeUse(dotted, span[0], span[1] + 1))

    # -- result ----------------------------------------------------------------------------------

    def build(self) -> FileFacts:
        for call in self._calls:
            self._dynamic_import(call)
        # Stable sorts: facts of one statement keep their written order. Sorting makes the result
        # independent of the order each walker happens to visit expressions in.
        position = _BY_POSITION
        # by line, in the order bound on one line (a stable sort); each binding with its shape
        bindings = sorted(dict.fromkeys(self._bindings), key=_FIRST)
        return FileFacts(
            imports=tuple(sorted(dict.fromkeys(self._imports), key=position)),
            bindings=tuple(map(_SECOND, bindings)),
            shapes="\n".join(map(_THIRD, bindings)).rstrip("\n"),
            all_names=None if self._all_computed or self._all is None else tuple(self._all),
            has_getattr=self._has_getattr,
            attribute_uses=tuple(sorted(dict.fromkeys(self._uses), key=position)),
            warns_deprecation=self._warns,
            **text_facts(self._source, self._words),
            function_globals=tuple(sorted(self._function_globals)),
            dynamic=self._dynamic_facts(),
        )


class TextFacts(TypedDict):
    replaces_module: bool


def text_facts(source: str, words: frozenset[str] | None = None) -> TextFacts:
    """The facts read from the text rather than the tree (FileFacts fields of the same names).
    ``words``: :func:`words_in` of ``source``, when known."""
    if words is None:
        words = words_in(source)
    return TextFacts(replaces_module=_OWN_NAME_TEXT in words and _replaces_module(source, words))


def _replaces_module(source: str, words: frozenset[str]) -> bool:
    if _REPLACES_TEXT in words and _REPLACES_MODULE.search(source) is not None:
        return True
    for at in _places(source, _OWN_NAME_TEXT):
        paren = at
        while paren and source[paren - 1].isspace():  # what ``\s`` matches
            paren -= 1
        paren -= 1
        if paren < 0 or source[paren] != "(" or not _NAME_THEN_END.match(source, at + 8):
            continue
        start = source.rfind("\n", 0, paren) + 1
        if _MODULE_LEVEL_CALLEE.fullmatch(source, start, paren):
            return True
    return False
