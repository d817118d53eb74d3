"""ResilientRedisLockStore against a real Redis, and with Redis unreachable."""

import asyncio
import logging

import redis

from bot.runtime.lock_store import ResilientRedisLockStore
from tests.procs import unreachable_redis_url


def _use_lock(store, conversation_id: str) -> None:
    async def run():
        async with store.lock(conversation_id):
            pass

    asyncio.run(run())


def test_locks_live_in_redis(redis_url):
    store = ResilientRedisLockStore(url=redis_url, key_prefix="test-lock:")
    store.issue_ticket("conv-a")
    assert redis.Redis.from_url(redis_url).exists("test-lock:conv-a") == 1
    _use_lock(store, "conv-b")
    assert not store.degraded


def test_unreachable_redis_logs_one_error_and_keeps_locking(caplog):
    store = ResilientRedisLockStore(url=unreachable_redis_url(), socket_timeout=0.2)
    with caplog.at_level(logging.WARNING, logger="bot.runtime.lock_store"):
        for i in range(5):
            _use_lock(store, f"conv-{i}")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Redis lock store unreachable" in errors[0].getMessage()
    assert store.degraded


def test_recovers_when_redis_returns(redis_url, caplog):
    store = ResilientRedisLockStore(url=redis_url, key_prefix="test-lock:")
    good = store.red
    store.red = redis.Redis.from_url(unreachable_redis_url(), socket_timeout=0.2, socket_connect_timeout=0.2)
    _use_lock(store, "conv-x")
    assert store.degraded
    store.red = good
    with caplog.at_level(logging.WARNING, logger="bot.runtime.lock_store"):
        _use_lock(store, "conv-y")
    assert not store.degraded
    assert any("reachable again" in r.getMessage() for r in caplog.records)
