"""CPython's ``ast.parse`` of analysed text, without the text's own warnings.

Compiling source that holds an invalid escape sequence (``"\\d+"``) warns: DeprecationWarning on
3.11, SyntaxWarning on 3.12 and later, which Python prints by default. Those warnings belong to the
analysed file, not to archguard: printed, they would flood stderr once per file; under ``-W error``
or ``PYTHONWARNINGS=error`` (common in CI) they are raised as a SyntaxError, and a valid file would
be reported as broken. Every parse of analysed text goes through here.
"""

from __future__ import annotations

import ast
import warnings


def parse_module(source: str | bytes) -> ast.Module:
    with warnings.catch_warnings():  # ~2 µs: nothing beside a parse
        warnings.simplefilter("ignore")
        return ast.parse(source)


def parse_expression(source: str) -> ast.expr:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="eval").body
