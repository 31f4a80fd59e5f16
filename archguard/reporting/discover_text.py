"""What ``discover`` shows in the terminal: ranked sections of rows, each cut at ``top`` with a
"+N more" line, so a 10,000-file tree stays readable. The CLI draws them as tables; this module
only decides what they say (pure, testable without a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from archguard.domain.discovery import Cluster, Cycle, DiscoveryResult, InterfaceCandidate, Shim
from archguard.reporting.summary import plural

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    more: int  # rows left out beyond ``top``
    empty: str  # what to say when there are no rows at all


def discover_sections(result: DiscoveryResult, top: int) -> list[Section]:
    return [
        _section(
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
            list(enumerate(result.clusters, 1)),
            top,
            _cluster_row,
            "no concept is reached or defined in several ways",
        ),
        _section(
            "Shims (modules that only re-export)",
            ("module", "path", "re-exports", "importers"),
            result.shims,
            top,
            _shim_row,
            "no shims",
        ),
        _section(
            "Copies",
            ("copy", "live file", "similarity"),
            result.copies,
            top,
            lambda c: (c.path, c.live, f"{c.similarity:.0%}"),
            "no stale copies",
        ),
        _section(
            "Import cycles",
            ("modules", "shortest cycle", "breakers (file:line)"),
            result.cycles,
            top,
            _cycle_row,
            "no import cycles at import time",
        ),
        _section(
            "Hotspots",
            (
                "module",
                "score",
                "coupling",
                "non-canonical importers",
                "fan-in",
                "fan-out",
                "findings",
                "changes",
            ),
            result.hotspots,
            top,
            lambda h: (
                h.module,
                f"{h.score:g}",
                f"{h.coupling:g}",
                str(h.non_canonical_importers),
                str(h.fan_in),
                str(h.fan_out),
                str(h.findings),
                f"{h.changes} ({h.churn_lines} lines)",
            ),
            "no hotspots",
        ),
        _section(
            "Packages reached past their __all__ (interface contract candidates)",
            ("package", "imports that would break", "fixable", "reached from", "reached into"),
            result.interfaces,
            top,
            _interface_row,
            "no package with an __all__ is reached into from outside",
        ),
    ]


def _section(
    title: str,
    headers: tuple[str, ...],
    items: Sequence[_Item],
    top: int,
    row: Callable[[_Item], tuple[str, ...]],
    empty: str,
) -> Section:
    """One section: the first TOP items as rows, and how many were cut."""
    return Section(title, headers, [row(item) for item in items[:top]], max(len(items) - top, 0), empty)


def _cluster_row(ranked: tuple[int, Cluster]) -> tuple[str, ...]:
    rank, c = ranked
    return (
        str(rank),
        f"{c.score:g}",
        f"{c.name} (spans members {', '.join(c.members)})" if len(c.members) > 1 else c.name,
        c.canonical,
        ", ".join(c.evidence),
        str(sum(1 for d in c.definitions if not d.test_double and d.role != "factory")),
        str(sum(1 for p in c.access_paths if p.importers)),
        f"{c.non_canonical_importers}/{c.importer_count}",
    )


def _shim_row(s: Shim) -> tuple[str, ...]:
    return (
        s.module,
        s.path,
        ", ".join(f"{name} -> {origin}" for name, origin in s.reexports[:3])
        + (f", +{len(s.reexports) - 3} more" if len(s.reexports) > 3 else ""),
        str(len(s.importers))
        if s.importers
        else f"0 (kept: {s.kept_because})"
        if s.kept_because
        else "0 (safe to delete)",
    )


def _interface_row(c: InterfaceCandidate) -> tuple[str, ...]:
    return (
        c.package,
        f"{c.breaks} ({', '.join(f'{n} {code}' for code, n in c.by_code)})",
        str(c.fixable),
        ", ".join(f"{group} ({n})" for group, n in c.importers[:3])
        + (f", +{len(c.importers) - 3} more" if len(c.importers) > 3 else ""),
        ", ".join(f"{module} ({n})" for module, n in c.reached[:3])
        + (f", +{len(c.reached) - 3} more" if len(c.reached) > 3 else ""),
    )


def _cycle_row(c: Cycle) -> tuple[str, ...]:
    return (
        str(len(c.modules)),
        " -> ".join([e.importer for e in c.path] + [c.path[0].importer]) if c.path else "",
        "; ".join(f"{e.path}:{e.line} ({e.importer} -> {e.imported})" for e in c.breakers[:3])
        + (f"; +{len(c.breakers) - 3} more" if len(c.breakers) > 3 else ""),
    )


def discover_summary(result: DiscoveryResult) -> str:
    scan = result.scan
    return (
        f"Discovered {plural(len(result.clusters), 'concept cluster')}, {plural(len(result.shims), 'shim')}, "
        f"{plural(len(result.copies), 'copy', 'copies')}, {plural(len(result.cycles), 'import cycle')} "
        f"in {plural(len(scan.files), 'file')} ({result.duration_s:.2f} s)."
    )
