"""The user's import-linter contracts (AG301), run by import-linter on archguard's graph of the
whole tree (``adapters/importlinter_bridge``).

The graph is a function of the files and their import facts alone, and which imports break a
contract is a function of its shape (its modules and edges) alone; the lines only say where each
offending import is. So each file's imports are digested in parts (:func:`import_digest`): what
its edges are, and where they are.

* No file's imports changed (an edit that adds a class, a function, a name): the last findings
  stand and no graph is built.
* Imports moved, the shape stayed (lines inserted above an import, a statement reformatted): the
  last findings are located again from the moved files' facts (``relocate_violations``), without
  building, copying or checking the graph.
* The shape changed (an edge added or removed, a file come or gone): import-linter checks the
  contracts again on the graph, patched for the edit. An import that makes no new edge (of a
  module the file imports already, of a module that does not exist, of a package outside the tree
  where the configuration leaves those out) changes no shape.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord
from archguard.domain.facts import FileFacts, ImportKind
from archguard.domain.findings import Violation, assign_fingerprints
from archguard.domain.import_edges import EdgeRule, imported_object
from archguard.domain.sources import SourceFile

PART = 16  # bytes of each part of an import digest


def import_digest(
    file: SourceFile, file_facts: FileFacts, rule: EdgeRule, objects: Sequence[str | None] | None = None
) -> bytes:
    """A digest of one file's imports as the graph and import-linter's findings read them, in three
    parts: the file's edges to modules of the tree, its edges to packages outside it (each edge's
    imported module, ``TYPE_CHECKING`` and ``lazy`` marks, as sets: :func:`shape_of`), and where
    its imports are (lines, columns, statements). Dynamic imports (``importlib.import_module``)
    are left out: grimp never sees them, nor does the graph. So an edit that adds ``import os``
    changes no graph but one that includes external packages, and an edit that adds an import of a
    module the file imports already, or of a module that does not exist (no edge), changes none.

    ``objects``: each import's object (``import_edges.imported_object``) in ``file_facts.imports``'
    order when the caller made them already (``FileEdges.targets``): the edges are then those of
    ``rule.edges(file, file_facts, external=True, dynamic=False)`` without making them again."""
    imports = file_facts.imports
    if objects is None:
        objects = [imported_object(file, fact) for fact in imports]
    module_of = rule.module_of
    outside_package = rule.outside_package
    inside: set[tuple[str, bool, bool]] = set()
    outside: set[tuple[str, bool, bool]] = set()
    places = []
    dynamic = ImportKind.DYNAMIC
    for fact, obj in zip(imports, objects, strict=True):
        if fact.kind is dynamic:
            continue
        places.append((fact.line, fact.column, fact.statement))
        if obj is None:
            continue
        imported = module_of(obj)
        if imported is not None:
            inside.add((imported, fact.type_checking, fact.lazy))
        elif (top := outside_package(obj)) is not None:
            outside.add((top, fact.type_checking, fact.lazy))
    # marshal's version 0: no back-references, so equal values always give equal bytes (keys.digest)
    return _digest(sorted(inside)) + _digest(sorted(outside)) + _digest(places)


def shape_of(digest: bytes, *, externals: bool = False) -> bytes:
    """The part of an :func:`import_digest` that says what a file's edges are in a graph with or
    without the packages outside the tree (import-linter's ``include_external_packages``)."""
    return digest[: 2 * PART if externals else PART]


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(marshal.dumps(value, 0), digest_size=PART).digest()


class ImportLinterPass(TreePass):
    name = "import-linter"

    def __init__(self) -> None:
        # the import digests the last record stands for (in memory: which files an edit moved)
        self._digests: tuple[bytes, Sequence[bytes]] | None = None

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        config = run.importlinter
        if config is None:
            return None
        key = run.graph_inputs_key()
        display = config.display_path
        reusable = prior is not None and run.importlinter_identity is not None
        record: PassRecord | None = None
        if prior is not None and reusable and prior.key == key:
            record = prior
        elif prior is not None and reusable and prior.shape == self._shape(run):
            relocated = self._relocated(run, prior)
            if relocated is not None:
                record = replace(prior, key=key, violations=tuple(assign_fingerprints(relocated)))
        if record is None:
            from archguard.adapters.importlinter_bridge.importlinter_runner import run_config

            result = run_config(config, lambda: run.graph, run.files, run.facts)
            record = PassRecord(
                self.name,
                key=key,
                shape=self._shape(run),
                violations=tuple(assign_fingerprints(result.violations)),
                kept=tuple(result.kept),
                broken=tuple(result.broken),
                warnings=tuple(result.warnings),
            )
        self._digests = (key, run.import_digests())
        return TreeOutcome(
            record,
            list(record.violations),
            [*record.kept, *record.broken],
            [f"{display}: {warning}" for warning in record.warnings],
        )

    @staticmethod
    def _shape(run: CheckRun) -> bytes:
        return run.graph_shape_key(externals=bool(run.importlinter.include_external_packages))

    def _relocated(self, run: CheckRun, prior: PassRecord) -> list[Violation] | None:
        """The prior findings located again for the imports that moved since (the importers of the
        files whose import digests changed, when this pass knows the digests the prior record
        stands for; else every importer)."""
        from archguard.adapters.importlinter_bridge.importlinter_runner import relocate_violations

        digests = run.import_digests()
        importers: set[str] | None = None
        if (
            self._digests is not None
            and self._digests[0] == prior.key
            and len(self._digests[1]) == len(digests)
        ):
            files = run.files
            importers = {
                files[i].module
                for i, (a, b) in enumerate(zip(self._digests[1], digests, strict=True))
                if a != b
            }
        return relocate_violations(
            run.importlinter,
            prior.violations,
            prior.broken,
            run.files,
            run.facts,
            importers,
            rule=run.edge_rule,
        )
