"""Turn a file's bytes into the text Python would compile, or say plainly why that is impossible.

Encoding rules are Python's own (PEP 263 cookie, UTF-8 BOM, UTF-8 by default), decided by
``tokenize.detect_encoding`` so we never disagree with the interpreter about what a file says.
Line endings are normalised to ``\\n`` so that every later line/column is counted the same way.
"""

from __future__ import annotations

import io
import tokenize

DEFAULT_MAX_BYTES = 5_000_000


class UnreadableSource(Exception):
    """The bytes cannot be Python source; ``reason`` is a short, user-facing explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_source(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode ``data`` as Python source text with ``\\n`` line endings.

    Raises :class:`UnreadableSource` for files too large, binary files and undecodable text.
    """
    if len(data) > max_bytes:
        raise UnreadableSource(too_large(len(data)))
    if b"\x00" in data:
        raise UnreadableSource("binary file (NUL byte)")
    encoding = _declared_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        shown = "utf-8" if encoding == "utf-8-sig" else encoding
        raise UnreadableSource(
            f"not valid {shown}: {error.reason} at byte {error.start} (line {line})"
        ) from None
    except LookupError:  # detect_encoding vets cookies, but stay safe on odd codecs
        raise UnreadableSource(f"unknown encoding {encoding!r}") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _declared_encoding(data: bytes) -> str:
    """The encoding Python would use: BOM, then a coding cookie on line 1 or 2, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        message = str(error)
        if "unknown encoding" in message or "encoding problem" in message:
            raise UnreadableSource(message) from None
        # "invalid or missing encoding declaration": the first lines are not UTF-8. Decoding as
        # UTF-8 below fails again, with the byte offset that makes the message useful.
        return "utf-8"
    return encoding


def too_large(size: int) -> str:
    """Why a file of ``size`` bytes is not read (the same words for a file on disk and a blob)."""
    return f"too large ({size / 1_000_000:.1f} MB)"
