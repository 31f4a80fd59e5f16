"""The name rule that tells which definitions claim the same concept, and which are test doubles.

A concept keeps its words and loses its decorations: ``_ManagerImpl``, ``UnifiedManager``,
``LegacyManager`` and ``Manager`` all normalise to ``manager``; ``UnifiedConnectionManager`` and
``ConnectionManager`` to ``connection-manager``. The rule (docs/discover.md):

1. split the name into lower-case words at ``_`` and at case changes (``HTTPServer`` -> http, server);
2. drop decoration words (:data:`AFFIXES`) and version words (``v2``, ``2``) from both ends,
   repeatedly, never from the middle (``BaseImplConfig`` -> config, ``ImplBase`` -> impl... -> ``""``
   falls back to the last word dropped);
3. join what remains with ``-``.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Decorations a drifted codebase puts around one concept's name (GUIDE.md section 1).
# Kept short on purpose: "Generic", "Simple", "Default" name other concepts in real code
# (django's GenericForeignKey, SimpleTemplateResponse), so they are not decorations.
AFFIXES = frozenset(
    {
        "unified",
        "impl",
        "implementation",
        "base",
        "abstract",
        "legacy",
        "compat",
        "isolated",
        "factory",
        "mock",
        "fake",
        "stub",
        "dummy",
        "old",
        "new",
    }
)
_VERSION = re.compile(r"^v?\d+$")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")

# Test doubles: claimed by their name, or by living in test code.
_DOUBLE_WORDS = ("mock", "fake", "stub", "dummy", "spy")
# Names every other module has for its own purpose; they never make a concept by name alone.
GENERIC_NAMES = frozenset(
    {
        "main",
        "setup",
        "teardown",
        "run",
        "init",
        "config",
        "configure",
        "settings",
        "app",
        "application",
        "cli",
        "handler",
        "handle",
        "register",
        "plugin",
        "load",
        "get",
        "create",
        "build",
        "make",
        "test",
        "check",
        "validate",
        "default",
        "options",
        "meta",
        "helper",
        "helpers",
        "util",
        "utils",
        "base",
        "error",
        "exception",
        "logger",
        "log",
        "version",
        "manager",
    }
)
# Verbs that make a function a factory of the concept its remaining words name.
FACTORY_VERBS = ("get", "create", "make", "build", "new", "init", "provide", "default")


def words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]  # "_" is in no word: it splits too


@lru_cache(maxsize=1 << 16)  # a big tree names its helpers alike: most names repeat
def normalise(name: str) -> str:
    """The concept a name claims, by the rule above (``"_ManagerImpl"`` -> ``"manager"``)."""
    parts = words(name)
    if not parts:
        return name.lower()
    last_dropped = parts[-1]
    while parts and (parts[0] in AFFIXES or _VERSION.match(parts[0])):
        last_dropped = parts.pop(0)
    while parts and (parts[-1] in AFFIXES or _VERSION.match(parts[-1])):
        last_dropped = parts.pop()
    return "-".join(parts) if parts else last_dropped


@lru_cache(maxsize=1 << 16)
def factory_concept(name: str) -> str | None:
    """``create_manager`` / ``make_connection_manager`` -> the concept it builds; None when the
    name does not start with a factory verb."""
    parts = words(name)
    if len(parts) < 2 or parts[0] not in FACTORY_VERBS:
        return None
    rest = normalise("_".join(parts[1:]))
    return rest or None


def is_generic(concept: str) -> bool:
    """A one-word concept every package may define for itself (``main``, ``Config``)."""
    return concept in GENERIC_NAMES or concept.startswith("test")


@lru_cache(maxsize=1 << 16)
def is_test_path(path: str, module: str) -> bool:
    """Test code: a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = path.split("/")
    file = parts[-1]
    if file == "conftest.py" or file.startswith("test_") or file.endswith("_test.py"):
        return True
    return any(p in ("tests", "test", "testing") for p in parts[:-1]) or ".tests." in f".{module}."


def is_test_double(name: str, path: str, module: str) -> bool:
    """A fake, mock, stub or test case: kept apart from production definitions."""
    lowered = name.lower().lstrip("_")
    if lowered.startswith(("test", *_DOUBLE_WORDS)) or lowered.endswith(_DOUBLE_WORDS):
        return True
    return is_test_path(path, module)
