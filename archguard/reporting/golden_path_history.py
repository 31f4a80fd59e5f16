"""The golden path in the run history (``report --history FILE`` with entry points): per entry,
the closure's size and whether it was clean, run after run; as a Markdown table and as an inline
SVG chart (one line per entry: its closure size; each point green when clean, red when broken).

History lines carry ``closure_modules`` ({entry: size}) and, from this version on,
``golden_path_problems`` ({entry: failing findings}); older lines have sizes only and are shown
without a state. Lines of runs without entry points leave the entry's cells empty.
"""

from __future__ import annotations

from html import escape
from typing import Any

from archguard.reporting.history import PlotFrame
from archguard.reporting.markdown_text import code, text

MAX_ENTRIES = 4  # entries shown (the latest run's first): more lines make the chart unreadable
_LINE_COLOURS = ["#1565c0", "#6a1b9a", "#00838f", "#5d4037"]
_CLEAN, _BROKEN, _UNKNOWN = "#2e7d32", "#c62828", "#9e9e9e"


def tracked_entries(history: list[dict[str, Any]]) -> list[str]:
    """The entry points the history has closures of: the latest run's first, then earlier ones."""
    seen: dict[str, None] = {}
    for record in reversed(history):
        seen.update(dict.fromkeys(record.get("closure_modules") or {}))
    return list(seen)[:MAX_ENTRIES]


def state(record: dict[str, Any], entry: str) -> tuple[int, int | None] | None:
    """(closure size, failing findings or None when the line does not say) of ``entry`` in one
    run; None when that run did not have this entry point."""
    sizes = record.get("closure_modules") or {}
    if entry not in sizes:
        return None
    problems = record.get("golden_path_problems")
    return int(sizes[entry]), (int(problems.get(entry, 0)) if isinstance(problems, dict) else None)


def cell(record: dict[str, Any], entry: str) -> str:
    """``clean, 14 modules`` / ``2 problems, 14 modules`` / ``14 modules`` / ``-``."""
    found = state(record, entry)
    if found is None:
        return "-"
    size, problems = found
    modules = f"{size} module" + ("" if size == 1 else "s")
    if problems is None:
        return modules
    if problems == 0:
        return f"clean, {modules}"
    return f"{problems} problem{'' if problems == 1 else 's'}, {modules}"


def rows(history: list[dict[str, Any]], *, last: int) -> tuple[list[str], list[list[str]]]:
    """(entries, one row of [date, commit, cell per entry] per run that had any of them), oldest
    first, the last ``last`` runs."""
    entries = tracked_entries(history[-last:])
    table = []
    for record in history[-last:]:
        if not any(state(record, e) for e in entries):
            continue
        date = str(record.get("date", ""))[:16].replace("T", " ")
        table.append([date, (record.get("commit") or "")[:10], *(cell(record, e) for e in entries)])
    return entries, table


def markdown_table(history: list[dict[str, Any]], *, last: int = 12) -> list[str]:
    """The golden path's table for report.md's History section; [] when no run had entry points."""
    entries, table = rows(history, last=last)
    if not table:
        return []
    header = ["date", "commit", *(code(e) for e in entries)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for date, commit, *cells in table:
        lines.append(
            "| " + " | ".join([text(date), code(commit) if commit else "-", *map(text, cells)]) + " |"
        )
    return lines


def trend_svg(history: list[dict[str, Any]], *, width: int = 720, plot_h: int = 150, last: int = 60) -> str:
    """One line per entry point: its closure size per run; the point's colour is its state. The
    legend sits under the plot (entry paths are long). "" when no run had entry points."""
    entries = tracked_entries(history[-last:])
    shown = [r for r in history[-last:] if any(state(r, e) for e in entries)]
    if not shown:
        return ""
    left, right, top = 48, 40, 30  # right: room for the last date, centred under its point; top: the caption
    plot_w = width - left - right
    legend_top = top + plot_h + 40
    height = legend_top + 18 * (len(entries) + 1) + 8
    peak = max([1] + [found[0] for r in shown for e in entries if (found := state(r, e))])
    frame = PlotFrame(left, top, plot_w, plot_h, len(shown), peak)
    x, y = frame.x, frame.y
    title = "Golden path per run: modules loaded at import time, clean or broken"
    parts = [
        *frame.open_svg(width, height, "trend golden-trend", title),
        f'<text x="{left - 6}" y="{top - 14}" fill="#616161">modules loaded at import time, per entry point</text>',
    ]
    labels = {0, len(shown) - 1} | set(range(0, len(shown), max(len(shown) // 6, 1)))
    for i in sorted(labels):
        date = escape(str(shown[i].get("date", ""))[:10])
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{date}</text>')
    for row, entry in enumerate(entries):
        colour = _LINE_COLOURS[row % len(_LINE_COLOURS)]
        points = [(i, found) for i, r in enumerate(shown) if (found := state(r, entry))]
        if len(points) > 1:
            path = " ".join(f"{x(i):.1f},{y(size):.1f}" for i, (size, _) in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for i, (size, problems) in points:
            fill = _UNKNOWN if problems is None else _CLEAN if problems == 0 else _BROKEN
            record = shown[i]
            said = cell(record, entry) if problems is not None else f"{size} modules, state not recorded"
            tip = escape(f"{entry}: {said} ({record.get('date', '')}, {record.get('commit') or 'no commit'})")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(size):.1f}" r="6" fill="{fill}" stroke="#ffffff" '
                f'stroke-width="1.5" class="golden-point"><title>{tip}</title></circle>'
            )
        legend_y = legend_top + row * 18
        parts.append(f'<rect x="{left}" y="{legend_y - 6}" width="14" height="4" fill="{colour}"/>')
        latest = cell(shown[points[-1][0]], entry)  # its latest run (maybe not the last one)
        parts.append(
            f'<text x="{left + 20}" y="{legend_y}">{escape(entry)}: {escape(latest)} (latest)</text>'
        )
    key_y = legend_top + len(entries) * 18
    for offset, (fill, meaning) in enumerate(
        ((_CLEAN, "clean"), (_BROKEN, "problems"), (_UNKNOWN, "not recorded"))
    ):
        cx = left + 6 + offset * 90
        parts.append(f'<circle cx="{cx}" cy="{key_y - 4}" r="5" fill="{fill}"/>')
        parts.append(f'<text x="{cx + 10}" y="{key_y}">{meaning}</text>')
    parts.append("</svg>")
    return "".join(parts)
