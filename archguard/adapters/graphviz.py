"""Graphviz at the edge: DOT text in, SVG/PNG files out, by running the ``dot`` program.

The DOT text comes from ``archguard.reporting.diagrams.dot.to_dot`` (pure); only this module starts a
process. Where ``dot`` is not installed the ``.dot`` files are still written and the caller prints
:data:`INSTALL_HINT` once.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archguard.adapters.project_files.output_files import write_atomically

INSTALL_HINT = (
    "Graphviz's `dot` is not installed: wrote the .dot files only; for SVG and PNG diagrams install "
    "Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
)
TIMEOUT_S = 120  # one diagram; every diagram is bounded, so this is only a guard


@dataclass
class Rendered:
    written: list[Path] = field(default_factory=list)  # every file written, .dot included
    errors: list[str] = field(default_factory=list)  # "<file>: <what dot said>", per failed diagram
    dot_missing: bool = False


def dot_program() -> str | None:
    return shutil.which("dot")


def render(dot_text: str, destination: Path, formats: Sequence[str] = ("svg", "png")) -> Rendered:
    """Write ``destination`` (a ``.dot`` path) and, where ``dot`` exists, ``destination`` with each
    suffix of ``formats`` beside it, in one run of ``dot``."""
    result = Rendered()
    write_atomically(destination, dot_text.encode("utf-8"))
    result.written.append(destination)
    program = dot_program()
    if program is None:
        result.dot_missing = bool(formats)
        return result
    if not formats:
        return result
    command = [program]
    outputs = [destination.with_suffix(f".{fmt}") for fmt in formats]
    for fmt, output in zip(formats, outputs, strict=False):
        command += [f"-T{fmt}", "-o", str(output)]
    command.append(str(destination))
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        result.errors.append(f"{destination}: dot took longer than {TIMEOUT_S} s")
        return result
    if run.returncode != 0:
        message = " ".join(run.stderr.split())[:300] or f"exit code {run.returncode}"
        result.errors.append(f"{destination}: dot failed: {message}")
        return result
    result.written += outputs
    return result


def render_to(dot_text: str, output: Path) -> Rendered:
    """``archguard graph --out FILE``: FILE's suffix (.svg, .png, .dot) says what to write; the
    .dot text is written beside an .svg/.png only when ``dot`` is missing."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix == "dot":
        return render(dot_text, output, formats=())
    if dot_program() is None:
        return render(dot_text, output.with_suffix(".dot"), formats=(suffix,))
    result = Rendered()
    program = dot_program()
    assert program is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        run = subprocess.run(
            [program, f"-T{suffix}", "-o", str(output)],
            input=dot_text,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        result.errors.append(f"{output}: dot took longer than {TIMEOUT_S} s")
        return result
    if run.returncode != 0:
        result.errors.append(f"{output}: dot failed: {' '.join(run.stderr.split())[:300]}")
    else:
        result.written.append(output)
    return result
