"""The report's diagrams: a neutral model, one DOT writer, one builder per kind of diagram.

- ``model``: :class:`Diagram` (nodes, edges, groups, legend) and the node and edge styles;
- ``dot``: :func:`to_dot`, the only place that writes DOT and escapes for it;
- ``cluster``, ``overview``, ``cycle``, ``focus``, ``golden_path``, ``matrix``: the builders, each
  bounded so that a 10,000-file codebase still gives a picture a person can read (what was left
  out is said in the diagram's title).
"""
