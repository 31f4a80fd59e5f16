"""Every import that starts a broken dependency, whatever chains grimp happened to report.

A broken ``forbidden``, ``layers`` or ``independence`` contract is a dependency (``app.ui`` reaches
``app.db``); archguard reports it where it starts: at each *first hop*, the direct import out of the
downstream package that begins a chain to the forbidden one. grimp does not list them all. It
reports a sample of chains, cutting each chain's imports out of the search once found, so when two
modules reach ``app.db`` through one shared import only one of them is reported, and which one
depends on the graph's internal order: it changed with ``PYTHONHASHSEED``, and changes with any
edit that adds a module. A baseline recorded from one sample then met "new" violations and stale
entries on an unchanged tree.

So the contract is checked again on the graph without the first hops found so far, until it
passes: each pass reports only first hops not seen yet, and when the contract passes every first
hop is known (any import left out of the downstream package that begins a chain would still break
it; the chains' middles are never cut, since a shortest chain never passes back through its own
downstream package). The set is a function of the tree alone, in whatever order it was found. Two
things keep the passes few:

- every module on a reported chain is known to reach the forbidden module by an allowed route, so
  every import into it from the downstream package is a first hop too, taken at once;
- for contracts whose dependencies' chains may cross each other's packages (``forbidden``: a chain
  from ``app.ui`` may pass through source module ``app.api``), the imports removed for one
  downstream package would cut another's chains, so each downstream package is completed on a
  graph without only its own first hops. ``layers`` and ``independence`` chains never enter
  another layer, so one graph serves them all.

The chain shown for a first hop is the shortest found (then the first by name); the graph is built
in name order (``grimp_graph``), so for one tree it is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archguard.adapters.importlinter_bridge.grimp_graph import copy_on_write

if TYPE_CHECKING:
    import grimp

    from archguard.adapters.importlinter_bridge.importlinter_compat import Contract, ContractCheck, Offence

# A contract still broken after this many checks keeps the first hops found (a notice says so):
# each pass finds at least one new first hop, so only a tree with that many imports hidden behind
# one another reaches it.
MAX_PASSES = 64

Hop = tuple[str, str]  # (importer, imported) of a first-hop import


@dataclass
class CompletedCheck:
    """The first check's verdict, the first hops of every broken dependency, the offences that are
    not chains (undeclared layers, protected imports, cycle breakers: each one import already)."""

    check: ContractCheck
    hops: list[Offence] = field(default_factory=list)
    others: list[Offence] = field(default_factory=list)
    passes: int = 1
    complete: bool = True


def check_completely(contract: Contract, graph: grimp.ImportGraph) -> CompletedCheck:
    """``contract.check`` on a copy of ``graph``, then again without the first hops found, until
    every import that starts a broken dependency is known."""
    from archguard.adapters.importlinter_bridge import importlinter_compat as compat

    # contracts remove their ignore_imports (and chains found) from the graph they get: theirs is a
    # copy, made when one does (import-linter's own contract types use grimp's public methods alone)
    checked = (
        copy_on_write(graph) if type(contract).__module__.startswith("importlinter.") else deepcopy(graph)
    )
    first = contract.check(checked, verbose=False)
    result = CompletedCheck(first)
    if first.kept:
        return result
    found = _Hops(compat.chains_start_in_subpackages(contract))
    for offence in compat.offences(first.metadata):
        if offence.chain:
            found.add(offence, checked)
        else:
            result.others.append(offence)
    if found.hops:

        def recheck(without: Iterable[Hop]) -> tuple[ContractCheck, grimp.ImportGraph]:
            result.passes += 1
            copy = deepcopy(graph)
            for importer, imported in without:
                copy.remove_import(importer=importer, imported=imported)
            return contract.check(copy, verbose=False), copy

        if compat.chains_stay_apart(contract):
            result.complete = _complete(found, recheck, None, result)
        else:
            done: set[str] = set()
            while pending := sorted(found.downstreams - done):
                done.add(pending[0])
                result.complete = _complete(found, recheck, pending[0], result) and result.complete
    result.hops = found.ordered()
    return result


def _complete(
    found: _Hops,
    recheck: Callable[[Iterable[Hop]], tuple[ContractCheck, grimp.ImportGraph]],
    downstream: str | None,
    result: CompletedCheck,
) -> bool:
    """Check again without the first hops of ``downstream``'s dependencies (None: of every one)
    until no new one of them appears; False when stopped by :data:`MAX_PASSES`."""
    from archguard.adapters.importlinter_bridge import importlinter_compat as compat

    def mine(offence: Offence) -> bool:
        return downstream is None or offence.downstream == downstream

    while True:
        if result.passes >= MAX_PASSES:
            return False
        check, graph = recheck(hop for hop, offence in found.hops.items() if mine(offence))
        if check.kept:
            return True
        new = False
        for offence in compat.offences(check.metadata):
            if offence.chain:
                new = (found.add(offence, graph) and mine(offence)) or new
        if not new:
            return True


class _Hops:
    """First hops by (importer, imported), each with the best chain seen to explain it."""

    def __init__(self, in_subpackages: bool) -> None:
        self.hops: dict[Hop, Offence] = {}
        self.downstreams: set[str] = set()
        self._in_subpackages = in_subpackages

    def add(self, offence: Offence, graph: grimp.ImportGraph) -> bool:
        """Record a reported first hop and every first hop its chain proves; True if any is new."""
        new = self._keep(offence)
        self.downstreams.add(offence.downstream)
        for i, module in enumerate(offence.chain[1:], start=1):
            for importer in graph.find_modules_that_directly_import(module):
                if (importer, module) in self.hops or not self._starts(offence.downstream, importer):
                    continue
                lines = tuple(
                    sorted(
                        d["line_number"] for d in graph.get_import_details(importer=importer, imported=module)
                    )
                )
                modules = (importer, *offence.chain[i:])
                proven = _onto_chain(offence, importer, module, lines, modules)
                new = self._keep(proven) or new
        return new

    def _starts(self, downstream: str, module: str) -> bool:
        if module == downstream:
            return True
        return self._in_subpackages and module.startswith(downstream + ".")

    def _keep(self, offence: Offence) -> bool:
        hop = (offence.importer, offence.imported)
        known = self.hops.get(hop)
        if known is None or _rank(offence) < _rank(known):
            self.hops[hop] = offence
        return known is None

    def ordered(self) -> list[Offence]:
        return [self.hops[hop] for hop in sorted(self.hops)]


def _onto_chain(
    offence: Offence, importer: str, imported: str, lines: tuple[int, ...], chain: tuple[str, ...]
) -> Offence:
    """The offence of another first hop onto the same chain (same dependency, same heading)."""
    from archguard.adapters.importlinter_bridge.importlinter_compat import Offence

    return Offence(
        importer,
        imported,
        lines,
        f"{offence.heading}: {' -> '.join(chain)}",
        heading=offence.heading,
        downstream=offence.downstream,
        chain=chain,
    )


def _rank(offence: Offence) -> tuple[int, str]:
    """The chain shown for a first hop: the shortest, then the first by text."""
    return len(offence.chain), offence.explanation
