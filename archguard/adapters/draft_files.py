"""Files ``discover --write-contracts`` and ``init`` create: never over an existing one."""

from __future__ import annotations

import os
from pathlib import Path

from archguard.adapters.project_files.config_errors import ConfigError


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
