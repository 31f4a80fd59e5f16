"""SymbolTable: following module:Name through aliases, re-exports, shims and star imports."""

from __future__ import annotations

from archguard.analysis.symbols import Origin, Status, SymbolTable
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportFact, ImportKind
from archguard.domain.sources import SourceFile
from tests.helpers import MANAGER_CORE, make_table

# The connection manager of a drifted monorepo (examples/shopapp/README.md), reached through many homes.
MANY_HOMES = {
    **MANAGER_CORE,
    "app/services/__init__.py": "",
    "app/services/ws.py": """\
        from app.realtime import manager as mgr_module
        import app.realtime.impl

        ConnectionManager = mgr_module.Manager
        DeepManager = app.realtime.impl.Manager
        make = app.realtime.impl._ManagerImpl.__call__
        """,
    "app/services/unified.py": """\
        from app.realtime.impl import _ManagerImpl


        class UnifiedManager(_ManagerImpl):
            pass
        """,
    "scripts/fix-db.py": "from app.realtime.compat import LegacyManager\n",
}

IMPL = Origin("app.realtime.impl", "_ManagerImpl", "class", "app/realtime/impl.py", 1)


def test_every_home_of_the_manager_resolves_to_the_one_class() -> None:
    table, _, _ = make_table(MANY_HOMES)
    for module, name in [
        ("app.realtime.impl", "Manager"),
        ("app.realtime.impl", "UnifiedManager"),
        ("app.realtime.manager", "ConnectionManager"),
        ("app.realtime", "ConnectionManager"),
        ("app.realtime.compat", "LegacyManager"),
        ("app.services.ws", "ConnectionManager"),
        ("app.services.ws", "DeepManager"),
    ]:
        res = table.resolve(module, name)
        assert (res.status, res.origin) == ("ok", IMPL), (module, name, res)
    # The wrapper subclass is a different object, defined in its own module.
    wrapper = table.resolve("app.services.unified", "UnifiedManager")
    assert wrapper.origin == Origin("app.services.unified", "UnifiedManager", "class",
                                    "app/services/unified.py", 4)


def test_chain_lists_every_hop_from_the_asked_name_to_the_origin() -> None:
    table, _, _ = make_table(MANY_HOMES)
    assert table.resolve("app.realtime", "ConnectionManager").chain == (
        ("app.realtime", "ConnectionManager"),
        ("app.realtime.manager", "ConnectionManager"),
        ("app.realtime.manager", "Manager"),
        ("app.realtime.manager", "UnifiedManager"),
        ("app.realtime.impl", "UnifiedManager"),
        ("app.realtime.impl", "_ManagerImpl"),
    )
    assert table.chain_modules("app.realtime.manager", "ConnectionManager") == {
        "app.realtime.manager", "app.realtime.impl",
    }


def test_access_paths_are_every_name_that_reaches_the_origin() -> None:
    table, _, _ = make_table(MANY_HOMES)
    assert table.access_paths(IMPL) == [
        ("app.realtime", "ConnectionManager"),
        ("app.realtime.compat", "LegacyManager"),
        ("app.realtime.impl", "Manager"),
        ("app.realtime.impl", "UnifiedManager"),
        ("app.realtime.impl", "_ManagerImpl"),
        ("app.realtime.manager", "ConnectionManager"),
        ("app.realtime.manager", "Manager"),
        ("app.realtime.manager", "UnifiedManager"),
        ("app.services.unified", "_ManagerImpl"),
        ("app.services.ws", "ConnectionManager"),
        ("app.services.ws", "DeepManager"),
    ]


def test_access_paths_agree_with_resolving_every_name_of_the_tree() -> None:
    tree = dict(MANY_HOMES)
    tree["app/realtime/star.py"] = "from .impl import *\n"
    tree["app/uses_modules.py"] = "import app.realtime.impl as impl_mod\nfrom app import realtime\n"
    table, _, _ = make_table(tree)
    everything = table.all_access_paths()
    assert ("app.realtime.star", "Manager") in everything[IMPL]
    impl_module = table.resolve_module("app.realtime.impl").origin
    assert everything[impl_module] == [("app.realtime", "impl"), ("app.uses_modules", "impl_mod")]
    fresh, _, _ = make_table(tree)  # without the full index: the backwards walk
    for origin, paths in everything.items():
        assert fresh.access_paths(origin) == paths, origin


def test_attribute_of_a_class_is_a_new_object_defined_by_the_assignment() -> None:
    table, _, _ = make_table(MANY_HOMES)
    res = table.resolve("app.services.ws", "make")
    assert res.origin == Origin("app.services.ws", "make", "assign", "app/services/ws.py", 6)


def test_submodules_are_attributes_of_their_package_unless_it_binds_the_name() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/pkg/__init__.py": "from . import sub\n\ndef other():\n    pass\n",
        "app/pkg/sub.py": "",
        "app/pkg/other.py": "",
        "app/pkg/third.py": "",
    })
    assert table.resolve("app.pkg", "sub").status == "module"
    assert table.resolve("app.pkg", "sub").origin == Origin("app.pkg.sub", "", "module", "app/pkg/sub.py", 1)
    assert table.resolve("app.pkg", "third").origin.module == "app.pkg.third"
    # The package's own function shadows the submodule of the same name.
    assert table.resolve("app.pkg", "other").origin.kind == "function"


