"""Files ``discover --write-contracts`` and ``init`` create: never over an existing one."""

from __future__ import annotations

import os
from pathlib import Path

from archguard.domain.errors import ConfigError


def write_new_file(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` (folders made as needed); False when it already exists.
    ``O_EXCL`` makes "does not exist" and "create" one step, so a file appearing meanwhile is
    never overwritten either."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    except OSError as error:
        raise ConfigError(f"cannot create {path}: {error.strerror}") from None
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return True


def append_table(path: Path, table_name: str, text: str) -> bool:
    """Append a TOML table to an existing file that has no table of that name; the existing
    content is left byte for byte. False when the table is there already."""
    import tomllib

    try:
        current = path.read_text(encoding="utf-8")
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
    with path.open("a", encoding="utf-8") as stream:
        stream.write(separator + "\n" + text)
    return True
