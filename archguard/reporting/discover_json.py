"""The ``discover`` lists of the ``archguard/1`` JSON (docs/interface.md): ``clusters``, ``shims``,
``copies``, ``cycles``, plus ``hotspots`` and ``interface_candidates``. Ranked lists keep their rank
order (best first); the
rest is sorted, so two runs over one tree give identical output."""

from __future__ import annotations

from typing import Any

from archguard.domain.discovery import (
    AccessPath,
    Cluster,
    Copy,
    Cycle,
    CycleEdge,
    Definition,
    DiscoveryResult,
    Hotspot,
    InterfaceCandidate,
    Shim,
)


def discovery_to_json(result: DiscoveryResult) -> dict[str, Any]:
    return {
        "clusters": [cluster_to_json(c) for c in result.clusters],
        "shims": [shim_to_json(s) for s in result.shims],
        "copies": [copy_to_json(c) for c in result.copies],
        "cycles": [cycle_to_json(c) for c in result.cycles],
        "hotspots": [hotspot_to_json(h) for h in result.hotspots],
        "interface_candidates": [interface_candidate_to_json(i) for i in result.interfaces],
    }


def interface_candidate_to_json(candidate: InterfaceCandidate) -> dict[str, Any]:
    return {
        "package": candidate.package,
        "path": candidate.path,
        "exports": candidate.exports,
        "breaks": candidate.breaks,
        "fixable": candidate.fixable,
        "by_code": dict(candidate.by_code),
        "importers": [{"package": group, "count": n} for group, n in candidate.importers],
        "reached": [{"module": module, "count": n} for module, n in candidate.reached],
        "from_tests": candidate.from_tests,
    }


def cluster_to_json(cluster: Cluster) -> dict[str, Any]:
    return {
        "name": cluster.name,
        "score": cluster.score,
        "canonical": cluster.canonical,
        "evidence": list(cluster.evidence),
        "definitions": [definition_to_json(d) for d in cluster.definitions],
        "access_paths": [access_path_to_json(p) for p in cluster.access_paths],
        "importer_count": cluster.importer_count,
        "non_canonical_importers": cluster.non_canonical_importers,
        "shims": list(cluster.shims),
        "edges": [{"source": a, "target": b, "kind": kind} for a, b, kind in cluster.edges],
        "members": list(cluster.members),  # monorepos: the members it spans (docs/monorepos.md)
    }


def definition_to_json(definition: Definition) -> dict[str, Any]:
    return {
        "module": definition.module,
        "name": definition.name,
        "kind": definition.kind,
        "path": definition.path,
        "line": definition.line,
        "role": definition.role,
        "test_double": definition.test_double,
    }


def access_path_to_json(path: AccessPath) -> dict[str, Any]:
    return {
        "module": path.module,
        "name": path.name,
        "importers": len(path.importers),
        "importing_files": list(path.importers),
        "canonical": path.canonical,
    }


def shim_to_json(shim: Shim) -> dict[str, Any]:
    return {
        "module": shim.module,
        "path": shim.path,
        "reexports": [{"name": name, "origin": origin} for name, origin in shim.reexports],
        "importers": len(shim.importers),
        "importing_files": list(shim.importers),
        "safe_to_delete": shim.safe_to_delete,
        "kept_because": shim.kept_because or None,
        "warns_deprecation": shim.warns_deprecation,
    }


def copy_to_json(copy: Copy) -> dict[str, Any]:
    return {"path": copy.path, "live": copy.live, "similarity": copy.similarity, "found_by": copy.found_by}


def edge_to_json(edge: CycleEdge) -> dict[str, Any]:
    return {"importer": edge.importer, "imported": edge.imported, "path": edge.path, "line": edge.line}


def cycle_to_json(cycle: Cycle) -> dict[str, Any]:
    return {
        "modules": list(cycle.modules),
        "path": [edge_to_json(e) for e in cycle.path],
        "breakers": [edge_to_json(e) for e in cycle.breakers],
    }


def hotspot_to_json(hotspot: Hotspot) -> dict[str, Any]:
    return {
        "module": hotspot.module,
        "path": hotspot.path,
        "score": hotspot.score,
        "fan_in": hotspot.fan_in,
        "betweenness": hotspot.betweenness,
        "non_canonical_importers": hotspot.non_canonical_importers,
        "fan_out": hotspot.fan_out,
        "coupling": hotspot.coupling,
        "findings": hotspot.findings,
        "changes": hotspot.changes,
        "churn_lines": hotspot.churn_lines,
    }
