"""``archguard init``: bootstrap a repository from what ``discover`` finds (docs/discover.md).

Creates, each only when it is not there yet: a ``[tool.archguard]`` table (a new
``pyproject.toml``, or the table appended to an existing one that has none), concept contracts
drafted from the top clusters in the contracts folder, a ``.importlinter`` when the project has
no import-linter configuration, and a first baseline of today's violations. It never overwrites
or edits an existing file's content; every step says what it did or why it kept what was there.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from archguard.adapters.importlinter_bridge.importlinter_runner import find_config_file
from archguard.adapters.project_files.draft_files import append_table, write_new_file
from archguard.adapters.project_files.project_config import read_project_options
from archguard.adapters.project_files.workspace_config import workspace_above
from archguard.analysis.discover.copies import backup_excludes
from archguard.app import Options, Progress, load_concept_contracts, record_baseline
from archguard.app.discover import run_discover, write_contract_drafts
from archguard.domain.contracts import ConceptContract
from archguard.domain.discovery import DiscoveryResult
from archguard.reporting.contract_drafts import importlinter_draft, project_table

DEFAULT_BASELINE = "archguard-baseline.json"
DEFAULT_CONTRACTS = "contracts"


def run_init(options: Options, progress: Progress | None = None, *, top: int = 5) -> list[str]:
    root = options.root.resolve()
    configured = read_project_options(root)
    result = run_discover(options, progress)
    line, written_excludes = _project_table(root, configured, result, options.source_roots)
    lines = [line]
    above = workspace_above(root)
    if above is not None:
        lines.append(
            f"note: {root} is a member of the workspace at {above}: `archguard init {above}` covers "
            "every member with one [tool.archguard] there (docs/monorepos.md)"
        )
    if written_excludes and not options.excludes:  # the baseline sees what later checks see
        options = replace(options, excludes=tuple(written_excludes))
    contracts_dir = options.contracts_dir or root / DEFAULT_CONTRACTS
    drafted = result.clusters[:top]
    if drafted:
        lines += write_contract_drafts(result, contracts_dir, top=top)
    else:
        lines.append("no concept clusters found: no contracts drafted")
    baseline = options.baseline or root / DEFAULT_BASELINE
    concepts = (
        load_concept_contracts(replace(options, contracts_dir=contracts_dir), root)
        if contracts_dir.is_dir()
        else []
    )
    lines.append(_importlinter(root, options, result, concepts, baseline))
    if baseline.exists():
        lines.append(f"kept {baseline} (exists)")
    else:
        # The drafted folder, when there is one (nothing drafted: no folder, and no contracts)
        drafts = contracts_dir if contracts_dir.is_dir() else options.contracts_dir
        checked = record_baseline(replace(options, baseline=baseline, contracts_dir=drafts), progress)
        recorded = sum(v.baselined for v in checked.violations)
        lines.append(f"wrote {baseline} ({recorded} violations recorded as known)")
    lines.append("next: review the drafts in contracts/, then run `archguard check`")
    return lines


def _project_table(
    root: Path, configured: dict, result: DiscoveryResult, source_roots: tuple[str, ...]
) -> tuple[str, list[str]]:
    """What was done, and the excludes written (empty when nothing was written)."""
    path = root / "pyproject.toml"
    if configured:
        return f"kept [tool.archguard] in {path} (exists)", []
    excludes = backup_excludes(result.copies)
    table = project_table(
        contracts=DEFAULT_CONTRACTS,
        baseline=DEFAULT_BASELINE,
        excludes=excludes,
        source_roots=source_roots,
        members=len(result.scan.layout.members),
    )
    if write_new_file(path, table, root=root):
        return f"wrote {path} with [tool.archguard]", excludes
    if append_table(path, "tool.archguard", table, root=root):
        return f"added [tool.archguard] to {path}", excludes
    return f"kept [tool.archguard] in {path} (exists)", []


def _importlinter(
    root: Path, options: Options, result: DiscoveryResult, concepts: list[ConceptContract], baseline: Path
) -> str:
    """A ``.importlinter`` holding the concepts of the contracts folder as it stands after drafting
    (a draft that was not written because a file of its name exists is not among them: the two
    checkers must check the same contracts)."""
    existing = find_config_file(root, options.importlinter_config)
    if existing is not None:
        return f"kept import-linter configuration {existing} (exists)"
    packages = result.scan.packages
    if not packages:
        return "no .importlinter written: no top-level package found"
    if not concepts:  # a file without contracts is one lint-imports (and archguard check) refuses
        return "no .importlinter written: no concept contract to put in it"
    path = root / ".importlinter"
    # the canonical contracts read the baseline relative to the project root (archguard/importlinter.py)
    where = baseline.resolve()
    shown = where.relative_to(root).as_posix() if where.is_relative_to(root) else str(where)
    if write_new_file(path, importlinter_draft(packages, concepts, shown), root=root):
        return f"wrote {path}"
    return f"kept {path} (exists)"
