"""A walk through history derives each commit from the one before (``Engine.at_commit``): the
commit's engine takes its parent's symbol table (``SymbolTable.derived``, the parent left as it
was), its index and facet dependents, and its discovery patched when files only came or went
(``discovery.after_commit``). Every result here is compared with ``check --no-cache`` on a checkout
of the same commit (docs/history.md, "How a commit is read")."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from archguard.adapters.discovery import after_commit, discover
from archguard.app import Options
from archguard.app import tree as tree_module
from archguard.app.engine import Engine
from tests.functional.test_engine import checkout_of, full_run, without_root
from tests.functional.test_history import commit, git
from tests.helpers import comparable_json, run_cli, write_tree

BASE = {
    "app/__init__.py": "",
    "app/hub.py": "class Settings:\n    pass\n\n\nSETTINGS = Settings()\nLEGACY = 1\n",
    "app/shim.py": "from app.hub import Settings, SETTINGS, LEGACY\n",
    "app/core/__init__.py": "",
    "app/core/store.py": "from app.shim import SETTINGS\n\n\ndef get():\n    return SETTINGS\n",
    "app/plugins/tools/plugin.py": "from app.hub import LEGACY\n",  # a folder without __init__.py: loose
    "app/late.py": "from app.extra import EXTRA_NAME\n",  # dangling until a commit adds app/extra.py
    **{
        f"app/user{i}.py": f"from app.hub import SETTINGS\nfrom app.shim import Settings\nN = {i}\n"
        for i in range(6)
    },
    "contracts/settings.toml": '[[concept]]\nname = "settings"\ncanonical = "app.hub:Settings"\n',
    # files no change reaches: a commit's engine derives only what a change reaches (a small
    # share of the tree, as in a real one), on its parent's table and index
    **{f"app/leaf{i}.py": f"def leaf{i}():\n    return {i}\n" for i in range(30)},
}


def as_checked(engine: Engine) -> object:
    return without_root(comparable_json(engine.results()))


def as_checkout(root: Path, sha: str, where: Path) -> object:
    return without_root(full_run(checkout_of(root, sha, where)))


@pytest.fixture
def branching(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A parent commit and two children on two branches, each changing what other files consult:
    one drops a name two files import (dangling imports appear), the other removes the shim's
    re-exports (its importers break another way; the shim consults those names of the hub no
    more) and edits the hub; then a grandchild adds the module an import dangled for."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shas = {"before": commit(root, "before", BASE)}
    shas["parent"] = commit(root, "parent", {"app/leaf0.py": "def leaf0():\n    return -1\n"})
    shas["first"] = commit(
        root, "drop LEGACY", {"app/hub.py": "class Settings:\n    pass\n\n\nSETTINGS = Settings()\n"}
    )
    git(root, "checkout", "-q", "-b", "other", shas["parent"])
    shas["second"] = commit(
        root,
        "the shim re-exports less, the hub more",
        {"app/shim.py": "from app.hub import SETTINGS\n", "app/hub.py": BASE["app/hub.py"] + "EXTRA = 2\n"},
    )
    shas["grandchild"] = commit(
        root,
        "the store imports the hub; the module an import dangled for",
        {"app/core/store.py": "from app.hub import EXTRA\n", "app/extra.py": "EXTRA_NAME = 1\n"},
    )
    return root, shas


def test_a_parent_asked_for_two_children_in_turn_gives_each_its_own_rows(
    branching: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, shas = branching
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    before = Engine.open_at_commit(options, shas["before"])
    before.results()
    parent = before.at_commit(shas["parent"])  # itself a commit's engine: it hands over all it holds
    parent_result = as_checked(parent)
    assert parent_result == as_checkout(root, shas["parent"], tmp_path / "p")
    first = parent.at_commit(shas["first"])
    first_result = as_checked(first)
    second = parent.at_commit(shas["second"])  # the same parent again, after its first child
    second_result = as_checked(second)
    assert not first.full_derivation and not second.full_derivation  # each from its parent's state
    assert first_result == as_checkout(root, shas["first"], tmp_path / "c1")
    assert second_result == as_checkout(root, shas["second"], tmp_path / "c2")
    assert first_result != second_result != parent_result  # the three commits differ, as checked
    # the parent's table and facet index are the children's too (shared, copied where a child
    # changes them), yet neither child's change reached the parent: asked again, it answers as before
    assert first.table is not parent.table and second.table is not parent.table
    assert as_checked(parent.at_commit(shas["first"])) == first_result
    assert as_checked(parent) == parent_result
    # a child walks on from its own state after its sibling was made from the same parent
    grandchild = second.at_commit(shas["grandchild"])
    assert as_checked(grandchild) == as_checkout(root, shas["grandchild"], tmp_path / "g")
    assert as_checked(first.at_commit(shas["grandchild"])) == as_checked(grandchild)
    for engine, extra, reexported, legacy in (
        (parent, False, True, True),
        (first, False, True, False),
        (second, False, False, True),
        (grandchild, True, False, True),
    ):
        table = engine.table
        assert table.module_exists("app.extra") is extra
        assert table.resolve("app.shim", "Settings").found is reexported
        assert table.resolve("app.hub", "LEGACY").found is legacy


@pytest.fixture
def coming_and_going(tmp_path: Path) -> tuple[Path, list[str]]:
    """Commits that add and remove modules: each changes a dangling import's finding; one adds a
    loose module (a folder without __init__.py, as spack's packages are) its importer names."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {
        **BASE,
        "app/core/reader.py": "from app.core.feature import thing\nimport app.plugins.extra.plugin\n",
        "notes.txt": "not code\n",
    }
    shas = [commit(root, "importers of what is not there yet", files)]
    shas.append(
        commit(
            root,
            "add the module: its importer resolves",
            {"app/core/feature.py": "def thing():\n    return 1\n"},
        )
    )
    shas.append(commit(root, "add a loose module", {"app/plugins/extra/plugin.py": "X = 1\n"}))
    shas.append(commit(root, "add a file that is no module", {"docs/readme.txt": "hello\n"}))
    shas.append(commit(root, "remove the module: dangling again", remove=("app/core/feature.py",)))
    shas.append(commit(root, "remove the loose module", remove=("app/plugins/extra/plugin.py",)))
    return root, shas


