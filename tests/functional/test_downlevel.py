"""Newer syntax rewritten in place for this interpreter's ``ast`` gives the facts the code has.

The oracle is independent of the rewriter: a "twin" of each file, written here in syntax CPython
3.11 reads with the same layout (same lines, same columns of code), whose facts ``ast`` gives
directly; where no such twin exists (``except A,B: code``), the expected facts written out.
"""

from __future__ import annotations

import json
import sys
import textwrap
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from archguard.adapters.parsing.downlevel import TooNew, extract_facts_downlevel, rewrite
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.syntax_judge import all_issues
from archguard.domain.facts import Binding, BindingKind, FileFacts, SyntaxIssue
from tests.helpers import run_cli

NEWER = {
    "aliases.py": """\
        from collections.abc import Callable
        import app.models as models

        type UserId = int
        type Handler[T] = Callable[[T], None]
        type Pair[K: (str, bytes), V = "Node"] = dict[
            K,
            V,
        ]
        if True:
            type Inner = models.User
        """,
    "generics.py": """\
        from app.base import Base, make


        class Box[T](Base):
            def get[U](self, default: U) -> T | U:
                from app.late import thing
                return thing


        def first[T: (int, str)](
            items: list[T],
        ) -> T:
            return items[0]


        class Bare[T]:
            pass

        Alias = Box
        """,
    # facts other than bindings must survive the rewrite too
    "dynamic.py": """\
        import sys

        type UserId = int
        globals()["Late"] = 1
        sys.modules[__name__] = object()


        def setup():
            global Configured
            Configured = True
        """,
}
# The same code as 3.11 writes it, the same layout; the lines of ``type`` statements apart.
TWINS = {
    "aliases.py": (
        """\
        from collections.abc import Callable
        import app.models as models

        UserId      = int
        Handler         = Callable[[T], None]
        Pair                                   = dict[
            K,
            V,
        ]
        if True:
            Inner      = models.User
        """,
        {4, 5, 6, 11},
    ),
    "generics.py": (
        """\
        from app.base import Base, make


        class Box   (Base):
            def get   (self, default: U) -> T | U:
                from app.late import thing
                return thing


        def first               (
            items: list[T],
        ) -> T:
            return items[0]


        class Bare   :
            pass

        Alias = Box
        """,
        set(),
    ),
    "dynamic.py": (
        """\
        import sys

        UserId      = int
        globals()["Late"] = 1
        sys.modules[__name__] = object()


        def setup():
            global Configured
            Configured = True
        """,
        {3},
    ),
}

# PEP 701 f-strings, PEP 750 t-strings: rewritten too, same extents. Their twins swap quotes.
STRINGS = {
    "fstrings.py": ('names = ["a"]\nmsg = f"{", ".join(names)}"\nfrom app import x\n',
                    "names = [\"a\"]\nmsg = f\"{', '.join(names)}\"\nfrom app import x\n"),
    "fields.py": (
        """\
        import importlib
        import app.models
        names = {"a": 1}
        x = f"{names["a"]} {importlib.import_module("app.x")!r:>{app.models.WIDTH}} {names = }"
        z = f"{'\\n'.join(["a", "b"])}\\N{EM DASH} {{literal}}"
        w = t"hello {app.models.user}"
        __all__ = ["x", "z"]
        """,
        """\
        import importlib
        import app.models
        names = {"a": 1}
        x = f"{names['a']} {importlib.import_module('app.x')!r:>{app.models.WIDTH}} {names = }"
        z = f"{'  '.join(['a', 'b'])}\\N{EM DASH} {{literal}}"
        w = f"hello {app.models.user}"
        __all__ = ["x", "z"]
        """,
    ),
    # ``\\{`` is a backslash, then a field (the lexer once took the brace for an escape)
    "brace_escape.py": (
        'import app.x\nimport importlib\np = rf"\\{{{importlib.import_module("app.plug")}}}"\n'
        'q = f"{app.x.y!r}\\{app.x.z}"\n',
        "import app.x\nimport importlib\np = rf\"\\{{{importlib.import_module('app.plug')}}}\"\n"
        'q = f"{app.x.y!r}\\{app.x.z}" ; "{"\n',
    ),
    # CRLF line ends and an implicit concatenation over a continuation line
    "crlf.py": (
        'import importlib\r\nmsg = "a" \\\r\n    f"{importlib.import_module("app.crlf")}"\r\nfrom app import z\r\n',
        "import importlib\nmsg = \"a\" \\\n    f\"{importlib.import_module('app.crlf')}\"\nfrom app import z\n",
    ),
}

