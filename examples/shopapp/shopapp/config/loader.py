"""The one place settings are read from (canonical)."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(os.environ.get("SHOPAPP_SETTINGS", "settings.toml"))


@lru_cache(maxsize=4)
def load_settings(path: Path = DEFAULT_PATH) -> dict[str, object]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    data.update({k[8:].lower(): v for k, v in os.environ.items() if k.startswith("SHOPAPP_")})
    return data
