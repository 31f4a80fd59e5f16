"""What survives between runs: per-file facts keyed by content (``facts_cache``), results derived
from a whole scan or check (``results_cache``), and the one checked on-disk envelope both use
(``codec``)."""
