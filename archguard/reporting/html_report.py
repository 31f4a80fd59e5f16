"""``index.html``: one self-contained page (no CDN, no server, works from a file:// URL).

Rendered from the ``report.json`` dictionary of the same run, like the Markdown audit. Tables are
built here, in HTML; the page's small script only sorts (click a heading) and filters (type in the
box above a table). The URL fragment can preset both, so a filtered view is a link one can share:
``index.html#filter:violations=giftcards&sort:clusters=3-desc``.

Everything from the analysed code is escaped with :func:`html.escape`; the diagrams are Graphviz's
own SVG (which escapes labels), stripped of its XML prolog and comments before being inlined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from archguard.domain.golden_path import contract_name
from archguard.reporting import golden_path_history
from archguard.reporting import history as history_view
from archguard.reporting.golden_path_report import EntrySummary, chain_of, entry_summaries
from archguard.reporting.markdown import next_steps

MAX_ROWS = 5000  # per table; report.json has them all
MAX_GOLDEN_LISTED = 25  # golden-path findings listed per entry above its diagram


@dataclass(frozen=True)
class Figure:
    """A diagram for the page: its title, its inline SVG (None: Graphviz missing), its files."""

    section: str  # "overview" | "clusters" | "cycles" | "focus" | "golden-path"
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


def render_html(
    report: dict[str, Any],
    *,
    figures: Sequence[Figure] = (),
    history: Sequence[dict[str, Any]] = (),
    links: Links | None = None,
    generated: str = "",
    notices: Sequence[str] = (),
) -> str:
    links = links or Links(None, "")
    s = report["summary"]
    root = report["root"]
    sections = [
        ("summary", "Summary", _summary(report, generated, notices)),
        ("next", "What to do next", _next(report)),
    ]
    if history:
        sections.append(("trend", "Trend", _trend(history)))
    golden = entry_summaries(report)
    if golden:  # only when the run had entry points
        sections.append(("golden-path", "Golden path", _golden_path(golden, links, figures)))
    sections += [
        ("violations", f"Violations ({s['violations']})", _violations(report, links)),
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
        (
            "overview",
            "Package overview",
            _figures([f for f in figures if f.section in ("overview", "focus")]),
        ),
    ]
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{content}</section>' for key, title, content in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>archguard report: {escape(root)}</title><style>{_CSS}</style></head>"
        f'<body data-js-errors="0"><header><h1>Architecture report</h1><p class="root">{escape(root)}</p></header>'
        f"<nav>{nav}</nav><main>{body}</main><script>{_SCRIPT}</script></body></html>\n"
    )


# --- sections -----------------------------------------------------------------------------------


def _summary(report: dict[str, Any], generated: str, notices: Sequence[str]) -> str:
    s = report["summary"]
    cards = [
        ("files", s["files"], f"{s['parsed_files']} parsed, {s['loose_files']} loose", ""),
        ("syntax errors", s["syntax_errors"], "files that do not parse", "bad" if s["syntax_errors"] else ""),
        (
            "new violations",
            s["new_violations"],
            f"{s['violations']} in all, {s['baselined']} baselined",
            "bad" if s["new_violations"] else "good",
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


def _next(report: dict[str, Any]) -> str:
    steps = next_steps(report, lambda value: f"<code>{escape(str(value))}</code>")
    return "<ol>" + "".join(f"<li>{step}</li>" for step in steps) + "</ol>"


def _trend(history: Sequence[dict[str, Any]]) -> str:
    rows = [
        [
            str(e.get("date", ""))[:16].replace("T", " "),
            (e.get("commit") or "")[:10],
            *(e.get(key, 0) for key, _, _ in history_view.SERIES),
        ]
        for e in reversed(history)
    ]
    headings = ["date", "commit", *(heading for _, heading, _ in history_view.SERIES)]
    html = f'<div class="chart">{history_view.trend_svg(list(history))}</div>' + _table(
        "history", headings, [[escape(str(c)) for c in r] for r in rows], numeric={2, 3, 4, 5, 6, 7}
    )
    return html + _golden_trend(history)


def _golden_trend(history: Sequence[dict[str, Any]]) -> str:
    """Each entry point's closure size and state per run; "" when no run had entry points."""
    entries, rows = golden_path_history.rows(list(history), last=60)
    if not rows:
        return ""
    headings = ["date", "commit", *entries]
    return (
        '<h3 id="golden-path-trend">Golden path</h3>'
        f'<div class="chart">{golden_path_history.trend_svg(list(history))}</div>'
        + _table("golden-history", headings, [[escape(c) for c in r] for r in reversed(rows)])
    )


