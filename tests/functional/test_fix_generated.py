"""archguard fix on a generated tree: hundreds of violations of three concepts, in packages, a
test folder without ``__init__.py`` and scripts, fixed in one run; check is clean afterwards."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.helpers import run_cli, write_tree

PACKAGES = ["billing", "catalog", "orders"]

# (statement lines, name bound, violations planted) for one concept of package {p}; {n} makes each
# name unique.
SHAPES = [
    ("from {p}.core.compat import LegacyManager as Legacy{n}", "Legacy{n}", 1),
    ("from {p}.core.impl import Manager as Impl{n}", "Impl{n}", 1),
    ("from {p}.core import ConnectionManager as Pkg{n}", "Pkg{n}", 1),
    ("from {p}.core.impl import helper as helper{n}, UnifiedManager as Unified{n}", "Unified{n}", 1),
    ("from {p}.core.manager import Event as Event{n}\nfrom {p}.core.compat import LegacyManager as Merged{n}",
     "Merged{n}", 1),
    ("try:\n    from {p}.core.impl import Manager as Guarded{n}\nexcept ImportError:\n"
     "    from {p}.core.compat import LegacyManager as Guarded{n}", "Guarded{n}", 2),
    ("if TYPE_CHECKING:\n    from {p}.core.impl import Manager as Typed{n}", None, 1),
]
RELATIVE = ("from ..core.compat import LegacyManager as Rel{n}", "Rel{n}", 1)
LAZY = "def lazy_{n}():\n    from {p}.core.compat import LegacyManager\n    return LegacyManager\n"


def concept_files(p: str) -> dict[str, str]:
    return {
        f"{p}/__init__.py": "",
        f"{p}/core/__init__.py": "from .manager import ConnectionManager\n",
        f"{p}/core/impl.py": ("class _ManagerImpl:\n    pass\n\n\nManager = _ManagerImpl\n"
                              "UnifiedManager = _ManagerImpl\n\n\ndef helper():\n    return 1\n"),
        f"{p}/core/manager.py": ("from .impl import _ManagerImpl\n\nConnectionManager = _ManagerImpl\n\n\n"
                                 "class Event:\n    pass\n"),
        f"{p}/core/compat.py": ("import warnings\n\nfrom .manager import ConnectionManager as LegacyManager\n\n"
                                "warnings.warn('deprecated', DeprecationWarning)\n"),
        f"{p}/mods/__init__.py": "",
        f"contracts/{p}.toml": (f'[[concept]]\nname = "{p}-manager"\ncanonical = "{p}.core.manager:ConnectionManager"\n'
                                f'allowed_importers = ["{p}.core.**"]\n'),
    }


def importer(rng: random.Random, in_package: bool) -> tuple[str, int]:
    """A file importing two or three concepts in random shapes; returns (source, violations)."""
    lines = ["from typing import TYPE_CHECKING\n"]
    used, lazy, count = [], [], 0
    for n, p in enumerate(rng.sample(PACKAGES, rng.randint(2, 3))):
        shapes = SHAPES + ([RELATIVE] if in_package and p == in_package else [])
        for k in rng.sample(range(len(shapes)), 2):
            statement, bound, planted = shapes[k]
            tag = f"{n}_{k}"
            lines.append(statement.format(p=p, n=tag) + "\n")
            count += planted
            if bound:
                used.append(bound.format(n=tag))
        if rng.random() < 0.5:
            lazy.append(LAZY.format(p=p, n=n))
            count += 1
    body = "\n\n" + "\n\n".join(lazy) + "\n\ndef use():\n    return [" + ", ".join(used) + "]\n"
    return "".join(lines) + body, count


def generate(root: Path, seed: int = 7) -> int:
    rng = random.Random(seed)
    files: dict[str, str] = {}
    planted = 0
    for p in PACKAGES:
        files.update(concept_files(p))
        for i in range(30):
            source, count = importer(rng, p)
            files[f"{p}/mods/m{i}.py"] = source
            planted += count
    for i in range(40):
        source, count = importer(rng, False)
        files[f"tests/unit/test_{i}.py"] = source  # a test folder without __init__.py
        planted += count
    for i in range(20):
        source, count = importer(rng, False)
        files[f"scripts/run-job-{i}.py"] = source  # not a valid module name
        planted += count
    write_tree(root, files)
    return planted


def check_json(root: Path) -> dict:
    run = run_cli("check", root, "--no-cache", "--json", "-")
    return json.loads(run.stdout)


def test_hundreds_of_violations_fixed_in_one_run(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    planted = generate(root)
    before = check_json(root)
    fixable = [v for v in before["violations"] if v["code"] == "AG101" and v["fixable"]]
    assert len(fixable) == planted and planted > 300
    assert {v["path"].split("/")[0] for v in fixable} == {*PACKAGES, "tests", "scripts"}

    run = run_cli("fix", root, "--no-cache", "--json", tmp_path / "fix.json")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    result = json.loads((tmp_path / "fix.json").read_text())
    assert result["status"] == "fixed"
    assert result["summary"]["fixed_violations"] == planted
    assert result["not_fixed"] == [] and result["problems"] == []
    assert sorted(result["unused_shims"]) == [f"{p}/core/compat.py" for p in PACKAGES]

    after = check_json(root)
    assert after["summary"]["syntax_errors"] == 0  # every changed file still parses
    assert [v for v in after["violations"] if v["kind"] == "non-canonical-import"] == []
    assert [v for v in after["violations"] if v["code"] in ("AG201", "AG202")] == []

    again = run_cli("fix", root, "--no-cache")
    assert again.returncode == 0 and "Nothing to fix." in again.stdout
