"""The files a project keeps about archguard: ``[tool.archguard]`` (``project_config``), concept
contract TOML (``contract_files``), the baseline (``baseline_file``), outputs written atomically
(``output_files``). ``config_errors`` only re-exports ``ConfigError``, which lives in
:mod:`archguard.domain.errors`, for branches written before the move."""
