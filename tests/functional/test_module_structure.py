"""The module structure history and diff keep from one tree to the next (imports between modules,
cycles, shims: ``analysis/discover/structure.py``) equals discover's whole-tree analysis after
every change, and reads only the files that changed."""

from __future__ import annotations

from pathlib import Path

from archguard.analysis.discover.structure import ModuleStructure
from archguard.app import Options
from archguard.app.discover import module_structure
from archguard.app.engine import Engine
from archguard.app.history import architecture_of
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/a.py": "import app.b\n",
    "app/b.py": "def f():\n    import app.a\n",
    "app/c.py": "from app import d\n",
    "app/compat.py": "from app.b import f\n__all__ = ['f']\n",
    "app/user.py": "from app.compat import f\n",
    "lib/__init__.py": "",
    "lib/x.py": "from app.a import b\n",
    "scripts/run.py": "import app.a\nimport lib.x\n",
}


def whole_tree(engine: Engine) -> tuple[frozenset[tuple[str, str]], list, list]:
    graphs, shims, cycles = module_structure(engine.workspace())
    modules = {f.module for f in engine.files if not f.loose}
    edges = frozenset((a, b) for a, b in graphs.all.edges if a in modules and b in modules)
    return edges, cycles, shims


def test_kept_structure_equals_the_whole_tree_analysis_after_each_change(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    engine = Engine.open(
        tmp_path, Options(root=tmp_path, cache_dir=tmp_path / ".cache", include_loose=True), keep=True
    )
    structure = ModuleStructure()
    steps: list[dict[str, str | None]] = [
        {},
        {"app/d.py": "X = 1\n"},  # a module comes: ``from app import d`` now imports app.d
        {"app/b.py": "import app.a\n\n\ndef f():\n    pass\n"},  # a cycle app.a <-> app.b
        {"app/e.py": "from app.b import f\n__all__ = ['f']\n", "app/compat.py": None},  # shims move
        {"app/d.py": None, "app/a.py": "import app.c\nimport app.b\n"},
        {"app/b.py": "def f():\n    pass\n"},  # the cycle is broken
    ]
    seen = []
    for changes in steps:
        if changes:
            engine.update(changes)
        architecture = architecture_of(engine, structure=structure)
        edges, cycles, shims = whole_tree(engine)
        assert architecture.module_edges == edges
        assert architecture.cycles == cycles
        assert architecture.shims == shims
        seen.append((len(cycles), [s.module for s in shims], structure.read, ("app.c", "app.d") in edges))
    assert seen[0][2] == len([p for p in TREE if p.endswith(".py")])
    assert seen[1][2] == 1  # only the new file read; app/c.py resolved again from what was kept
    assert [s[3] for s in seen] == [False, True, True, True, False, False]
    assert [s[0] for s in seen] == [0, 0, 1, 1, 1, 0]
    assert seen[2][1] == ["app.compat"] and seen[3][1] == ["app.e"]
