"""``check --changed [REV]`` and ``--staged`` against a real git repository built by each test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archguard.adapters.git_changes import changed_files
from archguard.analysis.changes import ChangeReach, module_of_path
from archguard.domain.errors import ConfigError
from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.sources import SourceFile
from tests.helpers import git, run_cli, write_tree

BASE = {
    "app/__init__.py": "from .impl import Thing\n",
    "app/impl.py": "class Thing:\n    pass\n",
    "app/user.py": "from app import Thing\n",
    "app/other.py": "import app.impl\n",
    "scripts/old.py": "from app.gone import nothing\n",  # known debt, untouched by the change
}

def feature_branch(root: Path, tree: dict[str, str]) -> Path:
    """A repository at ROOT whose ``main`` holds TREE, checked out on a new branch ``feature``."""
    write_tree(root, tree)
    (root / ".gitignore").write_text(".archguard_cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return feature_branch(tmp_path / "repo", BASE)


def changed_check(repo: Path, *args: str) -> tuple[int, dict]:
    run = run_cli("check", repo, *args, "--json", repo / "out.json")
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads((repo / "out.json").read_text())


def reported(data: dict) -> list[tuple[str, str]]:
    return sorted((v["path"], v["code"]) for v in data["violations"])


def test_nothing_changed_reports_nothing_though_the_tree_has_debt(repo: Path) -> None:
    assert run_cli("check", repo).returncode == 1  # scripts/old.py dangles
    code, data = changed_check(repo, "--changed")
    assert code == 0 and reported(data) == [] and data["changed_files"] == []


def test_a_removed_reexport_counts_at_its_importers_in_untouched_files(repo: Path) -> None:
    (repo / "app" / "__init__.py").write_text("")
    code, data = changed_check(repo, "--changed")
    assert code == 1
    assert data["changed_files"] == ["app/__init__.py"]
    assert reported(data) == [("app/user.py", "AG202")]  # not scripts/old.py: not this change's


def test_a_reexport_removed_further_down_a_chain_still_counts(repo: Path) -> None:
    (repo / "app" / "impl.py").write_text("class Renamed:\n    pass\n")
    git(repo, "commit", "-qam", "rename the class")
    _, data = changed_check(repo, "--changed")  # committed on the branch: still against the merge base
    # the untouched package __init__ now re-exports a name that is gone (its importers are not
    # reported again: archguard reports where a chain breaks)
    assert reported(data) == [("app/__init__.py", "AG202")]


def test_a_deleted_module_counts_at_its_importers(repo: Path) -> None:
    git(repo, "rm", "-q", "app/impl.py")
    _, data = changed_check(repo, "--changed")
    assert data["changed_files"] == ["app/impl.py"]
    assert ("app/other.py", "AG201") in reported(data) and ("app/__init__.py", "AG201") in reported(data)
    assert all(path != "scripts/old.py" for path, _ in reported(data))


def test_a_renamed_module_counts_under_both_names(repo: Path) -> None:
    git(repo, "mv", "app/impl.py", "app/core.py")
    _, data = changed_check(repo, "--changed")
    assert data["changed_files"] == ["app/core.py", "app/impl.py"]
    assert ("app/other.py", "AG201") in reported(data)


def test_an_untracked_file_counts_and_rev_may_be_given(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "later")
    (repo / "app" / "new.py").write_text("from app.missing import x\n")
    _, data = changed_check(repo, "--changed=HEAD")
    assert reported(data) == [("app/new.py", "AG201")]


def test_staged_reports_the_index_not_unstaged_edits(repo: Path) -> None:
    (repo / "app" / "staged.py").write_text("from app.missing import x\n")
    (repo / "app" / "unstaged.py").write_text("from app.missing2 import y\n")
    git(repo, "add", "app/staged.py")
    code, data = changed_check(repo, "--staged")
    assert code == 1 and data["changed_files"] == ["app/staged.py"]
    assert reported(data) == [("app/staged.py", "AG201")]


def test_changed_respects_the_baseline_and_reports_only_its_own_stale_entries(repo: Path) -> None:
    baseline = repo / "b.json"
    (repo / "app" / "__init__.py").write_text("")
    run_cli("baseline", repo, "--baseline", baseline)
    code, data = changed_check(repo, "--changed", "--baseline", baseline)
    assert code == 0 and data["summary"]["baselined"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--changed=nope"], "git does not know the revision 'nope'"),
        (["--changed", "--update-baseline", "--baseline", "b.json"], "--update-baseline needs the whole tree"),
    ],
)
def test_bad_revisions_and_combinations_are_exit_2(repo: Path, args: list[str], message: str) -> None:
    run = run_cli("check", repo, *args, cwd=repo)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert not (repo / "x").exists()


def test_a_revision_is_never_read_as_a_git_option(repo: Path) -> None:
    with pytest.raises(ConfigError, match="not a revision"):
        changed_files(repo, "--output=x")
    assert not (repo / "x").exists()


def test_outside_a_checkout_is_exit_2(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "plain", BASE)
    run = run_cli("check", root, "--changed", cwd=tmp_path)
    assert run.returncode == 2 and "need a git checkout" in run.stderr


def test_without_a_default_branch_names_a_revision(repo: Path) -> None:
    git(repo, "branch", "-qm", "main", "trunk")
    run = run_cli("check", repo, "--changed")
    assert run.returncode == 2 and "--changed REV" in run.stderr


def test_change_reach_follows_from_imports_transitively() -> None:
    def taker(module: str, source: str) -> tuple[SourceFile, FileFacts]:
        fact = ImportFact(ImportKind.FROM, source, "X", None, 0, 1, 1, 1, f"from {source} import X")
        return SourceFile(module.replace(".", "/") + ".py", module, False, False), FileFacts(imports=(fact,))

    pairs = [taker("p.b", "p.a"), taker("p.c", "p.b"), taker("p.d", "p.z"), taker("p.x", "p.y"), taker("p.y", "p.x")]
    files = [f for f, _ in pairs]
    facts = {f.path: ff for f, ff in pairs}
    reach = ChangeReach({"p.a"}, files, facts)
    assert [m in reach for m in ("p.c", "p.b", "p.a", "p.d", "p.z", "p.x", "p.y", "p.c")] == [
        True, True, True, False, False, False, False, True,  # a cycle that reaches nothing ends
    ]
    assert "p.x" in ChangeReach({"p.y"}, files, facts)


def test_change_reach_reuses_what_an_earlier_search_learned() -> None:
    """A second search of the same scan, given the first one's sources, answers the same without
    reading a single module's facts."""

    class Unreadable(dict):
        def get(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("facts read although the sources were known")

    def taker(module: str, source: str) -> tuple[SourceFile, FileFacts]:
        fact = ImportFact(ImportKind.FROM, source, "X", None, 0, 1, 1, 1, f"from {source} import X")
        return SourceFile(module.replace(".", "/") + ".py", module, False, False), FileFacts(imports=(fact,))

    pairs = [taker("p.b", "p.a"), taker("p.c", "p.b"), taker("p.d", "p.z")]
    files = [f for f, _ in pairs]
    first = ChangeReach({"p.a"}, files, {f.path: ff for f, ff in pairs})
    answers = [m in first for m in ("p.c", "p.d")]
    assert answers == [True, False] and first.learned
    assert first.sources == {"p.c": ("p.b",), "p.b": ("p.a",), "p.d": ("p.z",), "p.z": ()}
    again = ChangeReach({"p.a"}, files, Unreadable(), known_sources=first.sources)
    assert [m in again for m in ("p.c", "p.d")] == answers and not again.learned


def test_repeated_changed_runs_follow_the_tree_not_an_earlier_search(repo: Path) -> None:
    """The re-export steps kept by one --changed run serve only the same tree: after the re-export
    is removed, and again after it is restored, each run reports what that tree's change causes."""
    for _ in range(2):  # the second run reads the steps the first one kept
        _, data = changed_check(repo, "--changed")
        assert reported(data) == []
    (repo / "app" / "__init__.py").write_text("")
    for _ in range(2):
        _, data = changed_check(repo, "--changed")
        assert reported(data) == [("app/user.py", "AG202")]
    (repo / "app" / "__init__.py").write_text("from .impl import Thing\n")
    _, data = changed_check(repo, "--changed")
    assert reported(data) == []
    assert list((repo / ".archguard_cache").glob("results-reexports*")), "the steps were not kept"


def test_module_of_a_path_that_is_gone() -> None:
    assert module_of_path("src/app/x/__init__.py", ["", "src"]) == "app.x"
    assert module_of_path("app/y.py") == "app.y"
    assert module_of_path("scripts/fix-db.py") is None and module_of_path("README.md") is None


def test_after_an_edit_only_the_edited_modules_reexport_steps_are_read_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The steps a --changed run learned are kept per module with the version of the file they were
    read from: the next run reads none of them again, and after an edit only the edited module's;
    each run reports what a run without any kept steps reports."""
    from archguard.app import Options
    from archguard.app.changed import run_changed_check

    git(repo, "checkout", "-q", "main")
    (repo / "app" / "mid.py").write_text("from app.impl import Thing\n")
    (repo / "app" / "tool.py").write_text("from app.mid import Gone\n")  # debt, searched through app.mid
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "main")
    (repo / "app" / "user.py").write_text("from app import Thing\nX = 1\n")  # the change
    read: list[str] = []
    real = ChangeReach._read_sources

    def noted(self: ChangeReach, module: str):  # type: ignore[no-untyped-def]
        read.append(module)
        return real(self, module)

    def changed() -> list[str]:
        read.clear()
        with monkeypatch.context() as patch:
            patch.setattr(ChangeReach, "_read_sources", noted)
            result = run_changed_check(Options(root=repo), None)
        fresh = run_changed_check(Options(root=repo, no_cache=True), None)
        assert sorted(v.fingerprint for v in result.violations) == sorted(v.fingerprint for v in fresh.violations)
        return sorted(read)

    assert "app.mid" in changed()
    assert changed() == []
    git(repo, "stash", "-q")  # app.mid changes on main (so this branch's change is not answerable for it)
    git(repo, "checkout", "-q", "main")
    (repo / "app" / "mid.py").write_text("from app.impl import Thing\nY = 2\n")
    git(repo, "commit", "-qam", "mid")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "main")
    git(repo, "stash", "pop", "-q")
    assert changed() == ["app.mid"]
    assert changed() == []
