"""Gazetteer and teencode behaviour on how students really type (real catalogue).

Shorthand, missing spaces and one-letter typos must reach the catalogue ids;
ordinary words that look like aliases ("it" = ít, "dan toi" = dẫn tôi,
"nghe hay" = nghề hay, "goi dien tu van" = gọi điện tư vấn) must not.
"""

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
from bot.nlu.pieces import Lexicon, is_syllable, normalize_pieces, normalized_text

CONFIG = GazetteerEntityExtractor.get_default_config()

# Stand-in for the training vocabulary (the model uses every folded word of
# data/nlu): words a typo check must never take for a misspelt alias.
KNOWN_WORDS = {
    "em",
    "e",
    "o",
    "hoc",
    "muon",
    "bo",
    "me",
    "dan",
    "toi",
    "di",
    "nghe",
    "hay",
    "gan",
    "co",
    "dang",
    "tam",
    "bao",
    "ket",
    "van",
    "goi",
    "dien",
    "tu",
    "cho",
    "nen",
    "thi",
    "cap",
    "nha",
    "truong",
    "nao",
    "day",
    "de",
    "toan",
    "kho",
    "qua",
    "song",
    "lo",
    "lang",
    "khong",
    "it",
    "thoi",
    "lam",
    "nhat",
    "vinh",
    "cong",
}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_yaml_file(Path(CONFIG["teencode_file"]))


def _matcher(lexicon, known_words):
    records = load_catalog_records(Path(CONFIG["catalog_dir"]), CONFIG["sources"])
    for path in CONFIG["lexicon_files"]:
        records += load_lexicon_records(Path(path))
    rules = yaml.safe_load(Path(CONFIG["rules_file"]).read_text(encoding="utf-8"))
    return GazetteerMatcher(build_patterns(records, lexicon, rules, known_words), lexicon)


@pytest.fixture(scope="module")
def matcher(lexicon) -> GazetteerMatcher:
    return _matcher(lexicon, KNOWN_WORDS)


