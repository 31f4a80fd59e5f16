"""``index.html``: one self-contained page (no CDN, no server, works from a file:// URL).

Rendered from the ``report.json`` dictionary of the same run, like the Markdown audit. Tables are
built here, in HTML, each row carrying what the page's script filters on (``data-code``,
``data-contract``, ``data-owner``, ``data-state``); the dependency matrix is an HTML table too.
The script (``archguard/assets/page.js``, built from ``js/``: sorting, filters and facets kept in
the URL, the matrix's clicks, the import-graph explorer with cytoscape.js and dagre) and the data
it draws from (``import_graph``, ``dsm``, the clusters' modules) are inlined, so a link such as
``index.html#filter:violations=giftcards&owner:violations=@acme/web&sort:hotspots=3-desc`` opens
the same view.

Each section is laid out by the browser only when the reader comes near it (``content-visibility``),
and each diagram is an inline SVG kept in a ``<template>`` until then: a 10,000-file tree's page
is interactive in about a second, where laying out all of it at once took several.

Everything from the analysed code is escaped with :func:`html.escape`; the data is JSON with
``<``, ``>`` and ``&`` written as ``\\u`` escapes, so no name can close the script element; the
diagrams are Graphviz's own SVG (which escapes labels), stripped of its XML prolog and comments.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from html import escape, unescape
from typing import Any
from urllib.parse import quote

from archguard.domain.findings import RULES
from archguard.domain.golden_path import contract_name
from archguard.reporting import golden_path_history
from archguard.reporting import history as history_view
from archguard.reporting.diagrams.matrix import box_sides, in_cycle
from archguard.reporting.golden_path_report import EntrySummary, chain_of, entry_summaries
from archguard.reporting.markdown import NO_OWNER, next_steps, owner_steps, violations_per_owner
from archguard.reporting.summary import plural

MAX_ROWS = 5000  # per table; report.json has them all
MAX_CLUSTER_ROWS = 200  # the clusters table: each row lists definitions and paths
MAX_HOTSPOT_ROWS = 300
MAX_GOLDEN_LISTED = 25  # golden-path findings listed per entry above its diagram
MAX_CONCEPTS = 40  # concepts the explorer can highlight (the top clusters)


@dataclass(frozen=True)
class Figure:
    """A diagram for the page: its title, its inline SVG (None: Graphviz missing), its files."""

    section: str  # "overview" | "dsm" | "clusters" | "cycles" | "focus" | "golden-path"
    title: str
    svg: str | None
    files: tuple[str, ...]  # relative to the report folder


class Links:
    """Turns ``path`` + ``line`` into a URL: the ``--link-template`` (``{path}``, ``{line}``), else
    a relative link from the report folder to the file on disk."""

    def __init__(self, template: str | None, relative_root: str) -> None:
        self.template = template
        self.relative_root = relative_root.rstrip("/") + "/" if relative_root else ""

    def url(self, path: str, line: int | None = None) -> str:
        quoted = quote(path, safe="/")
        if self.template:
            return self.template.replace("{path}", quoted).replace("{line}", str(line or 1))
        return self.relative_root + quoted

    def anchor(self, path: str, line: int | None = None) -> str:
        label = f"{path}:{line}" if line else path
        return f'<a href="{escape(self.url(path, line))}">{escape(label)}</a>'

    def as_json(self) -> dict[str, str]:
        return {"template": self.template or "", "root": self.relative_root}


@dataclass(frozen=True)
class Column:
    """A column of a table: its heading, its width (CSS; "" takes the rest) and its kind."""

    heading: str
    width: str = ""
    numeric: bool = False
    kind: str = ""  # "path" (shortened from the left), "clip" (one line, cut with an ellipsis), "" (wraps)


def render_html(
    report: dict[str, Any],
    *,
    figures: Sequence[Figure] = (),
    history: Sequence[dict[str, Any]] = (),
    links: Links | None = None,
    generated: str = "",
    notices: Sequence[str] = (),
    script: str = "",
) -> str:
    """``script``: the page's script (``adapters/page_assets.py``); without it the page still
    shows everything, unsorted and unfiltered."""
    links = links or Links(None, "")
    s = report["summary"]
    root = report["root"]
    owners = report.get("codeowners") is not None
    sections = [
        ("summary", "Summary", _summary(report, generated, notices)),
        ("next", "What to do next", _next(report, owners)),
    ]
    if history:
        sections.append(("trend", "Trend", _trend(history)))
    contracts = report.get("contract_results", [])
    broken = sum(1 for c in contracts if c["state"] == "broken")
    sections.append(
        ("contracts", f"Contracts ({len(contracts) - broken} kept, {broken} broken)", _contracts(report))
    )
    if owners:
        sections.append(("owners", "Owners", _owners(report)))
    golden = entry_summaries(report)
    if golden:  # only when the run had entry points
        sections.append(("golden-path", "Golden path", _golden_path(golden, links, figures)))
    sections += [
        ("violations", f"Violations ({s['violations']})", _violations(report, links, owners)),
    ]
    if report.get("interfaces"):
        sections.append(
            (
                "interfaces",
                f"Interface contracts ({len(report['interfaces'])})",
                _interfaces(report, figures),
            )
        )
    sections += [
        ("structure", "Structure", _structure(report, figures)),
        (
            "clusters",
            f"Concept clusters ({len(report.get('clusters', []))})",
            _clusters(report, links, figures),
        ),
        ("shims", f"Shims ({len(report.get('shims', []))})", _shims(report, links)),
        ("cycles", f"Import cycles ({len(report.get('cycles', []))})", _cycles(report, links, figures)),
        ("syntax-errors", f"Syntax errors ({s['syntax_errors']})", _syntax_errors(report, links)),
        ("hotspots", f"Hotspots ({len(report.get('hotspots', []))})", _hotspots(report, links)),
        ("copies", f"Stale copies ({len(report.get('copies', []))})", _copies(report, links)),
    ]
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{content}</section>' for key, title, content in sections
    )
    data = _page_data(report, links)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>archguard report: {escape(root)}</title><style>{_CSS}</style></head>"
        f'<body data-js-errors="0"><header><h1>Architecture report</h1><p class="root">{escape(root)}</p></header>'
        f"<nav>{nav}</nav><main>{body}</main>"
        f'<script type="application/json" id="report-data">{data}</script>'
        f"<script>{script}</script></body></html>\n"
    )


def _page_data(report: dict[str, Any], links: Links) -> str:
    """What the script draws from, as JSON safe inside a <script> element."""
    concepts = [
        {
            "name": c["name"],
            "definitions": sorted({d["module"] for d in c["definitions"]}),
            "paths": sorted({p["module"] for p in c["access_paths"]}),
            "importers": sorted({i for p in c["access_paths"] for i in p.get("importing_files", ())}),
        }
        for c in report.get("clusters", [])[:MAX_CONCEPTS]
    ]
    data = {
        "import_graph": _compact_graph(report.get("import_graph")),
        "dsm": report.get("dsm"),
        "links": links.as_json(),
        "concepts": concepts,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _compact_graph(graph: dict[str, Any] | None) -> dict[str, Any] | None:
    """``report.json``'s ``import_graph`` as the page carries it, about half the size (the page
    must stay a few MB on a 10,000-file tree); js/src/data.js reads it back.

    - a name that extends its parent's is written ``~`` + the rest (``~.manager`` under
      ``billing.core``; a name that really starts with ``~`` is written ``~~...``);
    - a path that a package module's name gives is ``~`` (``a/b/c.py``) or ``~/`` (``a/b/c/__init__.py``);
    - the edges go by importer: ``[importer, imported, count, line..., imported, count, line..., ...]``.
    """
    if not graph:
        return graph
    names, parents, paths = graph["nodes"]["names"], graph["nodes"]["parents"], graph["nodes"]["paths"]
    short_names, short_paths = [], []
    for name, parent, path in zip(names, parents, paths, strict=True):
        above = names[parent] if parent >= 0 else ""
        rest = name[len(above) :]
        if above and name.startswith(above) and rest and not rest.startswith("~"):
            short_names.append("~" + rest)
        else:
            short_names.append("~" + name if name.startswith("~") else name)
        base = name.replace(".", "/")
        short_paths.append("~" if path == base + ".py" else "~/" if path == base + "/__init__.py" else path)
    by_importer: dict[int, list[int]] = {}
    for importer, imported, lines in graph["edges"]:
        by_importer.setdefault(importer, []).extend([imported, len(lines), *lines])
    return {
        "nodes": {"names": short_names, "parents": parents, "paths": short_paths},
        "edges": [[importer, *rest] for importer, rest in by_importer.items()],
        "closures": graph.get("closures", {}),
    }


# --- sections -----------------------------------------------------------------------------------


def _summary(report: dict[str, Any], generated: str, notices: Sequence[str]) -> str:
    s = report["summary"]
    contracts = report.get("contract_results", [])
    broken = sum(1 for c in contracts if c["state"] == "broken")
    cards = [
        ("files", s["files"], f"{s['parsed_files']} parsed, {s['loose_files']} loose", ""),
        ("syntax errors", s["syntax_errors"], "files that do not parse", "bad" if s["syntax_errors"] else ""),
        (
            "new violations",
            s["new_violations"],
            f"{s['violations']} in all, {s['baselined']} baselined",
            "bad" if s["new_violations"] else "good",
        ),
        (
            "contracts",
            len(contracts),
            f"{len(contracts) - broken} kept, {broken} broken",
            "bad" if broken else "good",
        ),
        ("fixed", s["stale_baseline_entries"], "baseline entries no longer found", ""),
        (
            "dangling imports",
            s["dangling_imports"],
            "modules or names that are gone",
            "bad" if s["dangling_imports"] else "",
        ),
        ("clusters", s.get("clusters", 0), "concepts with several homes or paths", ""),
        ("shims", s.get("shims", 0), f"{s.get('unused_shims', 0)} with no importer", ""),
        ("cycles", s.get("cycles", 0), "strongly connected import groups", "bad" if s.get("cycles") else ""),
        ("copies", s.get("copies", 0), "stale duplicates of modules", ""),
    ]
    html = (
        '<div class="cards">'
        + "".join(
            f'<div class="card {tone}" data-key="{escape(key)}"><div class="value">{value}</div>'
            f'<div class="label">{escape(key)}</div><div class="hint">{escape(hint)}</div></div>'
            for key, value, hint, tone in cards
        )
        + "</div>"
    )
    meta = [f"archguard {report['tool']['version']}", f"{s['modules']} modules, {s['imports']} imports"]
    if generated:
        meta.append(f"generated {generated}")
    html += f'<p class="meta">{escape("; ".join(meta))}</p>'
    if notices:
        html += '<ul class="notices">' + "".join(f"<li>{escape(n)}</li>" for n in notices) + "</ul>"
    return html


def _next(report: dict[str, Any], owners: bool) -> str:
    steps = next_steps(report, _code)
    html = "<ol>" + "".join(f"<li>{step}</li>" for step in steps) + "</ol>"
    if owners:
        html += '<p class="meta">The same, per owner: <a href="#owners">Owners</a>.</p>'
    return html


def _code(value: object) -> str:
    return f"<code>{escape(str(value))}</code>"


def _trend(history: Sequence[dict[str, Any]]) -> str:
    rows = [
        [
            str(e.get("date", ""))[:16].replace("T", " "),
            (e.get("commit") or "")[:10],
            *(e.get(key, 0) for key, _, _ in history_view.SERIES),
        ]
        for e in reversed(history)
    ]
    columns = [
        Column("date"),
        Column("commit"),
        *(Column(h, numeric=True) for _, h, _ in history_view.SERIES),
    ]
    html = f'<div class="chart">{history_view.trend_svg(list(history))}</div>' + _table(
        "history", columns, [[escape(str(c)) for c in r] for r in rows]
    )
    return html + _golden_trend(history)


def _golden_trend(history: Sequence[dict[str, Any]]) -> str:
    """Each entry point's closure size and state per run; "" when no run had entry points."""
    entries, rows = golden_path_history.rows(list(history), last=60)
    if not rows:
        return ""
    columns = [Column("date"), Column("commit"), *(Column(e) for e in entries)]
    return (
        '<h3 id="golden-path-trend">Golden path</h3>'
        f'<div class="chart">{golden_path_history.trend_svg(list(history))}</div>'
        + _table("golden-history", columns, [[escape(c) for c in r] for r in reversed(rows)])
    )


