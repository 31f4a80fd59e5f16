"""A dangling import is an error only when archguard can prove the import fails at run time.

Each family of constructs through which code archguard does not follow changes a namespace, a
package's ``__path__`` or ``sys.modules`` is reproduced here in a few lines, and every shape is
first *run* under this Python (the test runs the fixture, archguard never does): the import works,
so archguard must not call it an error. It is a warning whose message names the construct and its
place. Beside them, the findings that must stay errors (docs/dangling.md, "Warnings, not errors").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree

HELPERS = """\
    import sys
    def define(name, namespace):
        namespace[name] = object()
    def install(module):
        setattr(module, "installed", object())
    def register(namespace):
        def decorate(function):
            namespace["registered_" + function.__name__] = function
            return function
        return decorate
    def export(name):
        sys._getframe(1).f_globals[name] = object()
    def alias(old, new):
        import importlib
        sys.modules[old] = importlib.import_module(new)
    """

# (family, files of the shape, the import that runs, text the warning must hold)
FAMILIES = [
    ("globals() handed to a helper",
     {"fam/units.py": "from fam.helpers import define\ndefine('meter', globals())\n"},
     "from fam.units import meter", "globals() at fam/units.py:2"),
    ("globals() kept, then handed on",
     {"fam/units.py": "from fam.helpers import define\n_ns = globals()\ndefine('second', _ns)\n"},
     "from fam.units import second", "globals() at fam/units.py:2"),
    ("vars() handed to a helper",
     {"fam/units.py": "from fam.helpers import define\ndefine('by_vars', vars())\n"},
     "from fam.units import by_vars", "vars() at fam/units.py:2"),
    ("locals() written at module level",
     {"fam/units.py": "for _n in ['by_locals']:\n    locals()[_n] = 1\n"},
     "from fam.units import by_locals", "locals() at fam/units.py:2"),
    ("globals().update",
     {"fam/units.py": "globals().update({'updated': 1})\n"},
     "from fam.units import updated", "globals() at fam/units.py:1"),
    ("exec at module level",
     {"fam/units.py": "exec('made_by_exec = 1')\n"},
     "from fam.units import made_by_exec", "exec() at fam/units.py:1"),
    ("a decorator that receives the namespace",
     {"fam/units.py": "from fam.helpers import register\n@register(globals())\ndef hook(): ...\n"},
     "from fam.units import registered_hook", "globals() at fam/units.py:2"),
    ("sys.modules[__name__] kept and setattr on it",
     {"fam/units.py": "import sys\n_this = sys.modules[__name__]\nsetattr(_this, 'via_self', 1)\n"},
     "from fam.units import via_self", "sys.modules[__name__] at fam/units.py:2"),
    ("a helper that writes its caller's frame",
     {"fam/units.py": "from fam.helpers import export\nexport('framed')\n"},
     "from fam.units import framed", "fam.helpers, which reaches its caller's frame"),
    ("setattr on a module from another module",
     {"fam/units.py": "X = 1\n", "fam/patcher.py": "import fam.units\nsetattr(fam.units, 'patched', 1)\n"},
     "import fam.patcher\nfrom fam.units import patched", "fam/patcher.py:2 may set it: setattr()"),
    ("an attribute assigned on a module from another module",
     {"fam/units.py": "X = 1\n", "fam/patcher.py": "import fam.units\nfam.units.assigned = 1\n"},
     "import fam.patcher\nfrom fam.units import assigned", "fam/patcher.py:2 may set it: fam.units.assigned ="),
    ("a module object handed to a helper",
     {"fam/units.py": "X = 1\n", "fam/patcher.py": "import fam.units\nfrom fam.helpers import install\ninstall(fam.units)\n"},
     "import fam.patcher\nfrom fam.units import installed", "passed to install()"),
    ("a module's __dict__ written from another module",
     {"fam/units.py": "X = 1\n", "fam/patcher.py": "import fam.units\nfam.units.__dict__.update(dicted=1)\n"},
     "import fam.patcher\nfrom fam.units import dicted", "fam.units.__dict__"),
    ("a star import of a module whose namespace escapes",
     {"fam/units.py": "globals()['starred'] = 1\n", "fam/api.py": "from fam.units import *\n"},
     "from fam.api import starred", "via from fam.units import *"),
    ("a submodule registered under the package's name",
     {"fam/__init__.py": "import sys\nfrom fam import helpers\nsys.modules[f'{__name__}.old'] = helpers\n"},
     "from fam.old import define", "fam/__init__.py:3 registers modules in sys.modules"),
    ("a framework keeping a deprecated import path alive",
     {"fam/__init__.py": "from fam.helpers import alias\nalias('fam.legacy', 'fam.helpers')\n"},
     "from fam.legacy import define", "fam/helpers.py:15 registers modules in sys.modules"),
    ("an importer on sys.meta_path",
     {"fam/__init__.py": "import sys\nfrom fam.hook import Finder\nsys.meta_path.insert(0, Finder())\n",
      "fam/hook.py": """\
        import importlib.abc, importlib.util, types
        class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def find_spec(self, name, path=None, target=None):
                return importlib.util.spec_from_loader(name, self) if name == "fam.served" else None
            def create_module(self, spec):
                return types.ModuleType(spec.name)
            def exec_module(self, module):
                module.value = 1
        """},
     "from fam.served import value", "sys.meta_path.insert()"),
]


def _tree(tmp_path: Path, files: dict[str, str], user: str) -> Path:
    root = tmp_path / "repo"
    write_tree(root, {"fam/__init__.py": "", "fam/helpers.py": textwrap.dedent(HELPERS)})
    write_tree(root, {path: textwrap.dedent(text) for path, text in files.items()})
    write_tree(root, {"fam/user.py": user + "\n"})
    return root


def _runs(root: Path, module: str, pythonpath: list[Path] | None = None) -> subprocess.CompletedProcess[str]:
    """Import ``module`` of the fixture tree under this Python (the test's proof the shape works)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in [root, *(pythonpath or [])])}
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                          env=env, cwd=root, timeout=60)


