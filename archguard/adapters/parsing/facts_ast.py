"""Fact extraction with CPython's ``ast`` (the running interpreter's grammar): the fast path.

Speed matters (10,000+ files), so this does not visit every node: it recurses through statement
bodies with a type -> handler table, and walks expressions only when the builder's text gates say
a call or an attribute chain could matter. All meaning is decided in :mod:`facts_builder`.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter

from archguard.adapters.parsing.facts_builder import (
    CALLS_OF_INTEREST,
    ROOT,
    Context,
    Dotted,
    FactsBuilder,
    Span,
    Strings,
    Value,
    normalize_newlines,
)
from archguard.adapters.python_ast import parse_module
from archguard.domain.facts import DynamicKind, FileFacts
from archguard.domain.sources import is_dotted_name

_Handler = Callable[[ast.AST, Context], None]
# Subtrees are skipped by line only at statements: their ranges are exact, while some inner nodes
# have none (``arguments``).
_STATEMENTS = frozenset(ast.stmt.__subclasses__())


def extract_facts(source: str, *, every_body: bool = False, detached: Sequence[ast.expr] = ()) -> FileFacts:
    """Facts of one module's source text. ``SyntaxError`` propagates to the caller.

    ``every_body`` walks every function and class body, also those whose text cannot hold a fact:
    the reference the gated walk is tested against (same facts, slower). ``detached``: expressions
    cut out of the source by :mod:`downlevel` (type-parameter bounds), walked for attribute chains
    only, as the walk of a file this interpreter reads natively sees them."""
    source = normalize_newlines(source)
    try:
        tree = parse_module(source)
    except ValueError as error:  # 3.11 reports NUL bytes as ValueError; it is a syntax problem
        raise SyntaxError(str(error)) from None
    builder = FactsBuilder(source)
    walker = _AstWalker(builder, every_body=every_body)
    walker.statements(tree.body, ROOT)
    if builder.attribute_roots:
        walker.attribute_chains([*tree.body, *detached])
    if builder.dynamic_lines:
        _DynamicWalker(builder, walker).walk(tree.body)
    return builder.build()


# The fields of each node type that can hold an expression or a statement: what
# ``ast.iter_child_nodes`` yields, without its generators, and without ``ctx``/``op`` marker nodes
# (one per name) or string/number fields. Filled on first sight of each type.
_NOT_CHILDREN = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "module",
        "asname",
        "level",
        "type_comment",
        "kind",
        "conversion",
        "is_async",
        "simple",
        "lineno",
        "tag",
        "rest",
        "kwd_attrs",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.Name: ()}


def _child_fields(kind: type) -> tuple[str, ...]:
    # Not a node (None in a list, MatchSingleton's True): no fields, nothing to visit.
    return tuple(field for field in getattr(kind, "_fields", ()) if field not in _NOT_CHILDREN)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _value(node: ast.AST | None) -> Value:
    kind = type(node)
    if kind is ast.Constant:
        return node.value if type(node.value) is str else None
    if kind is ast.Name or kind is ast.Attribute:
        dotted = _dotted(node)
        return Dotted(dotted) if dotted else None
    if kind is ast.List or kind is ast.Tuple:
        items = [e.value for e in node.elts if type(e) is ast.Constant and type(e.value) is str]
        return Strings(tuple(items)) if len(items) == len(node.elts) else None
    return None


def _target_names(target: ast.AST, whole: bool) -> Iterator[tuple[str, bool]]:
    kind = type(target)
    if kind is ast.Name:
        yield target.id, whole
    elif kind is ast.Tuple or kind is ast.List:
        for element in target.elts:
            yield from _target_names(element, False)
    elif kind is ast.Starred:
        yield from _target_names(target.value, False)


def _pattern_names(pattern: ast.AST) -> Iterator[str]:
    """Names a ``case`` pattern captures: ``x``, ``[a, *rest]``, ``{**rest}``, ``P() as p``."""
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = type(node)
        if (kind is ast.MatchAs or kind is ast.MatchStar) and node.name:
            yield node.name
        elif kind is ast.MatchMapping and node.rest:
            yield node.rest
        stack.extend(ast.iter_child_nodes(node))


def _caught(handler: ast.ExceptHandler) -> tuple[str, ...] | None:
    if handler.type is None:
        return None
    types = handler.type.elts if type(handler.type) is ast.Tuple else _alternatives(handler.type)
    return tuple(_dotted(t) or "" for t in types)


def _alternatives(expr: ast.expr) -> list[ast.expr]:
    """``A | B | C`` as [A, B, C]: how :mod:`downlevel` writes PEP 758's ``except A, B, C:`` for
    this interpreter (same width). Written by hand, ``except A | B:`` catches nothing: when an
    exception reaches it, Python raises TypeError (a union is not an exception class), so no
    working code holds one to be misread."""
    if type(expr) is ast.BinOp and type(expr.op) is ast.BitOr:
        return [*_alternatives(expr.left), *_alternatives(expr.right)]
    return [expr]


def _manager(expr: ast.expr) -> tuple[str | None, tuple[str, ...]]:
    """A ``with`` item as (callee, dotted names of its first argument), for ``raises(...)``."""
    if type(expr) is not ast.Call or not expr.args:
        return None, ()
    first = expr.args[0]
    types = first.elts if type(first) is ast.Tuple else [first]
    return _dotted(expr.func), tuple(_dotted(t) or "" for t in types)


def _parameters(args: ast.arguments) -> str:
    """A def's parameter names in order, ``*args`` and ``**kw`` with their stars, joined by spaces
    (FileFacts.shapes' form, domain/shapes.py). Most defs have only plain parameters: the walker
    joins those itself (``" ".join(map(_ARG, args.args))``, no Python step per parameter)."""
    names = [a.arg for a in args.posonlyargs]
    names += [a.arg for a in args.args]
    if args.vararg is not None:
        names.append("*" + args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append("**" + args.kwarg.arg)
    return " ".join(names)


_ARG = attrgetter("arg")


def _decorators(nodes: list[ast.expr]) -> str:
    """Each decorator's callable, dotted (those that are not a dotted name left out), joined by
    spaces."""
    return " ".join(filter(None, map(_decorator, nodes)))


def _decorator(node: ast.expr) -> str | None:
    return _dotted(node.func if type(node) is ast.Call else node)


def _annotation(node: ast.expr) -> str:
    """A return annotation that names one object, as dotted text (``-> Model``, ``-> "app.Model"``);
    "" for anything else (``-> list[X]``, ``-> "X | None"``)."""
    if type(node) is ast.Constant and type(node.value) is str:
        text = node.value.strip()
        return text if text and all(part.isidentifier() for part in text.split(".")) else ""
    return _dotted(node) or ""


_DEFINES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_NAME = attrgetter("name")


def _class_members(body: Sequence[ast.stmt]) -> tuple[str, bool]:
    """The names a class body binds at its own level (methods, nested classes, fields) in order,
    dunders left out (every class has them), joined by spaces; and whether the body is empty:
    only ``pass``, ``...`` or a docstring (a body that binds a name never is)."""
    # Most bodies are methods after a docstring: their names read in C, no Python step each.
    methods = body[1:] if type(body[0]) is ast.Expr else body
    if _DEFINES.issuperset(map(type, methods)):
        names = list(map(_NAME, methods))
    else:
        names = []
        for stmt in body:
            kind = type(stmt)
            if kind in _DEFINES:
                names.append(stmt.name)
            elif kind is ast.Assign:
                for target in stmt.targets:
                    if type(target) is ast.Name:
                        names.append(target.id)
            elif kind is ast.AnnAssign and type(stmt.target) is ast.Name:
                names.append(stmt.target.id)
    if not names:
        return "", all(map(_is_docstring_or_pass, body))
    text = " ".join(names)
    if "__" in text:  # then maybe a dunder (most classes have ``__init__``)
        text = " ".join([n for n in names if not (n[:2] == "__" and n[-2:] == "__")])
    return text, False


def _is_docstring_or_pass(stmt: ast.stmt) -> bool:
    if type(stmt) is ast.Pass:
        return True
    if type(stmt) is ast.Expr and type(stmt.value) is ast.Constant:
        return stmt.value.value is Ellipsis or type(stmt.value.value) is str
    return False


class _AstWalker:
    def __init__(self, builder: FactsBuilder, *, every_body: bool = False) -> None:
        self.b = builder
        self.scan_calls = builder.scan_calls
        self.every_body = every_body
        self._nested_lines = builder.nested_lines.lines
        self._ascii = builder.ascii
        self._function_body_lines = builder.function_body_lines.lines
        self._class_body_lines = builder.class_body_lines.lines
        compound: dict[type, _Handler] = {
            ast.Import: self._import,
            ast.ImportFrom: self._import_from,
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.ClassDef: self._class,
            ast.If: self._if,
            ast.For: self._loop,
            ast.AsyncFor: self._loop,
            ast.While: self._loop,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.Try: self._try,
            ast.Match: self._match,
            ast.Global: self._global,
        }
        if hasattr(ast, "TryStar"):
            compound[ast.TryStar] = self._try
        # Inside defs and classes only imports and nesting matter; at module level, bindings too.
        self._nested_handlers = compound
        self._module_handlers = {
            **compound,
            ast.Assign: self._assign,
            ast.AnnAssign: self._ann_assign,
            ast.AugAssign: self._aug_assign,
            ast.Expr: self._expr,
            ast.Delete: self._delete,
        }
        if hasattr(ast, "TypeAlias"):  # running on 3.12+
            self._module_handlers[ast.TypeAlias] = self._type_alias

    # -- statements ------------------------------------------------------------------------------

    def statements(self, body: Sequence[ast.stmt], context: Context) -> None:
        if context.module_level:
            handlers = self._module_handlers
        else:
            if body and not self.every_body:
                body = self._written(body)
            handlers = self._nested_handlers
        for stmt in body:
            handler = handlers.get(type(stmt))
            if handler is not None:
                handler(stmt, context)
            elif self.scan_calls:
                self.calls(stmt, context)

    def _written(self, body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
        """The statements of a def or class body whose text holds a word a fact needs there (see
        FactsBuilder.nested_lines): a method among fifty is found without visiting the others.
        A statement's text runs from the line the one before it ends on (``a = 1; import b``; its
        decorators) to its own last line."""
        lines = self._nested_lines
        count = len(lines)
        first = body[0]
        decorators = getattr(first, "decorator_list", None)
        index = bisect_left(lines, decorators[0].lineno if decorators else first.lineno)
        if index == count or lines[index] > body[-1].end_lineno:
            return ()
        kept = []
        for stmt in body:
            end = stmt.end_lineno or stmt.lineno  # never None from ast.parse
            if lines[index] <= end:
                kept.append(stmt)
            index = bisect_left(lines, end, index)
            if index == count:
                break
        return kept

    def _span(self, node: ast.AST) -> Span:
        if self._ascii:  # most files: ast's columns are the characters' (no call per column)
            return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset
        char_column = self.b.char_column
        return (
            node.lineno,
            char_column(node.lineno, node.col_offset),
            node.end_lineno,
            char_column(node.end_lineno, node.end_col_offset),
        )

    # PEP 810 ``lazy import``: an interpreter that reads 3.15 syntax marks the node ``is_lazy``;
    # on older ones ``downlevel`` blanks the keyword and marks the facts itself.
    def _import(self, stmt: ast.Import, context: Context) -> None:
        self.b.import_modules(
            context,
            self._span(stmt),
            [(a.name, a.asname) for a in stmt.names],
            lazy=bool(getattr(stmt, "is_lazy", False)),
        )

    def _import_from(self, stmt: ast.ImportFrom, context: Context) -> None:
        self.b.import_names(
            context,
            self._span(stmt),
            stmt.module or "",
            stmt.level or 0,
            [(a.name, a.asname) for a in stmt.names],
            lazy=bool(getattr(stmt, "is_lazy", False)),
        )

    # A module-level def or class costs a few Python calls of its own (a file holds dozens): the
    # common cases (no decorators, no return annotation, plain parameters, a body holding no fact)
    # are told here without a call.
    def _function(self, stmt: ast.FunctionDef, context: Context) -> None:
        decorators = stmt.decorator_list
        if context.module_level:
            args, returns = stmt.args, stmt.returns
            self.b.bind_function(
                context,
                stmt.name,
                stmt.lineno,
                _parameters(args)
                if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg
                else " ".join(map(_ARG, args.args)),
                _decorators(decorators) if decorators else "",
                "" if returns is None else _annotation(returns),
            )
            if decorators:
                self._decorators_run(decorators)
        first = stmt.body[0].lineno
        # Decorators, defaults and annotations run at definition time: walked for calls when a
        # line from the first decorator to the body's first holds one (a superset of the header's).
        if self.scan_calls and (
            self.every_body
            or self.b.call_lines.overlaps(decorators[0].lineno if decorators else stmt.lineno, first)
        ):
            self.calls_in([*decorators, stmt.args, stmt.returns], context)
        lines = self._function_body_lines  # LineGate.overlaps, inline
        at = bisect_left(lines, first)
        if self.every_body or (at < len(lines) and lines[at] <= stmt.end_lineno):
            self.statements(stmt.body, context.function_body())

    def _class(self, stmt: ast.ClassDef, context: Context) -> None:
        decorators = stmt.decorator_list
        if context.module_level:
            members, empty = _class_members(stmt.body)
            bases = stmt.bases
            self.b.bind_class(
                context,
                stmt.name,
                stmt.lineno,
                tuple(filter(None, map(_dotted, bases))) if bases else (),
                empty,
                members,
                _decorators(decorators) if decorators else "",
            )
            if decorators:
                self._decorators_run(decorators)
        if self.scan_calls:
            self.calls_in([*decorators, *stmt.bases, *stmt.keywords], context)
        lines = self._class_body_lines  # LineGate.overlaps, inline
        at = bisect_left(lines, stmt.body[0].lineno)
        if self.every_body or (at < len(lines) and lines[at] <= stmt.end_lineno):
            self.statements(stmt.body, context.class_body())

    def _if(self, stmt: ast.If, context: Context) -> None:
        body, orelse = context.if_branches(_dotted(stmt.test))
        self.calls(stmt.test, context)
        self.statements(stmt.body, body)
        self.statements(stmt.orelse, orelse)

    def _loop(self, stmt: ast.For | ast.While, context: Context) -> None:
        if self.scan_calls:
            parts = [stmt.test] if type(stmt) is ast.While else [stmt.target, stmt.iter]
            self.calls_in(parts, context)
        loop = context.branch()
        if type(stmt) is not ast.While:  # the loop may run zero times: a conditional binding
            self.b.bind_names(loop, stmt.lineno, (n for n, _ in _target_names(stmt.target, False)))
        self.statements(stmt.body, loop)
        self.statements(stmt.orelse, loop)

    def _with(self, stmt: ast.With, context: Context) -> None:
        self.calls_in(stmt.items, context)
        targets = [
            t
            for item in stmt.items
            if item.optional_vars is not None
            for t in _target_names(item.optional_vars, False)
        ]
        if targets:
            self.b.bind_names(context, stmt.lineno, (n for n, _ in targets))
        self.statements(stmt.body, context.with_body(_manager(item.context_expr) for item in stmt.items))

    def _try(self, stmt: ast.Try, context: Context) -> None:
        self.statements(stmt.body, context.try_body(_caught(h) for h in stmt.handlers))
        after = context.block()
        for handler in stmt.handlers:
            self.calls(handler.type, context)
            self.statements(handler.body, after)
        self.statements(stmt.orelse, after)
        self.statements(stmt.finalbody, after)

    def _match(self, stmt: ast.Match, context: Context) -> None:
        self.calls(stmt.subject, context)
        case_context = context.branch()
        for case in stmt.cases:
            self.b.bind_names(case_context, case.pattern.lineno, _pattern_names(case.pattern))
            self.calls(case.guard, context)
            self.statements(case.body, case_context)

    def _assign(self, stmt: ast.Assign, context: Context) -> None:
        targets = [name for t in stmt.targets for name in _target_names(t, True)]
        self.b.bind_assignment(context, stmt.lineno, targets, _value(stmt.value))
        for target in stmt.targets:
            if type(target) is ast.Attribute:  # ``mod.X = v``: X may be bound in module ``mod``
                owner = _dotted(target.value)
                if owner:
                    self.b.hands_on(stmt.lineno, f"{owner}.{target.attr} = ...", owner, target.attr)
        self._hands_on(stmt.value, stmt.lineno)
        self.calls(stmt, context)

    def _decorators_run(self, decorators: Sequence[ast.expr]) -> None:
        """Module-level decorators are calls at import time, handed the object they decorate (a
        helper may write into that object's module: matplotlib's ``@_Backend.export``)."""
        for decorator in decorators:
            if type(decorator) is ast.Call:
                self._hands_on(decorator, decorator.lineno)
            else:
                callee = _dotted(decorator)
                if callee is not None:
                    self.b.calls_at_import(decorator.lineno, callee)

    def _hands_on(self, value: ast.expr | None, line: int) -> None:
        """A module-level ``f(x)``: a module named ``x`` is handed to code we do not follow, so
        names may be bound in it. The call itself is noted too (and a call among its arguments):
        a helper that reaches its caller's frame may change this module's namespace. Only the
        statement's own call is read (cheap; deeper shapes are the documented limit)."""
        if type(value) is not ast.Call:
            return
        callee = _dotted(value.func)
        if callee is None or callee in _READS_ONLY or callee == "setattr":
            return  # setattr: judged by _DynamicWalker, which also reads its name
        keywords = value.keywords
        items: Sequence[ast.expr] = [*value.args, *[k.value for k in keywords]] if keywords else value.args
        # (lazily: the builder reads the names only for a call it keeps)
        self.b.calls_at_import(line, callee, filter(None, map(_module_name_given, items)))
        construct = ""
        for item in items:
            kind = type(item)
            if kind is ast.Call:  # ``f(helper())``: the inner call runs at import time too
                inner = _dotted(item.func)
                if inner is not None:
                    self.b.calls_at_import(line, inner)
            elif kind is ast.Name or kind is ast.Attribute:
                dotted = _dotted(item)
                if dotted:
                    construct = construct or f"passed to {callee}()"
                    self.b.hands_on(line, construct, dotted)

    def _ann_assign(self, stmt: ast.AnnAssign, context: Context) -> None:
        if stmt.value is not None:  # a bare annotation binds nothing
            targets = list(_target_names(stmt.target, True))
            self.b.bind_assignment(context, stmt.lineno, targets, _value(stmt.value))
        self.calls(stmt, context)

    def _aug_assign(self, stmt: ast.AugAssign, context: Context) -> None:
        if type(stmt.target) is ast.Name and stmt.target.id == "__all__":
            method = "extend" if type(stmt.op) is ast.Add else "other"
            self.b.extend_all(context, method, [_value(stmt.value)])
        self.calls(stmt, context)

    def _expr(self, stmt: ast.Expr, context: Context) -> None:
        call = stmt.value
        if type(call) is ast.Call and type(call.func) is ast.Attribute:
            owner = call.func.value
            if type(owner) is ast.Name and owner.id == "__all__":
                self.b.extend_all(context, call.func.attr, [_value(a) for a in call.args])
        self._hands_on(call, stmt.lineno)
        self.calls(stmt, context)

    def _delete(self, stmt: ast.Delete, context: Context) -> None:
        names = [n for t in stmt.targets for n, _ in _target_names(t, False)]
        self.b.unbind(context, stmt.lineno, names)
        self.calls(stmt, context)

    def _global(self, stmt: ast.Global, context: Context) -> None:
        self.b.declare_global(context, stmt.names)

    def _type_alias(self, stmt: ast.AST, context: Context) -> None:
        self.b.bind_type_alias(context, stmt.name.id, stmt.lineno)

    # -- expressions -----------------------------------------------------------------------------

    def calls_in(self, nodes: Iterable[ast.AST | None], context: Context) -> None:
        for node in nodes:
            self.calls(node, context)

    def calls(self, node: ast.AST | None, context: Context) -> None:
        """Report interesting calls in an expression (or a simple statement) to the builder."""
        if node is None or not self.scan_calls:
            return
        if type(node) in _STATEMENTS and not self.b.call_lines.overlaps(node.lineno, node.end_lineno):
            return
        stack = [node]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.Lambda:  # its body runs later, like a def's
                self.calls(node.body, context.function_body())
                stack.append(node.args)
                continue
            if kind is ast.NamedExpr:  # binds in the enclosing scope, even from a comprehension
                self.b.bind_names(context, node.lineno, (node.target.id,))
            elif kind is ast.Call:
                callee = _dotted(node.func)
                if callee and callee.rpartition(".")[2] in CALLS_OF_INTEREST:
                    keywords = {k.arg: _value(k.value) for k in node.keywords if k.arg}
                    self.b.call(context, callee, self._span(node), [_value(a) for a in node.args], keywords)
            _push_children(node, kind, stack)

    def attribute_chains(self, nodes: Iterable[ast.AST]) -> None:
        """Report every maximal ``name.attr...`` chain rooted at a plain-import name."""
        roots = self.b.attribute_roots
        written = self.b.attribute_lines()
        stack: list[ast.AST] = list(nodes)
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in _STATEMENTS and not written.overlaps(node.lineno, node.end_lineno):
                continue
            if kind is ast.Attribute:
                attributes = []
                base = node
                while type(base) is ast.Attribute:
                    attributes.append(base.attr)
                    base = base.value
                if type(base) is ast.Name:
                    if base.id in roots:
                        attributes.reverse()
                        self.b.attribute_chain(base.id, attributes, self._span(node))
                    continue
                stack.append(base)  # e.g. f().x: chains may hide inside the call
                continue
            _push_children(node, kind, stack)


