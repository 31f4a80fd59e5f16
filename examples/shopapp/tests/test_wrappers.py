from shopapp.api.wrappers import UnifiedConnectionManager
from shopapp.realtime.manager_factory_compat import make_connection_manager


def test_wrapper_is_a_subclass():
    assert isinstance(UnifiedConnectionManager(), type(make_connection_manager()))
