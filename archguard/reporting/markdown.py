"""``report.md``: the audit a lead pastes into an issue.

Rendered from the ``report.json`` dictionary of the same run (:func:`archguard.reporting.json_report.to_report_json`)
and nothing else, so every number here is one a script can read there. Every name from the
analysed code goes through :func:`code` or :func:`text`, so a ``|``, a backtick or ``<script>`` in
a module name cannot break a table or inject markup.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from archguard.reporting import golden_path_history
from archguard.reporting import history as history_view
from archguard.reporting.golden_path_report import chain_of, entry_summaries, location
from archguard.reporting.markdown_text import code, text

TOP_CLUSTERS = 5
TOP_ROWS = 15


def render_markdown(
    report: dict[str, Any],
    *,
    diagrams: Sequence[tuple[str, str]] = (),  # (title, relative file) of each diagram written
    history: Sequence[dict[str, Any]] = (),
    generated: str = "",
) -> str:
    summary = report["summary"]
    lines = [f"# Architecture report: {code(report['root'])}", ""]
    meta = [f"archguard {text(report['tool']['version'])}"]
    if generated:
        meta.append(f"generated {text(generated)}")
    lines += ["_" + ", ".join(meta) + "_", ""]
    lines += _headline(report)
    lines += _trend(summary)
    lines += [
        "## What to do next",
        "",
        *(f"{i}. {step}" for i, step in enumerate(next_steps(report, code), 1)),
        "",
    ]
    lines += _golden_path(report)
    lines += _violations_per_contract(report)
    lines += _owners(report)
    lines += _interfaces(report)
    lines += _syntax_errors_by_folder(report)
    lines += _clusters(report)
    lines += _shims(report)
    lines += _cycles(report)
    lines += _hotspots(report)
    lines += _copies(report)
    if diagrams:
        lines += ["## Diagrams", ""]
        lines += [f"- [{text(title)}]({posixpath.normpath(path)})" for title, path in diagrams]
        lines.append("")
    if history:
        lines += ["## History", "", *history_view.markdown_table(list(history)), ""]
        golden = golden_path_history.markdown_table(list(history))
        if golden:
            lines += ["### Golden path", "", *golden, ""]
    return "\n".join(lines).rstrip() + "\n"


def _headline(report: dict[str, Any]) -> list[str]:
    s = report["summary"]
    rows = [
        (
            "files",
            f"{s['files']} ({s['parsed_files']} parsed, {s['loose_files']} loose: scripts and tests outside packages)",
        ),
        ("syntax errors", s["syntax_errors"]),
        ("unreadable files", s["unreadable_files"]),
        ("modules / imports", f"{s['modules']} / {s['imports']}"),
        ("dangling imports", s["dangling_imports"]),
        (
            "violations",
            f"{s['violations']} ({s['new_violations']} new, {s['baselined']} baselined, {s['warnings']} warnings)",
        ),
        ("concept clusters", s.get("clusters", 0)),
        ("shims", f"{s.get('shims', 0)} ({s.get('unused_shims', 0)} with no importer)"),
        ("import cycles", s.get("cycles", 0)),
        ("stale copies", s.get("copies", 0)),
    ]
    lines = ["## Headline", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return [*lines, ""]


def _trend(summary: dict[str, Any]) -> list[str]:
    return [
        "## Against the baseline",
        "",
        f"- **new**: {summary['new_violations']} violation(s) not in the baseline (these fail the run)",
        f"- **known**: {summary['baselined']} baselined violation(s) still present",
        f"- **fixed**: {summary['stale_baseline_entries']} baseline entr{'y' if summary['stale_baseline_entries'] == 1 else 'ies'}"
        " no longer found (drop them with `--update-baseline`)",
        "",
    ]


def _violations_per_contract(report: dict[str, Any]) -> list[str]:
    """Every contract that ran, kept ones included (as ``lint-imports`` lists them), then examples
    of the new violations."""
    violations = report["violations"]
    contracts = report.get("contract_results", [])
    if not contracts and not violations:
        return []
    broken = sum(1 for c in contracts if c["state"] == "broken")
    lines = [
        "## Contracts",
        "",
        f"{len(contracts) - broken} kept, {broken} broken.",
        "",
        "| contract | type | state | new | baselined | warnings | total |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for c in contracts:
        state = "**broken**" if c["state"] == "broken" else "kept"
        lines.append(
            f"| {code(c['name'])} | {text(c['type'])} | {state} | {c['new']} | {c['baselined']} "
            f"| {c['warnings']} | {c['violations']} |"
        )
    kinds = Counter(v["kind"] for v in violations)
    if kinds:
        lines += [
            "",
            "By kind: " + ", ".join(f"{code(kind)} {count}" for kind, count in sorted(kinds.items())),
        ]
    examples = [v for v in violations if not v["baselined"] and v["severity"] == "error"][:TOP_ROWS]
    if examples:
        lines += [
            "",
            "New violations"
            + (f" (first {len(examples)})" if len(examples) < report["summary"]["new_violations"] else "")
            + ":",
            "",
        ]
        for v in examples:
            fix = (
                f"; use {code(v['suggestion'])}"
                if v.get("suggestion") and v["suggestion"] not in v["message"]
                else ""
            )
            lines.append(
                f"- {code(v['path'] + ':' + str(v['line']))} {code(v['code'])} {text(v['message'])}{fix}"
            )
    return [*lines, ""]


def _interfaces(report: dict[str, Any]) -> list[str]:
    """A section per interface contract: its public face and who reaches past it."""
    interfaces = report.get("interfaces", [])
    if not interfaces:
        return []
    lines = ["## Interface contracts", ""]
    for interface in interfaces:
        exports = interface["exports"]
        face = (
            "what it exports is unknown (a computed `__all__`, or it does not parse)"
            if exports is None
            else f"{len(exports)} name(s) in {'its `__all__`' if interface['exports_listed'] else 'its public names'}"
        )
        also = [m for m in interface["public_modules"] if m != interface["package"]]
        lines += [
            f"### {text(interface['name'])}: {code(interface['package'])}",
            "",
            f"Public face: {face}"
            + (f"; also public: {', '.join(code(m) for m in also)}" if also else "")
            + f". {interface['violations']} reach-in(s), {interface['fixable']} fixable by `archguard fix`."
            + (f" Reason: {text(interface['reason'])}" if interface.get("reason") else ""),
            "",
        ]
        if not interface["reach_ins"]:
            lines += ["Nothing outside the package reaches past its public face.", ""]
            continue
        lines += [
            "| importing package | reach-ins | fixable | by rule | modules reached |",
            "|---|---:|---:|---|---|",
        ]
        for reach in interface["reach_ins"][:TOP_ROWS]:
            codes = ", ".join(f"{n} {code(c)}" for c, n in reach["by_code"].items())
            modules = ", ".join(f"{code(m['module'])} ({m['count']})" for m in reach["modules"][:4])
            if len(reach["modules"]) > 4:
                modules += f", +{len(reach['modules']) - 4} more"
            lines.append(
                f"| {code(reach['importer'])} | {reach['count']} | {reach['fixable']} | {codes} | {modules} |"
            )
        if len(interface["reach_ins"]) > TOP_ROWS:
            lines.append(f"| +{len(interface['reach_ins']) - TOP_ROWS} more importing packages | | | | |")
        lines.append("")
    return lines


def _syntax_errors_by_folder(report: dict[str, Any]) -> list[str]:
    errors = report["syntax_errors"]
    if not errors:
        return []
    folders = Counter(posixpath.dirname(e["path"]) or "(root)" for e in errors)
    lines = ["## Syntax errors by folder", "", "| folder | files that do not parse |", "|---|---:|"]
    ranked = sorted(folders.items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"| {code(folder)} | {count} |" for folder, count in ranked[:TOP_ROWS]]
    if len(ranked) > TOP_ROWS:
        lines.append(f"| +{len(ranked) - TOP_ROWS} more folders | {sum(c for _, c in ranked[TOP_ROWS:])} |")
    return [*lines, ""]


def _clusters(report: dict[str, Any]) -> list[str]:
    clusters = report.get("clusters", [])
    if not clusters:
        return []
    lines = [
        "## Top concept clusters",
        "",
        "Concepts the codebase defines or reaches in several ways, most worth fixing first.",
        "",
    ]
    for rank, cluster in enumerate(clusters[:TOP_CLUSTERS], 1):
        lines += [
            f"### {rank}. {text(cluster['name'])} (score {cluster['score']})",
            "",
            f"Canonical (suggested): {code(cluster['canonical'])}; {cluster['importer_count']} importing file(s), "
            f"{cluster['non_canonical_importers']} through a non-canonical path.",
            "",
            "Definitions:",
            "",
        ]
        lines += [
            f"- {code(d['module'] + ':' + d['name'])} ({text(d['kind'])}, {text(d.get('role', 'definition'))}) "
            f"at {code(d['path'] + ':' + str(d['line']))}"
            for d in cluster["definitions"][:TOP_ROWS]
        ]
        if len(cluster["definitions"]) > TOP_ROWS:
            lines.append(f"- +{len(cluster['definitions']) - TOP_ROWS} more definitions")
        lines += ["", "| access path | importers | |", "|---|---:|---|"]
        paths = sorted(cluster["access_paths"], key=lambda p: (not p.get("canonical"), -p["importers"]))
        for path in paths[:TOP_ROWS]:
            target = f"{path['module']}:{path['name']}"
            mark = (
                "canonical"
                if path.get("canonical") or target == cluster["canonical"]
                else ("shim" if path["module"] in cluster.get("shims", []) else "")
            )
            lines.append(f"| {code(target)} | {path['importers']} | {mark} |")
        if len(paths) > TOP_ROWS:
            lines.append(f"| +{len(paths) - TOP_ROWS} more access paths | | |")
        lines.append("")
    if len(clusters) > TOP_CLUSTERS:
        lines += [f"+{len(clusters) - TOP_CLUSTERS} more clusters in `report.json` and `index.html`.", ""]
    return lines


def _shims(report: dict[str, Any]) -> list[str]:
    shims = report.get("shims", [])
    if not shims:
        return []
    lines = ["## Shims", "", "| module | re-exports | importers | |", "|---|---|---:|---|"]
    ranked = sorted(shims, key=lambda s: (-s["importers"], s["module"]))
    for shim in ranked[:TOP_ROWS]:
        names = ", ".join(code(f"{r['name']} -> {r['origin']}") for r in shim["reexports"][:3])
        if len(shim["reexports"]) > 3:
            names += f" +{len(shim['reexports']) - 3} more"
        note = (
            "safe to delete"
            if shim["safe_to_delete"]
            else ("deprecated" if shim.get("warns_deprecation") else "")
        )
        lines.append(f"| {code(shim['module'])} | {names} | {shim['importers']} | {note} |")
    if len(ranked) > TOP_ROWS:
        lines.append(f"| +{len(ranked) - TOP_ROWS} more shims | | | |")
    return [*lines, ""]


def _golden_path(report: dict[str, Any]) -> list[str]:
    """Only when the run had entry points (``--entry`` or ``entry_points``)."""
    summaries = entry_summaries(report)
    if not summaries:
        return []
    lines = ["## Golden path", ""]
    for summary in summaries:
        lines.append(f"- {code(summary.entry)}: {text(summary.headline)}")
        for finding in summary.findings[:TOP_ROWS]:
            warning = " (warning)" if finding["severity"] != "error" else ""
            lines.append(
                f"  - {code(chain_of(finding))} at {code(location(finding))}{warning}: "
                f"{code(finding['code'])} {text(finding['message'])}"
            )
        if len(summary.findings) > TOP_ROWS:
            lines.append(f"  - +{len(summary.findings) - TOP_ROWS} more in `report.json`.")
    return [*lines, ""]


def _cycles(report: dict[str, Any]) -> list[str]:
    cycles = report.get("cycles", [])
    if not cycles:
        return []
    lines = ["## Import cycles", ""]
    for rank, cycle in enumerate(cycles[:TOP_CLUSTERS], 1):
        ring = " -> ".join(
            [e["importer"] for e in cycle["path"]] + [cycle["path"][0]["importer"]]
            if cycle["path"]
            else cycle["modules"]
        )
        lines.append(f"{rank}. {code(ring)} ({len(cycle['modules'])} modules in the group)")
        for edge in cycle["path"]:
            lines.append(
                f"   - {code(edge['importer'] + ' -> ' + edge['imported'])} at {code(edge['path'] + ':' + str(edge['line']))}"
            )
        if cycle["breakers"]:
            lines.append(
                "   - to break it, remove: "
                + ", ".join(code(f"{b['path']}:{b['line']}") for b in cycle["breakers"])
            )
    if len(cycles) > TOP_CLUSTERS:
        lines.append(f"\n+{len(cycles) - TOP_CLUSTERS} more cycles in `report.json`.")
    return [*lines, ""]


def _hotspots(report: dict[str, Any]) -> list[str]:
    hotspots = report.get("hotspots", [])
    if not hotspots:
        return []
    lines = [
        "## Hotspots",
        "",
        "Score = (coupling + findings) x (1 + log2(1 + changes)); changes: commits in the churn window.",
        "",
        "| module | score | coupling | fan-in | fan-out | non-canonical importers | findings | changes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {code(h['module'])} | {h['score']} | {h.get('coupling', '')} | {h['fan_in']} | {h.get('fan_out', '')} "
        f"| {h['non_canonical_importers']} | {h.get('findings', '')} | {h.get('changes', '')} |"
        for h in hotspots[:10]
    ]
    return [*lines, ""]


def _copies(report: dict[str, Any]) -> list[str]:
    copies = report.get("copies", [])
    if not copies:
        return []
    lines = ["## Stale copies", "", "| copy | live file | similarity |", "|---|---|---:|"]
    lines += [f"| {code(c['path'])} | {code(c['live'])} | {c['similarity']:.0%} |" for c in copies[:TOP_ROWS]]
    if len(copies) > TOP_ROWS:
        lines.append(f"| +{len(copies) - TOP_ROWS} more copies | | |")
    return [*lines, ""]


NO_OWNER = "(none)"  # the owner of violations no CODEOWNERS line covers


def violations_per_owner(report: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(owner, their violations), most first, the unowned last; a violation of several owners
    counts for each."""
    found: dict[str, list[dict[str, Any]]] = {}
    for v in report["violations"]:
        for owner in v.get("owners") or [NO_OWNER]:
            found.setdefault(owner, []).append(v)
    return sorted(found.items(), key=lambda item: (item[0] == NO_OWNER, -len(item[1]), item[0]))


