"""Entity-only replies are `inform` (Rasa graph component, after the gazetteer).

A message made of catalogue names and small words only ("sao đại việt ạ",
"VY ạ", "qtks a", "trung cấp", "nhà em hộ nghèo") gives a slot value: the
contract's `inform`. The intent classifier has seen few such replies and none
for most of the catalogue's names, so it guesses (greet, affirm, a mission
intent); the gazetteer knows every name. When every typed word outside the
entities found is in `filler_words` (particles, pronouns, "ở", "nhà") and the
message asks nothing ("?", question words are not fillers), the intent
becomes `inform` with `confidence`; the other intents keep their order and
share the rest.

A phone number counts as an entity here ("0912 345 678 ạ", "số của chị là 09…"):
the callback form reads it from the text.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.pieces import VI_PIECES, normalize_pieces
from bot.privacy import MASK_PHONE, find_pii
from bot.text import fold
from bot.vocabulary import CATALOG_ENTITY_TABLES


def is_entity_reply(
    text: str,
    entities: Iterable[Dict[str, Any]],
    fillers: Iterable[str],
    entity_types: Iterable[str],
    pieces: Optional[List[Dict[str, Any]]] = None,
) -> bool:
    """True when `text` is only entities of `entity_types` plus filler words."""
    if "?" in text:
        return False
    types = set(entity_types)
    spans = [(e["start"], e["end"]) for e in entities if e.get("entity") in types]
    # a phone number is a slot value too (the callback form's last question, often typed early)
    spans += [(m.start, m.end) for m in find_pii(text) if m.mask == MASK_PHONE]
    spans += [(m.start(), m.end()) for m in re.finditer(re.escape(MASK_PHONE), text)]  # already masked
    if not spans:
        return False
    fillers = set(fillers)
    for piece in pieces if pieces is not None else normalize_pieces(text):
        if any(start <= piece["start"] and piece["end"] <= end for start, end in spans):
            continue
        typed = fold(piece["text"])  # "a" is a particle here, "anh" for the normalizer
        if typed in fillers or not typed.isalnum():
            continue
        if not all(s in fillers or not s.isalnum() for s in piece["folded"]):
            return False
    return True


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EntityReplyClassifier(GraphComponent):
    """Sets `inform` for messages made only of catalogue entities and filler words."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Reads the normalizer's pieces and the gazetteer's entities."""
        from bot.nlu.gazetteer import GazetteerEntityExtractor
        from bot.nlu.normalizer import VietnameseNormalizer

        return [VietnameseNormalizer, GazetteerEntityExtractor]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent": "inform",
            # confidence of the rule's intent; the others share the rest
            "confidence": 0.9,
            # entity types that count as a slot value: the catalogue's (bot/vocabulary.py)
            "entity_types": list(CATALOG_ENTITY_TABLES),
            # folded words allowed around the entities (no question words)
            "filler_words": [
                "a",
                "ah",
                "ak",
                "nhe",
                "nha",
                "nhen",
                "ha",
                "thoi",
                "oi",
                "da",
                "vang",
                "u",
                "uh",
                "um",
                "ok",
                "oke",
                "em",
                "minh",
                "toi",
                "tui",
                "to",
                "con",
                "chau",
                "o",
                "tai",
                "ben",
                "la",
                "thi",
                "ca",
                "voi",
                "va",
                "hoac",
                "nganh",
                "nghe",
                "he",
                "truong",
                "cua",
                "thuoc",
                "dang",
                "thich",
                "muon",
                # a follow-up naming a place: "gần xã Tam Sơn có không"
                "gan",
                "co",
                "ko",
                "k",
                "khong",
                # around a phone number: "số của chị là 09…", "sdt em 09…"
                "e",
                "so",
                "sdt",
                "dt",
                "chi",
                "anh",
            ],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._fillers = {fold(w) for w in config["filler_words"]}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EntityReplyClassifier":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not is_entity_reply(
                text,
                message.get(ENTITIES) or [],
                self._fillers,
                self._config["entity_types"],
                message.get(VI_PIECES),
            ):
                continue
            self._set_intent(message)
        return messages

    def _set_intent(self, message: Message) -> None:
        name, confidence = self._config["intent"], float(self._config["confidence"])
        others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
        total = sum(r.get(PREDICTED_CONFIDENCE_KEY, 0.0) for r in others) or 1.0
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}] + [
            {**r, PREDICTED_CONFIDENCE_KEY: (1.0 - confidence) * r.get(PREDICTED_CONFIDENCE_KEY, 0.0) / total}
            for r in others
        ]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
