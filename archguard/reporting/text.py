"""Human output, modelled on ruff: one ``path:line:col: CODE message`` line per finding (editors
and terminals turn these into links, users grep them), then a short summary at the end."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from archguard.domain.findings import RULES, Findings, Kind, Severity, Violation, codes, tally
from archguard.domain.ordering import by_path, by_position
from archguard.domain.result import CheckResult, DanglingImport, ScanResult
from archguard.reporting.summary import (
    baseline_entry_line,
    by_contract,
    chain_text,
    contract_order,
    contract_results,
    display_message,
    golden_path_lines,
    is_warning,
    plural,
    sorted_dangling,
    sorted_violations,
    summarize,
)

# The codes of a file that cannot be analysed (the codes looked up in C, not each finding's kind)
_BROKEN_FILE_CODES = frozenset(
    code for code, (kind, _) in RULES.items() if kind in (Kind.SYNTAX_ERROR, Kind.UNREADABLE_FILE)
)

# A tree with thousands of broken files should not bury the summary; the JSON keeps them all.
MAX_LINES_PER_SECTION = 200
MAX_CONTRACT_LINES = 50  # the contract list in the summary; the JSON's contract_results has them all


# Characters that end a line, move the cursor, recolour or reorder what a terminal or CI log
# shows (C0/C1 controls, DEL, Unicode line separators, bidi overrides): a file name or contract
# name from the tree could otherwise forge lines such as "All contracts kept." (docs/security.md).
# Lone surrogates too: no encoder can write them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# A line that starts with "::" is a GitHub Actions workflow command (``::stop-commands::``,
# ``::error::``) when it reaches a job's log; a file at ROOT named so would start a finding's line.
_WORKFLOW_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)


def printable(text: str) -> str:
    """``text`` with every unprintable character escaped as Python would (``\\n``, ``\\x1b``)."""
    if text.isprintable():  # in C, and true of almost every name: all of _UNPRINTABLE is unprintable to it
        return text
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def inert_lines(text: str) -> str:
    """``text`` with a ``::`` that starts a line written ``\\x3a:``: shown, never a workflow command
    (every text report ends here; ``--format github``'s own annotations do not)."""
    if "::" not in text:  # one scan in C instead of a regex match at every line start
        return text
    return _WORKFLOW_COMMAND.sub(lambda match: match.group(1) + "\\x3a:", text)


def one_line(text: str) -> str:
    """Findings are one line each, or ``grep`` and editors' ``path:line`` links break."""
    if text.isprintable():  # no line break either: nothing to join or escape
        return text
    return printable(" ".join(text.splitlines()))


def _capped(lines: Sequence[str], what: str, verbose: bool) -> list[str]:
    if verbose or len(lines) <= MAX_LINES_PER_SECTION:
        return list(lines)
    hidden = len(lines) - MAX_LINES_PER_SECTION
    return [
        *lines[:MAX_LINES_PER_SECTION],
        f"... and {hidden} more {what} (use --verbose to list them all, or --json FILE)",
    ]


def dangling_line(dangling: DanglingImport) -> str:
    text = f"{dangling.code} {dangling.message}"
    if dangling.guarded:
        text += " (guarded: the code expects the ImportError)"
    if dangling.type_checking:
        text += " (under TYPE_CHECKING)"
    return f"{printable(dangling.path)}:{dangling.line}:{dangling.column}: {one_line(text)}"


def render_scan(result: ScanResult, *, verbose: bool = False) -> str:
    syntax = [
        f"{printable(s.path)}:{s.line}:{s.column}: syntax error: {one_line(s.message)}"
        for s in sorted(result.syntax_errors, key=by_position)
    ]
    unreadable = [
        f"{printable(u.path)}: unreadable: {one_line(u.reason)}"
        for u in sorted(result.unreadable, key=by_path)
    ]
    dangling = [dangling_line(d) for d in sorted_dangling(result.dangling)]

    lines: list[str] = []
    for section, what in (
        (syntax, "syntax errors"),
        (unreadable, "unreadable files"),
        (dangling, "dangling imports"),
    ):
        lines += _capped(section, what, verbose)
    if lines:
        lines.append("")
    lines += scan_summary_block(result)
    return inert_lines("\n".join(lines) + "\n")


def scan_summary_block(result: ScanResult) -> list[str]:
    counts = summarize(result)
    guarded = sum(1 for d in result.dangling if d.guarded)
    packages = ", ".join(sorted(result.packages))
    rows = [
        ("files found", counts["files"], ""),
        ("parsed", counts["parsed_files"], ""),
        ("syntax errors", counts["syntax_errors"], ""),
        ("unreadable", counts["unreadable_files"], ""),
        ("packages", counts["packages"], f" ({packages})" if packages else ""),
        ("modules", counts["modules"], ""),
        ("loose files", counts["loose_files"], ""),
        ("import edges", counts["imports"], ""),
        ("dangling imports", counts["dangling_imports"], f" ({guarded} guarded)"),
        ("cache hits", counts["cache_hits"], ""),
    ]
    label_width = max(len(label) for label, _, _ in rows) + 1
    number_width = max(len(str(value)) for _, value, _ in rows)
    if result.layout.is_workspace:
        roots = counts["source_roots"]
        shown = ", ".join(roots[:8]) + (f", +{len(roots) - 8} more" if len(roots) > 8 else "")
        rows.insert(0, ("members", counts["members"], f" ({len(roots)} source roots: {shown})"))
    block = [f"Scanned {result.root} in {counts['duration_s']:.3f}s"]
    block += [f"  {label + ':':<{label_width}} {value:>{number_width}}{note}" for label, value, note in rows]
    return block


def violation_line(violation: Violation, *, with_chain: bool = True) -> str:
    marker = " [warning]" if is_warning(violation) else ""
    return (
        f"{printable(violation.path)}:{violation.line}:{violation.column}: "
        f"{violation.code}{marker} {one_line(display_message(violation, with_chain=with_chain))}"
    )


def violation_lines(violation: Violation) -> list[str]:
    """One line per finding; a golden-path finding is preceded by its import chain."""
    if not violation.chain:
        return [violation_line(violation)]
    return [one_line(chain_text(violation)), "  " + violation_line(violation, with_chain=False)]


_LINE_FIELDS = attrgetter(
    "code", "path", "line", "column", "message", "suggestion", "severity", "baselined", "chain"
)


def _finding_lines(violations: Sequence[Violation]) -> list[str]:
    """:func:`violation_lines` of each finding, joined: the same lines, with the common case (no
    chain, a printable path and message) written in one step (a broad contract prints thousands;
    the fields a line shows are read at once, in C, rather than one by one)."""
    lines: list[str] = []
    append = lines.append
    warning = Severity.WARNING
    for v in violations:
        code, path, line, column, message, suggestion, severity, baselined, chain = _LINE_FIELDS(v)
        if chain or not path.isprintable() or (suggestion and suggestion not in message):
            lines += violation_lines(v)
        elif message.isprintable():
            marker = " [warning]" if severity is warning and not baselined else ""
            append(f"{path}:{line}:{column}: {code}{marker} {message}")
        else:
            lines += violation_lines(v)
    return lines


def contract_header(name: str, violations: Sequence[Violation]) -> str:
    package = next(
        (dict(v.extra).get("package") for v in violations if v.kind is Kind.NON_PUBLIC_IMPORT), None
    )
    canonical = next((v.canonical for v in violations if v.canonical), None)
    reason = next((v.contract_reason for v in violations if v.contract_reason), None)
    if package:
        header = f"{one_line(name)} (public face of {one_line(package)})"
    elif canonical:
        header = f"{one_line(name)} (canonical: {one_line(canonical)})"
    else:
        header = one_line(name)
    return f"{header}: {one_line(reason)}" if reason else header


def contract_sections(violations: Sequence[Violation]) -> dict[str, str]:
    """Each contract's block of :func:`render_check` (its header and one line per finding) when
    none of its findings is baselined: what the results cache keeps beside the findings
    (``Findings.sections``), so a warm check prints a broad contract without decoding it."""
    groups: dict[str, list[Violation]] = {}
    for violation in sorted_violations(violations):
        groups.setdefault(violation.contract, []).append(violation)
    return {
        name: "\n".join([contract_header(name, found), *_finding_lines(found)])
        for name, found in groups.items()
    }


def _contract_blocks(result: CheckResult) -> list[str]:
    """Per contract with findings to show: its header, its shown findings' lines, how many the
    baseline hides, and a blank line. Findings read from the results cache bring their blocks
    (:func:`contract_sections`), which stand while none is baselined."""
    findings = result.violations
    counted = tally(findings)
    sections = findings.sections if isinstance(findings, Findings) else None
    if sections is not None and not any(known for (_, _, known) in counted):
        lines: list[str] = []
        found = {contract for contract, _, _ in counted}
        for name in contract_order(result, found):
            if name in found:  # (made from the same findings: every contract with some has its block)
                lines += [sections[name], ""]
        return lines
    lines = []
    for name, violations in by_contract(result).items():
        shown = [v for v in violations if not v.baselined]
        if not shown:
            continue
        lines.append(contract_header(name, violations))
        lines += _finding_lines(shown)
        hidden = len(violations) - len(shown)
        if hidden:
            lines.append(f"({plural(hidden, 'baselined violation')} not shown)")
        lines.append("")
    return lines


def render_check(result: CheckResult, *, statistics: bool = False) -> str:
    lines = _contract_blocks(result)
    if statistics:
        lines += statistics_block(result)
    lines += check_summary_lines(result)
    return inert_lines("\n".join(lines) + "\n")


def statistics_block(result: CheckResult) -> list[str]:
    """Counts of the shown (not baselined) violations per rule and per contract, like
    ``ruff --statistics``; ``[*]`` marks rules with automatic fixes."""
    shown = [v for v in result.violations if not v.baselined]
    if not shown:
        return []
    per_code = Counter(v.code for v in shown)
    fixable_codes = {v.code for v in shown if v.fixable}
    per_contract = Counter(v.contract for v in shown)
    width = len(str(max(per_code.values())))
    lines = ["Statistics per rule:"]
    for code, count in sorted(per_code.items(), key=lambda item: (-item[1], item[0])):
        marker = "[*]" if code in fixable_codes else "   "
        lines.append(f"{count:>{width}}\t{code}\t{marker} {RULES[code][1]}")
    lines.append("Statistics per contract:")
    for contract, count in sorted(per_contract.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"{count:>{width}}\t{one_line(contract)}")
    lines.append("")
    return lines


def check_summary_lines(result: CheckResult) -> list[str]:
    counts = summarize(result)
    lines: list[str] = [f"Note: {notice}" for notice in result.notices]
    if result.changed_files is not None:
        lines.append(f"Only findings in or caused by {plural(len(result.changed_files), 'changed file')}.")
    broken = counts["syntax_errors"] + counts["unreadable_files"]
    if broken and _BROKEN_FILE_CODES.isdisjoint(codes(result.violations)):  # --golden-only
        lines.append(
            f"Note: {plural(broken, 'file')} could not be analysed "
            f"({counts['syntax_errors']} with syntax errors, {counts['unreadable_files']} "
            "unreadable); run `archguard scan` to list them."
        )
    held = counts["held_baseline_entries"]
    if held:
        lines.append(
            f"{plural(held, 'baseline entry', 'baseline entries')} held, neither matched nor stale: a file "
            "that cannot be analysed (AG001/AG002) may hide what they record; kept until it can be read."
        )
    for entry in result.expired_baseline_entries:
        lines.append(f"Expired baseline entry: {one_line(baseline_entry_line(entry))}")
    lines += [one_line(line) for line in golden_path_lines(result)]
    stale = counts["stale_baseline_entries"]
    if stale:
        if result.strict_baseline:  # they fail the run: say which
            lines += [
                f"Stale baseline entry: {one_line(baseline_entry_line(e))}"
                for e in result.stale_baseline_entries
            ]
        lines.append(
            f"{plural(stale, 'stale baseline entry', 'stale baseline entries')}: "
            "fixed since the baseline was recorded; --update-baseline drops them"
            + (" (--strict-baseline: this fails the run)." if result.strict_baseline else ".")
        )
    results = contract_results(result)
    lines += contract_lines(results)
    if not counts["violations"]:
        lines.append("All contracts kept.")
        return lines
    contracts = sum(1 for c in results if c["violations"])
    run = len(results)
    lines.append(
        f"Found {plural(counts['violations'], 'violation')} ({counts['new_violations']} new, "
        f"{counts['baselined']} baselined, {plural(counts['warnings'], 'warning')}) "
        + (
            f"in {contracts} of {plural(run, 'contract')}."
            if run > contracts
            else f"in {plural(contracts, 'contract')}."
        )
    )
    return lines


def contract_lines(results: list[dict[str, Any]]) -> list[str]:
    """Every contract that ran with its state, kept ones included, as ``lint-imports`` lists
    them (``results``: :func:`contract_results`'): ``KEPT``/``BROKEN``, the name, where it comes
    from, and its violations."""
    if not results:
        return []
    broken = sum(1 for c in results if c["state"] == "broken")
    lines = [f"Contracts: {len(results) - broken} kept, {broken} broken."]
    for contract in results[:MAX_CONTRACT_LINES]:
        # golden-path:<entry> and dangling-imports say what they are; the others are named by people
        kind = (
            f" ({contract['type']})" if contract["type"] in ("concept", "interface", "import-linter") else ""
        )
        counts = [
            plural(contract[key], f"{key[:-1] if key == 'warnings' else key}", key)
            for key in ("new", "baselined", "warnings")
            if contract[key]
        ]
        lines.append(
            f"  {contract['state'].upper():<6}  {one_line(contract['name'])}{kind}"
            + (f": {', '.join(counts)}" if counts else "")
        )
    if len(results) > MAX_CONTRACT_LINES:
        lines.append(f"  ... and {len(results) - MAX_CONTRACT_LINES} more contracts (all of them in --json)")
    return lines
