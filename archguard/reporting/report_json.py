"""``report.json``: the check's ``archguard/1`` JSON plus what discovery found (INTERFACE.md keys
``clusters``, ``shims``, ``copies``, ``cycles``, and ``hotspots``).

The Markdown audit and the HTML page are rendered from this very dictionary, so every number a
reader sees in them is the number a script reads from ``report.json`` of the same run.
"""

from __future__ import annotations

from typing import Any

from archguard.domain.discovery import Cluster, Cycle, CycleEdge, DiscoveryResult
from archguard.domain.result import CheckResult
from archguard.reporting.json_report import to_json


def to_report_json(check: CheckResult, discovery: DiscoveryResult, *, tool_version: str) -> dict[str, Any]:
    data = to_json(check, tool_version=tool_version, command="report")
    found = discovery_to_json(discovery)
    data.update(found)
    data["summary"].update({key: len(found[key]) for key in ("clusters", "shims", "copies", "cycles", "hotspots")})
    data["summary"]["unused_shims"] = sum(1 for shim in found["shims"] if not shim["importers"])
    data["summary"]["duration_s"] = round(check.duration_s + discovery.duration_s, 3)
    return data


def discovery_to_json(discovery: DiscoveryResult) -> dict[str, list[dict[str, Any]]]:
    """The discovery lists in the order the analysis ranked them (best first)."""
    return {
        "clusters": [cluster_to_json(c) for c in discovery.clusters],
        "shims": [
            {
                "module": s.module,
                "path": s.path,
                "reexports": [{"name": name, "origin": origin} for name, origin in s.reexports],
                "importers": list(s.importers),
                "warns_deprecation": s.warns_deprecation,
            }
            for s in discovery.shims
        ],
        "copies": [{"path": c.path, "live": c.live, "similarity": round(c.similarity, 3)} for c in discovery.copies],
        "cycles": [cycle_to_json(c) for c in discovery.cycles],
        "hotspots": [
            {
                "module": h.module,
                "path": h.path,
                "score": round(h.score, 3),
                "fan_in": h.fan_in,
                "betweenness": round(h.betweenness, 4),
                "non_canonical_importers": h.non_canonical_importers,
            }
            for h in discovery.hotspots
        ],
    }


def cluster_to_json(cluster: Cluster) -> dict[str, Any]:
    return {
        "name": cluster.name,
        "score": round(cluster.score, 3),
        "evidence": list(cluster.evidence),
        "canonical": cluster.canonical,
        "definitions": [
            {"module": d.module, "name": d.name, "kind": d.kind, "path": d.path, "line": d.line,
             "test_double": d.test_double}
            for d in cluster.definitions
        ],
        "access_paths": [
            {"module": p.module, "name": p.name, "importers": list(p.importers), "canonical": p.canonical}
            for p in cluster.access_paths
        ],
        "importer_count": cluster.importer_count,
        "non_canonical_importers": cluster.non_canonical_importers,
        "shims": list(cluster.shims),
    }


def cycle_to_json(cycle: Cycle) -> dict[str, Any]:
    return {
        "modules": list(cycle.modules),
        "path": [_edge(e) for e in cycle.path],
        "breakers": [_edge(e) for e in cycle.breakers],
    }


def _edge(edge: CycleEdge) -> dict[str, Any]:
    return {"importer": edge.importer, "imported": edge.imported, "path": edge.path, "line": edge.line}
