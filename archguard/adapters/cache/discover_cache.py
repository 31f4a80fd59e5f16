"""``discover``'s derived results in the results cache: a warm run over an unchanged tree reads
its clusters, shims, cycles and hotspots (and the facts-derived half of the copy plan) instead of
building the symbol table and the graphs again. Keyed by the scan's results key (every file's
facts, the options, archguard's code), the canonical overrides and these classes' schema."""

from __future__ import annotations

from typing import Any

from archguard.adapters.cache.codec import Codec, many, schema_digest
from archguard.adapters.cache.results_cache import ResultsCache, results_key
from archguard.domain.discovery import (
    AccessPath,
    Cluster,
    Cycle,
    CycleEdge,
    Definition,
    Hotspot,
    InterfaceCandidate,
    Shim,
)

_DEFINITION = Codec(Definition)
_PATH = Codec(AccessPath)
_CLUSTER = Codec(Cluster, {"definitions": many(_DEFINITION), "access_paths": many(_PATH)})
_SHIM = Codec(Shim)
_EDGE = Codec(CycleEdge)
_CYCLE = Codec(Cycle, {"path": many(_EDGE), "breakers": many(_EDGE)})
_HOTSPOT = Codec(Hotspot)
_INTERFACE = Codec(InterfaceCandidate)
_SCHEMA = schema_digest(_DEFINITION, _PATH, _CLUSTER, _SHIM, _EDGE, _CYCLE, _HOTSPOT, _INTERFACE)

# (clusters, shims, cycles, hotspots, content copy pairs as (path, live, by name), importers by
# path, interface candidates)
Derived = tuple[
    list[Cluster],
    list[Shim],
    list[Cycle],
    list[Hotspot],
    list[tuple[str, str, bool]],
    dict[str, int],
    list[InterfaceCandidate],
]


def discover_key(scan_key: bytes, canonical: dict[str, str]) -> bytes:
    return results_key("discover", scan_key, tuple(sorted(canonical.items())), _SCHEMA)


def load_discover(cache: ResultsCache, key: bytes) -> Derived | None:
    plain: Any = cache._load("discover", key)
    try:
        clusters, shims, cycles, hotspots, pairs, importers, interfaces = plain
        return (
            [_CLUSTER.decode(c) for c in clusters],
            [_SHIM.decode(s) for s in shims],
            [_CYCLE.decode(c) for c in cycles],
            [_HOTSPOT.decode(h) for h in hotspots],
            [tuple(p) for p in pairs],
            dict(importers),
            [_INTERFACE.decode(i) for i in interfaces],
        )
    except (TypeError, ValueError, KeyError):  # a miss, or a payload of another shape
        return None


def save_discover(cache: ResultsCache, key: bytes, derived: Derived) -> None:
    clusters, shims, cycles, hotspots, pairs, importers, interfaces = derived
    cache._save(
        "discover",
        key,
        (
            tuple(map(_CLUSTER.encode, clusters)),
            tuple(map(_SHIM.encode, shims)),
            tuple(map(_CYCLE.encode, cycles)),
            tuple(map(_HOTSPOT.encode, hotspots)),
            tuple(map(tuple, pairs)),
            dict(importers),
            tuple(map(_INTERFACE.encode, interfaces)),
        ),
    )
