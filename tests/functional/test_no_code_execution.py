"""archguard never imports or runs anything of the tree it analyses.

Every place Python or a tool could pick code up from is planted with a side effect that writes a
marker file: package ``__init__`` files, ``conftest.py``, ``setup.py``, a ``.pth`` file,
``sitecustomize.py``, a module shadowing a standard-library name, and an import-linter plugin
contract type defined inside the tree. Each command runs with the tree as its working directory
(so ``python -m archguard`` finds the tree first on ``sys.path``); no marker may appear.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree


def _side_effect(marker: Path, name: str) -> str:
    return f"open({str(marker / name)!r}, 'w').write('ran')\n"


def _planted_tree(root: Path, marker: Path) -> Path:
    effect = lambda name: _side_effect(marker, name)  # noqa: E731
    return write_tree(root, {
        "app/__init__.py": effect("app_init") + "from app.core import Engine\n",
        "app/core.py": effect("app_core") + "class Engine:\n    pass\n",
        "app/plugin.py": effect("plugin") + (
            "from importlinter.domain.contract import Contract\n\n"
            "class EvilContract(Contract):\n    def check(self, graph, verbose):\n        pass\n"
        ),
        "app/use.py": "from app import Engine\n",
        "conftest.py": effect("conftest"),
        "setup.py": effect("setup_py"),
        "sitecustomize.py": effect("sitecustomize"),
        "usercustomize.py": effect("usercustomize"),
        "evil.pth": "import os; " + effect("pth").strip() + "\n",
        # shadows modules archguard and its dependencies import at start-up
        "json.py": effect("json_shadow"),
        "typing.py": effect("typing_shadow"),
        "click.py": effect("click_shadow"),
        "tests/test_app.py": "import app.use\n",
        "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
        ".importlinter": (
            "[importlinter]\nroot_packages =\n    app\n"
            "contract_types =\n    evil: app.plugin.EvilContract\n\n"
            "[importlinter:contract:one]\nname = evil one\ntype = evil\n"
        ),
        "pyproject.toml": '[tool.archguard]\nexclude = ["build/**"]\n',
    })


COMMANDS = [
    ["scan", "."],
    ["check", "."],
    ["baseline", ".", "--baseline", "{out}/baseline.json"],
    ["discover", ".", "--write-contracts", "{out}/drafts"],
    ["report", ".", "--out", "{out}/report"],
    ["graph", ".", "--out", "{out}/overview.svg"],
    ["init", "."],
    ["fix", ".", "--dry-run"],
    ["fix", "."],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:1] + c[2:3]))
def test_no_command_runs_code_of_the_tree(tmp_path: Path, command: list[str]) -> None:
    marker = tmp_path / "markers"
    marker.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    root = _planted_tree(tmp_path / "tree", marker)
    args = [part.format(out=out) for part in command]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    result = run_cli(*args, "--no-cache", "-q", cwd=root, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    assert sorted(os.listdir(marker)) == [], result.stderr
