"""Options from ``[tool.archguard]`` in ROOT's pyproject.toml (same names as the CLI, ``_`` for ``-``),
checked against their declarations in ``archguard/domain/options.py``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text, require_inside
from archguard.domain.errors import ConfigError
from archguard.domain.options import Kind, OptionSpec, configurable

# [tool.archguard] key -> the option it sets (archguard/domain/options.py declares them)
KNOWN_OPTIONS: dict[str, OptionSpec] = configurable()
_TOML_TYPES = {Kind.FLAG: bool, Kind.INT: int}  # every other kind is written as a string


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
        spec = KNOWN_OPTIONS.get(key.replace("-", "_"))
        if spec is None:
            known = ", ".join(sorted({spec.config for spec in KNOWN_OPTIONS.values() if spec.config}))
            raise ConfigError(
                f"unknown option {key!r} in [tool.archguard]; known: {known}", path="pyproject.toml"
            )
        assert spec.config is not None
        options[spec.config] = _checked(key, value, spec)
    return options


def _checked(key: str, value: Any, spec: OptionSpec) -> Any:
    """VALUE as the TOML type SPEC's kind asks for (a repeatable option also takes one string)."""
    if spec.repeatable and isinstance(value, str):
        value = [value]
    expected: type = list if spec.repeatable else _TOML_TYPES.get(spec.kind, str)
    if not isinstance(value, expected) or (
        isinstance(value, list) and not all(isinstance(item, str) for item in value)
    ):
        raise ConfigError(
            f"[tool.archguard] {key} must be {'a list of strings' if expected is list else expected.__name__}",
            path="pyproject.toml",
        )
    if not spec.allows(value):  # the messages users have seen since these options existed
        if spec.choices:
            raise ConfigError(f"{key} must be {spec.allowed}", path="pyproject.toml")
        raise ConfigError(
            f"[tool.archguard] {key} must be {spec.allowed}, not {value!r}", path="pyproject.toml"
        )
    return value
