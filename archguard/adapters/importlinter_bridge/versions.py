"""The installed import-linter and grimp, read without importing either: results they checked are
not reused by other versions (their versions are part of every check key)."""

from __future__ import annotations

import os
from functools import cache


@cache
def checker_versions() -> tuple[str, ...]:
    """(import-linter's version, grimp's version)."""
    return _version("import-linter", "importlinter"), _version("grimp", "grimp")


def _version(distribution: str, module: str) -> str:
    """The version in the name of the ``.dist-info`` folder beside the installed module (PEP 376),
    found without importing either; else as importlib.metadata reads it, which scans every
    distribution on sys.path (a tenth of a warm check's start)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        site = os.path.dirname(folder)
        prefix = distribution.replace("-", "_").lower() + "-"
        try:
            found = [name for name in os.listdir(site) if name.lower().startswith(prefix)]
        except OSError:
            break
        infos = [name for name in found if name.endswith(".dist-info")]
        if len(infos) == 1:
            return infos[0][len(prefix) : -len(".dist-info")]
        break
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
