"""grimp and import-linter at the edge: archguard's facts as a grimp graph (``grimp_graph``) and the
user's import-linter contracts run on it (``importlinter_runner``)."""
