"""Fixture trees on disk, scanned the way archguard scans them (discovery + fact extraction),
for the grimp-graph and import-linter tests."""

from __future__ import annotations

from pathlib import Path

import grimp

from archguard.adapters.discovery import discover
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


def scan(root: Path) -> tuple[list[SourceFile], dict[str, FileFacts]]:
    """Every discovered file, and facts for those that parse (broken files get none)."""
    files = discover(root).files
    facts: dict[str, FileFacts] = {}
    for source in files:
        text = (root / source.path).read_text(encoding="utf-8")
        try:
            facts[source.path] = extract_facts(text)
        except SyntaxError:
            pass
    return files, facts


def edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {(i["importer"], i["imported"]) for i in graph.find_matching_direct_imports("** -> **")}
