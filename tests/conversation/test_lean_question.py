"""The optional streaming question through the real stack (issue 16): the action server
and the Rasa server of tests/conversation/conftest.py; the console's real sync then counts
what Rasa stored in its tracker database.

Asked after the comparison of grade 10 with vocational training and at the end of the
quiz; answered by a button or in words; asked at most once; never in the way.
"""

from __future__ import annotations

import time
from typing import Dict

import pytest
import sqlalchemy as sa

from tests.conversation.chat import joined, new_sender, payloads, send

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.postgres]

QUESTION = "đang nghiêng về hướng nào"
LEAN_PAYLOADS = [
    '/tell_lean{"lean":"thpt"}',
    '/tell_lean{"lean":"trung_cap"}',
    '/tell_lean{"lean":"so_cap"}',
    '/tell_lean{"lean":"chua_biet"}',
]


def streaming_rows(stack) -> Dict[str, str]:
    """Sync the console from the events Rasa stored; sender -> stored answer ("" = none)."""
    from bot.db import get_engine
    from bot.web.console.streaming import conv_t
    from bot.web.console.sync import sync_events

    engine = get_engine(stack["tracker_url"])
    sync_events(engine, now=time.time() + 3600)
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(conv_t.c.sender_id, conv_t.c.lean)).all())


def test_a_tapped_answer_is_stored_acknowledged_and_the_question_not_asked_again(stack):
    sender = new_sender()
    messages = send(stack, sender, "nên học nghề hay thi vào cấp 3")
    assert "Sau lớp 9 có hai hướng chính" in joined(messages)
    assert "Hiện em đang nghiêng về hướng nào?" in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == LEAN_PAYLOADS
    messages = send(stack, sender, '/tell_lean{"lean":"trung_cap"}')
    assert (
        joined(messages)
        == "Cảm ơn em, mình ghi nhận: em đang nghiêng về học 9+ hoặc trung cấp. Em cứ hỏi tiếp nhé."
    )
    messages = send(stack, sender, "nen hoc nghe hay hoc lop 10")
    assert "hai hướng chính" in joined(messages) and QUESTION not in joined(messages)
    assert streaming_rows(stack)[sender] == "trung_cap"


def test_any_other_message_just_proceeds_and_the_question_is_not_repeated(stack):
    sender = new_sender()
    assert QUESTION in joined(send(stack, sender, "hoc nghe hay thi c3 tot hon ad"))
    messages = send(stack, sender, "học 9+ là gì")
    assert "9+" in joined(messages) and "ghi nhận" not in joined(messages)
    assert not set(payloads(messages)) & set(LEAN_PAYLOADS)
    assert QUESTION not in joined(send(stack, sender, "nên học nghề hay thi vào cấp 3"))
    assert streaming_rows(stack)[sender] == ""


def test_typed_answers_in_the_users_register(stack):
    student = new_sender()
    send(stack, student, "nên học nghề hay thi vào cấp 3")
    messages = send(stack, student, "em nghieng ve hoc nghe")
    assert "em đang nghiêng về học nghề" in joined(messages)

    parent = new_sender()
    messages = send(stack, parent, "con tôi không đỗ cấp 3 thì nên làm gì")
    assert "hiện cháu đang nghiêng về hướng nào ạ?" in messages[-1]["text"]
    messages = send(stack, parent, "chắc cháu nhà tôi sẽ thi vào lớp 10")
    assert "cháu đang nghiêng về thi vào lớp 10 THPT" in joined(messages)
    rows = streaming_rows(stack)
    assert (rows[student], rows[parent]) == ("hoc_nghe", "thpt")


def test_asked_at_the_end_of_the_quiz(stack):
    from actions.quiz import QUIZ_ITEMS

    sender = new_sender()
    assert "Câu 1/12" in joined(send(stack, sender, "em không biết hợp nghề gì"))
    for _, code, _ in QUIZ_ITEMS:
        messages = send(stack, sender, "/affirm" if code in "RI" else "/deny")
    assert "không phải kết luận" in joined(messages)
    assert "Hiện em đang nghiêng về hướng nào?" in messages[-1]["text"]
    messages = send(stack, sender, '/tell_lean{"lean":"chua_biet"}')
    assert "Chưa chọn được cũng không sao" in joined(messages)
    assert streaming_rows(stack)[sender] == "chua_biet"
