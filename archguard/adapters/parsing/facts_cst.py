"""Fact extraction with libcst's native parser, for files the running interpreter's ``ast`` rejects.

libcst's parser knows newer grammar than CPython 3.11 (``type X = ...``, ``class C[T]:``, PEP 701
f-strings, ``except A, B:``, t-strings), so archguard's own interpreter never decides what is a
syntax error. Slower than :mod:`facts_ast` (positions need a codegen pass, see :mod:`cst_positions`), which is why it is
only the fallback. Same shape as that walker; all meaning is decided in :mod:`facts_builder`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import libcst as cst

from archguard.adapters.parsing.cst_positions import Span as NodeSpan
from archguard.adapters.parsing.cst_positions import positions as node_positions
from archguard.adapters.parsing.facts_builder import (
    CALLS_OF_INTEREST,
    ROOT,
    Context,
    Dotted,
    FactsBuilder,
    LineGate,
    Span,
    Strings,
    Value,
    normalize_newlines,
)
from archguard.domain.facts import FileFacts

_Handler = Callable[[Any, Context], None]
# Subtrees are skipped by line only at statements: libcst's ranges for some inner nodes are
# partial (a ``Param``'s range is its name alone, without annotation or default).
_STATEMENTS = (cst.BaseStatement, cst.BaseSmallStatement)
# libcst spells these as names; CPython's ast as constants. Never treat them as aliases.
_CONSTANT_NAMES = frozenset({"None", "True", "False"})


class CstSyntaxError(SyntaxError):
    """libcst rejected the source too. ``line``/``column`` are 1-based."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message, ("<unknown>", line, column, None))
        self.line = line
        self.column = column
        self.message = message


def extract_facts_cst(source: str) -> FileFacts:
    """Facts of one module's source text; raises :class:`CstSyntaxError` if it does not parse."""
    source = normalize_newlines(source)
    try:
        module = cst.parse_module(source)
        positions = node_positions(module)
    except cst.ParserSyntaxError as error:
        raise _located(source, error) from None
    except RecursionError:
        # libcst's trees recurse in Python (e.g. thousands of implicitly concatenated strings),
        # so a legal but extreme file can exceed the stack. Only files the interpreter already
        # rejected get here; report it as unparseable rather than crash the scan.
        raise CstSyntaxError(1, 1, "too deeply nested for the libcst parser") from None
    builder = FactsBuilder(source)
    walker = _CstWalker(builder, positions)
    walker.statements(module.body, ROOT)
    if builder.attribute_roots:
        walker.attribute_chains(module)
    return builder.build()


