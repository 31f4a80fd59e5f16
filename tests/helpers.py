"""The one fixture builder of the test suite: trees written to disk and scanned the way archguard
scans them (discovery + fact extraction), so every test's modules are named by the real rules.

- :func:`write_tree` writes ``relative path -> content`` under a folder (functional tests);
- :func:`scan` discovers and extracts a tree on disk (graph and import-linter tests);
- :func:`make_tree` / :func:`make_table` do both for a dict of source snippets, in a temporary
  folder, for unit tests of the analysis (snippets are dedented first).
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path

import grimp

from archguard.adapters.discovery import discover
from archguard.adapters.facts_ast import extract_facts
from archguard.analysis.symbols import SymbolTable
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


def write_tree(root: Path, files: Mapping[str, str | bytes], *, mtime: float | None = None) -> Path:
    """Write each ``relative path -> content`` under ROOT (folders made as needed; text as UTF-8,
    bytes as they are) and return ROOT. ``mtime``: also set every file's times to it (old files
    are trusted by stat, without the racy-clock doubt)."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        if mtime is not None:
            os.utime(path, (mtime, mtime))
    return root


def scan(root: Path) -> tuple[list[SourceFile], dict[str, FileFacts]]:
    """Every discovered file, and facts for those that parse (broken files get none)."""
    files = discover(root).files
    facts: dict[str, FileFacts] = {}
    for source in files:
        text = (root / source.path).read_text(encoding="utf-8")
        try:
            facts[source.path] = extract_facts(text)
        except SyntaxError:
            pass
    return files, facts


def make_tree(tree: Mapping[str, str]) -> tuple[list[SourceFile], dict[str, FileFacts]]:
    """:func:`scan` of ``tree`` (dedented) written to a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        root = write_tree(Path(folder), {path: textwrap.dedent(text) for path, text in tree.items()})
        return scan(root)


def make_table(tree: Mapping[str, str]) -> tuple[SymbolTable, list[SourceFile], dict[str, FileFacts]]:
    files, facts = make_tree(tree)
    return SymbolTable(files, facts), files, facts


def edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {(i["importer"], i["imported"]) for i in graph.find_matching_direct_imports("** -> **")}


# The connection manager of a drifted monorepo (examples/shopapp/README.md): defined once, reached
# through several homes. Shared by the symbol and concept tests, which add their own importers.
MANAGER_CORE = {
    "app/__init__.py": "",
    # package __init__ re-export (itself a canonical import)
    "app/realtime/__init__.py": "from .manager import ConnectionManager\n",
    # the implementation, with old aliases at the bottom
    "app/realtime/impl.py": """\
        class _ManagerImpl:
            pass


        UnifiedManager = _ManagerImpl
        Manager = _ManagerImpl
        """,
    # the canonical module re-exports the implementation under the canonical name
    "app/realtime/manager.py": """\
        from .impl import UnifiedManager

        Manager = UnifiedManager
        ConnectionManager = Manager
        """,
    # a compatibility module: DeprecationWarning, old name
    "app/realtime/compat.py": """\
        import warnings

        warnings.warn("use app.realtime.manager", DeprecationWarning, stacklevel=2)
        from app.realtime.manager import ConnectionManager as LegacyManager
        """,
}
