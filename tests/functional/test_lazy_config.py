"""An import-linter configuration is loaded only when a check's results are not cached
(importlinter_bridge/lazy_config.py); what users see is what a full load gives, run after run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from archguard.app import Options, run_check
from tests.helpers import run_cli, write_tree

TREE = {
    "app/__init__.py": "",
    "app/db.py": "CONNECTION = None\n",
    "app/ui.py": "from app.db import CONNECTION\n",
    "app/other.py": "",
}
FORBIDDEN = textwrap.dedent(
    """\
    [importlinter]
    root_packages = app

    [importlinter:contract:ui]
    name = ui never reaches the database
    type = forbidden
    source_modules = app.ui
    forbidden_modules = app.db
    """
)


def _codes(root: Path, cache: Path) -> list[tuple[str, str]]:
    result = run_check(Options(root=root, cache_dir=cache))
    fresh = run_check(Options(root=root, no_cache=True))
    assert [v.fingerprint for v in result.violations] == [v.fingerprint for v in fresh.violations]
    return sorted((v.path, v.code) for v in result.violations)


def test_cached_checks_follow_the_configuration_text(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, ".importlinter": FORBIDDEN})
    cache = tmp_path / "cache"
    assert _codes(root, cache) == [("app/ui.py", "AG301")]
    assert _codes(root, cache) == [("app/ui.py", "AG301")]  # the identity remembered
    (root / ".importlinter").write_text(FORBIDDEN.replace("forbidden_modules = app.db", "forbidden_modules = app.other"))
    assert _codes(root, cache) == []
    assert _codes(root, cache) == []


def test_a_configuration_broken_after_a_cached_run_is_still_exit_2(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, ".importlinter": FORBIDDEN})
    cache = tmp_path / "cache"
    assert run_cli("check", root, "--cache-dir", cache).returncode == 1
    assert run_cli("check", root, "--cache-dir", cache).returncode == 1
    (root / ".importlinter").write_text(FORBIDDEN.replace("type = forbidden", "type = nonsense"))
    for _ in range(2):
        run = run_cli("check", root, "--cache-dir", cache)
        assert run.returncode == 2
        assert "unknown contract type 'nonsense'" in run.stderr


def test_a_cached_check_does_not_load_import_linter(tmp_path: Path) -> None:
    """The point of it: a check whose results are cached never imports import-linter or grimp."""
    root = write_tree(tmp_path / "repo", {**TREE, ".importlinter": FORBIDDEN})
    cache = tmp_path / "cache"
    probe = textwrap.dedent(
        f"""\
        import sys
        from pathlib import Path
        from archguard.app import Options, run_check
        result = run_check(Options(root=Path({str(root)!r}), cache_dir=Path({str(cache)!r})))
        print(len(result.violations), "importlinter" in sys.modules, "grimp" in sys.modules)
        """
    )

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert run() == ["1", "True", "True"]  # cold: the contracts are checked
    assert run() == ["1", "False", "False"]  # warm: results and identity from the cache