def _filter_link(facet: str, value: str, text: str) -> str:
    """A link that opens the violations table with one facet chosen."""
    fragment = quote(f"{facet}:violations={value}", safe=":=")
    return f'<a href="#{escape(fragment)}">{escape(text)}</a>'


def _contracts(report: dict[str, Any]) -> str:
    rows, attributes = [], []
    for c in report.get("contract_results", []):
        rows.append(
            [
                _filter_link("contract", c["name"], c["name"]) if c["violations"] else escape(c["name"]),
                escape(c["type"]),
                f'<span class="state {"broken" if c["state"] == "broken" else "kept"}">{escape(c["state"])}</span>',
                str(c["new"]),
                str(c["baselined"]),
                str(c["warnings"]),
                str(c["violations"]),
            ]
        )
        attributes.append({"state": c["state"]})
    columns = [
        Column("contract", kind="clip"),
        Column("type", "150px", kind="clip"),
        Column("state", "80px"),
        Column("new", "70px", numeric=True),
        Column("baselined", "90px", numeric=True),
        Column("warnings", "90px", numeric=True),
        Column("total", "70px", numeric=True),
    ]
    return (
        '<p class="meta">Every contract that ran, kept ones included: <strong>broken</strong> when it has violations'
        " that fail the run (new ones), else kept (baselined violations and warnings counted beside it).</p>"
        + _table("contracts", columns, rows, attributes=attributes)
    )


