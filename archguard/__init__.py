"""archguard: an import-graph architecture enforcer for large, messy Python codebases."""

__version__ = "0.1.0"
