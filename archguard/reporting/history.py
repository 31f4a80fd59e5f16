"""The run history (``report --history FILE``): one line of headline figures per run, and the two
views of it: a Markdown table and an inline SVG chart (no library, works offline).

The file itself is read and appended by ``archguard.adapters.project_files.history_file``; here only values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any

from archguard.domain.history import HISTORY_SCHEMA, HistoryRow
from archguard.reporting.markdown_text import code, text

# The whole-number figures of a history line (the summary's), and its objects of them per name;
# what the history file's reader checks each line for (adapters/project_files/history_file.py).
COUNTS = (
    "files",
    "syntax_errors",
    "unreadable_files",
    "dangling_imports",
    "violations",
    "new_violations",
    "baselined",
    "warnings",
    "stale_baseline_entries",
    "clusters",
    "shims",
    "copies",
    "cycles",
)
COUNTS_PER_NAME = ("per_kind", "per_contract", "closure_modules", "golden_path_problems")

# The series the trend shows, in the order of the table's columns: (key, heading, colour).
SERIES = [
    ("new_violations", "new violations", "#c62828"),
    ("violations", "violations", "#ef6c00"),
    ("syntax_errors", "syntax errors", "#6a1b9a"),
    ("dangling_imports", "dangling imports", "#1565c0"),
    ("shims", "shims", "#2e7d32"),
    ("cycles", "cycles", "#37474f"),
]


def headline(report: dict[str, Any], *, date: str, commit: str | None) -> dict[str, Any]:
    """One history entry from a run's ``report.json``: counts per kind and per contract."""
    summary = report["summary"]
    per_kind = Counter(v["kind"] for v in report["violations"])
    per_contract = Counter(v["contract"] for v in report["violations"])
    for left in report.get("left_out", []):  # findings a file's cap kept out of the list: counted
        if left["list"] == "violations":
            per_kind[left["kind"]] += left["count"]
            per_contract[left["contract"]] += left["count"]
    golden = report.get("golden_path") or {}
    return {
        "schema": HISTORY_SCHEMA,
        "date": date,
        "commit": commit,
        **{key: summary.get(key, 0) for key in COUNTS},
        "per_kind": dict(sorted(per_kind.items())),
        "per_contract": {name: per_contract.get(name, 0) for name in report.get("contracts", [])}
        | dict(sorted(per_contract.items())),
        # closure size per entry point (report --entry / entry_points): {} when the run had none
        "closure_modules": dict(golden.get("closure_modules", {})),
        # failing golden-path findings per entry point (0: its closure is clean), and whether every
        # closure was clean (None: the run had no entry points); shown by golden_path_history
        "golden_path_problems": dict(golden.get("problems", {})),
        "golden_path_clean": golden.get("clean") if golden else None,
    }


def entries_from_rows(rows: list[HistoryRow]) -> list[dict[str, Any]]:
    """``archguard history``'s rows (``report --history-from``) as entries of the trend: one per
    commit, dated by its committer date."""
    return [
        {
            "schema": HISTORY_SCHEMA,
            "date": row.date,
            "commit": row.commit,
            **dict(row.summary),
            "shims": row.shims,
            "cycles": row.cycles,
            "per_contract": dict(row.by_contract),
        }
        for row in rows
    ]


def markdown_table(entries: list[dict[str, Any]], *, last: int = 12) -> list[str]:
    shown = entries[-last:]
    header = ["date", "commit", *(heading for _, heading, _ in SERIES)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in shown:
        commit = (entry.get("commit") or "")[:10]
        cells = [text(str(entry.get("date", ""))[:16].replace("T", " ")), code(commit) if commit else "-"]
        cells += [text(entry.get(key, 0)) for key, _, _ in SERIES]
        lines.append("| " + " | ".join(cells) + " |")
    if len(entries) > len(shown):
        lines.append(f"\n({len(entries) - len(shown)} earlier runs in the history file.)")
    return lines


@dataclass(frozen=True)
class PlotFrame:
    """The plot area of a trend chart: runs along x (evenly spaced; one run sits in the middle),
    counts from 0 to ``peak`` up y. Shared by the headline chart and the golden path's."""

    left: float
    top: float
    plot_w: float
    plot_h: float
    runs: int
    peak: int

    def x(self, i: int) -> float:
        step = self.plot_w / max(self.runs - 1, 1)
        return self.left + (i * step if self.runs > 1 else self.plot_w / 2)

    def y(self, value: int) -> float:
        return self.top + self.plot_h - self.plot_h * value / self.peak

    def open_svg(self, width: float, height: float, css_class: str, title: str) -> list[str]:
        """The chart's opening tag, its accessible title, and the axes."""
        return [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
            f"<title>{escape(title)}</title>",
            *self.axes(),
        ]

    def axes(self) -> list[str]:
        """The two axes and the 0 and peak labels, as SVG elements."""
        left, top, bottom = self.left, self.top, self.top + self.plot_h
        return [
            f'<line x1="{left}" y1="{bottom}" x2="{left + self.plot_w}" y2="{bottom}" stroke="#9e9e9e"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#9e9e9e"/>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{self.peak}</text>',
            f'<text x="{left - 6}" y="{bottom}" text-anchor="end">0</text>',
        ]


def trend_svg(entries: list[dict[str, Any]], *, width: int = 720, height: int = 260, last: int = 60) -> str:
    """A line per series over the last runs; hover a point for its value and date."""
    shown = entries[-last:]
    left, right, top, bottom = 48, 150, 16, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [int(e.get(key, 0) or 0) for e in shown for key, _, _ in SERIES])
    frame = PlotFrame(left, top, plot_w, plot_h, len(shown), peak)
    x, y = frame.x, frame.y
    parts = frame.open_svg(width, height, "trend", "Headline figures per run")
    labels = {0, len(shown) - 1} | set(range(0, len(shown), max(len(shown) // 6, 1)))
    for i in sorted(labels):
        if 0 <= i < len(shown):
            date = escape(str(shown[i].get("date", ""))[:10])
            parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{date}</text>')
    for row, (key, heading, colour) in enumerate(SERIES):
        points = [(x(i), y(int(e.get(key, 0) or 0))) for i, e in enumerate(shown)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for (px, py), entry in zip(points, shown, strict=False):
            tip = escape(
                f"{heading}: {entry.get(key, 0)} ({entry.get('date', '')}, {entry.get('commit') or 'no commit'})"
            )
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>{tip}</title></circle>'
            )
        legend_y = top + 6 + row * 18
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{legend_y - 8}" width="12" height="4" fill="{colour}"/>'
        )
        latest = shown[-1].get(key, 0) if shown else 0
        parts.append(f'<text x="{left + plot_w + 32}" y="{legend_y}">{escape(heading)} ({latest})</text>')
    parts.append("</svg>")
    return "".join(parts)
