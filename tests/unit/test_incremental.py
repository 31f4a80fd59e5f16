"""Incremental derivation gives what a full run gives: after each of a seeded sequence of random
edits, a warm ``check`` (which re-derives only what the edit reaches, app/engine.py) is compared
finding by finding with a ``--no-cache`` run of the same tree; so is an engine kept in memory and
told of each edit as an editor tells it (unsaved text, deleted files)."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from archguard.app import Options, run_check
from archguard.app.engine import Engine
from archguard.domain.errors import ArchguardError
from archguard.domain.findings import Violation
from tests.fake_store import MemoryStore
from tests.helpers import comparable_json, write_tree

SVC = 8  # service modules pkg/svc/a0.py ... (each imports a few things from the pool below)
POOL = [
    "from pkg import Engine",
    "from pkg.core import Engine",
    "from pkg.core import Part",
    "from pkg.core.compat import Engine",
    "from pkg.core.models import Part, build",
    "from pkg.core.wrap import EngineWrapper",
    "from pkg.util import helper",
    "from pkg.util import nothing_here",
    "from pkg.gone import x",
    "import pkg.util",
    "import pkg.core.models\nuse = pkg.core.models.Engine",
    "from pkg.core.star import *",
    "try:\n    from pkg.fast import speed\nexcept ImportError:\n    speed = None",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.core.models import Engine",
]


def base_tree(rng: random.Random) -> dict[str, str]:
    tree = {
        "pkg/__init__.py": "from pkg.core.models import Engine\nfrom pkg.util import helper\n",
        "pkg/core/__init__.py": "from .models import *\n",
        "pkg/core/models.py": (
            'class Engine: ...\nclass Part: ...\ndef build(): ...\n__all__ = ["Engine", "Part", "build"]\n'
        ),
        "pkg/core/compat.py": "from pkg.core.models import Engine as OldEngine\nEngine = OldEngine\n",
        "pkg/core/wrap.py": "from pkg.core.models import Engine\nclass EngineWrapper(Engine):\n    pass\n",
        "pkg/core/star.py": "from pkg.core.models import *\n",
        "pkg/util.py": "from pkg.core import Part\ndef helper(): ...\n",
        "pkg/svc/__init__.py": "",
        "contracts/engine.toml": (
            '[[concept]]\nname = "engine"\ncanonical = "pkg.core.models:Engine"\nalso = ["Motor"]\n'
        ),
        # The import-linter contract names modules the edits leave in place (a contract naming a
        # module that is gone is a configuration error, in both runs alike).
        "pkg/base/__init__.py": "",
        "pkg/base/low.py": "from pkg.core.models import Part\n",
        "pkg/top/__init__.py": "",
        "pkg/top/high.py": "from pkg.base.low import Part\nimport pkg.svc.a0\n",
        ".importlinter": (
            "[importlinter]\nroot_packages =\n    pkg\n\n"
            "[importlinter:contract:base]\nname = base stays low\ntype = forbidden\n"
            "source_modules =\n    pkg.base\nforbidden_modules =\n    pkg.top\n"
        ),
    }
    for i in range(SVC):
        tree[f"pkg/svc/a{i}.py"] = service_module(rng, i)
        tree[f"tests/test_a{i}.py"] = f"from pkg.svc.a{i} import f{i}\nfrom pkg.svc import a{(i + 1) % SVC}\n"
    return tree


def service_module(rng: random.Random, i: int) -> str:
    lines = rng.sample(POOL, 3)
    lines.append(f"from pkg.svc.a{rng.randrange(SVC)} import f{rng.randrange(SVC)}")
    return "\n".join(lines) + f"\ndef f{i}(): ...\n"


class Tree:
    """The tree on disk and the edits the test makes to it."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.broken: str | None = None  # a file with a syntax error, fixed by the next edit
        self.counter = 0

    def python_files(self, under: str = "pkg") -> list[str]:
        return sorted(
            path
            for p in (self.root / under).rglob("*.py")
            for path in [p.relative_to(self.root).as_posix()]
            if path != "pkg/__init__.py" and not path.startswith(("pkg/base/", "pkg/top/"))
        )

    def pick(self, under: str = "pkg", *, keep_canonical: bool = False) -> str:
        """A random file; ``keep_canonical``: not the concept's home (a contract whose canonical
        module is gone is a configuration error, in both runs alike)."""
        files = self.python_files(under)
        if keep_canonical:
            files = [f for f in files if f != "pkg/core/models.py"]
        return self.rng.choice(files)

    def append(self, path: str, text: str) -> None:
        file = self.root / path
        file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")

    # ---- the edits ------------------------------------------------------------------------

    def bind_twice(self) -> str:
        path = self.pick()
        self.append(
            path,
            self.rng.choice(
                ["Engine = None\n", "class Part: ...\n", "class Motor: ...\n", "def helper(): ...\n"]
            ),
        )
        return f"bind a name twice in {path}"

    def remove_reexport(self) -> str:
        candidates = [
            p for p in self.python_files() if any(line.startswith("from ") for line in self.lines(p))
        ]
        if not candidates:
            return self.add_reexport()
        path = self.rng.choice(candidates)
        lines = self.lines(path)
        victim = self.rng.choice([k for k, line in enumerate(lines) if line.startswith("from ")])
        del lines[victim]
        (self.root / path).write_text("".join(lines), encoding="utf-8")
        return f"remove a re-export from {path}"

    def add_reexport(self) -> str:
        path = self.pick()
        self.append(
            path,
            self.rng.choice(
                [
                    "from pkg.core.models import Engine\n",
                    "from pkg.util import helper\n",
                    "from pkg.core.compat import Engine as Motor\n",
                    "from pkg.svc.a1 import *\n",
                ]
            ),
        )
        return f"add a re-export to {path}"

    def delete_file(self) -> str:
        path = self.pick(self.rng.choice(["pkg", "tests"]), keep_canonical=True)
        (self.root / path).unlink()
        return f"delete {path}"

    def rename_file(self) -> str:
        path = self.pick(keep_canonical=True)
        self.counter += 1
        new = path[: -len(".py")] + f"_r{self.counter}.py"
        (self.root / path).rename(self.root / new)
        return f"rename {path} to {new}"

    def import_missing(self) -> str:
        path = self.pick(self.rng.choice(["pkg", "tests"]))
        self.counter += 1
        self.append(
            path,
            self.rng.choice(
                [f"from pkg.nowhere{self.counter} import thing\n", f"import pkg.svc.gone{self.counter}\n"]
            ),
        )
        return f"import a missing module in {path}"

    def break_syntax(self) -> str:
        path = self.pick()
        self.append(path, "def broken(:\n")
        self.broken = path
        return f"syntax error in {path}"

    def fix_syntax(self) -> str:
        assert self.broken is not None
        path, self.broken = self.broken, None
        file = self.root / path
        if file.exists():
            file.write_text(file.read_text(encoding="utf-8").replace("def broken(:\n", ""), encoding="utf-8")
        return f"fix the syntax error in {path}"

    def remove_init(self) -> str:
        inits = [p for p in self.python_files() if p.endswith("/__init__.py") and p != "pkg/__init__.py"]
        if not inits:
            return self.add_module()
        path = self.rng.choice(inits)
        (self.root / path).unlink()
        return f"remove the package file {path}"

    def add_module(self) -> str:
        self.counter += 1
        folder = self.rng.choice(["pkg/svc", "pkg/core", "pkg/extra"])
        path = f"{folder}/n{self.counter}.py"
        write_tree(self.root, {path: service_module(self.rng, self.counter)})
        return f"add {path}"

    def make_cycle(self) -> str:
        self.counter += 1
        a, b = f"pkg/svc/c{self.counter}a.py", f"pkg/svc/c{self.counter}b.py"
        write_tree(
            self.root,
            {
                a: f"from pkg.svc.c{self.counter}b import Loop\n",
                b: f"from pkg.svc.c{self.counter}a import Loop\nclass Other: ...\n",
            },
        )
        self.append(self.pick(), f"from pkg.svc.c{self.counter}a import Loop\n")
        return f"re-export cycle {a} <-> {b}"

    def edit_body_only(self) -> str:
        path = self.pick()
        self.counter += 1
        self.append(path, f"value_{self.counter} = {self.counter}\n")  # facts change, imports do not
        return f"add a module-level name to {path}"

    def toggle_forbidden_import(self) -> str:
        low = self.root / "pkg/base/low.py"
        text = low.read_text(encoding="utf-8")
        forbidden = "import pkg.top.high\n"
        low.write_text(
            text.replace(forbidden, "") if forbidden in text else text + forbidden, encoding="utf-8"
        )
        return "toggle the forbidden import in pkg/base/low.py"

    def move_imports(self) -> str:
        """Lines inserted above a file's imports (or a blank line dropped from above them): every
        import moves, no edge changes. The contract's files are among the candidates, so a broken
        import-linter contract's finding moves too."""
        candidates = [*self.python_files(), "pkg/base/low.py", "pkg/top/high.py", "pkg/__init__.py"]
        path = self.rng.choice(candidates)
        lines = self.lines(path)
        self.counter += 1
        if lines and lines[0] == "\n" and self.rng.random() < 0.5:
            del lines[0]
        else:
            inserted = self.rng.choice(['"""A docstring."""\n', f"# note {self.counter}\n", "\n"])
            lines.insert(0, inserted)
        (self.root / path).write_text("".join(lines), encoding="utf-8")
        return f"move the imports of {path}"

    def edit_hub_body(self) -> str:
        """The module most files import (the concept's home) gets a body changed: no name, no edge."""
        path = "pkg/core/models.py"
        self.counter += 1
        text = (self.root / path).read_text(encoding="utf-8")
        body = self.rng.choice([f"    return {self.counter}\n", f"    x = {self.counter}\n    return x\n"])
        text = re.sub(r"def build\(\):.*?(?=\n\S|\Z)", f"def build():\n{body.rstrip()}", text, flags=re.S)
        (self.root / path).write_text(text, encoding="utf-8")
        return f"change a function body in {path}"

    def lines(self, path: str) -> list[str]:
        return (self.root / path).read_text(encoding="utf-8").splitlines(keepends=True)


