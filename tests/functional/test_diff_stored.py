"""``diff`` reads a side from the store when a check or an earlier diff left its results there
(docs/history.md, "archguard diff"): the check's result, the module structure and the clusters of
a tree, under a key naming every file's outcome. What diff derives of a commit goes into its own
entry, never into the values ``check`` keeps of the working tree (one each), and a stored value is
never another tree's: every answer is the one a diff without a cache gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archguard.adapters.cache.entries import DIFF_SIDES
from archguard.analysis.discover.structure import ModuleStructure
from archguard.app import Options, keys
from archguard.app import diff as diff_module
from archguard.app.engine import Engine, commit_store
from archguard.domain.history import DiffResult
from tests.functional.test_history import commit, git
from tests.helpers import run_cli, write_tree

FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/manager.py": "class Manager:\n    pass\n",
    "app/core/compat.py": "from app.core.manager import Manager\n",
    "app/a.py": "from app.core.compat import Manager\n",
    "app/b.py": "from app.core.manager import Manager\n",
    "app/core/x.py": "import app.core.y\n",
    "app/core/y.py": "X = 1\n",
    "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core.manager:Manager"\n',
}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A base, and a head that adds a shim, a path to the manager through it (a violation; the
    cluster's score rises) and a cycle."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = commit(root, "base", FILES)
    head = commit(
        root,
        "a violation, a cycle, another path",
        {
            "app/api.py": "from app.core.manager import Manager\n",
            "app/c.py": "from app.api import Manager\n",
            "app/core/y.py": "import app.core.x\nX = 1\n",
        },
    )
    return root, base, head


def plain(result: DiffResult) -> dict[str, Any]:
    from archguard.reporting.diff_report import diff_to_json

    found = diff_to_json(result, tool_version="test")
    found.pop("duration_s", None)
    return found


def diff(root: Path, cache: Path | None, base: str, head: str | None = None) -> dict[str, Any]:
    options = Options(root=root, cache_dir=cache, no_cache=cache is None, jobs=1)
    return plain(diff_module.run_diff(options, base, head))


def test_a_second_diff_reads_both_sides_back_and_says_what_a_diff_without_cache_says(
    repo: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base, head = repo
    cache = tmp_path / "cache"
    expected = diff(root, None, base, head)
    assert expected["new_violations"] and expected["cycles_new"] and expected["clusters_rose"]
    assert expected["shims_new"]
    assert diff(root, cache, base, head) == expected  # derived, and kept
    with monkeypatch.context() as patched:  # nothing derived, no structure made: all read back
        patched.setattr(Engine, "_derive", lambda self: pytest.fail("derived"))
        patched.setattr(ModuleStructure, "update", lambda *a: pytest.fail("structure made"))
        assert diff(root, cache, base, head) == expected
        assert diff(root, cache, base) == expected | {"head": "working tree"}  # HEAD's files


def test_a_diff_leaves_the_checks_own_results_in_place(repo: tuple[Path, str, str], tmp_path: Path) -> None:
    root, base, head = repo
    cache = tmp_path / "cache"
    assert run_cli("check", root, "--cache-dir", cache, "-q").returncode == 1
    diff(root, cache, base, head)
    engine = Engine.open(root, Options(root=root, cache_dir=cache, jobs=1))
    engine.results()
    assert engine.derivations == 0  # the working tree's results, as check left them
    # diff's own entry holds what the check's values do not: both structures, the base's results
    kept = commit_store(engine.options).load(DIFF_SIDES, keys.diff_sides()) or {}
    assert sorted(name for name, _, _ in kept) == ["check", "scan", "structure", "structure"]


def test_a_stored_side_is_never_another_trees(repo: tuple[Path, str, str], tmp_path: Path) -> None:
    """Each way a stored value could stand for another tree with the same paths: the check's of a
    working tree that differs from the head, an earlier diff's of another head and base."""
    root, base, head = repo
    cache = tmp_path / "cache"
    # the working tree differs from HEAD (the violation fixed): check keeps that tree's results
    write_tree(root, {"app/c.py": "from app.core.manager import Manager\n"})
    assert run_cli("check", root, "--cache-dir", cache, "-q").returncode == 1
    assert diff(root, cache, base, head) == diff(root, None, base, head)
    git(root, "checkout", "-q", "--", ".")
    # another head with the same files (the cycle broken, the violation kept), and another base
    # with the same files as the first base (one module changed)
    other = commit(root, "break the cycle", {"app/core/y.py": "X = 1\n"})
    assert diff(root, cache, base, other) == diff(root, None, base, other)
    git(root, "checkout", "-q", "-b", "side", base)
    other_base = commit(root, "the base, otherwise", {"app/b.py": "from app.core.compat import Manager\n"})
    git(root, "checkout", "-q", "main")
    for pair in ((other_base, head), (other_base, other), (base, head)):
        assert diff(root, cache, *pair) == diff(root, None, *pair), pair


