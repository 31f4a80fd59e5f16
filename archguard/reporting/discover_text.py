"""What ``discover`` shows in the terminal: ranked sections of rows, each cut at ``top`` with a
"+N more" line, so a 10,000-file tree stays readable. The CLI draws them as tables; this module
only decides what they say (pure, testable without a terminal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archguard.domain.discovery import DiscoveryResult
from archguard.reporting.summary import plural


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    more: int  # rows left out beyond ``top``
    empty: str  # what to say when there are no rows at all


def discover_sections(result: DiscoveryResult, top: int) -> list[Section]:
    clusters = [
        (
            str(rank),
            f"{c.score:g}",
            c.name,
            c.canonical,
            ", ".join(c.evidence),
            str(sum(1 for d in c.definitions if not d.test_double and d.role != "factory")),
            str(sum(1 for p in c.access_paths if p.importers)),
            f"{c.non_canonical_importers}/{c.importer_count}",
        )
        for rank, c in enumerate(result.clusters[:top], 1)
    ]
    shims = [
        (
            s.module,
            s.path,
            ", ".join(f"{name} -> {origin}" for name, origin in s.reexports[:3])
            + (f", +{len(s.reexports) - 3} more" if len(s.reexports) > 3 else ""),
            str(len(s.importers)) if s.importers else "0 (safe to delete)",
        )
        for s in result.shims[:top]
    ]
    copies = [(c.path, c.live, f"{c.similarity:.0%}") for c in result.copies[:top]]
    cycles = [
        (
            str(len(c.modules)),
            " -> ".join([e.importer for e in c.path] + [c.path[0].importer]) if c.path else "",
            "; ".join(f"{e.path}:{e.line} ({e.importer} -> {e.imported})" for e in c.breakers[:3])
            + (f"; +{len(c.breakers) - 3} more" if len(c.breakers) > 3 else ""),
        )
        for c in result.cycles[:top]
    ]
    hotspots = [
        (h.module, f"{h.score:g}", str(h.non_canonical_importers), str(h.fan_in), f"{h.betweenness:.3f}")
        for h in result.hotspots[:top]
    ]
    return [
        Section(
            "Concept clusters (fix the first first)",
            (
                "#",
                "score",
                "concept",
                "suggested canonical",
                "evidence",
                "defs",
                "paths",
                "non-canonical/importers",
            ),
            clusters,
            max(len(result.clusters) - top, 0),
            "no concept is reached or defined in several ways",
        ),
        Section(
            "Shims (modules that only re-export)",
            ("module", "path", "re-exports", "importers"),
            shims,
            max(len(result.shims) - top, 0),
            "no shims",
        ),
        Section(
            "Copies",
            ("copy", "live file", "similarity"),
            copies,
            max(len(result.copies) - top, 0),
            "no stale copies",
        ),
        Section(
            "Import cycles",
            ("modules", "shortest cycle", "breakers (file:line)"),
            cycles,
            max(len(result.cycles) - top, 0),
            "no import cycles at import time",
        ),
        Section(
            "Hotspots",
            ("module", "score", "non-canonical importers", "fan-in", "betweenness"),
            hotspots,
            max(len(result.hotspots) - top, 0),
            "no hotspots",
        ),
    ]


def discover_summary(result: DiscoveryResult) -> str:
    scan = result.scan
    return (
        f"Discovered {plural(len(result.clusters), 'concept cluster')}, {plural(len(result.shims), 'shim')}, "
        f"{plural(len(result.copies), 'copy', 'copies')}, {plural(len(result.cycles), 'import cycle')} "
        f"in {plural(len(scan.files), 'file')} ({result.duration_s:.2f} s)."
    )