def test_internal_external_and_missing_modules() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "import requests\nfrom os.path import join\n",
        "scripts/fix-db.py": "",
    })
    assert table.internal_roots == {"app"}
    assert table.resolve("os", "path").status == "external"
    assert table.resolve("app", "join").status == "external"
    assert table.resolve("app", "requests").status == "external"
    gone = table.resolve("app.services.old_module", "X")
    assert (gone.status, gone.chain) == ("missing-module", (("app.services.old_module", "X"),))
    assert table.resolve("app", "Nope").status == "missing-name"
    # A script whose name is a path is in the tree but nothing can import a name from it.
    assert table.module_exists("scripts/fix-db.py")
    assert table.resolve("scripts.fix-db", "x").status == "external"
    # statuses are an Enum (whose values are the words above, for messages and JSON)
    assert table.resolve("app", "Nope").status is Status.MISSING_NAME


def test_failure_down_a_reexport_chain_is_told_apart_from_a_failure_here() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/shim.py": "from app.gone import Thing\n",
    })
    res = table.resolve("app.shim", "Thing")
    assert res.status == "missing-module"
    assert res.chain == (("app.shim", "Thing"), ("app.gone", "Thing"))
    assert not res.fails_here
    assert table.resolve("app.gone", "Thing").fails_here


def test_reexport_cycle_is_reported_not_looped() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/a.py": "from app.b import X\n",
        "app/b.py": "from .a import X\n",
    })
    res = table.resolve("app.a", "X")
    assert res.status == "cycle"
    assert res.origin is None
    assert table.resolve("app.b", "X").status == "cycle"


def test_names_that_may_exist_are_dynamic_or_unparsed() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/lazy.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
        "app/starry.py": "from os.path import *\n",
        "app/broken.py": "def f(:\n",
        "app/via_broken.py": "from app.broken import *\n",
    })
    assert table.resolve("app.lazy", "Anything").status == "dynamic"
    assert table.resolve("app.starry", "join").status == "dynamic"
    assert table.resolve("app.broken", "Anything").status == "unparsed"
    assert table.resolve("app.via_broken", "Anything").status == "dynamic"


def test_star_import_chains_follow_all_and_public_names() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/base.py": """\
            __all__ = ["Listed"]

            class Listed: ...
            class Unlisted: ...
            """,
        "app/plain.py": "class Public: ...\nclass _Private: ...\n",
        "app/middle.py": "from .base import *\nfrom .plain import *\n",
        "app/top.py": "from app.middle import *\n",
    })
    listed = table.resolve("app.top", "Listed")
    assert listed.origin == Origin("app.base", "Listed", "class", "app/base.py", 3)
    assert listed.chain == (("app.top", "Listed"), ("app.middle", "Listed"), ("app.base", "Listed"))
    assert table.resolve("app.top", "Public").origin.module == "app.plain"
    assert table.resolve("app.top", "Unlisted").status == "missing-name"
    assert table.resolve("app.top", "_Private").status == "missing-name"
    assert table.star_exports("app.middle") == {"Listed", "Public"}


def test_guarded_fallback_prefers_the_import_and_later_unconditional_bindings_win() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "",
        "app/fast.py": "class Thing: ...\n",
        "app/guarded.py": """\
            try:
                from app.fast import Thing
            except ImportError:
                Thing = None
            """,
        "app/rebound.py": """\
            import sys
            if sys.version_info >= (3, 12):
                def helper(): ...
            else:
                def helper(): ...
            class Thing: ...
            Thing = 3
            """,
        "app/only_typing.py": """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app.fast import Thing
            def f():
                from app.fast import Thing
            """,
        "app/selfalias.py": "from app.fast import Thing\nThing = Thing\n",
    })
    assert table.resolve("app.guarded", "Thing").origin.module == "app.fast"
    assert table.resolve("app.rebound", "helper").origin.line == 5
    assert table.resolve("app.rebound", "Thing").origin.kind == "assign"
    # TYPE_CHECKING and in-function imports bind nothing at run time.
    assert table.resolve("app.only_typing", "Thing").status == "missing-name"
    # ``Thing = Thing`` refers to the import above it, not to itself.
    assert table.resolve("app.selfalias", "Thing").origin.module == "app.fast"


def test_relative_imports_climbing_out_and_duplicate_module_names_never_crash() -> None:
    table, _, _ = make_table({
        "app/__init__.py": "from ... import nothing\n",
        "app/x.py": "class X: ...\n",
        "app/x/__init__.py": "",
        "tests/test_a.py": "from .helpers import h\n",
    })
    assert table.resolve("app", "nothing").status == "missing-module"
    assert table.resolve("tests.test_a", "h").status == "missing-module"
    assert table.resolve("app", "x").status == "module"


def test_ten_thousand_modules_resolve_through_chains_of_imports() -> None:
    # Hand-built facts: the point is the table at scale, not the parser. Its speed is measured in
    # benchmarks/ (run.py's check rows), not here: a timed unit test fails on a loaded machine.
    n = 10_000
    files = [SourceFile("app/__init__.py", "app", False, True)]
    facts = {"app/__init__.py": FileFacts()}
    for i in range(n):
        path = f"app/m{i}.py"
        files.append(SourceFile(path, f"app.m{i}", False, False))
        imports = tuple(
            ImportFact(ImportKind.FROM, f"app.m{j}", f"C{j}", None, 0, k + 1, 1, k + 1,
                       f"from app.m{j} import C{j}")
            for k, j in enumerate(range(max(0, i - 20), i))
        )
        bindings = (Binding(f"C{i}", BindingKind.CLASS, 100), Binding(f"A{i}", BindingKind.ALIAS, 101,
                    target=f"C{i - 1}" if i else f"C{i}"))
        facts[path] = FileFacts(imports=imports, bindings=bindings)
    table = SymbolTable(files, facts)
    for i in range(n):
        for fact in facts[f"app/m{i}.py"].imports:
            assert table.resolve(fact.module, fact.name).status == "ok"
    origin = table.resolve("app.m5000", "C5000").origin
    assert len(table.access_paths(origin)) == 22  # defined + 20 importers + one alias
