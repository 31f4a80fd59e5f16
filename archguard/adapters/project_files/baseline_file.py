"""The known-violations baseline: a small JSON file that only ratchets down."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.output_files import write_output
from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text
from archguard.domain.errors import ConfigError
from archguard.domain.findings import DEPENDENCY, Violation

BASELINE_SCHEMA = "archguard-baseline/1"


def read_baseline(path: Path) -> list[dict[str, Any]]:
    """Entries of a baseline file; a missing file is an empty baseline."""
    if not path.exists() and not path.is_symlink():
        return []
    try:
        document = json.loads(read_regular_text(path))
    except (OSError, UnicodeDecodeError) as error:  # a FIFO is refused, never waited on
        raise ConfigError(f"cannot read baseline: {describe_read_error(error)}", path=str(path)) from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"baseline is not valid JSON: {error.msg}", path=str(path), line=error.lineno
        ) from None
    schema = document.get("schema") if isinstance(document, dict) else None
    if _is_newer_schema(schema):
        raise ConfigError(
            f"baseline written by a newer archguard ({schema}); this one reads {BASELINE_SCHEMA}: "
            "upgrade archguard",
            path=str(path),
        )
    if schema != BASELINE_SCHEMA:
        raise ConfigError(
            f'not an archguard baseline (expected "schema": "{BASELINE_SCHEMA}")', path=str(path)
        )
    entries = document.get("violations", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(
            "baseline 'violations' must be a list of objects with a string 'fingerprint'", path=str(path)
        )
    for entry in entries:
        _check_annotations(entry, path)
    return entries


def _is_newer_schema(schema: object) -> bool:
    """``archguard-baseline/N`` with N above ours: a real baseline this version cannot read."""
    name, _, ours = BASELINE_SCHEMA.rpartition("/")
    if not isinstance(schema, str) or not schema.startswith(name + "/"):
        return False
    version = schema[len(name) + 1 :]
    return version.isdigit() and int(version) > int(ours)


def _check_annotations(entry: dict[str, Any], path: Path) -> None:
    """``owner``, ``reason`` and ``expires`` are written by people: check them, naming the entry."""
    where = f"baseline entry {entry['fingerprint']}"
    for key in ("owner", "reason"):
        if key in entry and not isinstance(entry[key], str):
            raise ConfigError(f"{where}: {key!r} must be a string", path=str(path))
    if "expires" in entry:
        try:
            entry["expires"] = parse_expiry(entry["expires"])
        except ValueError as error:
            raise ConfigError(f"{where}: {error}", path=str(path)) from None


def parse_expiry(value: object) -> str:
    """An ISO date (YYYY-MM-DD), returned in that form."""
    if not isinstance(value, str):
        raise ValueError("'expires' must be an ISO date string such as \"2026-06-30\"")
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"'expires' must be an ISO date (YYYY-MM-DD), not {value!r}") from None


def baseline_entry(violation: Violation) -> dict[str, Any]:
    """What a baseline remembers of a violation: the fingerprint, plus enough to read it by eye."""
    entry = {
        "fingerprint": violation.fingerprint,
        "code": violation.code,
        "contract": violation.contract,
        "path": violation.path,
        "imported": violation.imported,
        "statement": " ".join(violation.statement.split()),
    }
    dependency = dict(violation.extra).get(DEPENDENCY)
    if dependency:  # an import-linter finding: the dependency it starts (docs/ratchet.md)
        entry[DEPENDENCY] = dependency
    return entry


# Keys in this order in every entry (then any others, sorted), so a diff shows only what changed.
_KEY_ORDER = (
    "fingerprint",
    "code",
    "contract",
    "path",
    "imported",
    "statement",
    "dependency",
    "owner",
    "reason",
    "expires",
)


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    known = {key: entry[key] for key in _KEY_ORDER if key in entry}
    return {**known, **{key: entry[key] for key in sorted(entry) if key not in known}}


def write_baseline(path: Path, entries: list[dict[str, Any]], *, root: Path | None = None) -> None:
    """Write atomically, sorted, so the file diffs well in code review."""
    document = {
        "schema": BASELINE_SCHEMA,
        "violations": [
            _ordered(e)
            for e in sorted(entries, key=lambda e: (e.get("path", ""), e.get("code", ""), e["fingerprint"]))
        ],
    }
    write_output(
        json.dumps(document, indent=2) + "\n", path, root=root
    )  # a failed write: exit 2, old file kept