# PEP 758 ``except A, B:`` has no twin of the same layout: the expected facts are written out.
EXCEPTS = """\
    try:
        import fast_json as json
    except ValueError, ImportError:
        import json
    try:
        pass
    except* KeyError, TypeError: import app.late
    try:
        import app.tight
    except ValueError,ImportError: import app.fallback
    try:
        import app.continued
    except ValueError,\\
           ImportError: import app.after_continued
    try:
        import app.dotted
    except errors.Missing,ImportError:from app import dotted_fallback
    """


def ruff_issues(tmp_path: Path, files: dict[str, str]) -> dict[str, list[SyntaxIssue]]:
    for name, text in files.items():
        (tmp_path / name).write_bytes(textwrap.dedent(text).encode("utf-8"))
    return all_issues(tmp_path, list(files), (3, 11))


def down_levelled(tmp_path: Path, name: str, text: str) -> FileFacts:
    issues = ruff_issues(tmp_path, {name: text})[name]
    assert issues, "ruff should name the newer constructs"
    facts = extract_facts_downlevel(textwrap.dedent(text), issues)
    assert isinstance(facts, FileFacts), facts
    return facts


def twin_facts(twin: str, type_alias_lines: set[int]) -> FileFacts:
    """The twin's facts; its bindings on ``type_alias_lines`` are the type aliases they stand for
    (a type alias has no alias target: it is not another name of an existing object)."""
    with warnings.catch_warnings():  # the twin's ``\\{``: an invalid escape, as in the original
        warnings.simplefilter("ignore")
        facts = extract_facts(textwrap.dedent(twin))
    bindings = tuple(
        Binding(b.name, BindingKind.TYPE_ALIAS, b.line, conditional=b.conditional)
        if b.line in type_alias_lines
        else b
        for b in facts.bindings
    )
    return replace(facts, bindings=bindings)


@pytest.mark.parametrize("name", sorted(NEWER))
def test_rewritten_pep695_gives_the_facts_of_its_twin(tmp_path: Path, name: str) -> None:
    facts = down_levelled(tmp_path, name, NEWER[name])
    twin, alias_lines = TWINS[name]
    assert facts == twin_facts(twin, alias_lines)
    assert facts.imports


def test_type_aliases_and_their_facts(tmp_path: Path) -> None:
    facts = down_levelled(tmp_path, "aliases.py", NEWER["aliases.py"])
    assert [(b.name, b.kind, b.line, b.conditional) for b in facts.bindings] == [
        ("UserId", BindingKind.TYPE_ALIAS, 4, False),
        ("Handler", BindingKind.TYPE_ALIAS, 5, False),
        ("Pair", BindingKind.TYPE_ALIAS, 6, False),
        ("Inner", BindingKind.TYPE_ALIAS, 11, True),
    ]
    assert [(u.dotted, u.line) for u in facts.attribute_uses] == [("app.models.User", 11)]
    dynamic = down_levelled(tmp_path, "dynamic.py", NEWER["dynamic.py"])
    assert dynamic.replaces_module and dynamic.function_globals == ("Configured",)
    assert {(f.kind.value, f.construct) for f in dynamic.dynamic} == {
        ("namespace", "globals()"), ("namespace", "sys.modules[__name__] = ...")}


def test_line_numbers_survive_the_rewrite(tmp_path: Path) -> None:
    issues = ruff_issues(tmp_path, NEWER)["aliases.py"]
    source = textwrap.dedent(NEWER["aliases.py"])
    rewritten = rewrite(source, issues)
    assert rewritten is not None
    text, alias_lines = rewritten
    assert text.count("\n") == source.count("\n")
    assert alias_lines == {4, 5, 6, 11}
    assert "type " not in text and "[K" not in text