def _owners(report: dict[str, Any]) -> str:
    """Violations and fixable violations per owner, and what each owner could do next."""
    ranked = violations_per_owner(report)
    rows = []
    for owner, found in ranked:
        new = sum(1 for v in found if not v["baselined"] and v["severity"] == "error")
        rows.append(
            [
                _filter_link("owner", owner, owner),
                str(len(found)),
                str(new),
                str(sum(1 for v in found if v["fixable"] and not v["baselined"])),
                str(len({v["path"] for v in found})),
            ]
        )
    columns = [
        Column("owner", kind="clip"),
        Column("violations", "110px", numeric=True),
        Column("new", "80px", numeric=True),
        Column("fixable", "90px", numeric=True),
        Column("files", "80px", numeric=True),
    ]
    steps = "".join(
        f'<details class="owner-steps"><summary><code>{escape(owner)}</code>: '
        f"{escape(plural(len(found), 'violation'))}</summary><ol>"
        + "".join(f"<li>{step}</li>" for step in owner_steps(report, owner, found, _code))
        + "</ol></details>"
        for owner, found in ranked
    )
    source = escape(str(report.get("codeowners")))
    return (
        f'<p class="meta">From <code>{source}</code> (GitHub\'s rules: the last matching pattern wins). '
        "A violation owned by several owners counts for each.</p>"
        + _table("owners", columns, rows)
        + "<h3>What to do next, per owner</h3>"
        + (steps or '<p class="empty">No violations.</p>')
    )


