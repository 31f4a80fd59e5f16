"""The files a project keeps about archguard: ``[tool.archguard]`` (``project_config``), concept
contract TOML (``contract_files``), the baseline (``baseline_file``), outputs written atomically
(``output_files``), and the one error type for bad configuration (``config_errors``)."""
