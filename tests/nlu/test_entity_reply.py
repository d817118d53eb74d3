"""EntityReplyClassifier: catalogue names plus small words are `inform`."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entity_reply import EntityReplyClassifier, is_entity_reply
from bot.nlu.pieces import VI_PIECES, Lexicon, normalize_pieces

CONFIG = EntityReplyClassifier.get_default_config()


def _entity(text, surface, entity="area", value="x"):
    start = text.index(surface)
    return {"entity": entity, "value": value, "start": start, "end": start + len(surface)}


@pytest.mark.parametrize(
    "text, surface, expected",
    [
        ("sao đại việt ạ", "sao đại việt", True),
        ("VY ạ", "VY", True),
        ("nhà em ở Yên Lạc", "Yên Lạc", True),
        ("trung cấp", "trung cấp", True),
        ("em thích cntt", "cntt", True),
        ("cntt ở đâu", "cntt", False),  # a question word
        ("Yên Lạc?", "Yên Lạc", False),  # a question mark
        ("em muốn học cntt ở Yên Lạc", "cntt", False),  # more than a reply
        ("hello", None, False),  # no entity at all
        ("gần xã Tam Sơn có không", "xã Tam Sơn", True),  # a follow-up naming a place
        ("0912 345 678 ạ", None, True),  # a phone number is a slot value (the callback form)
        ("Số của chị là 0912 345 678", None, True),
        ("[SĐT] a", None, True),  # as the masked transcript shows it
        ("gọi lại cho em số 0912 345 678", None, False),  # a request, not only the number
    ],
)
def test_entity_reply(text, surface, expected):
    entities = [_entity(text, surface)] if surface else []
    assert is_entity_reply(text, entities, CONFIG["filler_words"], CONFIG["entity_types"]) is expected


def test_user_role_alone_is_not_a_slot_value():
    text = "con tôi ạ"
    entities = [_entity(text, "con tôi", "user_role", "parent")]
    assert not is_entity_reply(text, entities, CONFIG["filler_words"], CONFIG["entity_types"])


def test_component_moves_inform_to_the_top_and_keeps_a_distribution():
    lexicon = Lexicon.from_yaml_file("data/lexicon/teencode.yml")
    text = "qtks a"  # the normalizer reads "a" as "anh"; typed, it is a particle
    message = Message(data={"text": text})
    message.set(VI_PIECES, normalize_pieces(text, lexicon))
    message.set("entities", [_entity(text, "qtks", "occupation", "quan_tri_khach_san")])
    message.set("intent", {"name": "affirm", "confidence": 0.98})
    message.set(
        "intent_ranking",
        [
            {"name": "affirm", "confidence": 0.98},
            {"name": "inform", "confidence": 0.01},
            {"name": "greet", "confidence": 0.01},
        ],
    )
    EntityReplyClassifier(CONFIG).process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent") == {"name": "inform", "confidence": CONFIG["confidence"]}
    assert [r["name"] for r in ranking] == ["inform", "affirm", "greet"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_component_leaves_questions_alone():
    text = "qtks học ở đâu"
    message = Message(data={"text": text})
    message.set("entities", [_entity(text, "qtks", "occupation", "quan_tri_khach_san")])
    message.set("intent", {"name": "find_programme", "confidence": 0.9})
    EntityReplyClassifier(CONFIG).process([message])
    assert message.get("intent")["name"] == "find_programme"
