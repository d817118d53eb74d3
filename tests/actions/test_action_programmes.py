from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.common import NO_VALUE
from actions.programmes import ActionAskOccupation, ActionFindProgrammes, ValidateProgrammeForm
from bot.catalog.names import get_occupation
from bot.catalog.search import find_programmes
from tests.actions.helpers import make_tracker, run_action, texts


def test_finder_lists_catalogue_programmes_nearest_first_with_contacts(session):
    tracker = make_tracker(
        {"occupation": "han", "level": "cao_dang", "area": "phuc_yen", "user_role": "student"}
    )
    messages, events = run_action(ActionFindProgrammes(), tracker)
    text = texts(messages)
    hits = find_programmes(session, occupation="han", level="cao_dang", area="phuc_yen")
    assert hits and len(hits) <= 5
    for hit in hits:
        assert hit.institution.name in text
        assert (hit.institution.address or "chưa có trong dữ liệu") in text
        if hit.distance_km is not None:
            assert f"{hit.distance_km:g} km" in text
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert f'/ask_school_info{{"school":"{hits[0].institution.id}"}}' in payloads
    assert "/ask_sources" in payloads and "/ask_support_policy" in payloads


def test_finder_shows_every_level_and_offers_only_levels_that_have_results(session):
    messages, _ = run_action(
        ActionFindProgrammes(), make_tracker({"occupation": "han", "user_role": "student"})
    )
    text = texts(messages)
    assert "trong toàn tỉnh" in text
    for hit in find_programmes(session, occupation="han"):
        assert hit.institution.name in text
    filters = [b["payload"] for b in messages[-1]["buttons"] if b["title"].startswith("Chỉ ")]
    for payload in filters:
        level_id = payload.split('"level":"')[1].split('"')[0]
        assert find_programmes(session, occupation="han", level=level_id), payload


def test_interest_statements_get_the_trade_not_the_quiz(session):
    from actions.programmes import interest_of

    for text, trade_word in (
        ("e thich nau an thi hoc o dau", "nấu ăn"),
        ("em thích làm đẹp, học nail thì sao", "làm đẹp"),
        ("em thich sua xe may", "xe máy"),
        ("e thich ve", "Thiết kế đồ họa"),
    ):
        row = interest_of(text)
        assert row is not None, text
        messages, _ = run_action(
            ActionFindProgrammes(),
            make_tracker(
                {"occupation": NO_VALUE, "user_role": "student"}, intent="find_programme", text=text
            ),
        )
        reply = texts(messages)
        assert trade_word in reply, (text, reply)
        if not any(get_occupation(session, i) for i in row[3]):
            assert "chưa có trong dữ liệu của mình" in reply and "Bước tiếp" in reply
    assert interest_of("em không biết hợp nghề gì") is None


def test_finder_at_most_five_options(session):
    messages, _ = run_action(
        ActionFindProgrammes(), make_tracker({"occupation": None, "level": NO_VALUE, "area": NO_VALUE})
    )
    assert texts(messages).count("\n") >= 1
    assert sum(1 for line in texts(messages).splitlines() if line[:2] in {f"{i}." for i in range(1, 10)}) <= 5


def test_finder_says_when_no_school_is_recorded(session):
    taught = {h.programme.occupation_id for h in find_programmes(session, limit=500)}
    untaught = next(
        o
        for o in ("ke_toan", "may_thoi_trang", "dieu_duong", "cong_nghe_thong_tin")
        if get_occupation(session, o) and o not in taught
    )
    messages, _ = run_action(
        ActionFindProgrammes(), make_tracker({"occupation": untaught, "area": "yen_lac"})
    )
    text = texts(messages)
    assert (
        "chưa có trong dữ liệu của mình" in text and "Bước tiếp" in text
    )  # missing from OUR data, and a next step
    assert "Trường" not in text.split("chưa có trong dữ liệu")[0]
    assert messages[-1]["buttons"][-1]["payload"] == "/request_human"


def test_ask_occupation_offers_only_taught_occupations(session):
    messages, _ = run_action(ActionAskOccupation(), make_tracker())
    taught = {h.programme.occupation.name for h in find_programmes(session, limit=500)}
    titles = {b["title"] for b in messages[0]["buttons"]} - {"Chưa biết học nghề gì"}
    assert titles and titles <= taught


def test_validate_occupation():
    form, dispatcher = ValidateProgrammeForm(), CollectingDispatcher()
    tracker = make_tracker()
    assert form.validate_occupation("điện công nghiệp", dispatcher, tracker, {}) == {
        "occupation": "dien_cong_nghiep"
    }
    assert form.validate_occupation("phi công vũ trụ", dispatcher, tracker, {}) == {"occupation": None}
    assert "chưa tìm thấy nghề" in texts(dispatcher.messages)


def test_bare_inform_with_an_occupation_lists_programmes(session):
    from actions.dialogue import ActionInformFollowup
    from tests.actions.helpers import entity

    tracker = make_tracker(
        {"occupation": "han", "area": "binh_xuyen"},
        intent="inform",
        entities=[entity("occupation", "han"), entity("area", "binh_xuyen")],
    )
    messages, events = run_action(ActionInformFollowup(), tracker)
    hits = find_programmes(session, occupation="han", area="binh_xuyen")
    assert hits[0].institution.name in texts(messages)
    assert events[-1]["value"] == "find_programme"


def test_unknown_occupation_ends_the_form_with_options_and_the_quiz(session):
    import asyncio

    form = ValidateProgrammeForm()
    asked = make_tracker({"requested_slot": "occupation"}, intent="deny", text="chưa biết")
    assert asyncio.run(form.extract_occupation(CollectingDispatcher(), asked, {})) == {"occupation": NO_VALUE}
    messages, events = run_action(
        ActionFindProgrammes(), make_tracker({"occupation": NO_VALUE, "area": "vinh_yen"})
    )
    assert messages[-1]["buttons"][0]["payload"] == "/start_interest_quiz"
    assert find_programmes(session, area="vinh_yen")[0].institution.name in texts(messages)
    assert {"event": "slot", "timestamp": None, "name": "occupation", "value": None} in events


def test_nothing_at_the_asked_level_shows_the_other_levels(session):
    from actions.programmes import ActionFindProgrammes
    from bot.catalog.search import find_programmes

    level = "trung_cap"
    occupation = next(
        o
        for o in ("dien_cong_nghiep", "han", "cong_nghe_o_to", "cat_got_kim_loai")
        if not find_programmes(session, occupation=o, level=level) and find_programmes(session, occupation=o)
    )
    tracker = make_tracker(
        {"occupation": occupation, "level": level, "area": "lap_thach"}, intent="find_programme"
    )
    messages, _ = run_action(ActionFindProgrammes(), tracker)
    text = texts(messages)
    assert "chưa có trong dữ liệu của mình; dưới đây là các trình độ khác" in text
    assert find_programmes(session, occupation=occupation, area="lap_thach")[0].institution.name in text


def test_admission_gives_the_latest_calendar_and_says_past_dates_are_past(session):
    import datetime as dt

    from actions.info import ActionAdmission
    from bot.catalog.admissions import admission_calendar

    events = [e for e in admission_calendar(session) if e.track == "lop_10" and e.date_from]
    assert events
    tracker = make_tracker(intent="ask_admission", text="thi vao lop 10 nam nay thi may mon")
    messages, _ = run_action(ActionAdmission(), tracker)
    first = messages[0]["text"]
    assert events[0].title in first and events[0].school_year in first
    if events[0].has_passed(dt.date.today()):
        assert "đã qua" in first and "năm học sau chưa có trong dữ liệu của mình" in texts(messages)
