"""The gated fact walk (bodies skipped when their text cannot hold a fact) gives exactly the facts of
the reference walk, the same walker visiting every body; newer syntax, down-levelled, gives the
facts of its twin written for this interpreter with the same layout.

The fixture tree covers every kind of fact; each file also asserts what it must yield, so equality
is never between two empty results.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from archguard.adapters.parsing.downlevel import extract_facts_downlevel
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.facts_builder import _DYNAMIC_WORDS, _GATE_WORDS, words_in
from archguard.adapters.parsing.syntax_judge import all_issues
from archguard.domain.facts import Binding, BindingKind, DynamicKind, FileFacts, ImportKind

TREE = {
    "shapes.py": """\
        import app.a, app.b as b
        from app import c, d as dd
        from .sibling import *
        from ..parent.mod import thing as other
        from . import peer
        import numpy as np
        """,
    "guarded.py": """\
        from typing import TYPE_CHECKING
        import typing
        try:
            import fast_json as json
        except (ImportError, AttributeError):
            import json
        if TYPE_CHECKING:
            from app.models import User
        if typing.TYPE_CHECKING:
            import app.types
        else:
            import app.runtime
        with pytest.raises(ModuleNotFoundError):
            import app.gone
        for backend in ("a", "b"):
            import app.loop
        """,
    "functions.py": """\
        import logging

        log = logging.getLogger(__name__)


        def plain(x):
            y = [i * 2 for i in range(x)]
            return sum(y) + len(str(x))


        def lazy():
            from app.heavy import compute
            return compute()


        async def later():
            def inner():
                import app.deep.inner
            return inner


        def sets_state(value):
            global STATE, OTHER
            STATE = value


        def never_looked_at(a, b=1, *args, **kwargs):
            if a:
                for i in range(b):
                    with open(a) as handle:
                        try:
                            handle.read()
                        except OSError:
                            pass
            return (lambda q: q + 1)(a)


        class Service:
            flavour = "x"

            def method(self):
                return self.flavour

            def importer(self):
                import app.service_dep
                return app.service_dep

            class Inner:
                def deeper(self):
                    global SERVICE_READY
                    SERVICE_READY = True


        class Plain:
            def a(self):
                return 1
        """,
    "dynamic.py": """\
        import importlib
        from importlib import import_module as load


        def plugin(name):
            return importlib.import_module("app.plugins." + name)


        def fixed():
            return importlib.import_module("app.plugins.fixed")


        def relative():
            return importlib.import_module(".sub", __package__)


        def builtin():
            return __import__("app.builtin_dyn")


        MODULE = importlib.import_module("app.top_level")
        if (found := importlib.import_module("app.walrus")):
            pass
        handler = lambda: importlib.import_module("app.in_lambda")
        """,
    "exports.py": """\
        from app.x import a, b, c
        __all__ = ["a", "b"]
        __all__ += ["c"]
        __all__.append("d")
        __all__.extend(("e",))
        """,
    "computed_all.py": """\
        from app import parts
        __all__ = parts.names + ["x"]
        """,
    "aliases.py": """\
        import app.models
        import app.models.user as user_mod
        from app.core import Manager
        ConnectionManager = Manager
        Legacy = app.models.Thing
        A, B = 1, 2
        del A
        if app.models.flag:
            Maybe = Manager
        value: int = 3


        def use():
            return app.models.user.User, user_mod.helper.run(), (app.models).x.y
        """,
    "shim.py": """\
        import warnings
        from app.new import *

        warnings.warn("use app.new", DeprecationWarning, stacklevel=2)


        class Old:
            warnings.warn("Old is deprecated", category=DeprecationWarning)

            def method(self):
                warnings.warn("method", DeprecationWarning)
        """,
    "module_hooks.py": """\
        import sys
        from lazy import __getattr__ as _lazy_getattr


        def __getattr__(name):
            import app.lazy_part
            return getattr(app.lazy_part, name)


        sys.modules[__name__ + ".moves"] = object()
        globals()["made"] = 1
        __path__ = __import__("pkgutil").extend_path(__path__, __name__)
        import app.target


        class Holder:
            def install(self, value):
                setattr(app.target, "Installed", value)
                return sys._getframe(1).f_globals


        def register():
            sys.modules[f"{__name__}.old"] = sys.modules[__name__]
        """,
    "class_bodies.py": """\
        from app.base import Base


        class Empty(Base):
            \"\"\"Only a docstring.\"\"\"


        class WithImports(Base):
            import app.class_level
            from app.mixins import Mixin as M

            def method(self):
                return 1


        class Generic(Base, metaclass=type):
            def __init_subclass__(cls):
                from app.registry import register
                register(cls)
        """,
    "match_and_try.py": """\
        import app.config as config
        match config.mode:
            case "a":
                from app.mode_a import run
            case [first, *rest]:
                import app.mode_list
            case {"k": v, **others}:
                pass
        try:
            import app.optional
        except* ImportError:
            pass
        else:
            import app.present
        finally:
            import app.always
        while config.retry:
            import app.retry
            break
        """,
}

# Files this interpreter may reject (3.12+ syntax): facts through the down-levelled ast path.
NEWER = {
    "pep695.py": """\
        import app.models


        type UserId = int
        type Pair[K, V] = dict[K, V]


        class Box[T](app.models.Base):
            def get[U](self, default: U) -> T | U:
                from app.late import thing
                return thing


        def first[T](items: list[T]) -> T:
            return items[0]
        """,
}

# The same code as CPython 3.11 writes it, the same layout (every column of code kept).
TWINS = {
    "pep695.py": """\
        import app.models


        UserId      = int
        Pair                = dict[K, V]


        class Box   (app.models.Base):
            def get   (self, default: U) -> T | U:
                from app.late import thing
                return thing


        def first   (items: list[T]) -> T:
            return items[0]
        """,
}


def _write(tmp_path: Path, files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        source = textwrap.dedent(text)
        (tmp_path / name).write_text(source, encoding="utf-8")
        sources[name] = (tmp_path / name).read_text(encoding="utf-8")
    return sources


def _expected_kinds(all_facts: dict[str, FileFacts]) -> None:
    """What the tree must yield, so the comparisons below are between full results."""
    imports = [f for facts in all_facts.values() for f in facts.imports]
    modules = {f.module for f in imports}
    assert {"app.heavy", "app.deep.inner", "app.service_dep", "app.registry", "app.class_level"} <= modules
    assert any(f.type_checking and f.module == "app.models" for f in imports)
    assert any(f.guarded and f.module == "fast_json" for f in imports)
    assert any(f.in_function and f.module == "app.lazy_part" for f in imports)
    dynamic = {f.module for f in imports if f.kind is ImportKind.DYNAMIC}
    assert {
        "app.plugins.fixed",
        "sub",
        "app.builtin_dyn",
        "app.top_level",
        "app.walrus",
        "app.in_lambda",
    } <= dynamic
    assert all_facts["exports.py"].all_names == ("a", "b", "c", "d", "e")
    assert all_facts["computed_all.py"].all_names is None
    assert set(all_facts["functions.py"].function_globals) == {"STATE", "OTHER", "SERVICE_READY"}
    assert all_facts["shim.py"].warns_deprecation
    assert all_facts["module_hooks.py"].has_getattr
    assert [
        (f.line, f.kind.value, f.construct, f.target, f.name) for f in all_facts["module_hooks.py"].dynamic
    ] == [
        (10, "registers", "sys.modules[...] = ...", "__name__.moves", ""),
        (11, "namespace", "globals()", "", ""),
        (12, "path", "__path__ assigned", "", ""),
        (12, "path", "extend_path()", "", ""),
        (18, "attributes", "setattr()", "app.target", "Installed"),
        (19, "caller", "f_globals", "", ""),
        (19, "caller", "sys._getframe()", "", ""),
        (23, "namespace", "sys.modules[__name__]", "", ""),
        (23, "registers", "sys.modules[...] = ...", "__name__.old", ""),
    ]
    uses = {u.dotted for u in all_facts["aliases.py"].attribute_uses}
    assert {
        "app.models.Thing",
        "app.models.user.User",
        "app.models.user.helper.run",
        "app.models.x.y",
    } <= uses
    kinds = {(b.name, b.kind) for b in all_facts["aliases.py"].bindings}
    assert {("ConnectionManager", BindingKind.ALIAS), ("A", BindingKind.DELETE)} <= kinds
    empty = {
        b.name: b.empty_body for b in all_facts["class_bodies.py"].bindings if b.kind is BindingKind.CLASS
    }
    assert empty == {"Empty": True, "WithImports": False, "Generic": False}


def test_gated_walk_equals_every_body_walk(tmp_path: Path) -> None:
    sources = _write(tmp_path, TREE)
    gated = {name: extract_facts(source) for name, source in sources.items()}
    _expected_kinds(gated)
    for name, source in sources.items():
        assert gated[name] == extract_facts(source, every_body=True), name


def test_bodies_without_fact_words_are_skipped_yet_nothing_is_lost(tmp_path: Path) -> None:
    """A body is skipped only by its text: a word split over lines or hidden in a string does not
    fool the gate into losing a fact (it may only make it walk a body for nothing)."""
    source = _write(
        tmp_path,
        {
            "tricky.py": """\
        def looks_empty():
            x = "import"  # the word, but no import: walked for nothing, no fact
            return x


        def real():
            from \\
                app.continued import name
            return name


        def nested():
            def inner():
                def innermost():
                    global DEEP
                    DEEP = 1
        """
        },
    )["tricky.py"]
    facts = extract_facts(source)
    assert [f.module for f in facts.imports] == ["app.continued"]
    assert facts.function_globals == ("DEEP",)
    assert facts == extract_facts(source, every_body=True)


def test_inside_a_walked_body_only_statements_with_fact_words_are_visited_yet_none_is_lost(
    tmp_path: Path,
) -> None:
    """In a def or class body that is walked, a statement is visited only when its own text holds
    a fact word; its text starts on the line the statement before it ends on (``a = 1; import b``)
    and takes in its decorators."""
    source = _write(
        tmp_path,
        {
            "statements.py": """\
        class Service:
            import app.at_class_level

            def plain(self):
                return 1

            @__import__("app.decorator_only").mark
            def decorated(self):
                return 2

            def same_line(self):
                x = 1; import app.same_line
                y = (1,
                     2); import app.after_continuation
                return x, y
        """
        },
    )["statements.py"]
    facts = extract_facts(source)
    assert [(f.module, f.kind) for f in facts.imports] == [
        ("app.at_class_level", ImportKind.IMPORT),
        ("app.decorator_only", ImportKind.DYNAMIC),
        ("app.same_line", ImportKind.IMPORT),
        ("app.after_continuation", ImportKind.IMPORT),
    ]
    assert facts == extract_facts(source, every_body=True)


def test_newer_syntax_down_levelled_equals_its_twin(tmp_path: Path) -> None:
    sources = _write(tmp_path, NEWER)
    issues = all_issues(tmp_path, list(sources), (3, 11))
    for name, source in sources.items():
        facts = extract_facts_downlevel(source, issues[name])
        assert isinstance(facts, FileFacts), name
        assert {f.module for f in facts.imports} == {"app.models", "app.late"}
        twin = extract_facts(textwrap.dedent(TWINS[name]))
        assert facts.imports == twin.imports and facts.attribute_uses == twin.attribute_uses, name
        # ``type`` statements bind type aliases (no alias target); the rest binds as in the twin
        aliases = {"UserId", "Pair"}
        assert facts.bindings == tuple(
            Binding(b.name, BindingKind.TYPE_ALIAS, b.line) if b.name in aliases else b for b in twin.bindings
        ), name


# Each construct alone in its file, for every word of the text gate that picks the lines the dynamic
# walk visits (facts_builder._DYNAMIC_WORDS, all looked for in one pass, words_in): none may be lost
# for a file that holds that word and no other (or only those it contains: "f_globals").
ALONE = {
    "def f():\n    pass\nx = f.__globals__\n": (3, "caller", "__globals__"),
    "def f(frame):\n    return frame.f_globals\n": (2, "caller", "f_globals"),
    "def f(frame):\n    return frame.f_locals\n": (2, "caller", "f_locals"),
    "m = __import__(__name__)\n": (1, "namespace", "__import__(__name__)"),
    "import importlib\nm = importlib.import_module(__name__)\n": (
        2,
        "namespace",
        "importlib.import_module(__name__)",
    ),
    "x = globals()\n": (1, "namespace", "globals()"),
    "x = locals()\n": (1, "namespace", "locals()"),
    'import app.m\nvars(app.m)["X"] = 1\n': (2, "attributes", "vars()"),
    'import app.m\nsetattr(app.m, "X", 1)\n': (2, "attributes", "setattr()"),
    'exec("X = 1")\n': (1, "namespace", "exec()"),
    'X = eval("1")\n': (1, "namespace", "eval()"),
    'import sys\nsys.modules["app.old"] = sys\n': (2, "registers", "sys.modules[...] = ..."),
    "import app.m\nx = app.m.__dict__\n": (2, "attributes", "app.m.__dict__"),
    "__path__ = []\n": (1, "path", "__path__ assigned"),
    "import pkg_resources\npkg_resources.declare_namespace(__name__)\n": (
        2,
        "path",
        "pkg_resources.declare_namespace()",
    ),
    "import sys\nsys.meta_path.append(object())\n": (2, "registers", "sys.meta_path.append()"),
    "import sys\nsys.path_hooks.append(object)\n": (2, "registers", "sys.path_hooks.append()"),
}


def test_a_dynamic_construct_alone_in_its_file_is_found() -> None:
    assert {word for word in _DYNAMIC_WORDS if any(word in source for source in ALONE)} == set(_DYNAMIC_WORDS)
    for source, expected in ALONE.items():
        facts = extract_facts(source).dynamic
        # (a module-level call's hand-over is kept whatever the text: not the gate's)
        found = [(f.line, f.kind.value, f.construct) for f in facts if f.kind is not DynamicKind.CALLS]
        assert found == [expected], source


# What the text gates' words are looked for in: pieces of the words themselves (so texts hold
# them, almost hold them, or hold them split), other ASCII and non-ASCII text, a lone surrogate.
_HALVES = [piece for w in _GATE_WORDS for piece in (w[: len(w) // 2], w[len(w) // 2 :])]
_PIECES = st.sampled_from([*_GATE_WORDS, *_HALVES, "\n", " ", "(", "é", "\u2028", "\ud800", "ä__name__", "x"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=3), max_size=12).map("".join))
def test_the_gate_words_are_found_in_one_pass_exactly_where_each_occurs(text: str) -> None:
    assert words_in(text) == {word for word in _GATE_WORDS if word in text}


def test_each_gate_word_is_found_alone_and_at_either_end_and_never_in_part() -> None:
    for word in _GATE_WORDS:
        for text in (word, f"é{word}", f"{word}\n", f"x = 1\n# {word[:-1]}\n{word}"):
            assert words_in(text) == {w for w in _GATE_WORDS if w in text}, text
            assert word in words_in(text), text
        for text in (word[:-1], word[1:], f"{word[:-1]} {word[1:]}", f"{word[:-1]}\n{word[-1]}"):
            assert words_in(text) == {w for w in _GATE_WORDS if w in text}, text
            assert word not in words_in(text), text
    assert words_in("") == set() and words_in("x = 1\n") == set()


# A bare module-level call handed ``__name__`` first (``apipkg.initpkg(__name__, ...)``): the module
# may replace itself. Found from each ``__name__`` of the text, whatever the blanks around it.
REPLACING = {
    "initpkg(__name__, {})\n": True,
    "apipkg.initpkg( __name__ )\n": True,
    "initpkg(\n    __name__,\n    {'path': 'os.path'},\n)\n": True,
    "initpkg(\t__name__\t, x)\n": True,
    "log = logging.getLogger(__name__)\n": False,  # an assignment: the callee is not the whole line
    "initpkg(__name__ + '.x')\n": False,
    "initpkg(other, __name__)\n": False,
    "__name__\n(__name__)\n": False,
}


def test_a_call_handed_its_own_name_first_is_found_however_spaced() -> None:
    for source, expected in REPLACING.items():
        assert extract_facts(source).replaces_module is expected, source


def test_a_call_at_import_is_kept_when_its_callee_is_imported_or_defined_here() -> None:
    """A module-level call may run code that changes this module (DynamicKind.CALLS): kept when
    its callee's root is bound by an import (anywhere in the file) or a module-level def, never
    for a name bound by neither."""
    source = textwrap.dedent(
        """\
        def register(target):
            pass
        register(__name__)
        helper.install(__name__)
        unknown(__name__)
        alias(__name__)
        def later():
            from app.tools import helper
        from app import make as alias
        """
    )
    calls = {f.target for f in extract_facts(source).dynamic if f.kind.value == "calls"}
    assert calls == {"register", "helper.install", "alias"}


def test_what_a_module_level_call_hands_on_is_read_from_each_shape_of_argument() -> None:
    """The arguments of a module-level call, shape by shape: which name modules (DynamicFact.name of
    the CALLS fact: dotted literals, names built from ``__name__``), which objects are handed on
    (SETS_ATTRIBUTES: dotted names, kept when bound here), which inner calls run; a call of the
    standard library is not noted, what it is handed still is."""
    source = textwrap.dedent(
        """\
        import os
        import app.models
        from app.tools import helper, alias, make
        from numba import Redirect
        helper("app.legacy", "plain", 3, None, __name__, __package__, other, app.models, app.models.user)
        alias(f"{__name__}.old", __name__ + ".moves", "x" + __name__, f"{other}.x", key=app.models.Thing)
        Redirect(locals(), make(), app.models.factory(), unknown(), [app.models])
        os.register("app.legacy", __name__, app.models)
        make(*app.models.parts, **app.models.options)
        helper.install()
        X = make(app.models, value=__name__)
        """
    )
    assert [(f.line, f.kind.value, f.construct, f.target, f.name) for f in extract_facts(source).dynamic] == [
        (5, "attributes", "passed to helper()", "app.models", ""),
        (5, "attributes", "passed to helper()", "app.models.user", ""),
        (5, "calls", "helper()", "helper", "app.legacy|__name__.|__package__."),
        (6, "attributes", "passed to alias()", "app.models.Thing", ""),
        (6, "calls", "alias()", "alias", "__name__.old|__name__.moves"),
        (7, "calls", "Redirect()", "Redirect", "__name__."),
        (7, "calls", "app.models.factory()", "app.models.factory", ""),
        (7, "calls", "make()", "make", ""),
        (7, "namespace", "locals()", "", ""),
        (8, "attributes", "passed to os.register()", "app.models", ""),
        (9, "attributes", "passed to make()", "app.models.options", ""),
        (9, "calls", "make()", "make", ""),
        (10, "calls", "helper.install()", "helper.install", ""),
        (11, "attributes", "passed to make()", "app.models", ""),
        (11, "calls", "make()", "make", "__name__."),
    ]
