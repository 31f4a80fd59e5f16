"""``archguard lsp``: the language server (docs/editors.md), a front end beside the CLI.

:func:`serve` speaks LSP on the process's stdin and stdout until the editor says ``exit``; the
protocol is ``server.py``'s (pygls and lsprotocol), the analysis ``archguard.app.editor``'s.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any


def serve(given: dict[str, Any], root: Path | None = None) -> int:
    """Serve one editor on stdin/stdout; the exit code: 0 after ``shutdown``, else 1 (LSP's rule).

    The protocol keeps the real stdout; the process's own stdout (file descriptor 1, which the
    parser's worker processes inherit) is pointed at stderr first, so nothing but LSP messages can
    ever reach the editor's end of the pipe."""
    from archguard.adapters import gc_policy
    from archguard.lsp.server import create_server

    gc_policy.on_for_a_long_lived_process()
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    level = os.environ.get("ARCHGUARD_LSP_LOG", "WARNING").upper()  # docs/editors.md, "When it goes wrong"
    logging.basicConfig(stream=sys.stderr, level=level, format="%(name)s %(levelname)s: %(message)s")
    server = create_server(given, root)
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0 if getattr(server.protocol, "_shutdown", False) else 1


__all__ = ["serve"]
