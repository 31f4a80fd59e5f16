"""``archguard diff``'s outputs: text for a terminal, Markdown for a pull request comment or a CI job
summary (short, what fails first, the rest folded in ``<details>``), and the JSON of INTERFACE.md
("History and diff")."""

from __future__ import annotations

from typing import Any

from archguard.domain.discovery import Cycle, Shim
from archguard.domain.findings import Violation
from archguard.domain.history import DIFF_SCHEMA, DiffResult, EdgeChange
from archguard.reporting.json_report import violation_to_json
from archguard.reporting.text import printable

# The first line of the Markdown: a CI step finds its earlier comment by it and edits it in place.
MARKER = "<!-- archguard-diff -->"
SHOWN = 30  # items per Markdown list; the rest are counted


def short(name: str) -> str:
    return name[:10] if len(name) == 40 or len(name) == 64 else name


def headline(result: DiffResult) -> str:
    new, fixed = len(result.new_violations), len(result.fixed_violations)
    verdict = f"{new} new violation{'s' if new != 1 else ''}" if new else "no new violations"
    parts = [verdict, f"{fixed} fixed"]
    if result.cycles_new:
        parts.append(f"{len(result.cycles_new)} new cycle{'s' if len(result.cycles_new) != 1 else ''}")
    if result.shims_new:
        parts.append(f"{len(result.shims_new)} new shim{'s' if len(result.shims_new) != 1 else ''}")
    return ", ".join(parts)


# ---- text --------------------------------------------------------------------------------------


def render_diff_text(result: DiffResult) -> str:
    lines = [
        f"archguard diff {short(result.base)}..{short(result.head)}: {headline(result)}",
        f"violations: {result.base_violations} -> {result.head_violations}",
    ]
    _text_section(lines, "New violations", [_violation_line(v, result) for v in result.new_violations])
    _text_section(lines, "Fixed violations", [_violation_line(v, result) for v in result.fixed_violations])
    _text_section(
        lines, "New violations by owner", [f"{printable(o)}: {n}" for o, n in result.new_by_owner()]
    )
    _text_section(lines, "Imports added between packages", [_edge_line(e, "+") for e in result.edges_added])
    _text_section(
        lines, "Imports removed between packages", [_edge_line(e, "-") for e in result.edges_removed]
    )
    _text_section(
        lines, "Imports added at contract modules", [_edge_line(e, "+") for e in result.contract_edges_added]
    )
    _text_section(
        lines,
        "Imports removed at contract modules",
        [_edge_line(e, "-") for e in result.contract_edges_removed],
    )
    _text_section(lines, "New cycles", [_cycle_line(c) for c in result.cycles_new])
    _text_section(lines, "Broken cycles", [_cycle_line(c) for c in result.cycles_broken])
    _text_section(lines, "New shims", [_shim_line(s) for s in result.shims_new])
    _text_section(lines, "Removed shims", [_shim_line(s) for s in result.shims_removed])
    _text_section(
        lines,
        "Clusters whose score rose",
        [f"{printable(r.name)}: {r.before:g} -> {r.after:g}" for r in result.clusters_rose],
    )
    if result.moved:
        lines.append(f"({result.moved} findings moved with their files: neither new nor fixed)")
    lines += [f"note: {printable(n)}" for n in result.notes]
    return "\n".join(lines) + "\n"


def _text_section(lines: list[str], title: str, items: list[str]) -> None:
    if items:
        lines.append(f"{title} ({len(items)}):")
        lines += [f"  {item}" for item in items]


def _violation_line(v: Violation, result: DiffResult) -> str:
    owners = result.owners_of(v)
    owned = f" [{' '.join(owners)}]" if owners else ""
    return printable(f"{v.path}:{v.line}:{v.column}: {v.code} {v.message}{owned}")


def _edge_line(e: EdgeChange, sign: str) -> str:
    return printable(f"{sign} {e.importer} -> {e.imported} ({e.count} import{'s' if e.count != 1 else ''})")


def _cycle_line(c: Cycle) -> str:
    shown = " -> ".join(c.modules[:6]) + (" ..." if len(c.modules) > 6 else "")
    return printable(f"{len(c.modules)} modules: {shown}")


def _shim_line(s: Shim) -> str:
    return printable(f"{s.module} ({s.path}), {len(s.importers)} importers")


# ---- Markdown -----------------------------------------------------------------------------------


