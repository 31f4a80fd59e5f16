"""The user's import-linter contracts (AG301), run by import-linter on archguard's graph of the
whole tree (``adapters/importlinter_bridge``). The graph is a function of the files and their
import facts alone, so when no file's import digest changed (an edit that adds a class, a
function, a name) the last run's findings stand and no graph is built."""

from __future__ import annotations

from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord
from archguard.domain.findings import assign_fingerprints


class ImportLinterPass(TreePass):
    name = "import-linter"

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        config = run.importlinter
        if config is None:
            return None
        key = run.graph_inputs_key()
        display = config.display_path
        if prior is not None and prior.key == key and run.importlinter_identity is not None:
            record = prior
        else:
            from archguard.adapters.importlinter_bridge.importlinter_runner import run_config

            result = run_config(config, lambda: run.graph, run.files, run.facts)
            record = PassRecord(
                self.name,
                key=key,
                violations=tuple(assign_fingerprints(result.violations)),
                kept=tuple(result.kept),
                broken=tuple(result.broken),
                warnings=tuple(result.warnings),
            )
        return TreeOutcome(
            record,
            list(record.violations),
            [*record.kept, *record.broken],
            [f"{display}: {warning}" for warning in record.warnings],
        )