def _check_json(root: Path, *args: str) -> list[dict]:
    run = run_cli("check", root, "--json", "-", *args)
    assert run.returncode in (0, 1), run.stderr
    return [v for v in json.loads(run.stdout)["violations"] if v["code"] in ("AG201", "AG202")]


@pytest.mark.parametrize(("family", "files", "user", "why"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_every_family_runs_and_is_a_warning_saying_why(
    tmp_path: Path, family: str, files: dict[str, str], user: str, why: str
) -> None:
    root = _tree(tmp_path, files, user)
    ran = _runs(root, "fam.user")
    assert ran.returncode == 0, f"{family}: the shape itself must work: {ran.stderr}"
    found = _check_json(root, "--no-cache")
    assert found, f"{family}: the name is bound by nothing archguard follows: still reported"
    for v in found:
        assert v["severity"] == "warning", (family, v["message"])
        assert why in v["message"], (family, v["message"])


def test_the_cli_keeps_what_is_provably_missing_an_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        # A namespace that escapes gives names, never submodules: a missing module stays an error.
        "app/escapes.py": "globals().update({'made': 1})\n",
        "app/plain.py": "X = 1\n",
        "app/user.py": textwrap.dedent("""\
            from app.plain import nothing
            from app.gone import anything
            from app.escapes.sub import x
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app.plain import only_typed
            """),
        # One level above the top package: Python refuses, whatever root module has that name.
        "app/t2.py": "from ..gone import x\n",
        "gone.py": "x = 1\n",
    })
    found = {v["imported"]: v for v in _check_json(root, "--no-cache")}
    assert {k: v["severity"] for k, v in found.items()} == {
        "app.plain:nothing": "error",
        "app.gone": "error",
        "app.escapes.sub": "error",
        "app.plain:only_typed": "error",
        "..gone": "error",
    }
    assert found["app.plain:nothing"]["message"] == "cannot import name 'nothing' from app.plain"
    assert found["app.plain:only_typed"]["message"] == (
        "cannot import name 'only_typed' from app.plain "
        "(only under TYPE_CHECKING: it never runs, but a type checker fails on it)"
    )
    assert found["..gone"]["message"].startswith("attempted relative import beyond top-level package")
    ran = _runs(root, "app.t2")
    assert "attempted relative import beyond top-level package" in ran.stderr