def render_diff_markdown(result: DiffResult) -> str:
    icon = ":x:" if result.failed else ":white_check_mark:"
    lines = [
        MARKER,
        f"### {icon} archguard: {headline(result)}",
        "",
        f"`{short(result.base)}` → `{short(result.head)}` · violations {result.base_violations} → "
        f"{result.head_violations}",
    ]
    if result.new_violations:
        lines += ["", "**New violations**", ""]
        lines += _md_items([_md_violation(v, result) for v in result.new_violations])
        by_owner = result.new_by_owner()
        if by_owner:  # who is asked to look: the owners of the files (CODEOWNERS)
            lines += ["", "Owners: " + ", ".join(f"{_owner(o)} ({n})" for o, n in by_owner)]
    _details(lines, "Fixed violations", [_md_violation(v, result) for v in result.fixed_violations])
    _details(lines, "New import cycles", [f"`{_md(_cycle_line(c))}`" for c in result.cycles_new])
    _details(
        lines, "New shims", [f"`{_md(s.module)}` ({len(s.importers)} importers)" for s in result.shims_new]
    )
    edges = [f"+ `{_md(e.importer)}` → `{_md(e.imported)}` ({e.count})" for e in result.edges_added]
    edges += [f"− `{_md(e.importer)}` → `{_md(e.imported)}` ({e.count})" for e in result.edges_removed]
    _details(lines, "Imports between packages", edges)
    contract_edges = [f"+ `{_md(e.importer)}` → `{_md(e.imported)}`" for e in result.contract_edges_added]
    contract_edges += [f"− `{_md(e.importer)}` → `{_md(e.imported)}`" for e in result.contract_edges_removed]
    _details(lines, "Imports at contract modules", contract_edges)
    _details(
        lines,
        "Clusters whose score rose",
        [f"`{_md(r.name)}` {r.before:g} → {r.after:g}" for r in result.clusters_rose],
    )
    _details(lines, "Broken cycles", [f"`{_md(_cycle_line(c))}`" for c in result.cycles_broken])
    _details(lines, "Removed shims", [f"`{_md(s.module)}`" for s in result.shims_removed])
    for note in result.notes:
        lines += ["", f"_note: {_md(note)}_"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text from the tree inside Markdown: no HTML, no code-span breakouts, one line."""
    return (
        printable(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("`", "'")
        .replace("|", "\\|")
    )


def _md_violation(v: Violation, result: DiffResult) -> str:
    owners = result.owners_of(v)
    owned = f" — {' '.join(map(_owner, owners))}" if owners else ""
    return f"`{_md(v.path)}:{v.line}` **{v.code}** {_md(v.message)}{owned}"


def _owner(owner: str) -> str:
    """An owner in a code span: named, never mentioned (a comment edited on every push must not
    notify a team each time)."""
    return f"`{printable(owner).replace('`', '')}`"


def _md_items(items: list[str]) -> list[str]:
    shown = [f"- {item}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        shown.append(f"- … and {len(items) - SHOWN} more (`archguard diff --format json`)")
    return shown


def _details(lines: list[str], title: str, items: list[str]) -> None:
    if items:
        lines += [
            "",
            f"<details><summary>{title} ({len(items)})</summary>",
            "",
            *_md_items(items),
            "",
            "</details>",
        ]


# ---- JSON ---------------------------------------------------------------------------------------


def diff_to_json(result: DiffResult, *, tool_version: str) -> dict[str, Any]:
    def edges(changes: list[EdgeChange]) -> list[dict[str, Any]]:
        return [
            {"importer_package": e.importer, "imported_package": e.imported, "count": e.count}
            for e in changes
        ]

    def module_edges(changes: list[EdgeChange]) -> list[dict[str, Any]]:
        return [{"importer": e.importer, "imported": e.imported} for e in changes]

    def cycles(found: list[Cycle]) -> list[dict[str, Any]]:
        return [{"modules": list(c.modules)} for c in found]

    def shims(found: list[Shim]) -> list[dict[str, Any]]:
        return [{"module": s.module, "path": s.path, "importers": len(s.importers)} for s in found]

    return {
        "schema": DIFF_SCHEMA,
        "tool": {"name": "archguard", "version": tool_version},
        "base": result.base,
        "head": result.head,
        "summary": {
            "new_violations": len(result.new_violations),
            "fixed_violations": len(result.fixed_violations),
            "moved_violations": result.moved,
            "base_violations": result.base_violations,
            "head_violations": result.head_violations,
            "failed": result.failed,
        },
        "codeowners": result.codeowners,
        "new_by_owner": dict(result.new_by_owner()),
        "new_violations": [violation_to_json(v, result.owners_of(v)) for v in result.new_violations],
        "fixed_violations": [violation_to_json(v, result.owners_of(v)) for v in result.fixed_violations],
        "edges_added": edges(result.edges_added),
        "edges_removed": edges(result.edges_removed),
        "contract_edges_added": module_edges(result.contract_edges_added),
        "contract_edges_removed": module_edges(result.contract_edges_removed),
        "cycles_new": cycles(result.cycles_new),
        "cycles_broken": cycles(result.cycles_broken),
        "shims_new": shims(result.shims_new),
        "shims_removed": shims(result.shims_removed),
        "clusters_rose": [
            {"name": r.name, "before": r.before, "after": r.after} for r in result.clusters_rose
        ],
        "notes": list(result.notes),
    }
