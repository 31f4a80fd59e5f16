"""Helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archguard.domain.result import CheckResult
from archguard.reporting import json_report


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each ``relative path -> content`` under ROOT (folders made as needed; text as UTF-8,
    bytes as they are) and return ROOT."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def concept_tree(count: int) -> dict[str, str]:
    """A package of COUNT modules that import one concept through its canonical path and through a
    re-export, in an import ring (a cycle), plus a loose test file with a dangling module and name
    and a concept contract: every kind of finding, in a tree big enough for the scan's worker pool
    (it parses trees under 200 files in-process)."""
    tree = {"app/__init__.py": "from app.core import Engine as Engine\n",
            "app/core.py": "class Engine:\n    pass\n\nOld = Engine\n"}
    for i in range(count):
        tree[f"app/m{i}.py"] = (
            f"from app.core import Engine\nfrom app import Engine as E{i}\nimport app.m{(i + 1) % count}\n"
        )
    tree["tests/test_x.py"] = "from app.core import Old, Missing\nimport app.gone\n"
    tree["contracts/engine.toml"] = '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n'
    return tree


def comparable_json(result: CheckResult | dict[str, Any]) -> dict[str, Any]:
    """The JSON result (of a CheckResult, or as the CLI wrote it) without what legitimately differs
    between equal runs (timing, cache hits, the root folder, the tool's version)."""
    data = result if isinstance(result, dict) else json_report.to_json(result, tool_version="test", command="check")
    data.pop("tool", None)
    data["summary"].pop("duration_s", None)
    data["summary"].pop("cache_hits", None)
    data.pop("root", None)
    return data
