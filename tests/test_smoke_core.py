import os

from natsobj_gui.core import ObjectMeta


async def test_round_trip_one_mb(store):
    data = os.urandom(1_000_000)
    info = await store.put(ObjectMeta("dir/a b.txt", description="d"), data)
    assert info.size == len(data) and info.chunks == 8
    assert await store.get_bytes("dir/a b.txt") == data
