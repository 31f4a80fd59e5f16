"""Reading one file into facts: decoding source bytes (``source_text``), the worker pool that parses
every file once (``scanner``), ruff as the judge of syntax by target version (``syntax_judge``),
the fact walkers over CPython's ``ast`` and libcst (``facts_ast``, ``facts_cst``, sharing
``facts_builder``), and the PEP 695 down-levelling that lets an older ``ast`` read newer files."""
