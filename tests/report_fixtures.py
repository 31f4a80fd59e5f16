"""Hand-built discovery values for the report renderers' tests: a connection-manager concept as
the bundled example has it, a settings loader, a shim, a copy, a cycle, hotspots, and names that
must be escaped (``<script>``, quotes, backslashes)."""

from __future__ import annotations

from archguard.domain.discovery import (
    AccessPath,
    Cluster,
    Copy,
    Cycle,
    CycleEdge,
    Definition,
    DiscoveryResult,
    Hotspot,
    Shim,
)
from archguard.domain.result import ScanResult

MANAGER = Cluster(
    name="connection-manager",
    score=42.5,
    evidence=("access-paths", "wrapper"),
    canonical="shopapp.realtime.manager:ConnectionManager",
    definitions=(
        Definition("shopapp.realtime.impl", "_ManagerImpl", "class", "shopapp/realtime/impl.py", 4),
        Definition("shopapp.api.wrappers", "UnifiedConnectionManager", "class", "shopapp/api/wrappers.py", 6),
    ),
    access_paths=(
        AccessPath("shopapp.realtime.manager", "ConnectionManager",
                   ("shopapp/handlers.py", "tests/conftest.py", "tests/test_manager.py"), canonical=True),
        AccessPath("shopapp.realtime", "ConnectionManager", ("shopapp/api/routes.py", "tests/test_manager_paths.py")),
        AccessPath("shopapp.realtime.compat", "LegacyManager",
                   ("shopapp/plugins/giftcards.py", "tests/integration/test_checkout.py", "tests/test_manager_paths.py")),
        AccessPath("shopapp.realtime.impl", "_ManagerImpl", ("scripts/broadcast.py", "tests/test_manager_paths.py")),
        AccessPath("shopapp.api.wrappers", "UnifiedConnectionManager", ("tests/test_wrappers.py",)),
    ),
    importer_count=10,
    non_canonical_importers=7,
    shims=("shopapp.realtime.compat",),
)

SETTINGS = Cluster(
    name="settings-loader",
    score=12.0,
    evidence=("same-name",),
    canonical="shopapp.config.loader:load_settings",
    definitions=(
        Definition("shopapp.config.loader", "load_settings", "function", "shopapp/config/loader.py", 3),
        Definition("shopapp.utils.settings", "load_settings", "function", "shopapp/utils/settings.py", 7),
    ),
    access_paths=(
        AccessPath("shopapp.config.loader", "load_settings", ("shopapp/config/__init__.py",), canonical=True),
        AccessPath("shopapp.utils.settings", "load_settings",
                   ("shopapp/orders/service.py", "tests/test_settings.py", "reprice_2024_black_friday.py")),
    ),
    importer_count=4,
    non_canonical_importers=3,
)

# Names from hostile trees: every renderer must escape them.
HOSTILE = Cluster(
    name='<script>alert("x")</script>',
    score=1.0,
    evidence=("same-name",),
    canonical='evil.<script>:Name"quoted\\N',
    definitions=(Definition("evil.<script>", 'Name"quoted\\N', "class", "evil/<script>.py", 1),),
    access_paths=(AccessPath("evil.<script>", 'Name"quoted\\N', ("evil/a&b.py",), canonical=True),),
    importer_count=1,
    non_canonical_importers=0,
)

COMPAT = Shim(
    module="shopapp.realtime.compat",
    path="shopapp/realtime/compat.py",
    reexports=(("LegacyManager", "shopapp.realtime.manager:ConnectionManager"),),
    importers=("shopapp/plugins/giftcards.py", "tests/integration/test_checkout.py", "tests/test_manager_paths.py"),
    warns_deprecation=True,
)
UNUSED_SHIM = Shim(
    module="shopapp.realtime.manager_factory_compat",
    path="shopapp/realtime/manager_factory_compat.py",
    reexports=(("make_manager", "shopapp.realtime.manager_factory:make_manager"),),
    importers=(),
)

CYCLE = Cycle(
    modules=("shopapp.orders.service", "shopapp.payments", "shopapp.payments.gateway"),
    path=(
        CycleEdge("shopapp.orders.service", "shopapp.payments.gateway", "shopapp/orders/service.py", 14),
        CycleEdge("shopapp.payments.gateway", "shopapp.payments", "shopapp/payments/gateway.py", 3),
        CycleEdge("shopapp.payments", "shopapp.orders.service", "shopapp/payments/__init__.py", 2),
    ),
    breakers=(CycleEdge("shopapp.orders.service", "shopapp.payments.gateway", "shopapp/orders/service.py", 14),),
)

COPY = Copy(path="backups/2025-09-17/shopapp/realtime/manager.py", live="shopapp/realtime/manager.py", similarity=0.93)

HOTSPOTS = [
    Hotspot("shopapp.realtime.impl", "shopapp/realtime/impl.py", 9.5, fan_in=6, betweenness=0.12,
            non_canonical_importers=2),
    Hotspot("shopapp.realtime.compat", "shopapp/realtime/compat.py", 7.0, fan_in=3, betweenness=0.01,
            non_canonical_importers=3),
]


def discovery(scan: ScanResult, *, hostile: bool = False) -> DiscoveryResult:
    clusters = [MANAGER, SETTINGS] + ([HOSTILE] if hostile else [])
    return DiscoveryResult(
        scan=scan, clusters=clusters, shims=[COMPAT, UNUSED_SHIM], copies=[COPY], cycles=[CYCLE],
        hotspots=list(HOTSPOTS), duration_s=0.1,
    )
