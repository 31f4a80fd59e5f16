"""Dangling imports (AG201/AG202) on trees built here, as ``check`` reports them: no false
findings on lazy modules or on any kind of module-level binding, and the real misses found.
The rule these tests pin down is written out in docs/dangling.md."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archguard.app import Options, run_check
from archguard.domain.findings import Severity
from tests.helpers import write_tree


def dangling(root: Path) -> dict[str, tuple[str, Severity, str]]:
    """imported -> (code, severity, message) of every dangling-import finding of ``check``."""
    result = run_check(Options(root=root, no_cache=True))
    return {
        v.imported: (v.code, v.severity, v.message)
        for v in result.violations if v.contract == "dangling-imports"
    }


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_tree(tmp_path, {path: textwrap.dedent(text) for path, text in files.items()})


# --- (1) lazy modules -------------------------------------------------------------------------


def test_lazy_loader_attach_stub_module_serves_the_stub_names(tmp_path: Path) -> None:
    # scikit-image's shape: __getattr__ bound by tuple assignment, names declared in __init__.pyi.
    root = tree(tmp_path, {
        "skimg/__init__.py": "",
        "skimg/filters/__init__.py": """\
            import lazy_loader as lazy
            __getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
            """,
        "skimg/filters/__init__.pyi": """\
            from ._gaussian import gaussian
            from .edges import sobel as sobel
            __all__ = ["gaussian", "sobel"]
            """,
        "skimg/filters/_gaussian.py": "def gaussian(): ...\n",
        "skimg/filters/edges.py": "def sobel(): ...\n",
        "skimg/user.py": "from skimg.filters import gaussian, sobel, anything_else\n",
    })
    assert dangling(root) == {}
    # The stub's names resolve to their definitions (so concept contracts see through them).
    from archguard.app import scan_workspace

    table = scan_workspace(Options(root=root, no_cache=True)).table
    assert table.resolve("skimg.filters", "gaussian").origin.target == "skimg.filters._gaussian:gaussian"
    assert table.resolve("skimg.filters", "sobel").origin.target == "skimg.filters.edges:sobel"


def test_stub_names_are_module_names_even_without_getattr(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/native.py": "globals_set = 1\n",
        "app/native.pyi": "def compiled_helper() -> int: ...\n",
        "app/user.py": "from app.native import compiled_helper\nfrom app.native import nowhere\n",
    })
    assert set(dangling(root)) == {"app.native:nowhere"}


@pytest.mark.parametrize("binding", [
    "__getattr__ = _make_getattr()",  # bound by assignment
    "from app._lazy import __getattr__",  # imported
    "from app._lazy import make as __getattr__",  # imported under that name
    "__getattr__, __dir__ = _hooks()",  # tuple assignment
])
def test_module_getattr_bound_any_way_may_provide_any_name(tmp_path: Path, binding: str) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/_lazy.py": "def __getattr__(name): ...\ndef make(name): ...\n",
        "app/lazy.py": f"def _make_getattr(): ...\ndef _hooks(): ...\n{binding}\n",
        "app/user.py": "from app.lazy import Whatever\n",
    })
    assert dangling(root) == {}


@pytest.mark.parametrize("replacement", [
    "import sys\nsys.modules[__name__] = _LazyModule(__name__)\n",
    "import sys\nsys.modules[__name__].__class__ = _Module\n",
    "import apipkg\napipkg.initpkg(__name__, {'path': 'os.path'})\n",  # a helper that does it
])
def test_module_replacing_itself_in_sys_modules_is_a_warning_at_most(
    tmp_path: Path, replacement: str
) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/lazy.py": f"class _LazyModule: ...\nclass _Module: ...\n{replacement}",
        "app/user.py": "from app.lazy import Whatever\n",
    })
    found = dangling(root)
    assert set(found) <= {"app.lazy:Whatever"}
    for code, severity, message in found.values():
        assert (code, severity) == ("AG202", Severity.WARNING)
        assert "replaces itself in sys.modules" in message


def test_lazy_module_serves_what_it_lists_under_type_checking(tmp_path: Path) -> None:
    # transformers' shape: names listed under TYPE_CHECKING (also by star import), served lazily.
    root = tree(tmp_path, {
        "tf/__init__.py": "",
        "tf/models/__init__.py": """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from .modeling import *
                from .config import Config
            else:
                import sys
                sys.modules[__name__] = _LazyModule(__name__)
            """,
        "tf/models/modeling.py": "__all__ = ['Model']\nclass Model: ...\n",
        "tf/models/config.py": "class Config: ...\n",
        "tf/user.py": "from tf.models import Model, Config\nfrom tf.models import Unlisted\n",
    })
    found = dangling(root)
    assert set(found) == {"tf.models:Unlisted"}
    assert found["tf.models:Unlisted"][1] is Severity.WARNING


def test_submodules_registered_at_run_time_are_a_warning(tmp_path: Path) -> None:
    # six's ``moves``: modules put into sys.modules under the module's name, or by a meta path
    # hook (an importer serves what lies under its module).
    root = tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/six.py": "import sys\nsys.modules[__name__ + '.moves'] = object()\n",
        "lib/user.py": """\
            from lib.six.moves import http_client
            from lib.six.other import x
            """,
        "hooks/__init__.py": "",
        "hooks/hooked.py": "import sys\nsys.meta_path.append(object())\n",
        "hooks/user.py": "import hooks.hooked.anything\n",
        "repl/__init__.py": "",
        "repl/replaced.py": "import sys\nsys.modules[__name__] = object()\n",
        "repl/user.py": "from repl.replaced.sub import x\n",
    })
    found = dangling(root)
    assert found["lib.six.moves"][:2] == ("AG201", Severity.WARNING)
    assert "lib/six.py:2 registers modules in sys.modules" in found["lib.six.moves"][2]
    assert found["lib.six.other"][:2] == ("AG201", Severity.ERROR)  # only ``moves`` is registered
    assert found["hooks.hooked.anything"][1] is Severity.WARNING
    assert "sys.meta_path.append()" in found["hooks.hooked.anything"][2]
    # Replacing itself gives the module any *name*, not submodules that are not there.
    assert found["repl.replaced.sub"][:2] == ("AG201", Severity.ERROR)


# --- (2) every module-level binding is a binding ----------------------------------------------

BINDINGS = """\
    import contextlib
    for loop_var, (a, *rest) in []:
        pass
    else:
        in_for_else = 1
    with contextlib.nullcontext() as with_var, contextlib.nullcontext() as (w1, w2):
        pass
    with (
        contextlib.nullcontext() as paren_a,
        contextlib.nullcontext() as paren_b,
    ):
        pass
    if (walrus := 3) > 1:
        in_if = 1
    elif False:
        in_elif = 1
    else:
        in_else = 1
    squares = [(in_comprehension := n) for n in range(3)]
    match squares:
        case [first, *others]:
            pass
        case {"k": value, **mapping_rest}:
            pass
        case int() | str() as either:
            pass
        case captured:
            pass
    try:
        in_try = 1
    except ImportError as err:
        in_except = 1
    else:
        in_try_else = 1
    finally:
        in_finally = 1
    while False:
        in_while = 1
    else:
        in_while_else = 1
    """

BOUND = [
    "loop_var", "a", "rest", "in_for_else", "with_var", "w1", "w2", "paren_a", "paren_b", "walrus",
    "in_if", "in_elif", "in_else", "in_comprehension", "first", "others", "value", "mapping_rest",
    "either", "captured", "in_try", "in_except", "in_try_else", "in_finally", "in_while",
    "in_while_else",
]


def test_every_module_level_binding_kind_is_a_binding(tmp_path: Path) -> None:
    importer = "".join(f"from app.binds import {name}\n" for name in BOUND)
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/binds.py": BINDINGS,
        "app/user.py": importer + "from app.binds import err\nfrom app.binds import n\n",
    })
    # ``except ... as err`` is unbound after its block; a comprehension's own variable never
    # leaks out: both really are missing.
    assert set(dangling(root)) == {"app.binds:err", "app.binds:n"}


def test_the_walker_sees_every_binding_a_del_and_a_global(tmp_path: Path) -> None:
    from archguard.adapters.parsing.facts_ast import extract_facts
    from archguard.domain.facts import BindingKind

    source = textwrap.dedent(BINDINGS) + "del in_if\ndef f():\n    global late\n    late = 1\n"
    facts = extract_facts(source)
    assert facts == extract_facts(source, every_body=True)
    assert {b.name for b in facts.bindings} >= set(BOUND)
    assert [b.name for b in facts.bindings if b.kind is BindingKind.DELETE] == ["in_if"]
    assert facts.function_globals == ("late",)


def test_newer_syntax_file_bindings_count_too(tmp_path: Path) -> None:
    # A file this interpreter cannot parse is down-levelled for its ast: same rule there.
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/new.py": "type Alias = int\nfor item in []:\n    pass\ndel Alias\n",
        "app/user.py": "from app.new import item\nfrom app.new import Alias\n",
    })
    assert set(dangling(root)) == {"app.new:Alias"}


def test_del_unbinds_and_a_later_binding_binds_again(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/m.py": """\
            import os, sys
            X = 1
            Y = 2
            Z = 3
            del X
            del (os, sys)
            del Y
            Y = 4
            if Z:
                del Z
            """,
        "app/user.py": "from app.m import X\nfrom app.m import Y\nfrom app.m import Z\nfrom app.m import os\n",
    })
    # ``del Z`` under an if may not run: Z is kept; X and os are gone; Y is bound again.
    found = dangling(root)
    assert set(found) == {"app.m:X", "app.m:os"}
    assert found["app.m:X"][:2] == ("AG202", Severity.ERROR)


def test_alias_made_before_a_del_still_resolves(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/impl.py": "class Impl: ...\n",
        "app/m.py": "from app.impl import Impl\nPublic = Impl\ndel Impl\n",
        "app/user.py": "from app.m import Public\n",
    })
    assert dangling(root) == {}
    from archguard.app import scan_workspace

    table = scan_workspace(Options(root=root, no_cache=True)).table
    assert table.resolve("app.m", "Public").origin.target == "app.impl:Impl"


def test_name_bound_only_by_a_function_global_is_a_warning(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/config.py": "def load():\n    global SETTINGS\n    SETTINGS = {}\n",
        "app/user.py": "from app.config import SETTINGS\nfrom app.config import OTHER\n",
    })
    found = dangling(root)
    assert found["app.config:SETTINGS"][:2] == ("AG202", Severity.WARNING)
    assert "global statement" in found["app.config:SETTINGS"][2]
    assert found["app.config:OTHER"][:2] == ("AG202", Severity.ERROR)


def test_package_wins_over_module_of_the_same_name(tmp_path: Path) -> None:
    # app/m.py beside app/m/__init__.py: Python imports the package; m.py's names are unreachable.
    root = tree(tmp_path, {
        "app/__init__.py": "",
        "app/m.py": "ONLY_IN_FILE = 1\nSHARED = 1\n",
        "app/m/__init__.py": "SHARED = 2\n",
        "app/user.py": "from app.m import SHARED\nfrom app.m import ONLY_IN_FILE\n",
    })
    assert set(dangling(root)) == {"app.m:ONLY_IN_FILE"}
