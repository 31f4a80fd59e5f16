"""``archguard history``'s outputs: a text table with a sparkline per figure, the
``archguard-history/1`` JSON (INTERFACE.md, "History and diff") and CSV with the same numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from archguard.domain.history import (
    HISTORY_SCHEMA,
    ROW_FIGURES,
    ROW_SUMMARY_KEYS,
    HistoryResult,
    HistoryRow,
    figure,
)
from archguard.reporting.text import printable

_BARS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 60


def sparkline(values: list[int], width: int = SPARK_WIDTH) -> str:
    """One character per value (the last of each stretch when there are more than ``width``),
    from the lowest bar at the smallest value to the highest at the largest."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[min(int((i + 1) * step) - 1, len(values) - 1)] for i in range(width)]
    low, high = min(values), max(values)
    if high == low:
        return _BARS[0] * len(values)
    scale = (len(_BARS) - 1) / (high - low)
    return "".join(_BARS[round((v - low) * scale)] for v in values)


def render_history(result: HistoryResult) -> str:
    rows = result.rows
    head = f"History of {printable(result.root)}: {printable(result.revs)}, {len(rows)} commit"
    lines = [head + ("s" if len(rows) != 1 else "") + f" ({result.clone})"]
    rules = (
        "each commit's own configuration"
        if result.config_at_commit
        else "today's contracts and configuration"
    )
    lines.append(f"Judged by {rules}.")
    if rows:
        headers = ["commit", "date", *(heading for _, heading in ROW_FIGURES), "subject"]
        table = [
            [
                row.commit[:10] + ("*" if row.merge else ""),
                row.date[:10],
                *(str(figure(row, key)) for key, _ in ROW_FIGURES),
                printable(row.subject)[:50],
            ]
            for row in rows
        ]
        widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
        lines.append("")
        lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        for cells in table:
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if any(row.merge for row in rows):
            lines.append("(* a merge commit: the tree after the merge)")
        lines.append("")
        lines.append("Trend, oldest to newest:")
        label = max(len(heading) for _, heading in ROW_FIGURES)
        for key, heading in ROW_FIGURES:
            values = [figure(row, key) for row in rows]
            lines.append(f"  {heading.ljust(label)}  {sparkline(values)}  {values[0]} -> {values[-1]}")
    for note in result.notes:
        lines.append(f"note: {printable(note)}")
    cached = f", {result.cached_rows} from the cache" if result.cached_rows else ""
    lines.append(f"{len(rows)} rows in {result.duration_s:.1f}s{cached}.")
    return "\n".join(lines) + "\n"


def row_to_json(row: HistoryRow) -> dict[str, Any]:
    return {
        "commit": row.commit,
        "date": row.date,
        "subject": row.subject,
        "merge": row.merge,
        "summary": dict(row.summary),
        "by_contract": dict(row.by_contract),
        "by_owner": dict(row.by_owner),
        "cycles": row.cycles,
        "shims": row.shims,
        "cross_package_edges": row.cross_package_edges,
    }


def history_to_json(result: HistoryResult, *, tool_version: str) -> dict[str, Any]:
    return {
        "schema": HISTORY_SCHEMA,
        "tool": {"name": "archguard", "version": tool_version},
        "root": result.root,
        "revs": result.revs,
        "clone": result.clone,
        "config_at_commit": result.config_at_commit,
        "notes": list(result.notes),
        "commits": [row_to_json(row) for row in result.rows],
    }


def history_to_csv(result: HistoryResult) -> str:
    """One line per commit, oldest first: the JSON's numbers, a column per contract."""
    contracts = sorted({name for row in result.rows for name in row.by_contract})
    owners = sorted({name for row in result.rows for name in row.by_owner})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "commit",
            "date",
            "subject",
            "merge",
            *ROW_SUMMARY_KEYS,
            "cycles",
            "shims",
            "cross_package_edges",
            *(f"contract:{name}" for name in contracts),
            *(f"owner:{name}" for name in owners),
        ]
    )
    for row in result.rows:
        writer.writerow(
            [
                row.commit,
                row.date,
                _cell(row.subject),
                int(row.merge),
                *(row.summary.get(key, 0) for key in ROW_SUMMARY_KEYS),
                row.cycles,
                row.shims,
                row.cross_package_edges,
                *(row.by_contract.get(name, 0) for name in contracts),
                *(row.by_owner.get(name, 0) for name in owners),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A spreadsheet must not run a subject as a formula (``=HYPERLINK(...)``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
