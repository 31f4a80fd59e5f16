"""Fact extraction with CPython's ``ast`` (the running interpreter's grammar): the fast path.

Speed matters (10,000+ files), so this does not visit every node: it recurses through statement
bodies with a type -> handler table, and walks expressions only when the builder's text gates say
a call or an attribute chain could matter. All meaning is decided in :mod:`facts_builder`.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from sys import intern

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
from archguard.domain.facts import FileFacts

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


def _parameters(args: ast.arguments) -> tuple[str, ...]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg is not None:
        names.append("*" + args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append("**" + args.kwarg.arg)
    return tuple(map(intern, names))


def _decorator(node: ast.expr) -> str | None:
    return _dotted(node.func if type(node) is ast.Call else node)


def _annotation(node: ast.expr | None) -> str | None:
    """A return annotation that names one object, as dotted text (``-> Model``, ``-> "app.Model"``);
    None for anything else (``-> list[X]``, ``-> "X | None"``)."""
    if type(node) is ast.Constant and type(node.value) is str:
        text = node.value.strip()
        return text if text and all(part.isidentifier() for part in text.split(".")) else None
    return _dotted(node) if node is not None else None


def _class_members(body: Sequence[ast.stmt]) -> tuple[str, ...]:
    """The names a class body binds at its own level (methods, nested classes, fields), dunders
    left out (every class has them). Interned: a file repeats its member names, and the cache
    then stores each once per file."""
    names: list[str] = []
    for stmt in body:
        kind = type(stmt)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            names.append(stmt.name)
        elif kind is ast.Assign:
            names += [t.id for t in stmt.targets if type(t) is ast.Name]
        elif kind is ast.AnnAssign and type(stmt.target) is ast.Name:
            names.append(stmt.target.id)
    return tuple(intern(n) for n in names if not (n.startswith("__") and n.endswith("__")))


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

    def _function(self, stmt: ast.FunctionDef, context: Context) -> None:
        if context.module_level:
            self.b.bind_function(
                context,
                stmt.name,
                stmt.lineno,
                _parameters(stmt.args),
                map(_decorator, stmt.decorator_list),
                _annotation(stmt.returns),
            )
        if self.scan_calls:  # decorators, defaults and annotations run at definition time
            self.calls_in([*stmt.decorator_list, stmt.args, stmt.returns], context)
        if self.every_body or self.b.function_body_lines.overlaps(stmt.body[0].lineno, stmt.end_lineno):
            self.statements(stmt.body, context.function_body())

    def _class(self, stmt: ast.ClassDef, context: Context) -> None:
        empty = all(_is_docstring_or_pass(s) for s in stmt.body)
        if context.module_level:
            members = _class_members(stmt.body)
            decorators = map(_decorator, stmt.decorator_list)
            self.b.bind_class(
                context, stmt.name, stmt.lineno, map(_dotted, stmt.bases), empty, members, decorators
            )
        if self.scan_calls:
            self.calls_in([*stmt.decorator_list, *stmt.bases, *stmt.keywords], context)
        if self.every_body or self.b.class_body_lines.overlaps(stmt.body[0].lineno, stmt.end_lineno):
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
        self.calls(stmt, context)

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
