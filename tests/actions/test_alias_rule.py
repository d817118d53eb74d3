"""The NLU gazetteer and the slot validators decide near misses the same way.

Both go through `bot/aliases.py`: a spelling the gazetteer refuses must not
reach a catalogue id through a validator with a looser distance ("hoạt hình"
is a cartoon, not xã Hội Thịnh), and a typo the gazetteer forgives must not
be refused by the validator asking for the same value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.common import validated_id
from bot.aliases import within_one_typo
from bot.nlu.gazetteer import (
    GazetteerEntityExtractor,
    GazetteerMatcher,
    build_patterns,
    load_catalog_records,
    load_lexicon_records,
)
from bot.nlu.pieces import Lexicon
from tests.actions.helpers import make_tracker

CONFIG = GazetteerEntityExtractor.get_default_config()

NEAR_MISSES = [
    # (typed, entity, the id both must give, or None for both refusing)
    ("hoạt hình", "area", None),  # "hoat" is two edits from "hoi": a typo stays inside a word
    ("hoat hinh", "area", None),
    ("binh nguyen", "area", "binh_nguyen"),
    ("Bình Nguyên", "area", "binh_nguyen"),
    ("hoi thin", "area", "hoi_thinh"),  # one deletion
    ("vinh tuog", "area", "vinh_tuong"),
    ("vinh tuogn", "area", "vinh_tuong"),  # neighbours swapped
    ("vinh tuaog", "area", None),  # two edits
    ("tam duong bac", "area", "tam_duong_bac"),
    ("dien cong nghep", "occupation", "dien_cong_nghiep"),
    ("dien congnghep", "occupation", "dien_cong_nghiep"),  # words run together, one typo
    ("vinhung", "area", "vinh_hung"),  # "vinh hung" run together, one letter short
    ("tamhong", "area", "tam_hong"),
    ("cong nghe thong tim", "occupation", "cong_nghe_thong_tin"),
    ("thiet ke do hao", "occupation", "thiet_ke_do_hoa"),
    ("ke toam", "occupation", "ke_toan"),
    ("de toan", "occupation", None),  # the first letter must be right
    ("dieu duogn", "occupation", "dieu_duong"),
    ("so cak", "level", None),  # under six letters: exact letters only
    ("cao dangg", "level", "cao_dang"),
]


@pytest.fixture(scope="module")
def matcher() -> GazetteerMatcher:
    """The gazetteer at its loosest: no typed word is known, so every typo is tried."""
    lexicon = Lexicon.from_yaml_file(Path(CONFIG["teencode_file"]))
    records = load_catalog_records(Path(CONFIG["catalog_dir"]), CONFIG["sources"])
    for path in CONFIG["lexicon_files"]:
        records += load_lexicon_records(Path(path))
    rules = yaml.safe_load(Path(CONFIG["rules_file"]).read_text(encoding="utf-8"))
    return GazetteerMatcher(build_patterns(records, lexicon, rules, known_words=set()), lexicon)


@pytest.mark.parametrize("typed, entity, expected", NEAR_MISSES)
def test_gazetteer_and_validator_agree(matcher, typed, entity, expected):
    found = [e["value"] for e in matcher.find(typed) if e["entity"] == entity]
    validated = validated_id(typed, entity, CollectingDispatcher(), make_tracker())
    assert found == ([expected] if expected else [])
    assert validated == expected


@pytest.mark.parametrize(
    "typed, key, expected",
    [
        ("vinh tuog", "vinh tuong", True),  # deletion
        ("ke toam", "ke toan", True),  # substitution
        ("dieu duogn", "dieu duong", True),  # neighbours swapped
        ("dieu duongg", "dieu duong", True),  # insertion
        ("hoat hinh", "hoi thinh", False),  # "hoat" / "hoi": two edits in one word
        ("hoathinh", "hoi thinh", True),  # run together: the word boundary is not known
        ("vinhung", "vinh hung", True),
        ("dien congnghep", "dien cong nghiep", True),
        ("vinh tu ong", "vinh tuong", False),  # a typed space inside a word of the key
        ("de toan", "ke toan", False),  # first letter
        ("so cak", "so cap", False),  # key too short for a typo
        ("vinh tuuog", "vinh tuong", False),
    ],
)
def test_the_shared_rule(typed, key, expected):
    assert within_one_typo(typed, key) is expected