# Builtins that only read what they are given: handing a module to them changes nothing.
_READS_ONLY = frozenset(
    {
        "getattr", "hasattr", "isinstance", "issubclass", "dir", "print", "id", "repr", "str",
        "type", "len", "callable", "sorted", "list", "tuple", "dict", "set", "frozenset", "iter",
        "any", "all", "sum", "min", "max", "enumerate", "zip", "map", "filter", "hash", "bool",
    }
)  # fmt: skip
# What may be done to ``globals()`` (``vars()``, module-level ``locals()``) without its namespace
# escaping: reads and copies. Anything else (a write, ``update``, handing it on, keeping it) may
# bind names no parser can list.
_NAMESPACE_READS = frozenset({"get", "keys", "values", "items", "copy", "__contains__", "__getitem__"})
_OWN_NAME = frozenset({"__name__", "__spec__.name"})
_NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
_FRAME_ATTRIBUTES = frozenset({"f_globals", "f_locals", "__globals__"})
_FRAME_CALLS = frozenset({"currentframe", "_getframe"})
_GROWS_PATH = frozenset({"append", "extend", "insert", "__iadd__"})
_REGISTERING_PATHS = frozenset({"meta_path", "path_hooks"})


class _DynamicWalker:
    """Constructs through which code archguard does not follow may change this module's
    namespace, this package's ``__path__`` or ``sys.modules`` (DynamicKind), found on the lines the
    builder's text gate names: a statement none of whose lines holds one of its words is skipped
    unvisited. Each node is judged before its children, so a ``globals()`` call knows whether its
    parent only reads it."""

    def __init__(self, builder: FactsBuilder, walker: _AstWalker) -> None:
        self.b = builder
        self.span = walker._span
        self.lines = builder.dynamic_lines
        self.reads: set[int] = set()  # ids of namespace calls whose parent only reads them

    def walk(self, body: Sequence[ast.stmt]) -> None:
        stack: list[tuple[ast.AST, bool]] = [(stmt, True) for stmt in reversed(body)]
        while stack:
            node, module_level = stack.pop()
            kind = type(node)
            if kind in _STATEMENTS:
                decorators = getattr(node, "decorator_list", None)  # above the ``def`` line
                first = decorators[0].lineno if decorators else node.lineno
                if not self.lines.overlaps(first, node.end_lineno):
                    continue
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda:
                inner = False
            elif kind is ast.ClassDef:
                inner = False  # ``locals()`` there is the class body's
            else:
                inner = module_level
            self._judge(node, kind, module_level)
            children: list[ast.AST] = []
            _push_children(node, kind, children)
            stack.extend((child, inner) for child in reversed(children) if child is not None)

    def _judge(self, node: ast.AST, kind: type, module_level: bool) -> None:
        line = getattr(node, "lineno", 0)
        if kind is ast.Call:
            self._call(node, line, module_level)
        elif kind is ast.Subscript:
            self._subscript(node, line)
        elif kind is ast.Attribute:
            attr = node.attr
            if attr in _FRAME_ATTRIBUTES:
                self.b.dynamic(DynamicKind.CALLER_NAMESPACE, line, attr)
            elif type(node.ctx) is ast.Store and _module_by_computed_name(node.value):
                self.b.dynamic(DynamicKind.CALLER_NAMESPACE, line, f"sys.modules[...].{attr} = ...")
            elif attr == "__dict__" and id(node) not in self.reads:  # ``"X" in m.__dict__``: a read
                owner = _dotted(node.value)
                if owner:
                    self.b.hands_on(line, f"{owner}.__dict__", owner)
                elif _module_by_computed_name(node.value):  # ``sys.modules[cls.__module__].__dict__``
                    self.b.dynamic(DynamicKind.CALLER_NAMESPACE, line, "sys.modules[...].__dict__")
        elif kind is ast.Name and node.id == "__path__":
            if type(node.ctx) is not ast.Load:
                self.b.dynamic(DynamicKind.PATH, line, "__path__ assigned")
        elif kind is ast.Compare:
            # ``"x" in globals()``: a read
            for operand in node.comparators:
                self._mark_read(operand)
        elif kind is ast.For or kind is ast.comprehension:
            self._mark_read(node.iter)

    def _mark_read(self, node: ast.AST) -> None:
        """``node`` (a namespace call or an ``x.__dict__``) is only read by its parent."""
        kind = type(node)
        if (kind is ast.Call and _namespace_call(node) is not None) or (
            kind is ast.Attribute and node.attr == "__dict__"
        ):
            self.reads.add(id(node))

    def _call(self, node: ast.Call, line: int, module_level: bool) -> None:
        callee = _dotted(node.func)
        namespace = _namespace_call(node)
        if namespace is not None:
            if id(node) not in self.reads and (namespace != "locals" or module_level):
                self.b.dynamic(DynamicKind.NAMESPACE, line, f"{namespace}()")
            return
        if callee is None:
            if type(node.func) is ast.Attribute:  # ``globals().update(...)``, ``globals().get(...)``
                attr = node.func.attr
                if attr in _NAMESPACE_READS:
                    self._mark_read(node.func.value)
                elif attr in ("extend_path", "declare_namespace"):  # ``__import__("pkgutil").extend_path``
                    self.b.dynamic(DynamicKind.PATH, line, f"{attr}()")
            return
        head, _, last = callee.rpartition(".")
        if last in _NAMESPACE_READS and head.rpartition(".")[2] not in ("modules",):
            if type(node.func) is ast.Attribute:  # ``m.__dict__.get(k)``: a read
                self._mark_read(node.func.value)
            return
        if callee in _READS_ONLY:
            for arg in node.args:
                self._mark_read(arg)
            return
        if last in _FRAME_CALLS:
            self.b.dynamic(DynamicKind.CALLER_NAMESPACE, line, f"{callee}()")
        elif last in ("extend_path", "declare_namespace"):
            self.b.dynamic(DynamicKind.PATH, line, f"{callee}()")
        elif head == "__path__" and last in _GROWS_PATH:
            self.b.dynamic(DynamicKind.PATH, line, f"__path__.{last}()")
        elif head.rpartition(".")[2] in _REGISTERING_PATHS:
            # An importer may serve any name; the ones a module installs serve its own (six.moves).
            self.b.dynamic(DynamicKind.REGISTERS, line, f"{head}.{last}()", "__name__.")
        elif head.endswith("modules") and last in ("update", "setdefault", "__setitem__", "get"):
            key = node.args[0] if node.args else None
            if last == "get":
                if key is not None and _dotted(key) in _OWN_NAME:
                    self.b.dynamic(DynamicKind.NAMESPACE, line, f"{callee}(__name__)")
            elif last == "update" or key is None:
                self.b.dynamic(DynamicKind.REGISTERS, line, f"{callee}()", "*")
            else:
                self._registers(key, line, f"{callee}()")
        elif last in ("import_module", "__import__") and node.args and _dotted(node.args[0]) in _OWN_NAME:
            self.b.dynamic(DynamicKind.NAMESPACE, line, f"{callee}(__name__)")
        elif last in ("exec", "eval") and not head:
            if module_level and len(node.args) < 2 and not any(k.arg == "globals" for k in node.keywords):
                self.b.dynamic(DynamicKind.NAMESPACE, line, f"{callee}()")
        elif last == "setattr" and head in ("", "builtins") and node.args:
            target = node.args[0]
            name = node.args[1] if len(node.args) > 1 else None
            literal = name.value if type(name) is ast.Constant and type(name.value) is str else ""
            owner = _dotted(target)
            if owner:
                self.b.hands_on(line, "setattr()", owner, literal)
            elif _module_by_computed_name(target):
                # ``setattr(sys.modules[cls.__module__], ...)``: a helper (often a decorator) writes
                # into the module its caller names, which its callers' facts cannot show.
                self.b.dynamic(DynamicKind.CALLER_NAMESPACE, line, "setattr(sys.modules[...])")
        elif last == "vars" and not head and node.args:
            owner = _dotted(node.args[0])
            if owner:
                self.b.hands_on(line, "vars()", owner)
        for arg in node.args:  # ``f(__path__)``: the list handed on may grow
            if type(arg) is ast.Name and arg.id == "__path__" and last not in ("extend_path",):
                self.b.dynamic(DynamicKind.PATH, line, f"__path__ passed to {callee}()")

    def _subscript(self, node: ast.Subscript, line: int) -> None:
        value = node.value
        if type(value) is ast.Call and _namespace_call(value) is not None:
            if type(node.ctx) is ast.Load:
                self.reads.add(id(value))  # ``globals()["X"]``: a read
            return
        if type(value) is ast.Attribute and value.attr == "__dict__" and type(node.ctx) is ast.Load:
            self.reads.add(id(value))  # ``m.__dict__["X"]``: a read
            return
        owner = _dotted(value)
        if owner is None or not owner.endswith("modules") or owner.rpartition(".")[2] != "modules":
            return
        own = _dotted(node.slice) in _OWN_NAME
        if type(node.ctx) is ast.Del:
            return  # ``del sys.modules[k]``: a module forgotten provides nothing
        if type(node.ctx) is ast.Load:
            if own:  # ``sys.modules[__name__]``: this module's object, handed on or changed
                self.b.dynamic(DynamicKind.NAMESPACE, line, "sys.modules[__name__]")
        elif own:
            self.b.dynamic(DynamicKind.NAMESPACE, line, "sys.modules[__name__] = ...")
        else:
            self._registers(node.slice, line, "sys.modules[...] = ...")

    def _registers(self, key: ast.expr, line: int, construct: str) -> None:
        self.b.dynamic(DynamicKind.REGISTERS, line, construct, _registered_name(key))


