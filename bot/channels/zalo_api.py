"""Client of the Zalo OA Open API: consultation messages and the access token.

- Sending (`POST {api}/v3.0/oa/message/cs`, header `access_token`): success is
  `error == 0` in the body, never the HTTP status alone. 5xx, 429, timeouts,
  connection errors and `-32` (rate limit) are retried (tenacity) with bounded
  exponential backoff (`backoff_wait`). Token errors (`-216`, `-220`, `-124`) refresh the
  token once and retry once. Window errors (`-230`, `-232`) and every other
  refusal are recorded in `zalo_delivery_failures` and not retried.
- Tokens live in the database (`zalo_tokens`). They are refreshed
  `refresh_margin_seconds` before expiry and once on a token error. The refresh
  token is single-use: the new pair is written to the database in one
  transaction as soon as Zalo returns it, before the new access token is used.
  Refreshes are serialised by a Redis lock when REDIS_URL is set (all
  replicas), else by an asyncio lock (this process); in both cases a lease on
  the token row (`refreshing_until`) plus a re-read of the row make a replica
  that lost the race reuse the winner's token instead of refreshing again.

Tokens and secrets never appear in logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Optional

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_incrementing,
    wait_random_exponential,
)
from tenacity.wait import wait_base

from bot.channels.store import TokenPair, ZaloStore, hash_user_id, utcnow
from bot.channels.zalo_config import ZaloConfig

logger = logging.getLogger(__name__)

TOKEN_ERRORS = {-216, -220, -124}
WINDOW_ERRORS = {-230, -232}
RATE_LIMIT_ERRORS = {-32}
REFRESH_LEASE_SECONDS = 30.0


def backoff_wait(base: float, cap: float) -> wait_base:
    """Wait before retry number n (1, 2, ...): exponential backoff with jitter,
    uniform in [0.5, 1] x min(cap, base * 2**(n-1)), so never above `cap`: a
    fixed half plus a random half."""
    return wait_exponential(multiplier=base / 2, max=cap / 2) + wait_random_exponential(
        multiplier=base / 2, max=cap / 2
    )


class TransientSendError(RuntimeError):
    """A send failure worth another attempt: 5xx, 429, timeout, connection error, rate limit."""


@dataclass
class _Delivery:
    user_id: str
    payload: Dict[str, Any]
    who: str  # hash prefix for logs
    refreshed: bool = False  # the token is refreshed at most once per message


class ZaloTokenError(RuntimeError):
    """No usable access token: the OA admin must re-authorise (or seed a new pair)."""


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error_code: Optional[int] = None
    message: str = ""
    kind: str = ""  # "", outside_window, rejected, unavailable, token
    message_id: Optional[str] = None


class RefreshLock:
    """Async context manager serialising token refreshes."""

    async def __aenter__(self):
        raise NotImplementedError

    async def __aexit__(self, *exc):
        raise NotImplementedError

    async def close(self) -> None:
        pass


class LocalRefreshLock(RefreshLock):
    def __init__(self):
        self._lock = asyncio.Lock()

    async def __aenter__(self):
        await self._lock.acquire()
        return self

    async def __aexit__(self, *exc):
        self._lock.release()


class RedisRefreshLock(RefreshLock):
    def __init__(self, redis_url: str, name: str, timeout: float = 30.0, blocking_timeout: float = 40.0):
        import redis.asyncio as aioredis  # imported lazily: nothing connects at import

        self._redis = aioredis.Redis.from_url(redis_url)
        self._name, self._timeout, self._blocking_timeout = name, timeout, blocking_timeout
        self._lock = None

    async def __aenter__(self):
        lock = self._redis.lock(self._name, timeout=self._timeout, blocking_timeout=self._blocking_timeout)
        if not await lock.acquire():
            raise ZaloTokenError("timed out waiting for the Zalo token refresh lock in Redis")
        self._lock = lock
        return self

    async def __aexit__(self, *exc):
        lock, self._lock = self._lock, None
        if lock is not None:
            try:
                await lock.release()
            except Exception:  # expired meanwhile: the row lease still protects the token
                logger.warning("Zalo token refresh lock had expired before release")

    async def close(self) -> None:
        await self._redis.close()


def make_refresh_lock(config: ZaloConfig) -> RefreshLock:
    if config.redis_url:
        return RedisRefreshLock(config.redis_url, f"zalo:token-refresh:{config.token_key}")
    return LocalRefreshLock()


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class RateLimiter:
    """Spaces calls at least 1/rate seconds apart (this process)."""

    def __init__(self, rate: float):
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


class TokenManager:
    def __init__(
        self, config: ZaloConfig, store: ZaloStore, session_getter, lock: Optional[RefreshLock] = None
    ):
        self.config = config
        self.store = store
        self._session = session_getter
        self.lock = lock or make_refresh_lock(config)
        self._seeded = False
        self._cached: Optional[TokenPair] = None
        self.refresh_calls = 0  # refreshes this instance performed against Zalo

    async def _ensure_seeded(self) -> None:
        if self._seeded:
            return
        cfg = self.config
        if cfg.seed_access_token and cfg.seed_refresh_token:
            installed = await asyncio.to_thread(
                self.store.seed_tokens,
                cfg.token_key,
                cfg.seed_access_token,
                cfg.seed_refresh_token,
                cfg.seed_expires_in_seconds,
                _fingerprint(cfg.seed_refresh_token),
            )
            if installed:
                logger.info("Zalo: installed the token pair from ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN")
        self._seeded = True

    async def current(self) -> TokenPair:
        await self._ensure_seeded()
        pair = await asyncio.to_thread(self.store.load_tokens, self.config.token_key)
        if pair is None:
            raise ZaloTokenError("no Zalo access token: set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN")
        self._cached = pair
        return pair

    def _needs_refresh(self, pair: TokenPair) -> bool:
        return pair.expires_at - utcnow() <= timedelta(seconds=self.config.refresh_margin_seconds)

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it is close to expiry."""
        cached = self._cached
        if cached is not None and not self._needs_refresh(cached):
            return cached.access_token
        pair = await self.current()
        if self._needs_refresh(pair):
            try:
                return await self.refresh(pair.access_token)
            except ZaloTokenError:
                if pair.expires_at > utcnow():  # still valid: keep working, the error is logged
                    return pair.access_token
                raise
        return pair.access_token

    async def refresh(self, stale_access_token: Optional[str]) -> str:
        """Replace `stale_access_token`; if another refresher already did, return its token."""
        async with self.lock:
            deadline = time.monotonic() + REFRESH_LEASE_SECONDS + 5
            while True:
                pair = await self.current()
                if pair.access_token != stale_access_token and not self._needs_refresh(pair):
                    return pair.access_token
                if await asyncio.to_thread(
                    self.store.begin_refresh, self.config.token_key, pair.version, REFRESH_LEASE_SECONDS
                ):
                    break
                # Another replica holds the row lease: wait for its new pair.
                if time.monotonic() > deadline:
                    raise ZaloTokenError("another process is refreshing the Zalo token and did not finish")
                await asyncio.sleep(0.1)
            try:
                return await self._refresh_with(pair)
            finally:
                await asyncio.to_thread(self.store.end_refresh, self.config.token_key, pair.version)

    async def _refresh_with(self, pair: TokenPair) -> str:
        cfg = self.config
        form = {"refresh_token": pair.refresh_token, "app_id": cfg.app_id, "grant_type": "refresh_token"}
        headers = {"secret_key": cfg.app_secret_key}
        self.refresh_calls += 1
        try:
            async with self._session().post(
                cfg.token_url,
                data=form,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=cfg.send_timeout_seconds),
            ) as resp:
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            logger.error("Zalo token refresh failed: %s", exc.__class__.__name__)
            raise ZaloTokenError(f"token refresh failed: {exc.__class__.__name__}") from exc
        if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            code = body.get("error") if isinstance(body, dict) else None
            text = (
                (body.get("error_description") or body.get("message") or "") if isinstance(body, dict) else ""
            )
            logger.error(
                "Zalo token refresh refused (error %s: %s): the OA admin must re-authorise the app",
                code,
                text,
            )
            raise ZaloTokenError(f"token refresh refused: {code} {text}")
        try:
            expires_in = float(body.get("expires_in") or 90000)  # a string in Zalo's answer
        except (TypeError, ValueError):
            expires_in = 90000.0
        # The old refresh token is now spent: store the new pair before anything else.
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(3),
                wait=wait_incrementing(0.2, 0.2),
                after=_log_store_failure,
                reraise=True,
            ):
                with attempt:
                    await asyncio.to_thread(
                        self.store.save_refreshed,
                        cfg.token_key,
                        pair.version,
                        body["access_token"],
                        body["refresh_token"],
                        expires_in,
                    )
        except Exception as exc:
            raise ZaloTokenError("could not store the rotated Zalo token pair") from exc
        self._cached = None
        logger.info("Zalo access token refreshed (valid %.0f h)", expires_in / 3600)
        return body["access_token"]