def _found(matcher, text):
    return [(e["entity"], e["value"]) for e in matcher.find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # shorthand that is not a Vietnamese syllable needs no context word
        ("truong nao day oto", [("occupation", "cong_nghe_o_to")]),
        ("oto", [("occupation", "cong_nghe_o_to")]),
        ("em muốn học ôtô", [("occupation", "cong_nghe_o_to")]),  # no spaces, with marks
        # "it" after a context word, "IT" anywhere
        ("hoc it o dau", [("occupation", "cong_nghe_thong_tin")]),
        ("nganh it ra lam gi", [("occupation", "cong_nghe_thong_tin")]),
        ("IT có dễ xin việc không", [("occupation", "cong_nghe_thong_tin")]),
        # missing spaces
        ("em o vinhyen", [("area", "vinh_yen")]),
        (
            "e o vinhtuong mun hoc dien congnghiep",
            [("area", "vinh_tuong"), ("occupation", "dien_cong_nghiep")],
        ),
        ("hoc ketoan o dau", [("occupation", "ke_toan")]),
        # one typo in a long alias
        ("em o vinh tuog", [("area", "vinh_tuong")]),
        ("dien cong nghep hoc o dau", [("occupation", "dien_cong_nghiep")]),
        ("hoc ke toam", [("occupation", "ke_toan")]),
        ("hoc dieu duogn", [("occupation", "dieu_duong")]),  # swapped letters
        # informal names of existing records
        ("học tiện ở đâu", [("occupation", "cat_got_kim_loai")]),
        ("tien phay", [("occupation", "cat_got_kim_loai")]),
        ("làm thợ tiện", [("occupation", "cat_got_kim_loai")]),
        ("hàn xì có khó không", [("occupation", "han")]),
        ("học đồ hoạ", [("occupation", "thiet_ke_do_hoa")]),  # tone on the other vowel
        ("hoc cdn", [("level", "cao_dang")]),  # teencode: cao đẳng nghề
        ("em muon hoc ktoan", [("occupation", "ke_toan")]),
        # ambiguous area acronym right after a place word
        ("cty o vp nhieu khong", [("area", "vinh_phuc")]),
        ("học hàn tại vp", [("occupation", "han"), ("area", "vinh_phuc")]),
        # "dạy" is a context word for one-syllable aliases
        ("truong nao day han", [("occupation", "han")]),
        # short school names cover the area inside them
        ("truong nghe vinh phuc o dau", [("school", "cd_nghe_vinh_phuc")]),
        ("trg ktkt vp còn tuyển k", [("school", "cd_ktkt_vinh_phuc")]),
        ("viet duc vinh phuc", [("school", "cd_nghe_vinh_phuc")]),
        ("hoc dtcn", [("occupation", "dien_tu_cong_nghiep")]),
        # one occupation named twice in one phrase counts once
        ("sửa điều hòa máy lạnh", [("occupation", "ky_thuat_may_lanh")]),
        ("hoc do hoa may tinh", [("occupation", "thiet_ke_do_hoa")]),
        # common misspellings of nghèo
        ("nhà em cận ngèo", [("beneficiary_group", "ho_can_ngheo")]),
        ("ho ngheò", [("beneficiary_group", "ho_ngheo")]),
    ],
)
def test_real_shorthand_reaches_catalogue_ids(matcher, text, expected):
    assert _found(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hoc it thoi",  # học ít thôi
        "em hoc it lam",  # em học ít lắm
        "it nguoi biet",  # ít người biết: no context word
        "co tiện không",  # tiện = convenient, even with marks
        "co dc cap tien an k",  # cấp tiền ăn: plain "tien" is never tiện
        "hoc tien o dau",
        "bo me dan toi di hoc",  # dẫn tôi: known words are not typos of "dân tộc"
        "de toan kho qua",  # đề toán: the first letter must match ("ke toan")
        "nen hoc nghe hay thi c3",  # "nghe hay" is not a typo of "nghe han"
        "tim cho hoc nghe gan nha",  # "nghe gan" either
        "goi dien tu van cho em",  # gọi điện tư vấn, not điện tử
        "sống lo lắng quá",  # marks typed disagree with "Sông Lô"
        "hạn nộp hồ sơ",
        "hoc may thang",  # học mấy tháng
        "em hoc so cak",  # aliases under 6 letters ("so cap") need exact letters
        "vp co truong nao",  # "vp" without a place word before it
        "o day han nop la bao gio",  # ở đây hạn nộp: "day" context, but "nop" blocks
    ],
)
def test_look_alikes_are_not_entities(matcher, text):
    assert _found(matcher, text) == []


def test_no_typo_matching_without_a_vocabulary(lexicon):
    # e.g. scripts/annotate_nlu.py: every word would look unknown
    matcher = _matcher(lexicon, None)
    assert _found(matcher, "em o vinh tuog") == []
    assert _found(matcher, "em o vinhtuong") == [("area", "vinh_tuong")]  # spaces only: still fine


@pytest.mark.parametrize(
    "text, role",
    [
        ("toi muon cho con hoc dien lanh", "parent"),
        ("hai mẹ con muốn được tư vấn", "parent"),
        ("bo me em muon em thi lop 10", "student"),
    ],
)
def test_user_role_phrases(matcher, text, role):
    assert ("user_role", role) in _found(matcher, text)


@pytest.mark.parametrize(
    "word, expected",
    [
        ("han", True),
        ("may", True),
        ("it", True),
        ("nghieng", True),
        ("khuyen", True),
        ("oto", False),
        ("cntt", False),
        ("design", False),
        ("vinhyen", False),
    ],
)
def test_is_syllable(word, expected):
    assert is_syllable(word) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hum nay hoc gi", "hôm nay hoc gi"),  # "hum" before "nay": hôm
        ("hum bik", "không biết"),  # otherwise: không
        ("tn thpt xong", "tốt nghiệp trung học phổ thông xong"),
        ("tn cua e", "tn cua em"),  # no study word after it: left alone
        ("e cx mun dk hoc", "em cũng muốn được hoc"),
        ("ck e bao cho con hoc nghe", "chồng em bao cho con hoc nghe"),
        ("thik hoc vh o ttgdtx", "thích hoc văn hóa o trung tâm giáo dục thường xuyên"),
        ("khum bít", "không biết"),
    ],
)
def test_more_teencode(lexicon, text, expected):
    assert normalized_text(normalize_pieces(text, lexicon)) == expected


