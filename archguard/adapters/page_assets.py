"""The script index.html inlines: ``archguard/assets/page.js``, built from ``js/`` (tables, filters,
the dependency matrix and the import-graph explorer, with cytoscape.js and dagre bundled; their
licences head the file). Shipped in the package, so a report needs no Node.js and no network."""

from __future__ import annotations

import functools
from importlib.resources import files


@functools.cache
def page_script() -> str:
    return (files("archguard") / "assets" / "page.js").read_text(encoding="utf-8")
