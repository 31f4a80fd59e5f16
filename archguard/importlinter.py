"""``CanonicalContract``: archguard's concept contract as an import-linter contract type.

Register it in any import-linter configuration and plain ``lint-imports`` enforces it::

    [importlinter]
    root_packages = app
    contract_types =
        canonical: archguard.importlinter.CanonicalContract

    [importlinter:contract:ws]
    name = One import path for the connection manager
    type = canonical
    canonical = app.realtime.manager:ConnectionManager
    also =
        UnifiedConnectionManager
    allowed_importers =
        app.realtime.**
    ignore_imports =
        app.legacy.* -> app.realtime.compat
    baseline = archguard-baseline.json

``archguard check`` reads the same section and runs the contract itself, over the whole tree.
``baseline`` (optional) is archguard's baseline file: what it records as known is not a failure
under ``lint-imports`` either, so the two checkers agree (``archguard init`` writes it).
"""

from __future__ import annotations

import datetime
import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import grimp
from importlinter import Contract, ContractCheck, fields, output

from archguard.adapters.importlinter_bridge.importlinter_compat import (
    InvalidContractOptions,
    TextField,
    unrecognized_options,
)
from archguard.adapters.project_files.baseline_file import read_baseline
from archguard.analysis.baseline import settle_baseline
from archguard.analysis.concepts import ConceptIndex, check_concepts, validate_contracts
from archguard.domain.contracts import ConceptContract, split_target
from archguard.domain.findings import Severity, Violation

if TYPE_CHECKING:  # only for the annotation: importing app at load time would be circular
    from archguard.app import Workspace

# Codes whose violation is an import statement, rendered as "X imports Name from Y".
_IMPORT_CODES = frozenset({"AG101", "AG102"})


class CanonicalContract(Contract):
    """One concept, one import path: every import of the concept must use ``canonical``.

    Options: ``canonical`` (``module:Name``, required), ``also`` (other names of the same
    concept), ``allowed_importers`` (module expressions that may use other paths),
    ``ignore_imports`` (import-linter ``importer -> imported`` expressions), ``reason``, and
    ``baseline``: archguard's baseline file (relative to the folder holding the root packages,
    above a ``src/``: the project root). Its live entries cover their violations here as under
    ``archguard check --baseline``, matched by fingerprint, which includes the contract's name:
    name the section as the concept in ``contracts/`` (``archguard init`` does). Expired entries
    cover nothing. Under ``archguard check`` the option is ignored: ``--baseline`` applies there.

    Under ``lint-imports`` the contract sees what import-linter sees: the ``root_packages`` only, no
    loose scripts or test folders without ``__init__.py``, and a syntax error anywhere aborts the
    run before any contract is checked (grimp cannot build the graph). ``archguard check`` runs the
    same contract natively over every file, broken ones reported as findings.

    The root packages are located with ``importlib.util.find_spec`` of their top-level names,
    which finds them on ``sys.path`` without importing them, and all of them must sit in one
    folder (or its ``src/``). Their files are then read with archguard's own fact extraction:
    the code is never imported or executed.
    """

    type_name = "canonical"

    canonical = fields.StringField()
    also = fields.ListField(subfield=fields.StringField(), required=False)
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)
    ignore_imports = fields.ListField(subfield=fields.ImportExpressionField(), required=False)
    reason = TextField(required=False)
    baseline = fields.StringField(required=False)

    def validate(self) -> None:
        unrecognized = unrecognized_options(type(self), self.contract_options)
        if unrecognized:  # import-linter 2.16 on has refused them already; older releases do not
            raise InvalidContractOptions(unrecognized)
        module, name = split_target(str(self.canonical))
        if not module or not name or not all(part.isidentifier() for part in module.split(".")):
            raise InvalidContractOptions(
                {"canonical": f"Expected module:Name (e.g. app.core:Manager), got '{self.canonical}'."}
            )

    def to_concept_contract(self, source: str = "") -> ConceptContract:
        """The domain contract archguard runs natively (``archguard check`` asks for this)."""
        return ConceptContract(
            name=self.name,
            canonical=str(self.canonical),
            also=tuple(self.also or ()),  # type: ignore[arg-type]
            allowed_importers=tuple(str(e) for e in self.allowed_importers or ()),  # type: ignore[union-attr]
            ignore_imports=tuple(str(e) for e in self.ignore_imports or ()),  # type: ignore[union-attr]
            reason=str(self.reason) if self.reason else None,
            source=source,
        )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        concept = self.to_concept_contract(source=f"contract '{self.name}'")
        if concept.canonical_module not in graph.modules:
            raise ValueError(f"Module '{concept.canonical_module}' does not exist.")

        packages = [name.split(".")[0] for name in self.session_options["root_packages"]]
        scan_root, source_roots = _package_roots(packages)
        output.verbose_print(verbose, f"Scanning {', '.join(packages)} under {scan_root}...")
        session = _session(scan_root, packages, source_roots)
        scan, table = session.workspace.scan, session.workspace.table
        validate_contracts(table, [concept])  # ContractError: lint-imports prints it as any error

        violations = [
            v
            for v in check_concepts(table, scan.files, scan.facts, [concept], session.index)
            if v.severity is Severity.ERROR
        ]
        known = 0
        if self.baseline:
            settled = settle_baseline(
                violations, read_baseline(scan_root / str(self.baseline)), datetime.date.today().isoformat()
            )
            violations = [v for v in settled.violations if not v.baselined]
            known = len(settled.violations) - len(violations)
        return ContractCheck(kept=not violations, metadata={"violations": violations, "baselined": known})

    def render_broken_contract(self, check: ContractCheck) -> None:
        module, name = split_target(str(self.canonical))
        for violation in check.metadata["violations"]:
            output.print_error(f"{_describe(violation)}; use: from {module} import {name}", bold=False)
        output.new_line()
        known = check.metadata.get("baselined", 0)
        if known:
            output.print(f"({known} more recorded in the baseline {self.baseline}: known, not failures)")
            output.new_line()
        if self.reason:
            output.print(f"Reason: {self.reason}")
            output.new_line()


