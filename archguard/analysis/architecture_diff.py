"""What a change does to the architecture (``archguard diff``): two trees' :class:`Architecture`
compared. Pure: the use case is ``app/diff.py``.

Violations are matched by fingerprint, which holds no line number, so lines moved by a rebase or
an edit above never make a finding "new". A finding whose file git finds renamed or moved keeps
its code, contract, imported name and statement under the new path: such pairs are matched too
(counted as ``moved``), so a file move is not reported as a new violation plus a fixed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from archguard.domain.discovery import Cluster
from archguard.domain.findings import Violation
from archguard.domain.history import (
    Architecture,
    ClusterRise,
    DiffResult,
    EdgeChange,
    package_edges,
)
from archguard.domain.ordering import violation_order


def compare(
    base: Architecture,
    head: Architecture,
    *,
    base_name: str,
    head_name: str,
    contract_modules: Iterable[str] = (),
    renames: Mapping[str, str] | None = None,
) -> DiffResult:
    """``renames``: old path -> new path of the files git finds renamed between the two."""
    new, fixed, moved = _violations(base.check.violations, head.check.violations, renames or {})
    added, removed = _edge_changes(package_edges(base.module_edges), package_edges(head.module_edges))
    watched = frozenset(contract_modules)
    contract_added, contract_removed = _edge_changes(
        _touching(base.module_edges, watched), _touching(head.module_edges, watched)
    )
    base_cycles = {frozenset(c.modules): c for c in base.cycles}
    head_cycles = {frozenset(c.modules): c for c in head.cycles}
    base_shims = {s.module: s for s in base.shims}
    head_shims = {s.module: s for s in head.shims}
    return DiffResult(
        base=base_name,
        head=head_name,
        new_violations=new,
        fixed_violations=fixed,
        edges_added=added,
        edges_removed=removed,
        contract_edges_added=contract_added,
        contract_edges_removed=contract_removed,
        cycles_new=[c for key, c in head_cycles.items() if key not in base_cycles],
        cycles_broken=[c for key, c in base_cycles.items() if key not in head_cycles],
        shims_new=[s for m, s in sorted(head_shims.items()) if m not in base_shims],
        shims_removed=[s for m, s in sorted(base_shims.items()) if m not in head_shims],
        clusters_rose=_rises(base.clusters or [], head.clusters or []),
        base_violations=len(base.check.violations),
        head_violations=len(head.check.violations),
        moved=moved,
    )


def _violations(
    base: Sequence[Violation], head: Sequence[Violation], renames: Mapping[str, str]
) -> tuple[list[Violation], list[Violation], int]:
    base_prints = {v.fingerprint for v in base}
    head_prints = {v.fingerprint for v in head}
    new = [v for v in head if v.fingerprint not in base_prints]
    fixed = [v for v in base if v.fingerprint not in head_prints]
    # a renamed or moved file: the same finding under another path
    waiting: dict[tuple[str, ...], list[Violation]] = {}
    for v in fixed:
        if v.path in renames:
            waiting.setdefault(_moved_key(v, renames[v.path]), []).append(v)
    still_new = []
    moved = 0
    for v in new:
        candidates = waiting.get(_moved_key(v, v.path))
        if candidates:
            fixed.remove(candidates.pop(0))
            moved += 1
        else:
            still_new.append(v)
    return sorted(still_new, key=violation_order), sorted(fixed, key=violation_order), moved


def _moved_key(v: Violation, path: str) -> tuple[str, ...]:
    return (v.code, v.contract, v.imported, " ".join(v.statement.split()), path)


def _touching(edges: frozenset[tuple[str, str]], modules: frozenset[str]) -> dict[tuple[str, str], int]:
    """The module imports into or out of a contract's modules (each counts once)."""
    if not modules:
        return {}
    return {(a, b): 1 for a, b in edges if a in modules or b in modules}


def _edge_changes(
    base: dict[tuple[str, str], int], head: dict[tuple[str, str], int]
) -> tuple[list[EdgeChange], list[EdgeChange]]:
    added, removed = [], []
    for pair in sorted(base.keys() | head.keys()):
        delta = head.get(pair, 0) - base.get(pair, 0)
        if delta > 0:
            added.append(EdgeChange(pair[0], pair[1], delta))
        elif delta < 0:
            removed.append(EdgeChange(pair[0], pair[1], -delta))
    return added, removed


def _rises(base: list[Cluster], head: list[Cluster]) -> list[ClusterRise]:
    before = {c.name: c.score for c in base}
    rises = [
        ClusterRise(c.name, before.get(c.name, 0.0), c.score)
        for c in head
        if c.score > before.get(c.name, 0.0)
    ]
    return sorted(rises, key=lambda r: (-(r.after - r.before), r.name))
