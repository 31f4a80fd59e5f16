"""The page's script (``archguard/assets/page.js``) is committed, built by ``js/build.mjs`` from
``js/src`` and the locked npm packages: it must be the build of today's sources (its first line
records their SHA-256, computed here as build.mjs computes it), carry its libraries' licences, and
be shipped with the package."""

from __future__ import annotations

import hashlib
import json
import re

from archguard.adapters.page_assets import page_script
from tests.helpers import REPO

JS = REPO / "js"


def sources_digest() -> str:
    digest = hashlib.sha256()
    names = [f"src/{p.name}" for p in sorted((JS / "src").glob("*.js"), key=lambda p: p.name)] + ["package-lock.json"]
    for name in names:
        digest.update((name + "\n").encode())
        digest.update((JS / name).read_bytes())
    return digest.hexdigest()


def test_the_committed_bundle_is_the_build_of_todays_sources() -> None:
    script = page_script()
    recorded = re.match(r"/\* archguard report page, sources sha256 ([0-9a-f]{64})\.", script)
    assert recorded, script[:200]
    assert recorded.group(1) == sources_digest(), (
        "js/src or js/package-lock.json changed since archguard/assets/page.js was built: "
        "run `cd js && npm ci && node build.mjs` and commit the result"
    )


def test_the_bundle_names_its_libraries_and_their_licences() -> None:
    lock = json.loads((JS / "package-lock.json").read_text(encoding="utf-8"))
    script = page_script()
    head = script[: script.index("*/", script.index("*/") + 2)]
    for name in ("cytoscape", "cytoscape-dagre"):
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"{name} {version} (MIT)" in head
    assert "@dagrejs/dagre" in head and head.count("Permission is hereby granted") == 3
    licences = (REPO / "archguard" / "assets" / "page.js.LICENSES.txt").read_text(encoding="utf-8")
    assert licences.count("Permission is hereby granted") == 3
    assert "</script" not in script.lower()  # inlined in the page's <script> element


def test_the_package_ships_the_bundle() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"assets/page.js"' in pyproject and '"assets/page.js.LICENSES.txt"' in pyproject
