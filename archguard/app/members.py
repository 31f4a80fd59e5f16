"""AG601 in ``check`` (docs/monorepos.md): each member imports only what its pyproject.toml declares.

A check pass of its own: :func:`member_dependency_findings` takes the finished scan and returns
the pass's findings, contract name and notices; ``run_check`` adds them to the others. The pure
analysis is :mod:`archguard.analysis.members`; this module only reads the environment given with
``--python`` and caches the result under the scan's results key plus the members' declarations
and the environment's metadata, so a warm check over an unchanged tree reads one small file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.cache.results_cache import decode_violation, encode_violation, results_key
from archguard.analysis.members import CONTRACT, judges_dependencies, undeclared_dependencies
from archguard.domain.findings import Violation

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
    from archguard.adapters.environment import identity, read_installed, site_folders, stdlib_modules

    scan = workspace.scan
    notices = list(scan.layout_notes)
    folders = site_folders(python) if python is not None else []
    installed_identity = identity(folders)
    key = None
    if workspace.results_key is not None:
        key = results_key(_STORE, workspace.results_key, scan.layout.identity(), installed_identity)
        cached = workspace.results.load_state(_STORE, key)
        if isinstance(cached, tuple):
            return MemberFindings([decode_violation(v) for v in cached], [CONTRACT], notices)
        if cached == ():
            return MemberFindings([], [CONTRACT], notices)
        if cached is False:
            return MemberFindings([], [], notices)
    installed = read_installed(folders) if python is not None else None
    if not judges_dependencies(scan.layout, installed):
        if key is not None:
            workspace.results.save_state(_STORE, key, False)
        return MemberFindings([], [], notices)
    violations = undeclared_dependencies(scan.files, scan.facts, scan.layout, installed, stdlib_modules())
    if key is not None:
        workspace.results.save_state(_STORE, key, tuple(map(encode_violation, violations)))
    return MemberFindings(violations, [CONTRACT], notices)
