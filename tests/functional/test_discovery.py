"""File discovery and module naming on small trees built in tmp_path."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from archguard.adapters.discovery import Discovery, DiscoveryError, discover
from tests.helpers import git, write_tree


def by_path(result: Discovery) -> dict[str, tuple[str, bool, bool]]:
    return {f.path: (f.module, f.loose, f.is_package) for f in result.files}


def test_user_excludes_and_backup_copies_are_left_out(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/handlers.py": "",
        "app/handlers.py.backup_20250917": "",  # not a .py file at all
        "app/old.backup_1.py": "",
        "backups/app/handlers.py": "",
        "backups/deep/a/b.py": "",
    })
    result = discover(tmp_path, excludes=["backups/**", "**/*.backup_*"])
    assert [f.path for f in result.files] == ["app/__init__.py", "app/handlers.py"]


def test_negated_exclude_brings_a_file_back(tmp_path: Path) -> None:
    write_tree(tmp_path, {"backups/keep.py": "", "backups/drop.py": ""})
    result = discover(tmp_path, excludes=["backups/**", "!backups/keep.py"])
    assert [f.path for f in result.files] == ["backups/keep.py"]


def test_always_excluded_folders(tmp_path: Path) -> None:
    always = [
        ".git/hooks/x.py", ".hg/x.py", ".svn/x.py", ".venv/lib/x.py", "venv/x.py", ".tox/x.py",
        ".nox/x.py", "node_modules/pkg/x.py", "app/__pycache__/x.py", "build/lib/x.py",
        "dist/x.py", ".eggs/x.py", "app.egg-info/x.py", ".mypy_cache/x.py", ".pytest_cache/x.py",
        ".ruff_cache/x.py", ".archguard_cache/x.py", "lib/site-packages/x.py",
        "myenv/lib/python3.11/x.py",  # a virtualenv with a custom name, known by pyvenv.cfg
    ]
    write_tree(tmp_path, dict.fromkeys(always, "") | {"myenv/pyvenv.cfg": "", "keep.py": "",
                                                       "build.py": ""})
    result = discover(tmp_path)
    assert [f.path for f in result.files] == ["build.py", "keep.py"]


def test_directory_named_like_a_python_file_is_not_a_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"weird.py/inner.py": "", "real.py": ""})
    result = discover(tmp_path)
    assert [f.path for f in result.files] == ["real.py", "weird.py/inner.py"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlinked_directories_are_not_followed_so_loops_end(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/a.py": ""})
    os.symlink(tmp_path / "app", tmp_path / "app" / "loop")  # app/loop -> app: a cycle
    os.symlink(tmp_path / "app", tmp_path / "alias")
    os.symlink(tmp_path / "app" / "a.py", tmp_path / "linked_file.py")
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    result = discover(tmp_path)
    # the broken link is listed, so the scan can report it as unreadable instead of hiding it
    assert [f.path for f in result.files] == ["app/__init__.py", "app/a.py", "dangling.py", "linked_file.py"]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root reads everything; Windows has no chmod 000")
def test_unreadable_folder_is_skipped_not_fatal(tmp_path: Path) -> None:
    write_tree(tmp_path, {"locked/x.py": "", "open.py": ""})
    (tmp_path / "locked").chmod(0)
    try:
        result = discover(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [f.path for f in result.files] == ["open.py"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_gitignore_respected_and_deleted_tracked_files_dropped(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".gitignore": "generated/\n*.tmp.py\n",
        "app/__init__.py": "",
        "app/tracked.py": "",
        "app/gone.py": "",
        "generated/out.py": "",
        "scratch.tmp.py": "",
        "untracked.py": "",
    })
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "app", ".gitignore")
    git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "app" / "gone.py").unlink()  # tracked but deleted in the work tree
    result = discover(tmp_path)
    assert [f.path for f in result.files] == ["app/__init__.py", "app/tracked.py", "untracked.py"]


def test_package_autodetection_and_module_names(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/models.py": "",
        "app/nsdir/thing.py": "",  # namespace folder under a regular package: loose
        "app/fix-db.py": "",  # in a package: a module importlib (and grimp) can name
        "app/migrations/__init__.py": "",
        "app/migrations/0001_initial.py": "",  # Django's migrations are imported this way
        "tests/e2e/test_chat.py": "",
        "scripts/run.py": "",
        "scripts/fix-db.py": "",
        "setup.py": "",
        "notes/__init__.txt": "",
    })
    result = discover(tmp_path)
    assert result.packages == ["app"]
    assert result.package_dirs == {"app": "app"}
    assert by_path(result) == {
        "app/__init__.py": ("app", False, True),
        "app/core/__init__.py": ("app.core", False, True),
        "app/core/models.py": ("app.core.models", False, False),
        "app/nsdir/thing.py": ("app.nsdir.thing", True, False),
        "app/fix-db.py": ("app.fix-db", False, False),
        "app/migrations/__init__.py": ("app.migrations", False, True),
        "app/migrations/0001_initial.py": ("app.migrations.0001_initial", False, False),
        "tests/e2e/test_chat.py": ("tests.e2e.test_chat", True, False),
        "scripts/run.py": ("scripts.run", True, False),
        "scripts/fix-db.py": ("scripts/fix-db.py", True, False),
        "setup.py": ("setup", True, False),
    }


def test_src_layout(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "src/app/__init__.py": "",
        "src/app/api.py": "",
        "src/tools/helper.py": "",  # loose, named relative to src/
        "lib/__init__.py": "",
        "lib/util.py": "",
    })
    result = discover(tmp_path)
    assert result.packages == ["app", "lib"]
    assert result.package_dirs == {"app": "src/app", "lib": "lib"}
    assert by_path(result)["src/app/api.py"] == ("app.api", False, False)
    assert by_path(result)["src/tools/helper.py"] == ("tools.helper", True, False)
    assert by_path(result)["lib/util.py"] == ("lib.util", False, False)


def test_loose_file_clashing_with_a_package_module_is_named_by_path(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "src/app/__init__.py": "",
        "src/app/api.py": "",
        "app/api.py": "",  # no __init__.py: loose, and "app.api" is taken
        "scripts/run.py": "",
        "src/scripts/run.py": "",  # two loose files both "scripts.run"
    })
    names = by_path(discover(tmp_path))
    assert names["src/app/api.py"] == ("app.api", False, False)
    assert names["app/api.py"] == ("app/api.py", True, False)
    assert names["scripts/run.py"][0] == "scripts/run.py"
    assert names["src/scripts/run.py"][0] == "src/scripts/run.py"


def test_given_packages_make_the_others_loose(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/a.py": "", "other/__init__.py": "",
                         "other/b.py": ""})
    result = discover(tmp_path, packages=["app"])
    assert result.packages == ["app"]
    assert by_path(result)["app/a.py"] == ("app.a", False, False)
    assert by_path(result)["other/b.py"] == ("other.b", True, False)
    assert by_path(result)["other/__init__.py"] == ("other", True, True)


@pytest.mark.parametrize("name", ["missing", "empty", "bad-name"])
def test_unknown_package_is_a_discovery_error(tmp_path: Path, name: str) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "notpkg/x.py": "", "empty/notes.txt": ""})
    with pytest.raises(DiscoveryError, match=name):
        discover(tmp_path, packages=[name])


def test_excluded_package_is_not_autodetected(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "backups/__init__.py": "", "backups/x.py": ""})
    result = discover(tmp_path, excludes=["backups/"])
    assert result.packages == ["app"]
    assert [f.path for f in result.files] == ["app/__init__.py"]


def test_folder_that_cannot_be_listed_is_skipped(tmp_path: Path, monkeypatch) -> None:
    """The same as the chmod test, but also meaningful when the tests run as root."""
    write_tree(tmp_path, {"locked/x.py": "", "open.py": ""})
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("archguard.adapters.discovery.os.scandir", scandir)
    assert [f.path for f in discover(tmp_path).files] == ["open.py"]


def test_build_and_dist_folders_are_left_out_unless_they_are_packages(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/operations/__init__.py": "",
        "app/operations/build/__init__.py": "",
        "app/operations/build/tracker.py": "",
        "build/lib/app/__init__.py": "",
        "dist/stale.py": "",
    })
    paths = [f.path for f in discover(tmp_path).files]
    assert "app/operations/build/tracker.py" in paths
    assert not [p for p in paths if p.startswith(("build/", "dist/"))]