def _violations(report: dict[str, Any], links: Links, owners: bool) -> str:
    rows, attributes = [], []
    for v in report["violations"]:
        state = "baselined" if v["baselined"] else "warning" if v["severity"] == "warning" else "new"
        cells = [
            links.anchor(v["path"], v["line"]),
            f'<span class="state {state}">{state}</span>',
            escape(v["code"]),
            escape(v["contract"]),
        ]
        if owners:
            cells.append(escape(" ".join(v.get("owners") or ())))
        cells.append(escape(v["message"]))  # ends with "use: <the canonical statement>" when there is one
        rows.append(cells)
        attributes.append(
            {
                "code": v["code"],
                "contract": v["contract"],
                "state": state,
                "owner": "\n".join(v.get("owners") or ()),
            }
        )
    columns = [
        Column("file:line", "22%", kind="path"),
        Column("state", "86px"),
        Column("code", "64px"),
        Column("contract", "13%", kind="clip"),
        *([Column("owners", "11%", kind="clip")] if owners else []),
        Column("message"),
    ]
    violations = report["violations"]
    codes = Counter(v["code"] for v in violations)
    facets = [
        (
            "code",
            "rule",
            [(c, f"{c} {RULES[c][1] if c in RULES else ''} ({n})") for c, n in sorted(codes.items())],
        ),
        ("contract", "contract", _options(Counter(v["contract"] for v in violations))),
        ("state", "state", _options(Counter(a["state"] for a in attributes))),
    ]
    if owners:
        owned = Counter(o for v in violations for o in v.get("owners") or [NO_OWNER])
        facets.insert(2, ("owner", "owner", _options(owned)))
    return _table("violations", columns, rows, attributes=attributes, facets=facets)


def _options(counts: Counter[str]) -> list[tuple[str, str]]:
    return [(value, f"{value} ({count})") for value, count in sorted(counts.items())]


def _structure(report: dict[str, Any], figures: Sequence[Figure]) -> str:
    """The dependency structure matrix, the import-graph explorer, and the package overview."""
    parts = [_matrix(report.get("dsm"))]
    if report.get("import_graph"):
        parts.append(_explorer(report))
    overview = [f for f in figures if f.section in ("overview", "focus")]
    if overview:
        parts.append(
            '<h3>Package overview</h3><p class="meta">The groups of the matrix (fewer of them), top to bottom in '
            "layer order; red: imports against it. Click the diagram for its own size.</p>"
        )
    parts.append(_figures(overview))
    return "".join(parts)


def _matrix(dsm: dict[str, Any] | None) -> str:
    if not dsm or not dsm["groups"]:
        return '<p class="empty">No modules.</p>'
    groups = dsm["groups"]
    cells = {(imported, importer): count for importer, imported, count in dsm["cells"]}
    head = '<tr><th class="corner">imported ↓ · importer →</th>' + "".join(
        f'<th class="col" title="{escape(g["name"])}">{i + 1}</th>' for i, g in enumerate(groups)
    )
    body = []
    for r, group in enumerate(groups):
        row = [
            f'<th class="row" title="{escape(group["name"])}"><span class="n">{r + 1}</span>'
            f'<span class="name"><span class="ltr">{escape(group["name"])}</span></span><span class="m">{group["modules"]}</span></th>'
        ]
        for c, importer in enumerate(groups):
            count = dsm["internal"][r] if r == c else cells.get((r, c), 0)
            kind = "diag" if r == c else ("against" if r < c else "along") if count else "empty"
            classes = [kind]
            if in_cycle(dsm["cycles"], r, c):
                classes += ["cycle", *(f"b{side.lower()}" for side in box_sides(dsm["cycles"], r, c))]
            tip = (
                f"{importer['name']} imports {group['name']}: {plural(count, 'import statement')}"
                if r != c
                else f"{group['name']}: {plural(count, 'import statement')} within it"
            )
            attributes = f' data-row="{r}" data-col="{c}" title="{escape(tip)}"' if count else ""
            row.append(f'<td class="{" ".join(classes)}"{attributes}>{count or ""}</td>')
        body.append("<tr>" + "".join(row) + "</tr>")
    cycles = len(dsm["cycles"])
    return (
        f"<h3>Dependency structure matrix: {escape(dsm['title'])}</h3>"
        '<p class="meta">Rows and columns in layer order, importers first (the overview below, top to bottom). '
        "The number in row R, column C counts the import statements by which C imports R; the diagonal, "
        f'those within R. Below the diagonal: along the layers. <strong class="against-text">Above it: '
        f"{plural(dsm['against'], 'statement')} against the order</strong>"
        + (f"; {plural(cycles, 'import cycle')}, each in a purple box" if cycles else "")
        + ". Click a number to list its imports.</p>"
        f'<div class="dsm-wrap"><table class="dsm" id="dsm"><thead>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        '<div id="dsm-imports" class="imports-panel" hidden></div>'
    )


