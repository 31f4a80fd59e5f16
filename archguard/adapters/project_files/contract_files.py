"""Concept contracts from TOML files (``[[concept]]`` tables) in the contracts folder."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text, require_inside
from archguard.domain.contracts import ConceptContract
from archguard.domain.errors import ConfigError

FIELDS = {"name", "canonical", "also", "allowed_importers", "ignore_imports", "reason"}
_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_]\w*$")
_CONCEPT_HEADER = re.compile(r"^\s*\[\[\s*concept\s*\]\]")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_contracts(
    folder: Path, *, display_root: Path | None = None, confine_to: Path | None = None
) -> list[ConceptContract]:
    """Every ``[[concept]]`` of every ``*.toml`` file in ``folder`` (sorted by file name).
    ``confine_to``: the folder came from the tree, so it and each file must resolve inside it."""
    contracts: list[ConceptContract] = []
    if confine_to is not None:
        require_inside(folder, confine_to, what="contracts folder", source=_display(folder, display_root))
    for path in sorted(folder.glob("*.toml")):
        if confine_to is not None:
            require_inside(path, confine_to, what="contract file", source=_display(path, display_root))
        contracts.extend(load_contract_file(path, display_root=display_root))
    _reject_duplicate_names(contracts)
    return contracts


def load_contract_file(path: Path, *, display_root: Path | None = None) -> list[ConceptContract]:
    shown = _display(path, display_root)
    try:
        text = read_regular_text(path)  # a FIFO is refused, never waited on
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read contract file: {describe_read_error(error)}", path=shown) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = int(position.group(1)) if position else None
        message = _TOML_POSITION.sub("", str(error)).strip()
        raise ConfigError(f"not valid TOML: {message}", path=shown, line=line) from None
    unknown_tables = set(document) - {"concept"}
    if unknown_tables:
        key = sorted(unknown_tables)[0]
        raise ConfigError(
            f"unknown table or key {key!r}; concept contracts are [[concept]] tables",
            path=shown,
            line=_line_of_key(text, key),
        )
    tables = document.get("concept", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise ConfigError(
            "'concept' must be an array of tables: write [[concept]]",
            path=shown,
            line=_line_of_key(text, "concept"),
        )
    header_lines = [n for n, line in enumerate(text.splitlines(), 1) if _CONCEPT_HEADER.match(line)]
    return [
        _contract_from_table(table, shown, text, header_lines[i] if i < len(header_lines) else 1)
        for i, table in enumerate(tables)
    ]


def _contract_from_table(table: dict[str, Any], shown: str, text: str, line: int) -> ConceptContract:
    def fail(message: str, key: str | None = None) -> ConfigError:
        at = _line_of_key(text, key, start=line) if key else line
        return ConfigError(message, path=shown, line=at)

    unknown = sorted(set(table) - FIELDS)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}; fields are {', '.join(sorted(FIELDS))}", unknown[0])
    for required in ("name", "canonical"):
        if not isinstance(table.get(required), str) or not table[required].strip():
            raise fail(
                f"concept needs a non-empty string {required!r}", required if required in table else None
            )
    canonical = table["canonical"].strip()
    if not _TARGET.match(canonical):
        raise fail(
            f"canonical {canonical!r} must be written module:Name (e.g. app.realtime.manager:ConnectionManager)",
            "canonical",
        )
    lists = {}
    for key in ("also", "allowed_importers", "ignore_imports"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail(f"{key!r} must be a list of strings", key)
        lists[key] = tuple(value)
    reason = table.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise fail("'reason' must be a string", "reason")
    return ConceptContract(
        name=table["name"].strip(),
        canonical=canonical,
        also=lists["also"],
        allowed_importers=lists["allowed_importers"],
        ignore_imports=lists["ignore_imports"],
        reason=reason,
        source=f"{shown}:{line}",
    )


def _reject_duplicate_names(contracts: list[ConceptContract]) -> None:
    seen: dict[str, ConceptContract] = {}
    for contract in contracts:
        if contract.name in seen:
            path, _, line = contract.source.rpartition(":")
            raise ConfigError(
                f"concept name {contract.name!r} is already used at {seen[contract.name].source}; names must be unique",
                path=path,
                line=int(line) if line.isdigit() else None,
            )
        seen[contract.name] = contract


def _line_of_key(text: str, key: str | None, start: int = 1) -> int | None:
    if key is None:
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines()[start - 1 :], start):
        if pattern.match(line):
            return number
    return start


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
