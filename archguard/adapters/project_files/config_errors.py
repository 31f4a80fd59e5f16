"""Moved: ``ConfigError`` lives in :mod:`archguard.domain.errors`. This re-export only keeps branches
written before the move importable until they are merged; import from the domain instead."""

from archguard.domain.errors import ConfigError

__all__ = ["ConfigError"]
