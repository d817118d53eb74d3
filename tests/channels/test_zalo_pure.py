"""Signature verification, text splitting, button mapping, backoff bounds, config."""

from __future__ import annotations

import json
import time
import unicodedata

import pytest
from tenacity import RetryCallState

from bot.channels.zalo_api import backoff_wait
from bot.channels.zalo_config import ZALO_ENV_DEFAULTS, ZaloConfig
from bot.channels.zalo_format import (
    buttons_message,
    image_message,
    menu_choice,
    menu_payloads,
    numbered_menu,
    split_text,
    zalo_buttons,
)
from bot.channels.zalo_signature import SignatureVerifier, compute_mac, signature_header
from tests.fakes.zalo_events import APP_ID, APP_SECRET, OA_ID, OA_SECRET, signed, text_event


def verifier(**overrides) -> SignatureVerifier:
    values = {"app_id": APP_ID, "oa_id": OA_ID, "oa_secret_key": OA_SECRET, "app_secret_key": APP_SECRET}
    values.update(overrides)
    return SignatureVerifier(ZaloConfig.from_mapping(values))


# --- signature ------------------------------------------------------------------------------


def test_documented_formula_is_plain_sha256_of_the_concatenation():
    import hashlib

    raw = b'{"a":1}'
    assert compute_mac("app", raw, "123", "sec") == hashlib.sha256(b'app{"a":1}123sec').hexdigest()
    assert signature_header("app", raw, "123", "sec").startswith("mac=")


def test_valid_signature_is_accepted_and_variant_reported():
    raw, headers = signed(text_event("u1", "xin chào"))
    verdict = verifier().verify(raw, headers)
    assert verdict.ok and verdict.reason == "ok" and verdict.variant == "app_id+body+oa_secret"
    assert verdict.event["message"]["text"] == "xin chào"


def test_header_lookup_is_case_insensitive_enough_and_bare_hex_accepted():
    raw, headers = signed(text_event("u1", "hi"))
    bare = headers["X-ZEvent-Signature"].split("=", 1)[1].upper()
    assert verifier().verify(raw, {"x-zevent-signature": bare}).ok