@pytest.mark.parametrize("name", sorted(STRINGS))
def test_rewritten_strings_give_the_facts_of_their_twin(tmp_path: Path, name: str) -> None:
    source, twin = STRINGS[name]
    facts = down_levelled(tmp_path, name, source)
    assert same_quotes(facts) == same_quotes(twin_facts(twin, set()))
    assert facts.imports  # never equal because both are empty


def same_quotes(facts: FileFacts) -> FileFacts:
    """A dynamic import's statement is the call as written: the twin's has its quotes swapped."""
    imports = tuple(f._replace(statement=f.statement.replace("'", '"')) for f in facts.imports)
    return replace(facts, imports=imports)


def test_expressions_inside_rewritten_fields_keep_their_facts(tmp_path: Path) -> None:
    facts = down_levelled(tmp_path, "fields.py", STRINGS["fields.py"][0])
    assert [(f.module, f.line) for f in facts.imports if f.kind.value == "dynamic"] == [("app.x", 4)]
    assert {u.dotted for u in facts.attribute_uses} == {"app.models.WIDTH", "app.models.user"}
    assert facts.all_names == ("x", "z")
    escaped = down_levelled(tmp_path, "brace_escape.py", STRINGS["brace_escape.py"][0])
    assert [f.module for f in escaped.imports] == ["app.x", "importlib", "app.plug"]
    assert [(u.dotted, u.line, u.column) for u in escaped.attribute_uses] == [
        ("app.x.y", 4, 8), ("app.x.z", 4, 20)]


def test_pep758_excepts_keep_every_column_and_are_read_as_tuples(tmp_path: Path) -> None:
    issues = ruff_issues(tmp_path, {"excepts.py": EXCEPTS})["excepts.py"]
    source = textwrap.dedent(EXCEPTS)
    rewritten = rewrite(source, issues)
    assert rewritten is not None
    assert [len(line) for line in rewritten[0].split("\n")] == [len(line) for line in source.split("\n")]
    assert "except ValueError| ImportError:" in rewritten[0]
    facts = down_levelled(tmp_path, "excepts.py", EXCEPTS)
    got = [(f.module, f.name, f.line, f.column, f.guarded) for f in facts.imports]
    assert got == [
        ("fast_json", None, 2, 5, True),  # ImportError among the types: a guarded import
        ("json", None, 4, 5, False),
        ("app.late", None, 7, 30, False),
        ("app.tight", None, 9, 5, True),
        ("app.fallback", None, 10, 32, False),
        ("app.continued", None, 12, 5, True),
        ("app.after_continued", None, 14, 21, False),
        ("app.dotted", None, 16, 5, True),
        ("app", "dotted_fallback", 17, 35, False),
    ]


def test_blank_and_comment_lines_inside_type_parameter_lists(tmp_path: Path) -> None:
    source = """\
        import app.models


        class Box[
            T,  # don't: a lone quote in a comment

            U: app.models.Base = "x\\"y",
            V: \"\"\"a
            multi-line ' bound\"\"\" = app.models.Default,
        ](app.models.Root):
            from app.inner import thing


        def first[
            T

        ](items: list[T]) -> T:
            import app.lazy
            return items[0]
        """
    facts = down_levelled(tmp_path, "blank.py", source)
    assert [(f.module, f.line, f.in_function) for f in facts.imports] == [
        ("app.models", 1, False), ("app.inner", 11, False), ("app.lazy", 18, True)]
    assert [(b.name, b.kind, b.line, b.bases) for b in facts.bindings] == [
        ("Box", BindingKind.CLASS, 4, ("app.models.Root",)), ("first", BindingKind.FUNCTION, 14, ())]
    assert [(u.dotted, u.line, u.column) for u in facts.attribute_uses] == [
        ("app.models.Base", 7, 8), ("app.models.Default", 9, 29), ("app.models.Root", 10, 3)]


