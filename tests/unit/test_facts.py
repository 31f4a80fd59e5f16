"""Per-file fact extraction: what each construct yields, written out."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

from archguard.adapters.parsing.downlevel import extract_facts_downlevel
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.syntax_judge import all_issues
from archguard.domain.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    FileFacts,
    ImportFact,
    ImportKind,
)
from archguard.domain.shapes import Shape


def facts(source: str) -> FileFacts:
    """The facts of ``source``; every test also checks that the gated walk (bodies skipped by their
    text) loses nothing against the walk of every body."""
    source = textwrap.dedent(source)
    found = extract_facts(source)
    assert extract_facts(source, every_body=True) == found
    return found


def only_import(source: str) -> ImportFact:
    (fact,) = facts(source).imports
    return fact


def flags(fact: ImportFact) -> tuple[bool, bool, bool, bool]:
    return fact.type_checking, fact.in_function, fact.guarded, fact.conditional


def binding(source: str, name: str) -> Binding:
    (found,) = [b for b in facts(source).bindings if b.name == name]
    return found


# -- imports -----------------------------------------------------------------------------------


def test_plain_import_with_alias_and_several_modules() -> None:
    a, b = facts("import a.b as c, d\n").imports
    assert (a.kind, a.module, a.name, a.asname, a.level) == (ImportKind.IMPORT, "a.b", None, "c", 0)
    assert (b.module, b.asname, b.bound_name) == ("d", None, "d")
    assert a.statement == b.statement == "import a.b as c, d"
    assert (a.line, a.column, a.end_line) == (1, 1, 1)


def test_relative_from_import_keeps_level_and_strips_dots() -> None:
    fact = only_import("from ..x import y as z\n")
    assert (fact.kind, fact.module, fact.level, fact.name, fact.asname) == (
        ImportKind.FROM, "x", 2, "y", "z")
    bare = only_import("from . import x\n")
    assert (bare.module, bare.level, bare.name) == ("", 1, "x")


def test_star_import_binds_nothing() -> None:
    fact = only_import("from app.models import *\n")
    assert fact.name == "*" and fact.bound_name is None


def test_multiline_parenthesised_and_backslash_statements_are_kept_whole() -> None:
    source = """\
    x = 1
    from app.realtime import (
        Manager,
        Other as O,
    )
    from app \\
        import thing
    """
    manager, other, thing = facts(source).imports
    assert manager.statement == other.statement
    assert manager.statement == "from app.realtime import (\n    Manager,\n    Other as O,\n)"
    assert (manager.line, manager.end_line, other.asname) == (2, 5, "O")
    assert thing.statement == "from app \\\n    import thing"
    assert (thing.line, thing.end_line) == (6, 7)


def test_semicolon_statements_get_their_own_text_and_column() -> None:
    first, second = facts("import a; from b import c  # note\n").imports
    assert first.statement == "import a"
    assert second.statement == "from b import c"
    assert (second.line, second.column) == (1, 11)


def test_column_counts_characters_not_utf8_bytes() -> None:
    fact = only_import("ü = 1; import app\n")
    assert fact.column == 8 and fact.statement == "import app"


def test_imports_in_functions_classes_loops_and_with_are_all_found() -> None:
    source = """\
    class C:
        import a
        def m(self):
            import b
    with ctx():
        import c
    for _ in range(3):
        import d
    while False:
        import e
    """
    found = {f.module: f for f in facts(source).imports}
    assert set(found) == {"a", "b", "c", "d", "e"}
    assert flags(found["a"]) == (False, False, False, False)  # class bodies run at import time
    assert flags(found["b"]) == (False, True, False, False)
    assert flags(found["c"]) == (False, False, False, False)
    assert flags(found["d"]) == (False, False, False, True)
    assert flags(found["e"]) == (False, False, False, True)


# -- context flags -----------------------------------------------------------------------------


def test_type_checking_body_only_and_else_is_conditional() -> None:
    source = """\
    import typing
    if TYPE_CHECKING:
        from app.a import A
    else:
        from app.b import B
    if typing.TYPE_CHECKING:
        from app.c import C
    """
    found = {f.name: f for f in facts(source).imports if f.name}
    assert flags(found["A"]) == (True, False, False, False)
    assert flags(found["B"]) == (False, False, False, True)
    assert flags(found["C"]) == (True, False, False, False)


def test_guarded_only_in_try_body_of_import_catching_handlers() -> None:
    source = """\
    try:
        from app.x import Thing
    except ImportError:
        from app.y import Thing
    try:
        import b
    except (ValueError, ModuleNotFoundError):
        pass
    try:
        import c
    except:
        pass
    try:
        import d
    except Exception as e:
        pass
    try:
        import e
    except KeyError:
        pass
    try:
        import f
    finally:
        pass
    """
    imports = facts(source).imports
    found = {f.module: f for f in imports}
    thing_x, thing_y = [f for f in imports if f.name == "Thing"]
    assert thing_x.guarded and not thing_y.guarded
    assert found["b"].guarded and found["c"].guarded and found["d"].guarded
    assert not found["e"].guarded and not found["f"].guarded
    assert not any(f.conditional for f in found.values())


def test_function_level_guarded_import_has_both_flags() -> None:
    source = """\
    def load():
        try:
            import optional_dep
        except ImportError:
            optional_dep = None
    """
    assert flags(only_import(source)) == (False, True, True, False)


def test_conditional_covers_if_elif_else_and_match() -> None:
    source = """\
    import sys
    if sys.platform == "win32":
        import a
    elif sys.platform == "darwin":
        import b
    else:
        import c
    match sys.argv:
        case [_, "x"]:
            import d
    """
    found = {f.module: f for f in facts(source).imports}
    assert not found["sys"].conditional
    assert all(found[m].conditional for m in "abcd")


# -- dynamic imports ---------------------------------------------------------------------------


def test_dynamic_imports_with_literals() -> None:
    source = """\
    import importlib
    from importlib import import_module
    handler = importlib.import_module("app.handlers")
    mod = import_module("app.other")
    legacy = __import__("app.legacy")
    ignored = importlib.import_module(name_from_config)
    def lazy():
        return importlib.import_module(".impl", package=__package__)
    anchored = import_module("..x", package="app.realtime.sub")
    runtime_anchor = import_module(".management", app_config.name)  # Django: unknowable, skipped
    """
    dynamic = [f for f in facts(source).imports if f.kind is ImportKind.DYNAMIC]
    assert [(f.module, f.level, f.in_function) for f in dynamic] == [
        ("app.handlers", 0, False),
        ("app.other", 0, False),
        ("app.legacy", 0, False),
        ("impl", 1, True),
        ("app.realtime.x", 0, False),
    ]
    assert dynamic[0].statement == 'importlib.import_module("app.handlers")'
    assert (dynamic[0].line, dynamic[0].column) == (3, 11)
    assert dynamic[0].bound_name is None


def test_import_module_not_from_importlib_is_not_a_dynamic_import() -> None:
    source = 'from mylib import import_module\nimport_module("app.x")\n'
    assert [f.kind for f in facts(source).imports] == [ImportKind.FROM]


def test_dynamic_import_in_lambda_and_guard_gets_flags() -> None:
    source = """\
    import importlib
    try:
        plugin = importlib.import_module("app.plugin")
    except ImportError:
        plugin = None
    get = lambda: importlib.import_module("app.lazy")
    """
    plugin, lazy = [f for f in facts(source).imports if f.kind is ImportKind.DYNAMIC]
    assert plugin.guarded and not plugin.in_function
    assert lazy.in_function and not lazy.guarded



def test_calls_in_a_def_header_run_at_definition_time_wherever_its_lines_are() -> None:
    """Decorators, defaults and annotations run when the ``def`` does: their calls count as the
    module's, on the decorator's line, a default's on a later line of a long signature, or on the
    line the body starts on; a call in the body does not (it runs later)."""
    source = """\
    import importlib
    import warnings

    @register(importlib.import_module("app.decorated"))
    def f(): ...

    def g(
        a,
        b=importlib.import_module("app.default"),
        *,
        c: __import__("app.annotation") = None,
    ) -> None: ...

    def h(x=(y := 1)): return importlib.import_module("app.body")

    def quiet(a=warnings.warn("old", DeprecationWarning)):
        importlib.import_module("app.later")
    """
    found = facts(source)
    dynamic = {(f.module, f.in_function) for f in found.imports if f.kind is ImportKind.DYNAMIC}
    assert dynamic == {
        ("app.decorated", False),
        ("app.default", False),
        ("app.annotation", False),
        ("app.body", True),
        ("app.later", True),
    }
    assert "y" in {b.name for b in found.bindings}  # the walrus in a default binds at module level
    assert found.warns_deprecation


# -- bindings ----------------------------------------------------------------------------------


def test_binding_kinds() -> None:
    source = """\
    from .impl import UnifiedManager, impl
    class _ManagerImpl(impl.Base, Generic[T], metaclass=Meta):
        def method(self): ...
    class UnifiedManager(_ManagerImpl):
        \"\"\"Just a wrapper.\"\"\"
        pass
    def factory(): ...
    async def afactory(): ...
    Manager = _ManagerImpl
    ConnectionManager = impl.sub.Manager
    LIMIT = 3
    a = b = make()
    (c, [d, *e]) = 1, (2, 3)
    f: int = 4
    g: int
    LIMIT += 1
    NOTHING = None
    """
    found = facts(source).bindings
    kinds = {b.name: b.kind for b in found}
    assert kinds == {
        "_ManagerImpl": BindingKind.CLASS, "UnifiedManager": BindingKind.CLASS,
        "factory": BindingKind.FUNCTION, "afactory": BindingKind.FUNCTION,
        "Manager": BindingKind.ALIAS, "ConnectionManager": BindingKind.ALIAS,
        "LIMIT": BindingKind.ASSIGN, "a": BindingKind.ASSIGN, "b": BindingKind.ASSIGN,
        "c": BindingKind.ASSIGN, "d": BindingKind.ASSIGN, "e": BindingKind.ASSIGN,
        "f": BindingKind.ASSIGN, "NOTHING": BindingKind.ASSIGN,
    }
    by_name = {b.name: b for b in found}
    assert by_name["_ManagerImpl"].bases == ("impl.Base",)
    assert not by_name["_ManagerImpl"].empty_body
    assert by_name["UnifiedManager"] == Binding(
        "UnifiedManager", BindingKind.CLASS, 4, bases=("_ManagerImpl",), empty_body=True)
    assert by_name["Manager"].target == "_ManagerImpl"
    assert by_name["ConnectionManager"].target == "impl.sub.Manager"
    assert by_name["factory"].line == 7
    assert "method" not in kinds  # methods are not module bindings


def test_bindings_under_if_try_with_are_conditional_and_function_locals_are_skipped() -> None:
    source = """\
    try:
        from fast import Impl
    except ImportError:
        class Impl: ...
    if FLAG:
        Alias = Impl
    with ctx():
        Z = 1
    def f():
        local = 1
    Top = 2
    """
    found = {b.name: b for b in facts(source).bindings}
    assert found["Impl"].conditional and found["Impl"].empty_body
    assert found["Alias"].conditional and found["Alias"].kind is BindingKind.ALIAS
    assert found["Z"].conditional
    assert not found["Top"].conditional
    assert "local" not in found


def test_decorated_function_line_is_the_def_line() -> None:
    assert binding("@decorator\n@other(1)\ndef f():\n    pass\n", "f").line == 3


def test_module_getattr() -> None:
    assert facts("def __getattr__(name):\n    raise AttributeError(name)\n").has_getattr
    assert not facts("class C:\n    def __getattr__(self, n): ...\n").has_getattr


# -- __all__ -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("__all__ = ['A', 'B']\n", ("A", "B")),
        ("__all__ = ('A',)\n", ("A",)),
        ("__all__: list[str] = ['A']\n", ("A",)),
        ("__all__ = ['A']\n__all__ += ['B']\n__all__.extend(('C',))\n__all__.append('D')\n",
         ("A", "B", "C", "D")),
        ("__all__ = []\n", ()),
        ("x = 1\n", None),
        ("__all__ = [name for name in dir()]\n", None),
        ("__all__ = ['A'] + other.__all__\n", None),
        ("__all__ = ['A']\n__all__ += other.__all__\n", None),
        ("__all__ = ['A']\n__all__.extend(computed())\n", None),
        ("__all__ += ['A']\n", None),  # grows an __all__ we never saw: unknown
        ("def f():\n    __all__ = ['local']\n", None),
    ],
)
def test_all_names(source: str, expected: tuple[str, ...] | None) -> None:
    assert facts(source).all_names == expected


def test_all_is_also_an_assign_binding() -> None:
    assert binding("__all__ = ['A']\n", "__all__").kind is BindingKind.ASSIGN


# -- attribute uses ----------------------------------------------------------------------------


def test_attribute_uses_through_plain_imports_and_aliases() -> None:
    source = """\
    import app.realtime.compat
    import app.x as m
    import os.path
    manager = app.realtime.compat.Manager(
        timeout=app.realtime.compat.DEFAULT.seconds,
    )
    thing = m.Thing
    module_itself = app.realtime.compat
    unrelated = app.other.Thing
    stdlib = os.path.join("a", "b")
    def later():
        return (m).Other
    """
    uses = facts(source).attribute_uses
    assert uses == (
        AttributeUse("app.realtime.compat.Manager", 4, 11),
        AttributeUse("app.realtime.compat.DEFAULT.seconds", 5, 13),
        AttributeUse("app.x.Thing", 7, 9),
        AttributeUse("app.x.Other", 12, 12),
    )


def test_no_attribute_uses_without_plain_imports() -> None:
    assert facts("from app import x\ny = x.Thing\n").attribute_uses == ()


# -- deprecation shims -------------------------------------------------------------------------


def test_module_level_deprecation_warning_marks_a_shim() -> None:
    source = """\
    import warnings
    from app.realtime.manager import Manager
    warnings.warn("use app.realtime.manager", DeprecationWarning, stacklevel=2)
    """
    assert facts(source).warns_deprecation
    pending = "from warnings import warn\nwarn('x', category=PendingDeprecationWarning)\n"
    assert facts(pending).warns_deprecation


def test_deprecation_warning_inside_a_function_or_of_other_category_does_not() -> None:
    in_function = "import warnings\ndef f():\n    warnings.warn('x', DeprecationWarning)\n"
    other = "import warnings\nwarnings.warn('x', UserWarning)  # DeprecationWarning\n"
    assert not facts(in_function).warns_deprecation
    assert not facts(other).warns_deprecation


# -- newer syntax, down-levelled for this interpreter's ast ------------------------------------


def newer(tmp_path: Path, source: str) -> FileFacts:
    """Facts of a file with syntax newer than 3.11, through the rewrite the scanner uses."""
    source = textwrap.dedent(source)
    (tmp_path / "newer.py").write_text(source, encoding="utf-8")
    issues = all_issues(tmp_path, ["newer.py"], (3, 11))["newer.py"]
    assert issues, "ruff names the newer constructs"
    found = extract_facts_downlevel(source, issues)
    assert isinstance(found, FileFacts), found
    return found


def test_type_parameters_and_type_alias(tmp_path: Path) -> None:
    source = """\
        from app.base import Base
        type Vector[T] = list[T]
        class Box[T](Base):
            pass
        def first[T](items: list[T]) -> T:
            import app.lazy
            return items[0]
        """
    found = newer(tmp_path, source)
    assert [(b.name, b.kind) for b in found.bindings] == [
        ("Vector", BindingKind.TYPE_ALIAS), ("Box", BindingKind.CLASS),
        ("first", BindingKind.FUNCTION),
    ]
    assert found.bindings[1].bases == ("Base",) and found.bindings[1].empty_body
    assert [(f.module, f.in_function) for f in found.imports] == [
        ("app.base", False), ("app.lazy", True)]


def test_pep701_fstring_and_pep758_except(tmp_path: Path) -> None:
    source = """\
        import importlib
        label = f"{config["name"]}"
        try:
            import app.fast as fast
        except ImportError, AttributeError:
            fast = None
        plugin = importlib.import_module(f"{"ignored"}") or importlib.import_module("app.p")
        greeting = t"hello {label}"
        """
    found = newer(tmp_path, source)
    fast = found.imports[1]
    assert (fast.module, fast.asname, fast.guarded) == ("app.fast", "fast", True)
    assert [f.module for f in found.imports if f.kind is ImportKind.DYNAMIC] == ["app.p"]
    assert {b.name for b in found.bindings} == {"label", "fast", "plugin", "greeting"}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("import ok\n\nif broken(:\n    pass\nx = 1\n", 3),
        ("x = (1,\ny = 2\nz = 3\n", 1),  # "'(' was never closed", as Python says
        ("label = 'unterminated\nz = 1\n", 1),
        ("if x:\nprint(1)\n", 2),
    ],
)
def test_syntax_error_carries_the_line(source: str, line: int) -> None:
    with pytest.raises(SyntaxError) as raised:
        extract_facts(source)
    assert raised.value.lineno == line and raised.value.msg


def test_ast_path_lets_syntax_errors_propagate() -> None:
    with pytest.raises(SyntaxError):
        extract_facts("def broken(:\n")


# -- parity on real code -----------------------------------------------------------------------


def _stdlib_package_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)  # locates the source on disk; imports nothing new
    assert spec is not None and spec.submodule_search_locations
    return sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py"))


@pytest.mark.parametrize("package", ["json", "email", "importlib", "asyncio"])
def test_gated_walk_loses_nothing_on_stdlib_packages(package: str) -> None:
    files = _stdlib_package_files(package)
    assert len(files) >= 5
    imports = 0
    for path in files:
        source = path.read_text(encoding="utf-8")
        found = extract_facts(source)
        assert extract_facts(source, every_body=True) == found, path
        imports += len(found.imports)
    assert imports >= len(files)  # never equal because both are empty


def test_dynamic_import_split_over_lines_inside_a_larger_expression() -> None:
    source = """\
    import importlib
    HANDLERS = {
        "ws": (
            importlib
            .import_module(
                "app.realtime.ws"
            )
        ),
    }
    """
    (dynamic,) = [f for f in facts(source).imports if f.kind is ImportKind.DYNAMIC]
    assert (dynamic.module, dynamic.line, dynamic.end_line) == ("app.realtime.ws", 4, 7)
    assert dynamic.statement.startswith("importlib\n        .import_module(")


def test_imports_expected_to_fail_under_raises_are_guarded() -> None:
    source = """\
    import pytest
    def test_gone():
        with pytest.raises(ImportError):
            from app import Pi
        with raises((ValueError, ModuleNotFoundError)):
            import app.old
        with open("x"):
            from app import fine
    """
    got = {(f.module, f.name): f.guarded for f in facts(source).imports}
    assert got == {("pytest", None): False, ("app", "Pi"): True, ("app.old", None): True,
                   ("app", "fine"): False}


def test_definitions_keep_the_shape_discover_compares() -> None:
    source = """
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/a")
        @functools.lru_cache(maxsize=1)
        def get_a(request, *args, k=1, **kw) -> "app.models.A":
            pass

        def get_b() -> "A | None":
            pass

        class C(Base):
            a = 1
            b: int = 2
            def m(self):
                pass
            class Meta:
                pass
    """
    found = facts(source)
    by_name = {b.name: found.shape_of(b) for b in found.bindings}
    assert by_name["get_a"].members == ("request", "*args", "k", "**kw")
    assert by_name["get_a"].decorators == ("router.get", "functools.lru_cache")
    assert by_name["get_a"].returns == "app.models.A"
    assert by_name["get_b"].returns is None  # not one object's name
    assert by_name["C"].members == ("a", "b", "m", "Meta")
    assert by_name["router"] == by_name["get_b"] == Shape()  # no shape, and an empty one


def test_a_shape_keeps_every_kind_of_parameter_and_leaves_dunders_and_other_expressions_out() -> None:
    """Parameters in the order Python binds them (positional-only first); a class body's names in
    order, dunders out (``__slots__``, ``__init__``), other names with underscores in; decorators
    and bases that are no dotted name out; a body that is only ``pass``/``...``/docstrings is
    empty, one that binds any name (a dunder too) is not."""
    source = """
        @make()()
        @(lambda f: f)
        def f(a, b=1, /, c=2, *, d, e=3, **kw) -> None: ...
        def g(a, /): ...
        def h(*, k): ...
        def v(a, *args): ...
        def w(a, **kw): ...

        class C(base(), mod.Base):
            __slots__ = ()
            a = b = 1
            x, y = 1, 2
            _private__ = 0
            __mangled = 0
            ___ = 0
            def __init__(self): ...
            async def run(self): ...
            self.z: int = 0

        class Empty:
            "doc"
            pass
            ...

        class OnlyDunders:
            __slots__ = ()

        class Bare: ...

        class Computed:
            "binds nothing at its own level, yet runs code"
            if FLAG:
                x = 1

        class Service:
            "only methods after a docstring: the common body"
            def __init__(self): ...
            async def start(self): ...
            class Config: ...
            def __repr__(self): ...

        class Plain:
            def a(self): ...
            def b(self): ...

        class Called:
            register()
            def a(self): ...
    """
    found = facts(source)
    by_name = {b.name: (b, found.shape_of(b)) for b in found.bindings}
    assert by_name["f"][1] == Shape(("a", "b", "c", "d", "e", "**kw"))  # ``None``: no name
    assert by_name["g"][1].members == ("a",)
    assert by_name["h"][1].members == ("k",)
    assert by_name["v"][1].members == ("a", "*args") and by_name["w"][1].members == ("a", "**kw")
    binding, shape = by_name["C"]
    assert shape == Shape(("a", "b", "_private__", "__mangled", "run"))
    assert binding.bases == ("mod.Base",) and not binding.empty_body
    assert by_name["Empty"][0].empty_body and by_name["Bare"][0].empty_body
    assert by_name["Empty"][1] == by_name["Bare"][1] == Shape()
    assert not by_name["OnlyDunders"][0].empty_body and not by_name["Computed"][0].empty_body
    assert by_name["OnlyDunders"][1] == Shape()
    assert by_name["Service"][1].members == ("start", "Config")
    assert by_name["Plain"][1].members == ("a", "b") and by_name["Called"][1].members == ("a",)
    assert not any(by_name[name][0].empty_body for name in ("Service", "Plain", "Called"))


def test_each_definition_of_a_name_keeps_its_own_shape() -> None:
    """Shapes are packed apart from the bindings (``FileFacts.shapes``), in their order: a name
    defined twice, with assignments and ``del`` between, gets each definition's shape."""
    source = """
        import sys
        if sys.version_info >= (3, 12):
            def f(a, b):
                pass
        else:
            X = 1
            def f(a):
                pass
        del X

        class f:
            x = 1
    """
    found = facts(source)
    shapes = [(b.name, b.kind.value, found.shape_of(b).members) for b in found.bindings]
    assert shapes == [
        ("f", "function", ("a", "b")),
        ("X", "assign", ()),
        ("f", "function", ("a",)),
        ("X", "del", ()),
        ("f", "class", ("x",)),
    ]


def test_equal_shapes_are_equal_facts_however_their_strings_were_made() -> None:
    """``-> Model`` and ``-> "Model"`` give one return annotation: the facts are equal (the derived results
    keyed by their digest are reused), however the strings were made."""
    plain, quoted = facts("def f(a) -> Model:\n    pass\n"), facts("def f(a) -> 'Model':\n    pass\n")
    assert plain.shape_of(plain.bindings[0]) == Shape(("a",), (), "Model") == quoted.shape_of(quoted.bindings[0])
    assert plain == quoted