def _module_name_given(node: ast.expr) -> str:
    """A call argument that may name a module: a dotted string literal, or one built from this
    module's name (``f"{__name__}.old"``), written as DynamicFact.target writes it; else ""."""
    kind = type(node)
    if kind is ast.Constant:
        text = node.value
        return text if type(text) is str and "." in text and is_dotted_name(text) else ""
    if kind is ast.Name:
        # a bare name handed on: keys may be built under it (apipkg.initpkg)
        return node.id + "." if node.id in ("__name__", "__package__") else ""
    if kind is ast.Call:
        # ``Redirect(locals(), ...)``: the namespace carries ``__name__``; a helper building keys
        # from it may register anything under this module (numba's ``_RedirectSubpackage``).
        return "__name__." if _namespace_call(node) is not None else ""
    if kind is ast.BinOp or kind is ast.JoinedStr:  # the only shapes _registered_name builds from
        built = _registered_name(node)
        return built if built.startswith(("__name__", "__package__")) else ""
    return ""


def _module_by_computed_name(node: ast.expr) -> bool:
    """``sys.modules[key]`` (or ``modules[key]``) where ``key`` is neither a literal nor this
    module's own name: some module, which one the caller decides (``cls.__module__``)."""
    if type(node) is not ast.Subscript:
        return False
    owner = _dotted(node.value)
    if owner is None or owner.rpartition(".")[2] != "modules":
        return False
    key = node.slice
    return type(key) is not ast.Constant and _dotted(key) not in _OWN_NAME


