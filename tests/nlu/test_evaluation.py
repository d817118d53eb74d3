"""Scoring rules of bot/nlu/evaluation.py (shared by bench and threshold tests)."""

from bot.nlu.evaluation import score


def _res(intent, entities=()):
    return {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": t, "value": v} for t, v in entities],
    }


EXAMPLES = [
    {"text": "a", "intent": "out_of_scope", "style": "plain", "entities": []},
    {
        "text": "b",
        "intent": "inform",
        "style": "plain",
        "entities": [{"entity": "area", "value": "vinh_tuong"}],
    },
    {"text": "c", "intent": "greet", "style": "accented", "entities": []},
    {
        "text": "d",
        "intent": "find_programme",
        "style": "teencode",
        "entities": [{"entity": "level", "value": "trung_cap"}, {"entity": "area", "value": "yen_lac"}],
    },
]


def test_fallback_counts_only_for_out_of_scope():
    s = score(
        EXAMPLES,
        [
            _res("nlu_fallback"),
            _res("inform", [("area", "vinh_tuong")]),
            _res("nlu_fallback"),
            _res("find_programme"),
        ],
    )
    assert s["all"]["intent_accuracy"] == 0.75
    assert s["all"]["out_of_scope_rate"] == 1.0
    assert s["accented"]["intent_accuracy"] == 0.0


def test_entity_f1_uses_canonical_values():
    results = [
        _res("out_of_scope"),
        _res("inform", [("area", "Vĩnh Tường")]),
        _res("greet"),
        _res("find_programme", [("level", "trung_cap"), ("area", "yen_lac")]),
    ]
    s = score(EXAMPLES, results)
    area = s["all"]["entity"]["area"]
    assert area["precision"] == 0.5 and area["recall"] == 0.5
    assert s["all"]["entity"]["level"]["f1"] == 1.0
    assert s["plain"]["entity"]["area"]["f1"] == 0.0
