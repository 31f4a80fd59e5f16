"""Graphviz at the edge: DOT text in, SVG/PNG files out, by running the ``dot`` program.

The DOT text comes from ``archguard.reporting.diagrams.dot.to_dot`` (pure); only this module starts a
process. Where ``dot`` is not installed the ``.dot`` files are still written and the caller prints
:data:`INSTALL_HINT` once.

``dot -o FILE`` follows symbolic links, so it never writes to a destination itself: it draws into a
private folder (``mkdtemp``, 0700, beside the destination), and each drawing is then moved into
place through ``output_files``' guard, like every other write (docs/security.md).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archguard.adapters.project_files.output_files import (
    encode_text,
    guard_destination,
    move_into_place,
    write_atomically,
)
from archguard.adapters.project_files.safe_io import read_regular_text

INSTALL_HINT = (
    "Graphviz's `dot` is not installed: wrote the .dot files only; for SVG and PNG diagrams install "
    "Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
)
TIMEOUT_S = 120  # one diagram; every diagram is bounded, so this is only a guard


@dataclass
class Rendered:
    written: list[Path] = field(default_factory=list)  # every file written, .dot included
    errors: list[str] = field(default_factory=list)  # "<file>: <what went wrong>", per failed diagram
    dot_missing: bool = False
    svg: str | None = None  # the SVG drawn, as written (read from the private folder, never back)


def dot_program() -> str | None:
    return shutil.which("dot")


def render(
    dot_text: str, destination: Path, formats: Sequence[str] = ("svg", "png"), *, root: Path | None = None
) -> Rendered:
    """Write ``destination`` (a ``.dot`` path) and, where ``dot`` exists, ``destination`` with each
    suffix of ``formats`` beside it, in one run of ``dot``. ``root``: the analysed tree (the guard's
    "nothing on the way leads out of ROOT")."""
    result = Rendered()
    try:
        write_atomically(destination, encode_text(dot_text), root=root)
    except OSError as error:
        result.errors.append(f"{destination}: {error.strerror or error}")
        return result
    result.written.append(destination)
    _draw(dot_text, [(fmt, destination.with_suffix(f".{fmt}")) for fmt in formats], root, result)
    return result


def render_to(dot_text: str, output: Path, *, root: Path | None = None) -> Rendered:
    """``archguard graph --out FILE``: FILE's suffix (.svg, .png, .dot) says what to write; the
    .dot text is written beside an .svg/.png only when ``dot`` is missing."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix == "dot":
        return render(dot_text, output, formats=(), root=root)
    if dot_program() is None:
        return render(dot_text, output.with_suffix(".dot"), formats=(suffix,), root=root)
    result = Rendered()
    _draw(dot_text, [(suffix, output)], root, result)
    return result


def _draw(dot_text: str, outputs: list[tuple[str, Path]], root: Path | None, result: Rendered) -> None:
    """One run of ``dot`` drawing each (format, destination) into a private folder, then each file
    moved into place; what went wrong lands in ``result.errors``."""
    if not outputs:
        return
    program = dot_program()
    if program is None:
        result.dot_missing = True
        return
    folder = outputs[0][1].parent
    current = folder
    try:
        for _, destination in outputs:  # refused before dot runs, not after
            current = destination
            guard_destination(destination, root=root)
        current = folder
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".archguard-dot-", dir=folder) as private:
            made = [(fmt, Path(private) / f"diagram.{fmt}", destination) for fmt, destination in outputs]
            command = [program]
            for fmt, drawn, _ in made:
                command += [f"-T{fmt}", "-o", str(drawn)]
            try:
                run = subprocess.run(
                    command,
                    input=dot_text,
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT_S,
                    check=False,
                    errors="backslashreplace",
                )
            except subprocess.TimeoutExpired:
                result.errors.append(f"{outputs[0][1]}: dot took longer than {TIMEOUT_S} s")
                return
            if run.returncode != 0:
                message = " ".join(run.stderr.split())[:300] or f"exit code {run.returncode}"
                result.errors.append(f"{outputs[0][1]}: dot failed: {message}")
                return
            for fmt, drawn, destination in made:
                current = destination
                if fmt == "svg":
                    result.svg = read_regular_text(drawn)
                move_into_place(drawn, destination, root=root)
                result.written.append(destination)
    except OSError as error:
        result.errors.append(f"{current}: {error.strerror or error}")
