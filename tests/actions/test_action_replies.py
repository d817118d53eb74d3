"""Every reply fits one Zalo message (< 2,000 characters) and is Vietnamese:
all domain responses, and every action's output on the seed catalogue for a
spread of slot combinations. Plus: a catalogue that cannot be reached gives an
apology, never a crash, and answers come back when it is back."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

import actions.asks as asks
import actions.dialogue as dialogue
import actions.handoff as handoff
import actions.info as info
import actions.policies as policies
import actions.programmes as programmes
import actions.quiz as quiz
from actions.common import NO_VALUE
from tests.actions.helpers import entity, make_tracker, run_action, texts

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 2000
VI_MARKS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
ENGLISH = re.compile(r"\b(the|sorry|please|did you mean|something else|error|exception)\b", re.I)


def assert_vietnamese_and_short(text: str, where: str) -> None:
    assert text and text.strip(), f"{where}: empty reply"
    assert len(text) < LIMIT, f"{where}: {len(text)} characters"
    assert VI_MARKS.search(text), f"{where}: not Vietnamese: {text[:80]!r}"
    assert not ENGLISH.search(text), f"{where}: English words in {text[:120]!r}"


def test_domain_responses():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    count = 0
    for name, variations in domain["responses"].items():
        for variation in variations:
            assert_vietnamese_and_short(variation["text"], name)
            for button in variation.get("buttons") or []:
                assert len(button["title"]) <= 60
            count += 1
    assert count >= 8


def _all_catalogue_actions():
    return [
        info.ActionVocationalLevels(),
        info.ActionCombinedRoute(),
        info.ActionSchoolInfo(),
        info.ActionAdmission(),
        info.ActionCareerProspects(),
        info.ActionFurtherStudy(),
        info.ActionComparePaths(),
        policies.ActionSupportPolicy(),
        programmes.ActionFindProgrammes(),
        programmes.ActionAskOccupation(),
        quiz.ActionQuizResult(),
        dialogue.ActionInformFollowup(),
    ]


ROLES = [None, "student", "parent"]
AREAS = ["vinh_tuong", "phuc_yen", "vinh_phuc", "phu_tho", "vinh_thanh", NO_VALUE]
LEVELS = ["so_cap", "trung_cap", "cao_dang", NO_VALUE]
GROUPS = [["none"], ["ho_ngheo", "dan_toc_thieu_so"], ["khuyet_tat"]]


def test_every_action_output_on_the_seed_catalogue(session):
    from sqlalchemy import select

    from bot.catalog.models import Institution, Occupation

    schools = [i.id for i in session.execute(select(Institution)).scalars()]
    occupations = [o.id for o in session.execute(select(Occupation)).scalars()]
    checked = 0
    for index, (role, area, level) in enumerate(itertools.product(ROLES, AREAS, LEVELS)):
        groups = GROUPS[index % len(GROUPS)]
        slots = {
            "user_role": role,
            "area": area,
            "level": level,
            "beneficiary_group": groups,
            "occupation": occupations[checked % len(occupations)],
            "school": schools[checked % len(schools)],
            "last_topic": ["support_policy", "find_programme", "combined_route", None][checked % 4],
        }
        slots.update(
            {slot: ("co" if (i + checked) % 2 else "khong") for i, slot in enumerate(quiz.QUIZ_SLOTS)}
        )
        for action in _all_catalogue_actions():
            messages, _ = run_action(
                action, make_tracker(slots, entities=[entity("level", level)] if level != NO_VALUE else [])
            )
            assert messages, action.name()
            for message in messages:
                assert_vietnamese_and_short(message.get("text") or "", f"{action.name()} {slots}")
            checked += 1
    assert checked > 500


def test_form_questions_and_fallback_texts():
    for role in ROLES:
        tracker = make_tracker({"user_role": role}, intent="nlu_fallback", text="xyz")
        for action in [a() for a in asks.ASK_ACTIONS + quiz.ASK_ACTIONS] + [
            asks.ActionDefaultFallback(),
            asks.ActionDefaultAskRephrase(),
            asks.ActionOutOfScope(),
            dialogue.ActionDefaultAskAffirmation(),
        ]:
            messages, _ = run_action(action, tracker)
            for message in messages:
                assert_vietnamese_and_short(message["text"], action.name())
            if role == "parent" and action.name() in (
                "action_ask_callback_consent",
                "action_ask_callback_time",
                "action_out_of_scope",
                "action_default_fallback",
            ):
                assert "anh/chị" in texts(messages).lower()
            if role == "student" and action.name() in (
                "action_ask_callback_consent",
                "action_ask_callback_time",
                "action_out_of_scope",
                "action_default_fallback",
            ):
                words = re.findall(r"\w+", texts(messages).lower())
                assert "em" in words and "bạn" not in words


@pytest.mark.postgres
def test_catalogue_down_gives_an_apology_and_recovers(monkeypatch):
    """A real outage: the action server's PostgreSQL database disappears (its
    connections are terminated and it is renamed), then comes back."""
    import sqlalchemy as sa

    from bot.catalog.commands import import_catalog
    from bot.migrations import runner
    from tests.services import POSTGRES_ADMIN_URL, fresh_postgres_database

    with fresh_postgres_database() as url:
        runner.upgrade(url)
        import_catalog(Path(__file__).resolve().parents[2] / "data" / "catalog", url)
        monkeypatch.setenv("DATABASE_URL", url)
        tracker = make_tracker(
            {"user_role": "parent", "level": "trung_cap", "area": "yen_lac", "beneficiary_group": ["none"]}
        )
        ok, _ = run_action(policies.ActionSupportPolicy(), tracker)
        assert "238/2025" in texts(ok)

        name = url.rsplit("/", 1)[1]
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as conn:  # database unreachable
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(sa.text(f'ALTER DATABASE "{name}" RENAME TO "{name}_gone"'))
        try:
            for action in _all_catalogue_actions() + [handoff.ActionSubmitCallback()]:
                # slots that make every action need the catalogue
                slots = {
                    "user_role": "parent",
                    "callback_consent": True,
                    "callback_phone": "0912345678",
                    "callback_time": "tối",
                    "occupation": "han",
                    "last_topic": "support_policy",
                    **{s: "co" for s in quiz.QUIZ_SLOTS},
                }
                messages, events = run_action(action, make_tracker(slots))
                text = texts(messages)
                assert "gián đoạn" in text and "anh/chị" in text, action.name()
        finally:
            with admin.connect() as conn:  # back
                conn.execute(sa.text(f'ALTER DATABASE "{name}_gone" RENAME TO "{name}"'))
            admin.dispose()
        again, _ = run_action(policies.ActionSupportPolicy(), tracker)
        assert "238/2025" in texts(again)


@pytest.mark.parametrize(
    "top, offered", [("ask_support_policy", True), ("affirm", False), ("inform", False), ("greet", False)]
)
def test_two_stage_fallback_offers_only_topics(top, offered):
    tracker = make_tracker(intent="nlu_fallback", text="thôi dừng lại")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": top, "confidence": 0.3},
    ]
    messages, _ = run_action(dialogue.ActionDefaultAskAffirmation(), tracker)
    assert ("Có phải" in texts(messages)) is offered
    if offered:
        assert messages[0]["buttons"][0]["payload"] == f"/{top}"
    else:
        assert "nói lại" in texts(messages).lower()


@pytest.mark.parametrize(
    "text, worried",
    [
        ("em sợ trượt cấp 3, bố mẹ mắng", True),
        ("e so truot cap 3 lam, me mang suot", True),
        ("lo lắng quá không biết chọn gì", True),
        ("Hộ nghèo người Kinh có được hỗ trợ giống hộ nghèo dân tộc thiểu số không?", False),
        ("dan toc thieu so khong duoc ho tro a", False),
        ("đi học nghề cần mang theo những giấy tờ gì", False),
    ],
)
def test_worry_is_read_from_worry_words_not_look_alikes(text, worried):
    from actions.common import is_worried

    assert is_worried(text) is worried


@pytest.mark.parametrize(
    "text, role",
    [
        ("Cháu học trung cấp có được miễn học phí không?", "parent"),
        ("cho chau hoi hoc nghe o dau", "parent"),
        ("cháu nhà tôi học lớp 9", "parent"),
        ("Chị hỏi chương trình 9+ là gì vậy em?", "parent"),
        ("con tôi muốn học nghề", "parent"),
        ("e muon hoc han o dau ad", "student"),
        ("em thích nấu ăn", "student"),
        ("học 9+ mất mấy năm", None),
    ],
)
def test_register_is_read_from_how_the_user_names_themself(text, role):
    from actions.common import role_from_text

    assert role_from_text(text) == role
