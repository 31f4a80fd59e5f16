"""archguard holds its own concepts: `archguard check` on this repository is clean."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import REPO, run_cli


def test_archguard_check_on_its_own_repository_is_clean(tmp_path: Path) -> None:
    run = run_cli("check", REPO, "--cache-dir", tmp_path, "--json", "-")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    data = json.loads(run.stdout)
    assert data["summary"]["violations"] == 0
    assert data["summary"]["syntax_errors"] == 0
    # the project's own concepts in contracts/ were really run, not skipped
    assert {"violation", "relative-import-resolution", "config-error"} <= set(data["contracts"])
