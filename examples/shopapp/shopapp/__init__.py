"""shopapp: a small online shop (example codebase for archguard)."""

__version__ = "3.4.1"