def test_dotted_bounds_keep_their_attribute_use(tmp_path: Path) -> None:
    files = {
        "bound.py": "import app.base as base\n\n\nclass Box[T: base.Node]:\n    pass\n",
        "more.py": """\
            import app.base as base
            import app.kinds


            class Bäx[Tä: (base.Node,
                          app.kinds.Leaf), *Ts, U = base.Default](base.Root):
                def get[V: base.Node](self) -> V: ...


            type Alias[K: app.kinds.Key] = dict[K, base.Value]
            """,
    }
    facts = down_levelled(tmp_path, "bound.py", files["bound.py"])
    assert [(u.dotted, u.line, u.column) for u in facts.attribute_uses] == [("app.base.Node", 4, 14)]
    facts = down_levelled(tmp_path, "more.py", files["more.py"])
    assert {u.dotted for u in facts.attribute_uses} >= {"app.base.Node", "app.kinds.Leaf", "app.base.Default"}
    assert ("app.base.Root", 6, 55) in {(u.dotted, u.line, u.column) for u in facts.attribute_uses}


def test_facts_read_from_the_text_come_from_the_original(tmp_path: Path) -> None:
    facts = down_levelled(tmp_path, "swap.py", 'import sys\nmsg = f"{"x"}"\nsys.modules[__name__] = object()\n')
    assert facts.replaces_module


def test_what_cannot_be_rewritten_names_the_construct_and_the_python_that_reads_it(tmp_path: Path) -> None:
    # A conditional expression among the types: a ``|`` would regroup it, so no same-width form.
    source = "import errs\ntry:\n    import a\nexcept errs.A if errs else errs.B, ImportError: import b\n"
    issues = ruff_issues(tmp_path, {"regroup.py": source})["regroup.py"]
    found = extract_facts_downlevel(source, issues)
    assert isinstance(found, TooNew)
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert found.reason == (
        f"uses Python 3.14 syntax archguard running on Python {running} cannot read: Multiple"
        " exception types must be parenthesized (line 4); run archguard under Python 3.14 to analyse it"
    )


def test_diagnostics_that_do_not_match_the_text_are_refused() -> None:
    wrong = [SyntaxIssue("x.py", 1, 1, "Cannot use type parameter lists on Python 3.11")]
    assert rewrite("x = 1\n", wrong) is None
    assert isinstance(extract_facts_downlevel("x = 1\n", wrong), TooNew)
    future = [SyntaxIssue("x.py", 1, 1, "Cannot use `lazy` imports on Python 3.11 (syntax was added in Python 3.15)")]
    too_new = extract_facts_downlevel("lazy import json\n", future)
    assert isinstance(too_new, TooNew) and "run archguard under Python 3.15" in too_new.reason


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this interpreter parses PEP 695 itself")
def test_the_scanner_takes_the_rewrite_path_for_pep695_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "types.py").write_text(textwrap.dedent(NEWER["aliases.py"]))
    run = run_cli("scan", tmp_path, "--no-cache", "--json", "-")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["summary"]["syntax_errors"] == 0 and data["summary"]["parsed_files"] == 2


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this interpreter reads PEP 758 itself")
def test_a_file_this_interpreter_cannot_read_is_unreadable_not_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "regroup.py").write_text(
        "try:\n    import a\nexcept A if B else C, ImportError: import b\n")
    for _ in range(2):  # never cached as such: an archguard on a newer Python must read it
        run = run_cli("scan", tmp_path, "--json", "-")
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        assert data["summary"]["syntax_errors"] == 0 and data["summary"]["unreadable_files"] == 1
        (unreadable,) = data["unreadable_files"]
        assert unreadable["path"] == "pkg/regroup.py"
        assert "uses Python 3.14 syntax" in unreadable["reason"] and "(line 3)" in unreadable["reason"]


def test_newer_syntax_first_then_a_real_fault_is_the_faults_syntax_error(tmp_path: Path) -> None:
    """CPython objects to line 1 (newer syntax); the judge for the target finds the real fault."""
    (tmp_path / "late_fault.py").write_text("type X = int\n" + "a = 1\n" * 10 + "def f(:\n    pass\n")
    run = run_cli("scan", tmp_path, "--no-cache", "--json", "-")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert [(e["path"], e["line"]) for e in data["syntax_errors"]] == [("late_fault.py", 12)]