def _explorer(report: dict[str, Any]) -> str:
    options = ['<option value="">highlight: nothing</option>']
    options += [
        f'<option value="c:{i}">concept {escape(c["name"])}: definitions, access paths, importers</option>'
        for i, c in enumerate(report.get("clusters", [])[:MAX_CONCEPTS])
    ]
    for entry in (report.get("golden_path") or {}).get("entries", []):
        options.append(
            f'<option value="e:{escape(entry)}">entry {escape(entry)}: what it loads at import time</option>'
        )
    return (
        "<h3>Explorer of the import graph</h3>"
        '<p class="meta">Click a package to open it in place, click its box to close it; click an edge to list '
        "the imports behind it (red: against the layer order). Scroll to zoom, drag to pan.</p>"
        '<div class="explorer-tools"><input type="search" id="explorer-search" placeholder="Find a module…" '
        'aria-label="find a module"><button type="button" id="explorer-find">Find</button>'
        f'<select id="explorer-highlight" aria-label="highlight">{"".join(options)}</select>'
        '<button type="button" id="explorer-reset">Close all</button></div>'
        '<div id="explorer-results" class="results"></div>'
        '<div class="explorer-area"><div id="explorer"></div>'
        '<div id="explorer-info" class="imports-panel"><p class="meta">Click a package to open it, an edge to '
        "see the imports behind it.</p></div></div>"
    )


def _clusters(report: dict[str, Any], links: Links, figures: Sequence[Figure]) -> str:
    clusters = report.get("clusters", [])
    rows = []
    for rank, c in enumerate(clusters[:MAX_CLUSTER_ROWS], 1):
        definitions = "<br>".join(
            f'<span title="{escape(d["module"])}:{escape(d["name"])}">{escape(d["name"])}</span> '
            f"[{escape(d.get('role', 'definition'))}] {links.anchor(d['path'], d['line'])}"
            for d in c["definitions"][:6]
        ) + (f"<br>+{len(c['definitions']) - 6} more" if len(c["definitions"]) > 6 else "")
        paths = "<br>".join(
            f"<code>{escape(p['module'])}:{escape(p['name'])}</code> ({p['importers']})"
            for p in sorted(c["access_paths"], key=lambda p: -p["importers"])[:6]
        ) + (f"<br>+{len(c['access_paths']) - 6} more" if len(c["access_paths"]) > 6 else "")
        rows.append(
            [
                str(rank),
                escape(c["name"]),
                str(c["score"]),
                f"<code>{escape(c['canonical'])}</code>",
                definitions,
                paths,
                str(c["importer_count"]),
                str(c["non_canonical_importers"]),
            ]
        )
    columns = [
        Column("rank", "56px", numeric=True),
        Column("concept", "12%"),
        Column("score", "64px", numeric=True),
        Column("canonical (suggested)", "18%"),
        Column("definitions"),
        Column("access paths (importers)", "27%"),
        Column("importers", "100px", numeric=True),
        Column("non-canonical", "124px", numeric=True),
    ]
    return _table("clusters", columns, rows, total=len(clusters)) + _figures(
        [f for f in figures if f.section == "clusters"]
    )


def _interfaces(report: dict[str, Any], figures: Sequence[Figure]) -> str:
    """Per interface contract: its public face, the reach-ins by importing package, its diagram."""
    drawn = [f for f in figures if f.section == "interfaces"]
    parts = []
    for index, interface in enumerate(report.get("interfaces", [])):
        exports = interface["exports"]
        face = (
            "what it exports is unknown"
            if exports is None
            else f"{len(exports)} name(s) in {'__all__' if interface['exports_listed'] else 'its public names'}"
        )
        state = "bad" if interface["violations"] else "ok"
        parts.append(
            f"<h3>{escape(interface['name'])}: <code>{escape(interface['package'])}</code></h3>"
            f'<p class="golden {state}">public face: {escape(face)}; '
            f"{interface['violations']} reach-in(s), {interface['fixable']} fixable by <code>archguard fix</code>"
            + (f"; reason: {escape(interface['reason'])}" if interface.get("reason") else "")
            + "</p>"
        )
        rows = [
            [
                escape(reach["importer"]),
                str(reach["count"]),
                str(reach["fixable"]),
                escape(", ".join(f"{n} {c}" for c, n in reach["by_code"].items())),
                "<br>".join(
                    [
                        *(f"<code>{escape(m['module'])}</code> ({m['count']})" for m in reach["modules"][:8]),
                        *([f"+{len(reach['modules']) - 8} more"] if len(reach["modules"]) > 8 else []),
                    ]
                ),
            ]
            for reach in interface["reach_ins"]
        ]
        columns = [
            Column("importing package", "22%", kind="clip"),
            Column("reach-ins", "90px", numeric=True),
            Column("fixable", "80px", numeric=True),
            Column("by rule", "160px"),
            Column("modules reached"),
        ]
        parts.append(_table(f"interface-{index}", columns, rows))
        if index < len(drawn):
            parts.append(_figures([drawn[index]]))
    return "".join(parts)


