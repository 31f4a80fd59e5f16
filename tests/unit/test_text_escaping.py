"""The text reporter's escaping of names from the tree: its fast path (text Python calls
printable is passed through) must agree with the full rule on every code point."""

from __future__ import annotations

from archguard.reporting.text import _UNPRINTABLE, inert_lines, printable


def escaped_by_the_rule(text: str) -> str:
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def test_every_code_point_is_escaped_as_the_rule_says() -> None:
    differ = [c for c in map(chr, range(0x110000)) if printable(f"a{c}b") != escaped_by_the_rule(f"a{c}b")]
    assert differ == []


def test_control_and_bidi_characters_are_escaped_and_plain_names_pass_unchanged() -> None:
    assert printable("app/\u202eevil\x1b[2K.py") == "app/\\u202eevil\\x1b[2K.py"
    assert printable("tab\tstays") == "tab\tstays"
    name = "платформа/core/manager.py"
    assert printable(name) is name


def test_a_line_starting_with_two_colons_is_made_inert_and_other_text_is_untouched() -> None:
    assert inert_lines("ok\n  ::error::forged\nmodule:Name") == "ok\n  \\x3a:error::forged\nmodule:Name"
    text = "a.py:1:1: AG101 x imported from m:N"
    assert inert_lines(text) is text


def test_a_finding_is_one_line_whatever_its_message_holds() -> None:
    from archguard.reporting.text import one_line

    assert one_line("cannot import\nname 'x'\r\nfrom m\u2028") == "cannot import name 'x' from m"
    assert one_line("tab\there\x1b") == "tab\there\\x1b"
    plain = "x imported from m:N; use: from a import N"
    assert one_line(plain) is plain


def test_the_lines_of_many_findings_are_each_findings_own_lines() -> None:
    """``render_check`` writes the common finding (no chain, printable path and message) in one
    step: the same lines as :func:`violation_lines` of each, for every case it takes apart."""
    from archguard.domain.findings import Severity, Violation
    from archguard.reporting.text import _finding_lines, violation_lines

    base = Violation(
        "AG501", "face", "app/a.py", 3, 1, "x imported from app.core", statement="from app.core import x"
    )
    findings = [
        base,
        Violation("AG202", "dangling", "app/b.py", 1, 5, "cannot import name 'y'", severity=Severity.WARNING),
        Violation("AG202", "dangling", "app/b.py", 2, 5, "known", severity=Severity.WARNING, baselined=True),
        Violation("AG101", "c", "app/c.py", 4, 1, "bad path", suggestion="from app import C"),  # fix added
        Violation(
            "AG101", "c", "app/c.py", 5, 1, "bad path; use: from app import C", suggestion="from app import C"
        ),
        Violation("AG001", "files", "app/\u202eevil.py", 1, 1, "does not parse"),  # path escaped
        Violation("AG202", "d", "app/d.py", 1, 1, "cannot import\nname 'z'\x1b"),  # message made one line
        Violation("AG402", "golden-path:app", "app/e.py", 1, 1, "gone", chain=("app.main", "app.e")),
    ]
    expected = [line for v in findings for line in violation_lines(v)]
    assert _finding_lines(findings) == expected
    assert expected[1].startswith("app/b.py:1:5: AG202 [warning] ") and "[warning]" not in expected[2]
    assert expected[3].endswith("bad path; use: from app import C") and "\\u202e" in expected[5]
