import pytest

from shopapp.realtime.manager import ConnectionManager


@pytest.fixture
def manager():
    return ConnectionManager(heartbeat_s=0.1)
