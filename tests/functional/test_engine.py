"""The engine (app/engine.py) as its clients use it: name-level invalidation (an edit re-derives only
the files whose lookups it changed), an engine kept in memory across an editor's edits (unsaved
text, deletions, files read again from disk), per-file findings, and a commit's tree read from
git's objects. Every result is compared with a ``--no-cache`` run of the same tree on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from archguard.adapters.importlinter_bridge import grimp_graph, importlinter_runner
from archguard.adapters.project_files import git_objects
from archguard.app import Options, run_check
from archguard.app.engine import Engine
from tests.fake_store import MemoryStore
from tests.helpers import GIT_ENV, comparable_json, git, write_tree

IMPORTERS = 12
TREE = {
    "app/__init__.py": "",
    "app/hub.py": "import os\n\n\nclass Settings:\n    pass\n\n\nSETTINGS = Settings()\n",
    "app/star.py": "from app.hub import *\n",
    "app/late.py": "from app.hub import LATER\n",  # a name the hub does not bind (yet)
    "app/base/__init__.py": "",
    "app/base/low.py": "X = 1\n",
    "app/top/__init__.py": "",
    "app/top/high.py": "import app.base.low\n",
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:low]\nname = low stays low\ntype = forbidden\n"
        "source_modules =\n    app.base\nforbidden_modules =\n    app.top\n"
    ),
    **{f"app/user{i}.py": f"from app.hub import SETTINGS\n\n\ndef use{i}():\n    return SETTINGS\n" for i in range(IMPORTERS)},
}


def full_run(root: Path) -> object:
    return comparable_json(run_check(Options(root=root, no_cache=True, jobs=1)))


def same_as_a_full_run(engine: Engine) -> bool:
    return comparable_json(engine.results()) == full_run(engine.root)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", TREE)


def reopened(root: Path, cache: Path) -> Engine:
    """A new run (a new process would do the same): state from the cache on disk."""
    engine = Engine.open(None, Options(root=root, cache_dir=cache, jobs=1))
    engine.results()
    return engine


def append(root: Path, path: str, text: str) -> None:
    file = root / path
    file.write_text(file.read_text() + text)


# ---- name-level invalidation, run after run ---------------------------------------------------------


def test_a_new_name_nobody_imports_rederives_only_the_edited_file(tree: Path, tmp_path: Path) -> None:
    reopened(tree, tmp_path / "cache")
    append(tree, "app/hub.py", "NEW = 1\n")
    engine = reopened(tree, tmp_path / "cache")
    # the hub itself, and app/late.py, whose missing name's diagnosis reads all of the hub's facts;
    # not the twelve files importing SETTINGS (nor app/star.py: nobody imports from it)
    assert engine.rederived == 2
    assert set(engine.tree.facts.decoded()) == {"app/hub.py", "app/late.py"}
    assert same_as_a_full_run(engine)


def test_a_name_an_importer_missed_reaches_it_once_bound(tree: Path, tmp_path: Path) -> None:
    before = reopened(tree, tmp_path / "cache").results()
    assert ("app/late.py", "AG202") in {(v.path, v.code) for v in before.violations}
    append(tree, "app/hub.py", "LATER = 2\n")
    engine = reopened(tree, tmp_path / "cache")
    assert engine.rederived == 2  # the hub, and the file that missed LATER
    assert ("app/late.py", "AG202") not in {(v.path, v.code) for v in engine.results().violations}
    assert same_as_a_full_run(engine)


def test_lines_moving_in_a_module_do_not_reach_its_importers(tree: Path, tmp_path: Path) -> None:
    reopened(tree, tmp_path / "cache")
    hub = tree / "app/hub.py"
    hub.write_text("import os\n\n\ndef helper():\n    return os.sep\n\n\n" + hub.read_text().partition("\n")[2])
    engine = reopened(tree, tmp_path / "cache")
    assert engine.rederived == 2  # the hub, and app/late.py (its missing name's diagnosis reads the hub)
    assert same_as_a_full_run(engine)


def test_a_removed_name_reaches_its_importers(tree: Path, tmp_path: Path) -> None:
    reopened(tree, tmp_path / "cache")
    (tree / "app/hub.py").write_text("import os\n")
    engine = reopened(tree, tmp_path / "cache")
    # every importer is derived again: more than half the tree, so all of it
    assert engine.full_derivation
    assert {v.path for v in engine.results().violations if v.code == "AG202"} >= {
        f"app/user{i}.py" for i in range(IMPORTERS)
    }
    assert same_as_a_full_run(engine)


# ---- an engine kept in memory ------------------------------------------------------------------------


@pytest.fixture
def kept(tree: Path, tmp_path: Path) -> Engine:
    engine = Engine.open(None, Options(root=tree, jobs=1), keep=True, store=MemoryStore(tmp_path / "facts"))
    engine.results()
    return engine


def test_unsaved_text_is_analysed_and_never_written(kept: Engine, tree: Path) -> None:
    kept.update({"app/user0.py": "from app.hub import GONE\n"})
    assert (tree / "app/user0.py").read_text() == TREE["app/user0.py"]
    assert [(v.code, v.line) for v in kept.findings("app/user0.py")] == [("AG202", 1)]
    assert kept.changed_paths() == {"app/user0.py"}
    kept.refresh(["app/user0.py"])  # the editor closed it unsaved: the disk's text again
    assert kept.findings(tree / "app/user0.py") == []
    assert kept.changed_paths() == {"app/user0.py"}
    assert same_as_a_full_run(kept)


def test_a_deleted_file_and_a_new_one(kept: Engine, tree: Path) -> None:
    kept.update({"app/hub.py": None, "app/extra.py": "from app.user1 import use1\n"})
    dangling = {(v.path, v.code) for v in kept.results().violations if v.code.startswith("AG20")}
    assert ("app/user1.py", "AG201") in dangling  # its module is gone
    assert "app/extra.py" in {f.path for f in kept.files}
    (tree / "app/hub.py").unlink()
    write_tree(tree, {"app/extra.py": "from app.user1 import use1\n"})
    assert same_as_a_full_run(kept)


def test_the_graph_is_updated_and_import_linter_runs_only_when_imports_change(
    kept: Engine, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds, runs = [], []
    real_build, real_run = grimp_graph.build_import_graph, importlinter_runner.run_config
    monkeypatch.setattr(grimp_graph, "build_import_graph", lambda *a, **k: builds.append(1) or real_build(*a, **k))
    monkeypatch.setattr(importlinter_runner, "run_config", lambda *a, **k: runs.append(1) or real_run(*a, **k))
    kept.update({"app/user3.py": TREE["app/user3.py"] + "\nMORE = 1\n"})  # no import changed
    kept.results()
    assert runs == []
    text = TREE["app/base/low.py"] + "import app.top.high\n"  # a forbidden import
    kept.update({"app/base/low.py": text})
    assert ("app/base/low.py", "AG301") in {(v.path, v.code) for v in kept.results().violations}
    assert runs == [1] and builds == []  # the kept graph took the new import
    write_tree(tree, {"app/base/low.py": text, "app/user3.py": TREE["app/user3.py"] + "\nMORE = 1\n"})
    assert same_as_a_full_run(kept)
    fresh = real_build(kept.files, kept.facts)
    assert {(i["importer"], i["imported"]) for i in kept.graph.find_matching_direct_imports("** -> **")} == {
        (i["importer"], i["imported"]) for i in fresh.find_matching_direct_imports("** -> **")
    }


def test_a_store_keeps_what_a_second_engine_takes(tree: Path, tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "facts")
    first = Engine.open(None, Options(root=tree, jobs=1), store=store)
    first.results()
    second = Engine.open(None, Options(root=tree, jobs=1), store=store)
    assert comparable_json(second.results()) == comparable_json(first.results())
    assert (second.derivations, store.hits["check"], store.hits["scan"]) == (0, 1, 1), (store.loads, store.hits)


# ---- history --------------------------------------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(name, GIT_ENV[name])
    root = write_tree(tmp_path / "repo", TREE)
    (root / ".gitignore").write_text(".archguard_cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "one")
    commits = [git_head(root)]
    append(root, "app/hub.py", "LATER = 3\n")
    (root / "app/user5.py").unlink()
    write_tree(root, {"app/new/__init__.py": "", "app/new/thing.py": "from app.hub import NOPE\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "two")
    commits.append(git_head(root))
    write_tree(root, {"app/base/low.py": "import app.top.high\n", "app/star.py": "def f(:\n"})
    git(root, "commit", "-qam", "three")
    commits.append(git_head(root))
    write_tree(root, {"app/user0.py": "x = 1\n"})  # the working tree moves on, uncommitted
    return root, commits


def git_head(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, env=GIT_ENV).stdout.strip()


def checkout_of(root: Path, commit: str, folder: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(root), str(folder)], check=True, env=GIT_ENV)
    subprocess.run(["git", "-C", str(folder), "checkout", "-q", commit], check=True, env=GIT_ENV)
    return folder


def without_root(result_json: object) -> object:
    data = dict(result_json)  # type: ignore[call-overload]
    data.pop("root", None)
    return data


def test_a_commit_is_analysed_from_its_blobs_as_a_checkout_of_it_is(
    history: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, commits = history
    engine = Engine.open(None, Options(root=root, cache_dir=tmp_path / "cache", jobs=1), keep=True)
    engine.results()
    read: list[int] = []  # blobs read per commit
    real_read = git_objects.read_blobs

    def counting(r: Path, blobs: list[str]) -> dict[str, bytes]:
        read[-1] += len(set(blobs))
        return real_read(r, blobs)

    monkeypatch.setattr(git_objects, "read_blobs", counting)
    view = engine
    for n, commit in enumerate(commits):
        read.append(0)
        view = view.at_commit(commit)  # each commit derived from the one before
        expected = full_run(checkout_of(root, commit, tmp_path / f"checkout{n}"))
        assert without_root(comparable_json(view.results())) == without_root(expected), n
    assert (root / "app/user0.py").read_text() == "x = 1\n"  # nothing was checked out
    assert read[1] <= 4 and read[2] <= 3  # only the blobs a commit changed were read
    read.append(0)
    again = engine.at_commit(commits[0])  # from the blob cache this time
    assert read[3:] == [0]
    assert comparable_json(again.results())["violations"] == comparable_json(engine.at_commit(commits[0]).results())["violations"]


def test_an_unknown_revision_is_a_usage_error(history: tuple[Path, list[str]], tmp_path: Path) -> None:
    from archguard.domain.errors import ConfigError

    root, _ = history
    engine = Engine.open(None, Options(root=root, cache_dir=tmp_path / "cache", jobs=1))
    with pytest.raises(ConfigError, match="no commit"):
        engine.at_commit("no-such-branch")
    with pytest.raises(ConfigError, match="not a revision"):
        engine.at_commit("--output=/tmp/x")


def test_module_edges_follow_the_edits_as_the_one_edge_rule_counts_them(kept: Engine, tree: Path) -> None:
    from archguard.domain.import_edges import module_import_lines

    def expected() -> set[tuple[str, str]]:
        return set(module_import_lines(kept.files, kept.facts)[0])

    assert kept.module_edges() == expected() and ("app.user0", "app.hub") in kept.module_edges()
    kept.update({"app/user0.py": "import app.base.low\n", "app/hub.py": None})
    edges = kept.module_edges()
    assert ("app.user0", "app.base.low") in edges and ("app.user0", "app.hub") not in edges
    assert edges == expected() and len(edges) == kept.results().scan.import_edges
