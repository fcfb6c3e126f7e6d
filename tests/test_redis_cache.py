"""The project's Redis cache backend: reads on a connection each thread keeps, and what
happens to that connection when Redis drops it or a reply never comes."""

import threading

import pytest
import redis

from newsroom.cache import ResilientRedisCache
from ratings.cache import set_if_newer
from tests.conftest import require_redis
from tests.servers import PrivateRedis


@pytest.fixture
def private_redis():
    require_redis()  # a redis-server of its own, where the suite runs with Redis
    server = PrivateRedis()
    yield server
    server.stop()


@pytest.fixture
def backend(private_redis):
    return ResilientRedisCache(
        private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )


def connected_clients(server):
    return redis.Redis.from_url(server.url).info("clients")["connected_clients"] - 1


@pytest.mark.slow  # a redis-server of its own
def test_reads_reuse_one_connection_per_thread(backend, private_redis):
    backend.set_many({"a": 1, "b": [2, "два"]})
    for _ in range(50):
        assert backend.get_many(["a", "b", "missing"]) == {"a": 1, "b": [2, "два"]}
        assert backend.get("a") == 1
        assert backend.get("missing", "default") == "default"
    # one for the reads, one in redis.Redis's pool for the writes
    assert connected_clients(private_redis) == 2


@pytest.mark.slow  # a redis-server of its own
def test_a_connection_redis_dropped_is_opened_again_without_a_miss(backend, private_redis):
    backend.set("story", "Заголовок")
    assert backend.get("story") == "Заголовок"
    redis.Redis.from_url(private_redis.url).client_kill_filter(_type="normal", skipme=True)
    assert backend.get("story") == "Заголовок"  # not a miss: the read is sent again once
    assert backend.get_many(["story"]) == {"story": "Заголовок"}


def test_threads_never_read_each_others_replies(backend):
    backend.set_many({f"key-{n}": n for n in range(8)})
    wrong = []

    def read(n):
        for _ in range(300):
            found = backend.get_many([f"key-{n}", f"key-{(n + 1) % 8}"])
            if found != {f"key-{n}": n, f"key-{(n + 1) % 8}": (n + 1) % 8}:
                wrong.append(found)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


@pytest.mark.slow  # a redis-server of its own
def test_a_reply_that_times_out_is_never_read_by_the_next_request(backend, private_redis):
    backend.set("a", "перший")
    backend.set("b", "другий")
    assert backend.get("a") == "перший"
    admin = redis.Redis.from_url(private_redis.url)
    admin.client_pause(1500)  # the next read waits past its 1 s timeout
    assert backend.get("b", "miss") == "miss"  # degraded: served as a miss
    backend._down_until = 0  # retry at once rather than in a few seconds
    admin.client_unpause()
    # the late reply to the timed-out read ("другий") must not answer this one
    assert backend.get("a") == "перший"
    assert backend.get("b") == "другий"


@pytest.mark.slow  # a redis-server of its own
def test_an_unreachable_redis_is_a_miss_not_an_error(backend, private_redis):
    backend.set("a", 1)
    private_redis.stop()
    assert backend.get("a", "miss") == "miss"
    assert backend.get_many(["a"]) == {}


# Ordered writes (ratings.cache.set_if_newer), done atomically in Redis by this backend.
@pytest.mark.slow  # a redis-server of its own
def test_set_if_newer_keeps_the_highest_order(backend, private_redis):
    assert set_if_newer(backend, "k", "five", 5, 60) is True
    assert set_if_newer(backend, "k", "three", 3, 60) is False  # a late, older writer
    assert set_if_newer(backend, "k", "five again", 5, 60) is False  # same order: kept
    assert backend.get("k") == "five"
    assert set_if_newer(backend, "k", ("seven",), 7, 60) is True
    assert backend.get("k") == ("seven",)


@pytest.mark.slow  # a redis-server of its own
def test_a_value_that_lost_its_order_is_dropped_not_overwritten(backend, private_redis):
    set_if_newer(backend, "k", "new", 9, 60)
    backend.delete("k:order")  # evicted on its own
    assert set_if_newer(backend, "k", "old", 1, 60) is False
    assert backend.get("k") is None
    assert set_if_newer(backend, "k", "fresh", 2, 60) is True


@pytest.mark.slow  # a redis-server of its own
def test_set_if_newer_stores_its_other_keys_in_the_same_round_trip(
    backend, private_redis, monkeypatch
):
    set_if_newer(backend, "k", "new", 9, 60)
    sent = []
    send = redis.connection.Connection.send_packed_command

    def counted(connection, command, *args, **kwargs):
        sent.append(command)
        return send(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    # an older value is refused; the other keys are stored all the same, without expiry
    assert set_if_newer(backend, "k", "old", 1, 60, also={"version": 1234, "b": "б"}) is False
    assert len(sent) == 1  # one round trip
    monkeypatch.undo()
    assert backend.get("k") == "new"
    assert backend.get_many(["version", "b"]) == {"version": 1234, "b": "б"}
    admin = redis.Redis.from_url(private_redis.url)
    assert admin.ttl(backend.make_and_validate_key("version")) == -1
    assert set_if_newer(backend, "k", "newer", 10, 60, also={"version": 1235}) is True
    assert backend.get_many(["k", "version"]) == {"k": "newer", "version": 1235}


@pytest.mark.slow  # a redis-server of its own
def test_set_if_newer_is_one_round_trip_and_sends_a_forgotten_script_whole(
    backend, private_redis, monkeypatch
):
    admin = redis.Redis.from_url(private_redis.url)
    admin.script_flush()  # Redis restarted, or its scripts flushed
    sent = []
    send = redis.connection.Connection.send_packed_command

    def counted(connection, command, *args, **kwargs):
        packed = command if isinstance(command, bytes) else b"".join(map(bytes, command))
        if b"EVAL" in packed:  # not the connection's own greeting
            sent.append(packed)
        return send(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    assert set_if_newer(backend, "k", "one", 1, 60, also={"v": 1}) is True
    assert len(sent) == 2 and b"EVALSHA" in sent[0] and b"EVAL\r\n" in sent[1]
    assert set_if_newer(backend, "k", "two", 2, 60) is True  # known now: by its hash
    assert len(sent) == 3 and b"EVALSHA" in sent[2]
    monkeypatch.undo()
    assert backend.get_many(["k", "v"]) == {"k": "two", "v": 1}
    assert set_if_newer(backend, "k", "one again", 1, 60) is False


@pytest.mark.slow  # a redis-server of its own
def test_an_ordered_write_redis_cannot_take_is_reported_not_sent_again(backend, private_redis):
    assert set_if_newer(backend, "k", "one", 1, 60) is True
    private_redis.stop()
    assert set_if_newer(backend, "k", "two", 2, 60, always_try=True) is None
