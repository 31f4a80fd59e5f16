"""The files a project keeps about archguard: ``[tool.archguard]`` (``project_config``), concept
contract TOML (``contract_files``), the baseline (``baseline_file``), outputs written atomically
(``output_files``), drafted contracts (``draft_files``), the report history (``history_file``),
and the guards on the untrusted tree (``safe_io``, ``safe_git``). Configuration errors are
:mod:`archguard.domain.errors`."""
