from __future__ import annotations

from actions.quiz import ASK_ACTIONS, QUIZ_ITEMS, ActionQuizResult, quiz_scores, top_types
from bot.catalog.search import occupations_by_riasec
from tests.actions.helpers import make_tracker, run_action, texts


def test_twelve_items_two_per_type_with_yes_no_buttons():
    assert len(QUIZ_ITEMS) == 12
    assert sorted(code for _, code, _ in QUIZ_ITEMS) == sorted("RIASEC" * 2)
    assert len({q for _, _, q in QUIZ_ITEMS}) == 12
    messages, _ = run_action(ASK_ACTIONS[0](), make_tracker())
    assert (
        messages[0]["text"].startswith("Mình có 12 câu hỏi")
        and "\nCâu 1/12: " in messages[0]["text"]
        and [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    )
    assert [a().name() for a in ASK_ACTIONS] == [f"action_ask_quiz_{i}" for i in range(1, 13)]


def test_scoring():
    answers = {slot: ("co" if code in "SC" else "khong") for slot, code, _ in QUIZ_ITEMS}
    scores = quiz_scores(answers)
    assert scores["S"] == scores["C"] == 2 and scores["R"] == 0
    assert top_types(scores) == ["S", "C"]
    assert top_types(quiz_scores({})) == []


def test_result_leads_to_catalogue_occupations_and_programmes(session):
    slots = {slot: ("co" if code in "RI" else "khong") for slot, code, _ in QUIZ_ITEMS}
    messages, events = run_action(ActionQuizResult(), make_tracker(slots))
    text = texts(messages)
    assert "định hướng" in text and "không phải kết luận" in text
    for occupation in occupations_by_riasec(session, ["R", "I"], limit=4):
        assert occupation.name in text
    assert any(b["payload"].startswith("/find_programme") for b in messages[0]["buttons"])
    assert all(e["value"] is None for e in events if e["name"].startswith("quiz_"))


def test_all_no_gives_no_occupation_but_a_counsellor():
    slots = {slot: "khong" for slot, _, _ in QUIZ_ITEMS}
    messages, _ = run_action(ActionQuizResult(), make_tracker(slots))
    assert "Chưa thấy nhóm sở thích" in texts(messages)
    assert messages[0]["buttons"][-1]["payload"] == "/request_human"


def test_typed_answers_fill_only_the_asked_item():
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions.quiz import ValidateQuizForm

    form = ValidateQuizForm()
    tracker = make_tracker({"requested_slot": "quiz_3"}, intent="inform", text="co a")
    assert asyncio.run(form.extract_quiz_3(CollectingDispatcher(), tracker, {})) == {"quiz_3": "co"}
    assert asyncio.run(form.extract_quiz_4(CollectingDispatcher(), tracker, {})) == {}
    tracker = make_tracker({"requested_slot": "quiz_3"}, intent="inform", text="hok")
    assert asyncio.run(form.extract_quiz_3(CollectingDispatcher(), tracker, {})) == {"quiz_3": "khong"}


def test_a_parent_is_asked_about_their_child():
    from actions.quiz import QUIZ_ITEMS, question_text

    for index, (_, _, question) in enumerate(QUIZ_ITEMS):
        assert question.startswith("Em ")
        parent = question_text(index, "parent")
        assert "Cháu " + question[3:] in parent and "Em có" not in parent
        assert question in question_text(index, "student")
    assert "anh/chị trả lời thay" in question_text(0, "parent")
