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
from archguard.cli import options_for
from archguard.domain.result import CheckResult
from archguard.reporting import text

# what a caller may pass: the ``check`` options that say what to analyse and how
KEYWORDS = frozenset(
    {
        "package",
        "exclude",
        "source_root",
        "python",
        "target_python",
        "contracts",
        "importlinter_config",
        "cache_dir",
        "no_cache",
        "jobs",
        "baseline",
        "strict_baseline",
    }
)


def check_architecture(root: str | os.PathLike[str] = ".", **options: Any) -> CheckResult:
    """The result ``archguard check ROOT`` would report (no assertion)."""
    unknown = set(options) - KEYWORDS
    if unknown:
        raise TypeError(
            f"unknown archguard option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYWORDS))}"
        )
    given = {key: _as_cli_value(key, value) for key, value in options.items()}
    resolved, _ = options_for(Path(root), **given)
    return app.run_check(resolved)


def assert_architecture(root: str | os.PathLike[str] = ".", **options: Any) -> CheckResult:
    """Raise ``AssertionError`` with the findings listed when ``archguard check ROOT`` would fail;
    return the result otherwise (for further asserts)."""
    result = check_architecture(root, **options)
    if result.failed:
        raise AssertionError(f"archguard check {root} failed:\n{text.render_check(result)}")
    return result


def _as_cli_value(key: str, value: Any) -> Any:
    """What click would have handed the CLI: tuples for repeatable options, Paths for paths."""
    if key in ("package", "exclude", "source_root"):
        return (value,) if isinstance(value, str) else tuple(value)
    if key in ("contracts", "importlinter_config", "cache_dir", "baseline", "python") and value is not None:
        return Path(value)
    return value
