"""What survives between runs: per-file facts keyed by content (``facts_cache``), everything derived
from a scan or check through one store (``store``, its entries in ``entries``), and the one checked
on-disk envelope both use (``codec``)."""