def _violations(report: dict[str, Any], links: Links) -> str:
    rows = []
    for v in report["violations"]:
        state = "baselined" if v["baselined"] else "warning" if v["severity"] == "warning" else "new"
        rows.append(
            [
                links.anchor(v["path"], v["line"]),
                f'<span class="state {state}">{state}</span>',
                escape(v["code"]),
                escape(v["kind"]),
                escape(v["contract"]),
                escape(v["message"]),  # ends with "use: <the canonical statement>" when there is one
            ]
        )
    return _table("violations", ["file:line", "state", "code", "kind", "contract", "message"], rows)


def _clusters(report: dict[str, Any], links: Links, figures: Sequence[Figure]) -> str:
    clusters = report.get("clusters", [])
    rows = []
    for rank, c in enumerate(clusters, 1):
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
    table = _table(
        "clusters",
        [
            "rank",
            "concept",
            "score",
            "canonical (suggested)",
            "definitions",
            "access paths (importers)",
            "importers",
            "non-canonical",
        ],
        rows,
        numeric={0, 2, 6, 7},
    )
    return table + _figures([f for f in figures if f.section == "clusters"])


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
    return _table("shims", ["module", "file", "re-exports", "importers", ""], rows, numeric={3})


def _cycles(report: dict[str, Any], links: Links, figures: Sequence[Figure]) -> str:
    rows = []
    for rank, cycle in enumerate(report.get("cycles", []), 1):
        ring = " &rarr; ".join(escape(e["importer"]) for e in cycle["path"])
        if cycle["path"]:
            ring += " &rarr; " + escape(cycle["path"][0]["importer"])
        edges = "<br>".join(links.anchor(e["path"], e["line"]) for e in cycle["path"][:12])
        breakers = "<br>".join(links.anchor(b["path"], b["line"]) for b in cycle["breakers"][:6])
        rows.append([str(rank), str(len(cycle["modules"])), ring, edges, breakers])
    table = _table(
        "cycles",
        ["rank", "modules", "shortest cycle", "imports on it", "remove to break"],
        rows,
        numeric={0, 1},
    )
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
    return _table("syntax-errors", ["file:line", "column", "message"], rows, numeric={1})


def _hotspots(report: dict[str, Any], links: Links) -> str:
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
        for h in report.get("hotspots", [])
    ]
    return _table(
        "hotspots",
        [
            "module",
            "file",
            "score",
            "coupling",
            "fan-in",
            "fan-out",
            "non-canonical importers",
            "findings",
            "changes",
        ],
        rows,
        numeric={2, 3, 4, 5, 6, 7, 8},
    )


def _copies(report: dict[str, Any], links: Links) -> str:
    rows = [
        [links.anchor(c["path"]), links.anchor(c["live"]), f"{c['similarity']:.0%}"]
        for c in report.get("copies", [])
    ]
    return _table("copies", ["copy", "live file", "similarity"], rows, numeric={2})


