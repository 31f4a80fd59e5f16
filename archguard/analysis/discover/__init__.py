"""``archguard discover``: fragmentation found with no configuration (docs/discover.md).

Pure analysis over the scan's facts and the symbol table; networkx for the graph questions.

- ``names``: the name-normalisation rule and what counts as a test double
- ``modules``: the module import graph (networkx) the cycle and hotspot analyses share
- ``candidates``: concept candidates (access paths, same-name definitions, wrappers, factories)
  and their clusters on the provenance graph, with one score each
- ``shims``: modules that only re-export
- ``copies``: stale duplicates (backup names, backup folders, near-identical content)
- ``cycles``: import cycles (strongly connected components), shortest cycle, breaker imports
- ``hotspots``: modules ranked by the fragmentation and coupling that runs through them
"""
