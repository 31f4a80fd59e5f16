"""The warm start's check of the configuration files discovery read: the same rule as the reader."""

from __future__ import annotations

from pathlib import Path

from archguard.adapters.project_files.config_digest import config_unchanged, digest
from archguard.adapters.project_files.workspace_config import read_workspace
from tests.helpers import write_tree


def test_the_files_a_workspace_read_are_unchanged_until_one_of_them_changes(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "root",
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
            "packages/a/pyproject.toml": '[project]\nname = "a"\ndependencies = []\n',
        },
    )
    read = read_workspace(root).read
    assert "packages/a/pyproject.toml" in read
    assert config_unchanged(root, read)
    (root / "packages/a/pyproject.toml").write_text('[project]\nname = "a"\ndependencies = ["b"]\n')
    assert not config_unchanged(root, read)


def test_a_file_outside_root_is_judged_as_the_reader_reads_it_never_opened(tmp_path: Path) -> None:
    """The reader reads a path that leads out of ROOT as no bytes; so does the check, whatever the
    file outside holds (it was read, so the warm start missed on every run)."""
    root = write_tree(tmp_path / "root", {"pyproject.toml": "[project]\nname = 'x'\n"})
    (tmp_path / "outside.txt").write_text("anything\n")
    read = {"../outside.txt": digest(b""), "pyproject.toml": digest((root / "pyproject.toml").read_bytes())}
    assert config_unchanged(root, read)
