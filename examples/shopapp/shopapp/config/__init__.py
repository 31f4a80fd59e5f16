"""Configuration."""

from .loader import load_settings

__all__ = ["load_settings"]
