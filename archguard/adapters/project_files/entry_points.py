"""The modules a project's metadata declares as entry points: installers, pytest and plugin hosts
load them by name, so ``discover`` never calls one "safe to delete" (docs/discover.md, Shims).

Read from ROOT, never executed: ``pyproject.toml`` (``[project.scripts]``, ``[project.gui-scripts]``,
``[project.entry-points.<group>]``, Poetry's ``[tool.poetry.scripts]`` and
``[tool.poetry.plugins.<group>]``), ``setup.cfg`` (``[options.entry_points]``) and the
``entry_points.txt`` of an unpacked wheel (``*.dist-info/``). A file that cannot be read or
parsed declares nothing: this only ever keeps modules, so a broken file costs a missed "kept",
never a wrong one.
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.safe_io import is_inside, read_regular_text


def declared_entry_points(root: Path) -> dict[str, str]:
    """module -> where it is declared (``[project.scripts] foo in pyproject.toml``); the first
    declaration of a module wins."""
    found: dict[str, str] = {}
    sources = [
        ("pyproject.toml", _pyproject),
        ("setup.cfg", _setup_cfg),
        *((f"{p.name}/entry_points.txt", _entry_points_txt) for p in sorted(root.glob("*.dist-info"))),
    ]
    for name, parse in sources:
        path = root / name
        if not is_inside(path, root):  # a link out of the tree is not the tree's metadata
            continue
        try:
            text = read_regular_text(path)
        except (OSError, UnicodeDecodeError):
            continue
        try:
            for group, key, value in parse(text):
                module = value.partition(":")[0].strip().split("[")[0].strip()
                if module:
                    found.setdefault(module, f"{group} {key!r} in {name}")
        except (tomllib.TOMLDecodeError, configparser.Error, AttributeError, TypeError):
            continue
    return found


def _pyproject(text: str) -> Iterator[tuple[str, str, str]]:
    document = tomllib.loads(text)
    project = document.get("project", {})
    for table in ("scripts", "gui-scripts"):
        yield from _pairs(f"[project.{table}]", project.get(table))
    for group, entries in (project.get("entry-points") or {}).items():
        yield from _pairs(f"[project.entry-points.{group!r}]", entries)
    poetry = document.get("tool", {}).get("poetry", {})
    yield from _pairs("[tool.poetry.scripts]", poetry.get("scripts"))
    for group, entries in (poetry.get("plugins") or {}).items():
        yield from _pairs(f"[tool.poetry.plugins.{group!r}]", entries)


def _pairs(group: str, table: Any) -> Iterator[tuple[str, str, str]]:
    if not isinstance(table, Mapping):
        return
    for key, value in table.items():
        if isinstance(value, Mapping):  # poetry's {reference = "...", type = "console"}
            value = value.get("reference") or value.get("callable")
        if isinstance(value, str):
            yield group, str(key), value


def _setup_cfg(text: str) -> Iterator[tuple[str, str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if not parser.has_section("options.entry_points"):
        return
    for group, block in parser.items("options.entry_points"):
        yield from _ini_lines(f"[options.entry_points] {group}", block)


def _entry_points_txt(text: str) -> Iterator[tuple[str, str, str]]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep the names' case
    parser.read_string(text)
    for group in parser.sections():
        for key, value in parser.items(group):
            yield f"[{group}]", key, value


def _ini_lines(group: str, block: str) -> Iterator[tuple[str, str, str]]:
    for line in block.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            yield group, key.strip(), value.strip()
