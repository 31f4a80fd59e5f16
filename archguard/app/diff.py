"""``archguard diff --base REV [--head REV]``: what a change does to the architecture
(docs/history.md): both sides analysed on the engine, the base derived from the head's state
(``engine.at_commit``: only the files that differ are parsed or derived again), then compared
(``analysis/architecture_diff.py``). The head is the working tree unless ``--head`` names a commit.
Today's contracts and configuration judge both sides, as ``history`` does."""

from __future__ import annotations

import time

from archguard.adapters import git_history
from archguard.adapters.project_files.safe_git import configuration_read_once
from archguard.analysis.architecture_diff import compare
from archguard.analysis.discover.structure import ModuleStructure
from archguard.app import Options, Progress
from archguard.app.history import architecture_of
from archguard.domain.history import DiffResult

WORKING_TREE = "working tree"


def run_diff(
    options: Options, base: str, head: str | None = None, progress: Progress | None = None
) -> DiffResult:
    started = time.perf_counter()
    with configuration_read_once():  # the repository's configuration read once, not per git call
        result = _diff(options, base, head, progress)
    result.duration_s = time.perf_counter() - started
    return result


def _diff(options: Options, base: str, head: str | None, progress: Progress | None) -> DiffResult:
    from archguard.app.engine import Engine

    root = options.root.resolve()
    git_history.require_repository(root)
    clone = git_history.clone_kind(root, count=False)
    base_sha = git_history.resolve(root, base, clone)
    if head is None:
        head_engine = Engine.open(None, options, progress=progress, keep=True)
        head_name = WORKING_TREE
    else:
        head_name = git_history.resolve(root, head, clone)
        head_engine = Engine.open_at_commit(options, head_name)
    structure = ModuleStructure()  # the head's, then patched to the base: the files that differ read
    head_side = architecture_of(head_engine, clusters=True, structure=structure)
    base_side = architecture_of(head_engine.at_commit(base_sha), clusters=True, structure=structure)
    head_engine.tree.store.blob_facts(head_engine.tree.target).save()
    result = compare(
        base_side,
        head_side,
        base_name=base_sha,
        head_name=head_name,
        contract_modules={c.canonical.partition(":")[0] for c in head_engine.concepts},
        renames=git_history.renames(root, base_sha, None if head is None else head_name),
    )
    # who owns what the change adds or fixes: ROOT's CODEOWNERS (as check reads it), both sides
    result.codeowners = head_side.check.codeowners
    result.owners = {**base_side.check.owners, **head_side.check.owners}
    if clone.shallow:
        result.notes.append(f"this is {clone.describe()}")
    return result