EDITS: list[Callable[[Tree], str]] = [
    Tree.bind_twice,
    Tree.remove_reexport,
    Tree.add_reexport,
    Tree.delete_file,
    Tree.rename_file,
    Tree.import_missing,
    Tree.break_syntax,
    Tree.remove_init,
    Tree.add_module,
    Tree.make_cycle,
    Tree.edit_body_only,
    Tree.toggle_forbidden_import,
    Tree.move_imports,
    Tree.edit_hub_body,
]


def outcome(options: Options, rederived: list[int | None] | None = None) -> object:
    """The check's JSON without timings, or the error it stopped with (a removed package can
    leave the import-linter contract naming a module that no longer exists). ``rederived``: gets
    how many files the run derived again (None: a full derivation)."""
    try:
        engine = Engine.open(None, options)
        result = engine.results()
    except ArchguardError as error:
        return ("error", str(error))
    if rederived is not None:
        rederived.append(engine.rederived)
    return comparable_json(result), result.scan.import_edges


def in_memory(engine: Engine) -> object:
    try:
        result = engine.results()
    except ArchguardError as error:
        return ("error", str(error))
    return comparable_json(result), result.scan.import_edges


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")}


def diff(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bytes | None]:
    """What an editor would tell the engine: new text per changed file, None per deleted one."""
    changes: dict[str, bytes | None] = {p: None for p in before.keys() - after.keys()}
    changes.update((p, data) for p, data in after.items() if before.get(p) != data)
    return changes


