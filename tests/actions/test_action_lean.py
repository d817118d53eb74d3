"""The optional streaming question (actions/lean.py, bot/lean.py): when it is asked, in whose
words, and how tapped and typed answers are stored."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.info import ActionComparePaths
from actions.lean import ActionLeanAnswer
from actions.quiz import QUIZ_ITEMS, ActionQuizResult
from bot import lean
from tests.actions.helpers import entity, make_tracker, run_action, texts

LEAN_PAYLOADS = [
    '/tell_lean{"lean":"thpt"}',
    '/tell_lean{"lean":"trung_cap"}',
    '/tell_lean{"lean":"so_cap"}',
    '/tell_lean{"lean":"chua_biet"}',
]


def _slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_asked_after_the_comparison_once_with_four_buttons():
    messages, events = run_action(
        ActionComparePaths(), make_tracker(intent="compare_paths", text="nên học nghề hay thi cấp 3")
    )
    question = messages[-1]
    assert "Hiện em đang nghiêng về hướng nào?" in question["text"] and "Không bắt buộc" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == LEAN_PAYLOADS
    assert [b["title"] for b in question["buttons"]] == [
        "THPT (lớp 10)",
        "9+ hoặc trung cấp",
        "Sơ cấp hoặc đi làm",
        "Chưa biết",
    ]
    assert any(b["payload"] == "/start_interest_quiz" for m in messages[:-1] for b in m.get("buttons") or [])
    assert _slot_events(events)["lean_asked"] is True

    for slots in ({"lean_asked": True}, {"lean": "thpt"}):
        messages, events = run_action(ActionComparePaths(), make_tracker(slots, intent="compare_paths"))
        assert "nghiêng về" not in texts(messages) and "lean_asked" not in _slot_events(events)


def test_parents_are_asked_about_their_child():
    messages, _ = run_action(
        ActionComparePaths(), make_tracker({"user_role": "parent"}, intent="compare_paths")
    )
    assert "hiện cháu đang nghiêng về hướng nào ạ?" in messages[-1]["text"]
    assert messages[-1]["text"].startswith("Anh/chị") and " em" not in messages[-1]["text"]


def test_never_asked_inside_a_form():
    tracker = make_tracker(intent="compare_paths")
    in_quiz = Tracker(
        tracker.sender_id,
        {},
        tracker.latest_message,
        tracker.events,
        False,
        None,
        {"name": "quiz_form"},
        "action_listen",
    )
    messages, events = run_action(ActionComparePaths(), in_quiz)
    assert "nghiêng về" not in texts(messages) and "lean_asked" not in _slot_events(events)


def test_asked_after_a_completed_quiz_only():
    answers = {slot: ("co" if code in "RI" else "khong") for slot, code, _ in QUIZ_ITEMS}
    messages, events = run_action(ActionQuizResult(), make_tracker(answers))
    assert (
        "Hiện em đang nghiêng về hướng nào?" in messages[-1]["text"]
        and _slot_events(events)["lean_asked"] is True
    )
    assert "Kết quả chỉ để định hướng" in messages[0]["text"]
    messages, events = run_action(
        ActionQuizResult(), make_tracker({**answers, "flow_exit": "stop"}, text="thôi")
    )
    assert "nghiêng về" not in texts(messages) and "lean_asked" not in _slot_events(events)


@pytest.mark.parametrize("value", lean.BUTTONS)
def test_a_tapped_answer_is_stored_and_acknowledged(value):
    tracker = make_tracker(
        intent="tell_lean", entities=[entity("lean", value)], text=f'/tell_lean{{"lean":"{value}"}}'
    )
    messages, events = run_action(ActionLeanAnswer(), tracker)
    assert _slot_events(events) == {"lean": value, "lean_asked": True}
    assert (
        len(messages) == 1 and messages[0]["text"].startswith("Cảm ơn em") and not messages[0].get("buttons")
    )


@pytest.mark.parametrize(
    "text, role, value, words",
    [
        ("em nghieng ve hoc nghe", None, "hoc_nghe", "em đang nghiêng về học nghề"),
        ("em nghiêng về thi lớp 10", None, "thpt", "thi vào lớp 10 THPT"),
        ("e dinh hoc tc", None, "trung_cap", "học 9+ hoặc trung cấp"),
        ("con tôi nghiêng về học 9+", "parent", "trung_cap", "cháu đang nghiêng về học 9+ hoặc trung cấp"),
        ("e tinh di lam luon", None, "so_cap", "học sơ cấp hoặc đi làm"),
        ("em chưa quyết định được theo hướng nào", None, "chua_biet", "Chưa chọn được cũng không sao"),
    ],
)
def test_a_typed_answer_is_read_and_acknowledged_in_the_users_register(text, role, value, words):
    slots = {"user_role": role} if role else {}
    messages, events = run_action(ActionLeanAnswer(), make_tracker(slots, intent="tell_lean", text=text))
    assert _slot_events(events)["lean"] == value
    assert words in messages[0]["text"]
    assert ("Anh/chị" in messages[0]["text"] or "anh/chị" in messages[0]["text"]) == (role == "parent")


def test_an_unclear_answer_stores_nothing_and_offers_the_buttons():
    messages, events = run_action(
        ActionLeanAnswer(), make_tracker(intent="tell_lean", text="em học nghề hơn là thi cấp 3 chắc vậy")
    )
    assert "lean" not in _slot_events(events)
    assert [b["payload"] for b in messages[0]["buttons"]] == LEAN_PAYLOADS


def test_lean_of_reads_folded_text():
    assert lean.lean_of("EM NGHIÊNG VỀ HỌC NGHỀ") == "hoc_nghe"
    assert lean.lean_of("học nghề trung cấp") == "trung_cap"
    assert lean.lean_of("hoc nghe so cap roi di lam") == "so_cap"
    assert lean.lean_of("em chưa biết nên học nghề hay thi cấp 3") == "chua_biet"
    assert lean.lean_of("9+ a") == "trung_cap"
    assert lean.lean_of("em thích nấu ăn") is None
    assert lean.lean_of("") is None and lean.lean_of(None) is None


def test_the_slot_values_are_the_domains():
    from bot import vocabulary

    assert vocabulary.slot_values("lean") == lean.LEANS
    assert "tell_lean" in vocabulary.intents() and "lean" in vocabulary.entities()