@pytest.fixture(scope="module")
def splitting_lexicon(lexicon) -> Lexicon:
    texts = [
        "em muon hoc nghe",
        "hoc nghe o dau",
        "trung cap hay cao dang",
        "em o vinh yen",
        "hoc nghe o vinh yen",
        "trung cap nghe",
        "cao dang nghe",
        "em hoc trung cap",
        "cao dang o vinh yen",
    ]
    return lexicon.with_syllables_of(texts, min_count=3)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hocnghe o dau", "hoc nghe o dau"),
        ("em o vinhyen", "em o vinh yen"),
        ("trungcap hay caodang", "trung cap hay cao dang"),
        ("Vĩnhyên", "vĩnh yên"),  # letters keep their marks
        ("hoc", "hoc"),  # known word
        ("nghieng", "nghieng"),  # one syllable, even if never seen
        ("zalo", "zalo"),  # no split into known syllables
        ("dcm", "dcm"),  # too short
    ],
)
def test_run_together_words_are_split_into_known_syllables(splitting_lexicon, text, expected):
    assert normalized_text(normalize_pieces(text, splitting_lexicon)) == expected


def test_split_words_keep_offsets_and_reach_the_gazetteer(splitting_lexicon, matcher):
    text = "em o vinhyen"
    pieces = normalize_pieces(text, splitting_lexicon)
    assert [text[p["start"] : p["end"]] for p in pieces] == ["em", "o", "vinhyen"]
    assert [(e["value"], e["text"]) for e in matcher.find(text, pieces)] == [("vinh_yen", "vinhyen")]


def test_no_splitting_without_training_syllables(lexicon):
    assert normalized_text(normalize_pieces("hocnghe", lexicon)) == "hocnghe"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hp 5tr 1 nam", "học phí 5 triệu 1 nam"),
        ("ho tro 800k/thang", "ho tro 800 nghìn thang"),
        ("luong 7tr5", "luong 7 triệu 5"),
        ("lop 9a", "lop 9a"),  # not a unit
        ("2000", "2000"),
    ],
)
def test_amounts_with_glued_units(lexicon, text, expected):
    assert normalized_text(normalize_pieces(text, lexicon)) == expected


def test_normalizer_stores_training_syllables_in_the_model(tmp_path):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.normalizer import VI_PIECES, VietnameseNormalizer

    config = {**VietnameseNormalizer.get_default_config(), "min_syllable_count": 2}
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(node_name="norm", graph_schema=None)
    examples = [Message(data={"text": t, "intent": "x"}) for t in ["hoc nghe o dau", "em muon hoc nghe"]]
    resource = VietnameseNormalizer.create(config, storage, Resource("norm"), context).train(
        TrainingData(examples)
    )
    loaded = VietnameseNormalizer.load(
        {**config, "lexicon_path": "does/not/exist.yml"}, storage, resource, context
    )
    message = Message(data={"text": "hocnghe"})
    loaded.process([message])
    assert [p["norm"] for p in message.get(VI_PIECES)] == [["hoc", "nghe"]]


