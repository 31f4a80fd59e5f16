"""Concept contracts drafted from ``discover``'s clusters (``discover --write-contracts``,
``init``): one TOML file per cluster, in the format ``check`` loads (docs/contracts.md), with the
evidence as comments above the table so a reviewer can judge the draft before committing it."""

from __future__ import annotations

import json
from collections.abc import Sequence

from archguard.domain.contracts import ConceptContract
from archguard.domain.discovery import Cluster


def draft_file_name(cluster: Cluster) -> str:
    return f"{cluster.name}.toml"


DRAFT_REASON = "drafted by archguard discover: import it from its canonical path"


def drafted_fields(cluster: Cluster) -> tuple[list[str], list[str]]:
    """(``also``, ``allowed_importers``) of a cluster's drafted concept, for both places a draft is
    written (contracts/ and ``.importlinter``). ``also`` names every other object that claims the
    concept (``module:Name``, so a same-named class elsewhere is not swept in); the package holding
    both the canonical module and the implementation may use the implementation (a top-level
    package would exempt everyone: then nobody is)."""
    canonical_module = cluster.canonical.partition(":")[0]
    primary = cluster.definitions[0] if cluster.definitions else None
    also = [
        f"{d.module}:{d.name}"
        for d in cluster.definitions
        if d is not primary and not d.test_double and d.role in ("definition", "wrapper")
    ]
    origin_module = primary.module if primary else canonical_module
    common = _common_package(canonical_module, origin_module)
    return also, [common + ".**"] if common.count(".") >= 1 else []


def render_contract_draft(cluster: Cluster) -> str:
    """The ``[[concept]]`` table for a cluster (see :func:`drafted_fields`), with the evidence as
    comments above it."""
    also, allowed = drafted_fields(cluster)
    lines = [
        f"# Drafted by `archguard discover` (score {cluster.score:g}; evidence: {', '.join(cluster.evidence)}).",
        f"# {cluster.importer_count} files import this concept, {cluster.non_canonical_importers} of them "
        "through a non-canonical path.",
        "# Definitions:",
    ]
    for d in cluster.definitions:
        extra = " (test double)" if d.test_double else ""
        lines.append(f"#   {d.role:<11} {d.module}:{d.name}  {d.path}:{d.line}{extra}")
    lines.append("# Access paths (importing files):")
    for p in cluster.access_paths:
        mark = "  <- canonical" if p.canonical else ""
        lines.append(f"#   {p.target}  {len(p.importers)}{mark}")
    if cluster.shims:
        lines.append(f"# Shims on the way: {', '.join(cluster.shims)}")
    lines += [
        "",
        "[[concept]]",
        f"name = {json.dumps(cluster.name)}",
        f"canonical = {json.dumps(cluster.canonical)}",
    ]
    if also:
        lines.append(f"also = [{', '.join(json.dumps(a) for a in also)}]")
    if allowed:
        lines.append(f"allowed_importers = [{', '.join(json.dumps(a) for a in allowed)}]")
    lines.append(f"reason = {json.dumps(DRAFT_REASON)}")
    return "\n".join(lines) + "\n"


def _common_package(canonical: str, origin: str) -> str:
    """``app.core`` for (``app.core``, ``app.core.engine``); ``app.rt`` for (``app.rt.manager``,
    ``app.rt.impl``); the parent package when both are one module."""
    a, b = canonical.split("."), origin.split(".")
    common: list[str] = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common.append(x)
    if common == a and a != b:
        return canonical  # the canonical module is a package above the implementation
    if common == a:
        return canonical.rpartition(".")[0]
    return ".".join(common)


def project_table(
    *, contracts: str, baseline: str, excludes: list[str], source_roots: Sequence[str] = (), members: int = 1
) -> str:
    """The ``[tool.archguard]`` table ``init`` writes (one, at the workspace root of a monorepo)."""
    lines = [
        "[tool.archguard]",
        "# Written by `archguard init`; options as on the command line (docs/usage.md).",
        f"contracts = {json.dumps(contracts)}",
        f"baseline = {json.dumps(baseline)}",
    ]
    if members > 1:
        lines.append(
            f"# One table for the whole workspace: its {members} members are read from the workspace "
            "configuration on every run (docs/monorepos.md)."
        )
    if source_roots:
        lines.append(f"source_roots = [{', '.join(json.dumps(r) for r in source_roots)}]")
    if excludes:
        lines.append(
            f"exclude = [{', '.join(json.dumps(e) for e in excludes)}]  # stale copies found by discover"
        )
    return "\n".join(lines) + "\n"


def importlinter_draft(packages: list[str], concepts: list[ConceptContract], baseline: str) -> str:
    """A ``.importlinter`` for plain ``lint-imports`` users: the concept contracts of contracts/
    (those ``init`` drafted and those that were there already) as ``canonical`` contracts
    (archguard runs a concept declared in both places once), each named as its concept in
    contracts/ and reading archguard's baseline, so both checkers pass on day one and agree from
    then on."""
    lines = [
        "# Written by `archguard init`: the concept contracts of contracts/, for plain lint-imports.",
        "# archguard check and lint-imports check the same concepts (archguard reads contracts/ and",
        "# runs a concept declared in both places once; each section below is named as its concept).",
        f"# Both accept today's debt from one file, {baseline}: what it records is known, not a",
        "# failure, for either; `archguard check --update-baseline` shrinks it for both. lint-imports",
        "# sees only the root packages (no loose scripts or test folders) and stops at a file in them",
        "# that does not parse; archguard check sees the whole tree. Run lint-imports from this folder.",
        "# A concept added to contracts/ later is checked by archguard only, until it is added here too.",
        "# Add your own layers/forbidden contracts below (https://import-linter.readthedocs.io).",
        "[importlinter]",
        "root_packages =",
        *(f"    {p}" for p in packages),
        "contract_types =",
        "    canonical: archguard.importlinter.CanonicalContract",
    ]
    for concept in concepts:
        lines += [
            "",
            f"[importlinter:contract:{concept.name}]",
            f"name = {concept.name}",
            "type = canonical",
            f"canonical = {concept.canonical}",
        ]
        for option, values in (
            ("also", concept.also),
            ("allowed_importers", concept.allowed_importers),
            ("ignore_imports", concept.ignore_imports),
        ):
            if values:
                lines += [f"{option} =", *(f"    {value}" for value in values)]
        if concept.reason:
            lines.append(f"reason = {' '.join(concept.reason.split())}")  # an INI value holds one line
        lines.append(f"baseline = {baseline}")
    return "\n".join(lines) + "\n"
