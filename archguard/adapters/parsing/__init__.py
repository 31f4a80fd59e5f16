"""Reading one file into facts.

* ``scanner``: every file once, the orchestration only (cache by stat, read + parse, judge,
  newer syntax, files changed meanwhile); it returns a ``ScanOutput``;
* ``parse_file``: what a worker does with one file (every read of a source file is there);
* ``workers``: the process pool, its crash isolation and the per-file deadline;
* ``ruff_verdicts``: what the scanner asks ruff, and what it does without ruff; ``syntax_judge``:
  ruff itself, the judge of syntax by target version;
* ``lazy_facts``: the facts mapping built on first use;
* ``source_text``: bytes to text; ``facts_ast``, ``facts_cst``: the fact walkers over CPython's
  ``ast`` and libcst, sharing ``facts_builder``; ``downlevel``: the PEP 695 rewrite that lets an
  older ``ast`` read newer files; ``cst_positions``, ``stubs``: their helpers.
"""
