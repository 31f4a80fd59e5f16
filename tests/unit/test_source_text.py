"""Decoding file bytes into source text: Python's encoding rules, clear reasons when impossible."""

from __future__ import annotations

import pytest

from archguard.adapters.parsing.source_text import UnreadableSource, decode_source


def reason(data: bytes, **options: int) -> str:
    with pytest.raises(UnreadableSource) as raised:
        decode_source(data, **options)
    return raised.value.reason


def test_utf8_bom_is_honoured_and_dropped() -> None:
    assert decode_source(b"\xef\xbb\xbfname = '\xc3\xa9'\n") == "name = 'é'\n"


def test_latin1_coding_cookie() -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'é'\n".encode("latin-1")
    assert decode_source(data) == "# -*- coding: latin-1 -*-\nname = 'é'\n"


def test_cookie_on_second_line_after_shebang() -> None:
    data = "#!/usr/bin/env python\n# coding=cp1252\nsign = '€'\n".encode("cp1252")
    assert decode_source(data).endswith("sign = '€'\n")


def test_invalid_utf8_names_the_byte_and_line() -> None:
    message = reason(b"x = 1\ny = '\xff'\n")
    assert message.startswith("not valid utf-8:")
    assert "byte 11" in message and "line 2" in message


def test_invalid_first_line_still_reports_utf8_position() -> None:
    assert "line 1" in reason(b"\xff = 1\n")


def test_unknown_coding_cookie_is_unreadable() -> None:
    assert "unknown encoding" in reason(b"# coding: no-such-codec\nx = 1\n")


def test_nul_byte_means_binary() -> None:
    assert reason(b"x = 1\n\x00\x01") == "binary file (NUL byte)"


def test_too_large_checked_before_anything_else() -> None:
    assert reason(b"x" * 2_500_001, max_bytes=2_000_000) == "too large (2.5 MB)"
    assert decode_source(b"x = 1\n", max_bytes=6) == "x = 1\n"


def test_crlf_and_lone_cr_become_newlines() -> None:
    assert decode_source(b"a = 1\r\nb = 2\rc = 3\r\n") == "a = 1\nb = 2\nc = 3\n"
