"""Checks on an import-linter configuration read from an untrusted tree, before import-linter
acts on it: option types (so ``root_packages = 5`` is exit 2 naming the file, not a traceback), and
``contract_types`` (each must name a Contract subclass, and never a module of the analysed tree:
archguard never imports the code it analyses)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from importlinter.domain.contract import Contract

from archguard.adapters.project_files.safe_io import is_inside
from archguard.domain.errors import ConfigError

_STRING_LIST_OPTIONS = ("root_packages", "contract_types")


def validate_session_options(session_options: Mapping[str, Any], display: str) -> None:
    for key in _STRING_LIST_OPTIONS:
        value = session_options.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(
                f"'{key}' must be a string or a list of strings, not {type(value).__name__}", path=display
            )


def validate_contract_options(options: Mapping[str, Any], display: str, section: str) -> None:
    for key in ("name", "type"):
        if key in options and not isinstance(options[key], str):
            raise ConfigError(
                f"[{section}] '{key}' must be a string, not {type(options[key]).__name__}", path=display
            )


def plugin_contract_types(
    session_options: Mapping[str, Any], root: Path, display: str
) -> dict[str, type[Contract]]:
    """``contract_types`` entries (``name: module.ContractClass``) resolved to classes."""
    entries = session_options.get("contract_types") or []
    if isinstance(entries, str):
        entries = [line for line in entries.splitlines() if line.strip()]
    found: dict[str, type[Contract]] = {}
    for entry in entries:
        name, colon, target = (part.strip() for part in entry.partition(":"))
        module_name, dot, class_name = target.rpartition(".")
        if not colon or not name or not dot or not all(p.isidentifier() for p in target.split(".")):
            raise ConfigError(
                f"contract_types entry {entry.strip()!r} must be 'name: module.ContractClass'", path=display
            )
        _refuse_tree_module(module_name, root, display)
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ConfigError(f"cannot load a contract type: {error}", path=display) from None
        except Exception as error:  # noqa: BLE001 - a plugin module failing to import is config
            raise ConfigError(
                f"cannot load contract type {name!r}: importing {module_name} raised {type(error).__name__}",
                path=display,
            ) from None
        contract_class = getattr(module, class_name, None)
        if not (isinstance(contract_class, type) and issubclass(contract_class, Contract)):
            raise ConfigError(
                f"contract_types {name!r}: {target} is not a contract class (a subclass of importlinter's Contract)",
                path=display,
            )
        found[name] = contract_class
    return found


def _refuse_tree_module(module_name: str, root: Path, display: str) -> None:
    """Never import the analysed code. A module already loaded runs nothing when imported again
    (archguard's own contract). Any other module is refused when its top-level name is one of the
    tree's own (a folder or module file at ROOT or in ROOT/src), whatever the import system's finders
    say: an editable install (setuptools' PEP 660 finder on ``sys.meta_path``), a ``.pth`` file or
    PYTHONPATH can all make the tree importable. Else the first part of the name not yet loaded is
    looked up through every finder, without importing anything, and refused when it lives in ROOT."""
    if module_name in sys.modules:
        return
    parts = module_name.split(".")
    if parts[0] not in sys.modules and parts[0] in tree_top_level_names(root):
        raise _inside_error(module_name, display)
    loaded = 1
    while ".".join(parts[:loaded]) in sys.modules:
        loaded += 1
    try:  # a top-level name, or a submodule of a loaded package: finding it imports nothing
        spec = importlib.util.find_spec(".".join(parts[:loaded]))
    except (ImportError, ValueError):
        return  # import_module reports it as not found
    if spec is None:
        return
    locations = [spec.origin] if spec.origin and spec.has_location else []
    locations += list(spec.submodule_search_locations or [])
    if any(is_inside(Path(location), root) for location in locations):
        raise _inside_error(module_name, display)


def tree_top_level_names(root: Path) -> set[str]:
    """Names the tree's code would be imported under: each folder and module file at ROOT and in
    ROOT/src (``x.py``, ``x.pyi``, ``x.cpython-311-x86_64-linux-gnu.so``, ``x/``)."""
    names: set[str] = set()
    for folder in (root, root / "src"):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name.partition(".")[0] if not entry.is_dir(follow_symlinks=False) else entry.name
            if name.isidentifier():
                names.add(name)
    return names


def _inside_error(module_name: str, display: str) -> ConfigError:
    return ConfigError(
        f"contract type module {module_name!r} lives inside the analysed tree; archguard never "
        "imports the code it analyses (install the plugin outside ROOT)",
        path=display,
    )
