"""The editor's use case (``archguard lsp``, docs/editors.md): one tree's engine kept in memory for
as long as an editor is open, with the editor's unsaved text laid over the files on disk.

An :class:`EditorSession` is one workspace folder (ROOT). The language server (``archguard.lsp``)
tells it what the editor holds (:meth:`~EditorSession.set_text`, :meth:`~EditorSession.close`),
what changed on disk (:meth:`~EditorSession.disk_changed`) and when to bring its findings up to date
(:meth:`~EditorSession.sync`); it asks for one file's findings with the span of each statement
(:meth:`~EditorSession.findings`), the text a quick fix makes (:meth:`~EditorSession.fixed_text`,
the same libcst rewrite as ``archguard fix``), a hover's text (:meth:`~EditorSession.hover`), and
adds a finding to the baseline (:meth:`~EditorSession.add_to_baseline`). Everything is derived
by the one engine (``app/engine.py``): the session adds no second incremental layer.

What the editor holds is what is analysed; a text that does not parse keeps its file's last facts
that did for the rest of the tree (``Engine.update(..., hold_facts=True)``) and shows only its
syntax error. A configuration that cannot be used (a contract file that does not parse, a canonical
path that no longer resolves) is a :class:`Problem` on the file it names: the session lives on, on
the last findings it could derive. Nothing here writes but ``add_to_baseline`` (through
``baseline_file``, the one guarded writer), and nothing runs the tree's code.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archguard.adapters.project_files import baseline_file
from archguard.adapters.project_files.safe_io import read_regular
from archguard.adapters.rewrite.import_rewriter import RewriteError, rewrite_imports
from archguard.analysis.fix_plan import plan_fix
from archguard.analysis.symbols import Origin, Resolution
from archguard.app.engine import Engine
from archguard.app.options import Options, resolve
from archguard.app.tree import relative_path
from archguard.domain.contracts import ConceptContract
from archguard.domain.errors import ArchguardError, ContractError
from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.findings import Severity, Violation
from archguard.domain.result import CheckResult
from archguard.domain.sources import SourceFile

Progress = Callable[[int, int], None]

# Files that cannot be analysed: the only findings a file shows while its text does not parse.
SYNTAX_ERROR, UNREADABLE = "AG001", "AG002"
_BROKEN = frozenset({SYNTAX_ERROR, UNREADABLE})
_WHERE = re.compile(r"^(?P<path>[^\n:]+):(?P<line>\d+):\s*(?P<message>.*)$", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Problem:
    """Configuration the session could not use, shown on the file it names (``path`` relative to
    ROOT, or absolute outside it; None: no file is named)."""

    path: str | None
    line: int | None
    message: str


@dataclass(frozen=True)
class Span:
    """Where a finding is shown: lines from 1, columns in characters from 0, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    violation: Violation
    span: Span


