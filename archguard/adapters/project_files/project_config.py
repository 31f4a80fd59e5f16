"""Options from ``[tool.archguard]`` in ROOT's pyproject.toml (same names as the CLI, ``_`` for ``-``)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text, require_inside
from archguard.domain.errors import ConfigError

# option name -> expected type (list options are repeatable on the command line)
KNOWN_OPTIONS: dict[str, type] = {
    "package": list,
    "exclude": list,
    "source_roots": list,  # folders whose packages are analysed too (docs/monorepos.md); --source-root
    "python": str,  # an environment whose distributions AG601 reads; --python
    "target_python": str,
    "contracts": str,
    "importlinter_config": str,
    "cache_dir": str,
    "no_cache": bool,
    "json": str,
    "baseline": str,
    "strict_baseline": bool,
    "format": str,
    "jobs": int,
    "entry_points": list,  # the golden path (docs/golden-path.md); --entry on the command line
}


def read_project_options(root: Path) -> dict[str, Any]:
    """The ``[tool.archguard]`` table of ROOT/pyproject.toml, validated; {} when there is none."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    require_inside(path, root, what="pyproject.toml", source="pyproject.toml")  # a symlink out of ROOT
    try:
        document = tomllib.loads(read_regular_text(path))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {describe_read_error(error)}", path="pyproject.toml") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path="pyproject.toml") from None
    tool = document.get("tool", {})
    table = tool.get("archguard", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError("[tool.archguard] must be a table", path="pyproject.toml")
    options: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name == "packages":  # a forgiving plural, since the CLI flag is repeatable
            name = "package"
        if name == "excludes":
            name = "exclude"
        if name == "source_root":
            name = "source_roots"
        expected = KNOWN_OPTIONS.get(name)
        if expected is None:
            known = ", ".join(sorted(KNOWN_OPTIONS))
            raise ConfigError(
                f"unknown option {key!r} in [tool.archguard]; known: {known}", path="pyproject.toml"
            )
        if expected is list and isinstance(value, str):
            value = [value]
        if not isinstance(value, expected) or (
            isinstance(value, list) and not all(isinstance(item, str) for item in value)
        ):
            raise ConfigError(
                f"[tool.archguard] {key} must be {'a list of strings' if expected is list else expected.__name__}",
                path="pyproject.toml",
            )
        if name == "jobs" and not (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 256
        ):
            raise ConfigError(
                f"[tool.archguard] {key} must be a number from 1 to 256, not {value!r}", path="pyproject.toml"
            )
        options[name] = value
    return options