def test_the_base_reads_again_the_definitions_of_every_file_the_head_holds_otherwise(tmp_path: Path) -> None:
    """The base's clusters read what the head's engine kept of each file (its records' pieces,
    passes/structure.py) only where the file's version is the same: a rival defined only in the
    base is the base's (its clusters are those of the base analysed alone), and the diff says the
    cluster rose when it comes back."""
    from archguard.app.history import architecture_of

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    store = "class SessionStore:\n    def get(self):\n        pass\n\n    def put(self):\n        pass\n"
    rival, other = "import app.one\n\n\n" + store, "import app.one\n\n\nclass Other:\n    pass\n"
    user = "from app.one import SessionStore\nfrom app.two import SessionStore as Twin\n"
    files = {"app/__init__.py": "", "app/one.py": store, "app/two.py": rival, "app/user.py": user}
    base = commit(root, "base", files)
    head = commit(root, "the rival gone", {"app/two.py": other})
    again = commit(root, "the rival back", {"app/two.py": rival})
    options = Options(root=root, no_cache=True, jobs=1)
    alone = architecture_of(Engine.open_at_commit(options, base), clusters=True)
    assert [c.name for c in alone.clusters or []] == ["session-store"]
    head_engine = Engine.open_at_commit(options, head)
    structure = ModuleStructure()
    head_side = architecture_of(head_engine, clusters=True, structure=structure)
    assert head_side.clusters == []
    base_engine = head_engine.at_commit(base)
    base_side = architecture_of(base_engine, clusters=True, structure=structure)
    assert base_engine.rederived == 2  # app/two.py and app/user.py (its import of it): the rest kept
    assert base_side.clusters == alone.clusters
    assert [r["name"] for r in diff(root, None, head, again)["clusters_rose"]] == ["session-store"]


def check(root: Path, cache: Path) -> None:
    """What ``archguard check`` does to the cache: the working tree's results and state kept."""
    Engine.open(root, Options(root=root, cache_dir=cache, jobs=1)).results()


def test_a_first_diff_after_a_check_builds_the_heads_structure_from_the_checks_state(
    repo: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request's first diff after a warm check: neither side stored, and each file's share
    of both sides' structure and clusters read from what the check keeps in its records
    (passes/structure.py), not from the file's facts; the answer is a diff's without a cache, the
    first time and again."""
    from archguard.analysis.discover import structure as structure_module

    root, base, head = repo
    cache = tmp_path / "cache"
    check(root, cache)
    expected = diff(root, None, base, head)
    with monkeypatch.context() as patched:
        patched.setattr(structure_module, "import_sites", lambda *a: pytest.fail("facts read"))
        assert diff(root, cache, base, head) == expected
        assert diff(root, cache, base, head) == expected
        # the working tree as the head (HEAD's files, read from their blobs), another base
        assert diff(root, cache, base) == expected | {"head": "working tree"}
        assert diff(root, cache, head) == diff(root, None, head)


@pytest.mark.parametrize("change", ["edited", "renamed", "contracts"])
def test_what_check_keeps_of_a_file_is_never_an_older_versions(
    repo: tuple[Path, str, str], tmp_path: Path, change: str
) -> None:
    """What diff reads of a file from the check's state stands only for the version the check
    derived: after a commit the check has not seen that changes a file's imports, definitions or
    shim-ness, or its module name, or after the contracts changed, each diff (with a check in
    between or not) says what a diff without a cache says."""
    root, base, head = repo
    cache = tmp_path / "cache"
    check(root, cache)
    if change == "edited":  # the shim keeps a name of its own, the cycle is gone, a rival comes
        files: dict[str, str | bytes] = {
            "app/core/compat.py": "from app.core.manager import Manager\n\n\ndef helper():\n    pass\n",
            "app/core/y.py": "X = 1\n",
            "app/core/rival.py": "class Manager:\n    def run(self):\n        pass\n",
            "app/b.py": "from app.core.manager import Manager\nfrom app.core.rival import Manager as M2\n",
        }
        later = commit(root, "edit", files)
    elif change == "renamed":  # the same contents under other module names
        git(root, "mv", "app/core/compat.py", "app/core/old.py")
        later = commit(root, "rename", {"app/a.py": "from app.core.old import Manager\n"})
    else:
        later = commit(
            root,
            "contracts",
            {
                "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core.compat:Manager"\n'
            },
        )
    for pair in ((head, later), (base, later)):
        assert diff(root, cache, *pair) == diff(root, None, *pair), pair
    assert diff(root, cache, head) == diff(root, None, head)  # the working tree (HEAD's files)
    check(root, cache)
    for pair in ((base, later), (head, later)):
        assert diff(root, cache, *pair) == diff(root, None, *pair), pair


def test_only_a_tree_git_lists_keeps_what_diff_reads_of_each_file(
    repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    """A plain folder can never be diffed: its check runs no structure pass (nothing added to a
    cold check's work or its state); a checkout's does, and diff reads it."""
    root, base, head = repo
    plain_root = tmp_path / "plain"
    write_tree(plain_root, FILES)
    plain = Engine.open(plain_root, Options(root=plain_root, cache_dir=tmp_path / "plain-cache", jobs=1))
    plain.results()
    assert not plain.runs_pass("structure") and plain.kept_pieces("structure") is None
    checkout = Engine.open(root, Options(root=root, cache_dir=tmp_path / "cache", jobs=1))
    checkout.results()
    kept = checkout.kept_pieces("structure")
    assert kept is not None and kept["app/a.py"][3] == (("app.core.compat", "Manager"),)
