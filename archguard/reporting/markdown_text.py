"""The one escaping rule for text in Markdown (report.md): every value that comes from the tree,
its configuration or the history file goes through :func:`code` or :func:`text`, so it is shown,
never rendered as links, HTML or table cells of its own (docs/security.md)."""

from __future__ import annotations

import re


def code(value: object) -> str:
    """An inline code span that survives any content (backticks, pipes, newlines)."""
    content = " ".join(str(value).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{padding}{content}{padding}{fence}"


def text(value: object) -> str:
    """Plain text with Markdown and HTML metacharacters escaped."""
    content = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", content)
