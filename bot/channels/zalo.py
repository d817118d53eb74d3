"""Rasa channel for a Zalo Official Account (OA Open API).

credentials.yml::

    bot.channels.zalo.ZaloInput:
      app_id: ${ZALO_APP_ID}
      oa_secret_key: ${ZALO_OA_SECRET_KEY}
      ...

Webhook: ``POST /webhooks/zalo/webhook``. For every request:

1. ``X-ZEvent-Signature`` is checked on the raw body (formula and variants in
   bot/channels/zalo_signature.py; default
   ``sha256_hex(app_id + raw_body + body.timestamp + oa_secret_key)``).
   Missing, wrong, or no secret configured -> 401, nothing processed.
   A correctly signed event older than the replay window (default 2 h, longer
   than Zalo's retry schedule) is acknowledged with 200 and dropped: answering
   401 would only make Zalo retry it and eventually disable the webhook.
2. Events of another app, the OA's own echoes (``oa_send_*``), receipts and
   unknown events -> 200, logged, ignored.
3. The event is claimed in the database (unique ``msg_id``) and stored there
   until it is answered: a retried delivery, even after a restart or on
   another replica, is answered 200 and not processed again, and an event whose
   process died (its lease in ``zalo_events`` ran out) is taken over by a live
   process, which sends only the replies that had not reached Zalo yet. A
   database error during the claim answers 503, so Zalo retries.
4. The work is queued for a small pool of background workers and the webhook
   answers 200 at once (Zalo wants it within 2 s). Rasa's NLU and policies run
   synchronously on the event loop, so a bounded worker pool keeps webhook
   answers fast while the assistant is busy.

Bodies over 1 MB get 413 before anything else. Conversations are stored as
``zalo:<user id>`` (bot/channels/guard.py), so no other channel can reach them.

Events: ``user_send_text`` -> Rasa (NFC text, ``input_channel="zalo"``,
metadata; over 2,000 characters: a short polite reply instead); ``follow`` -> ``ZALO_FOLLOW_PAYLOAD`` (default ``/greet``) through
Rasa, or a fixed welcome when that is empty; images, stickers, files, gifs,
audio, video, location, links, business cards -> a polite "text only" reply.

Output: text split at 2,000 characters on sentence boundaries; Rasa buttons as
Zalo ``oa.query.hide`` buttons (at most ``ZALO_MAX_BUTTONS``, default 4) or a
numbered text menu (``ZALO_BUTTON_MODE=text``, more buttons than allowed, or
Zalo refusing the button template), whose "1", "2", ... answers are mapped
back to the payloads; images as a media template.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import ZALO_PREFIX, deliver, namespaced, strip_namespace
from bot.channels.store import ZaloStore, hash_user_id, tracker_has_message
from bot.channels.zalo_api import SendResult, ZaloClient
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_format import (
    UNSUPPORTED_MEDIA_TEXT,
    WELCOME_TEXT,
    buttons_message,
    image_message,
    menu_choice,
    menu_payloads,
    numbered_menu,
    split_text,
    text_message,
)
from bot.channels.zalo_signature import SignatureVerifier
from bot.text import nfc

logger = logging.getLogger(__name__)

CHANNEL_NAME = "zalo"
UNSUPPORTED_EVENTS = {
    "user_send_image",
    "user_send_sticker",
    "user_send_file",
    "user_send_gif",
    "user_send_audio",
    "user_send_video",
    "user_send_location",
    "user_send_link",
    "user_send_business_card",
}
BUTTON_TEMPLATE_REFUSED = {-233, -244}  # message type invalid / restricted: fall back to text
PURGE_EVERY = 500  # claims between two purges of old de-duplication rows
MAX_BODY_BYTES = 1_000_000
RECOVERY_BATCH = 100

Job = Callable[[], Awaitable[None]]
Planner = Callable[[Dict[str, Any], bool], Optional[Job]]  # (event, resumed) -> job


def _user_tag(user_id: str) -> str:
    return hash_user_id(user_id)[:12]


class ZaloRuntime:
    """The channel's moving parts: database store, Zalo client, background workers.

    Rasa runs NLU and policy inference synchronously on whichever event loop
    calls it, so with the default ``processing="thread"`` the workers (and every
    call to Zalo) live on a dedicated event loop in a dedicated thread: the
    Sanic loop only verifies, claims and queues, and keeps answering webhooks
    within milliseconds however busy the assistant is. ``processing="loop"``
    runs the workers on the Sanic loop instead (use it if an event broker bound
    to the server loop is configured).
    """

    def __init__(
        self, config: ZaloConfig, store: Optional[ZaloStore] = None, client: Optional[ZaloClient] = None
    ):
        self.config = config
        self.store = store or ZaloStore(config.database_url)
        self.client = client or ZaloClient(config, self.store)
        self._queue: Optional[asyncio.Queue] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None  # where workers and the client run
        self._thread: Optional[threading.Thread] = None
        self._workers: Set[asyncio.Task] = set()
        self._pending: Set[asyncio.Task] = set()
        self._backlog = 0
        self._backlog_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._claims = 0
        self.owner = uuid.uuid4().hex  # this process's name on the leases it holds
        self.planner: Optional[Planner] = None  # set by ZaloInput: rebuilds a job from a stored event

    # --- processing loop ---------------------------------------------------------------
    def _start(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is not None:
                return self._loop
            if self.config.processing == "loop":
                self._loop = asyncio.get_running_loop()
                self._queue = asyncio.Queue()
                self._spawn_workers()
                return self._loop
            ready = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                self._queue = asyncio.Queue()
                self._loop = loop
                self._spawn_workers()
                ready.set()
                loop.run_forever()
                loop.close()

            self._thread = threading.Thread(target=run, name="zalo-processing", daemon=True)
            self._thread.start()
            ready.wait()
            return self._loop

    def _spawn_workers(self) -> None:
        for index in range(self.config.workers):
            task = self._loop.create_task(self._worker(), name=f"zalo-worker-{index}")
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        task = self._loop.create_task(self._maintain(), name="zalo-leases")
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    def start(self) -> None:
        """Start the workers now (server start), so events left by a crash are taken over."""
        self._start()

    async def _maintain(self) -> None:
        """Keep the leases on our events alive; take over events whose process died."""
        period = max(0.2, self.config.lease_seconds / 3)
        while True:
            try:
                await asyncio.to_thread(self.store.renew_leases, self.owner, self.config.lease_seconds)
                await self.recover()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Zalo: lease renewal or recovery failed; retrying")
            await asyncio.sleep(period)

    async def recover(self) -> int:
        """Queue every stored event nobody holds a lease on; returns how many were taken."""
        if self.planner is None:
            return 0
        taken = 0
        for key, payload in await asyncio.to_thread(self.store.orphaned_events, RECOVERY_BATCH):
            if not await asyncio.to_thread(self.store.take_over, key, self.owner, self.config.lease_seconds):
                continue  # another process was faster
            try:
                job = self.planner(json.loads(payload), True)
            except Exception:
                logger.exception("Zalo: stored event %s cannot be read; dropped", key)
                job = None
            if job is None:
                await asyncio.to_thread(self.store.finish_event, key, False)
                continue
            if not self.enqueue(key, job):
                await asyncio.to_thread(self.store.release_event, key)
                break
            taken += 1
            logger.warning("Zalo: event %s of a stopped process taken over", key)
        return taken

    def _in_processing_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def run_in_processing(self, coro):
        """Await `coro` on the processing loop, from whichever loop we are on."""
        loop = self._start()
        if self._in_processing_loop():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def send(self, user_id: str, message: Dict[str, Any], reply_to: Optional[str]) -> SendResult:
        return await self.run_in_processing(self.client.send(user_id, message, reply_to))

    async def _worker(self) -> None:
        queue = self._queue
        while True:
            key, job = await queue.get()
            try:
                ok = True
                try:
                    await job()
                except Exception:
                    ok = False
                    logger.exception("Zalo: processing event %s failed", key)
                try:
                    await asyncio.to_thread(self.store.finish_event, key, ok)
                except Exception:
                    logger.exception("Zalo: could not mark event %s as finished", key)
            finally:
                with self._backlog_lock:
                    self._backlog -= 1
                queue.task_done()

    def enqueue(self, key: str, job: Job) -> bool:
        """Hand a job to the workers (thread-safe); False when the backlog is full."""
        loop = self._start()
        with self._backlog_lock:
            if self._backlog >= self.config.queue_size:
                return False
            self._backlog += 1
        if self._in_processing_loop():
            self._queue.put_nowait((key, job))
        else:
            loop.call_soon_threadsafe(self._queue.put_nowait, (key, job))
        return True

    @property
    def backlog(self) -> int:
        return self._backlog

    # --- webhook side -------------------------------------------------------------------
    def keep(self, task: asyncio.Task) -> None:
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def claim(self, key: str, event_name: str, payload: Optional[str] = None) -> bool:
        claimed = await asyncio.to_thread(
            self.store.claim_event, key, event_name, payload, self.owner, self.config.lease_seconds
        )
        self._claims += 1
        if claimed and self._claims % PURGE_EVERY == 0:
            self.keep(asyncio.create_task(self._purge()))
        return claimed

    async def _purge(self) -> None:
        try:
            # Keep rows a while beyond the replay window, so no accepted retry can slip through.
            await asyncio.to_thread(self.store.purge_events, self.config.replay_window_seconds * 2 + 3600)
        except Exception:
            logger.exception("Zalo: purging old de-duplication rows failed")

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until every accepted event is processed (tests, shutdown)."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        deadline = time.monotonic() + timeout
        while self._backlog > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        if self._loop is None:
            await self.client.close()
            return

        async def shutdown() -> None:
            for task in list(self._workers):
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            await self.client.close()

        await self.run_in_processing(shutdown())
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 10)
            self._thread = None
        self._loop = None


class ZaloOutput(OutputChannel):
    """Sends Rasa's replies to one Zalo user through the consultation-message API."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(
        self,
        runtime: ZaloRuntime,
        reply_to: Optional[str] = None,
        event_key: Optional[str] = None,
        already_sent: int = 0,
    ):
        self.runtime = runtime
        self.config = runtime.config
        self.reply_to = reply_to
        self.stopped: Optional[SendResult] = None  # set once Zalo refused for good
        self.results: List[SendResult] = []
        # Exactly once across a crash: every call to Zalo for this event is counted in
        # zalo_events, and a process that takes the event over skips that many.
        self.event_key = event_key
        self.already_sent = already_sent
        self._calls = 0

    async def _call(self, recipient_id: str, message: Dict[str, Any]) -> SendResult:
        index, self._calls = self._calls, self._calls + 1
        if index < self.already_sent:
            return SendResult(ok=True, kind="already_sent")
        result = await self.runtime.send(strip_namespace(ZALO_PREFIX, recipient_id), message, self.reply_to)
        if self.event_key is not None:
            try:
                await asyncio.to_thread(self.runtime.store.count_reply, self.event_key)
            except Exception:
                logger.exception("Zalo: could not count a reply of %s", self.event_key)
        return result

    async def _send(self, recipient_id: str, message: Dict[str, Any]) -> SendResult:
        if self.stopped is not None:
            return self.stopped  # e.g. outside the 7-day window: later parts would fail too
        result = await self._call(recipient_id, message)
        self.results.append(result)
        if not result.ok:
            self.stopped = result
        return result

    async def _send_texts(self, recipient_id: str, text: str) -> bool:
        for chunk in split_text(text, self.config.text_limit):
            if not (await self._send(recipient_id, text_message(chunk))).ok:
                return False
        return True

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_texts(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        if not buttons:
            await self._send_texts(recipient_id, text)
            return
        cfg = self.config
        if cfg.button_mode == "buttons" and len(buttons) <= cfg.max_buttons:
            chunks = split_text(text, cfg.text_limit) or [""]
            for chunk in chunks[:-1]:
                if not (await self._send(recipient_id, text_message(chunk))).ok:
                    return
            if self.stopped is not None:
                return
            result = await self._call(recipient_id, buttons_message(chunks[-1], buttons))
            if result.ok:
                self.results.append(result)
                return
            if result.error_code not in BUTTON_TEMPLATE_REFUSED:
                self.results.append(result)
                self.stopped = result
                return
            logger.warning(
                "Zalo refused the button template (error %s); sending a numbered menu", result.error_code
            )
            text = chunks[-1]
        await self._send_menu(recipient_id, text, buttons)

    async def _send_menu(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        payloads = [p for p in menu_payloads(buttons)]
        if await self._send_texts(recipient_id, numbered_menu(text, buttons)):
            try:
                await asyncio.to_thread(
                    self.runtime.store.save_menu, strip_namespace(ZALO_PREFIX, recipient_id), payloads
                )
            except Exception:
                logger.exception("Zalo: could not store the numbered menu")

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image_message(image))

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        # A domain response may carry a ready Zalo `message` object under `custom.zalo`.
        message = json_message.get("zalo") if isinstance(json_message, dict) else None
        if isinstance(message, dict):
            await self._send(recipient_id, message)
        else:
            logger.warning("Zalo: custom payload without a `zalo` message ignored")


class ZaloInput(InputChannel):
    """Zalo OA webhook. The Rasa server mounts it at /webhooks/zalo/."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "ZaloInput":
        return cls(ZaloConfig.from_mapping(credentials))

    def __init__(self, config: ZaloConfig):
        self.config = config
        self.verifier = SignatureVerifier(config)
        self._runtime: Optional[ZaloRuntime] = None
        self._variants_seen: Set[str] = set()
        if not self.verifier.configured:
            logger.error(
                "Zalo channel: ZALO_APP_ID or ZALO_OA_SECRET_KEY is empty: every webhook "
                "will be rejected with 401 until both are set"
            )

    @property
    def runtime(self) -> ZaloRuntime:
        if self._runtime is None:
            self._runtime = ZaloRuntime(self.config)
        return self._runtime

    def attach(self, on_new_message) -> None:
        """Let the runtime rebuild jobs from stored events (taken over after a crash)."""
        self.runtime.planner = lambda event, resumed: self._plan(
            event, str(event.get("event_name") or ""), on_new_message, resumed
        )[0]

    def get_output_channel(self) -> OutputChannel:
        return ZaloOutput(self.runtime)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("zalo_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.verifier.configured})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "request body too large"}, status=413)
            return await self.handle_webhook(request.body or b"", request.headers, on_new_message)

        @bp.listener("after_server_start")
        async def start(*_: Any) -> None:
            if self.verifier.configured:
                self.attach(on_new_message)
                self.runtime.start()

        @bp.listener("after_server_stop")
        async def close(*_: Any) -> None:
            if self._runtime is not None:
                await self._runtime.close()

        return bp

    async def handle_webhook(self, raw: bytes, headers, on_new_message) -> HTTPResponse:
        verdict = self.verifier.verify(raw, headers)
        if verdict.reason == "stale":
            logger.warning(
                "Zalo: signed event outside the replay window dropped (timestamp %s)",
                verdict.event.get("timestamp"),
            )
            return response.json({"status": "ignored", "reason": "stale"})
        if not verdict.ok:
            if verdict.reason == "not_configured":
                logger.error("Zalo webhook rejected: ZALO_APP_ID / ZALO_OA_SECRET_KEY not configured")
            else:
                logger.warning("Zalo webhook rejected: signature %s", verdict.reason)
            return response.json({"error": "invalid signature"}, status=401)
        if verdict.variant not in self._variants_seen:
            self._variants_seen.add(verdict.variant)
            logger.info("Zalo webhook signature matched variant %s", verdict.variant)

        event = verdict.event
        event_name = str(event.get("event_name") or "")
        if str(event.get("app_id") or "") not in ("", self.config.app_id):
            logger.warning("Zalo: event for another app id ignored")
            return response.json({"status": "ignored", "reason": "app_id"})
        job, key = self._plan(event, event_name, on_new_message)
        if job is None:
            return response.json({"status": "ignored"})

        runtime = self.runtime
        if runtime.planner is None:
            self.attach(on_new_message)
        claim = asyncio.ensure_future(runtime.claim(key, event_name, json.dumps(event, ensure_ascii=False)))
        done = ()
        if self.config.claim_budget_seconds > 0:
            done, _ = await asyncio.wait({claim}, timeout=self.config.claim_budget_seconds)
        if not done:
            # The database is slow: acknowledge now (Zalo's 2-second limit), decide later.
            runtime.keep(asyncio.create_task(self._claim_then_enqueue(claim, key, job)))
            return response.json({"status": "accepted"})
        try:
            claimed = claim.result()
        except Exception:
            logger.exception("Zalo: could not record event %s; asking Zalo to retry", key)
            return response.json({"error": "temporarily unavailable"}, status=503)
        if not claimed:
            logger.info(
                "Zalo: duplicate delivery of %s ignored (num_retry=%s)",
                key,
                headers.get("num_retry") or headers.get("Num-Retry"),
            )
            return response.json({"status": "duplicate"})
        if not runtime.enqueue(key, job):
            await asyncio.to_thread(runtime.store.release_event, key)
            logger.error("Zalo: work queue full; asking Zalo to retry %s", key)
            return response.json({"error": "busy"}, status=503)
        return response.json({"status": "accepted"})

    async def _claim_then_enqueue(self, claim: "asyncio.Future[bool]", key: str, job: Job) -> None:
        """The slow-database path: Zalo already has its 200, so the event must not be lost."""
        try:
            claimed = await claim
        except Exception:
            # Not recorded, so not de-duplicated either: answering twice beats never answering.
            logger.exception("Zalo: could not record event %s; answering it without a record", key)
            claimed = True
        if claimed:
            while not self.runtime.enqueue(key, job):
                logger.error("Zalo: work queue full; event %s waits", key)
                await asyncio.sleep(1.0)

    def _plan(self, event: Dict[str, Any], event_name: str, on_new_message, resumed: bool = False):
        """(job, dedup key) for events we act on, (None, None) for the rest. `resumed`: the
        event was taken over from a process that stopped while working on it."""
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        timestamp = str(event.get("timestamp") or "")
        if event_name == "user_send_text" or event_name in UNSUPPORTED_EVENTS:
            user_id = str(sender.get("id") or "")
            msg_id = str(message.get("msg_id") or "")
            if not user_id:
                logger.warning("Zalo: %s without sender id ignored", event_name)
                return None, None
            key = f"msg:{msg_id}" if msg_id else f"{event_name}:{user_id}:{timestamp}"
            if event_name == "user_send_text":
                text = nfc(str(message.get("text") or ""))
                metadata = self._metadata(event, event_name, msg_id)
                return (
                    lambda: self._handle_text(
                        user_id, text, msg_id or None, metadata, on_new_message, key, resumed
                    )
                ), key
            return (lambda: self._send_fixed(user_id, UNSUPPORTED_MEDIA_TEXT, msg_id or None, key)), key
        if event_name == "follow":
            follower = event.get("follower") if isinstance(event.get("follower"), dict) else {}
            user_id = str(follower.get("id") or sender.get("id") or "")
            if not user_id:
                logger.warning("Zalo: follow without follower id ignored")
                return None, None
            metadata = self._metadata(event, event_name, None)
            key = f"follow:{user_id}:{timestamp}"
            return (lambda: self._handle_follow(user_id, metadata, on_new_message, key)), key
        if event_name.startswith("oa_send_") or event_name in {
            "user_received_message",
            "user_seen_message",
            "unfollow",
        }:
            logger.debug("Zalo: %s ignored", event_name)
        else:
            logger.info("Zalo: unhandled event %r ignored", event_name[:64])
        return None, None

    @staticmethod
    def _metadata(event: Dict[str, Any], event_name: str, msg_id: Optional[str]) -> Dict[str, Any]:
        recipient = event.get("recipient") if isinstance(event.get("recipient"), dict) else {}
        return {
            "zalo": {
                "event_name": event_name,
                "msg_id": msg_id,
                "timestamp": event.get("timestamp"),
                "oa_id": recipient.get("id") or event.get("oa_id"),
                "app_id": event.get("app_id"),
            }
        }

    async def _output(self, reply_to: Optional[str], key: str) -> ZaloOutput:
        sent = await asyncio.to_thread(self.runtime.store.replies_sent, key)
        return ZaloOutput(self.runtime, reply_to=reply_to, event_key=key, already_sent=sent)

    async def _handle_text(
        self,
        user_id: str,
        text: str,
        msg_id: Optional[str],
        metadata: Dict[str, Any],
        on_new_message,
        key: str,
        resumed: bool = False,
    ) -> None:
        runtime = self.runtime
        sender_id = namespaced(ZALO_PREFIX, user_id)
        output = await self._output(msg_id, key)
        if (
            (resumed or output.already_sent)
            and msg_id
            and await asyncio.to_thread(tracker_has_message, self.config.database_url, sender_id, msg_id)
        ):
            logger.info("Zalo: event %s was answered before its process stopped", key)
            return
        payloads = await asyncio.to_thread(runtime.store.pop_menu, user_id, self.config.menu_ttl_seconds)
        if payloads:
            chosen = menu_choice(text, payloads)
            if chosen is not None:
                metadata["zalo"]["menu_choice"] = text.strip()
                text = chosen
        if not text.strip():
            return
        await deliver(
            UserMessage(
                text, output, sender_id, input_channel=CHANNEL_NAME, message_id=msg_id, metadata=metadata
            ),
            on_new_message,
        )

    async def _handle_follow(self, user_id: str, metadata: Dict[str, Any], on_new_message, key: str) -> None:
        logger.info("Zalo: new follower %s", _user_tag(user_id))
        if self.config.follow_payload:
            await on_new_message(
                UserMessage(
                    self.config.follow_payload,
                    await self._output(None, key),
                    namespaced(ZALO_PREFIX, user_id),
                    input_channel=CHANNEL_NAME,
                    metadata=metadata,
                )
            )
        else:
            await self._send_fixed(user_id, WELCOME_TEXT, None, key)

    async def _send_fixed(self, user_id: str, text: str, msg_id: Optional[str], key: str) -> None:
        await (await self._output(msg_id, key)).send_text_message(user_id, text)