def _figures(figures: Sequence[Figure]) -> str:
    parts = []
    for figure in figures:
        files = " ".join(
            f'<a href="{escape(quote(f))}">{escape(f.rpartition(".")[2])}</a>' for f in figure.files
        )
        body = (
            inline_svg(figure.svg)
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
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: AbstractSet[int] = frozenset(),
) -> str:
    """A sortable, filterable table; cells are HTML already escaped by the caller."""
    if not rows:
        return '<p class="empty">None found.</p>'
    shown = rows[:MAX_ROWS]
    head = "".join(
        f'<th data-col="{i}"{" data-numeric" if i in numeric else ""} title="click to sort">{escape(h)}</th>'
        for i, h in enumerate(headings)
    )
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in shown)
    note = f" (first {len(shown)} of {len(rows)}; all in report.json)" if len(rows) > len(shown) else ""
    return (
        f'<div class="table-tools"><input type="search" class="filter" data-table="{key}" '
        f'placeholder="Filter {len(rows)} rows…" aria-label="filter {escape(key)}">'
        f'<span class="count" data-count-for="{key}">{len(shown)} of {len(shown)} shown{note}</span></div>'
        f'<div class="scroll"><table id="table-{key}" class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


_CSS = """
:root{--fg:#212121;--muted:#616161;--line:#e0e0e0;--bad:#c62828;--good:#2e7d32;--accent:#1565c0}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fafafa}
header{padding:16px 24px;background:#263238;color:#fff}header h1{margin:0;font-size:22px}.root{margin:4px 0 0;color:#cfd8dc;font-family:monospace}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:8px 24px;display:flex;flex-wrap:wrap;gap:14px}
nav a{color:var(--accent);text-decoration:none}main{padding:8px 24px 48px;max-width:1500px}
section{margin-top:24px}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card .value{font-size:26px;font-weight:600}
.card.bad .value{color:var(--bad)}.card.good .value{color:var(--good)}.card .label{font-weight:600}.card .hint,.meta,.hint,.count{color:var(--muted);font-size:12px}
.table-tools{display:flex;gap:12px;align-items:center;margin:8px 0}.filter{padding:6px 8px;width:320px;border:1px solid #bdbdbd;border-radius:6px}
.scroll{overflow:auto;max-height:640px;border:1px solid var(--line);border-radius:6px;background:#fff}
table.data{border-collapse:collapse;width:100%}table.data th,table.data td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.data th{position:sticky;top:0;background:#eceff1;cursor:pointer;white-space:nowrap;user-select:none}
table.data th.asc::after{content:" \\25B2"}table.data th.desc::after{content:" \\25BC"}
table.data td:first-child{white-space:nowrap}code{font-size:12px;background:#f1f3f4;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
#table-violations td:nth-child(-n+4){white-space:nowrap}
.state{padding:1px 6px;border-radius:10px;font-size:12px}.state.new{background:#ffcdd2}.state.baselined{background:#e0e0e0}.state.warning{background:#fff3cd}
figure{margin:16px 0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px}figcaption{font-weight:600;margin-bottom:6px}
figcaption .files a{font-weight:400;font-size:12px;margin-left:6px}.diagram{overflow:auto}.diagram svg{max-width:none;height:auto}
.golden.bad{color:var(--bad)}.golden.ok{color:var(--good)}.chart svg{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}.empty{color:var(--muted)}
"""

# Sorting and filtering; errors are counted on <body data-js-errors> so a headless test sees them.
_SCRIPT = """
(function(){
  "use strict";
  window.addEventListener("error", function(){
    var b=document.body; b.setAttribute("data-js-errors", String(Number(b.getAttribute("data-js-errors")||0)+1));
  });
  function rows(table){ return Array.prototype.slice.call(table.tBodies[0].rows); }
  function applyFilter(key, query){
    var table=document.getElementById("table-"+key); if(!table){ return; }
    var q=query.trim().toLowerCase(), shown=0, all=rows(table);
    all.forEach(function(row){
      var hit=!q || row.textContent.toLowerCase().indexOf(q)!==-1;
      row.hidden=!hit; if(hit){ shown++; }
    });
    var count=document.querySelector('[data-count-for="'+key+'"]');
    if(count){ count.textContent=shown+" of "+all.length+" shown"; }
  }
  function cellValue(row, col, numeric){
    var text=row.cells[col] ? row.cells[col].textContent.trim() : "";
    if(numeric){ var n=parseFloat(text.replace(/[^0-9.+-]/g, "")); return isNaN(n) ? -Infinity : n; }
    return text.toLowerCase();
  }
  function sortBy(key, col, descending){
    var table=document.getElementById("table-"+key); if(!table){ return; }
    var th=table.tHead.rows[0].cells[col]; if(!th){ return; }
    var numeric=th.hasAttribute("data-numeric");
    var sorted=rows(table).map(function(row, i){ return [cellValue(row, col, numeric), i, row]; });
    sorted.sort(function(a, b){
      if(a[0]<b[0]){ return descending ? 1 : -1; } if(a[0]>b[0]){ return descending ? -1 : 1; } return a[1]-b[1];
    });
    var body=table.tBodies[0]; sorted.forEach(function(item){ body.appendChild(item[2]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function(cell){ cell.classList.remove("asc", "desc"); });
    th.classList.add(descending ? "desc" : "asc");
  }
  document.querySelectorAll("input.filter").forEach(function(input){
    input.addEventListener("input", function(){ applyFilter(input.dataset.table, input.value); });
  });
  document.querySelectorAll("table.data th").forEach(function(th){
    th.addEventListener("click", function(){
      var key=th.closest("table").id.slice(6);
      sortBy(key, Number(th.dataset.col), th.classList.contains("asc"));
    });
  });
  // "#filter:violations=giftcards&sort:clusters=2-desc": a view one can link to, on load and
  // when a link inside the page sets it (the golden path's "+N more").
  function applyHash(){
    location.hash.slice(1).split("&").forEach(function(raw){
      var part; try { part=decodeURIComponent(raw); } catch(e){ return; }
      var m=/^(filter|sort):([\\w-]+)=(.*)$/.exec(part); if(!m){ return; }
      if(m[1]==="filter"){
        var input=document.querySelector('input.filter[data-table="'+m[2]+'"]');
        if(input){ input.value=m[3]; } applyFilter(m[2], m[3]);
      } else {
        var s=/^(\\d+)(-desc)?$/.exec(m[3]); if(s){ sortBy(m[2], Number(s[1]), Boolean(s[2])); }
      }
    });
  }
  applyHash();
  window.addEventListener("hashchange", function(){
    applyHash();
    var section=document.getElementById(location.hash.slice(1).split("&")[0].replace(/^filter:|=.*$/g, ""));
    if(section){ section.scrollIntoView(); }
  });
})();
"""
