"""One import-edge rule (archguard/domain/import_edges.py): every graph archguard counts, draws or
checks is a declared selection of the same edges, so on one tree their edge counts agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph
from archguard.analysis.discover.cycles import find_cycles
from archguard.analysis.discover.modules import build_module_graphs
from archguard.analysis.golden_path import ImportTimeGraph
from archguard.analysis.structure import dependency_matrix
from archguard.app import Options, run_check, scan_workspace
from archguard.app.report import module_imports
from archguard.domain.import_edges import EdgeRule, FileEdges, count_import_edges, module_import_lines
from archguard.reporting.diagrams.overview import OVERVIEW_GROUPS, package_overview
from tests.helpers import edges, write_tree

TREE = {
    "app/__init__.py": "from app import core\n",
    "app/core.py": "import app.util\nfrom app.util import helper, other\n\nclass X:\n    pass\n",
    "app/util.py": "from . import core\n\ndef helper(): ...\ndef other(): ...\n",  # a cycle at import time
    "app/selfish/__init__.py": "from . import nothing_here\n",  # a package importing itself
    "app/lazy.py": "def f():\n    from app import core\n",  # in a function
    "app/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.core import X\n",
    "app/guarded.py": "try:\n    import app.optional\nexcept ImportError:\n    pass\n",
    "app/optional.py": "",
    "app/plugins.py": "import importlib\nextra = importlib.import_module('app.extra')\n",  # dynamic only
    "app/extra.py": "",
    "app/sleepy.py": "lazy import app.extra\n",  # PEP 810: an edge, loaded only when used
    "app/ext.py": "import os\nimport requests\n",  # external: no edge
    "app/gone.py": "from app.missing import X\n",  # dangling: no edge
    "tests/test_app.py": "from app.core import X\n",  # a loose file
}

EVERY_EDGE = {
    ("app", "app.core"),
    ("app.core", "app.util"),
    ("app.util", "app.core"),
    ("app.selfish", "app.selfish"),
    ("app.lazy", "app.core"),
    ("app.typed", "app.core"),
    ("app.guarded", "app.optional"),
    ("app.plugins", "app.extra"),
    ("app.sleepy", "app.extra"),
    ("tests.test_app", "app.core"),
}
AT_IMPORT_TIME = {("app", "app.core"), ("app.core", "app.util"), ("app.util", "app.core"),
                  ("app.guarded", "app.optional"), ("app.plugins", "app.extra")}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("edges") / "repo", TREE)


def test_every_graph_of_one_tree_counts_the_same_edges(root: Path) -> None:
    workspace = scan_workspace(Options(root=root, no_cache=True, jobs=1))
    scan = workspace.scan
    files, facts = scan.files, scan.facts

    # the module graph, however it is reached
    assert scan.import_edges == len(EVERY_EDGE)  # summary.imports
    assert count_import_edges(files, facts) == len(EVERY_EDGE)
    lines, lazy_only = module_import_lines(files, facts)
    assert set(lines) == EVERY_EDGE and lazy_only == {("app.sleepy", "app.extra")}  # drawn dashed
    per_file = FileEdges(files)
    incremental = {(f.module, t) for f in files if f.path in facts for t in per_file.targets(f, facts[f.path])[0]}
    assert incremental == EVERY_EDGE
    graphs = build_module_graphs(files, facts)
    assert set(graphs.all.edges) == EVERY_EDGE  # discover's fan-in and hotspots
    # the report's overview, through the report's own path (and its edge cache)
    imports, lazy_edges = module_imports(workspace)
    matrix = dependency_matrix(files, imports, budget=OVERVIEW_GROUPS, lazy=lazy_edges)
    title = package_overview(matrix, files).title
    assert f", {len(EVERY_EDGE)} imports (" in title, title
    assert lines[("app.core", "app.util")] == (1, 2)  # statements, for the labels

    # import-linter's graph: what grimp sees, so not the dynamic import (the lazy one it sees)
    assert edges(build_import_graph(files, facts)) == EVERY_EDGE - {("app.plugins", "app.extra")}
    assert edges(workspace.graph) == EVERY_EDGE - {("app.plugins", "app.extra")}

    # cycles: what runs at import time (not the lazy import), from modules of packages to others
    assert set(graphs.runtime.edges) == AT_IMPORT_TIME
    [cycle] = find_cycles(graphs.runtime)
    assert cycle.modules == ("app.core", "app.util")

    # the golden path names exactly the edges that run at import time (loose files included)
    walked = ImportTimeGraph(files, workspace.table, facts)
    walked.reach(f.module for f in files)
    assert set(walked.named.edges) == AT_IMPORT_TIME | {("tests.test_app", "app.core")}
    loads = set(walked.loads.edges)
    assert AT_IMPORT_TIME <= loads and ("tests.test_app", "app") in loads  # the package runs first


def test_the_golden_path_and_discover_find_the_same_cycle(root: Path) -> None:
    result = run_check(Options(root=root, no_cache=True, jobs=1, entries=("app",)))
    [golden] = [v for v in result.violations if v.code == "AG404"]
    assert golden.message == "import cycle at module level: app.core -> app.util -> app.core"


def test_the_rule_keeps_what_each_import_is(root: Path) -> None:
    workspace = scan_workspace(Options(root=root, no_cache=True, jobs=1))
    files, facts = workspace.scan.files, workspace.scan.facts
    rule = EdgeRule.of(files)
    by_pair = {
        (e.importer, e.imported): e for f in files if f.path in facts for e in rule.edges(f, facts[f.path])
    }
    assert by_pair["app.plugins", "app.extra"].dynamic
    assert by_pair["app.sleepy", "app.extra"].lazy and not by_pair["app.sleepy", "app.extra"].at_import_time
    assert by_pair["app.guarded", "app.optional"].guarded
    assert by_pair["app.typed", "app.core"].type_checking and not by_pair["app.typed", "app.core"].at_import_time
    assert by_pair["app.lazy", "app.core"].in_function and not by_pair["app.lazy", "app.core"].at_import_time
    lines = [e.line for f in files if f.module == "app.core" for e in rule.edges(f, facts[f.path])]
    assert lines == [1, 2]  # one edge per module and line: line 2 imports two names
    ext = {e.imported for f in files if f.module == "app.ext" for e in rule.edges(f, facts[f.path], external=True)}
    assert ext == {"os", "requests"}


def _digest_from_edges(file, file_facts, rule: EdgeRule) -> bytes:  # type: ignore[no-untyped-def]
    """The import-linter pass's digest as it was first written, over ``rule.edges`` (the reference
    :func:`import_digest` must agree with, whoever made the imports' objects)."""
    import hashlib
    import marshal

    from archguard.domain.facts import ImportKind

    def part(value: object) -> bytes:
        return hashlib.blake2b(marshal.dumps(value, 0), digest_size=16).digest()

    found = list(rule.edges(file, file_facts, external=True, dynamic=False))
    inside = sorted({(e.imported, e.type_checking, e.lazy) for e in found if not e.external})
    outside = sorted({(e.imported, e.type_checking, e.lazy) for e in found if e.external})
    places = [(f.line, f.column, f.statement) for f in file_facts.imports if f.kind is not ImportKind.DYNAMIC]
    return part(inside) + part(outside) + part(places)


