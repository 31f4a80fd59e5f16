import asyncio

from shopapp.realtime.manager import ConnectionManager


class FakeSocket:
    def __init__(self):
        self.sent = []

    async def send_json(self, data):
        self.sent.append(data)


def test_connect_and_list():
    manager = ConnectionManager()
    asyncio.run(manager.connect("u1", FakeSocket()))
    assert manager.online_users() == ["u1"]
