"""bot.privacy on the PII corpus, on every phone format the callback form accepts,
and on Rasa event structures."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bot.privacy import MASK_EMAIL, MASK_PHONE, extract_phone, find_pii, mask_pii, mask_structure
from tests.privacy.corpus import ITEMS, NEGATIVES, POSITIVES, digits_of, leaks


def test_corpus_is_large_and_varied():
    assert len(ITEMS) >= 150
    kinds = {item["kind"] for item in ITEMS}
    assert {"phone", "email", "id_number", "none"} <= kinds
    assert len(NEGATIVES) >= 30


@pytest.mark.parametrize("item", POSITIVES, ids=lambda item: item["id"])
def test_corpus_pii_is_masked(item):
    masked = mask_pii(item["text"])
    assert [pii for pii in item["pii"] if leaks(pii, masked)] == [], masked
    assert mask_pii(masked) == masked  # idempotent
    nfd = mask_pii(unicodedata.normalize("NFD", item["text"]))
    assert [pii for pii in item["pii"] if leaks(unicodedata.normalize("NFD", pii), nfd)] == [], nfd


@pytest.mark.parametrize("item", NEGATIVES, ids=lambda item: item["id"])
def test_corpus_negatives_are_not_masked(item):
    assert mask_pii(item["text"]) == item["text"]


def test_corpus_leak_count_is_zero():
    leaked = [
        (item["id"], pii) for item in POSITIVES for pii in item["pii"] if leaks(pii, mask_pii(item["text"]))
    ]
    over = [item["id"] for item in NEGATIVES if mask_pii(item["text"]) != item["text"]]
    print(
        f"PII corpus: {sum(len(i['pii']) for i in POSITIVES)} PII in {len(POSITIVES)} messages, "
        f"{len(leaked)} leaked; {len(NEGATIVES)} negatives, {len(over)} over-masked"
    )
    assert leaked == [] and over == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(024) 3825 1234", "[SĐT]"),
        ("(0211) 3862 123", "[SĐT]"),
        ("0912  345  678", "[SĐT]"),
        ("0912 - 345 - 678", "[SĐT]"),
        ("sđt0912345678", "sđt[SĐT]"),
        ("０９１２３４５６７８", "[SĐT]"),
        ("0084 912 345 678", "[SĐT]"),
        ("an [at] gmail [dot] com", "[EMAIL]"),
        ("nguyenvanan @ gmail.com", "[EMAIL]"),
        ("nguyễn.an@gmail.com", "[EMAIL]"),
        ("sdt (0387238575)", "sdt ([SĐT])"),
        ("+84 (0)983 239 953", "[SĐT]"),
        ("0 9 1 2 3 4 5 6 7 8", "[SĐT]"),
        ("mail: an@gmail.com. Em cảm ơn", "mail: [EMAIL]. Em cảm ơn"),
        ("Email:vuhaiyen2011@gmail.comnhé", "Email:[EMAIL]nhé"),
        ("CCCD0012 1100 8731", "CCCD[CCCD]"),
        ("CMND: 162 345 879", "CMND: [CMND]"),
        ("162 345 879", "[CMND]"),
        ("162.345.879", "162.345.879"),
        ("+1 415 555 0100", "[SĐT]"),
        ("sđt 0912\u200b345\u200b678 nhé", "sđt [SĐT] nhé"),
        ("0912\u00ad345678", "[SĐT]"),
        ("0912\u00a0345\u3000678", "[SĐT]"),
        ("0912–345–678", "[SĐT]"),
        ("an@gmail.com,bich@gmail.com", "[EMAIL],[EMAIL]"),
        ("x 2+84912345678", "x 2[SĐT]"),
    ],
)
def test_probe_formats(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "chỉ tiêu 150.200.300",
        "dân số 450 000 người",
        "150 000 000 đồng",
        "120.000.000 đồng",
        "150.000.000.000 đ",
        "mã zalo 12345678901234567890",
        "ngày 01.06.2026 08:30",
        "Nghị định 238/2025/NĐ-CP",
        "gặp em @ trường nhé",
        "điểm 8.5, năm 2025",
    ],
)
def test_ordinary_numbers_and_text_stay(text):
    assert mask_pii(text) == text


# ------------------------------------------------------------- the callback form's formats

_FULL_WIDTH = str.maketrans("0123456789()-.+ ", "０１２３４５６７８９（）－．＋　")


def _render(rng: random.Random, national: str) -> str:
    """One way a person might type `national` (0xxxxxxxxx / 02xxxxxxxxx)."""
    prefix = rng.choice(["", "", "+84", "+84 ", "84", "84 ", "0084", "0084 ", "(+84) ", "+84 (0)", "(area)"])
    area = prefix == "(area)"
    if area:
        prefix = ""
    body = national[1:] if prefix else national
    # split into 2-4 groups of 2-4 digits
    groups, rest = [], body
    while rest:
        size = rng.choice([2, 3, 3, 4, 4]) if len(rest) > 4 else len(rest)
        groups.append(rest[:size])
        rest = rest[size:]
    sep = rng.choice(["", " ", "  ", "   ", ".", "-", " - ", " . "])
    number = sep.join(groups) if rng.random() < 0.8 else "".join(groups)
    if area and national.startswith("02"):
        code = national[:3] if national[2] == "4" or national[2] == "8" else national[:4]
        number = f"({code}) {national[len(code) : len(code) + 4]} {national[len(code) + 4 :]}"
    text = prefix + number
    if rng.random() < 0.25:
        text = text.translate(_FULL_WIDTH)
    before = rng.choice(["", "sđt", "sdt:", "SĐT: ", "số mẹ em là ", "zalo ", "đt", "(", "gọi "])
    after = rng.choice(["", " nhé", "nha ad", ".", ", em cảm ơn", ")", " ạ", "!!!"])
    return before + text + after


def _random_national(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return "0" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(8))
    return (
        "02"
        + rng.choice(["4", "8", "11", "04", "25", "36"]).ljust(2, "1")[:2]
        + "".join(rng.choice("0123456789") for _ in range(7))
    )


def test_every_phone_the_form_accepts_is_masked():
    rng = random.Random(15)
    accepted = 0
    for _ in range(3000):
        national = _random_national(rng)
        typed = _render(rng, national)
        phone = extract_phone(typed)
        assert phone == national, typed
        accepted += 1
        masked = mask_pii(typed)
        assert national[1:] not in digits_of(masked), (typed, masked)
    assert accepted == 3000


def test_property_whatever_the_form_accepts_masking_removes():
    """Random junk of digits, separators and letters: whenever the form's parser finds
    a phone, the masked text no longer holds its digits."""
    rng = random.Random(2026)
    alphabet = "0123456789" * 4 + " .-()+" + "abcđsdt@" + "０９"
    found = 0
    for _ in range(20000):
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40)))
        phone = extract_phone(typed)
        if phone is None:
            continue
        found += 1
        assert phone[1:] not in digits_of(mask_pii(typed)), (typed, mask_pii(typed))
    assert found > 100  # the property was exercised


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "abc",
        "",
        None,
        "+1 415 555 0100",
        "0912-34",
        "0123 456 7890",
        "001211034872",
        "an@gmail.com",
        "năm 2025",
    ],
)
def test_form_rejects_what_is_not_a_vietnamese_phone(typed):
    assert extract_phone(typed) is None


def test_find_pii_reports_spans_in_the_original_text():
    text = "sđt ０９１２ ３４５ ６７８ và mail ＡＮ＠gmail.com"
    spans = [(text[m.start : m.end], m.mask, m.value) for m in find_pii(text)]
    assert spans == [
        ("０９１２ ３４５ ６７８", MASK_PHONE, "0912345678"),
        ("ＡＮ＠gmail.com", MASK_EMAIL, "AN@gmail.com"),
    ]


# ------------------------------------------------------------- event structures


def test_client_metadata_is_masked_by_value_and_rasa_ids_kept():
    text = "sdt 0912345678 em ở Vĩnh Tường"
    event = {
        "event": "user",
        "text": text,
        "message_id": "a3f0912345678b",
        "input_channel": "rest",
        "parse_data": {
            "text": text,
            "message_id": "a3f0912345678b",
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "area", "value": "vinh_tuong", "start": 20, "end": 30}],
        },
        "metadata": {
            "phone_id": "0912345678",
            "user_id": "an@gmail.com",
            "message_id": "0987654321",
            "0987 654 321": "key",
            "nested": [{"sender_id": "+84 912 345 678"}],
        },
    }
    masked = mask_structure(event)
    assert masked["message_id"] == masked["parse_data"]["message_id"] == "a3f0912345678b"
    assert masked["metadata"] == {
        "phone_id": "[SĐT]",
        "user_id": "[EMAIL]",
        "message_id": "[SĐT]",
        "[SĐT]": "key",
        "nested": [{"sender_id": "[SĐT]"}],
    }
    new_text = masked["parse_data"]["text"]
    area = masked["parse_data"]["entities"][0]
    assert new_text[area["start"] : area["end"]] == "Vĩnh Tường"


def test_entity_values_over_personal_data_are_masked_with_their_span():
    text = "CMND: 162.345.879 ạ"  # the value alone reads as an amount; its place in the text does not
    message = {
        "text": text,
        "entities": [{"entity": "number", "value": "162.345.879", "start": 6, "end": 17}],
    }
    masked = mask_structure(message)
    assert masked["text"] == "CMND: [CMND] ạ"
    assert masked["entities"] == [{"entity": "number", "value": "[CMND]", "start": 6, "end": 12}]


def test_slot_and_bot_events_are_masked():
    slot = {"event": "slot", "name": "callback_phone", "value": "sđt0912345678", "timestamp": 1.0}
    bot = {
        "event": "bot",
        "text": "Cô gọi số 0912 345 678 nhé",
        "data": {"buttons": [{"title": "0912345678"}]},
    }
    assert mask_structure(slot)["value"] == "sđt[SĐT]"
    assert mask_structure(bot) == {
        "event": "bot",
        "text": "Cô gọi số [SĐT] nhé",
        "data": {"buttons": [{"title": "[SĐT]"}]},
    }


def test_a_callback_time_answer_is_stored_masked(tmp_path):
    """The preferred time is free text: a phone or e-mail typed there is masked."""
    import datetime as dt

    from bot.db import session_scope
    from bot.handoff import CallbackRequest, create_callback_request
    from bot.migrations import runner

    url = f"sqlite:///{tmp_path / 'cb.db'}"
    runner.upgrade(url)
    with session_scope(url) as session:
        create_callback_request(
            session,
            sender_id="s",
            channel="rest",
            phone="0912345678",
            preferred_time="tối nay, hoặc mail an@gmail.com, sđt 0987 654 321",
            consent_at=dt.datetime(2026, 12, 1, 8, 0),
        )
    with session_scope(url) as session:
        [row] = session.query(CallbackRequest).all()
        assert row.phone == "0912345678"
        assert "an@gmail.com" not in row.preferred_time and "0987 654 321" not in row.preferred_time
        assert row.preferred_time.startswith("tối nay")