def test_the_import_digest_from_the_scans_objects_is_the_edges_digest(tmp_path: Path) -> None:
    """The engine hands the import-linter pass the objects ``FileEdges.targets`` made (not made
    again): the digest must be the one of the file's edges, external, TYPE_CHECKING, lazy,
    dynamic, dangling and out-of-tree relative imports alike (else an edit that changes a contract's
    graph could be taken for one that moves nothing)."""
    from archguard.app.passes.importlinter import import_digest, shape_of

    more = {
        **TREE,
        "app/mixed.py": (
            "import os, os.path\nimport requests.adapters as ra\nfrom typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    import numpy\n    from app.core import X\nfrom .. import nowhere\n"
            "from app.util import helper\nimport importlib\nnp = importlib.import_module('numpy')\n"
            "lazy import yaml\nfrom app import missing\nfrom app.core import *\n"
        ),
        "app/sub/__init__.py": "from ... import up_and_out\nfrom .. import core\nfrom ..util import helper\n",
    }
    scan = scan_workspace(Options(root=write_tree(tmp_path / "repo", more), no_cache=True, jobs=1)).scan
    per_file = FileEdges(scan.files)
    seen_outside = seen_inside = 0
    for file in scan.files:
        file_facts = scan.facts.get(file.path)
        if file_facts is None:
            continue
        objects: list[str | None] = []
        per_file.targets(file, file_facts, objects)
        assert len(objects) == len(file_facts.imports)
        expected = _digest_from_edges(file, file_facts, per_file.rule)
        assert import_digest(file, file_facts, per_file.rule, objects) == expected, file.path
        assert import_digest(file, file_facts, per_file.rule) == expected, file.path
        empty = _digest_from_edges(file, type(file_facts)(), per_file.rule)
        seen_inside += shape_of(expected) != shape_of(empty)
        seen_outside += shape_of(expected, externals=True)[16:] != shape_of(empty, externals=True)[16:]
    assert seen_inside >= 5 and seen_outside >= 2  # the tree has edges of both kinds
