"""Rewrite non-canonical ``from ... import`` statements with libcst, touching nothing else.

One call rewrites one file: each :class:`ImportEdit` names a statement (by its first line) and one
imported name in it, and says which canonical ``module:Name`` to import instead. The local name the
file uses is always kept (``from shim import Old`` becomes ``from canon import New as Old``), so
the file's own names, and every module that re-exports them, keep working.

Shapes (docs/fix.md):

* every name of the statement retargeted to one canonical module: the statement is rewritten in
  place (its comments, parentheses and layout stay);
* only some names retargeted: they leave the statement (the rest stays in place) and a new
  statement follows it;
* an earlier import of the canonical module in the same block takes the names instead of a new
  statement (merged, not duplicated) when nothing between the two lines mentions the local name and
  no comment would be lost;
* relative statements stay relative (the fewest dots that reach the canonical module from the
  file's package) when the canonical module is in the same top-level package; absolute ones stay
  absolute;
* a ``try: ... except ImportError: ...`` whose branches end up identical is collapsed to its body;
  any other guard is kept and a note says why.

Anything it cannot do raises :class:`RewriteError` naming the line: the caller then writes nothing.
A file libcst cannot hold at all raises :class:`UnsupportedFile`: that file's imports are left to a
human and the other files are still rewritten.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, PositionProvider

from archguard.adapters.python_ast import parse_module
from archguard.domain.fix import ImportEdit, StatementChange
from archguard.domain.sources import resolve_relative

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


class RewriteError(Exception):
    """This file cannot be rewritten safely; the message names the line and the reason."""


class UnsupportedFile(RewriteError):
    """libcst cannot hold this file as it is (it does not parse it, or cannot give its bytes back:
    lone CR line endings, form feeds between statements). Nothing about the planned edits is wrong,
    so the caller may leave this one file alone and rewrite the others."""


@dataclass
class Rewrite:
    source: bytes
    changes: list[StatementChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rewrite_imports(path: str, source: bytes, package: str | None, edits: Sequence[ImportEdit]) -> Rewrite:
    """``package``: what relative imports in this file resolve against (None: a loose file named by
    its path, where relative imports cannot work)."""
    try:
        module = cst.parse_module(source)
        text = _text(source)
    except (cst.ParserSyntaxError, UnicodeDecodeError, SyntaxError, LookupError) as error:
        raise UnsupportedFile(f"libcst cannot parse it: {str(error).splitlines()[0]}") from None
    if module.bytes != source:
        raise UnsupportedFile("libcst does not reproduce it byte for byte; it is left as it is")
    layout = _Layout(module, text)
    planner = _Planner(path, module, layout, text, package, edits)
    planner.plan()
    new_module = module.visit(_Applier(planner, layout))
    new_source = new_module.bytes
    try:
        if layout.from_ast:  # what CPython's parser took before, it must take after
            parse_module(_text(new_source))
        else:
            cst.parse_module(new_source)
    except (SyntaxError, ValueError, cst.ParserSyntaxError) as error:  # a bug of ours; never write it
        raise RewriteError(f"the rewritten file would not parse: {error}") from None
    return Rewrite(new_source, planner.changes, planner.notes)


def _text(source: bytes) -> str:
    """The text Python compiles (its encoding rules), with ``\\n`` line endings."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


