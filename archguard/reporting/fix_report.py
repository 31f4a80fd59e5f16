"""``archguard fix`` rendered: text for people (the diff with ``--dry-run``), JSON for scripts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from archguard.domain.fix import FixResult, FixStatus
from archguard.domain.result import SCHEMA
from archguard.reporting.text import inert_lines, one_line, printable

_HEADLINES = {
    FixStatus.FIXED: "Fixed {n} imports in {files} files; check is clean of them.",
    FixStatus.NOTHING_TO_DO: "Nothing to fix.",
    FixStatus.DRY_RUN: "Would fix {n} imports in {files} files (dry run: nothing written).",
    FixStatus.REFUSED: "Refused: nothing was written.",
    FixStatus.ROLLED_BACK: "Rolled back: every file is as it was before the run.",
}


def render_fix(result: FixResult) -> str:
    out: list[str] = []
    if result.status is FixStatus.DRY_RUN:
        out.extend(d.diff for d in result.diffs)
    elif result.status is FixStatus.FIXED:
        for change in result.changes:
            after = change.after.replace("\n", " | ") if change.after else "(removed)"
            note = f"  [{change.note}]" if change.note else ""
            out.append(
                f"{printable(change.path)}:{change.line}: {one_line(' '.join(change.before.split()))} -> "
                f"{one_line(' '.join(after.split()))}{one_line(note)}\n"
            )
    for problem in result.problems:
        out.append(f"error: {one_line(problem)}\n")
    for note in result.notes:
        out.append(f"note: {one_line(note)}\n")
    if result.not_fixed:
        out.append(f"\nNot fixed ({len(result.not_fixed)}), each with the reason:\n")
        for n in result.not_fixed:
            out.append(
                f"{printable(n.path)}:{n.line}: {n.code} {one_line(n.statement)}: {one_line(n.reason)}\n"
            )
    if result.unused_shims:
        out.append("\nShims nothing imports any more (safe to delete; --delete-unused-shims does it):\n")
        out.extend(f"  {printable(path)}\n" for path in result.unused_shims)
    if result.deleted_shims and result.status in (FixStatus.FIXED, FixStatus.DRY_RUN):
        verb = "Deleted" if result.status is FixStatus.FIXED else "Would delete"
        out.append(f"\n{verb} unused shims:\n")
        out.extend(f"  {printable(path)}\n" for path in result.deleted_shims)
    if result.restored:
        out.append(f"\nRestored {len(result.restored)} files: {printable(', '.join(result.restored))}\n")
    headline = _HEADLINES[result.status].format(n=result.fixed_violations, files=len(_files(result)))
    out.append(f"{headline}\n")
    return inert_lines("".join(out))


def _files(result: FixResult) -> list[str]:
    return sorted({*result.changed_files, *(d.path for d in result.diffs), *result.deleted_shims})


def fix_to_json(result: FixResult, *, tool_version: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool": {"name": "archguard", "version": tool_version},
        "command": "fix",
        "root": result.root,
        "status": result.status.value,
        "summary": {
            "fixed_violations": result.fixed_violations,
            "changed_files": len(_files(result)),
            "changes": len(result.changes),
            "not_fixed": len(result.not_fixed),
            "unused_shims": len(result.unused_shims),
            "deleted_shims": len(result.deleted_shims),
            "restored_files": len(result.restored),
            "duration_s": round(result.duration_s, 3),
        },
        "changes": [asdict(c) | {"contracts": list(c.contracts)} for c in result.changes],
        "diffs": [asdict(d) for d in result.diffs],
        "not_fixed": [asdict(n) for n in result.not_fixed],
        "notes": list(result.notes),
        "problems": list(result.problems),
        "unused_shims": list(result.unused_shims),
        "deleted_shims": list(result.deleted_shims),
        "restored": list(result.restored),
    }
