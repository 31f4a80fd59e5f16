"""The known-violations baseline: a small JSON file that only ratchets down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.output_files import write_output
from archguard.adapters.project_files.safe_io import describe_read_error, read_regular_text
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Violation

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
        raise ConfigError(f"baseline is not valid JSON: {error.msg}", path=str(path), line=error.lineno) from None
    if not isinstance(document, dict) or document.get("schema") != BASELINE_SCHEMA:
        raise ConfigError(f"not an archguard baseline (expected \"schema\": \"{BASELINE_SCHEMA}\")", path=str(path))
    entries = document.get("violations", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise ConfigError("baseline 'violations' must be a list of objects with a string 'fingerprint'", path=str(path))
    return entries


def baseline_entry(violation: Violation) -> dict[str, Any]:
    """What a baseline remembers of a violation: the fingerprint, plus enough to read it by eye."""
    return {
        "fingerprint": violation.fingerprint,
        "code": violation.code,
        "contract": violation.contract,
        "path": violation.path,
        "imported": violation.imported,
        "statement": " ".join(violation.statement.split()),
    }


def write_baseline(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write atomically, sorted, so the file diffs well in code review."""
    document = {
        "schema": BASELINE_SCHEMA,
        "violations": sorted(entries, key=lambda e: (e.get("path", ""), e.get("code", ""), e["fingerprint"])),
    }
    write_output(json.dumps(document, indent=2) + "\n", path)  # a failed write: exit 2, old file kept