def test_two_levels_above_the_top_package_still_fail(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/sub/__init__.py": "",
        "app/sub/t3.py": "from ...gone import x\nfrom ..fine import y\n",
        "app/fine.py": "y = 1\n",
        "gone.py": "x = 1\n",
    })
    found = _check_json(root, "--no-cache")
    assert [(v["imported"], v["severity"]) for v in found] == [("...gone", "error")]


def test_a_package_whose_path_grows_may_have_submodules_elsewhere(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "ns/__init__.py": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
        "grows/__init__.py": "import os\n__path__.append(os.path.join(os.path.dirname(__file__), '..', '..', 'extra', 'grows'))\n",
        "declared/__init__.py": "__import__('pkg_resources').declare_namespace(__name__)\n",
        "ns/user.py": "from ns.portion import X\nfrom .portion import X as Y\n",
        "grows/user.py": "from grows.added import Z\n",
        "declared/user.py": "from declared.elsewhere import W\n",
    })
    write_tree(tmp_path / "other", {"ns/portion.py": "X = 1\n"})
    write_tree(tmp_path / "extra", {"grows/added.py": "Z = 1\n"})
    assert _runs(root, "ns.user", [tmp_path / "other"]).returncode == 0
    assert _runs(root, "grows.user").returncode == 0
    found = {v["imported"]: v for v in _check_json(root, "--no-cache")}
    assert set(found) == {"ns.portion", "grows.added", "declared.elsewhere"}
    assert all(v["severity"] == "warning" for v in found.values())
    assert "ns.__path__ may grow at run time" in found["ns.portion"]["message"]
    assert "at ns/__init__.py:1)" in found["ns.portion"]["message"]
    assert "__path__.append() at grows/__init__.py:2" in found["grows.added"]["message"]
    assert "declare_namespace() at declared/__init__.py:1" in found["declared.elsewhere"]["message"]


def test_a_namespace_package_shared_by_distributions_may_get_portions(tmp_path: Path) -> None:
    # ``google/`` without __init__.py holding a package: another distribution may add portions.
    root = write_tree(tmp_path / "repo", {
        "nsp/core/__init__.py": "",
        "nsp/core/user.py": "from ..other import Y\nfrom .gone import Z\n",
    })
    write_tree(tmp_path / "elsewhere", {"nsp/other.py": "Y = 1\n"})
    ran = subprocess.run([sys.executable, "-c", "from nsp.core.user import Y"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{tmp_path / 'elsewhere'}"}, timeout=60)
    assert "cannot import name 'Z'" in ran.stderr or "No module named 'nsp.core.gone'" in ran.stderr
    found = {v["imported"]: v for v in _check_json(root, "--no-cache")}
    assert found["nsp.other"]["severity"] == "warning"
    assert "nsp is a namespace package (no __init__.py) that other distributions share" in found["nsp.other"]["message"]
    # Inside the regular package nsp.core nothing else can provide a module: an error.
    assert found["nsp.core.gone"]["severity"] == "error"


def test_a_module_only_a_stub_describes_is_a_warning(tmp_path: Path) -> None:
    # pywin32's shape: ``_win.pyi`` ships everywhere, the extension only on Windows.
    root = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/_win.pyi": "def handle() -> int: ...\n",
        "app/_native.pyi": "def fast() -> int: ...\n",
        "app/_native.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
        "app/winonly.py": "from app._win import handle\nfrom app._native import fast\n",
    })
    found = _check_json(root, "--no-cache")
    assert [(v["imported"], v["severity"]) for v in found] == [("app._win", "warning")]
    assert "only the stub app/_win.pyi describes it" in found[0]["message"]