def test_training_cache_sees_edits_of_the_data_files(tmp_path):
    """Rasa restores cached components unless their fingerprint changes; the
    gazetteer and normalizer read catalogue/lexicon files the cache does not
    know about, so those files must be part of the fingerprint."""
    import shutil

    from bot.nlu.normalizer import VietnameseNormalizer

    catalog = tmp_path / "catalog"
    shutil.copytree(CONFIG["catalog_dir"], catalog)
    config = {**CONFIG, "catalog_dir": str(catalog)}
    before = GazetteerEntityExtractor.fingerprint_addon(config)
    assert GazetteerEntityExtractor.fingerprint_addon(config) == before
    occupations = catalog / "occupations.yml"
    occupations.write_text(occupations.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert GazetteerEntityExtractor.fingerprint_addon(config) != before

    lexicon = tmp_path / "teencode.yml"
    lexicon.write_text("words: {ko: không}\n", encoding="utf-8")
    norm_config = {**VietnameseNormalizer.get_default_config(), "lexicon_path": str(lexicon)}
    before = VietnameseNormalizer.fingerprint_addon(norm_config)
    lexicon.write_text("words: {ko: không, k: không}\n", encoding="utf-8")
    assert VietnameseNormalizer.fingerprint_addon(norm_config) != before


def test_fingerprint_of_a_node_restored_from_the_cache():
    """A cache hit runs the training hooks with the cached node's own config
    ({"output": ...}); the fingerprint must not fail on it (it did: `make
    model` crashed after a catalogue-only edit, with the normalizer cached)."""
    from bot.nlu.normalizer import VietnameseNormalizer

    cached = {"output": object()}
    assert VietnameseNormalizer.fingerprint_addon(cached) == VietnameseNormalizer.fingerprint_addon(
        VietnameseNormalizer.get_default_config()
    )
    assert GazetteerEntityExtractor.fingerprint_addon(cached) == GazetteerEntityExtractor.fingerprint_addon(
        GazetteerEntityExtractor.get_default_config()
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        # initials of a catalogue name nobody listed as an alias
        ("tkdh ra trường làm gì", [("occupation", "thiet_ke_do_hoa")]),
        ("qtks a", [("occupation", "quan_tri_khach_san")]),
        ("hoc ktml o dau", [("occupation", "ky_thuat_may_lanh")]),
        # first syllable kept, the rest as initials
        ("hc dien dd so cap", [("occupation", "dien_dan_dung"), ("level", "so_cap")]),
        # a school name with two-syllable words as initials
        ("cđ cn phúc yên có hệ tc ko", [("school", "cd_cong_nghiep_phuc_yen"), ("level", "trung_cap")]),
        ("trường kinh tế kt vp", [("school", "cd_ktkt_vinh_phuc")]),
        # one entity per value, however often it is named
        ("hoc cong nghe thong tin ra co duoc lam lap trinh khong", [("occupation", "cong_nghe_thong_tin")]),
    ],
)
def test_abbreviations_and_one_entity_per_value(matcher, text, expected):
    assert _found(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "d",  # "điện dân dụng" -> "ddd", which the normalizer reads as "d"
        "kt vp",  # "kt" is shorthand ("cảm ơn"); "kỹ thuật" -> "kt" is not generated
        "cam on vp",
        "t",  # "may tt" -> "mt": too short to stand alone
        "mt",
    ],
)
def test_abbreviations_never_make_shorthand_or_single_letters_entities(matcher, text):
    found = _found(matcher, text)
    assert ("occupation", "dien_dan_dung") not in found
    assert ("school", "cd_ktcn_vinh_phuc") not in found and ("school", "cd_ktkt_vinh_phuc") not in found
    assert ("occupation", "may_thoi_trang") not in found


def test_abbreviation_shared_by_two_records_is_dropped(lexicon):
    records = [
        {"entity": "occupation", "value": "a", "forms": ["kỹ thuật máy lạnh"], "fuzzy": True},
        {"entity": "occupation", "value": "b", "forms": ["kế toán máy lẻ"], "fuzzy": True},
        {"entity": "occupation", "value": "c", "forms": ["ktml"], "fuzzy": True},
    ]
    rules = {"abbreviate_entities": ["occupation"]}
    table = build_patterns(records, lexicon, rules)["patterns"]
    assert table["ktml"]["value"] == "c"  # a listed alias is never replaced
    assert "ky thuat ml" in table and "ke toan ml" in table
    records = records[:2]
    assert "ktml" not in build_patterns(records, lexicon, rules)["patterns"]  # ambiguous
