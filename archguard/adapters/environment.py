"""What a Python environment has installed (``--python PATH``), read from its metadata files only:
each ``*.dist-info`` folder's ``METADATA`` (name, ``Requires-Dist``) and ``RECORD`` (the files it
installed, hence the top-level modules it provides; ``top_level.txt`` where there is no RECORD),
and ``*.egg-info`` folders' ``PKG-INFO``/``top_level.txt``/``requires.txt``. Nothing there is
imported or run (docs/monorepos.md, docs/security.md).

PATH is an interpreter (``.venv/bin/python``: the environment is the folder above ``bin``, the link
is not followed, since a virtualenv's python links to the base interpreter), an environment's
folder, or a ``site-packages`` folder itself. A virtualenv made with
``include-system-site-packages = true`` reads its base installation's too.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.environment import InstalledDistributions, normalise
from archguard.domain.errors import ConfigError

_SITE_PATTERNS = (
    "lib/python3*/site-packages",
    "lib64/python3*/site-packages",
    "Lib/site-packages",
    "lib/python3*/dist-packages",
    "lib/python3/dist-packages",
    "local/lib/python3*/dist-packages",
)
_METADATA_LIMIT = 4 << 20  # a metadata file larger than this is not metadata


def site_folders(python: Path) -> list[Path]:
    """The site-packages folders of the environment PATH names; ConfigError when there are none."""
    path = Path(python)
    if path.is_dir() and any(entry.name.endswith((".dist-info", ".egg-info")) for entry in _entries(path)):
        return [path]
    if path.is_dir():
        prefix = path
    elif path.exists() or path.is_symlink():
        prefix = path.parent.parent if path.parent.name in ("bin", "Scripts") else path.parent
    else:
        raise ConfigError(f"--python {python}: no such interpreter or folder")
    folders = _site_of(prefix)
    base = _base_prefix(prefix)
    if base is not None:
        known = {os.path.realpath(f) for f in folders}
        folders += [f for f in _site_of(base) if os.path.realpath(f) not in known]
    if not folders:
        raise ConfigError(f"--python {python}: no site-packages folder found under {prefix}")
    return folders


def identity(folders: Iterable[Path]) -> tuple[tuple[str, str, int], ...]:
    """What the distributions read from ``folders`` depend on: each metadata folder's name and
    modification time (an install, upgrade or removal changes them)."""
    found = []
    for folder in folders:
        for entry in _entries(folder):
            if entry.name.endswith((".dist-info", ".egg-info")):
                try:
                    found.append((str(folder), entry.name, entry.stat().st_mtime_ns))
                except OSError:
                    continue
    return tuple(sorted(found))


def read_installed(folders: Iterable[Path]) -> InstalledDistributions:
    providers: dict[str, set[str]] = {}
    requires: dict[str, frozenset[str]] = {}
    read = []
    for folder in folders:
        read.append(str(folder))
        for entry in sorted(_entries(folder), key=lambda e: e.name):
            if entry.name.endswith(".dist-info"):
                found = _dist_info(Path(entry.path))
            elif entry.name.endswith(".egg-info") and entry.is_dir():
                found = _egg_info(Path(entry.path))
            else:
                continue
            if found is None:
                continue
            name, modules, needs = found
            requires.setdefault(name, needs)
            for module in modules:
                providers.setdefault(module, set()).add(name)
    return InstalledDistributions(
        location=", ".join(read),
        providers={module: tuple(sorted(names)) for module, names in providers.items()},
        requires=requires,
    )


def stdlib_modules() -> frozenset[str]:
    """The standard library's top-level modules (of the Python running archguard)."""
    return frozenset(sys.stdlib_module_names) | {"__future__"}


# --- one distribution ----------------------------------------------------------------------------