@pytest.mark.parametrize("mutate", ["secret", "body", "app_secret", "hmac"])
def test_forged_signatures_are_rejected(mutate):
    event = text_event("u1", "xin chào")
    if mutate == "secret":
        raw, headers = signed(event, secret="guessed")
    elif mutate == "app_secret":  # the wrong key of the two
        raw, headers = signed(event, secret=APP_SECRET)
    elif mutate == "hmac":  # what some community code does: HMAC-SHA256(secret, body)
        import hashlib
        import hmac

        raw = json.dumps(event).encode()
        headers = {
            "X-ZEvent-Signature": "mac=" + hmac.new(OA_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        }
    else:
        raw, headers = signed(event)
        raw = raw.replace("xin chào".encode(), "xin chao".encode())
    verdict = verifier().verify(raw, headers)
    assert not verdict.ok and verdict.reason == "mismatch"


def test_reserialised_body_does_not_verify():
    """The MAC covers the bytes as received: json.dumps with other spacing fails."""
    event = text_event("u1", "em muốn học nghề")
    raw, headers = signed(event)
    reserialised = json.dumps(json.loads(raw)).encode()  # ASCII escapes, spaces
    assert verifier().verify(raw, headers).ok
    assert verifier().verify(reserialised, headers).reason == "mismatch"


def test_missing_signature_rejected():
    raw, _ = signed(text_event("u1", "hi"))
    assert verifier().verify(raw, {}).reason == "missing"
    assert verifier().verify(raw, {"X-ZEvent-Signature": "  "}).reason == "missing"


def test_malformed_body_rejected():
    assert verifier().verify(b"not json", {"X-ZEvent-Signature": "mac=00"}).reason == "malformed"
    assert verifier().verify(b"[1,2]", {"X-ZEvent-Signature": "mac=00"}).reason == "malformed"


def test_empty_secret_rejects_everything():
    raw, headers = signed(text_event("u1", "hi"), secret="")
    verdict = verifier(oa_secret_key="").verify(raw, headers)
    assert not verdict.ok and verdict.reason == "not_configured"


def test_replayed_old_event_is_stale_and_future_one_too():
    v = verifier()
    old = str(int((time.time() - 3 * 3600) * 1000))
    raw, headers = signed(text_event("u1", "hi", timestamp=old))
    verdict = v.verify(raw, headers)
    assert not verdict.ok and verdict.reason == "stale"
    future = str(int((time.time() + 3600) * 1000))
    raw, headers = signed(text_event("u1", "hi", timestamp=future))
    assert v.verify(raw, headers).reason == "stale"
    # within the window (Zalo's retries come up to ~1.8 h later) it is fine
    recent = str(int((time.time() - 3600) * 1000))
    raw, headers = signed(text_event("u1", "hi", timestamp=recent))
    assert v.verify(raw, headers).ok


def test_forged_stale_event_reports_mismatch_not_stale():
    old = str(int((time.time() - 3 * 3600) * 1000))
    raw, headers = signed(text_event("u1", "hi", timestamp=old), secret="forged")
    assert verifier().verify(raw, headers).reason == "mismatch"


def test_alternative_variants_only_when_enabled():
    event = text_event("u1", "hi")
    raw = json.dumps(event).encode()
    oa_first = {"X-ZEvent-Signature": signature_header(OA_ID, raw, event["timestamp"], OA_SECRET)}
    assert verifier().verify(raw, oa_first).reason == "mismatch"
    both = verifier(signature_variants="app_id+body+oa_secret,oa_id+body+oa_secret")
    verdict = both.verify(raw, oa_first)
    assert verdict.ok and verdict.variant == "oa_id+body+oa_secret"
    header_ts = {"X-ZEvent-Signature": signature_header(APP_ID, raw, "999", OA_SECRET), "timestamp": "999"}
    assert (
        verifier(signature_variants="app_id+header+oa_secret").verify(raw, header_ts).variant
        == "app_id+header+oa_secret"
    )
    app_secret = {"X-ZEvent-Signature": signature_header(APP_ID, raw, event["timestamp"], APP_SECRET)}
    assert verifier(signature_variants="app_id+body+app_secret").verify(raw, app_secret).ok


def test_unknown_variant_is_a_config_error():
    with pytest.raises(ValueError, match="unknown signature variant"):
        ZaloConfig.from_mapping({"signature_variants": "hmac"})


# --- splitting -------------------------------------------------------------------------------


def test_short_text_is_one_chunk_and_nfc():
    nfd = unicodedata.normalize("NFD", "Chào bạn")
    assert split_text(nfd) == ["Chào bạn"]
    assert split_text("   ") == []


def test_long_text_splits_on_sentence_boundaries_within_limit():
    sentence = "Trường trung cấp nghề có nhiều ngành học phù hợp với học sinh lớp 9. "
    text = sentence * 80  # ~5,600 characters
    chunks = split_text(text, 2000)
    assert len(chunks) == 3
    assert all(len(c) <= 2000 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == text.strip()


def test_question_marks_ellipsis_and_newlines_are_boundaries():
    text = ("Em hỏi gì? " * 30) + "\n" + ("Được… " * 30)
    for chunk in split_text(text, 100):
        assert len(chunk) <= 100
        assert chunk.endswith(("?", "…"))


def test_sentence_longer_than_limit_splits_on_spaces_then_hard():
    text = ("chữ " * 700).strip()
    chunks = split_text(text, 2000)
    assert all(len(c) <= 2000 for c in chunks) and " ".join(chunks) == text
    blob = "x" * 4500
    chunks = split_text(blob, 2000)
    assert [len(c) for c in chunks] == [2000, 2000, 500]


def test_boundary_exactly_at_limit():
    text = "a" * 1999 + ". " + "b" * 10
    assert split_text(text, 2000) == ["a" * 1999 + ".", "b" * 10]


# --- buttons ---------------------------------------------------------------------------------

BUTTONS = [
    {"title": "Trung cấp", "payload": '/ask_level{"level":"trung_cap"}'},
    {"title": "Cao đẳng", "payload": '/ask_level{"level":"cao_dang"}'},
    {"title": "Trang tuyển sinh", "url": "https://example.invalid/ts"},
]


def test_rasa_buttons_become_oa_query_hide_with_payload():
    mapped = zalo_buttons(BUTTONS)
    assert mapped[0] == {
        "title": "Trung cấp",
        "type": "oa.query.hide",
        "payload": '/ask_level{"level":"trung_cap"}',
    }
    assert mapped[2] == {
        "title": "Trang tuyển sinh",
        "type": "oa.open.url",
        "payload": {"url": "https://example.invalid/ts"},
    }
    message = buttons_message("Em quan tâm trình độ nào?", BUTTONS[:2])
    assert message["text"] == "Em quan tâm trình độ nào?"
    assert message["attachment"]["type"] == "template"
    assert len(message["attachment"]["payload"]["buttons"]) == 2


def test_numbered_menu_and_choice_mapping():
    menu = numbered_menu("Em quan tâm trình độ nào?", BUTTONS[:2])
    assert menu.splitlines() == [
        "Em quan tâm trình độ nào?",
        "",
        "1. Trung cấp",
        "2. Cao đẳng",
        "Gõ 1 hoặc 2 để chọn nhé.",
    ]
    payloads = menu_payloads(BUTTONS[:2])
    assert menu_choice("2", payloads) == '/ask_level{"level":"cao_dang"}'
    assert menu_choice(" 1. ", payloads) == '/ask_level{"level":"trung_cap"}'
    assert menu_choice("3", payloads) is None
    assert menu_choice("em chọn 1", payloads) is None


def test_image_message_shape():
    message = image_message("https://example.invalid/a.png")
    element = message["attachment"]["payload"]["elements"][0]
    assert message["attachment"]["payload"]["template_type"] == "media"
    assert element == {"media_type": "image", "url": "https://example.invalid/a.png"}


# --- backoff -----------------------------------------------------------------------------------


def _waits(strategy, attempts):
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    for attempt in attempts:
        state.attempt_number = attempt
        yield strategy(state)


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    waits = list(_waits(backoff_wait(base=0.5, cap=8.0), range(1, 30)))
    for attempt, delay in enumerate(waits, 1):
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(w, 6) for w in waits[10:]}) > 1  # jitter: capped waits still differ
    assert sum(_waits(backoff_wait(1.0, 30.0), range(1, 5))) <= 1 + 2 + 4 + 8


