"""Files ``discover --write-contracts`` and ``init`` create: never over an existing one."""

from __future__ import annotations

import os
from pathlib import Path

from archguard.adapters.project_files.output_files import create_new, encode_text, guard_destination
from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.errors import ConfigError


def write_new_file(path: Path, text: str, *, root: Path) -> bool:
    """Create ``path`` with ``text`` (folders made as needed); False when it already exists.
    Through the one output guard (never through a link out of ROOT ``root``, never in ``.git``)."""
    try:
        return create_new(path, encode_text(text), root=root)
    except OSError as error:
        raise ConfigError(f"cannot create {path}: {error.strerror or error}") from None


def append_table(path: Path, table_name: str, text: str, *, root: Path) -> bool:
    """Append a TOML table to an existing file that has no table of that name; the existing
    content is left byte for byte. False when the table is there already."""
    import tomllib

    try:
        current = read_regular(path, confine_to=root)[0].decode("utf-8")
        document = tomllib.loads(current)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", path=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path=str(path)) from None
    node: object = document
    for part in table_name.split("."):
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
    else:
        return False
    separator = "" if current.endswith("\n") or not current else "\n"
    try:
        guard_destination(path, root=root)
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise ConfigError(f"cannot write: {error.strerror or error}", path=str(path)) from None
    with os.fdopen(handle, "wb") as stream:
        stream.write(encode_text(separator + "\n" + text))
    return True
