"""Verification of Zalo's `X-ZEvent-Signature` webhook header.

Default formula (variant ``app_id+body+oa_secret``, the one the Vietnamese
integration guides [Z3][Z4] document and most sources agree on)::

    X-ZEvent-Signature: mac=<hex>
    mac = sha256_hex(app_id + raw_body + timestamp + oa_secret_key)

- plain SHA-256 of the concatenation, *not* HMAC;
- ``raw_body``: the request bytes exactly as received (never re-serialised);
- ``timestamp``: the ``timestamp`` field of the JSON body, as a string (ms);
- ``oa_secret_key``: the OA Secret Key (not the App Secret Key).

Because the public sources disagree on the inputs (see
the Zalo OA reference notes (docs/zalo.md) §3), other variants can be enabled with
``ZALO_SIGNATURE_VARIANTS`` (comma-separated; a request is accepted when any
enabled variant matches, and the matching variant is logged once):
``oa_id+body+oa_secret``, ``app_id+header+oa_secret`` (timestamp from a
``timestamp`` header), ``app_id+body+app_secret``.

Every candidate is compared with `hmac.compare_digest`. An empty secret
rejects everything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from bot.channels.zalo_config import ZaloConfig

SIGNATURE_HEADER = "X-ZEvent-Signature"


def compute_mac(first: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """sha256_hex(first + raw_body + timestamp + secret)."""
    digest = hashlib.sha256()
    digest.update(first.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(secret.encode("utf-8"))
    return digest.hexdigest()


def signature_header(first: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """The header value Zalo sends: ``mac=<hex>`` (used by tests and the benchmark)."""
    return "mac=" + compute_mac(first, raw_body, timestamp, secret)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # "ok", "missing", "not_configured", "malformed", "mismatch", "stale"
    variant: Optional[str] = None
    event: Optional[Dict[str, Any]] = None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return (value or "").strip()


class SignatureVerifier:
    def __init__(self, config: ZaloConfig):
        self.config = config

    @property
    def configured(self) -> bool:
        return bool(self.config.oa_secret_key) and bool(self.config.app_id)

    def _candidates(self, raw: bytes, body_ts: str, header_ts: str):
        cfg = self.config
        for variant in cfg.signature_variants:
            first_name, ts_source, secret_name = variant.split("+")
            first = cfg.app_id if first_name == "app_id" else cfg.oa_id
            timestamp = body_ts if ts_source == "body" else header_ts
            secret = cfg.oa_secret_key if secret_name == "oa_secret" else cfg.app_secret_key
            if not first or not secret or not timestamp:
                continue
            yield variant, compute_mac(first, raw, timestamp, secret)

    def verify(self, raw: bytes, headers: Mapping[str, str], now: Optional[float] = None) -> Verdict:
        """Check the signature first, then the replay window of the event timestamp."""
        if not self.configured:
            return Verdict(False, "not_configured")
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            return Verdict(False, "missing")
        given = header.split("=", 1)[1] if header.lower().startswith("mac=") else header
        given = given.strip().lower()
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Verdict(False, "malformed")
        if not isinstance(event, dict):
            return Verdict(False, "malformed")
        body_ts = event.get("timestamp")
        body_ts = "" if body_ts is None else str(body_ts)
        matched = None
        for variant, expected in self._candidates(raw, body_ts, _header(headers, "timestamp")):
            # No early exit: every enabled variant costs the same, match or not.
            if (
                hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
                and matched is None
            ):
                matched = variant
        if matched is None:
            return Verdict(False, "mismatch")
        if not self._fresh(body_ts, now):
            return Verdict(False, "stale", matched, event)
        return Verdict(True, "ok", matched, event)

    def _fresh(self, timestamp: str, now: Optional[float]) -> bool:
        try:
            sent = float(timestamp) / 1000.0
        except ValueError:
            return False
        now = time.time() if now is None else now
        age = now - sent
        return -self.config.future_skew_seconds <= age <= self.config.replay_window_seconds
