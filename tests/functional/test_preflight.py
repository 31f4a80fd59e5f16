"""A bad configuration is exit 2 before any file of the tree is parsed (issue 28: a misspelt field
cost a full scan before its error). Proved by running the CLI in process with the scanner replaced
by one that fails the test: the contract files, ``.importlinter`` options, the baseline and the entry
points are each refused with the file named, cold and warm, for ``check`` and ``report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archguard.adapters.parsing import scanner
from archguard.cli import cli
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Manager: ...\n",
    "app/api.py": "from app.core import Manager\n",
    "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core:Manager"\n',
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n[importlinter:contract:low]\nname = core is low\n"
        "type = forbidden\nsource_modules =\n    app.core\nforbidden_modules =\n    app.api\n"
    ),
}


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Any file the scanner is asked to parse fails the test; returns the calls seen."""
    calls: list[int] = []

    def refuse(root, files, **kwargs):  # noqa: ANN001, ANN003, ARG001
        calls.append(len(files))
        raise AssertionError(f"{len(files)} files were parsed before the configuration was checked")

    monkeypatch.setattr(scanner, "scan_files", refuse)
    return calls


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        ("contracts/manager.toml", "canonical =", "canonicl =", "contracts/manager.toml:3: unknown field 'canonicl'"),
        (".importlinter", "forbidden_modules", "forbiden_modules", ".importlinter: [importlinter:contract:low] invalid options"),
        (".importlinter", "type = forbidden", "type = forbiden", ".importlinter"),
    ],
)
def test_a_bad_field_is_exit_2_before_any_file_is_parsed(
    tmp_path: Path, no_parsing: list[int], path: str, old: str, new: str, expected: str
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    (root / path).write_text(TREE[path].replace(old, new), encoding="utf-8")
    for command in (["check", root, "--no-cache"], ["report", root, "--no-cache", "--out", tmp_path / "out"]):
        code, output = run(*command)
        assert code == 2, output
        assert output.startswith(f"archguard: error: {expected}"), output
        assert no_parsing == []
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_bad_baseline_and_an_unknown_entry_point_are_refused_before_parsing(
    tmp_path: Path, no_parsing: list[int]
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"schema": "archguard-baseline/1", "violations": [{"fingerprint": 3}]}', encoding="utf-8")
    code, output = run("check", root, "--no-cache", "--baseline", baseline)
    assert code == 2 and "baseline 'violations' must be a list of objects with a string 'fingerprint'" in output
    code, output = run("check", root, "--no-cache", "--entry", "app.nowhere")
    assert code == 2 and "entry point 'app.nowhere': no module or .py file of that name" in output
    assert no_parsing == []


def test_a_configuration_broken_after_a_cached_run_is_refused_before_the_warm_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    cache = tmp_path / "cache"
    code, output = run("check", root, "--cache-dir", cache)
    assert code == 0, output
    calls: list[int] = []
    monkeypatch.setattr(scanner, "scan_files", lambda root, files, **kw: calls.append(len(files)) or 1 / 0)
    (root / ".importlinter").write_text(TREE[".importlinter"].replace("source_modules", "sources"), encoding="utf-8")
    code, output = run("check", root, "--cache-dir", cache)
    assert code == 2 and ".importlinter: [importlinter:contract:low]" in output, output
    assert calls == []


def test_a_valid_configuration_still_checks_and_loads_import_linter_once(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    code, output = run("check", root, "--no-cache", "--json", tmp_path / "result.json")
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in result["contract_results"]] == ["manager", "core is low", "dangling-imports", "analysable-files"]
    assert all(c["state"] == "kept" for c in result["contract_results"]), output
    assert code == 0