def owner_steps(
    report: dict[str, Any], owner: str, found: list[dict[str, Any]], code: Callable[[object], str]
) -> list[str]:
    """What one owner could do next about their violations (``found``), most valuable first."""
    new = [v for v in found if not v["baselined"] and v["severity"] == "error"]
    steps = []
    fixable = [v for v in new if v["fixable"]]
    if fixable:
        files = sorted({v["path"] for v in fixable})
        shown = " ".join(files[:3]) + (" ..." if len(files) > 3 else "")
        steps.append(
            f"Run {code('archguard fix --dry-run ' + shown)} and review: {len(fixable)} new violation(s) in "
            f"{len(files)} file(s) can be rewritten to their canonical import."
        )
    by_kind = Counter(v["kind"] for v in new if not v["fixable"])
    wording = {
        "dangling-import": "import(s) of modules or names that no longer exist: remove or repair them",
        "import-linter": "import(s) an import-linter contract forbids: move the code or the import",
        "golden-path": "problem(s) on an entry point's golden path: each breaks its start-up",
        "duplicate-definition": "second definition(s) of a concept: fold them into the canonical one",
        "non-canonical-import": "import(s) of a different object claiming a concept: decide which one stays",
    }
    for kind, count in by_kind.most_common():
        example = next(v for v in new if v["kind"] == kind and not v["fixable"])
        where = code(f"{example['path']}:{example['line']}")
        steps.append(f"{count} {wording.get(kind, f'{kind} finding(s)')}, e.g. {where}.")
    warnings = sum(1 for v in found if not v["baselined"] and v["severity"] != "error")
    if warnings:
        steps.append(f"Look at {warnings} warning(s) when you next touch those files.")
    known = sum(1 for v in found if v["baselined"])
    if known:
        steps.append(f"{known} baselined violation(s) remain: each fixed one shrinks the baseline.")
    return steps or [f"Nothing to do for {code(owner)}."]