class EditorSession:
    """One workspace folder's engine, the editor's text over it, and its findings (module docstring)."""

    def __init__(self, root: Path, given: Mapping[str, Any] | None = None) -> None:
        """``given``: options by name as the command line (or the editor) gave them, over ROOT's
        ``[tool.archguard]`` (``app/options.py``)."""
        self.root = root.resolve()
        self.given = dict(given or {})
        self.engine: Engine | None = None
        self.options: Options | None = None
        self.baselined = "hide"  # how baselined findings are shown: "hide" or "hint"
        self._load_problems: list[Problem] = []
        self._derive_problems: list[Problem] = []
        self._texts: dict[str, str] = {}  # open documents: their text
        self._overlaid: set[str] = set()  # open documents whose text is laid over the engine's tree
        self._pending: dict[str, str | None] = {}  # text to lay over a file, or None: read it from disk
        # the last findings derived, by path: those of the open documents, taken from the engine when
        # its results came whole (they stay while a later edit leaves the configuration unusable)
        self._findings: dict[str, list[Violation]] = {}
        self._analysed: dict[str, str] = {}  # the text each open document's findings were derived from
        self._files: dict[str, SourceFile] = {}
        self._concepts: dict[Origin, ConceptContract] | None = None
        self._stamps: tuple[Any, Any] | None = None
        self.results: CheckResult | None = None  # the last results derived

    # ---- loading ---------------------------------------------------------------------------------

    def load(self, progress: Progress | None = None) -> None:
        """Open (or open again) the engine of ROOT with today's configuration, the open documents'
        text laid over it, and derive its findings. A configuration that cannot be used keeps the
        engine that was (if any) and becomes a :class:`Problem`."""
        self._stamps = self._read_stamps()
        try:
            run = resolve("lsp", self.root, self.given)
            options = replace(run.options, root=self.root)
            engine = Engine.open(None, options, progress=progress, keep=True)
        except ArchguardError as error:
            self._load_problems = problems_of(error, self.root)
            return
        self._load_problems = []
        self.engine, self.options, self.baselined = engine, options, run.values["baselined"]
        self._overlaid = set()
        self._pending = {p: t for p, t in self._texts.items() if not _same_as_disk(self.root / p, t)}
        self.sync()

    def reload(self, what: str) -> None:
        """Read the check's inputs again after ``what`` changed on disk (:meth:`inputs_changed`),
        without reading the tree again (``Engine.reload_inputs``): the next findings re-derive only
        what the inputs reach. Options that shape the tree (excludes, packages, target...) open the
        engine again; a configuration that cannot be used keeps the engine as it was and becomes a
        :class:`Problem`."""
        if self.engine is None:
            self.load()
            return
        self._stamps = self._read_stamps()
        try:
            if what == "configuration":
                run = resolve("lsp", self.root, self.given)
                options = replace(run.options, root=self.root)
                try:
                    self.engine.reload_inputs(options)
                except ValueError:  # an option that shapes the tree: a new engine
                    self.load()
                    return
                self.options, self.baselined = options, run.values["baselined"]
            else:
                self.engine.reload_inputs()
        except ArchguardError as error:
            self._load_problems = problems_of(error, self.root)
            return
        self._load_problems = []
        self._concepts = None
        self.sync()

    @property
    def problems(self) -> list[Problem]:
        return self._load_problems + self._derive_problems

    def inputs_changed(self) -> str | None:
        """What changed on disk since the last load among what the check reads besides the tree:
        "configuration" (pyproject.toml, setup.cfg, .importlinter, the contracts folder: load again),
        "baseline" (derive again), or None."""
        before, now = self._stamps, self._read_stamps()
        if before is None or now[0] != before[0]:
            return "configuration"
        if now[1] != before[1]:
            self._stamps = now
            return "baseline"
        return None

    def _read_stamps(self) -> tuple[Any, Any]:
        options = self.options
        given = [self.root / "pyproject.toml", self.root / "setup.cfg", self.root / ".importlinter"]
        if options is not None and options.importlinter_config is not None:
            given.append(options.importlinter_config)
        contracts = (options.contracts_dir if options else None) or self.root / "contracts"
        try:
            given += sorted(contracts / name for name in os.listdir(contracts))
        except OSError:
            given.append(contracts)
        baseline = options.baseline if options is not None else None
        return tuple(_stamp(p) for p in given), _stamp(baseline) if baseline else None

    # ---- what the editor holds -------------------------------------------------------------------

    def path_of(self, file: str | Path) -> str | None:
        """``file`` (absolute) relative to ROOT, or None when it is not a Python file under ROOT."""
        if not str(file).endswith(".py"):
            return None
        try:
            return relative_path(self.root, Path(file))
        except ArchguardError:
            return None

    def set_text(self, path: str, text: str) -> None:
        """The editor holds ``text`` for ``path`` (opened or changed): analysed at the next sync."""
        opened = path not in self._texts
        self._texts[path] = text
        if opened and path not in self._overlaid and _same_as_disk(self.root / path, text):
            self._analysed[path] = text  # nothing to lay over: the tree already holds it
            return
        self._pending[path] = text

    def close(self, path: str) -> None:
        """The editor closed ``path``: the file on disk is what counts again."""
        self._texts.pop(path, None)
        self._analysed.pop(path, None)
        if path in self._overlaid:
            self._pending[path] = None
        else:
            self._pending.pop(path, None)

    def disk_changed(self, paths: Iterable[str]) -> None:
        """Files changed, came or went on disk (a save, a checkout, another tool): read again
        unless the editor holds them."""
        for path in paths:
            if path not in self._texts:
                self._pending[path] = None

    @property
    def open_paths(self) -> list[str]:
        return sorted(self._texts)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    # ---- deriving --------------------------------------------------------------------------------

    def sync(self) -> None:
        """Lay what the editor and the disk changed over the engine, then derive the findings."""
        if self.engine is None:
            return
        if self.results is None and not self._pending:
            self.derive()
            return
        texts: dict[str | Path, str | bytes | None] = {
            p: t for p, t in self._pending.items() if t is not None
        }
        from_disk = [p for p, t in self._pending.items() if t is None]
        self._pending = {}
        if texts:
            self.engine.update(texts, hold_facts=True)
            self._overlaid |= {str(p) for p in texts}
        if from_disk:
            self.engine.refresh(from_disk)
            self._overlaid -= set(from_disk)
        self.derive()

    def derive(self) -> None:
        """The findings of the tree as it is now; a ContractError (a canonical path the edit made
        unresolvable) keeps the last findings and becomes a Problem."""
        assert self.engine is not None
        try:
            result = self.engine.results()
        except ArchguardError as error:
            self._derive_problems = problems_of(error, self.root)
            return
        self._derive_problems = []
        self.results = result
        self._findings = {}
        for path in self._texts:
            self._findings_of(path)
        self._analysed = dict(self._texts)
        self._files = {}
        self._concepts = None

    # ---- what the editor shows -------------------------------------------------------------------

    def findings(self, path: str) -> list[Finding]:
        """The findings of ``path``, each with the span of its statement in the text it was derived
        from, in file order (baselined ones included: ``violation.baselined``)."""
        found = self._findings_of(path)
        if not found:
            return []
        lines = _lines(self._analysed_text(path))
        facts = None if path in (self.engine.tree.held if self.engine else ()) else self._facts(path)
        return [Finding(v, _span(v, facts, lines)) for v in found]

    def _findings_of(self, path: str) -> list[Violation]:
        """The findings of ``path`` as last derived (``Engine.findings``: the engine groups them by
        file once per derivation); while its text does not parse, only its AG001."""
        found = self._findings.get(path)
        if found is None:
            if self.engine is None or self.results is None or self._derive_problems:
                return []
            try:
                found = self.engine.findings(path)
            except ArchguardError:
                return []
            if path in self.engine.tree.held:
                found = [v for v in found if v.code in _BROKEN]
            self._findings[path] = found
        return found

    def violation(self, path: str, fingerprint: str) -> Violation | None:
        return next((v for v in self._findings_of(path) if v.fingerprint == fingerprint), None)

    def analysed_text(self, path: str) -> str | None:
        """The text of an open document its findings were derived from (None: not derived yet)."""
        return self._analysed.get(path)

    def fixed_text(self, path: str, fingerprints: Iterable[str] | None = None) -> str | None:
        """The text of ``path`` with its fixable findings (those of ``fingerprints``; None: every
        one) rewritten to the canonical import by ``archguard fix``'s own rewrite; None when there
        is nothing it can rewrite."""
        text = self._analysed.get(path)
        file = self._file(path)
        if text is None or file is None:
            return None
        chosen = None if fingerprints is None else set(fingerprints)
        violations = [
            v for v in self._findings_of(path) if v.fixable and (chosen is None or v.fingerprint in chosen)
        ]
        edits = plan_fix(violations).edits.get(path)
        if not edits:
            return None
        encoding = _encoding(text)
        try:
            source = text.encode(encoding)
            rewrite = rewrite_imports(path, source, file.rewrite_package, edits)
            return rewrite.source.decode(encoding) if rewrite.source != source else None
        except (RewriteError, UnicodeError, LookupError):
            return None

    def add_to_baseline(self, path: str, fingerprint: str) -> bool:
        """Record the finding in the configured baseline file (its other entries, and what people
        wrote on them, kept); False when there is no baseline or no such failing finding."""
        violation = self.violation(path, fingerprint)
        options = self.options
        baseline = options.baseline if options is not None else None
        if options is None or baseline is None or violation is None or violation.baselined:
            return False
        if violation.severity is not Severity.ERROR:
            return False
        entries = baseline_file.read_baseline(baseline)
        if all(e.get("fingerprint") != fingerprint for e in entries):
            baseline_file.write_baseline(
                baseline,
                [*entries, baseline_file.baseline_entry(violation)],
                root=options.root,  # confined to ROOT as the CLI's writes are
            )
        self.reload("baseline")
        return True

    def hover(self, path: str, line: int, column: int) -> str | None:
        """Markdown for the imported name under (``line`` from 1, ``column`` in characters from 0):
        where it comes from, the concept it belongs to and its canonical path, and for a name that
        does not resolve, why. None when no import is there."""
        facts, file, text = self._facts(path), self._file(path), self._analysed_text(path)
        if facts is None or file is None or self.engine is None:
            return None
        lines = _lines(text)
        word = _word_at(lines[line - 1] if 0 < line <= len(lines) else "", column)
        if word is None:
            return None
        for fact in facts.imports:
            if not fact.line <= line <= fact.end_line or fact.kind is ImportKind.DYNAMIC:
                continue
            names = {fact.name, fact.asname} if fact.kind is ImportKind.FROM else {fact.asname}
            if word in names - {None, "*"}:
                return self._hover_name(file, fact, line)
            if word in fact.module.split("."):
                return self._hover_module(file, fact, word)
        return None

    def _hover_name(self, file: SourceFile, fact: ImportFact, line: int) -> str:
        table = self._table()
        target = file.import_target(fact)
        shown = f"{'.' * fact.level}{fact.module}" if target is None else target
        if fact.kind is ImportKind.FROM:
            asked = f"{shown}:{fact.name}"
            resolution = table.resolve(target, fact.name or "") if target is not None else None
        else:
            asked = shown
            resolution = table.resolve_module(target) if target is not None else None
        parts = [f"**archguard** · `{asked}`"]
        parts += _describe(resolution, self._concept_index())
        parts += [
            f"{v.code}: {v.message}"
            for v in self._findings_of(file.path)
            if v.line == fact.line
            and (not v.imported or v.imported.endswith(f":{fact.name}") or v.imported == asked)
        ]
        return "\n\n".join(parts)

    def _hover_module(self, file: SourceFile, fact: ImportFact, word: str) -> str:
        target = file.import_target(fact) or fact.module
        parts = target.split(".")
        module = ".".join(parts[: parts.index(word) + 1]) if word in parts else target
        found = self._table().resolve_module(module)
        lines = [f"**archguard** · module `{module}`"]
        if found.origin is not None and found.origin.path:
            lines.append(f"file `{found.origin.path}`")
        elif not found.found:
            lines.append(f"not found in the tree ({found.status})")
        return "\n\n".join(lines)

    # ---- helpers ---------------------------------------------------------------------------------

    def _analysed_text(self, path: str) -> str:
        text = self._analysed.get(path)
        if text is None:
            try:
                text = read_regular(self.root / path)[0].decode("utf-8", "replace")
            except OSError:
                text = ""
        return text

    def _facts(self, path: str) -> FileFacts | None:
        return self.engine.facts.get(path) if self.engine is not None else None

    def _file(self, path: str) -> SourceFile | None:
        if not self._files and self.engine is not None:
            self._files = {f.path: f for f in self.engine.files}
        return self._files.get(path)

    def _table(self) -> Any:
        assert self.engine is not None
        return self.engine.table

    def _concept_index(self) -> dict[Origin, ConceptContract]:
        """Each concept contract by the object its canonical path resolves to. The engine reads its
        contracts when first asked: a contract file broken since then leaves the hover without
        concepts (the problem is shown on that file) until it is fixed."""
        if self._concepts is None:
            if self.engine is None:
                return {}
            try:
                concepts = self.engine.concepts
            except ArchguardError:
                return {}
            table = self._table()
            self._concepts = {}
            for concept in concepts:
                origin = table.resolve_target(concept.canonical).origin
                if origin is not None:
                    self._concepts.setdefault(origin, concept)
        return self._concepts