# Nodes that hold statements, or are statements: all the walk below steps through.
_STATEMENT_LEVEL = (
    cst.BaseStatement,
    cst.BaseSuite,
    cst.BaseSmallStatement,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


class _Layout:
    """Each statement's lines and what holds it, found without libcst's metadata providers (each of
    which walks every node of the file: most of the cost of a rewrite). Only statement-level nodes
    are walked; their lines come from CPython's ``ast`` of the same text, matched statement by
    statement in source order. When ``ast`` cannot parse the file (syntax newer than the
    interpreter) or the two disagree, libcst's PositionProvider gives the lines instead."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self._parent: dict[int, cst.CSTNode] = {}
        self._lines: dict[int, tuple[int, int]] = {}
        self.statements: list[cst.CSTNode] = []  # compound and small statements, in source order
        self._walk(module)
        self.from_ast = self._lines_from_ast(text)
        if not self.from_ast:
            positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
            for node in self.statements:
                span = positions[node]
                self._lines[id(node)] = (span.start.line, span.end.line)

    def _walk(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, _STATEMENT_LEVEL):
                self._parent[id(child)] = node
                if isinstance(child, (cst.BaseCompoundStatement, cst.BaseSmallStatement)):
                    self.statements.append(child)
                if not isinstance(child, cst.BaseSmallStatement):
                    self._walk(child)

    def _lines_from_ast(self, text: str) -> bool:
        try:
            tree = parse_module(text)
        except (SyntaxError, ValueError, RecursionError):
            return False
        theirs = sorted(
            (n for n in ast.walk(tree) if isinstance(n, ast.stmt)), key=lambda n: (n.lineno, n.col_offset)
        )
        if len(theirs) != len(self.statements):
            return False
        for ours, their in zip(self.statements, theirs, strict=True):  # lengths checked above
            if isinstance(ours, cst.ImportFrom) != isinstance(their, ast.ImportFrom):
                return False
            self._lines[id(ours)] = (their.lineno, their.end_lineno or their.lineno)
        return True

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parent.get(id(node))

    def parent_by_id(self, key: int) -> cst.CSTNode | None:
        return self._parent.get(key)

    def start(self, node: cst.CSTNode) -> int:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            node = node.body[0]
        return self._lines[id(node)][0]

    def end(self, node: cst.CSTNode) -> int:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            node = node.body[-1]
        return self._lines[id(node)][1]


# ---- planning -------------------------------------------------------------------------------


@dataclass
class _Retarget:
    alias: cst.ImportAlias
    edit: ImportEdit
    local: str


class _Planner:
    """Decides, per edited statement, what becomes of it; records the decisions by node."""

    def __init__(
        self,
        path: str,
        module: cst.Module,
        layout: _Layout,
        text: str,
        package: str | None,
        edits: Sequence[ImportEdit],
    ) -> None:
        self.path = path
        self.module = module
        self.package = package
        self.layout = layout
        self.lines = text.split("\n")
        self.edits_by_line: dict[int, list[ImportEdit]] = {}
        for edit in edits:
            self.edits_by_line.setdefault(edit.line, []).append(edit)
        # Decisions, keyed by id() of original nodes (the nodes are kept alive by the module).
        self.replace_import: dict[int, cst.ImportFrom] = {}
        self.extend_import: dict[int, list[cst.ImportAlias]] = {}
        self.insert_after: dict[int, list[cst.BaseSmallStatement]] = {}
        self.remove_statement: set[int] = set()
        self.guards: set[int] = set()  # Try nodes holding an edited import
        self.changes: list[StatementChange] = []
        self.notes: list[str] = []
        self._edited_statements: set[int] = set()

    def line_of(self, node: cst.CSTNode) -> int:
        return self.layout.start(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode:
        found = self.layout.parent(node)
        assert found is not None
        return found

    @property
    def affected(self) -> list[int]:
        """ids of every node the applier changes (their ancestors are the only nodes it visits)."""
        return [
            *self.replace_import,
            *self.extend_import,
            *self.insert_after,
            *self.remove_statement,
            *self.guards,
        ]

    def plan(self) -> None:
        found: dict[int, list[tuple[cst.ImportFrom, list[_Retarget]]]] = {}
        matched: set[int] = set()
        for node in self.layout.statements:
            if not isinstance(node, cst.ImportFrom):
                continue
            line = self.line_of(node)
            edits = self.edits_by_line.get(line)
            if not edits or isinstance(node.names, cst.ImportStar):
                continue
            absolute = self._absolute(node)
            retargets = []
            for alias in node.names:
                written = get_full_name_for_node(alias.name)
                for edit in edits:
                    if edit.name == written and edit.module == absolute:
                        local = get_full_name_for_node(alias.asname.name) if alias.asname else written
                        assert local is not None
                        retargets.append(_Retarget(alias, edit, local))
                        matched.add(id(edit))
                        break
            if retargets:
                found.setdefault(line, []).append((node, retargets))
                self._edited_statements.add(id(self.parent(node)))
        missing = [e for e in (e for es in self.edits_by_line.values() for e in es) if id(e) not in matched]
        if missing:
            e = missing[0]
            raise RewriteError(
                f"line {e.line}: no 'from {e.module} import {e.name}' statement there "
                "(was the file changed since it was checked?)"
            )
        for line in sorted(found):
            for node, retargets in found[line]:
                self._plan_statement(node, retargets)

    def _absolute(self, node: cst.ImportFrom) -> str | None:
        written = get_full_name_for_node(node.module) if node.module is not None else ""
        level = len(node.relative)
        if not level:
            return written
        if self.package is None:
            return None
        return resolve_relative(self.package, written or "", level)

    def _plan_statement(self, node: cst.ImportFrom, retargets: list[_Retarget]) -> None:
        statement = self.parent(node)
        line = self.line_of(node)
        before = self._source_of(statement)
        self._mark_guard(statement)
        groups: dict[str, list[_Retarget]] = {}
        for r in retargets:
            groups.setdefault(r.edit.canonical_module, []).append(r)
        contracts = tuple(sorted({r.edit.contract for r in retargets}))
        everything = len(retargets) == len(node.names) and len(groups) == 1
        relative = bool(node.relative)

        if everything:
            canonical_module = next(iter(groups))
            target = self._merge_target(statement, canonical_module, retargets)
            if target is not None and self._removable(statement):
                self.remove_statement.add(id(statement))
                self.changes.append(
                    StatementChange(
                        self.path, line, before, "", contracts, f"merged into line {self.line_of(target[0])}"
                    )
                )
                self._merge_into(target, retargets)
                return
            new = node.with_changes(
                **self._module_fields(canonical_module, relative), names=[self._renamed(r) for r in retargets]
            )
            self.replace_import[id(node)] = new
            self.changes.append(
                StatementChange(self.path, line, before, self._code(statement, {id(node): new}), contracts)
            )
            return

        # Split: the retargeted names leave; the others stay where they are.
        moving = {id(r.alias) for r in retargets}
        kept = [a for a in node.names if id(a) not in moving]
        if kept and id(node.names[-1]) in moving:
            # The last name left: the new last one takes its comma (a trailing comma and the
            # whitespace before the closing parenthesis, or none).
            kept[-1] = kept[-1].with_changes(comma=node.names[-1].comma)
        after_parts = []
        if kept:
            reduced = node.with_changes(names=kept)
            self.replace_import[id(node)] = reduced
            after_parts.append(self._code(statement, {id(node): reduced}))
        new_statements: list[cst.BaseSmallStatement] = []
        for canonical_module, group in groups.items():
            target = self._merge_target(statement, canonical_module, group)
            if target is not None:
                self._merge_into(target, group)
                after_parts.append(f"(merged into line {self.line_of(target[0])})")
                continue
            new_import = cst.ImportFrom(
                **self._module_fields(canonical_module, relative),
                names=[self._renamed(r).with_changes(comma=cst.MaybeSentinel.DEFAULT) for r in group],
            )
            new_statements.append(new_import)
            after_parts.append(cst.Module(body=[]).code_for_node(new_import))
        if not kept:  # several canonical modules for one statement: the first takes its place
            first = new_statements.pop(0) if new_statements else None
            if first is None:
                self.remove_statement.add(id(statement))
            else:
                self.replace_import[id(node)] = first
        if new_statements:
            self.insert_after.setdefault(id(statement), []).extend(new_statements)
        self.changes.append(
            StatementChange(self.path, line, before, "\n".join(after_parts), contracts, "split")
        )

    # ---- helpers ------------------------------------------------------------------------

    def _module_fields(self, canonical: str, relative: bool) -> dict[str, object]:
        """``module``/``relative`` of an import from ``canonical`` in this file's style."""
        if relative and self.package:
            mine, theirs = self.package.split("."), canonical.split(".")
            common = 0
            while common < min(len(mine), len(theirs)) and mine[common] == theirs[common]:
                common += 1
            if common:
                rest = ".".join(theirs[common:])
                return {
                    "relative": [cst.Dot()] * (len(mine) - common + 1),
                    "module": _dotted(rest) if rest else None,
                }
        return {"relative": [], "module": _dotted(canonical)}

    @staticmethod
    def _renamed(r: _Retarget) -> cst.ImportAlias:
        name = r.edit.canonical_name
        if r.local == name:
            return r.alias.with_changes(name=cst.Name(name), asname=None)
        asname = (
            r.alias.asname.with_changes(name=cst.Name(r.local))
            if r.alias.asname
            else cst.AsName(cst.Name(r.local))
        )
        return r.alias.with_changes(name=cst.Name(name), asname=asname)

    def _merge_target(
        self, statement: cst.CSTNode, canonical_module: str, group: list[_Retarget]
    ) -> tuple[cst.SimpleStatementLine, cst.ImportFrom] | None:
        """An earlier, untouched ``from <canonical_module> import ...`` in the same block, with
        nothing in between that mentions a name being moved (its binding would move earlier)."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        block = self.parent(statement)
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)):
            return None
        index = next((i for i, s in enumerate(body) if s is statement), None)
        if index is None:
            return None
        for candidate in reversed(body[:index]):
            if not (isinstance(candidate, cst.SimpleStatementLine) and len(candidate.body) == 1):
                continue
            imp = candidate.body[0]
            if (
                not isinstance(imp, cst.ImportFrom)
                or isinstance(imp.names, cst.ImportStar)
                or id(candidate) in self._edited_statements
                or self._absolute(imp) != canonical_module
            ):
                continue
            between = "\n".join(self.lines[self.layout.end(candidate) : self.line_of(statement) - 1])
            if any(re.search(rf"\b{re.escape(r.local)}\b", between) for r in group):
                return None
            return candidate, imp
        return None

    def _merge_into(
        self, target: tuple[cst.SimpleStatementLine, cst.ImportFrom], group: list[_Retarget]
    ) -> None:
        statement, imp = target
        assert not isinstance(imp.names, cst.ImportStar)
        present = {(a.evaluated_name, a.evaluated_alias) for a in imp.names}
        present |= {(a.evaluated_name, a.evaluated_alias) for a in self.extend_import.get(id(imp), [])}
        added = self.extend_import.setdefault(id(imp), [])
        for r in group:
            alias = cst.ImportAlias(
                name=cst.Name(r.edit.canonical_name),
                asname=cst.AsName(cst.Name(r.local)) if r.local != r.edit.canonical_name else None,
            )
            key = (alias.evaluated_name, alias.evaluated_alias)
            if key not in present:
                present.add(key)
                added.append(alias)
        before = self._source_of(statement)
        after = self._code(statement, {id(imp): _extended(imp, added)})
        line = self.line_of(statement)
        self.changes = [c for c in self.changes if not (c.line == line and c.note == "merge target")]
        if before != after:
            self.changes.append(
                StatementChange(
                    self.path,
                    line,
                    before,
                    after,
                    tuple(sorted({r.edit.contract for r in group})),
                    "merge target",
                )
            )

    def _removable(self, statement: cst.CSTNode) -> bool:
        """A whole statement may go only if no comment goes with it and its block keeps a body."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return False
        if statement.trailing_whitespace.comment is not None:
            return False
        if any(line.comment is not None for line in statement.leading_lines):
            return False
        block = self.parent(statement)
        return len(getattr(block, "body", ())) > 1

    def _mark_guard(self, statement: cst.CSTNode) -> None:
        node: cst.CSTNode | None = statement
        for _ in range(4):  # statement -> IndentedBlock -> Try | ExceptHandler -> Try
            node = self.layout.parent(node) if node is not None else None
            if isinstance(node, cst.Try):
                self.guards.add(id(node))
                return

    def _source_of(self, statement: cst.CSTNode) -> str:
        """An untouched statement's text, straight from the file's lines (no codegen)."""
        return "\n".join(self.lines[self.layout.start(statement) - 1 : self.layout.end(statement)]).strip()

    def _code(self, statement: cst.CSTNode, replaced: dict[int, cst.BaseSmallStatement] | None = None) -> str:
        """The statement's text without its leading blank lines and comments; with ``replaced``
        small statements swapped in (no visit of the tree: a rewrite codegens a handful of nodes)."""
        if replaced and isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            statement = statement.with_changes(body=[replaced.get(id(b), b) for b in statement.body])
        if isinstance(statement, cst.SimpleStatementLine):
            statement = statement.with_changes(leading_lines=[])
        return self.module.code_for_node(statement).strip()


def _dotted(name: str) -> cst.Name | cst.Attribute:
    """``a.b.c`` as the expression node an import's module is (built, not parsed: it is hot)."""
    head, *rest = name.split(".")
    node: cst.Name | cst.Attribute = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _extended(imp: cst.ImportFrom, added: list[cst.ImportAlias]) -> cst.ImportFrom:
    if not added:
        return imp
    names = list(imp.names)
    last = names[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: each new name carries one too
        names.extend(a.with_changes(comma=last.comma) for a in added)
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.extend(added)
    return imp.with_changes(names=names)


# ---- applying -------------------------------------------------------------------------------


class _Applier(cst.CSTTransformer):
    """Applies the plan, descending only into the nodes on the way to a change: the rest of the
    file is neither visited nor rebuilt."""

    def __init__(self, plan: _Planner, layout: _Layout) -> None:
        super().__init__()
        self.plan = plan
        self.touched: set[int] = set()
        for key in plan.affected:
            while key not in self.touched:
                self.touched.add(key)
                holder = layout.parent_by_id(key)
                if holder is None:
                    break
                key = id(holder)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.touched

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.BaseSmallStatement:
        key = id(original_node)
        if key in self.plan.replace_import:
            return self.plan.replace_import[key]
        if key in self.plan.extend_import:
            return _extended(updated_node, self.plan.extend_import[key])
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        key = id(original_node)
        if key in self.plan.remove_statement:
            return cst.RemovalSentinel.REMOVE
        extra = self.plan.insert_after.get(key)
        if extra:
            return cst.FlattenSentinel([updated_node, *(cst.SimpleStatementLine(body=[s]) for s in extra)])
        return updated_node

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        extra = self.plan.insert_after.get(id(original_node))
        if extra:
            return updated_node.with_changes(body=[*updated_node.body, *extra])
        return updated_node

    def leave_Try(
        self, original_node: cst.Try, updated_node: cst.Try
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if id(original_node) not in self.plan.guards:
            return updated_node
        line = self.plan.line_of(original_node)
        why = _why_not_collapsible(updated_node)
        if why is None:
            body = list(updated_node.body.body)
            first = body[0]
            body[0] = first.with_changes(leading_lines=[*updated_node.leading_lines, *first.leading_lines])
            self.plan.changes.append(
                StatementChange(
                    self.plan.path,
                    line,
                    "try/except ImportError",
                    "its body",
                    (),
                    "guard collapsed: every branch now imports the same canonical names",
                )
            )
            return cst.FlattenSentinel(body)
        if any((_caught_names(h.type) or set()) & _IMPORT_ERRORS for h in updated_node.handlers):
            self.plan.notes.append(f"{self.plan.path}:{line}: try/except ImportError guard kept: {why}")
        return updated_node


def _why_not_collapsible(node: cst.Try) -> str | None:
    """None when ``try: X except ImportError: X`` (the same code in every branch): then the guard
    does nothing and goes. Otherwise the reason it stays."""
    if node.orelse is not None or node.finalbody is not None:
        return "it has an else or finally clause"
    if not isinstance(node.body, cst.IndentedBlock) or node.body.header.comment is not None:
        return "its body is not a plain block"
    body_code = _block_code(node.body)
    for handler in node.handlers:
        caught = _caught_names(handler.type)
        if caught is None or not caught <= _IMPORT_ERRORS:
            return "it catches more than ImportError"
        if handler.name is not None:
            return "its handler names the exception"
        if not isinstance(handler.body, cst.IndentedBlock) or _block_code(handler.body) != body_code:
            return "its fallback does something other than the rewritten import"
        if handler.body.header.comment is not None or any(line.comment for line in handler.leading_lines):
            return "a comment on its handler would be lost"
    return None


def _block_code(block: cst.IndentedBlock) -> str:
    return cst.Module(body=list(block.body)).code


def _caught_names(expression: cst.BaseExpression | None) -> set[str] | None:
    if expression is None:
        return None  # a bare except catches everything
    if isinstance(expression, cst.Tuple):
        names = [get_full_name_for_node(e.value) for e in expression.elements]
    else:
        names = [get_full_name_for_node(expression)]
    if any(n is None for n in names):
        return None
    return {n.rpartition(".")[2] for n in names if n is not None}
