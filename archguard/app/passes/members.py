"""AG601 (docs/monorepos.md): each member of a monorepo imports only what its pyproject.toml
declares. The pure analysis is :mod:`archguard.analysis.members`; this pass reads the environment
given with ``--python`` and keeps its answer two ways:

* whole-run, under the scan's key plus the members' declarations and the environment's metadata
  (``keys.members``): a warm check over an unchanged tree reads one small entry;
* file by file (``keys.members_files``: the declarations, the environment and which member holds
  each package module), in the store and in memory: after an edit only the files whose outcome
  changed are judged again, decoding only their facts (a file's findings depend on nothing else).

Its notices are the layout's (a package hidden by another, a member's pyproject.toml that could
not be read), given whether or not there is anything to judge.
"""

from __future__ import annotations

from typing import Any

from archguard.adapters.cache import entries
from archguard.app import keys
from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord
from archguard.domain.findings import Violation, assign_fingerprints
from archguard.domain.sources import MEMBER_CONTRACT as CONTRACT


class MembersPass(TreePass):
    name = CONTRACT
    contract_type = "member-dependencies"
    separate = True  # its own key: the declarations and the environment are not the scan's

    def __init__(self) -> None:
        self._files: entries.MemberFiles = {}  # the last run's per-file state (an engine kept in memory)
        self._files_key: bytes | None = None

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        scan = run.scan
        notices = list(scan.layout_notes)
        python = run.options.python
        if python is None and not scan.layout.is_workspace:
            return TreeOutcome(PassRecord(self.name), [], [], notices)  # one project: nothing to judge
        from archguard.adapters.environment import identity, read_installed, site_folders, stdlib_modules
        from archguard.analysis.members import judges_dependencies  # loaded when there are members to judge

        folders = site_folders(python) if python is not None else []
        environment = identity(folders)
        scan_key = run.scan_key
        key = keys.members(scan_key, scan.layout.identity(), environment) if scan_key is not None else None

        def judge() -> tuple[bool, list[Violation]]:
            installed = read_installed(folders) if python is not None else None
            ran = judges_dependencies(scan.layout, installed)
            found = self._judge(run, installed, stdlib_modules(), environment) if ran else []
            return ran, found

        ran, violations = run.store.cached(entries.MEMBERS, key, judge)
        return TreeOutcome(PassRecord(self.name), violations, [CONTRACT] if ran else [], notices)

    def _judge(
        self, run: CheckRun, installed: Any, stdlib: frozenset[str], environment: tuple
    ) -> list[Violation]:
        """Every file's findings: from the per-file state where its outcome is unchanged."""
        from archguard.analysis.members import dependency_context, undeclared_in_file

        scan = run.scan
        context = dependency_context(scan.files, scan.layout, installed, stdlib)
        state_key = keys.members_files(scan.layout.identity(), environment, _boundaries(context))
        prior = self._files if self._files_key == state_key else None
        if prior is None:
            prior = run.store.load(entries.MEMBER_FILES, state_key) or {}
        digests = {identity.path: identity.outcome for identity in run.identities}
        state: entries.MemberFiles = {}
        found: list[Violation] = []
        for file in scan.files:
            digest = digests.get(file.path, b"")
            known = prior.get(file.path)
            if digest and known is not None and known[0] == digest:
                violations = known[1]
            else:
                facts = scan.facts.get(file.path)
                violations = tuple(undeclared_in_file(context, file, facts)) if facts else ()
            if digest:
                state[file.path] = (digest, violations)
            found.extend(violations)
        self._files, self._files_key = state, state_key
        if run.scan_key is not None:
            run.store.save(entries.MEMBER_FILES, state_key, state)
        return assign_fingerprints(found)


def _boundaries(context: Any) -> tuple:
    """Where the package modules change member (or test-ness): a module added beside its parent, in
    the same member, leaves every other file's findings as they were, so it keeps the state."""
    placed = context.module_member
    found = []
    for module, (member, test_code) in placed.items():
        parent = placed.get(module.rpartition(".")[0])
        if parent is None or parent[0] is not member or parent[1] != test_code:
            found.append((module, member.path, test_code))
    return tuple(sorted(found))
