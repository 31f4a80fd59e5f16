"""The one fixture builder of the test suite: trees written to disk and scanned the way archguard
scans them (discovery + fact extraction), so every test's modules are named by the real rules.

- :func:`write_tree` writes ``relative path -> content`` under a folder (functional tests);
- :func:`scan` discovers and extracts a tree on disk (graph and import-linter tests);
- :func:`make_tree` / :func:`make_table` do both for a dict of source snippets, in a temporary
  folder, for unit tests of the analysis (snippets are dedented first);
- :func:`concept_tree` builds a tree with every kind of finding, :func:`comparable_json` compares
  two runs' results;
- :func:`run_cli` runs ``python -m archguard`` as a user does, in a new process (functional tests);
- :func:`git` runs git in a repository a test builds, with :data:`GIT_ENV` (a fixed author, no user
  or system config).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grimp

from archguard.adapters.discovery import discover
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.analysis.symbols import SymbolTable
from archguard.domain.facts import FileFacts
from archguard.domain.result import CheckResult
from archguard.domain.sources import SourceFile
from archguard.reporting import json_report

#: The repository (tests/unit and tests/functional sit two levels below it) and the suite's data.
REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


# The global git config the tests run git with: an empty file of the suite's own (not os.devnull: a
# test elsewhere on a shared machine may have replaced /dev/null with a file; not a temporary file:
# one made per test process was never removed), so the user's git config (signing, hooks, default
# branch) cannot change what the tests see.
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": str(DATA / "empty.gitconfig"),
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """``git -C REPO ARGS`` with :data:`GIT_ENV`; its output (a failure raises, with git's stderr)."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


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


def cli_command(*args: str | os.PathLike[str]) -> list[str]:
    """The argv of ``python -m archguard ARGS`` (for :func:`run_cli`, or a test that must start
    the process itself: several at once, or under a measuring harness)."""
    return [sys.executable, "-m", "archguard", *map(str, args)]


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m archguard ARGS`` in a new process, as a user runs it, with stdout and stderr
    captured as text. ``env``: the whole environment (default: this one's); ``timeout``: a hung
    run fails the test instead of the suite (TimeoutExpired; the run and its worker processes are
    killed as one process group); ``preexec_fn``: set up the child (resource limits)."""
    with subprocess.Popen(
        cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env,
        preexec_fn=preexec_fn, start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


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


def concept_tree(count: int) -> dict[str, str]:
    """A package of COUNT modules that import one concept through its canonical path and through a
    re-export, in an import ring (a cycle), plus a loose test file with a dangling module and name
    and a concept contract: every kind of finding, in a tree big enough for the scan's worker pool
    (it parses trees under 200 files in-process)."""
    tree = {"app/__init__.py": "from app.core import Engine as Engine\n",
            "app/core.py": "class Engine:\n    pass\n\nOld = Engine\n"}
    for i in range(count):
        tree[f"app/m{i}.py"] = (
            f"from app.core import Engine\nfrom app import Engine as E{i}\nimport app.m{(i + 1) % count}\n"
        )
    tree["tests/test_x.py"] = "from app.core import Old, Missing\nimport app.gone\n"
    tree["contracts/engine.toml"] = '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n'
    return tree


def comparable_json(result: CheckResult | dict[str, Any]) -> dict[str, Any]:
    """The JSON result (of a CheckResult, or as the CLI wrote it) without what legitimately differs
    between equal runs (timing, cache hits, the root folder, the tool's version)."""
    data = result if isinstance(result, dict) else json_report.to_json(result, tool_version="test", command="check")
    data.pop("tool", None)
    data["summary"].pop("duration_s", None)
    data["summary"].pop("cache_hits", None)
    data.pop("root", None)
    return data
