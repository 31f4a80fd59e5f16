"""Older settings helper: a second, diverging definition of load_settings."""

import json
import os


def load_settings(path="settings.json"):
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        return json.load(fh)


def get_setting(name, default=None):
    return load_settings().get(name, default)