class _Session:
    """One scan and one symbol table for every CanonicalContract of a ``lint-imports`` run (they
    all see the same root packages), and the concept index that lets each contract look only at
    the files reaching its objects: N contracts cost about what one does."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._index: ConceptIndex | None = None

    @property
    def index(self) -> ConceptIndex:
        if self._index is None:
            scan = self.workspace.scan
            self._index = ConceptIndex(self.workspace.table, scan.files, scan.facts)
        return self._index


_SESSIONS: dict[tuple[Path, tuple[str, ...], tuple[str, ...]], _Session] = {}


def _session(scan_root: Path, packages: list[str], source_roots: tuple[str, ...] = ()) -> _Session:
    """The scan of the root packages this process made already, or a new one."""
    key = (scan_root, tuple(dict.fromkeys(packages)), source_roots)
    found = _SESSIONS.get(key)
    if found is None:
        found = _SESSIONS[key] = _Session(_scan_packages(scan_root, list(key[1]), source_roots))
    return found


def _scan_packages(scan_root: Path, packages: list[str], source_roots: tuple[str, ...] = ()) -> Workspace:
    """archguard's own scan of the root packages only: what import-linter would see."""
    # Imported here, not at module level: archguard.app imports the adapter that reads
    # import-linter configuration, which in turn may load this module as a plugin.
    from archguard.adapters.project_files.project_config import read_project_options
    from archguard.app import Options, scan_workspace

    # The files `archguard check` leaves out ([tool.archguard] exclude, e.g. the stale copies
    # `init` found) are left out here too: one concept, one set of files, one set of findings.
    excludes = tuple(read_project_options(scan_root).get("exclude") or ())
    return scan_workspace(
        Options(
            root=scan_root,
            packages=tuple(dict.fromkeys(packages)),
            excludes=excludes,
            source_roots=source_roots,
            include_loose=False,
        )
    )


def _describe(violation: Violation) -> str:
    where = f"{violation.path}:{violation.line}"
    if violation.code in _IMPORT_CODES and ":" in violation.imported:
        imported_module, imported_name = split_target(violation.imported)
        return f"{where}: {violation.importer} imports {imported_name} from {imported_module}"
    return f"{where}: {violation.message}"


def _package_roots(packages: list[str]) -> tuple[Path, tuple[str, ...]]:
    """The folder to scan and the source roots in it that hold the root packages (their
    ``sys.path`` entries), found without importing. A package installed from a monorepo's member
    (``libs/a/src/acme_a``) or a namespace package spread over several (``acme``) gives one root
    per folder; their common folder is scanned, each root analysed as a source root of it."""
    entries: dict[Path, None] = {}
    for package in dict.fromkeys(packages):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"Could not find package '{package}' in your Python path.")
        for location in spec.submodule_search_locations:
            entries[Path(location).resolve().parent] = None
    folders = [entry.parent if entry.name == "src" and len(entries) == 1 else entry for entry in entries]
    common = Path(os.path.commonpath([str(p) for p in folders]))
    if len(folders) > 1 and not any((common / marker).exists() for marker in ("pyproject.toml", ".git")):
        # Not one project's folders (one package installed, another in the tree): scanning their
        # common folder could mean scanning the whole disk.
        raise ValueError(
            "CanonicalContract needs every root package in one project (a workspace root with its "
            "pyproject.toml); found them in "
            + ", ".join(sorted(map(str, folders)))
            + ". Run 'archguard check ROOT' on the project instead."
        )
    roots = tuple(sorted(p.relative_to(common).as_posix() for p in folders if p != common))
    return common, roots