def test_commits_adding_and_removing_modules_keep_the_discovery_patched_and_the_rows_right(
    coming_and_going: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, shas = coming_and_going
    engine = Engine.open_at_commit(Options(root=root, cache_dir=tmp_path / "cache", jobs=1), shas[0])
    dangling = [len(engine.results().scan.dangling)]

    def no_discovery(*args: object, **kwargs: object) -> None:
        raise AssertionError("a commit whose files only came or went was discovered anew")

    for n, sha in enumerate(shas[1:], start=1):
        with monkeypatch.context() as patched:
            patched.setattr(tree_module, "discover_files", no_discovery)
            engine = engine.at_commit(sha)
            result = as_checked(engine)
        assert result == as_checkout(root, sha, tmp_path / f"c{n}"), n
        dangling.append(len(engine.results().scan.dangling))
    # the added module resolves its importer; removed, the import dangles again (the loose module too)
    assert dangling[1] == dangling[0] - 1 and dangling[2] == dangling[1] - 1
    assert dangling[3] == dangling[2] and dangling[4] == dangling[3] + 1 and dangling[5] == dangling[4] + 1


def test_history_rows_of_coming_and_going_modules_equal_checkouts(
    coming_and_going: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = coming_and_going
    ran = run_cli("history", root, "--json", tmp_path / "h.json", "--cache-dir", tmp_path / "cache", "-q")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads((tmp_path / "h.json").read_text())["commits"]
    assert [r["commit"] for r in rows] == shas
    for i, (sha, row) in enumerate(zip(shas, rows, strict=True)):
        tree = checkout_of(root, sha, tmp_path / f"c{i}")
        checked = run_cli("check", tree, "--no-cache", "--json", tmp_path / f"c{i}.json", "-q")
        found = json.loads((tmp_path / f"c{i}.json").read_text())
        assert row["summary"] == {key: found["summary"][key] for key in row["summary"]}, (i, checked.stderr)


@pytest.mark.parametrize(
    ("added", "removed"),
    [
        (["app/core/__init__.py"], []),  # a package marker: other files' names change
        (["pyproject.toml"], []),  # configuration: the layout may change
        (["app/core/fast.pyi"], []),  # a stub
        (["app/core/fast.cpython-312-x86_64-linux-gnu.so"], []),
        (["newtop/mod.py"], []),  # a new top folder may be a new package
        ([], ["odd-name.py"]),  # named by its path: it may have yielded its dotted name to another
        (["app/plugins/tools/plugin2.py", "app/plugins/tools/plugin2.py"], []),  # one new name twice
        (["app/user0.py"], []),  # a name a file has
    ],
)
def test_after_commit_discovers_anew_whatever_may_change_other_files(
    tmp_path: Path, added: list[str], removed: list[str]
) -> None:
    files = dict.fromkeys(BASE, "") | {"odd-name.py": ""}
    root = tmp_path / "tree"
    for path in files:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")
    found = discover(root, listing=None)
    paths = set(files) | set(added)
    modules = {f.module for f in found.files}
    patched = after_commit(
        root, found, added=added, removed=removed, is_file=paths.__contains__, modules=modules
    )
    assert patched is None, (added, removed)


def test_after_commit_names_new_files_as_discovery_does(tmp_path: Path) -> None:
    files = [*BASE, "app/core/new.py", "app/plugins/fresh/plugin.py", "app/0001_initial.py", "README.md"]
    root = tmp_path / "tree"
    for path in files:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")
    before_files = [*BASE, "README.md"]
    whole = discover(root)
    earlier = replace(whole, files=[f for f in whole.files if f.path in before_files])
    added = ["app/core/new.py", "app/plugins/fresh/plugin.py", "app/0001_initial.py", "data.csv"]
    patched = after_commit(
        root,
        earlier,
        added=added,
        removed=[],
        is_file=set(files).__contains__,
        modules={f.module for f in earlier.files},
    )
    assert patched is not None
    assert patched.files == whole.files
    assert patched.packages == whole.packages


def test_a_commits_stubs_are_read_from_its_blobs_not_the_working_tree(tmp_path: Path) -> None:
    """A ``.pyi`` beside a module says which names it serves (docs/dangling.md, "Stubs"): each
    commit's own stub counts, whatever the working tree holds, and a commit that changes only a
    stub is derived again (no file's record says it consulted the stub)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = {"app/__init__.py": "", "app/x.py": "", "app/user.py": "from app.x import Y\n"}
    shas = [commit(root, "a stub that binds no Y", {**base, "app/x.pyi": "Y: int\n"})]
    shas.append(commit(root, "the stub serves Y", {"app/x.pyi": "def Y() -> int: ...\n"}))
    shas.append(commit(root, "the user changes too", {"app/user.py": "from app.x import Y\nZ = 1\n"}))
    shas.append(commit(root, "no stub", remove=("app/x.pyi",)))
    expected = [as_checkout(root, sha, tmp_path / f"c{i}") for i, sha in enumerate(shas)]
    dangling = [len(e["dangling_imports"]) for e in expected]  # type: ignore[index]
    assert dangling == [1, 0, 0, 1]
    write_tree(root, {"app/x.pyi": "Y: int\n"})  # the working tree's stub is none of theirs
    ran = run_cli("history", root, "--json", tmp_path / "h.json", "--cache-dir", tmp_path / "cache", "-q")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads((tmp_path / "h.json").read_text())["commits"]
    assert [r["summary"]["dangling_imports"] for r in rows] == dangling
    engine = Engine.open_at_commit(Options(root=root, cache_dir=tmp_path / "cache", jobs=1), shas[-1])
    assert as_checked(engine) == expected[-1]
    for i in (2, 1, 0, 3):
        engine = engine.at_commit(shas[i])
        assert as_checked(engine) == expected[i], i
