"""archguard's grimp graph: parity with grimp's own scanner, plus what grimp cannot see."""

from __future__ import annotations

import importlib
from pathlib import Path

import grimp
import pytest

from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph
from archguard.domain.import_edges import count_import_edges
from tests.helpers import edges, scan, write_tree

# Every import shape grimp's scanner distinguishes: absolute and relative, modules and names,
# star imports, trimming of names inside modules, packages importing themselves, nested imports,
# TYPE_CHECKING blocks, guarded imports, multi-line statements and external packages.
PARITY_TREE = {
    "gpa/__init__.py": "from . import alpha\nfrom .alpha import Thing\nfrom . import Missing\nVALUE = 1\n",
    "gpa/alpha.py": (
        "import os\nimport os.path\nfrom collections import OrderedDict\n"
        "from gpa import beta\nfrom gpa.beta import helper, other\n"
        "import gpa.sub.deep.Name\nimport gpa.sub.deep\n"
        "class Thing:\n    pass\n"
    ),
    "gpa/beta.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from gpa.alpha import Thing\n    import gpb.core\n"
        "def helper():\n    from .sub import deep\n    import json\n    return deep\n"
        "try:\n    from gpb import optional\nexcept ImportError:\n    optional = None\n"
        "from gpa.sub import (\n    deep as d,\n    other_name,\n)\n"
        "def other():\n    pass\n"
    ),
    "gpa/sub/__init__.py": "from .. import alpha\nfrom ..beta import helper\nfrom . import *\n",
    "gpa/sub/deep.py": "from ..sub import deep\nfrom gpa import *\nimport gpb\n",
    "gpb/__init__.py": "",
    "gpb/core.py": "import gpa.alpha as a\nfrom gpa.sub.deep import x, y  # two names, one edge\nimport requests.adapters\n",
    "gpb/optional.py": "from .core import a\n",
}
# Imports of internal modules that do not exist. grimp drops them without externals (and we
# always do), so they belong in the parity tree only when externals are off.
DANGLING_FILES = {
    "gpb/dangling.py": "from gpa.gone import X\nimport gpa.gone.deeper\nfrom gpb.missing.mod import Y\n",
}


def line_numbers(graph: grimp.ImportGraph) -> dict[tuple[str, str], list[int]]:
    return {
        edge: sorted(d["line_number"] for d in graph.get_import_details(importer=edge[0], imported=edge[1]))
        for edge in edges(graph)
    }


def grimp_reference(root: Path, monkeypatch: pytest.MonkeyPatch, **options: bool) -> grimp.ImportGraph:
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return grimp.build_graph("gpa", "gpb", cache_dir=None, **options)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"include_external_packages": True},
        {"exclude_type_checking_imports": True},
    ],
    ids=["default", "externals", "no-type-checking"],
)
def test_graph_equals_grimps_own_for_a_tree_grimp_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, bool]
) -> None:
    tree = dict(PARITY_TREE)
    if not options.get("include_external_packages"):
        tree.update(DANGLING_FILES)
    write_tree(tmp_path, tree)
    files, facts = scan(tmp_path)

    ours = build_import_graph(files, facts, **options)
    theirs = grimp_reference(tmp_path, monkeypatch, **options)

    assert ours.modules == theirs.modules
    assert edges(ours) == edges(theirs)
    assert line_numbers(ours) == line_numbers(theirs)
    assert ours.count_imports() == theirs.count_imports()
    if not options:  # what ``scan`` reports, counted without building a graph
        assert count_import_edges(files, facts) == theirs.count_imports()
    # Guard against a vacuous pass: the tree really exercises trimming, relatives and externals.
    assert ("gpa.alpha", "gpa.sub.deep") in edges(ours)
    assert ("gpa.sub", "gpa.beta") in edges(ours)
    assert ("gpb.core", "gpa.sub.deep") in edges(ours)
    assert (("gpa.alpha", "os") in edges(ours)) == bool(options.get("include_external_packages"))
    assert (("gpa.beta", "gpb.core") in edges(ours)) != bool(options.get("exclude_type_checking_imports"))