# --- configuration -------------------------------------------------------------------------------


def test_defaults_from_empty_env_strings():
    values = {key.removeprefix("ZALO_").lower(): value for key, value in ZALO_ENV_DEFAULTS.items()}
    values["oa_secret_key"] = ""
    config = ZaloConfig.from_mapping(values)
    assert config.max_buttons == 4 and config.button_mode == "buttons" and config.follow_payload == "/greet"
    assert config.send_url == "https://openapi.zalo.me/v3.0/oa/message/cs"
    assert config.token_url == "https://oauth.zaloapp.com/v4/oa/access_token"
    assert not SignatureVerifier(config).configured
    assert "secret" not in repr(config).lower() or OA_SECRET not in repr(config)


def test_credentials_file_loads_with_only_the_defaults(monkeypatch):
    """Rasa refuses to start on an unset ${VAR}: rasa_main's defaults must cover credentials.yml."""
    import os

    from rasa.shared.utils.io import read_config_file

    from bot.runtime.rasa_main import export_default_environment

    for key in list(os.environ):
        if key.startswith("ZALO_"):
            monkeypatch.delenv(key)
    export_default_environment()
    section = read_config_file("credentials.yml")["bot.channels.zalo.ZaloInput"]
    config = ZaloConfig.from_mapping(section)
    assert config.app_id == "" and config.signature_variants == ("app_id+body+oa_secret",)
    for key in ZALO_ENV_DEFAULTS:
        monkeypatch.delenv(key, raising=False)