def _shims(report: dict[str, Any], links: Links) -> str:
    rows = []
    for shim in report.get("shims", []):
        reexports = "<br>".join(
            f"<code>{escape(r['name'])}</code> &rarr; <code>{escape(r['origin'])}</code>"
            for r in shim["reexports"][:8]
        )
        note = (
            "safe to delete"
            if shim["safe_to_delete"]
            else "deprecated"
            if shim.get("warns_deprecation")
            else ""
        )
        rows.append(
            [
                escape(shim["module"]),
                links.anchor(shim["path"]),
                reexports,
                str(shim["importers"]),
                escape(note),
            ]
        )
    columns = [
        Column("module", "22%", kind="clip"),
        Column("file", "22%", kind="path"),
        Column("re-exports"),
        Column("importers", "90px", numeric=True),
        Column("", "110px"),
    ]
    return _table("shims", columns, rows)


def _cycles(report: dict[str, Any], links: Links, figures: Sequence[Figure]) -> str:
    rows = []
    for rank, cycle in enumerate(report.get("cycles", []), 1):
        ring = " &rarr; ".join(escape(e["importer"]) for e in cycle["path"])
        if cycle["path"]:
            ring += " &rarr; " + escape(cycle["path"][0]["importer"])
        edges = "<br>".join(links.anchor(e["path"], e["line"]) for e in cycle["path"][:12])
        breakers = "<br>".join(links.anchor(b["path"], b["line"]) for b in cycle["breakers"][:6])
        rows.append([str(rank), str(len(cycle["modules"])), ring, edges, breakers])
    columns = [
        Column("rank", "56px", numeric=True),
        Column("modules", "84px", numeric=True),
        Column("shortest cycle"),
        Column("imports on it", "25%"),
        Column("remove to break", "22%"),
    ]
    table = _table("cycles", columns, rows)
    return table + _figures([f for f in figures if f.section == "cycles"])


def _golden_path(summaries: Sequence[EntrySummary], links: Links, figures: Sequence[Figure]) -> str:
    parts = []
    for summary in summaries:
        state = "bad" if summary.errors else "ok"
        # Failing findings first; a closure of thousands of modules can have a thousand findings,
        # which would push the diagram below pages of chains: the rest are one link away.
        listed = sorted(summary.findings, key=lambda f: f["severity"] != "error")[:MAX_GOLDEN_LISTED]
        items = "".join(
            f"<li><code>{escape(chain_of(f))}</code>{' (warning)' if f['severity'] != 'error' else ''}"
            f"<br>{links.anchor(f['path'], f['line'])} <code>{escape(f['code'])}</code> {escape(f['message'])}</li>"
            for f in listed
        )
        more = len(summary.findings) - len(listed)
        if more:
            contract = contract_name(summary.entry)
            items += (
                f'<li class="more">+{more} more: <a href="#filter:violations={quote(contract, safe="")}">'
                f"the violations table, filtered by <code>{escape(contract)}</code></a></li>"
            )
        parts.append(
            f'<p class="golden {state}"><code>{escape(summary.entry)}</code>: {escape(summary.headline)}</p>'
            + (f"<ul>{items}</ul>" if items else "")
        )
    return "".join(parts) + _figures([f for f in figures if f.section == "golden-path"])


def _syntax_errors(report: dict[str, Any], links: Links) -> str:
    rows = [
        [links.anchor(e["path"], e["line"]), str(e["column"]), escape(e["message"])]
        for e in report["syntax_errors"]
    ]
    rows += [
        [links.anchor(u["path"]), "", escape(f"unreadable: {u['reason']}")]
        for u in report["unreadable_files"]
    ]
    columns = [
        Column("file:line", "30%", kind="path"),
        Column("column", "80px", numeric=True),
        Column("message"),
    ]
    return _table("syntax-errors", columns, rows)


def _hotspots(report: dict[str, Any], links: Links) -> str:
    hotspots = report.get("hotspots", [])
    rows = [
        [
            escape(h["module"]),
            links.anchor(h["path"]),
            str(h["score"]),
            str(h.get("coupling", "")),
            str(h["fan_in"]),
            str(h.get("fan_out", "")),
            str(h["non_canonical_importers"]),
            str(h.get("findings", "")),
            str(h.get("changes", "")),
        ]
        for h in hotspots[:MAX_HOTSPOT_ROWS]
    ]
    columns = [
        Column("module", "22%", kind="clip"),
        Column("file", kind="path"),
        Column("score", "70px", numeric=True),
        Column("coupling", "80px", numeric=True),
        Column("fan-in", "70px", numeric=True),
        Column("fan-out", "70px", numeric=True),
        Column("non-canonical importers", "120px", numeric=True),
        Column("findings", "80px", numeric=True),
        Column("changes", "80px", numeric=True),
    ]
    return _table("hotspots", columns, rows, total=len(hotspots))


