"""Assert a project's architecture from its own test suite, in one line::

    from archguard.testing import assert_architecture

    def test_architecture():
        assert_architecture(".")                       # or assert_architecture(ROOT, baseline="b.json")

It runs what ``archguard check ROOT`` runs, with ROOT's ``[tool.archguard]`` options (the keyword
arguments win, named as the command line's options with ``_`` for ``-``), and raises
``AssertionError`` listing every finding that would make ``check`` exit 1. The cache is used as on
the command line, so a second run in the same checkout is warm.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from archguard import app
from archguard.app.options import resolve
from archguard.domain.options import options_of
from archguard.domain.result import CheckResult
from archguard.reporting import text

# what a caller may pass: the ``check`` options that [tool.archguard] may set and that change what
# is analysed or how (archguard/domain/options.py), by the command line's name (``_`` for ``-``)
KEYWORDS = frozenset(spec.name for spec in options_of("check") if spec.config and spec.field)


def check_architecture(root: str | os.PathLike[str] = ".", **options: Any) -> CheckResult:
    """The result ``archguard check ROOT`` would report (no assertion)."""
    unknown = set(options) - KEYWORDS
    if unknown:
        raise TypeError(
            f"unknown archguard option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYWORDS))}"
        )
    return app.run_check(resolve("check", Path(root), options).options)


def assert_architecture(root: str | os.PathLike[str] = ".", **options: Any) -> CheckResult:
    """Raise ``AssertionError`` with the findings listed when ``archguard check ROOT`` would fail;
    return the result otherwise (for further asserts)."""
    result = check_architecture(root, **options)
    if result.failed:
        raise AssertionError(f"archguard check {root} failed:\n{text.render_check(result)}")
    return result
