"""Contracts from TOML files in the contracts folder: ``[[concept]]`` tables (concept contracts)
and ``[[interface]]`` tables (interface contracts), any number of each per file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Protocol

from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text, require_inside
from archguard.domain.contracts import ConceptContract, ContractSet, InterfaceContract
from archguard.domain.errors import ConfigError

FIELDS = {"name", "canonical", "also", "allowed_importers", "ignore_imports", "reason"}
INTERFACE_FIELDS = {"name", "package", "also_public", "allowed_importers", "reason"}
_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_]\w*$")
_MODULE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_HEADER = re.compile(r"^\s*\[\[\s*(concept|interface)\s*\]\]")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLES = ("concept", "interface")


class Fail(Protocol):
    def __call__(self, message: str, key: str | None = None) -> ConfigError: ...


def load_contracts(
    folder: Path, *, display_root: Path | None = None, confine_to: Path | None = None
) -> ContractSet:
    """Every ``[[concept]]`` and ``[[interface]]`` of every ``*.toml`` file in ``folder`` (sorted by
    file name). ``confine_to``: the folder came from the tree, so it and each file must resolve
    inside it."""
    concepts: list[ConceptContract] = []
    interfaces: list[InterfaceContract] = []
    if confine_to is not None:
        require_inside(folder, confine_to, what="contracts folder", source=_display(folder, display_root))
    for path in sorted(folder.glob("*.toml")):
        if confine_to is not None:
            require_inside(path, confine_to, what="contract file", source=_display(path, display_root))
        found = load_contract_file(path, display_root=display_root)
        concepts.extend(found.concepts)
        interfaces.extend(found.interfaces)
    _reject_duplicate_names([*concepts, *interfaces])
    return ContractSet(tuple(concepts), tuple(interfaces))


def load_contract_file(path: Path, *, display_root: Path | None = None) -> ContractSet:
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
    unknown_tables = set(document) - set(_TABLES)
    if unknown_tables:
        key = sorted(unknown_tables)[0]
        raise ConfigError(
            f"unknown table or key {key!r}; contracts are [[concept]] and [[interface]] tables",
            path=shown,
            line=_line_of_key(text, key),
        )
    headers: dict[str, list[int]] = {kind: [] for kind in _TABLES}
    for number, text_line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(text_line)
        if header:
            headers[header.group(1)].append(number)
    tables: dict[str, list[tuple[dict[str, Any], int]]] = {}
    for kind in _TABLES:
        found = document.get(kind, [])
        if not isinstance(found, list) or not all(isinstance(table, dict) for table in found):
            raise ConfigError(
                f"{kind!r} must be an array of tables: write [[{kind}]]",
                path=shown,
                line=_line_of_key(text, kind),
            )
        lines = headers[kind]
        tables[kind] = [(table, lines[i] if i < len(lines) else 1) for i, table in enumerate(found)]
    return ContractSet(
        tuple(
            _concept_from_table(table, _failing(shown, text, line), shown, line)
            for table, line in tables["concept"]
        ),
        tuple(
            _interface_from_table(table, _failing(shown, text, line), shown, line)
            for table, line in tables["interface"]
        ),
    )


def _failing(shown: str, text: str, line: int) -> Fail:
    """A table's error: at the line of the key it is about, else at the table's header."""

    def fail(message: str, key: str | None = None) -> ConfigError:
        at = _line_of_key(text, key, start=line) if key else line
        return ConfigError(message, path=shown, line=at)

    return fail


def _concept_from_table(table: dict[str, Any], fail: Fail, shown: str, line: int) -> ConceptContract:
    _check_fields(table, FIELDS, fail)
    for required in ("name", "canonical"):
        _required_string(table, required, "concept", fail)
    canonical = table["canonical"].strip()
    if not _TARGET.match(canonical):
        raise fail(
            f"canonical {canonical!r} must be written module:Name (e.g. app.realtime.manager:ConnectionManager)",
            "canonical",
        )
    lists = {key: _string_list(table, key, fail) for key in ("also", "allowed_importers", "ignore_imports")}
    return ConceptContract(
        name=table["name"].strip(),
        canonical=canonical,
        also=lists["also"],
        allowed_importers=lists["allowed_importers"],
        ignore_imports=lists["ignore_imports"],
        reason=_reason(table, fail),
        source=f"{shown}:{line}",
    )


def _interface_from_table(table: dict[str, Any], fail: Fail, shown: str, line: int) -> InterfaceContract:
    _check_fields(table, INTERFACE_FIELDS, fail)
    for required in ("name", "package"):
        _required_string(table, required, "interface", fail)
    package = table["package"].strip()
    if not _MODULE.match(package):
        raise fail(f"package {package!r} must be a dotted module name (e.g. app.payments)", "package")
    also_public = _string_list(table, "also_public", fail)
    for expression in also_public:
        if not expression.startswith(package + "."):
            raise fail(
                f"also_public {expression!r} is not inside the package {package}: "
                f"write its full name ({package}.errors) or a pattern ({package}.api.**)",
                "also_public",
            )
    return InterfaceContract(
        name=table["name"].strip(),
        package=package,
        also_public=also_public,
        allowed_importers=_string_list(table, "allowed_importers", fail),
        reason=_reason(table, fail),
        source=f"{shown}:{line}",
    )


def _check_fields(table: dict[str, Any], fields: set[str], fail: Fail) -> None:
    unknown = sorted(set(table) - fields)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}; fields are {', '.join(sorted(fields))}", unknown[0])


def _required_string(table: dict[str, Any], key: str, kind: str, fail: Fail) -> None:
    if not isinstance(table.get(key), str) or not table[key].strip():
        raise fail(f"{kind} needs a non-empty string {key!r}", key if key in table else None)


def _string_list(table: dict[str, Any], key: str, fail: Fail) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(f"{key!r} must be a list of strings", key)
    return tuple(value)


def _reason(table: dict[str, Any], fail: Fail) -> str | None:
    reason = table.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise fail("'reason' must be a string", "reason")
    return reason


def _reject_duplicate_names(contracts: list[ConceptContract | InterfaceContract]) -> None:
    """Names are unique over both kinds: reports, ``fix --concept`` and fingerprints use them."""
    seen: dict[str, ConceptContract | InterfaceContract] = {}
    for contract in sorted(contracts, key=lambda c: _source_order(c.source)):
        if contract.name in seen:
            kind = "concept" if isinstance(contract, ConceptContract) else "interface"
            path, _, line = contract.source.rpartition(":")
            raise ConfigError(
                f"{kind} name {contract.name!r} is already used at {seen[contract.name].source}; names must be unique",
                path=path,
                line=int(line) if line.isdigit() else None,
            )
        seen[contract.name] = contract


def _source_order(source: str) -> tuple[str, int]:
    path, _, line = source.rpartition(":")
    return path, int(line) if line.isdigit() else 0


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
