"""discover after edits: a warm run (its engine keeps each file's share of discover's work,
``app/passes/discover.py``, and derives again only what an edit reaches) writes the same JSON,
byte for byte but for its timing, as a ``--no-cache`` run of the same tree, after each of a seeded
sequence of random edits (``test_incremental``'s edits, plus edits of a package's ``__all__``)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from archguard import __version__
from archguard.app import Options
from archguard.app.discover import discover_workspace, run_discover
from archguard.reporting import json_report
from tests.helpers import write_tree
from tests.unit.test_incremental import EDITS, Tree, base_tree

# A package with a public face (``__all__``) that others reach into: discover's interface
# candidates; a wrapper, a factory and a copy for its clusters and copies.
FACE = {
    "lib/__init__.py": 'from lib.impl import Widget, make_widget\n__all__ = ["Widget", "make_widget"]\n',
    "lib/impl.py": "class Widget: ...\nclass _Hidden: ...\ndef make_widget(): ...\ndef helper(): ...\n",
    "pkg/uses_lib.py": "from lib.impl import Widget, _Hidden\nfrom lib import make_widget\nimport lib.impl\n",
    "pkg/more_lib.py": "from lib.impl import helper\nfrom lib.impl import Widget\n",
    "pkg/widgets.py": "from lib.impl import Widget\nclass SpecialWidget(Widget):\n    pass\n",
    "pkg/factory.py": "from pkg.core import Engine\ndef create_engine() -> Engine:\n    return Engine()\n",
    "pkg/util_copy.py": "from pkg.core import Part\ndef helper(): ...\ndef other(): ...\nX = 1\n",
    "pkg/util_copy2.py": "from pkg.core import Part\ndef helper(): ...\ndef other(): ...\nX = 2\n",
}


class DiscoverTree(Tree):
    def toggle_face(self) -> str:
        """Export one more name from the package's face, or one fewer."""
        init = self.root / "lib/__init__.py"
        text = init.read_text(encoding="utf-8")
        if '"helper"' in text:
            text = text.replace(', "helper"]', "]").replace(", helper\n", "\n")
        else:
            text = text.replace("make_widget\n", "make_widget, helper\n").replace('"]', '", "helper"]')
        init.write_text(text, encoding="utf-8")
        return "toggle_face lib/__init__.py"

    def add_name(self) -> str:
        """run.py's edit: a new module-level name at the end of a module."""
        self.counter += 1
        path = self.pick()
        self.append(path, f"\nEDITED_{self.counter} = {self.counter}\n")
        return f"add_name {path}"


def discover_json(options: Options, rederived: list[int | None] | None = None) -> str:
    """``discover --json`` as the CLI writes it, with its timing and cache hits blanked."""
    workspace = discover_workspace(options)
    result = run_discover(options, workspace=workspace, churn_since=None)
    if rederived is not None:
        rederived.append(workspace.engine.rederived)
    text = json_report.dumps(json_report.to_json(result, tool_version=__version__, command="discover"))
    return re.sub(r'"(duration_s|cache_hits)": [0-9.]+', r'"\1": 0', text)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warm_discover_equals_a_full_run_after_every_edit(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = write_tree(tmp_path / "tree", {**base_tree(rng), **FACE})
    tree = DiscoverTree(root, rng)
    warm = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    full = Options(root=root, no_cache=True, jobs=1)
    rederived: list[int | None] = []
    first = discover_json(warm, rederived)
    assert first == discover_json(full)
    assert '"interface_candidates": [\n    {\n      "package": "lib"' in first  # the face is reached into
    edits = [*EDITS, DiscoverTree.toggle_face, DiscoverTree.add_name, DiscoverTree.add_name]
    plan = [*rng.sample(edits, len(edits)), *(rng.choice(edits) for _ in range(6))]
    for edit in plan:
        what = tree.fix_syntax() if tree.broken else edit(tree)
        assert discover_json(warm, rederived) == discover_json(full), what
    # Most edits reach a few files: those runs derived only them again (discover's work included).
    partial = [n for n in rederived if n is not None]
    assert len(partial) >= len(plan) // 3, rederived


def test_what_a_file_s_discover_work_consulted_elsewhere_brings_it_again(tmp_path: Path) -> None:
    """A shim's "must stay" reads its parent package's ``__all__``, which nothing else of the
    shim's consults: listing it there must reach the shim's kept piece all the same (the engine
    notes what each piece pass consulted, as it does for findings)."""
    root = write_tree(
        tmp_path / "tree",
        {
            "app/__init__.py": '__all__ = ["core"]\n',
            "app/core.py": "class Engine: ...\n",
            "app/legacy_api.py": 'from app.core import Engine\n__all__ = ["Engine"]\n',
            "app/user.py": "from app.core import Engine\n",
            # unrelated modules: an edit reaching a few files derives only them
            **{f"app/other{i}.py": f"def f{i}(): ...\n" for i in range(20)},
        },
    )
    warm = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    full = Options(root=root, no_cache=True, jobs=1)
    before = discover_json(warm)
    assert '"safe_to_delete": true' in before
    (root / "app/__init__.py").write_text('__all__ = ["core", "legacy_api"]\n', encoding="utf-8")
    rederived: list[int | None] = []
    after = discover_json(warm, rederived)
    assert after == discover_json(full)
    assert '"safe_to_delete": false' in after and rederived != [None]
