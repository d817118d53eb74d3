"""Interest quiz: 12 short yes/no items, two per RIASEC type, in our own words.

It is an orientation for 14-15-year-olds, not a diagnosis: the result names the
strongest interest types, then occupations from the catalogue
(`occupations_by_riasec`) and where in the province they are taught.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.common import (
    CatalogAction,
    join_lines,
    menu_buttons,
    say,
    slot_value,
    user_role,
    wants_stop,
    yes_no,
    you,
)
from actions.lean import ask_lean
from actions.programmes import interest_answer, interest_of
from bot.catalog.search import find_programmes, occupations_by_riasec

YES, NO = "co", "khong"

# (slot, RIASEC type, question). Wording is the project's own.
QUIZ_ITEMS: List[Tuple[str, str, str]] = [
    ("quiz_1", "R", "Em có thích tự tay sửa đồ trong nhà như quạt, xe đạp, ổ điện không?"),
    ("quiz_2", "I", "Em có hay tò mò vì sao máy móc, cây cối hay cơ thể hoạt động được không?"),
    ("quiz_3", "A", "Em có thích vẽ, trang trí, chụp ảnh hoặc làm đồ thủ công không?"),
    ("quiz_4", "S", "Em có thích giảng bài cho bạn bè hoặc trông em nhỏ không?"),
    ("quiz_5", "E", "Em có hay đứng ra rủ bạn bè, chia việc cho cả nhóm không?"),
    ("quiz_6", "C", "Em có thích sắp xếp sách vở, đồ đạc gọn gàng theo thứ tự không?"),
    ("quiz_7", "R", "Em có thích làm việc ngoài trời hoặc với máy móc, dụng cụ hơn ngồi bàn giấy không?"),
    ("quiz_8", "I", "Em có thích giải bài toán khó hoặc làm thí nghiệm không?"),
    ("quiz_9", "A", "Em có hay nghĩ ra cách làm mới, khác mọi người không?"),
    ("quiz_10", "S", "Em có thấy vui khi chăm sóc người ốm hoặc người già không?"),
    ("quiz_11", "E", "Em có thích thuyết phục người khác hoặc thử bán hàng không?"),
    ("quiz_12", "C", "Em có thích ghi chép, tính toán con số cẩn thận, ít sai sót không?"),
]
QUIZ_SLOTS = [slot for slot, _, _ in QUIZ_ITEMS]
TYPE_NAMES = {
    "R": "Kỹ thuật (thích làm bằng tay, máy móc)",
    "I": "Nghiên cứu (thích tìm hiểu, giải đáp)",
    "A": "Nghệ thuật (thích sáng tạo)",
    "S": "Xã hội (thích giúp đỡ, chăm sóc)",
    "E": "Quản lý (thích dẫn dắt, thuyết phục)",
    "C": "Nghiệp vụ (thích ngăn nắp, chính xác)",
}
ANSWER_BUTTONS = [{"title": "Có", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}]


INTRO = (
    'Mình có 12 câu hỏi ngắn về sở thích: trả lời Có hoặc Không (gõ "thích", "bình thường" cũng được; '
    'nhắn "thôi" để dừng). Kết quả chỉ để tham khảo, không phải kết luận.'
)


PARENT_INTRO = (
    "Mình có 12 câu hỏi ngắn về sở thích của cháu (anh/chị trả lời thay, hoặc để cháu tự làm): "
    'trả lời Có hoặc Không (gõ "thích", "bình thường" cũng được; nhắn "thôi" để dừng). '
    "Kết quả chỉ để tham khảo, không phải kết luận."
)


def question_text(index: int, role: Optional[str] = None) -> str:
    """The quiz item; a parent is asked about their child ("Cháu có thích…")."""
    question = QUIZ_ITEMS[index][2]
    if role == "parent":
        question = "Cháu" + question[len("Em") :]
    text = f"Câu {index + 1}/{len(QUIZ_ITEMS)}: {question}"
    if index:
        return text
    return f"{PARENT_INTRO if role == 'parent' else INTRO}\n{text}"


def _make_ask_action(index: int):
    slot = QUIZ_ITEMS[index][0]

    class AskQuizItem(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        async def run(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
        ) -> List[Dict]:
            dispatcher.utter_message(text=question_text(index, user_role(tracker)), buttons=ANSWER_BUTTONS)
            return []

    AskQuizItem.__name__ = AskQuizItem.__qualname__ = f"ActionAsk{slot.title().replace('_', '')}"
    return AskQuizItem


ASK_ACTIONS = [_make_ask_action(i) for i in range(len(QUIZ_ITEMS))]


def _make_extractor(slot: str):
    async def extract(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        answer = yes_no(tracker.latest_message.get("text"))
        return {} if answer is None else {slot: YES if answer else NO}

    return extract


class ValidateQuizForm(FormValidationAction):
    """Typed answers ("có", "ko", "thích", "cũng thích", "bình thường", "không thích lắm") count
    even when NLU reads another intent; a stop ("thôi", "dừng lại") ends the quiz."""

    def name(self) -> Text:
        return "validate_quiz_form"

    async def run(self, dispatcher, tracker: Tracker, domain):
        if tracker.get_slot("requested_slot") and wants_stop(tracker):
            return [SlotSet("flow_exit", "stop"), SlotSet("requested_slot", None)]
        if not tracker.get_slot("requested_slot") and interest_of(tracker.latest_message.get("text")):
            # "em thích nấu ăn thì hợp nghề gì": the trade and where it is taught, not the quiz
            return [SlotSet("flow_exit", "interest"), SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)


for _slot in QUIZ_SLOTS:
    setattr(ValidateQuizForm, f"extract_{_slot}", _make_extractor(_slot))


def quiz_scores(answers: Dict[str, Any]) -> Dict[str, int]:
    scores = {code: 0 for code in "RIASEC"}
    for slot, code, _ in QUIZ_ITEMS:
        if answers.get(slot) == YES:
            scores[code] += 1
    return scores


def top_types(scores: Dict[str, int], count: int = 2) -> List[str]:
    """Strongest types with at least one "yes", ties in RIASEC order."""
    ranked = sorted(
        (code for code in "RIASEC" if scores[code] > 0), key=lambda c: (-scores[c], "RIASEC".index(c))
    )
    return ranked[:count]


def quiz_result(session, tracker: Tracker):
    answers = {slot: tracker.get_slot(slot) for slot in QUIZ_SLOTS}
    codes = top_types(quiz_scores(answers))
    parent = user_role(tracker) == "parent"
    lines = [f"Kết quả chỉ để định hướng, không phải kết luận về {'cháu' if parent else 'em'}."]
    if not codes:
        lines.append(
            f"Chưa thấy nhóm sở thích nào nổi bật. {you(tracker, True)} có thể làm lại sau, hoặc trò chuyện "
            "với thầy cô tư vấn."
        )
        return join_lines(lines), [{"title": "Gặp tư vấn viên", "payload": "/request_human"}]
    lines.append("Nhóm sở thích nổi bật: " + "; ".join(TYPE_NAMES[c] for c in codes) + ".")
    occupations = occupations_by_riasec(session, codes, limit=4)
    area_id = slot_value(tracker, "area")
    buttons = []
    if occupations:
        lines.append("Một số nghề có thể hợp:")
        for occupation in occupations:
            hits = find_programmes(session, occupation=occupation.id, area=area_id, limit=1)
            where = (
                f"có dạy tại {hits[0].institution.name}" if hits else "nơi dạy chưa có trong dữ liệu của mình"
            )
            lines.append(f"• {occupation.name} ({where}).")
            if hits and len(buttons) < 3:
                buttons.append(
                    {
                        "title": f"Trường dạy {occupation.name}"[:60],
                        "payload": f'/find_programme{{"occupation":"{occupation.id}"}}',
                    }
                )
        lines.append(
            "Gợi ý này chỉ để tham khảo; "
            + (
                "anh/chị nên trao đổi thêm với cháu và thầy cô."
                if parent
                else "em nên nói chuyện thêm với thầy cô và bố mẹ."
            )
        )
    else:
        lines.append(
            f"Nghề ứng với nhóm này chưa có trong dữ liệu của mình; {you(tracker)} hỏi thầy cô tư vấn nhé."
        )
    buttons.append({"title": "Gặp tư vấn viên", "payload": "/request_human"})
    return join_lines(lines), buttons


class ActionQuizResult(CatalogAction):
    yields_to_interests = False

    def name(self) -> Text:
        return "action_quiz_result"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        reset = [SlotSet(slot, None) for slot in QUIZ_SLOTS]
        if tracker.get_slot("flow_exit") == "interest":
            row = interest_of(tracker.latest_message.get("text"))
            lines, buttons, _ = interest_answer(session, tracker, row)
            say(dispatcher, lines, buttons)
            return reset + [SlotSet("flow_exit", None), SlotSet("last_topic", "find_programme")]
        if tracker.get_slot("flow_exit") == "stop":
            dispatcher.utter_message(
                text=f'Dạ, mình dừng trắc nghiệm ở đây. Khi nào muốn, {you(tracker)} nhắn "trắc nghiệm" để làm lại, '
                "hoặc hỏi mình về trường, nghề, học phí nhé.",
                buttons=menu_buttons(tracker)[:4],
            )
            return reset + [SlotSet("flow_exit", None)]
        text, buttons = quiz_result(session, tracker)
        dispatcher.utter_message(text=text, buttons=buttons)
        return reset + [SlotSet("last_topic", "interest_quiz")] + ask_lean(dispatcher, tracker)
