"""Node positions for libcst trees, computed the way libcst's ``PositionProvider`` does it, at half the cost.

The libcst fallback parses the files the running interpreter rejects (newer syntax); on a tree
like homeassistant that is hundreds of files, and libcst's provider (a regex per token and a
frozen dataclass per node) cost more than the parse itself. Same bookkeeping, cheaper values.
Lines count from 1, columns from 0, as in libcst.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState


class Position:
    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class Span:
    __slots__ = ("end", "start")

    def __init__(self, start: Position, end: Position) -> None:
        self.start = start
        self.end = end


class _PositionState(CodegenState):
    """libcst's PositionProvider bookkeeping, minus its per-token regex and frozen dataclasses."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.stack: list[Position] = []
        self.computed: dict[cst.CSTNode, Span] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append(Position(self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        if node not in self.computed:
            self.computed[node] = Span(start, Position(self.line, self.column))

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        start = Position(self.line, self.column)
        try:
            yield
        finally:
            end = Position(self.line, self.column)
            if start_node is not None:
                start = self.computed[start_node].start
            if end_node is not None:
                end = self.computed[end_node].end
            self.computed[node] = Span(start, end)


def positions(module: cst.Module) -> dict[cst.CSTNode, Span]:
    """Start and end of every node of ``module``."""
    state = _PositionState(module)
    module._codegen(state)
    return state.computed