def test_line_contents_is_the_first_line_of_the_statement_like_grimp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, PARITY_TREE)
    files, facts = scan(tmp_path)
    ours = build_import_graph(files, facts)
    theirs = grimp_reference(tmp_path, monkeypatch)

    def contents(graph: grimp.ImportGraph) -> list[tuple[int, str]]:
        return sorted(
            (d["line_number"], d["line_contents"])
            for d in graph.get_import_details(importer="gpa.beta", imported="gpa.sub.deep")
        )

    assert contents(ours) == contents(theirs)
    assert (13, "from gpa.sub import (") in contents(ours)


def test_loose_files_and_broken_files_are_nodes_grimp_never_has(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/core.py": "X = 1\n",
            "app/broken.py": "from app.core import X\ndef f(:\n",
            "scripts/run_job.py": "from app.core import X\nimport app.core\n",
            "tests/e2e/test_core.py": "from app import core\nfrom .helpers import make\n",
            "tests/e2e/helpers.py": "import app\n",
        },
    )
    files, facts = scan(tmp_path)
    assert "app/broken.py" not in facts  # the fixture really holds a file that does not parse

    graph = build_import_graph(files, facts)

    assert {"app.broken", "scripts.run_job", "tests.e2e.test_core", "tests.e2e.helpers"} <= graph.modules
    assert graph.find_modules_directly_imported_by("app.broken") == set()
    assert edges(graph) == {
        ("scripts.run_job", "app.core"),
        ("tests.e2e.test_core", "app.core"),
        ("tests.e2e.test_core", "tests.e2e.helpers"),
        ("tests.e2e.helpers", "app"),
    }
    details = graph.get_import_details(importer="scripts.run_job", imported="app.core")
    assert sorted(d["line_number"] for d in details) == [1, 2]


def test_dangling_and_impossible_imports_are_dropped_even_with_externals(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": "from app.gone import X\nimport app.gone.deeper\nimport requests.sessions\n",
            # Climbs above the top-level package: an ImportError at run time, never an edge
            # (grimp would invent a module named "" here).
            "app/b.py": "from ... import far_away\n",
            # A loose file named by its path has no package: its relative imports fail too
            # (before the shared resolution, "..tools" became an edge to an external "tools").
            "scripts/fix-db.py": "from . import helpers\nfrom ..tools import run\n",
        },
    )
    files, facts = scan(tmp_path)

    graph = build_import_graph(files, facts, include_external_packages=True)

    assert edges(graph) == {("app.a", "requests")}
    assert graph.is_module_squashed("requests")
    assert "app.gone" not in graph.modules
    assert "" not in graph.modules
    assert graph.find_modules_directly_imported_by("scripts/fix-db.py") == set()


def test_a_copy_on_write_graph_reads_the_original_and_writes_only_its_own() -> None:
    """What a contract gets to check (first_hops.check_completely): the graph itself until the
    contract removes something from it (its ignore_imports, a chain), then a copy; the graph the
    engine keeps and patches is never changed by a check."""
    from archguard.adapters.importlinter_bridge.grimp_graph import copy_on_write

    graph = grimp.ImportGraph()
    for module in ("app", "app.a", "app.b", "app.c"):
        graph.add_module(module)
    graph.add_import(importer="app.a", imported="app.b", line_number=1, line_contents="import app.b")
    graph.add_import(importer="app.b", imported="app.c", line_number=2, line_contents="import app.c")
    checked = copy_on_write(graph)
    assert isinstance(checked, grimp.ImportGraph)
    assert checked.find_shortest_chain(importer="app.a", imported="app.c") == ("app.a", "app.b", "app.c")
    assert checked.modules == graph.modules
    checked.remove_import(importer="app.a", imported="app.b")
    checked.add_module("app.d")
    assert not checked.direct_import_exists(importer="app.a", imported="app.b")
    assert "app.d" in checked.modules
    assert graph.direct_import_exists(importer="app.a", imported="app.b")
    assert graph.count_imports() == 2 and "app.d" not in graph.modules
    assert graph.get_import_details(importer="app.a", imported="app.b")[0]["line_number"] == 1