def _located(source: str, error: cst.ParserSyntaxError) -> CstSyntaxError:
    """libcst reports a fault at, or a line or two after, where it is (the farthest token it
    tried), with terse messages. When CPython also rejects the file within that window, its
    position and message ("'(' was never closed") are exact, so prefer them. Outside the window
    CPython may be objecting to newer syntax that libcst accepted, so keep libcst's answer."""
    try:
        compile(source, "<unknown>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as cpython:
        if cpython.lineno and error.raw_line - 2 <= cpython.lineno <= error.raw_line:
            return CstSyntaxError(cpython.lineno, cpython.offset or 1, cpython.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    return CstSyntaxError(error.raw_line, error.raw_column + 1, error.message)


def _dotted(node: cst.CSTNode | None) -> str | None:
    parts = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name or node.value in _CONSTANT_NAMES:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _string(node: cst.CSTNode) -> str | None:
    if type(node) is cst.SimpleString or type(node) is cst.ConcatenatedString:
        value = node.evaluated_value  # None when an f-string part is involved; bytes for b""
        return value if type(value) is str else None
    return None


def _value(node: cst.CSTNode | None) -> Value:
    kind = type(node)
    if kind is cst.Name or kind is cst.Attribute:
        dotted = _dotted(node)
        return Dotted(dotted) if dotted else None
    if kind is cst.List or kind is cst.Tuple:
        items = [_string(e.value) if type(e) is cst.Element else None for e in node.elements]
        return Strings(tuple(items)) if None not in items else None
    return _string(node) if node is not None else None


def _target_names(target: cst.CSTNode, whole: bool) -> Iterator[tuple[str, bool]]:
    kind = type(target)
    if kind is cst.Name:
        yield target.value, whole
    elif kind is cst.Tuple or kind is cst.List:
        for element in target.elements:
            yield from _target_names(element.value, False)  # Element and StarredElement alike
    elif kind is cst.StarredElement:
        yield from _target_names(target.value, False)


def _pattern_names(pattern: cst.CSTNode) -> Iterator[str]:
    """Names a ``case`` pattern captures: ``x``, ``[a, *rest]``, ``{**rest}``, ``P() as p``."""
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = type(node)
        if (kind is cst.MatchAs or kind is cst.MatchStar) and node.name is not None:
            yield node.name.value
        elif kind is cst.MatchMapping and node.rest is not None:
            yield node.rest.value
        stack.extend(node.children)


def _caught(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> tuple[str, ...] | None:
    if handler.type is None:
        return None
    if type(handler.type) is cst.Tuple:
        return tuple(_dotted(e.value) or "" for e in handler.type.elements)
    return (_dotted(handler.type) or "",)


def _manager(expr: cst.BaseExpression) -> tuple[str | None, tuple[str, ...]]:
    """A ``with`` item as (callee, dotted names of its first argument), for ``raises(...)``."""
    if type(expr) is not cst.Call or not expr.args:
        return None, ()
    first = expr.args[0].value
    types = [e.value for e in first.elements] if type(first) is cst.Tuple else [first]
    return _dotted(expr.func), tuple(_dotted(t) or "" for t in types)


def _small_statements(suite: cst.BaseSuite) -> Iterator[cst.CSTNode | None]:
    """The simple statements of a block; None for a compound statement."""
    for stmt in suite.body:
        if type(stmt) is cst.SimpleStatementLine:
            yield from stmt.body
        elif isinstance(stmt, cst.BaseSmallStatement):  # a one-line suite: `class C: pass`
            yield stmt
        else:
            yield None


def _is_docstring_or_pass(stmt: cst.CSTNode | None) -> bool:
    if type(stmt) is cst.Pass:
        return True
    if type(stmt) is cst.Expr:
        return type(stmt.value) is cst.Ellipsis or _string(stmt.value) is not None
    return False


def _args(call: cst.Call) -> tuple[list[Value], dict[str, Value]]:
    positional: list[Value] = []
    keywords: dict[str, Value] = {}
    for arg in call.args:
        if arg.keyword is not None:
            keywords[arg.keyword.value] = _value(arg.value)
        elif arg.star == "":
            positional.append(_value(arg.value))
        elif arg.star == "*":
            positional.append(None)  # *args: unknown values, but later positions shift
    return positional, keywords


class _CstWalker:
    def __init__(self, builder: FactsBuilder, positions: Mapping[cst.CSTNode, NodeSpan]) -> None:
        self.b = builder
        self.positions = positions
        self.scan_calls = builder.scan_calls
        blocks: dict[type, _Handler] = {
            cst.SimpleStatementLine: self._block,
            cst.SimpleStatementSuite: self._block,
            cst.IndentedBlock: self._block,
            cst.Else: self._clause,
            cst.Finally: self._clause,
        }
        compound: dict[type, _Handler] = {
            **blocks,
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.FunctionDef: self._function,
            cst.ClassDef: self._class,
            cst.If: self._if,
            cst.For: self._loop,
            cst.While: self._loop,
            cst.With: self._with,
            cst.Try: self._try,
            cst.TryStar: self._try,
            cst.Match: self._match,
            cst.Global: self._global,
        }
        # Inside defs and classes only imports and nesting matter; at module level, bindings too.
        self._nested_handlers = compound
        self._module_handlers = {
            **compound,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign,
            cst.Expr: self._expr,
            cst.TypeAlias: self._type_alias,
            cst.Del: self._delete,
        }

    # -- statements ------------------------------------------------------------------------------

    def statements(self, body: Iterable[cst.CSTNode], context: Context) -> None:
        handlers = self._module_handlers if context.module_level else self._nested_handlers
        for stmt in body:
            handler = handlers.get(type(stmt))
            if handler is not None:
                handler(stmt, context)
            elif self.scan_calls:
                self.calls(stmt, context)

    def _span(self, node: cst.CSTNode) -> Span:
        where = self.positions[node]
        return where.start.line, where.start.column, where.end.line, where.end.column

    def _block(self, node: Any, context: Context) -> None:
        self.statements(node.body, context)

    def _clause(self, node: cst.Else | cst.Finally, context: Context) -> None:
        self.statements([node.body], context)

    def _import(self, stmt: cst.Import, context: Context) -> None:
        aliases = [(_dotted(a.name), a.asname and a.asname.name.value) for a in stmt.names]
        self.b.import_modules(context, self._span(stmt), aliases)

    def _import_from(self, stmt: cst.ImportFrom, context: Context) -> None:
        if type(stmt.names) is cst.ImportStar:
            aliases = [("*", None)]
        else:
            aliases = [(a.name.value, a.asname and a.asname.name.value) for a in stmt.names]
        module = _dotted(stmt.module) or ""
        self.b.import_names(context, self._span(stmt), module, len(stmt.relative), aliases)

    def _function(self, stmt: cst.FunctionDef, context: Context) -> None:
        self.b.bind_function(context, stmt.name.value, self.positions[stmt.name].start.line)
        if self.scan_calls:  # decorators, defaults and annotations run at definition time
            self.calls_in([*stmt.decorators, stmt.params, stmt.returns], context)
        self.statements(stmt.body.body, context.function_body())

    def _class(self, stmt: cst.ClassDef, context: Context) -> None:
        empty = all(_is_docstring_or_pass(s) for s in _small_statements(stmt.body))
        bases = [_dotted(arg.value) if arg.star == "" else None for arg in stmt.bases]
        self.b.bind_class(context, stmt.name.value, self.positions[stmt.name].start.line, bases, empty)
        if self.scan_calls:
            self.calls_in([*stmt.decorators, *stmt.bases, *stmt.keywords], context)
        self.statements(stmt.body.body, context.class_body())

    def _if(self, stmt: cst.If, context: Context) -> None:
        body, orelse = context.if_branches(_dotted(stmt.test))
        self.calls(stmt.test, context)
        self.statements(stmt.body.body, body)
        if stmt.orelse is not None:  # an If (elif) or an Else
            self.statements([stmt.orelse], orelse)

    def _loop(self, stmt: cst.For | cst.While, context: Context) -> None:
        if self.scan_calls:
            parts = [stmt.test] if type(stmt) is cst.While else [stmt.target, stmt.iter]
            self.calls_in(parts, context)
        loop = context.branch()
        if type(stmt) is not cst.While:  # the loop may run zero times: a conditional binding
            names = (n for n, _ in _target_names(stmt.target, False))
            self.b.bind_names(loop, self._line(stmt), names)
        self.statements(stmt.body.body, loop)
        if stmt.orelse is not None:
            self.statements([stmt.orelse], loop)

    def _with(self, stmt: cst.With, context: Context) -> None:
        self.calls_in(stmt.items, context)
        targets = [
            t
            for item in stmt.items
            if item.asname is not None
            for t in _target_names(item.asname.name, False)
        ]
        if targets:
            self.b.bind_names(context, self._line(stmt), (n for n, _ in targets))
        self.statements(stmt.body.body, context.with_body(_manager(item.item) for item in stmt.items))

    def _try(self, stmt: cst.Try | cst.TryStar, context: Context) -> None:
        self.statements(stmt.body.body, context.try_body(_caught(h) for h in stmt.handlers))
        after = context.block()
        for handler in stmt.handlers:
            self.calls(handler.type, context)
            self.statements(handler.body.body, after)
        self.statements([s for s in (stmt.orelse, stmt.finalbody) if s is not None], after)

    def _match(self, stmt: cst.Match, context: Context) -> None:
        self.calls(stmt.subject, context)
        case_context = context.branch()
        for case in stmt.cases:
            self.b.bind_names(case_context, self._line(case.pattern), _pattern_names(case.pattern))
            self.calls(case.guard, context)
            self.statements(case.body.body, case_context)

    def _written_on(self, node: cst.CSTNode, gate: LineGate) -> bool:
        where = self.positions[node]
        return gate.overlaps(where.start.line, where.end.line)

    def _line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _assign(self, stmt: cst.Assign, context: Context) -> None:
        targets = [name for t in stmt.targets for name in _target_names(t.target, True)]
        self.b.bind_assignment(context, self._line(stmt), targets, _value(stmt.value))
        self.calls(stmt, context)

    def _ann_assign(self, stmt: cst.AnnAssign, context: Context) -> None:
        if stmt.value is not None:  # a bare annotation binds nothing
            targets = list(_target_names(stmt.target, True))
            self.b.bind_assignment(context, self._line(stmt), targets, _value(stmt.value))
        self.calls(stmt, context)

    def _aug_assign(self, stmt: cst.AugAssign, context: Context) -> None:
        if type(stmt.target) is cst.Name and stmt.target.value == "__all__":
            method = "extend" if type(stmt.operator) is cst.AddAssign else "other"
            self.b.extend_all(context, method, [_value(stmt.value)])
        self.calls(stmt, context)

    def _expr(self, stmt: cst.Expr, context: Context) -> None:
        call = stmt.value
        if type(call) is cst.Call and type(call.func) is cst.Attribute:
            owner = call.func.value
            if type(owner) is cst.Name and owner.value == "__all__":
                self.b.extend_all(context, call.func.attr.value, _args(call)[0])
        self.calls(stmt, context)

    def _delete(self, stmt: cst.Del, context: Context) -> None:
        names = [n for n, _ in _target_names(stmt.target, False)]
        self.b.unbind(context, self._line(stmt), names)
        self.calls(stmt, context)

    def _global(self, stmt: cst.Global, context: Context) -> None:
        self.b.declare_global(context, [item.name.value for item in stmt.names])

    def _type_alias(self, stmt: cst.TypeAlias, context: Context) -> None:
        self.b.bind_type_alias(context, stmt.name.value, self._line(stmt))

    # -- expressions -----------------------------------------------------------------------------

    def calls_in(self, nodes: Iterable[cst.CSTNode | None], context: Context) -> None:
        for node in nodes:
            self.calls(node, context)

    def calls(self, node: cst.CSTNode | None, context: Context) -> None:
        """Report interesting calls in an expression (or a simple statement) to the builder."""
        if node is None or not self.scan_calls:
            return
        if isinstance(node, _STATEMENTS) and not self._written_on(node, self.b.call_lines):
            return
        stack = [node]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is cst.Lambda:  # its body runs later, like a def's
                self.calls(node.body, context.function_body())
                stack.append(node.params)
                continue
            if kind is cst.NamedExpr:  # binds in the enclosing scope, even from a comprehension
                if type(node.target) is cst.Name:
                    self.b.bind_names(context, self._line(node), (node.target.value,))
            elif kind is cst.Call:
                callee = _dotted(node.func)
                if callee and callee.rpartition(".")[2] in CALLS_OF_INTEREST:
                    positional, keywords = _args(node)
                    self.b.call(context, callee, self._span(node), positional, keywords)
            stack.extend(node.children)

    def attribute_chains(self, module: cst.Module) -> None:
        """Report every maximal ``name.attr...`` chain rooted at a plain-import name."""
        roots = self.b.attribute_roots
        written = self.b.attribute_lines()
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            if isinstance(node, _STATEMENTS) and not self._written_on(node, written):
                continue
            kind = type(node)
            if kind is cst.Import or kind is cst.ImportFrom:
                continue  # libcst spells imported module names as Attribute chains
            if kind is cst.Attribute:
                attributes = []
                base = node
                while type(base) is cst.Attribute:
                    attributes.append(base.attr.value)
                    base = base.value
                if type(base) is cst.Name:
                    if base.value in roots:
                        attributes.reverse()
                        self.b.attribute_chain(base.value, attributes, self._span(node))
                    continue
                stack.append(base)  # e.g. f().x: chains may hide inside the call
                continue
            stack.extend(node.children)
