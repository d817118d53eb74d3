from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import NO_TIME, ActionSubmitCallback, ValidateCallbackForm, extract_phone
from bot.handoff import CallbackRequest
from tests.actions.helpers import make_tracker, run_action, texts


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("số của tôi là 84912345678 nhé", "0912345678"),
        ("02113 845 678", "02113845678"),
    ],
)
def test_vietnamese_phone_formats(typed, expected):
    assert extract_phone(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "abc", "", "+1 415 555 0100", "0912-34", None])
def test_not_a_vietnamese_phone(typed):
    assert extract_phone(typed) is None


def test_validate_phone_and_time():
    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    tracker = make_tracker({"user_role": "parent"})
    assert form.validate_callback_phone("0987 654 321", dispatcher, tracker, {}) == {
        "callback_phone": "0987654321"
    }
    assert form.validate_callback_phone("mai gọi nhé", dispatcher, tracker, {}) == {"callback_phone": None}
    assert "chưa đúng" in texts(dispatcher.messages)
    assert form.validate_callback_time("sau 19h", dispatcher, tracker, {}) == {"callback_time": "sau 19h"}


def test_a_number_typed_when_the_time_was_asked_is_kept():
    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    tracker = make_tracker({"user_role": "parent", "requested_slot": "callback_time"})
    result = form.validate_callback_time("0912 345 678", dispatcher, tracker, {})
    # kept in this turn (the tracker store masks it once the turn is written): the form completes now
    assert result == {"callback_time": "chưa hẹn giờ", "callback_phone": "0912345678"}


def _rows(url):
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(CallbackRequest.__table__)).mappings().all()
    finally:
        engine.dispose()


def test_submit_stores_the_request_with_consent(catalog_url):
    before = len(_rows(catalog_url))
    tracker = make_tracker(
        {
            "callback_consent": True,
            "callback_time": "sáng thứ 7",
            "callback_phone": "0912345678",
            "user_role": "parent",
            "area": "yen_lac",
            "last_topic": "support_policy",
        },
        sender_id="handoff-1",
    )
    messages, events = run_action(ActionSubmitCallback(), tracker)
    rows = _rows(catalog_url)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["sender_id"], row["phone"], row["preferred_time"], row["user_role"], row["area"]) == (
        "handoff-1",
        "0912345678",
        "sáng thứ 7",
        "parent",
        "yen_lac",
    )
    assert row["consent_at"] is not None and row["channel"] == "rest"
    assert "Đã ghi nhận" in texts(messages) and "0912345678" not in texts(messages)
    assert {e["name"]: e["value"] for e in events}["callback_phone"] is None


def test_no_consent_stores_nothing(catalog_url):
    before = len(_rows(catalog_url))
    tracker = make_tracker({"callback_consent": False, "user_role": "student"})
    messages, _ = run_action(ActionSubmitCallback(), tracker)
    assert len(_rows(catalog_url)) == before
    assert "không lưu" in texts(messages)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("đồng ý", True),
        ("Có ạ", True),
        ("dong y", True),
        ("ok", True),
        ("ko", False),
        ("Không", False),
        ("sau 19h", None),
    ],
)
def test_typed_consent_is_understood_only_while_asked(typed, expected):
    import asyncio

    form = ValidateCallbackForm()
    asked = make_tracker({"requested_slot": "callback_consent"}, intent="inform", text=typed)
    result = asyncio.run(form.extract_callback_consent(CollectingDispatcher(), asked, {}))
    assert result == ({} if expected is None else {"callback_consent": expected})
    later = make_tracker({"requested_slot": "callback_time"}, intent="deny", text=typed)
    assert asyncio.run(form.extract_callback_consent(CollectingDispatcher(), later, {})) == {}


@pytest.mark.parametrize("requested", ["callback_consent", "user_role"])
def test_a_number_typed_before_it_is_asked_is_the_consent_and_completes_the_request(requested):
    # the number exists unmasked only in this turn: consent, no time and the number, all now,
    # and the role (if unknown) is not asked any more
    import asyncio

    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    early = make_tracker({"requested_slot": requested}, intent="inform", text="0912 345 678 ạ")
    assert asyncio.run(form.extract_callback_consent(dispatcher, early, {})) == {
        "callback_consent": True,
        "callback_time": NO_TIME,
        "callback_phone": "0912345678",
    }
    filled = make_tracker(
        {"callback_consent": True, "callback_time": NO_TIME, "callback_phone": "0912345678"}
    )
    assert "user_role" not in asyncio.run(form.required_slots([], dispatcher, filled, {}))
    no_number = make_tracker({"requested_slot": requested}, intent="inform", text="sau 19h")
    assert asyncio.run(form.extract_callback_consent(dispatcher, no_number, {})) == {}


def test_changing_ones_mind_at_the_phone_question_cancels():
    import asyncio

    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    tracker = make_tracker({"user_role": "student", "callback_consent": True})
    assert form.validate_callback_phone("thôi", dispatcher, tracker, {}) == {
        "callback_consent": False,
        "callback_phone": None,
    }
    cancelled = make_tracker({"callback_consent": False})
    assert asyncio.run(form.required_slots(["callback_consent"], dispatcher, cancelled, {})) == [
        "callback_consent"
    ]


def test_a_time_given_at_the_phone_question_is_kept_as_the_time_not_called_a_wrong_number():
    form, dispatcher = ValidateCallbackForm(), CollectingDispatcher()
    tracker = make_tracker({"user_role": "parent", "callback_consent": True, "callback_time": "sáng"})
    result = form.validate_callback_phone("Gọi chị buổi chiều sau 5 giờ nhé", dispatcher, tracker, {})
    assert result == {"callback_phone": None, "callback_time": "Gọi chị buổi chiều sau 5 giờ nhé"}
    assert "chưa đúng" not in dispatcher.messages[0]["text"]
    wrong = CollectingDispatcher()
    assert form.validate_callback_phone("0912 34", wrong, tracker, {}) == {"callback_phone": None}
    assert "chưa đúng" in wrong.messages[0]["text"]
