"""Pure analysis over domain values: symbol provenance, dangling imports, concept contracts.

No I/O here: everything works on the ``SourceFile`` list and the per-file ``FileFacts``.
"""

from archguard.analysis.concepts import check_concepts, validate_contracts
from archguard.analysis.dangling import dangling_violations, find_dangling
from archguard.analysis.symbols import Origin, Resolution, SymbolTable

__all__ = [
    "Origin",
    "Resolution",
    "SymbolTable",
    "check_concepts",
    "dangling_violations",
    "find_dangling",
    "validate_contracts",
]
