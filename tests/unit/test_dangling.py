"""Dangling imports: internal modules and names that do not exist, and only those."""

from __future__ import annotations

from archguard.analysis.dangling import dangling_violations, find_dangling
from archguard.domain.findings import Kind, Severity
from tests.helpers import make_table

TREE = {
    "app/__init__.py": "",
    "app/x.py": "class Thing: ...\n",
    "app/lazy.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
    "app/broken.py": "def f(:\n",
    "app/reexport.py": "from app.gone2 import Thing\n",
    "app/cyc_a.py": "from app.cyc_b import Z\n",
    "app/cyc_b.py": "from app.cyc_a import Z\n",
    "app/services/__init__.py": "",
    "app/services/user.py": """\
        from app.services.old_module import X
        from app.x import Gone
        from app.x import Thing
        import app.services.gone.deeper
        import os, requests
        from app.lazy import Anything
        from app.broken import Whatever
        from .. import x
        from ... import nothing
        try:
            from app.gone import Y
        except ImportError:
            Y = None
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from app.x import AlsoGone


        def f():
            import importlib
            importlib.import_module("app.vanished")
            importlib.import_module("app.x")
            from app import services
            from app.reexport import Thing
            from app.cyc_a import Z
            from app.gone3 import *
            from requests.adapters import Nope
        """,
    "scripts/fix-db.py": "from app.services.old_module import X\nfrom . import y\n",
    "tests/test_user.py": "from .helpers import make_user\nfrom app.x import Thing\n",
}


def _found(tree=TREE):
    table, files, facts = make_table(tree)
    return find_dangling(table, files, facts)


def test_exactly_the_missing_modules_and_names_are_dangling() -> None:
    assert [(d.path, d.line, d.imported, d.missing) for d in _found()] == [
        ("app/reexport.py", 1, "app.gone2", "module"),
        ("app/services/user.py", 1, "app.services.old_module", "module"),
        ("app/services/user.py", 2, "app.x:Gone", "name"),
        ("app/services/user.py", 4, "app.services.gone.deeper", "module"),
        ("app/services/user.py", 9, "...", "module"),
        ("app/services/user.py", 11, "app.gone", "module"),
        ("app/services/user.py", 16, "app.x:AlsoGone", "name"),
        ("app/services/user.py", 21, "app.vanished", "module"),
        ("app/services/user.py", 26, "app.gone3", "module"),
        ("scripts/fix-db.py", 1, "app.services.old_module", "module"),
        ("scripts/fix-db.py", 2, ".", "module"),
        ("tests/test_user.py", 1, "tests.helpers", "module"),
    ]


def test_flags_importer_and_statement_are_carried() -> None:
    by_line = {(d.path, d.line): d for d in _found()}
    guarded = by_line["app/services/user.py", 11]
    assert (guarded.guarded, guarded.type_checking) == (True, False)
    typing_only = by_line["app/services/user.py", 16]
    assert (typing_only.guarded, typing_only.type_checking) == (False, True)
    first = by_line["app/services/user.py", 1]
    assert first.importer == "app.services.user"
    assert first.statement == "from app.services.old_module import X"
    assert first.column == 1
    assert by_line["scripts/fix-db.py", 1].importer == "scripts/fix-db.py"


def test_violations_are_errors_unless_guarded() -> None:
    violations = dangling_violations(_found())
    by_line = {(v.path, v.line): v for v in violations}
    module = by_line["app/services/user.py", 1]
    assert (module.code, module.kind, module.severity) == ("AG201", Kind.DANGLING_IMPORT, Severity.ERROR)
    assert module.message == "no module named 'app.services.old_module'"
    assert (module.contract, module.fixable, module.reason) == (
        "dangling-imports", False, "nothing to rewrite to")
    assert module.fingerprint
    name = by_line["app/services/user.py", 2]
    assert (name.code, name.message) == ("AG202", "cannot import name 'Gone' from app.x")
    assert by_line["app/services/user.py", 11].severity is Severity.WARNING
    climbing = by_line["app/services/user.py", 9]
    assert climbing.message == "attempted relative import beyond top-level package: ... climbs above it"
    assert len({v.fingerprint for v in violations}) == len(violations)


def test_clean_tree_has_no_dangling_imports() -> None:
    assert _found({
        "app/__init__.py": "from .core import *\n",
        "app/core.py": "__all__ = ['A']\nA = 1\n",
        "app/user.py": "from app import A, core\nimport app.core\nfrom . import core as c\n",
    }) == []


def test_implicit_module_attributes_are_not_dangling() -> None:
    table, files, facts = make_table({
        "app/__init__.py": "",
        "app/logs.py": "from app import __path__ as app_path\nfrom app import __version__\n",
    })
    assert [d.imported for d in find_dangling(table, files, facts)] == ["app:__version__"]


def test_type_checking_imports_see_names_only_the_type_checker_sees() -> None:
    table, files, facts = make_table({
        "app/__init__.py": "",
        "app/shapes.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.protocols import Shape\n",
        "app/protocols.py": "class Shape: ...\n",
        "app/use.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.shapes import Shape\n"
            "from app.shapes import Shape as AtRunTime\n"
        ),
    })
    # under TYPE_CHECKING it resolves; at run time app.shapes has no Shape: that one is dangling
    assert [(d.path, d.line) for d in find_dangling(table, files, facts)] == [("app/use.py", 4)]


def test_a_module_that_writes_its_globals_may_have_any_name_a_warning_saying_where() -> None:
    table, files, facts = make_table({
        "app/__init__.py": "",
        "app/types.py": "for key in ['float64']:\n    globals()[key] = float\n",
        "app/use.py": "from app.types import float64\n",
    })
    [found] = find_dangling(table, files, facts)
    assert found.maybe == "its namespace escapes to code archguard does not follow: globals() at app/types.py:2"
    [violation] = dangling_violations([found])
    assert violation.severity is Severity.WARNING


def test_a_missing_module_is_one_finding_per_statement() -> None:
    table, files, facts = make_table({
        "app/__init__.py": "",
        "app/use.py": "from app.gone import A, B, C\nfrom app.gone import D\n",
    })
    assert [(d.line, d.imported) for d in find_dangling(table, files, facts)] == [
        (1, "app.gone"), (2, "app.gone"),
    ]


def test_relative_imports_in_a_file_outside_packages_say_so(tmp_path) -> None:
    from archguard.adapters.discovery import discover
    from archguard.adapters.parsing.facts_ast import extract_facts
    from archguard.analysis.symbols import SymbolTable
    from tests.helpers import write_tree

    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/ns/tool-x.py": "from . import layouts\n",  # namespace folder, non-identifier name
    })
    files = discover(tmp_path).files
    facts = {f.path: extract_facts((tmp_path / f.path).read_text()) for f in files}
    [dangling] = find_dangling(SymbolTable(files, facts), files, facts)
    assert dangling.message == "relative import . in a file that is not in a package"