def _dist_info(folder: Path) -> tuple[str, set[str], frozenset[str]] | None:
    metadata = _text(folder / "METADATA")
    if metadata is None:
        return None
    headers = _headers(metadata)
    name = headers.get("name", [""])[0] or folder.name.rsplit("-", 1)[0]
    needs = frozenset(_requirement_name(r) for r in headers.get("requires-dist", []) if _requirement_name(r))
    record = _text(folder / "RECORD")
    if record is not None:
        paths = [row[0] for row in csv.reader(record.splitlines()) if row]
        modules = _modules_of(paths)
    else:
        modules = set(_lines(_text(folder / "top_level.txt")))
    return normalise(name), modules, needs


def _egg_info(folder: Path) -> tuple[str, set[str], frozenset[str]] | None:
    info = _text(folder / "PKG-INFO")
    name = (_headers(info).get("name", [""])[0] if info else "") or folder.name.split("-", 1)[0]
    requires = [line for line in _lines(_text(folder / "requires.txt")) if not line.startswith("[")]
    needs = frozenset(_requirement_name(r) for r in requires if _requirement_name(r))
    return normalise(name.removesuffix(".egg")), set(_lines(_text(folder / "top_level.txt"))), needs


def _modules_of(paths: Iterable[str]) -> set[str]:
    """Top-level modules a distribution installed, from its RECORD paths; for a folder without
    ``__init__.py`` (a namespace package such as ``google``) also the modules one level below."""
    tops: dict[str, set[str]] = {}  # folder -> what it holds one level down
    regular: set[str] = set()
    modules: set[str] = set()
    for path in paths:
        parts = path.replace("\\", "/").split("/")
        first = parts[0]
        if (
            first in ("..", "")
            or first.endswith((".dist-info", ".data", ".egg-info"))
            or first == "__pycache__"
        ):
            continue
        if len(parts) == 1:
            stem = first.split(".", 1)[0]
            if first.endswith((".py", ".so", ".pyd")) and stem.isidentifier():
                modules.add(stem)
            continue
        if not first.isidentifier():
            continue
        below = tops.setdefault(first, set())
        if parts[1] == "__init__.py":
            regular.add(first)
        elif parts[1] != "__pycache__":
            below.add(parts[1].split(".", 1)[0])
    for folder, below in tops.items():
        modules.add(folder)
        if folder not in regular:
            modules.update(f"{folder}.{name}" for name in below if name.isidentifier())
    return modules


# --- small helpers ---------------------------------------------------------------------------------


def _site_of(prefix: Path) -> list[Path]:
    found: dict[str, Path] = {}  # by real path: a virtualenv's lib64 is a link to its lib
    for pattern in _SITE_PATTERNS:
        for folder in sorted(prefix.glob(pattern)):
            if folder.is_dir():
                found.setdefault(os.path.realpath(folder), folder)
    return list(found.values())


def _base_prefix(prefix: Path) -> Path | None:
    """The base installation of a virtualenv that includes its site-packages, else None."""
    config = _text(prefix / "pyvenv.cfg")
    if config is None:
        return None
    settings = {
        key.strip().lower(): value.strip()
        for key, sep, value in (line.partition("=") for line in config.splitlines())
        if sep
    }
    if settings.get("include-system-site-packages", "").lower() != "true" or not settings.get("home"):
        return None
    return Path(settings["home"]).parent


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _text(path: Path) -> str | None:
    try:
        data, status = read_regular(path, max_bytes=_METADATA_LIMIT)
    except OSError:
        return None
    if status.st_size > _METADATA_LIMIT:
        return None
    return data.decode("utf-8", "replace")


def _headers(text: str | None) -> dict[str, list[str]]:
    """The email-style headers of a METADATA/PKG-INFO file (up to the first blank line)."""
    found: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            found.setdefault(key.strip().lower(), []).append(value.strip())
    return found


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _requirement_name(requirement: str) -> str:
    name = ""
    for char in requirement.strip():
        if char.isalnum() or char in "-_.":
            name += char
        else:
            break
    return normalise(name) if name else ""
