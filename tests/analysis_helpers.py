"""Build analysis inputs (SourceFile list + FileFacts by path) from a dict of real source snippets.

``make_tree({"app/__init__.py": "", "app/x.py": "class X: ..."})`` names modules the way discovery
does: a file is in a regular package when every folder from the top-level one down holds an
``__init__.py``; ``__init__.py`` is its package; other files are loose (dotted name when every part
is an identifier, else the path). Files that do not parse get no facts, as in a real scan.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from archguard.adapters.facts_ast import extract_facts
from archguard.analysis.symbols import SymbolTable
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


def source_files(paths: list[str]) -> list[SourceFile]:
    path_set = set(paths)
    files = []
    for path in sorted(paths):
        parts = path.removesuffix(".py").split("/")
        folders = path.split("/")[:-1]
        in_package = bool(folders) and all(
            "/".join(folders[: i + 1]) + "/__init__.py" in path_set for i in range(len(folders))
        )
        is_package = parts[-1] == "__init__"
        dotted = parts[:-1] if is_package else parts
        if in_package or all(p.isidentifier() for p in dotted):
            module = ".".join(dotted)
        else:
            module = path
        files.append(SourceFile(path=path, module=module, loose=not in_package, is_package=is_package))
    return files


def make_tree(tree: Mapping[str, str]) -> tuple[list[SourceFile], dict[str, FileFacts]]:
    files = source_files(list(tree))
    facts: dict[str, FileFacts] = {}
    for path, source in tree.items():
        text = textwrap.dedent(source)
        try:
            facts[path] = extract_facts(text)
        except SyntaxError:
            continue  # a broken file: known to exist, its names unknown
    return files, facts


def make_table(tree: Mapping[str, str]) -> tuple[SymbolTable, list[SourceFile], dict[str, FileFacts]]:
    files, facts = make_tree(tree)
    return SymbolTable(files, facts), files, facts


# The connection manager of a drifted monorepo (examples/shopapp/README.md): defined once, reached through several homes.
# Shared by the symbol and concept tests, which add their own importers around it.
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
