"""One score per cluster: the work a reviewer saves by fixing it (docs/discover.md)."""

from __future__ import annotations

# Weights, cheapest fix first. An import through a non-canonical path is one line to rewrite
# (``archguard fix`` does it); a second path in use is a home someone keeps alive (a shim, a
# re-export) and every new file may copy it; a second definition is an object whose behaviour can
# drift from the first and must be merged by hand.
PER_NON_CANONICAL_IMPORTER = 1.0
PER_EXTRA_PATH = 2.0
PER_EXTRA_DEFINITION = 3.0
PER_FACTORY = 1.0
PER_SHIM = 1.0


def cluster_score(
    *, non_canonical_importers: int, extra_paths: int, extra_definitions: int, factories: int, shims: int
) -> float:
    """``N + 2P + 3D + F + S`` (see the weights above)."""
    return (
        PER_NON_CANONICAL_IMPORTER * non_canonical_importers
        + PER_EXTRA_PATH * extra_paths
        + PER_EXTRA_DEFINITION * extra_definitions
        + PER_FACTORY * factories
        + PER_SHIM * shims
    )
