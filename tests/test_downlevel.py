"""PEP 695 files rewritten for CPython's ast give the same facts as the libcst parser."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from archguard.adapters.parsing.downlevel import extract_facts_downlevel, rewrite
from archguard.adapters.parsing.facts_cst import extract_facts_cst
from archguard.adapters.parsing.syntax_judge import all_issues
from archguard.domain.facts import SyntaxIssue

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

# PEP 701 f-strings, PEP 750 t-strings, PEP 758 ``except A, B:``: rewritten too, same extents.
STRINGS_AND_EXCEPT = {
    "fstrings.py": 'names = ["a"]\nmsg = f"{", ".join(names)}"\nfrom app import x\n',
    "fields.py": """\
        import importlib
        import app.models
        names = {"a": 1}
        x = f"{names["a"]} {importlib.import_module("app.x")!r:>{app.models.WIDTH}} {names = }"
        y = f\"\"\"{
            names["a"]  # a comment in a field
        }\"\"\" "plain" f'{f'{1}'}'
        z = f"{'\\n'.join(["a", "b"])}\\N{EM DASH} {{literal}}"
        w = t"hello {app.models.user}"
        __all__ = ["x", "y"]
        """,
    "excepts.py": """\
        try:
            import fast_json as json
        except ValueError, ImportError:
            import json
        try:
            pass
        except* KeyError, TypeError: import app.late
        try:
            import app.tight
        except ValueError,ImportError:  # no blank to spare: the colon moves
            pass
        """,
}
# ``except A,B: code`` has no blank to spare for the parentheses, and code whose columns would
# move: left to libcst. (Without the code after it, the colon may move: see excepts.py above.)
TOO_NEW_FOR_REWRITE = {"tight.py": "try:\n    import a\nexcept ValueError,ImportError: import b\n"}


def ruff_issues(tmp_path: Path, files: dict[str, str]) -> dict[str, list[SyntaxIssue]]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return all_issues(tmp_path, list(files), (3, 11))


@pytest.mark.parametrize("name", sorted(NEWER))
def test_rewritten_pep695_gives_the_facts_libcst_gives(tmp_path: Path, name: str) -> None:
    issues = ruff_issues(tmp_path, NEWER)[name]
    assert issues, "ruff should name the 3.12 constructs"
    source = textwrap.dedent(NEWER[name])
    facts = extract_facts_downlevel(source, issues)
    assert facts is not None
    assert facts == extract_facts_cst(source)


def test_line_numbers_survive_the_rewrite(tmp_path: Path) -> None:
    issues = ruff_issues(tmp_path, NEWER)["aliases.py"]
    source = textwrap.dedent(NEWER["aliases.py"])
    text, alias_lines = rewrite(source, issues)
    assert text.count("\n") == source.count("\n")
    assert alias_lines == {4, 5, 6, 11}
    assert "type " not in text and "[K" not in text


@pytest.mark.parametrize("name", sorted(STRINGS_AND_EXCEPT))
def test_rewritten_strings_and_excepts_give_the_facts_libcst_gives(tmp_path: Path, name: str) -> None:
    issues = ruff_issues(tmp_path, STRINGS_AND_EXCEPT)[name]
    assert issues, "ruff should name the newer constructs"
    source = textwrap.dedent(STRINGS_AND_EXCEPT[name])
    text, _ = rewrite(source, issues)
    # Same lines, same widths (an ``except`` line may grow after its colon, where no code is).
    widths = [(line.startswith("except"), len(line)) for line in source.split("\n")]
    new_widths = [len(line) for line in text.split("\n")]
    assert len(new_widths) == len(widths)
    assert all(new == old or (grows and new > old) for (grows, old), new in zip(widths, new_widths))
    facts = extract_facts_downlevel(source, issues)
    assert facts is not None
    assert facts == extract_facts_cst(source)
    assert facts.imports  # never equal because both are empty


def test_expressions_inside_rewritten_fields_keep_their_facts(tmp_path: Path) -> None:
    issues = ruff_issues(tmp_path, STRINGS_AND_EXCEPT)["fields.py"]
    facts = extract_facts_downlevel(textwrap.dedent(STRINGS_AND_EXCEPT["fields.py"]), issues)
    assert facts is not None
    assert [(f.module, f.line) for f in facts.imports if f.kind.value == "dynamic"] == [("app.x", 4)]
    assert {u.dotted for u in facts.attribute_uses} == {"app.models.WIDTH", "app.models.user"}
    assert facts.all_names == ("x", "y")


def test_facts_read_from_the_text_come_from_the_original(tmp_path: Path) -> None:
    files = {"swap.py": 'import sys\nmsg = f"{"x"}"\nsys.modules[__name__] = object()\n'}
    issues = ruff_issues(tmp_path, files)["swap.py"]
    facts = extract_facts_downlevel(files["swap.py"], issues)
    assert facts is not None and facts.replaces_module
    assert facts == extract_facts_cst(files["swap.py"])


def test_other_newer_syntax_is_left_to_libcst(tmp_path: Path) -> None:
    issues = ruff_issues(tmp_path, TOO_NEW_FOR_REWRITE)["tight.py"]
    assert issues
    assert extract_facts_downlevel(TOO_NEW_FOR_REWRITE["tight.py"], issues) is None
    assert [f.module for f in extract_facts_cst(TOO_NEW_FOR_REWRITE["tight.py"]).imports] == ["a", "b"]


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
    issues = ruff_issues(tmp_path, files)
    facts = extract_facts_downlevel(files["bound.py"], issues["bound.py"])
    assert facts is not None
    assert [u.dotted for u in facts.attribute_uses] == ["app.base.Node"]
    assert facts == extract_facts_cst(files["bound.py"])
    source = textwrap.dedent(files["more.py"])
    facts = extract_facts_downlevel(source, issues["more.py"])
    assert facts is not None
    assert {u.dotted for u in facts.attribute_uses} >= {"app.base.Node", "app.kinds.Leaf", "app.base.Default"}
    assert facts == extract_facts_cst(source)


def test_diagnostics_that_do_not_match_the_text_are_refused() -> None:
    wrong = [SyntaxIssue("x.py", 1, 1, "Cannot use type parameter lists on Python 3.11")]
    assert rewrite("x = 1\n", wrong) is None


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this interpreter parses PEP 695 itself")
def test_the_scanner_takes_the_rewrite_path_for_pep695_files(tmp_path: Path) -> None:
    import subprocess, json  # noqa: E401  (kept local: only this test runs the CLI)

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "types.py").write_text(textwrap.dedent(NEWER["aliases.py"]))
    run = subprocess.run([sys.executable, "-m", "archguard", "scan", str(tmp_path), "--no-cache", "--json", "-"],
                         capture_output=True, text=True, check=True)
    data = json.loads(run.stdout)
    assert data["summary"]["syntax_errors"] == 0 and data["summary"]["parsed_files"] == 2