# ---- pure helpers -------------------------------------------------------------------------------


def problems_of(error: ArchguardError, root: Path) -> list[Problem]:
    """Each problem an error names, on the file (and line) it names."""
    if isinstance(error, ContractError):
        messages: Iterable[str] = error.problems
    elif error.path is not None:
        where = _relative(error.path, root)
        prefix = f"{error.path}:{error.line}: " if error.line else f"{error.path}: "
        return [Problem(where, error.line, str(error).removeprefix(prefix))]
    else:
        messages = [str(error)]
    problems = []
    for message in messages:
        match = _WHERE.match(message)
        if match is None:
            problems.append(Problem(None, None, message))
        else:
            path = _relative(match["path"], root)
            problems.append(Problem(path, int(match["line"]), match["message"]))
    return problems


def _relative(path: str, root: Path) -> str:
    given = Path(path)
    if not given.is_absolute():
        return given.as_posix()
    try:
        return given.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(given)


def _lines(text: str) -> list[str]:
    """Lines as Python and LSP count them (``\\n``, ``\\r\\n``, ``\\r``; not form feeds)."""
    return re.split(r"\r\n|\r|\n", text)


def _span(violation: Violation, facts: FileFacts | None, lines: list[str]) -> Span:
    """The whole import statement a finding is about, else the rest of its line."""
    if facts is not None and violation.code not in _BROKEN:
        at_line = [f for f in facts.imports if f.line == violation.line]
        fact = next((f for f in at_line if f.column == violation.column), at_line[0] if at_line else None)
        if fact is not None:
            pieces = fact.statement.split("\n")
            end = fact.column - 1 + len(pieces[0]) if len(pieces) == 1 else len(pieces[-1].rstrip("\r"))
            return Span(fact.line, fact.column - 1, fact.end_line, end)
    line = min(max(violation.line, 1), max(len(lines), 1))
    text = lines[line - 1] if lines else ""
    start = min(max(violation.column - 1, 0), len(text))
    end = max(len(text.rstrip()), start)
    return Span(line, start, line, end)


