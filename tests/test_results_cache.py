"""A warm scan of an unchanged tree takes its derived results (edges, dangling imports) from the
results cache; any change to an input derives them again."""

from __future__ import annotations

from pathlib import Path

import pytest

from archguard import app
from archguard.adapters import scanner
from archguard.app import Options, run_scan
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine: ...\n",
    "app/use.py": "from app.core import Engine\nfrom app.core import Gone\nimport app.removed\n",
    "tests/test_use.py": "from app.use import Engine\n",
    "app/broken.py": "def f(:\n",
}


def summary(result) -> tuple:
    return (
        result.import_edges,
        [(d.path, d.line, d.imported, d.missing) for d in result.dangling],
        [(e.path, e.line) for e in result.syntax_errors],
        len(result.facts),
        [f.path for f in result.loose_files],
    )


@pytest.fixture
def analysis_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the analysis steps each run really performs."""
    calls: list[str] = []
    real = app.find_dangling
    monkeypatch.setattr(app, "find_dangling", lambda *a: calls.append("dangling") or real(*a))
    return calls


def test_unchanged_tree_reuses_derived_results(tmp_path: Path, analysis_calls: list[str]) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_scan(options)
    assert analysis_calls == ["dangling"]
    assert [(d.imported, d.missing) for d in cold.dangling] == [
        ("app.core:Gone", "name"), ("app.removed", "module"),
    ]
    warm = run_scan(options)
    assert analysis_calls == ["dangling"]  # not derived again
    assert summary(warm) == summary(cold)
    assert warm.cache_hits == len(TREE)


@pytest.mark.parametrize(
    "change",
    [
        {"app/core.py": "class Engine: ...\nclass Gone: ...\n"},  # the missing name now exists
        {"app/removed.py": ""},  # the missing module now exists
        {"scripts/new_script.py": "from app.core import Nothing\n"},  # a new file
    ],
)
def test_any_changed_input_derives_results_again(
    tmp_path: Path, analysis_calls: list[str], change: dict[str, str]
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    run_scan(options)
    write_tree(root, change)
    changed = run_scan(options)
    assert analysis_calls == ["dangling", "dangling"]
    assert summary(changed) == summary(run_scan(Options(root=root, no_cache=True)))


def test_deleted_file_derives_results_again(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert len(run_scan(options).dangling) == 2
    (root / "app/use.py").unlink()
    assert [(d.path, d.imported) for d in run_scan(options).dangling] == [
        ("tests/test_use.py", "app.use"),  # its two dangling imports went with it; this one is new
    ]


def test_other_target_or_packages_are_other_results(tmp_path: Path, analysis_calls: list[str]) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    cache_dir = tmp_path / "cache"
    run_scan(Options(root=root, cache_dir=cache_dir))
    run_scan(Options(root=root, cache_dir=cache_dir, target=(3, 11)))
    run_scan(Options(root=root, cache_dir=cache_dir, packages=("app",)))
    assert analysis_calls == ["dangling"] * 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_results_are_derived_again(
    tmp_path: Path, analysis_calls: list[str], damage: str
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_scan(options)
    stored = tmp_path / "cache" / "results-scan.bin"
    data = stored.read_bytes()
    if damage == "truncate":
        stored.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        stored.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    else:
        stored.write_bytes(b"not a cache at all")
    again = run_scan(options)
    assert analysis_calls == ["dangling", "dangling"]
    assert summary(again) == summary(cold)


def test_no_cache_stores_no_results(tmp_path: Path, analysis_calls: list[str]) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    run_scan(Options(root=root, no_cache=True))
    run_scan(Options(root=root, no_cache=True))
    assert analysis_calls == ["dangling", "dangling"]
    assert not (root / ".archguard_cache").exists()


def test_unreadable_file_keeps_results_uncached(
    tmp_path: Path, analysis_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that could not be read is not cached (it may be readable next time), so neither is
    anything derived from the tree it is in."""
    root = write_tree(tmp_path / "tree", {**TREE, "app/huge.py": "x = 1\n" * 100})
    monkeypatch.setattr(scanner, "DEFAULT_MAX_BYTES", 300)  # app/huge.py is "too large"
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert [u.path for u in run_scan(options).unreadable] == ["app/huge.py"]
    run_scan(options)
    assert analysis_calls == ["dangling", "dangling"]