def _copies(report: dict[str, Any], links: Links) -> str:
    rows = [
        [links.anchor(c["path"]), links.anchor(c["live"]), f"{c['similarity']:.0%}"]
        for c in report.get("copies", [])
    ]
    columns = [
        Column("copy", kind="path"),
        Column("live file", kind="path"),
        Column("similarity", "110px", numeric=True),
    ]
    return _table("copies", columns, rows)


def _figures(figures: Sequence[Figure]) -> str:
    parts = []
    for figure in figures:
        files = " ".join(
            f'<a href="{escape(quote(f))}">{escape(f.rpartition(".")[2])}</a>' for f in figure.files
        )
        body = (
            # drawn when the reader comes near it (page.js): a dozen inline diagrams would
            # otherwise cost the page's first second
            f'<template class="svg">{inline_svg(figure.svg)}</template>'
            if figure.svg
            else ('<p class="hint">Graphviz is not installed: only the .dot file was written.</p>')
        )
        parts.append(
            f'<figure><figcaption>{escape(figure.title)} <span class="files">{files}</span></figcaption>'
            f'<div class="diagram">{body}</div></figure>'
        )
    return "".join(parts)


_PROLOG = re.compile(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG without what only a standalone file needs (prolog, doctype, comments)."""
    return _PROLOG.sub("", svg).strip()


def _table(
    key: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    attributes: Sequence[dict[str, str]] = (),
    facets: Iterable[tuple[str, str, list[tuple[str, str]]]] = (),
    total: int | None = None,
) -> str:
    """A sortable, filterable table; cells are HTML already escaped by the caller. Columns have
    fixed widths, so the last (the message) always has room; ``attributes``: per row, what the
    facets filter on (``data-<name>``)."""
    if not rows:
        return '<p class="empty">None found.</p>'
    shown = rows[:MAX_ROWS]
    total = max(total or 0, len(rows))
    numeric: AbstractSet[int] = {i for i, c in enumerate(columns) if c.numeric}
    widths = "".join(f'<col style="width:{c.width}">' if c.width else "<col>" for c in columns)
    head = "".join(
        f'<th data-col="{i}"{" data-numeric" if i in numeric else ""} class="{c.kind}" title="click to sort">'
        f"{escape(c.heading)}</th>"
        for i, c in enumerate(columns)
    )
    body = []
    for index, row in enumerate(shown):
        extra = "".join(
            f' data-{name}="{escape(value)}"'
            for name, value in (attributes[index] if attributes else {}).items()
        )
        cells = "".join(_cell(columns[i], cell) for i, cell in enumerate(row))
        body.append(f"<tr{extra}>{cells}</tr>")
    note = f" (first {len(shown)} of {total}; all in report.json)" if total > len(shown) else ""
    selects = "".join(
        f'<select class="facet" data-table="{key}" data-facet="{name}" aria-label="{escape(label)}">'
        f'<option value="">every {escape(label)}</option>'
        + "".join(f'<option value="{escape(value)}">{escape(text)}</option>' for value, text in options)
        + "</select>"
        for name, label, options in facets
    )
    return (
        f'<div class="table-tools"><input type="search" class="filter" data-table="{key}" '
        f'placeholder="Filter {len(shown)} rows…" aria-label="filter {escape(key)}">{selects}'
        f'<span class="count" data-count-for="{key}">{len(shown)} of {len(shown)} shown{note}</span></div>'
        f'<div class="scroll"><table id="table-{key}" class="data"><colgroup>{widths}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _cell(column: Column, cell: str) -> str:
    """A path column is cut from the left (the file name stays), a clipped one from the right;
    both keep the whole text in a tooltip."""
    if column.kind not in ("path", "clip"):
        return f"<td>{cell}</td>"
    title = escape(unescape(re.sub(r"<[^>]*>", "", cell)))
    if column.kind == "path":
        return f'<td class="path" title="{title}"><span class="ltr">{cell}</span></td>'
    return f'<td class="clip" title="{title}">{cell}</td>'


_CSS = """
:root{--fg:#212121;--muted:#616161;--line:#e0e0e0;--bad:#c62828;--good:#2e7d32;--accent:#1565c0}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fafafa}
header{padding:16px 24px;background:#263238;color:#fff}header h1{margin:0;font-size:22px}.root{margin:4px 0 0;color:#cfd8dc;font-family:monospace}
nav{position:sticky;top:0;z-index:3;background:#fff;border-bottom:1px solid var(--line);padding:8px 24px;display:flex;flex-wrap:wrap;gap:4px 14px}
nav a{color:var(--accent);text-decoration:none}main{padding:8px 24px 48px;max-width:1840px}
section{margin-top:24px;scroll-margin-top:76px;content-visibility:auto;contain-intrinsic-size:auto 1200px}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:0 0 8px}h3{font-size:15px;margin:16px 0 6px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card .value{font-size:26px;font-weight:600}
.card.bad .value{color:var(--bad)}.card.good .value{color:var(--good)}.card .label{font-weight:600}.card .hint,.meta,.hint,.count{color:var(--muted);font-size:12px}
.table-tools{display:flex;flex-wrap:wrap;gap:8px 10px;align-items:center;margin:8px 0}.filter{padding:6px 8px;width:280px;border:1px solid #bdbdbd;border-radius:6px}
.facet{padding:5px 6px;border:1px solid #bdbdbd;border-radius:6px;max-width:260px;background:#fff}
.scroll{overflow:auto;max-height:640px;border:1px solid var(--line);border-radius:6px;background:#fff;content-visibility:auto;contain-intrinsic-size:auto 640px}
table.data{border-collapse:collapse;width:100%;table-layout:fixed}table.data th,table.data td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.data th{position:sticky;top:0;z-index:1;background:#eceff1;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;user-select:none}
table.data th.asc::after{content:" \\25B2"}table.data th.desc::after{content:" \\25BC"}
table.data td.path{direction:rtl;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;text-align:left}
table.data td.path .ltr{direction:ltr;unicode-bidi:isolate}
table.data td.clip{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
code{font-size:12px;background:#f1f3f4;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
.state{padding:1px 6px;border-radius:10px;font-size:12px;white-space:nowrap}.state.new,.state.broken{background:#ffcdd2}.state.baselined{background:#e0e0e0}.state.warning{background:#fff3cd}.state.kept{background:#c8e6c9}
figure{margin:16px 0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px}figcaption{font-weight:600;margin-bottom:6px}
figcaption .files a{font-weight:400;font-size:12px;margin-left:6px}.diagram{overflow:auto;max-height:900px;cursor:zoom-in}.diagram svg{max-width:100%;height:auto}.diagram.natural{cursor:zoom-out}.diagram.natural svg{max-width:none}
.golden.bad{color:var(--bad)}.golden.ok{color:var(--good)}.chart svg{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}.empty{color:var(--muted)}
.dsm-wrap{overflow:auto;max-height:760px;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%}
table.dsm{border-collapse:collapse;font-size:11px;font-variant-numeric:tabular-nums}
table.dsm th,table.dsm td{border:1px solid #eceff1;padding:0 3px;height:20px;min-width:24px;text-align:center;white-space:nowrap}
table.dsm thead th{position:sticky;top:0;z-index:2;background:#eceff1}table.dsm th.corner{left:0;z-index:3;font-weight:400;color:var(--muted);text-align:left}
table.dsm th.row{position:sticky;left:0;z-index:1;background:#eceff1;text-align:left;font-weight:400}
table.dsm th.row .name{display:inline-block;max-width:260px;overflow:hidden;text-overflow:ellipsis;direction:rtl;vertical-align:bottom}table.dsm th.row .name .ltr{direction:ltr;unicode-bidi:isolate}
table.dsm th.row .n{display:inline-block;min-width:24px;color:var(--muted)}table.dsm th.row .m{color:var(--muted);margin-left:6px}
table.dsm td.along{background:#e3f2fd;color:#0d47a1;cursor:pointer}table.dsm td.against{background:#ffcdd2;color:#b71c1c;font-weight:600;cursor:pointer}
table.dsm td.diag{background:#cfd8dc;color:#455a64}table.dsm td.diag[data-row]{cursor:pointer}table.dsm td.cycle.empty{background:#f3e5f5}
table.dsm td.bt{border-top:2px solid #6a1b9a}table.dsm td.bb{border-bottom:2px solid #6a1b9a}table.dsm td.bl{border-left:2px solid #6a1b9a}table.dsm td.br{border-right:2px solid #6a1b9a}
table.dsm td.selected{outline:2px solid #ff6f00;outline-offset:-2px}.against-text{color:var(--bad)}
.imports-panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin-top:8px;max-height:420px;overflow:auto}
.imports-panel h3{margin:0 0 4px}ul.imports{margin:4px 0;padding-left:18px}ul.imports li{margin:2px 0}
.violation{font-size:12px;color:var(--bad)}.violation.baselined{color:var(--muted)}.violation.warning{color:#8d6e00}
.explorer-tools{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0}.explorer-tools input{padding:6px 8px;width:280px;border:1px solid #bdbdbd;border-radius:6px}
.explorer-tools select{padding:5px;border:1px solid #bdbdbd;border-radius:6px;max-width:460px}
.results{display:flex;flex-wrap:wrap;gap:4px;margin-bottom:6px}.results button{font-size:12px}
.explorer-area{display:grid;grid-template-columns:minmax(0,1fr) 380px;gap:8px;align-items:start}
#explorer{height:620px;background:#fff;border:1px solid var(--line);border-radius:6px}.explorer-area .imports-panel{margin-top:0;max-height:620px}
details.owner-steps{margin:4px 0}details.owner-steps ol{margin:4px 0 8px}
@media (max-width:1100px){.explorer-area{grid-template-columns:1fr}}
"""