def _log_store_failure(state: RetryCallState) -> None:
    logger.error(
        "Zalo: could not store the rotated token pair (attempt %d): %s",
        state.attempt_number,
        state.outcome.exception().__class__.__name__,
    )


def _log_send_retry(state: RetryCallState) -> None:
    logger.warning(
        "Zalo send attempt %d failed (%s); retrying in %.2f s",
        state.attempt_number,
        state.outcome.exception(),
        state.upcoming_sleep,
    )


class ZaloClient:
    """Sends consultation messages; owns one aiohttp session (created lazily in the running loop)."""

    def __init__(self, config: ZaloConfig, store: ZaloStore, lock: Optional[RefreshLock] = None):
        self.config = config
        self.store = store
        self._http: Optional[aiohttp.ClientSession] = None
        self.tokens = TokenManager(config, store, self.session, lock)
        self.limiter = RateLimiter(config.max_sends_per_second)

    def session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(headers={"User-Agent": "huong-nghiep-zalo/1"})
        return self._http

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()
        await self.tokens.lock.close()

    async def _record(self, user_id: str, code: Optional[int], message: str, kind: str) -> None:
        try:
            await asyncio.to_thread(self.store.record_failure, user_id, code, message, kind)
        except Exception:
            logger.exception("Zalo: could not record a delivery failure")

    async def send(self, user_id: str, message: Dict[str, Any], reply_to: Optional[str] = None) -> SendResult:
        cfg = self.config
        recipient: Dict[str, Any] = {"user_id": user_id}
        if cfg.reply_with_message_id and reply_to:
            recipient["message_id"] = reply_to
        delivery = _Delivery(
            user_id, {"recipient": recipient, "message": message}, hash_user_id(user_id)[:12]
        )
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientSendError),
            stop=stop_after_attempt(cfg.send_max_attempts),
            wait=backoff_wait(cfg.backoff_base_seconds, cfg.backoff_cap_seconds),
            before_sleep=_log_send_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send_once(delivery)
        except TransientSendError as exc:
            text = f"gave up after {retrying.statistics['attempt_number']} attempts: {exc}"
            await self._record(user_id, None, text, "unavailable")
            logger.error("Zalo: reply to user %s not sent: %s", delivery.who, text)
            return SendResult(False, None, text, "unavailable")

    async def _send_once(self, delivery: _Delivery) -> SendResult:
        """One attempt (plus one resend after a token refresh); raises TransientSendError to be retried."""
        cfg = self.config
        user_id, who = delivery.user_id, delivery.who
        while True:
            try:
                token = await self.tokens.access_token()
            except ZaloTokenError as exc:
                await self._record(user_id, None, str(exc), "token")
                logger.error("Zalo: reply to user %s not sent: %s", who, exc)
                return SendResult(False, None, str(exc), "token")
            await self.limiter.wait()
            try:
                async with self.session().post(
                    cfg.send_url,
                    json=delivery.payload,
                    headers={"access_token": token},
                    timeout=aiohttp.ClientTimeout(total=cfg.send_timeout_seconds),
                ) as resp:
                    status = resp.status
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
            except asyncio.TimeoutError as exc:
                raise TransientSendError("timeout") from exc
            except aiohttp.ClientError as exc:
                raise TransientSendError(exc.__class__.__name__) from exc
            if status >= 500 or status == 429:
                raise TransientSendError(f"HTTP {status}")
            if not isinstance(body, dict) or "error" not in body:
                text = f"HTTP {status}, unexpected body"
                await self._record(user_id, None, text, "rejected")
                logger.error("Zalo: reply to user %s refused: %s", who, text)
                return SendResult(False, None, text, "rejected")
            code = int(body.get("error") or 0)
            text = str(body.get("message") or "")
            if code == 0:
                data = body.get("data") or {}
                return SendResult(True, message_id=data.get("message_id"))
            if code in TOKEN_ERRORS and not delivery.refreshed:
                delivery.refreshed = True
                logger.info("Zalo: access token refused (error %d), refreshing once", code)
                try:
                    await self.tokens.refresh(token)
                except ZaloTokenError as exc:
                    await self._record(user_id, code, str(exc), "token")
                    return SendResult(False, code, str(exc), "token")
                continue
            if code in RATE_LIMIT_ERRORS:
                raise TransientSendError(f"error {code}: {text}")
            kind = (
                "outside_window"
                if code in WINDOW_ERRORS
                else ("token" if code in TOKEN_ERRORS else "rejected")
            )
            await self._record(user_id, code, text, kind)
            logger.warning("Zalo: reply to user %s refused, not retried (error %d: %s)", who, code, text)
            return SendResult(False, code, text, kind)
