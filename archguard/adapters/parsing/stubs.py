"""The ``.pyi`` stubs that sit beside modules: what names those modules serve.

lazy_loader's ``__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)`` (scikit-image,
and much of scientific Python) serves exactly the names the ``__init__.pyi`` beside the module
imports, so a name import from such a module is checked against the stub. Stubs are few (a handful
per package), so they are read and parsed here, in this process, and never cached; their content
hashes go into the results cache key instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from archguard.adapters.cache.facts_cache import blob_id
from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.source_text import UnreadableSource, decode_source
from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


@dataclass(frozen=True, slots=True)
class Stub:
    file: SourceFile  # the .pyi, named as the module it describes
    facts: FileFacts
    digest: bytes


def read_stubs(root: Path, stubs: Sequence[SourceFile]) -> dict[str, Stub]:
    """Module -> its stub, for every stub that reads and parses. A stub that does not is ignored:
    the module is then judged by its own source alone, as without a stub."""
    found: dict[str, Stub] = {}
    for stub in stubs:
        try:
            data = read_regular(root / stub.path, confine_to=root)[0]  # never blocks, never leaves ROOT
        except OSError:
            continue
        read = stub_of(stub, data)
        if read is not None:
            found[stub.module] = read
    return found


def stub_of(stub: SourceFile, data: bytes) -> Stub | None:
    """The stub ``stub`` holding ``data`` (a commit's blob: ``Tree.at_commit``); None: it does not
    read or parse, and is ignored as :func:`read_stubs` ignores it."""
    try:
        facts = extract_facts(decode_source(data))
    except (UnreadableSource, SyntaxError, RecursionError, MemoryError):
        return None
    return Stub(stub, facts, blob_id(data))
