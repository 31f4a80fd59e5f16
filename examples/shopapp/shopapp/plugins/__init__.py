"""Plugins, loaded by name."""

from __future__ import annotations

import importlib

ENABLED = ("loyalty", "giftcards")


def load_plugins() -> list[object]:
    loyalty = importlib.import_module("shopapp.plugins.loyalty")
    plugins = [loyalty.LoyaltyPlugin()]
    if "giftcards" in ENABLED:
        giftcards = importlib.import_module("shopapp.plugins.giftcards")
        plugins.append(giftcards.GiftcardPlugin())
    return plugins
