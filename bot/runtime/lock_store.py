"""Redis lock store for the scaled profile that keeps answering when Redis is down.

Rasa's RedisLockStore raises on every message while Redis is unreachable, so
users get no reply. This store uses Redis (REDIS_URL) as long as it answers;
when it does not, it logs ONE clear error for the outage, serves locks from
process memory (each replica still serialises its own conversations), and logs
once more when Redis is back.
"""

from __future__ import annotations

import json
import logging
from typing import Optional, Text
from urllib.parse import urlsplit

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, InMemoryLockStore, LockStore

from bot.config import get_settings

logger = logging.getLogger(__name__)


class ResilientRedisLockStore(LockStore):
    def __init__(
        self,
        endpoint_config=None,
        url: Optional[str] = None,
        key_prefix: str = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
        socket_timeout: float = 1.0,
    ) -> None:
        kwargs = dict(getattr(endpoint_config, "kwargs", None) or {})
        self.url = url or getattr(endpoint_config, "url", None) or get_settings().redis_url
        if not self.url:
            raise ValueError("ResilientRedisLockStore needs REDIS_URL (or `url` in endpoints)")
        self.key_prefix = kwargs.get("key_prefix", key_prefix)
        timeout = float(kwargs.get("socket_timeout", socket_timeout))
        self.red = redis.Redis.from_url(self.url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._memory = InMemoryLockStore()
        self._degraded = False
        super().__init__()

    @property
    def degraded(self) -> bool:
        return self._degraded

    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"

    def _on_error(self, exc: redis.RedisError) -> None:
        if not self._degraded:
            self._degraded = True
            logger.error(
                "Redis lock store unreachable at %s (%s): using in-process locks until it is back; "
                "conversations stay correct within this replica only",
                self._where(),
                exc,
            )

    def _on_success(self) -> None:
        if self._degraded:
            self._degraded = False
            logger.warning("Redis lock store at %s reachable again: shared locks restored", self._where())

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        try:
            serialised = self.red.get(self.key_prefix + conversation_id)
        except redis.RedisError as exc:
            self._on_error(exc)
            return self._memory.get_lock(conversation_id)
        self._on_success()
        return TicketLock.from_dict(json.loads(serialised)) if serialised else None

    def delete_lock(self, conversation_id: Text) -> None:
        self._memory.delete_lock(conversation_id)
        try:
            self.red.delete(self.key_prefix + conversation_id)
        except redis.RedisError as exc:
            self._on_error(exc)

    def save_lock(self, lock: TicketLock) -> None:
        try:
            self.red.set(self.key_prefix + lock.conversation_id, lock.dumps())
        except redis.RedisError as exc:
            self._on_error(exc)
            self._memory.save_lock(lock)
            return
        self._on_success()