def edit_plan(rng: random.Random) -> list[Callable[[Tree], str]]:
    """Every kind of edit at least once, in a seeded order, then random ones."""
    plan = list(EDITS)
    rng.shuffle(plan)
    return plan + [rng.choice(EDITS) for _ in range(8)]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_incremental_check_equals_a_full_run_after_every_edit(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = write_tree(tmp_path / "tree", base_tree(rng))
    tree = Tree(root, rng)
    warm = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    full = Options(root=root, no_cache=True, jobs=1)
    rederived: list[int | None] = []
    assert outcome(warm, rederived) == outcome(full)

    plan = edit_plan(rng)
    for edit in plan:
        what = tree.fix_syntax() if tree.broken else edit(tree)
        assert outcome(warm, rederived) == outcome(full), what
    # Most edits reach a few files: those runs re-derived only them.
    partial = [n for n in rederived if n is not None]
    assert len(partial) >= len(plan) // 3, rederived


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_engine_kept_in_memory_equals_a_full_run_after_every_edit(tmp_path: Path, seed: int) -> None:
    """The editor's loop: one engine, told each edit as unsaved text (or a deletion), never
    reading the disk again; after each, its results equal a --no-cache run of the tree on disk,
    and so do its findings file by file and the files whose findings changed (what an editor
    publishes again)."""
    rng = random.Random(100 + seed)
    root = write_tree(tmp_path / "tree", base_tree(rng))
    tree = Tree(root, rng)
    engine = Engine.open(None, Options(root=root, jobs=1), keep=True, store=MemoryStore(tmp_path / "facts"))
    full = Options(root=root, no_cache=True, jobs=1)
    assert in_memory(engine) == outcome(full)
    last = by_file(full)
    partial = 0
    plan = edit_plan(rng)
    for edit in plan:
        before = snapshot(root)
        what = tree.fix_syntax() if tree.broken else edit(tree)
        engine.update(diff(before, snapshot(root)))
        assert in_memory(engine) == outcome(full), what
        now = by_file(full)
        if now is not None and last is not None:
            assert {p: [shown(v) for v in engine.findings(p)] for p in now} == now, what
            assert engine.changed_paths() == {p for p in now.keys() | last.keys() if now.get(p) != last.get(p)}, what
        last = now
        partial += engine.rederived is not None
    assert partial >= len(plan) // 3


def by_file(options: Options) -> dict[str, list[tuple[object, ...]]] | None:
    """A --no-cache run's findings by file, in order; None: it stopped."""
    try:
        result = run_check(options)
    except ArchguardError:
        return None
    found: dict[str, list[tuple[object, ...]]] = {}
    for v in result.violations:
        found.setdefault(v.path, []).append(shown(v))
    return found


def shown(v: Violation) -> tuple[object, ...]:
    return (v.code, v.line, v.column, v.message, v.severity, v.fingerprint)


def test_an_unchanged_module_is_not_decoded_again(tmp_path: Path) -> None:
    """An edit whose facts change re-derives that file and whoever consulted its module; the other
    files' results come from the state, their facts never decoded."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "class A: ...\n",
        "pkg/b.py": "from pkg.a import A\n",
        "pkg/c.py": "from pkg.gone import X\n",
        "pkg/d.py": "import os\n",
    }
    root = write_tree(tmp_path / "tree", files)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    run_check(options)
    write_tree(root, {"pkg/a.py": "class A: ...\nclass B: ...\n"})
    engine = Engine.open(None, options)
    result = engine.results()
    assert [(d.path, d.imported) for d in result.scan.dangling] == [("pkg/c.py", "pkg.gone")]
    # pkg/b.py imports A from pkg.a: the new name B is no name it looked up
    assert engine.rederived == 1
    assert set(engine.tree.facts.decoded()) == {"pkg/a.py"}


def test_a_damaged_state_means_a_full_derivation(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", base_tree(random.Random(5)))
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    run_check(options)
    for stored in (tmp_path / "cache").glob("results-*-state.bin"):
        data = stored.read_bytes()
        stored.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    write_tree(root, {"pkg/util.py": "def helper(): ...\n"})
    with pytest.warns(UserWarning, match="ignoring the cache"):
        again = run_check(options)
    assert comparable_json(again) == comparable_json(run_check(Options(root=root, no_cache=True, jobs=1)))
    shutil.rmtree(tmp_path / "cache")


@pytest.mark.parametrize("externals", [False, True])
def test_moved_imports_move_import_linter_findings_without_checking_again(tmp_path: Path, externals: bool) -> None:
    """import-linter checks the contracts again only when the graph's modules or edges change: an
    edit that moves the offending import (lines inserted above it) moves its finding, located
    again from the file's facts, equal to a --no-cache run's; a new edge checks them again; an
    import that makes no edge (of a module that does not exist; of a package outside the tree,
    unless the configuration includes those) does not."""
    from archguard.adapters.importlinter_bridge import importlinter_runner

    rng = random.Random(7)
    files = base_tree(rng)
    files["pkg/base/low.py"] += "import pkg.top.high\n"
    if externals:
        files[".importlinter"] = files[".importlinter"].replace(
            "root_packages =\n    pkg\n", "root_packages =\n    pkg\ninclude_external_packages = True\n"
        )
    root = write_tree(tmp_path / "tree", files)
    engine = Engine.open(None, Options(root=root, jobs=1), keep=True, store=MemoryStore(tmp_path / "facts"))
    full = Options(root=root, no_cache=True, jobs=1)
    first = engine.results()
    assert [(v.path, v.line) for v in first.violations if v.code == "AG301"] == [("pkg/base/low.py", 2)]

    def edited(text: str) -> tuple[object, int]:
        """The engine's results after ``text`` laid over pkg/base/low.py, and how many times
        import-linter checked the contracts for them."""
        write_tree(root, {"pkg/base/low.py": text})
        engine.update({"pkg/base/low.py": text})
        checks: list[object] = []
        real = importlinter_runner.run_config
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(importlinter_runner, "run_config", lambda *a, **k: checks.append(a) or real(*a, **k))
            found = in_memory(engine)
        return found, len(checks)

    for moved in ('"""The low layer."""\n\n\n', "# one more line\n", ""):
        assert edited(moved + files["pkg/base/low.py"]) == (outcome(full), 0), moved  # never checked again
    assert [v.line for v in engine.results().violations if v.code == "AG301"] == [2]
    # a new edge: checked again
    with_edge = files["pkg/base/low.py"] + "import importlib\nimport pkg.top\n"
    assert edited(with_edge) == (outcome(full), 1)
    # a dynamic import is no edge of import-linter's graph (grimp never sees one): not checked again
    dynamic = with_edge + 'def load():\n    return importlib.import_module("pkg.top.high")\n'
    assert edited(dynamic) == (outcome(full), 0)
    assert edited("\n" + dynamic) == (outcome(full), 0)
    # no edge in the tree: a module that does not exist; a package outside it
    assert edited(dynamic + "from pkg.gone import thing\n") == (outcome(full), 0)
    assert edited(dynamic + "from pkg.gone import thing\nimport json\n") == (outcome(full), 1 if externals else 0)