def _word_at(text: str, column: int) -> str | None:
    for match in _WORD.finditer(text):
        if match.start() <= column <= match.end():
            return match.group()
    return None


def _describe(resolution: Resolution | None, concepts: Mapping[Origin, ConceptContract]) -> list[str]:
    if resolution is None:
        return ["relative import climbs above the top-level package"]
    origin = resolution.origin
    if resolution.found and origin is not None:
        where = f" ({origin.kind}, `{origin.path}:{origin.line}`)" if origin.path else f" ({origin.kind})"
        lines = [f"origin `{origin.target}`{where}"]
        concept = concepts.get(origin)
        if concept is not None:
            text = f"concept **{concept.name}**, canonical `{concept.canonical}`"
            lines.append(f"{text}: {concept.reason}" if concept.reason else text)
        return lines
    if resolution.status in ("external", "dynamic", "unparsed"):
        return [f"not followed ({resolution.status})"]
    hops = " → ".join(f"{m}:{n}" if n else m for m, n in resolution.chain)
    return [f"does not resolve ({resolution.status})" + (f": {hops}" if len(resolution.chain) > 1 else "")]


def _stamp(path: Path) -> tuple[str, int, int] | tuple[str]:
    try:
        status = os.stat(path)
    except OSError:
        return (str(path),)
    return str(path), status.st_mtime_ns, status.st_size


def _same_as_disk(path: Path, text: str) -> bool:
    try:
        return read_regular(path)[0] == text.encode(_encoding(text))
    except (OSError, UnicodeError, LookupError):
        return False


def _encoding(text: str) -> str:
    """The encoding a file of this text declares (PEP 263), UTF-8 when none."""
    head = "\n".join(text.splitlines()[:2]).encode("utf-8", "replace") + b"\n"
    try:
        return tokenize.detect_encoding(io.BytesIO(head).readline)[0]
    except SyntaxError:
        return "utf-8"


__all__ = ["EditorSession", "Finding", "Problem", "Span", "problems_of"]