def _owners(report: dict[str, Any]) -> list[str]:
    """Violations and fixable violations per owner (only with a CODEOWNERS file)."""
    if report.get("codeowners") is None:
        return []
    lines = [
        "## Owners",
        "",
        f"From {code(report['codeowners'])}: violations per owner (a violation of several owners counts for each).",
        "",
        "| owner | violations | new | fixable | files |",
        "|---|---:|---:|---:|---:|",
    ]
    per_owner = violations_per_owner(report)
    for owner, found in per_owner[:TOP_ROWS]:
        new = sum(1 for v in found if not v["baselined"] and v["severity"] == "error")
        fixable = sum(1 for v in found if v["fixable"] and not v["baselined"])
        lines.append(
            f"| {code(owner)} | {len(found)} | {new} | {fixable} | {len({v['path'] for v in found})} |"
        )
    if len(per_owner) > TOP_ROWS:
        lines.append(f"| +{len(per_owner) - TOP_ROWS} more owners | | | | |")
    lines += ["", "What to do next, per owner:", ""]
    for owner, found in per_owner[:TOP_ROWS]:
        lines.append(f"- {code(owner)}:")
        lines += [f"  - {step}" for step in owner_steps(report, owner, found, code)]
    return [*lines, ""]


def next_steps(report: dict[str, Any], code: Callable[[object], str]) -> list[str]:
    """What a lead should do next, most valuable first, each tied to a figure of the report.
    ``code`` marks up a name or a command (Markdown code span, HTML ``<code>``); the rest is
    fixed wording and numbers, safe in both."""
    s = report["summary"]
    steps = []
    fixable = sum(1 for v in report["violations"] if v["fixable"] and not v["baselined"])
    if fixable:
        steps.append(
            f"Run {code('archguard fix --dry-run')} and review: {fixable} new violation(s) can be rewritten to their canonical import."
        )
    # A cluster a contract already holds (same canonical, or same name) needs no new contract.
    held = {v["canonical"] for v in report["violations"] if v.get("canonical")} | set(report["contracts"])
    loose_clusters = [
        c for c in report.get("clusters", []) if c["canonical"] not in held and c["name"] not in held
    ]
    if loose_clusters:
        top = loose_clusters[0]
        steps.append(
            f"Write a concept contract for {code(top['name'])} (canonical {code(top['canonical'])}): "
            f"{top['non_canonical_importers']} file(s) reach it another way; "
            f"{code('archguard discover --write-contracts contracts/')} drafts one."
        )
    unused = [shim for shim in report.get("shims", []) if shim["safe_to_delete"]]
    if unused:
        steps.append(
            f"Delete {len(unused)} shim(s) nothing imports any more, e.g. {code(unused[0]['path'])}."
        )
    if s["syntax_errors"]:
        folders = Counter(posixpath.dirname(e["path"]) or "(root)" for e in report["syntax_errors"])
        folder, count = folders.most_common(1)[0]
        steps.append(
            f"Repair or delete {s['syntax_errors']} file(s) that do not parse ({count} in {code(folder)})."
        )
    if s["dangling_imports"]:
        steps.append(
            f"Remove or fix {s['dangling_imports']} import(s) of modules or names that no longer exist."
        )
    if report.get("cycles"):
        cycle = report["cycles"][0]
        if cycle["breakers"]:
            b = cycle["breakers"][0]
            steps.append(
                f"Break the import cycle of {code(cycle['modules'][0])}: remove or move the import at {code(b['path'] + ':' + str(b['line']))}."
            )
    if s["new_violations"] and not s["baselined"] and not s["stale_baseline_entries"]:
        steps.append(
            f"To stop new drift while you clean up: {code('archguard baseline --baseline FILE')}, then run with {code('--baseline FILE')} in CI."
        )
    if s["stale_baseline_entries"]:
        steps.append(f"Shrink the baseline: {code('--update-baseline')} drops the fixed entries.")
    if not steps:
        steps.append(f"Nothing to do: keep {code('archguard check')} in CI.")
    return steps