def _namespace_call(node: ast.Call) -> str | None:
    """``globals()``, ``vars()`` or ``locals()`` (no arguments): which, else None."""
    func = node.func
    if type(func) is ast.Name and func.id in _NAMESPACE_CALLS and not node.args and not node.keywords:
        return func.id
    return None


def _registered_name(key: ast.expr) -> str:
    """The module name a ``sys.modules`` key names, as DynamicFact.target writes it."""
    kind = type(key)
    if kind is ast.Constant and type(key.value) is str:
        return key.value
    parts: list[ast.expr] = []
    if kind is ast.BinOp and type(key.op) is ast.Add:
        parts = [key.left, key.right]
    elif kind is ast.JoinedStr:
        parts = [v.value if type(v) is ast.FormattedValue else v for v in key.values]
    if kind is ast.Name and key.id in ("__name__", "__package__"):
        return key.id
    if len(parts) == 2:
        head, tail = parts
        anchor = _dotted(head)
        if (
            anchor in ("__name__", "__package__")
            and type(tail) is ast.Constant
            and type(tail.value) is str
            and tail.value.startswith(".")
        ):
            return anchor + tail.value
    return "*"


def _push_children(node: ast.AST, kind: type, stack: list[ast.AST]) -> None:
    """Push the children ``ast.iter_child_nodes`` gives, in its order, without its generators (and
    without the operator and context markers, which hold nothing)."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = _child_fields(kind)
    for field in fields:
        child = getattr(node, field, None)
        if type(child) is list:
            stack.extend(child)  # may hold None (``{**d}``'s key): skipped when popped
        elif child is not None:
            stack.append(child)