def test_loose_files_in_a_folder_with_init_resolve_in_its_package(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        # A hyphen in the file's name: loose, but python -m tests.unit.test-x runs it in tests.unit.
        "tests/unit/__init__.py": "",
        "tests/unit/helpers.py": "def make(): ...\n",
        "tests/unit/test-x.py": "from .helpers import make\nfrom .missing import nothing\n",
        # A hyphen in a folder above: python -m pkg.run from my-tools runs it in package pkg.
        "my-tools/pkg/__init__.py": "",
        "my-tools/pkg/helper.py": "H = 1\n",
        "my-tools/pkg/run.py": "from .helper import H\nfrom . import helper\nfrom .gone import G\n",
    })
    assert subprocess.run([sys.executable, "-m", "pkg.run"], cwd=root / "my-tools", capture_output=True,
                          text=True, timeout=60).stderr.count("No module named 'pkg.gone'") == 1
    found = {(v["path"], v["imported"]): v["severity"] for v in _check_json(root, "--no-cache")}
    assert found == {
        ("tests/unit/test-x.py", "tests.unit.missing"): "error",
        ("my-tools/pkg/run.py", "pkg.gone"): "error",
    }


def _levels(root: Path, *args: str) -> list[tuple[str, int, str, str, str]]:
    return sorted((v["path"], v["line"], v["imported"], v["severity"], v["message"]) for v in _check_json(root, *args))


def test_a_finding_never_changes_level_between_runs_or_job_counts(tmp_path: Path) -> None:
    # Every family in one tree, each in a package of its own, beside a plain error in each.
    root = tmp_path / "repo"
    for i, (_, shape, user, _) in enumerate(FAMILIES):
        for path, text in shape.items():
            write_tree(root, {path.replace("fam/", f"fam{i}/"): textwrap.dedent(text).replace("fam.", f"fam{i}.")})
        write_tree(root, {f"fam{i}/helpers.py": textwrap.dedent(HELPERS),
                          f"fam{i}/user.py": user.replace("fam.", f"fam{i}.") + f"\nfrom fam{i}.helpers import gone\n"})
        if not (root / f"fam{i}/__init__.py").exists():
            write_tree(root, {f"fam{i}/__init__.py": ""})
    cache = tmp_path / "cache"
    full = _levels(root, "--no-cache", "--jobs", "1")
    assert {level for *_, level, _ in full} == {"error", "warning"}
    assert _levels(root, "--no-cache", "--jobs", "2") == full
    assert _levels(root, "--cache-dir", str(cache)) == full  # cold, cached
    assert _levels(root, "--cache-dir", str(cache)) == full  # warm
    # An edit that adds a writer in one package changes that package's level only, the same
    # way incrementally and from scratch.
    # A new file that writes into another package's module (nothing imports it) and an edit that
    # drops a namespace escape: an error turns warning, a warning turns error.
    (root / "fam0/late.py").write_text("import fam1.helpers\nsetattr(fam1.helpers, 'gone', 1)\n")
    (root / "fam2/units.py").write_text("from fam2.helpers import define\n")
    incremental = _levels(root, "--cache-dir", str(cache), "--jobs", "2")
    assert incremental == _levels(root, "--no-cache", "--jobs", "1")
    changed = {(path, imported): level for path, _, imported, level, _ in set(incremental) - set(full)}
    assert changed == {("fam1/user.py", "fam1.helpers:gone"): "warning", ("fam2/user.py", "fam2.units:by_vars"): "error"}
