"""Every commune and ward that replaced the former Vĩnh Phúc districts on
1/7/2025 is recognised as `area` with its catalogue id, in every spelling
style: with marks, without marks, with the short prefix ("x.", "p."), and the
bare name where it is not also a former district's name ("Vĩnh Tường" alone is
the former huyện; "xã Vĩnh Tường" the commune of today)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.gazetteer import (
    GazetteerEntityExtractor,
    GazetteerMatcher,
    build_patterns,
    load_catalog_records,
    load_lexicon_records,
)
from bot.nlu.pieces import Lexicon
from bot.text import fold

CONFIG = GazetteerEntityExtractor.get_default_config()
AREAS = yaml.safe_load(Path(CONFIG["catalog_dir"], "areas.yml").read_text(encoding="utf-8"))["areas"]
UNITS = [a for a in AREAS if a["kind"] in ("commune", "ward") and a["status"] == "active"]
DISTRICTS = {a["id"] for a in AREAS if a["kind"] in ("district", "city", "province")}
# Words of the training data a typo check must not take for a misspelt alias.
KNOWN_WORDS = {
    "em",
    "e",
    "o",
    "nha",
    "hoc",
    "muon",
    "gia",
    "rat",
    "a",
    "oi",
    "thi",
    "co",
    "truong",
    "nao",
    "gan",
}


@pytest.fixture(scope="module")
def matcher() -> GazetteerMatcher:
    lexicon = Lexicon.from_yaml_file(Path(CONFIG["teencode_file"]))
    records = load_catalog_records(Path(CONFIG["catalog_dir"]), CONFIG["sources"])
    for path in CONFIG["lexicon_files"]:
        records += load_lexicon_records(Path(path))
    rules = yaml.safe_load(Path(CONFIG["rules_file"]).read_text(encoding="utf-8"))
    return GazetteerMatcher(build_patterns(records, lexicon, rules, KNOWN_WORDS), lexicon)


def _areas(matcher, text):
    return [e["value"] for e in matcher.find(text) if e["entity"] == "area"]


def _bare(unit):
    return unit["name"].split(" ", 1)[1]


def test_all_36_units_are_in_the_catalogue():
    assert len(UNITS) == 36 and sum(u["kind"] == "ward" for u in UNITS) == 4


@pytest.mark.parametrize("unit", UNITS, ids=[u["id"] for u in UNITS])
def test_unit_recognised_in_every_style(matcher, unit):
    short = "x." if unit["kind"] == "commune" else "p."
    styles = [
        f"nhà em ở {unit['name']}",  # "nhà em ở xã Bình Nguyên"
        f"e o {fold(unit['name'])} a",  # "e o xa binh nguyen a"
        f"em ở {short} {_bare(unit)}",  # "em ở x. Bình Nguyên", "p. Xuân Hòa"
        f"{unit['name'].upper()}",  # typed in capitals
    ]
    for text in styles:
        assert _areas(matcher, text) == [unit["id"]], text


SHARED = [u for u in UNITS if u["id"].startswith(("xa_", "phuong_"))]


@pytest.mark.parametrize(
    "unit", [u for u in UNITS if u not in SHARED and u["id"] != "hop_ly"], ids=lambda u: u["id"]
)
def test_bare_name_without_marks(matcher, unit):
    assert _areas(matcher, f"em o {fold(_bare(unit))}") == [unit["id"]]


@pytest.mark.parametrize("unit", SHARED, ids=[u["id"] for u in SHARED])
def test_bare_shared_name_is_the_former_district(matcher, unit):
    found = _areas(matcher, f"em ở {_bare(unit)}")
    assert len(found) == 1 and found[0] in DISTRICTS and found[0] != unit["id"]


def test_ordinary_words_are_not_communes(matcher):
    # "hợp lý" (reasonable) is only xã Hợp Lý with its prefix
    assert _areas(matcher, "học phí có hợp lý không") == []
    assert _areas(matcher, "em ở xã Hợp Lý") == ["hop_ly"]


HELDOUT = Path("tests/nlu/heldout_communes.yml")


@pytest.mark.model
@pytest.mark.parametrize("style", ["accented", "plain", "teencode"])
def test_blind_commune_set_is_recognised_in_every_style(style):
    """The blind set (tests/nlu/heldout_communes.yml, 3 x 36 units), parsed by the trained
    model: area F1 per style at least the contract's entity threshold (0.95)."""
    from rasa.core.agent import Agent

    from bot.nlu import evaluation as ev
    from tests.procs import MODEL_PATH
    from tests.services import require

    require(MODEL_PATH.exists(), f"trained model {MODEL_PATH} (run `make model`)")
    examples = [e for e in ev.load_heldout(HELDOUT) if e["style"] == style]
    assert len(examples) == 36 and len({e["entities"][0]["value"] for e in examples}) == 36
    results, _ = ev.parse_all(Agent.load(str(MODEL_PATH)), [e["text"] for e in examples])
    f1 = ev.score(examples, results)[style]["entity"]["area"]["f1"]
    assert f1 >= 0.95, (style, f1)
