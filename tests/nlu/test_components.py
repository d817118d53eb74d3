"""Fast unit tests of the NLU graph components (no trained model needed)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.nlu.gazetteer import (
    GazetteerEntityExtractor,
    GazetteerMatcher,
    build_patterns,
    load_catalog_records,
    load_lexicon_records,
    mark_key,
)
from bot.nlu.normalizer import VietnameseNormalizer
from bot.nlu.pieces import VI_PIECES, Lexicon, collapse_repeats, normalize_pieces, normalized_text
from bot.nlu.tokenizer import VietnameseTokenizer, tokens_from_pieces

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"
TEENCODE = Path("data/lexicon/teencode.yml")
SOURCES = GazetteerEntityExtractor.get_default_config()["sources"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_yaml_file(TEENCODE)


@pytest.fixture(scope="module")
def matcher(lexicon) -> GazetteerMatcher:
    records = load_catalog_records(FIXTURES, SOURCES)
    records += load_lexicon_records(Path("data/lexicon/user_role.yml"))
    rules = yaml.safe_load(Path("data/lexicon/gazetteer.yml").read_text(encoding="utf-8"))
    return GazetteerMatcher(build_patterns(records, lexicon, rules), lexicon)


# --- normalizer -------------------------------------------------------------


@pytest.mark.parametrize(
    "word, expected",
    [
        ("chaooo", "chao"),
        ("nhaaaa", "nha"),
        ("khongggg", "khong"),
        ("xoong", "xoong"),
        ("chàoooo", "chào"),
        ("2000", "2000"),
        ("hoc", "hoc"),
    ],
)
def test_collapse_repeats(word, expected):
    assert collapse_repeats(word) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hoc tc co dc mien hp k", "hoc trung cấp co được mien học phí không"),
        ("e mun hoc nghe o dau", "em muốn hoc nghe o dau"),
        ("ntn z ad", "như thế nào vậy admin"),
        ("tks ad nhìu", "cảm ơn admin nhiều"),
        ("hok phai", "không phai"),  # "hok" before a non-study word: không
        ("hok nghe o dau", "học nghe o dau"),  # "hok" before "nghe": học
        ("học 9+ là gì", "học chín cộng là gì"),
        ("KOOO", "không"),
    ],
)
def test_teencode_expansion(lexicon, text, expected):
    assert normalized_text(normalize_pieces(text, lexicon)) == expected


def test_lexicon_rejects_conflicting_keys():
    with pytest.raises(ValueError):
        Lexicon.from_dict({"words": {"đc": "được", "dc": "đi chơi"}})


def test_normalizer_keeps_original_offsets(lexicon):
    text = nfd("Hoc TC ở Vĩnh Tườngggg k?")
    pieces = normalize_pieces(text, lexicon)
    assert [text[p["start"] : p["end"]] for p in pieces] == [
        "Hoc",
        "TC",
        nfd("ở"),
        nfd("Vĩnh"),
        nfd("Tườngggg"),
        "k",
    ]
    assert [p["text"] for p in pieces] == ["hoc", "tc", "ở", "vĩnh", "tường", "k"]


def test_nfd_input_gives_identical_pieces(lexicon):
    text = "Hoà học điện công nghiệp ở Vĩnh Tường được không"
    a = normalize_pieces(text, lexicon)
    b = normalize_pieces(nfd(text), lexicon)
    assert [p["norm"] for p in a] == [p["norm"] for p in b]
    assert [p["folded"] for p in a] == [p["folded"] for p in b]


# --- tokenizer --------------------------------------------------------------


def _tokens(text, lexicon):
    return tokens_from_pieces(text, normalize_pieces(text, lexicon))


@pytest.mark.parametrize(
    "text",
    [
        "em muốn học công nghệ thông tin ở Vĩnh Yên",
        nfd("Cháu nhà tôi học trung cấp có được miễn học phí không?"),
        nfd("Hoà Bình, học phí thế nào"),
        "hoc tc co dc mien hp k",
        "chàooooo ad, ntn vậy",
        "   nhiều   khoảng   trắng  ",
    ],
)
def test_token_offsets_point_into_original_text(text, lexicon):
    tokens = _tokens(text, lexicon)
    assert tokens
    previous_end = 0
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert token.start >= previous_end
        previous_end = token.end


def test_compounds_are_one_token_with_folded_lemma(lexicon):
    tokens = _tokens("học công nghệ thông tin ra làm gì", lexicon)
    assert "cong_nghe_thong_tin" in [t.lemma for t in tokens]
    assert "công nghệ thông tin" in [t.text for t in tokens]


def test_teencode_lemmas(lexicon):
    lemmas = [t.lemma for t in _tokens("hoc tc co dc mien hp k", lexicon)]
    assert "khong" in lemmas and "duoc" in lemmas
    assert "tc" not in lemmas and "k" not in lemmas


def test_nfc_and_nfd_give_identical_lemmas(lexicon):
    text = "Cháu nhà tôi ở huyện Vĩnh Tường muốn học điện công nghiệp, hoà nhập"
    assert [t.lemma for t in _tokens(text, lexicon)] == [t.lemma for t in _tokens(nfd(text), lexicon)]


def test_tokenizer_component_uses_normalizer_pieces(lexicon):
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    message = Message(data={"text": "mun hoc tc"})
    message.set(VI_PIECES, normalize_pieces("mun hoc tc", lexicon))
    tokenizer.process([message])
    lemmas = [t.lemma for t in message.get("text_tokens")]
    assert lemmas[0] == "muon" and lemmas[-1] == "trung_cap"


# --- diacritic-insensitive features -----------------------------------------


def _featurize(texts, train_texts, tmp_path, lexicon):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.syllable_featurizer import SyllableCountVectorsFeaturizer

    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())

    def prepared(text):
        m = Message(data={"text": text, "intent": "x"})
        m.set(VI_PIECES, normalize_pieces(text, lexicon))
        tokenizer.process([m])
        return m

    storage = LocalModelStorage(tmp_path)
    featurizer = SyllableCountVectorsFeaturizer.create(
        SyllableCountVectorsFeaturizer.get_default_config(),
        storage,
        Resource("syllables"),
        ExecutionContext(node_name="syllables", graph_schema=None),
    )
    featurizer.train(TrainingData([prepared(t) for t in train_texts]))
    messages = [prepared(t) for t in texts]
    featurizer.process(messages)
    out = []
    for m in messages:
        _, sentence = m.get_sparse_features("text")
        out.append(sentence.features.toarray())
    return out


def test_accented_and_plain_give_identical_sentence_features(tmp_path, lexicon):
    train = ["học phí trung cấp bao nhiêu", "hoc nghe o dau", "miễn học phí cho hộ nghèo"]
    a, b, c = _featurize(
        ["học phí trung cấp", "hoc phi trung cap", nfd("Học phí Trung cấp")], train, tmp_path, lexicon
    )
    assert a.sum() > 0
    assert (a == b).all() and (a == c).all()


# --- gazetteer --------------------------------------------------------------


def _found(matcher, text):
    return [(e["entity"], e["value"]) for e in matcher.find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("em ở Vĩnh Tường", [("area", "vinh_tuong")]),
        ("em o vinh tuong", [("area", "vinh_tuong")]),
        ("e o h. vĩnh tường", [("area", "vinh_tuong")]),
        (nfd("Em ở VĨNH TƯỜNG"), [("area", "vinh_tuong")]),
        ("VT có trường nghề không", [("area", "vinh_tuong")]),
        ("vt co truong nghe k", [("area", "vinh_tuong")]),
        ("TD có trường nào", []),  # Tam Dương or Tam Đảo: ambiguous
        ("hạn nộp hồ sơ", []),  # hạn is not hàn
        ("han nop ho so", []),  # plain one-syllable alias needs context
        ("học hàn ở đâu", [("occupation", "han")]),
        ("hoc han o dau", [("occupation", "han")]),
        ("học tc ở VY", [("level", "trung_cap"), ("area", "vinh_yen")]),
        (
            "con tôi học Cao đẳng Kỹ thuật Công nghệ Vĩnh Phúc",
            [("user_role", "parent"), ("school", "cd_ktcn_vinh_phuc")],
        ),
        ("nha e ho can ngheo", [("beneficiary_group", "ho_can_ngheo")]),
        ("em muốn học", []),  # bare "em" is not a role
    ],
)
def test_gazetteer_ids(matcher, text, expected):
    assert _found(matcher, text) == expected


def test_gazetteer_offsets_in_original_text(matcher):
    text = nfd("Con tôi ở h. Vĩnh Tường, muốn học Điện công nghiệp")
    entities = matcher.find(text)
    spans = {e["value"]: text[e["start"] : e["end"]] for e in entities}
    assert spans["vinh_tuong"] == nfd("h. Vĩnh Tường")
    assert spans["dien_cong_nghiep"] == nfd("Điện công nghiệp")
    assert spans["parent"] == nfd("Con tôi")


def test_longest_match_wins(matcher):
    # the school name contains a level ("Cao đẳng") and an area ("Vĩnh Phúc")
    assert _found(matcher, "trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc ở đâu") == [
        ("school", "cd_ktcn_vinh_phuc")
    ]


def test_mark_key_ignores_tone_position():
    assert mark_key("hoà") == mark_key("hòa")
    assert mark_key("hàn") != mark_key("hạn")


def test_gazetteer_persists_patterns_in_model(tmp_path):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    config = {**GazetteerEntityExtractor.get_default_config(), "catalog_dir": str(FIXTURES)}
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    context = ExecutionContext(node_name="gaz", graph_schema=None)
    resource = GazetteerEntityExtractor.create(config, storage, Resource("gaz"), context).train(
        TrainingData([])
    )
    # serving must not need the catalogue: point it at a directory that does not exist
    loaded = GazetteerEntityExtractor.load(
        {**config, "catalog_dir": str(tmp_path / "missing")}, storage, resource, context
    )
    message = Message(data={"text": "em o vinh tuong muon hoc dien cong nghiep"})
    loaded.process([message])
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("area", "vinh_tuong"),
        ("occupation", "dien_cong_nghiep"),
    ]
    assert all(e["extractor"] == "GazetteerEntityExtractor" for e in message.get("entities"))


def test_normalizer_persists_lexicon(tmp_path):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    config = VietnameseNormalizer.get_default_config()
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(node_name="norm", graph_schema=None)
    resource = VietnameseNormalizer.create(config, storage, Resource("norm"), context).train(TrainingData([]))
    loaded = VietnameseNormalizer.load(
        {**config, "lexicon_path": "does/not/exist.yml"}, storage, resource, context
    )
    message = Message(data={"text": "hoc tc dc k"})
    loaded.process([message])
    assert normalized_text(message.get(VI_PIECES)) == "hoc trung cấp được không"


def test_a_pipeline_without_the_normalizer_fails_at_validation():
    """required_components(): the tokenizer, gazetteer and entity-reply rule read the
    normalizer's pieces, so Rasa refuses a pipeline that lacks it (before training)."""
    import pytest
    from rasa.engine import validation
    from rasa.engine.exceptions import GraphSchemaValidationException
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.data import TrainingType

    def model_config(pipeline):
        config = {"recipe": "default.v1", "language": "vi", "pipeline": pipeline, "policies": []}
        return DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)

    complete = [
        {"name": "bot.nlu.normalizer.VietnameseNormalizer"},
        {"name": "bot.nlu.tokenizer.VietnameseTokenizer"},
        {"name": "bot.nlu.gazetteer.GazetteerEntityExtractor"},
    ]
    validation.validate(model_config(complete))
    with pytest.raises(GraphSchemaValidationException, match="require a VietnameseNormalizer"):
        validation.validate(model_config(complete[1:]))
