"""Reading one file into facts.

* ``scanner``: every file once, the orchestration only (cache by stat, read + parse, judge,
  newer syntax, files changed meanwhile); it returns a ``ScanOutput``;
* ``parse_file``: what a worker does with one file (every read of a source file is there);
* ``workers``: the process pool, its crash isolation and the per-file deadline;
* ``ruff_verdicts``: what the scanner asks ruff, and what it does without ruff; ``syntax_judge``:
  ruff itself, the judge of syntax by target version;
* ``lazy_facts``: the facts mapping built on first use;
* ``source_text``: bytes to text; ``stubs``: facts of ``.pyi`` files;
* ``facts_builder``: what a fact is and what each construct means (context flags, aliases,
  ``__all__``, dynamic imports, deprecation shims, attribute chains, facts read from the text);
* ``facts_ast``: the walk, over CPython's ``ast``. It visits every module-level statement, and a
  function or class body only when the body's lines hold ``import`` or ``global`` (a class body
  also ``warn(`` when the file names a DeprecationWarning): nothing else in a body makes a fact.
  Expressions are walked only on lines where a call of interest, a walrus or an imported root
  followed by a dot is written (the attribute chains concept contracts check);
* ``downlevel`` and ``fstring_downlevel``: newer syntax than the running interpreter reads (PEP
  695 type parameters and aliases, PEP 701 f-strings, PEP 750 t-strings, PEP 758 ``except A, B:``),
  found by ruff and rewritten in place, every line and column kept, so the same walk reads it.

One parser, one walk. Where the interpreter's grammar and the file's differ, and why (the one
place that says it): a file valid for the target but too new for this interpreter's ``ast`` is
rewritten in place by ``downlevel`` (the same lines and columns of code), so that ``facts_ast``
reads it; a handler's ``except A| B:`` is its PEP 758 ``except A, B:``, read as the tuple it
means. What ``downlevel`` cannot rewrite (exception types a ``|`` would regroup, text its string
lexer cannot follow, a construct ruff names that it does not know) is an unreadable file whose
reason names the construct, its line and the Python that reads it; it is never cached, so an
archguard running on that Python reads it. On an interpreter that reads the newer syntax natively
(3.12+ for PEP 695/701, 3.14 for PEP 750/758) no rewrite is needed. (libcst is used by ``fix``
only, to rewrite imports: ``adapters/rewrite``.)
"""
