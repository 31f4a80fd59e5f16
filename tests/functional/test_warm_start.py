"""Warm start from git, file by file (adapters/warm_start.py): a run takes every file git vouches
for (the same blob id as recorded) from the record of the last run, without listing, stat-ing or
reading it; only the files git reports changed (and those it cannot vouch for) are scanned. Every
run here is compared, finding by finding, with a ``--no-cache`` run of the same tree."""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import archguard.app.tree as tree_module
from archguard.adapters import discovery as discovery_module
from archguard.adapters.cache import facts_cache
from archguard.app import Options, run_check
from archguard.app.changed import run_changed_check
from archguard.domain.result import CheckResult
from tests.helpers import GIT_ENV, git, run_cli, write_tree

TREE = {
    "app/__init__.py": "from .impl import Thing\n",
    "app/impl.py": "class Thing:\n    pass\n",
    "app/user.py": "from app import Thing\n",
    "app/other.py": "import app.impl\nfrom app.impl import Missing\n",
    "app/broken.py": "def f(:\n",
    "scripts/tool.py": "from app.gone import nothing\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # archguard's own git calls see what the test's git calls see: no user or system config.
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(name, GIT_ENV[name])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = write_tree(tmp_path / "repo", TREE)
    (root / ".gitignore").write_text(".archguard_cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files the test has just written count as settled at once (the real window, 2 s, is
    covered by test_the_command_line_starts_warm_once_the_files_are_settled)."""
    monkeypatch.setattr(facts_cache, "RACY_WINDOW_NS", 0)
    monkeypatch.setattr(discovery_module, "RACY_WINDOW_NS", 0)


class Runs:
    """Checks of one tree, noting the files each run scanned (read, or at least stat-ed against the
    facts cache) and whether it listed and named the files again."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.scans = 0  # calls of the scanner
        self.scanned: list[str] = []
        self.discovered = 0
        self.listed = False
        real_scan, real_discover = tree_module.scan_files, tree_module.discover_files

        def counted(root: Path, files: list, **kwargs: object):  # type: ignore[no-untyped-def]
            self.scans += 1
            self.scanned += [f.path for f in files]
            return real_scan(root, files, **kwargs)

        def discovering(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            self.discovered += 1
            return real_discover(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(tree_module, "scan_files", counted)
        monkeypatch.setattr(tree_module, "discover_files", discovering)

    def check(self, **options: object) -> tuple[list[str], CheckResult]:
        """(the files this run scanned, the result), the result checked against a --no-cache run."""
        before, named = len(self.scanned), self.discovered
        result = run_check(Options(root=self.root, **options))  # type: ignore[arg-type]
        scanned = sorted(self.scanned[before:])
        self.listed = self.discovered > named  # did this run list and name the files again?
        fresh = run_check(Options(root=self.root, no_cache=True, **options))  # type: ignore[arg-type]
        assert _findings(result) == _findings(fresh)
        assert _scan_summary(result) == _scan_summary(fresh)
        return scanned, result

    def warm(self, **options: object) -> bool:
        """Did a check scan no file at all?"""
        return self.check(**options)[0] == []


def _findings(result: CheckResult) -> list[tuple]:
    return sorted((v.fingerprint, v.path, v.line, v.code, v.message) for v in result.violations)


def _scan_summary(result: CheckResult) -> tuple:
    scan = result.scan
    return (
        [(f.path, f.module, f.loose, f.is_package) for f in scan.files],
        sorted(scan.facts),
        scan.syntax_errors,
        scan.unreadable,
        scan.import_edges,
        scan.dangling,
        scan.packages,
    )


@pytest.fixture
def runs(repo: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None) -> Runs:
    return Runs(repo, monkeypatch)


EVERY_FILE = sorted(path for path in TREE if path.endswith(".py"))


def test_an_unchanged_tree_starts_warm_with_the_same_findings(runs: Runs) -> None:
    assert runs.check()[0] == EVERY_FILE  # the first run records
    scanned, result = runs.check()
    assert scanned == [] and not runs.listed
    assert result.scan.cache_hits == len(result.scan.files)  # as a warm ordinary run reports
    assert {v.code for v in result.violations} >= {"AG201", "AG202"}


def _touch(root: Path) -> None:
    os.utime(root / "app/impl.py", ns=(time.time_ns(), time.time_ns()))


def _rewrite_same(root: Path) -> None:
    path = root / "app/impl.py"
    path.write_bytes(path.read_bytes())


def _edit(root: Path) -> None:
    (root / "app/impl.py").write_text("class Other:\n    pass\n")


def _stage_edit(root: Path) -> None:
    _edit(root)
    git(root, "add", "app/impl.py")


def _stage_then_revert_working_file(root: Path) -> None:
    _stage_edit(root)
    (root / "app/impl.py").write_text(TREE["app/impl.py"])


def _new_untracked(root: Path) -> None:
    (root / "app/extra.py").write_text("from app import Gone\n")


def _delete(root: Path) -> None:
    (root / "app/user.py").unlink()


def _new_ignored_virtualenv_marker(root: Path) -> None:
    (root / ".gitignore").write_text(".archguard_cache/\npyvenv.cfg\n")
    git(root, "add", ".gitignore")
    git(root, "commit", "-qm", "ignore pyvenv.cfg")


def _switch_branch(root: Path) -> None:
    git(root, "checkout", "-qb", "other")
    (root / "app/impl.py").write_text("Thing = 1\n")
    (root / "app/new.py").write_text("from app.impl import Thing\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "other")


def _assume_unchanged_then_edit(root: Path) -> None:
    git(root, "update-index", "--assume-unchanged", "app/impl.py")
    _edit(root)


def _skip_worktree_then_edit(root: Path) -> None:
    git(root, "update-index", "--skip-worktree", "app/impl.py")
    _edit(root)


@pytest.mark.parametrize(
    ("change", "scanned"),
    [
        (_touch, []),  # git compares the content: same blob, facts unchanged
        (_rewrite_same, []),
        (_edit, ["app/impl.py"]),  # only what git reports changed is read
        (_stage_edit, ["app/impl.py"]),
        (_stage_then_revert_working_file, ["app/impl.py"]),
        (_new_untracked, ["app/extra.py"]),
        (_delete, []),  # named again, nothing read
        (_switch_branch, ["app/impl.py", "app/new.py"]),
        (_assume_unchanged_then_edit, EVERY_FILE),  # git would call it clean: not trusted
        (_skip_worktree_then_edit, EVERY_FILE),
    ],
)
def test_only_the_files_git_reports_changed_are_read(
    runs: Runs, repo: Path, change: Callable[[Path], None], scanned: list[str]
) -> None:
    runs.check()
    assert runs.warm()
    change(repo)
    assert runs.check()[0] == scanned
    trusted = change not in (_assume_unchanged_then_edit, _skip_worktree_then_edit)
    assert runs.check()[0] == ([] if trusted else EVERY_FILE)


def test_an_edited_file_left_edited_starts_warm_until_it_changes_again(runs: Runs, repo: Path) -> None:
    runs.check()
    _edit(repo)
    assert runs.check()[0] == ["app/impl.py"]
    assert runs.warm()  # recorded with the file modified: its stat vouches for it now
    (repo / "app/impl.py").write_text("class Other:\n    x = 1\n")  # modified again, still modified
    assert runs.check()[0] == ["app/impl.py"]
    (repo / "app/impl.py").write_text(TREE["app/impl.py"])  # and back to what git has
    assert runs.check()[0] == ["app/impl.py"]
    assert runs.warm()


def test_an_untracked_file_is_vouched_for_by_its_stat(runs: Runs, repo: Path) -> None:
    _new_untracked(repo)
    runs.check()
    assert runs.warm()
    (repo / "app/extra.py").write_text("from app import Thing\n")
    assert runs.check()[0] == ["app/extra.py"]


def test_a_virtualenv_marker_git_ignores_is_still_seen(runs: Runs, repo: Path) -> None:
    _new_ignored_virtualenv_marker(repo)
    runs.check()
    assert runs.warm()
    (repo / "app" / "pyvenv.cfg").write_text("home = /usr\n")  # app/ becomes a virtualenv: no code
    _, result = runs.check()
    assert runs.listed
    assert not any(f.path.startswith("app/") for f in result.scan.files)


@pytest.mark.parametrize(
    "setting",
    [
        lambda root: (root / ".gitattributes").write_text("*.py text eol=crlf\n"),
        lambda root: git(root, "config", "core.autocrlf", "true"),
        lambda root: (root / ".git/info").mkdir(exist_ok=True) or (root / ".git/info/attributes").write_text("* -text\n"),
    ],
    ids=["gitattributes", "autocrlf", "info-attributes"],
)
def test_no_warm_start_where_git_may_convert_line_ends(runs: Runs, repo: Path, setting: Callable[[Path], object]) -> None:
    setting(repo)
    runs.check()
    assert runs.check()[0] == EVERY_FILE


def test_other_options_do_not_share_a_record(runs: Runs) -> None:
    runs.check()
    assert runs.check(excludes=("scripts/**",))[0]
    assert runs.check()[0] == EVERY_FILE  # one record, the last run's: it was made with other options
    assert runs.warm()


def test_a_record_under_another_cache_key_is_never_read(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    runs.check()
    monkeypatch.setenv("ARCHGUARD_CACHE_KEY", "another key")
    assert runs.check()[0] == EVERY_FILE


def test_changed_starts_warm_and_reports_as_an_ordinary_run(runs: Runs, repo: Path) -> None:
    git(repo, "checkout", "-qb", "feature")
    (repo / "app/__init__.py").write_text("")  # the re-export goes: app/user.py breaks
    before = runs.scans
    first = run_changed_check(Options(root=repo), None)
    second = run_changed_check(Options(root=repo), None)
    assert runs.scans == before + 1  # the second run started warm
    fresh = run_changed_check(Options(root=repo, no_cache=True), None)
    for result in (first, second):
        assert _findings(result) == _findings(fresh)
        assert result.changed_files == fresh.changed_files == ["app/__init__.py"]
    assert {(v.path, v.code) for v in second.violations} == {("app/user.py", "AG202")}


def test_the_command_line_starts_warm_at_once_on_files_git_vouches_for(repo: Path, tmp_path: Path) -> None:
    """No patched window and no wait: the files were written just now (as a fresh clone's are),
    but git vouches for their blobs, so the first run's record is used by the second."""
    cache = tmp_path / "cache"
    first = run_cli("check", repo, "--cache-dir", cache, "--json", tmp_path / "a.json")
    assert (cache / "results-warm-state.bin").is_file()
    [facts] = cache.glob("facts-py*[0-9].bin")
    facts.write_bytes(b"not a cache")  # a warm start never reads it
    second = run_cli("check", repo, "--cache-dir", cache, "--json", tmp_path / "b.json")
    assert second.returncode == first.returncode == 1
    assert "ignoring the cache" not in second.stderr
    a, b = (json.loads((tmp_path / name).read_text()) for name in ("a.json", "b.json"))
    assert a["violations"] == b["violations"]


# --- a tree without git: the folders' stamps vouch for the listing, each file's stat for its bytes --


@pytest.fixture
def plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None) -> Runs:
    return Runs(write_tree(tmp_path / "plain", TREE), monkeypatch)


def _settled(runs: Runs) -> None:
    """The first run records; the second walks again (the first made .archguard_cache in ROOT, so
    ROOT's stamp changed after the walk read it) and records ROOT as it stays."""
    assert runs.check()[0] == EVERY_FILE
    assert runs.warm() and runs.listed
    assert runs.warm() and not runs.listed


def test_a_tree_without_git_starts_warm_from_its_folders_and_files_stats(plain: Runs) -> None:
    _settled(plain)
    (plain.root / "app/impl.py").write_text("class Thing:\n    x = 1\n")  # in place: no folder changes
    assert plain.check()[0] == ["app/impl.py"] and not plain.listed
    assert plain.warm() and not plain.listed


def test_a_file_written_after_the_scan_read_it_is_not_vouched_for(plain: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record keeps the stat the scan saw before it read the bytes, not one taken afterwards:
    a file written between the scan and the record is read again by the next run."""
    _settled(plain)
    target = plain.root / "app/impl.py"
    target.write_text("class Thing:\n    y = 2\n")
    real_scan = tree_module.scan_files

    def scan_then_edit(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        output = real_scan(*args, **kwargs)  # type: ignore[arg-type]
        target.write_text("class Other:\n    y = 2\n")  # the same size, written after the read
        return output

    monkeypatch.setattr(tree_module, "scan_files", scan_then_edit)
    run_check(Options(root=plain.root))
    monkeypatch.setattr(tree_module, "scan_files", real_scan)
    plain.scanned.clear()
    assert Runs(plain.root, monkeypatch).check()[0] == ["app/impl.py"]  # and its findings: --no-cache's


def _new_module(root: Path) -> None:
    (root / "app/extra.py").write_text("from app.impl import Gone\n")


def _removed_module(root: Path) -> None:
    (root / "app/user.py").unlink()


def _new_folder_deep_down(root: Path) -> None:
    write_tree(root, {"scripts/more/deeper/run.py": "import app.nothing\n"})


def _renamed_module(root: Path) -> None:
    (root / "app/other.py").rename(root / "app/renamed.py")


def _virtualenv_marker(root: Path) -> None:
    (root / "scripts/pyvenv.cfg").write_text("home = /usr\n")  # scripts/ holds no code now


def _package_made_of_a_folder(root: Path) -> None:
    (root / "scripts/__init__.py").write_text("")  # scripts/tool.py is a package module now


@pytest.mark.parametrize(
    "change",
    [_new_module, _removed_module, _new_folder_deep_down, _renamed_module, _virtualenv_marker, _package_made_of_a_folder],
)
def test_a_tree_without_git_lists_again_when_a_folder_changes(plain: Runs, change: Callable[[Path], None]) -> None:
    _settled(plain)
    change(plain.root)
    _, result = plain.check()  # the same findings and files as a --no-cache run (Runs.check)
    assert plain.listed
    assert plain.warm() and not plain.listed
    assert {f.path for f in result.scan.files} == {
        str(p.relative_to(plain.root)) for p in plain.root.rglob("*.py") if ".archguard_cache" not in p.parts
    } - ({"scripts/tool.py"} if change is _virtualenv_marker else set())


WORKSPACE = {
    "pyproject.toml": '[project]\nname = "shop"\n[tool.uv.workspace]\nmembers = ["libs/core"]\n',
    "libs/core/pyproject.toml": '[project]\nname = "shop-core"\n',
    "libs/core/src/shop_core/__init__.py": "class Order:\n    pass\n",
    "libs/api/pyproject.toml": '[project]\nname = "shop-api"\ndependencies = ["shop-core"]\n',
    "libs/api/src/shop_api/__init__.py": "from shop_core import Order\nfrom shop_core import Gone\n",
    "pants.toml": '[source]\nroot_patterns = ["/lib"]\n',
    "lib/util/__init__.py": "",
    "vendored/six_copy/__init__.py": "from util import nothing\n",
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None) -> Runs:
    runs = Runs(write_tree(tmp_path / "workspace", WORKSPACE), monkeypatch)
    _settled_workspace(runs)
    return runs


def _settled_workspace(runs: Runs) -> None:
    runs.check()
    runs.check()
    assert runs.warm() and not runs.listed


def _members(result: CheckResult) -> list[str]:
    return [m.path for m in result.scan.layout.members]


def test_without_git_a_member_named_in_place_is_seen(workspace: Runs) -> None:
    """The root pyproject.toml edited in place (no folder changes): its bytes key the members."""
    _, before = workspace.check()
    assert _members(before) == ["", "libs/core"]
    assert "shop_api" not in before.scan.packages
    (workspace.root / "pyproject.toml").write_text(WORKSPACE["pyproject.toml"].replace('"libs/core"', '"libs/*"'))
    _, after = workspace.check()
    assert workspace.listed
    assert _members(after) == ["", "libs/api", "libs/core"]
    assert "shop_api" in after.scan.packages
    assert ("libs/api/src/shop_api/__init__.py", "AG202") in {(v.path, v.code) for v in after.violations}


def test_without_git_a_new_member_folder_is_seen(workspace: Runs) -> None:
    (workspace.root / "pyproject.toml").write_text(WORKSPACE["pyproject.toml"].replace('"libs/core"', '"libs/*"'))
    _settled_workspace(workspace)
    write_tree(workspace.root, {"libs/web/pyproject.toml": '[project]\nname = "web"\n', "libs/web/src/web/__init__.py": ""})
    _, result = workspace.check()
    assert workspace.listed
    assert _members(result) == ["", "libs/api", "libs/core", "libs/web"]
    assert "web" in result.scan.packages


def test_without_git_a_source_root_named_in_place_is_seen(workspace: Runs) -> None:
    """pants.toml edited in place: a source root pattern added names a new package."""
    _, before = workspace.check()
    assert "six_copy" not in before.scan.packages
    (workspace.root / "pants.toml").write_text('[source]\nroot_patterns = ["/lib", "/vendored"]\n')
    _, after = workspace.check()
    assert workspace.listed
    assert "six_copy" in after.scan.packages
    assert ("vendored/six_copy/__init__.py", "AG202") in {(v.path, v.code) for v in after.violations}


def test_without_git_a_member_declaration_edited_in_place_is_seen(workspace: Runs) -> None:
    (workspace.root / "libs/core/pyproject.toml").write_text('[project]\nname = "renamed-core"\n')
    _, result = workspace.check()
    assert workspace.listed
    assert [m.name for m in result.scan.layout.members if m.path == "libs/core"] == ["renamed-core"]


def test_without_git_folders_changed_within_the_clock_tick_are_listed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real window: a folder written just now vouches for nothing, however often it is run."""
    runs = Runs(write_tree(tmp_path / "fresh", TREE), monkeypatch)
    runs.check()
    runs.check()
    assert runs.listed
    (runs.root / "app/late.py").write_text("from app.impl import Late\n")  # within the same tick
    _, result = runs.check()
    assert runs.listed and "app/late.py" in {f.path for f in result.scan.files}


def test_a_symbolic_link_named_as_a_module_never_starts_warm(runs: Runs, repo: Path) -> None:
    (repo / "app/alias.py").symlink_to("impl.py")
    git(repo, "add", "app/alias.py")
    git(repo, "commit", "-qm", "link")
    runs.check()
    assert runs.check()[0] == sorted([*EVERY_FILE, "app/alias.py"])  # git does not look at what the link leads to


def test_the_changed_files_from_the_listing_are_git_diffs(repo: Path) -> None:
    """check --changed takes the working files' side of ``git diff BASE`` from the listing it
    made anyway; every kind of change gives what ``git diff BASE`` plus the untracked files give."""
    from archguard.adapters.git_changes import changed_files, listing_and_changes

    git(repo, "checkout", "-qb", "feature")
    (repo / "app/user.py").write_text("from app import Thing as T\n")
    (repo / "scripts/tool.py").write_text("x = 1\n")
    git(repo, "commit", "-qam", "on the branch")
    (repo / "scripts/tool.py").write_text(TREE["scripts/tool.py"])  # back to the base's bytes
    (repo / "app/impl.py").write_text("class Thing:\n    x = 1\n")  # unstaged
    (repo / "app/other.py").write_text("import app\n")
    git(repo, "add", "app/other.py")  # staged
    (repo / "app/broken.py").write_text("def g():\n    pass\n")
    git(repo, "add", "app/broken.py")
    (repo / "app/broken.py").write_text(TREE["app/broken.py"])  # staged, then reverted on disk
    (repo / "app/staged_twice.py").write_text("a = 1\n")
    git(repo, "add", "app/staged_twice.py")
    (repo / "app/staged_twice.py").write_text("a = 2\n")  # new, staged, edited again
    (repo / "app/added_then_gone.py").write_text("b = 1\n")
    git(repo, "add", "app/added_then_gone.py")
    (repo / "app/added_then_gone.py").unlink()
    (repo / "app/intent.py").write_text("c = 1\n")
    git(repo, "add", "-N", "app/intent.py")
    (repo / "app/untracked.py").write_text("d = 1\n")
    git(repo, "mv", "app/__init__.py", "app/init_moved.py")
    for rev in (None, "main", "HEAD", "HEAD~1"):
        listing, changed = listing_and_changes(repo, rev)
        assert listing is not None and listing.settled
        assert changed == changed_files(repo, rev), rev


def test_attributes_above_a_root_inside_the_checkout_are_seen(
    repo: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    """ROOT is a folder of the checkout: a .gitattributes above it applies to its files too."""
    root = write_tree(repo / "service", TREE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "service")
    runs = Runs(root, monkeypatch)
    runs.check()
    assert runs.warm()
    (repo / ".gitattributes").write_text("*.py text eol=crlf\n")
    runs.check()
    assert runs.check()[0] == EVERY_FILE


def test_a_warm_start_whose_results_are_not_cached_reads_the_facts_by_blob(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree is as recorded, but the check asks for something the results cache does not hold
    (an import-linter configuration from outside the tree): the facts come from the facts cache,
    by each file's blob id, and no file is read."""
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_packages = app\n\n"
        "[importlinter:contract:c]\nname = users keep off impl\ntype = forbidden\n"
        "source_modules = app.user\nforbidden_modules = app.impl\n"
    )
    runs.check()
    scans = runs.scans

    def no_listing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm start lists no files")

    monkeypatch.setattr(tree_module, "discover_files", no_listing)
    result = run_check(Options(root=runs.root, importlinter_config=config))
    assert runs.scans == scans  # started warm, the facts from the facts cache
    monkeypatch.undo()
    fresh = run_check(Options(root=runs.root, importlinter_config=config, no_cache=True))
    assert _findings(result) == _findings(fresh)
    assert ("app/user.py", "AG301") in {(v.path, v.code) for v in result.violations}


def test_git_is_not_run_where_no_repository_can_be_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo: Path) -> None:
    from archguard.adapters.project_files import git_listing

    plain = write_tree(tmp_path / "plain", TREE)
    linked = tmp_path / "linked"
    linked.symlink_to(repo / "app")  # git walks up from the real path: the checkout is found
    calls: list[object] = []
    real = git_listing.run_git
    monkeypatch.setattr(git_listing, "run_git", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert git_listing.list_git_files(plain) is None and calls == []
    listing = git_listing.list_git_files(linked)
    assert listing is not None and "impl.py" in listing.paths
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))  # the environment may name a repository
    git_listing.list_git_files(plain)
    assert len(calls) == 2


def test_without_git_a_contract_added_to_setup_cfg_in_place_is_checked(plain: Runs) -> None:
    """setup.cfg names no member or source root, but the check's contracts: edited in place (no
    folder changes), the next warm run checks the new contract."""
    setup = plain.root / "setup.cfg"
    contract = (
        "[importlinter]\nroot_packages = app\n"
        "[importlinter:contract:user]\nname = one module stays off another\ntype = forbidden\n"
        "source_modules = {}\nforbidden_modules = {}\n"
    )
    setup.write_text(contract.format("app.impl", "app.other"))  # kept
    _settled(plain)
    _, before = plain.check()
    assert not any(v.code == "AG301" for v in before.violations)
    setup.write_text(contract.format("app.other", "app.impl"))  # broken: app/other.py imports app.impl
    _, after = plain.check()
    assert not plain.listed  # the files are the same: only the contracts changed
    assert ("app/other.py", "AG301") in {(v.path, v.code) for v in after.violations}


def test_a_warm_check_without_git_loads_no_parser_no_pattern_matcher_and_no_other_commands_records(tmp_path: Path) -> None:
    """What a warm check of an unchanged tree without git imports: no scanner (nothing is parsed),
    no pathspec (nothing is listed, though excludes are set), no record types of discover or history."""
    import subprocess
    import sys
    import textwrap

    root = write_tree(tmp_path / "plain", {**TREE, "pyproject.toml": '[tool.archguard]\nexclude = ["backups/**"]\n'})
    probe = textwrap.dedent(
        f"""\
        import sys
        from pathlib import Path
        from archguard.adapters import discovery
        from archguard.adapters.cache import facts_cache
        discovery.RACY_WINDOW_NS = facts_cache.RACY_WINDOW_NS = 0  # the files were written just now
        from archguard.app import Options, run_check
        result = run_check(Options(root=Path({str(root)!r}), cache_dir=Path({str(tmp_path / "cache")!r}), excludes=("backups/**",)))
        loaded = [m for m in ("archguard.adapters.parsing.scanner", "pathspec", "archguard.domain.discovery",
                              "archguard.domain.history") if m in sys.modules]
        print(len(result.violations), ",".join(loaded) or "-")
        """
    )

    def run() -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    cold = run()
    assert "archguard.adapters.parsing.scanner" in cold[1] and "pathspec" in cold[1]
    assert run() == [cold[0], "-"]


def _cache_files(root: Path, pattern: str) -> list[Path]:
    return sorted((root / ".archguard_cache").rglob(pattern))


@pytest.mark.parametrize("cache", ["facts-py*[0-9].bin", "results-check-state.bin"])
def test_a_one_file_edit_writes_what_changed_not_the_whole_cache(runs: Runs, repo: Path, cache: str) -> None:
    """The facts cache and the file-by-file state keep a base and a delta of what changed since:
    an edit writes the delta (each run compared with --no-cache, as every run here)."""
    runs.check()
    [base] = _cache_files(repo, cache)
    before = base.stat()
    _edit(repo)
    assert runs.check()[0] == ["app/impl.py"]
    after = base.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    [delta] = _cache_files(repo, cache.replace("[0-9].bin", ".bin").replace(".bin", ".delta.bin"))
    assert 0 < delta.stat().st_size < before.st_size
    (repo / "app/impl.py").write_text("class Thing:\n    y = 2\n")
    assert runs.check()[0] == ["app/impl.py"]  # the next edit: base and delta read as one
    (repo / "app/user.py").write_text("from app import Thing\nfrom app.impl import Gone\n")
    assert runs.check()[0] == ["app/user.py"]
    assert runs.warm()
    assert base.stat().st_ino == before.st_ino


def test_edits_to_different_files_add_up_in_the_state_delta_until_a_new_base_is_written(
    runs: Runs, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delta holds every record changed since its base, earlier runs' too: once they pass the
    limit (one record here), the next run writes a new base instead of a delta that keeps growing."""
    from archguard.adapters.cache import store
    from archguard.adapters.cache.layered import Fold

    monkeypatch.setattr(store, "FOLD", Fold(share=8, least=1))
    runs.check()
    [base] = _cache_files(repo, "results-check-state.bin")
    before = base.stat()
    (repo / "scripts/tool.py").write_text("from app.gone import one\n")
    assert runs.check()[0] == ["scripts/tool.py"]
    (repo / "scripts/tool.py").write_text("from app.gone import two\n")
    assert runs.check()[0] == ["scripts/tool.py"]  # the same record again: still within the limit
    assert base.stat().st_ino == before.st_ino
    assert _cache_files(repo, "results-check-state.delta.bin")
    (repo / "app/broken.py").write_text("\n\ndef g(:\n")
    assert runs.check()[0] == ["app/broken.py"]  # a second record since the base: past the limit
    assert base.stat().st_ino != before.st_ino
    assert not _cache_files(repo, "results-check-state.delta.bin")
    assert runs.warm()


@pytest.mark.parametrize("damage", ["flip", "other_base"])
def test_a_damaged_or_stale_state_delta_leaves_an_older_state_to_continue_from(
    runs: Runs, repo: Path, damage: str
) -> None:
    runs.check()
    _edit(repo)
    runs.check()
    [delta] = _cache_files(repo, "results-check-state.delta.bin")
    if damage == "flip":
        data = delta.read_bytes()
        delta.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    else:  # the delta of an earlier base: a run wrote a new base since (files came or went)
        old = delta.read_bytes()
        (repo / "app/extra.py").write_text("from app import Thing\n")
        runs.check()
        (repo / "app/extra.py").unlink()
        runs.check()
        delta.write_bytes(old)
    (repo / "app/user.py").write_text("from app import Thing\nfrom app.impl import Gone\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged delta's notice
        assert runs.check()[0] == ["app/user.py"]  # compared with --no-cache inside


def test_writes_from_elsewhere_are_found_without_reading_every_files_facts(
    runs: Runs, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-run step of docs/dangling.md (``setattr`` on another module) asks which files may
    hold such a write: the record answers for every file git vouches for, so only those that may
    are read; its answers are a --no-cache run's after edits of the writer and of other files."""
    (repo / "app/patch.py").write_text("import app.impl\nsetattr(app.impl, 'Missing', 1)\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "patch")
    runs.check()
    looked_up: list[str] = []
    real = facts_cache.FactsCache.find_by_hash

    def noted(self: facts_cache.FactsCache, path: str, content_hash: bytes):  # type: ignore[no-untyped-def]
        looked_up.append(path)
        return real(self, path, content_hash)

    monkeypatch.setattr(facts_cache.FactsCache, "find_by_hash", noted)
    (repo / "app/user.py").write_text("from app import Thing\nTHING = Thing\n")
    _, result = runs.check()
    warned = {(v.path, v.line): v.severity for v in result.violations if v.path == "app/other.py"}
    assert "app/patch.py" in looked_up and "scripts/tool.py" not in looked_up
    (repo / "app/patch.py").write_text("import app.impl\n")  # the write is gone: an error again
    _, result = runs.check()
    assert {(v.path, v.line): v.severity for v in result.violations if v.path == "app/other.py"} != warned
    (repo / "app/patch.py").write_text("import app.impl\nsetattr(app.impl, 'Missing', 2)\n")
    _, result = runs.check()
    assert {(v.path, v.line): v.severity for v in result.violations if v.path == "app/other.py"} == warned


def test_the_listings_entries_one_by_one_agree_with_its_parse(repo: Path) -> None:
    """A warm start asks git's listing about a few files without parsing it (``clean_entry``,
    ``vouches``): the answers are the parse's, for clean, modified, staged, deleted and untracked
    files alike."""
    from archguard.adapters.project_files.git_listing import entry_blob_id, list_git_files

    _edit(repo)
    (repo / "app/user.py").write_text("from app import Thing\nX = 1\n")
    git(repo, "add", "app/user.py")
    (repo / "app/other.py").unlink()
    _new_untracked(repo)
    one_by_one, parsed = list_git_files(repo), list_git_files(repo)
    assert one_by_one is not None and parsed is not None
    blobs = {path: entry_blob_id(parsed.clean_entry(path) or b"") for path in parsed.clean}  # the whole parse
    every = sorted({*TREE, "app/extra.py", ".gitignore"})
    for listing in (one_by_one, parsed):
        for path in every:
            entry = listing.clean_entry(path)
            assert (entry is not None) == (path in blobs), path
            if entry is not None:
                assert entry.endswith(b"\t" + path.encode()) and blobs[path].encode() in entry
                assert listing.vouches(entry, path)
    earlier = parsed.clean_entry("app/impl.py")
    assert earlier is None  # modified: git vouches for nothing of it
    assert {"app/__init__.py", "scripts/tool.py", "app/broken.py"} <= blobs.keys()
    assert not {"app/impl.py", "app/other.py", "app/extra.py"} & blobs.keys()


def test_a_vouched_files_outcome_whose_facts_entry_is_gone_is_scanned_again(
    runs: Runs, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record vouches for every file, but the facts cache it points into was replaced since
    (damaged, or restored from elsewhere): a vouched file's outcome in the cache's form is the
    file scanned again, never a failed lookup, and it is what a fresh scan gives."""
    from archguard.adapters.parsing.scanner import scan_files
    from archguard.adapters.warm_start import WarmOutcomes

    made: list[WarmOutcomes] = []
    real_init = WarmOutcomes.__init__

    def noted(self: WarmOutcomes, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    runs.check()
    monkeypatch.setattr(WarmOutcomes, "__init__", noted)
    [facts] = _cache_files(repo, "facts-py*[0-9].bin")
    facts.write_bytes(b"not a cache")
    scanned = len(runs.scanned)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged cache's notice
        tree = tree_module.Tree.open(Options(root=repo))
        [output] = made
        assert runs.scanned[scanned:] == []  # every file vouched for by the record
        form = output.cached_form("app/impl.py")
    assert runs.scanned[scanned:] == ["app/impl.py"]
    [file] = [f for f in tree.files if f.path == "app/impl.py"]
    fresh = scan_files(repo, [file], target=tree.target, cache=facts_cache.FactsCache(None))
    assert form.outcome_digest == fresh.cached_form("app/impl.py").outcome_digest
    assert form.outcome_digest == output.outcome_digests["app/impl.py"]


def test_a_listing_started_ahead_is_taken_once_and_never_after_its_command(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line starts git's listing of ROOT before it reads its configuration
    (``listed_ahead``): the command's first listing is that one; any later one, and every listing
    after the command, asks git again, so an edit made since is seen."""
    from archguard.adapters.project_files import git_listing

    asked: list[Path] = []
    real = git_listing._list

    def counted(root: Path) -> git_listing.GitListing | None:
        asked.append(root)
        return real(root)

    monkeypatch.setattr(git_listing, "_list", counted)
    with git_listing.listed_ahead(repo):
        first = git_listing.list_git_files(repo)
        assert len(asked) == 1  # the one started ahead
        assert first is not None and first.changed == []
        _edit(repo)
        second = git_listing.list_git_files(repo)
        assert len(asked) == 2 and second is not None and second.changed == ["app/impl.py"]
    (repo / "app/impl.py").write_text(TREE["app/impl.py"])
    with git_listing.listed_ahead(repo):  # a command that never lists (it failed first, say)
        for thread in list(git_listing._ahead.values()):
            thread.join()
    _edit(repo)
    after = git_listing.list_git_files(repo)  # made now, not the one started in the block
    assert after is not None and after.changed == ["app/impl.py"]
    assert len(asked) == 4


def test_the_command_line_lists_ahead_and_still_sees_the_tree_as_it_is(repo: Path, tmp_path: Path) -> None:
    """Warm runs of the command line (listing ahead) after edits give what --no-cache gives."""
    cache = tmp_path / "cache"
    for edit in (lambda: None, lambda: _edit(repo), lambda: _new_untracked(repo)):
        edit()
        warm = run_cli("check", repo, "--cache-dir", cache, "--json", tmp_path / "warm.json")
        fresh = run_cli("check", repo, "--no-cache", "--json", tmp_path / "fresh.json")
        assert warm.returncode == fresh.returncode == 1
        a, b = (json.loads((tmp_path / name).read_text()) for name in ("warm.json", "fresh.json"))
        assert a["violations"] == b["violations"]


def test_git_answering_as_it_did_vouches_for_every_recorded_file_at_once(
    runs: Runs, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record keeps a digest of git's whole answer: the same answer vouches for every file the
    record took from it, without a look-up per file; any other answer (one file edited) is asked
    file by file, and the edited file is scanned."""
    from archguard.adapters.project_files.git_listing import GitListing

    asked: list[str] = []
    real = GitListing.vouches

    def counted(self: GitListing, entry: bytes, path: str) -> bool:
        asked.append(path)
        return real(self, entry, path)

    monkeypatch.setattr(GitListing, "vouches", counted)
    runs.check()
    assert runs.warm() and asked == []
    _edit(repo)
    assert runs.check()[0] == ["app/impl.py"]
    assert "app/user.py" in asked
