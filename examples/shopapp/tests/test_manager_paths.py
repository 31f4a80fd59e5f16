"""Every way the manager has been imported over the years."""

import shopapp.realtime.manager as manager_module
from shopapp.realtime import ConnectionManager as FromPackage
from shopapp.realtime.compat import LegacyManager
from shopapp.realtime.impl import Manager, _ManagerImpl
from shopapp.api.websocket import ConnectionManager as FromWebsocket


def test_all_paths_are_the_same_class():
    assert FromPackage is manager_module.ConnectionManager
    assert LegacyManager is Manager is _ManagerImpl is FromWebsocket
