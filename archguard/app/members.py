"""AG601 in ``check`` (docs/monorepos.md): each member imports only what its pyproject.toml declares.

A check pass of its own: :func:`member_dependency_findings` takes the finished scan and returns
the pass's findings, contract name and notices; ``run_check`` adds them to the others. The pure
analysis is :mod:`archguard.analysis.members`; this module reads the environment given with
``--python`` and caches the answer two ways, as the derivation does (app/derivation.py):

* whole-run, under the scan's results key plus the members' declarations and the environment's
  metadata: a warm check over an unchanged tree reads one small file;
* file by file, under a key naming the declarations, the environment and which member holds each
  package module: after an edit only the files whose outcome changed are judged again, decoding
  only their facts (a file's findings depend on nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters.cache.results_cache import decode_violation, encode_violation, results_key
from archguard.analysis.members import (
    CONTRACT,
    dependency_context,
    judges_dependencies,
    undeclared_in_file,
)
from archguard.domain.findings import Violation, assign_fingerprints

if TYPE_CHECKING:
    from archguard.app import Workspace

_STORE = "members"


@dataclass(frozen=True)
class MemberFindings:
    violations: list[Violation] = field(default_factory=list)
    contracts_run: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def member_dependency_findings(workspace: Workspace, python: Path | None) -> MemberFindings:
    """AG601 findings (fingerprinted), and the notices about the layout (a package hidden by
    another, a member's pyproject.toml that could not be read)."""
    scan = workspace.scan
    notices = list(scan.layout_notes)
    if python is None and not scan.layout.is_workspace:
        return MemberFindings([], [], notices)  # one project, no environment: nothing to judge
    from archguard.adapters.environment import identity, read_installed, site_folders, stdlib_modules

    folders = site_folders(python) if python is not None else []
    environment = identity(folders)
    key = None
    if workspace.results_key is not None:
        key = results_key(_STORE, workspace.results_key, scan.layout.identity(), environment)
        cached = workspace.results.load_state(_STORE, key)
        if isinstance(cached, tuple) and len(cached) == 2:
            ran, plain = cached
            return MemberFindings([decode_violation(v) for v in plain], [CONTRACT] if ran else [], notices)
    installed = read_installed(folders) if python is not None else None
    violations: list[Violation] = []
    ran = judges_dependencies(scan.layout, installed)
    if ran:
        violations = _judge(workspace, installed, stdlib_modules(), environment)
    if key is not None:
        workspace.results.save_state(_STORE, key, (ran, tuple(map(encode_violation, violations))))
    return MemberFindings(violations, [CONTRACT] if ran else [], notices)


def _judge(
    workspace: Workspace, installed: Any, stdlib: frozenset[str], environment: tuple
) -> list[Violation]:
    """Every file's findings: from the per-file state where its outcome is unchanged."""
    scan = workspace.scan
    context = dependency_context(scan.files, scan.layout, installed, stdlib)
    derivation = workspace.derivation
    state_key = None
    prior: dict[str, tuple[bytes, tuple]] = {}
    if workspace.results_key is not None:
        state_key = results_key(_STORE + "-files", scan.layout.identity(), environment, _boundaries(context))
        loaded = workspace.results.load_state(_STORE + "-files", state_key)
        if isinstance(loaded, dict):
            prior = loaded
    state: dict[str, tuple[bytes, tuple]] = {}
    found: list[Violation] = []
    for file in scan.files:
        digest = derivation.outcome_digest(file.path)
        known = prior.get(file.path)
        if digest is not None and known is not None and known[0] == digest:
            plain = known[1]
        else:
            facts = scan.facts.get(file.path)
            plain = tuple(map(encode_violation, undeclared_in_file(context, file, facts))) if facts else ()
        if digest is not None:
            state[file.path] = (digest, plain)
        found.extend(map(decode_violation, plain))
    if state_key is not None:
        workspace.results.save_state(_STORE + "-files", state_key, state)
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
