"""Replies carry the detail asked (issue 13): what exists near a place when no trade is
named, the grade-10 record asked about, rules asked by what they say, the most specific
interest, a school's missing detail said as missing, and who is talking."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.common import NO_VALUE, role_cue
from actions.info import ActionAdmission, ActionComparePaths, ActionSchoolInfo
from actions.policies import ActionSupportPolicy
from actions.programmes import ActionFindProgrammes, ValidateProgrammeForm, interest_of
from bot.catalog.geography import area_label
from tests.actions.helpers import entity, make_tracker, run_action, texts


def test_an_area_with_no_trade_lists_the_nearest_places_of_every_kind():
    form = ValidateProgrammeForm()
    starting = make_tracker(
        {"area": "tam_hong"}, intent="find_programme", text="em o xa tam hong, hoc nghe o dau"
    )
    assert asyncio.run(form.extract_occupation(CollectingDispatcher(), starting, {})) == {
        "occupation": NO_VALUE
    }
    messages, _ = run_action(
        ActionFindProgrammes(), make_tracker({"occupation": NO_VALUE, "area": "tam_hong"})
    )
    reply = texts(messages)
    assert reply.startswith("Nơi học nghề gần xã Tam Hồng (huyện Yên Lạc cũ) nhất")
    assert "Trung tâm GDNN-GDTX (Yên Lạc cũ)" in reply.split("\n")[1]  # the nearest first
    assert "Muốn học nghề gì?" in reply  # no "em" before the role is known


def test_a_level_no_school_is_recorded_for_is_said_missing_not_listed():
    messages, _ = run_action(
        ActionFindProgrammes(),
        make_tracker({"occupation": NO_VALUE, "area": "tam_hong", "level": "trung_hoc_nghe"}),
    )
    assert texts(messages).startswith("Nơi học nghề trình độ trung học nghề gần xã Tam Hồng")
    assert "chưa có trong dữ liệu của mình" in texts(messages)


def test_a_former_commune_is_named_with_the_commune_it_became_part_of(session):
    assert area_label(session, "tan_phu") == "xã Tân Phú (cũ, nay thuộc xã Vĩnh Thành)"
    assert area_label(session, "binh_nguyen") == "xã Bình Nguyên (huyện Bình Xuyên cũ)"


@pytest.mark.parametrize(
    "question, lead",
    [
        ("dang ky thi vao 10 duoc may nguyen vong", "Đăng ký tối đa 2 nguyện vọng"),
        ("thi tieng anh vao 10 lam bai bn phut", "Thi tuyển sinh vào lớp 10 THPT công lập"),
    ],
)
def test_the_grade_10_record_asked_about_leads(question, lead):
    messages, events = run_action(ActionAdmission(), make_tracker(intent="ask_admission", text=question))
    assert texts(messages).startswith(lead)
    if "phut" in question:
        assert "Tiếng Anh 60 phút" in texts(messages).split("\n")[0]
    assert {"event": "slot", "timestamp": None, "name": "last_topic", "value": "admission_lop_10"} in events


def test_a_follow_up_stays_on_grade_10_unless_it_names_vocational_school():
    after = {"last_topic": "admission_lop_10"}
    dates, _ = run_action(
        ActionAdmission(), make_tracker(after, intent="ask_admission", text="thi vao ngay nao")
    )
    assert texts(dates).startswith("Thi tuyển sinh vào lớp 10 THPT công lập") and "1/6/2026" in texts(dates)
    vocational, _ = run_action(
        ActionAdmission(), make_tracker(after, intent="ask_admission", text="truong nghe tuyen den khi nao")
    )
    assert texts(vocational).startswith("Vào học trung cấp")


def test_the_thcs_diploma_question_gets_the_hoc_ba_rule_whatever_the_intent():
    messages, _ = run_action(
        ActionComparePaths(),
        make_tracker(intent="compare_paths", text="hoc xong lop 9 con duoc cap bang tot nghiep cap 2 khong"),
    )
    assert texts(messages).startswith("Từ 1/1/2026 không còn cấp bằng tốt nghiệp THCS")
    assert "học bạ" in texts(messages) and "Luật 123/2025/QH15" in texts(messages)


def test_monthly_support_is_for_thpt_graduates_and_nq_19_leads_for_a_2025_graduate():
    grade_9 = "Con tôi mới hết lớp 9, nghe nói tỉnh hỗ trợ 800 nghìn một tháng, cháu có được nhận không?"
    messages, _ = run_action(
        ActionSupportPolicy(), make_tracker({"user_role": "parent"}, "ask_support_policy", text=grade_9)
    )
    first = texts(messages).split("\n")[0]
    assert first.startswith("Chưa, nếu con anh/chị mới học xong lớp 9") and "bằng tốt nghiệp THPT" in first
    graduate = "con toi hoc cao dang o vinh phuc, ra truong nam 2025, nghe noi duoc ho tro 500 nghin 1 thang"
    messages, _ = run_action(
        ActionSupportPolicy(), make_tracker({"user_role": "parent"}, "ask_support_policy", text=graduate)
    )
    first = texts(messages).split("\n")[0]
    assert (
        first.startswith("Tùy điều kiện: NQ 19/2021/NQ-HĐND") and "12 tháng" in first and "500.000" in first
    )


def test_the_most_specific_interest_wins_and_is_answered_under_another_topic():
    assert interest_of("con gai toi thich may va thiet ke quan ao")[1] == "may mặc"
    assert interest_of("thich co dien tu")[1] == "cơ điện tử"
    assert interest_of("em thich buon ban")[1] == "buôn bán"
    messages, _ = run_action(
        ActionComparePaths(),
        make_tracker(
            intent="compare_paths", text="Con tôi rất thích vẽ và dùng máy tính, nên cho cháu học nghề gì?"
        ),
    )
    assert texts(messages).startswith("Thích vẽ thì có thể học nghề Thiết kế đồ họa")


def test_a_school_detail_we_lack_is_said_missing_first():
    tracker = make_tracker(
        intent="ask_school_info",
        entities=[entity("school", "cd_ktcn_vinh_phuc")],
        text="truong cao dang ky thuat cong nghe vinh phuc co ky tuc xa khong",
    )
    messages, _ = run_action(ActionSchoolInfo(), tracker)
    assert texts(messages).startswith(
        "Ký túc xá, chỗ ở của Trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc: chưa có"
    )


@pytest.mark.parametrize(
    "text, cue",
    [
        ("Bố cháu đây, cho hỏi huyện có hỗ trợ học sinh lớp 9 đi học nghề không?", ("parent", True)),
        ("em la hoc sinh lop 9", ("student", True)),
        ("Tỉnh đặt mục tiêu bao nhiêu phần trăm học sinh đi học nghề?", (None, False)),
        ("Liên hệ Sở Lao động hay Sở Giáo dục hả em?", ("parent", False)),
        ("cho em hỏi học nghề ở đâu", ("student", False)),
    ],
)
def test_how_the_user_names_themself(text, cue):
    assert role_cue(text) == cue


def test_todays_commune_is_answered_whatever_the_intent():
    former = make_tracker(
        intent="out_of_scope", entities=[{**entity("area", "lung_hoa")}], text="Lũng Hòa giờ thuộc xã nào"
    )
    messages, _ = run_action(ActionComparePaths(), former)
    assert texts(messages).startswith("Xã Lũng Hòa (cũ, nay thuộc xã Vĩnh Thành).")
    district = make_tracker(
        intent="find_programme",
        entities=[entity("area", "vinh_tuong")],
        text="huyen vinh tuong gio la nhung xa nao",
    )
    messages, _ = run_action(ActionComparePaths(), district)
    assert texts(messages).startswith("Từ 1/7/2025 huyện Vĩnh Tường (cũ) gồm:") and "xã Vĩnh Thành" in texts(
        messages
    )


def test_a_lost_parent_gets_the_orphan_rule_and_its_condition():
    tracker = make_tracker(
        intent="ask_support_policy",
        entities=[entity("level", "cao_dang")],
        slots={"level": "cao_dang"},
        text="em mat bo, hoc cao dang co duoc mien hoc phi khong",
    )
    messages, _ = run_action(ActionSupportPolicy(), tracker)
    assert "chỉ khi mồ côi cả cha lẫn mẹ" in texts(messages)


def test_the_trades_of_the_school_in_the_conversation_lead():
    tracker = make_tracker(
        {"school": "cd_ktcn_vinh_phuc"}, intent="ask_school_info", text="Trường dạy những nghề gì?"
    )
    messages, _ = run_action(ActionSchoolInfo(), tracker)
    first = texts(messages).split("\n")[0]
    assert first.startswith("Trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc dạy (trong dữ liệu của mình):")
    assert "Điện công nghiệp" in first


def test_a_long_line_goes_on_in_the_next_bubble_without_losing_a_sentence():
    from actions.common import FIRST_BUBBLE_CHARS, MAX_BUBBLE_CHARS, bubbles

    sentences = [f"Câu số {i} nói một điều cần biết về học phí và hỗ trợ." for i in range(40)]
    packed = bubbles(["Có: miễn 100% học phí.", " ".join(sentences), "Bước tiếp: hỏi trường."])
    assert len(packed[0]) <= FIRST_BUBBLE_CHARS and all(len(b) <= MAX_BUBBLE_CHARS for b in packed)
    assert packed[0].startswith("Có: miễn 100% học phí.")
    joined = "\n".join(packed)
    assert all(s in joined for s in sentences) and "…" not in joined
    assert packed[-1].endswith("Bước tiếp: hỏi trường.")


def test_a_cost_question_taken_for_out_of_scope_gets_the_cost_of_the_last_topic():
    from actions.asks import ActionOutOfScope

    after_nine_plus = make_tracker(
        {"last_topic": "combined_route"}, intent="out_of_scope", text="mat bn tien ad"
    )
    messages, _ = run_action(ActionOutOfScope(), after_nine_plus)
    assert "miễn 100% học phí" in texts(messages).split("\n")[0]
    nothing_before = make_tracker(intent="out_of_scope", text="mat bn tien ad")
    messages, _ = run_action(ActionOutOfScope(), nothing_before)
    assert "chưa giúp được" in texts(messages)


def test_a_short_course_is_the_so_cap_support_and_a_document_we_lack_is_said_missing():
    short = make_tracker(intent="ask_support_policy", slots={"beneficiary_group": ["ho_can_ngheo"]},
                         text="nha e can ngheo, hoc khoa ngan han dc ho tro bn")  # fmt: skip
    messages, _ = run_action(ActionSupportPolicy(), short)
    assert "học sơ cấp" in texts(messages).split("\n")[0] and "2.500.000" in texts(messages)
    assert "GDTX" not in texts(messages)  # the culture part belongs to 9+, not to a short course
    unknown = make_tracker(intent="ask_support_policy", text="nghi quyet 1676 noi gi")
    messages, _ = run_action(ActionSupportPolicy(), unknown)
    assert texts(messages).startswith("Văn bản NQ 1676 chưa có trong dữ liệu của mình")


def test_a_plan_number_read_as_a_no_is_still_answered():
    from actions.asks import ActionDenyOutsideQuestion

    messages, _ = run_action(ActionDenyOutsideQuestion(), make_tracker(intent="deny", text="kh 220 la j ad"))
    assert "KH 220/KH-UBND" in texts(messages) and "40%" in texts(messages)
    plain_no, _ = run_action(ActionDenyOutsideQuestion(), make_tracker(intent="deny", text="không ạ"))
    assert len(plain_no) == 1 and plain_no[0]["response"] == "utter_anything_else_no"


def test_no_address_word_before_the_role_is_known():
    import re

    from actions.common import polish

    messages, _ = run_action(
        ActionSupportPolicy(), make_tracker(intent="ask_support_policy", text="hoc trung cap co mat tien ko")
    )
    reply = texts(messages)
    assert "học sinh học trung cấp sau lớp 9" in reply and "Gia đình có thuộc nhóm nào" in reply
    assert not re.search(r"(?<![\w/])em\b", reply.replace("trẻ em", "")) and "anh/chị" not in reply
    assert "  " not in reply
    student, _ = run_action(ActionSupportPolicy(), make_tracker({"user_role": "student"}, "ask_support_policy", text="hoc trung cap co mat tien ko"))  # fmt: skip
    assert "em học trung cấp sau lớp 9" in texts(student) and "Nhà em có thuộc nhóm nào" in texts(student)
    assert (
        polish(" muốn hỏi gì?  chọn bên dưới , nhé\nhttps://a.vn")
        == "Muốn hỏi gì? Chọn bên dưới, nhé\nhttps://a.vn"
    )


def test_worries_and_stigma_in_chat_shorthand_get_reassurance():
    from actions.common import is_worried, reassurance
    from actions.dialogue import ActionStop

    assert is_worried("e mun di hoc nghe ma so bn be coi thg") and is_worried("bme e k cho")
    assert is_worried("Có phải học sinh kém mới đi học nghề không ạ?")
    messages, events = run_action(ActionStop(), make_tracker(intent="stop", text="bme e k cho"))
    assert texts(messages).startswith("Em đừng lo") and events == []
    assert "lựa chọn chính đáng" in reassurance(
        make_tracker(text="Có phải học sinh kém mới đi học nghề không ạ?")
    )


def test_a_school_named_alone_and_a_level_after_a_tuition_answer():
    from actions.dialogue import ActionInformFollowup
    from actions.info import ActionVocationalLevels

    school = make_tracker(
        intent="inform",
        entities=[entity("school", "cd_ktkt_vinh_phuc")],
        text="truong cao dang kinh te ky thuat vinh phuc con khong",
    )
    messages, _ = run_action(ActionInformFollowup(), school)
    assert "nay là Trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc" in texts(messages)
    level = make_tracker(
        {"last_topic": "support_policy", "level": "trung_cap"},
        intent="ask_vocational_levels",
        entities=[entity("level", "trung_cap")],
        text="Vậy học trung cấp thì sao?",
    )
    messages, _ = run_action(ActionVocationalLevels(), level)
    assert "miễn 100% học phí" in texts(messages).split("\n")[0]


def test_a_place_after_a_tuition_answer_leads_with_the_place_and_a_where_question_read_as_a_reply_lists_schools():
    from actions.dialogue import ActionInformFollowup

    place = make_tracker(
        {"last_topic": "support_policy", "area": "te_lo"},
        intent="inform",
        entities=[entity("area", "te_lo")],
        text="o xa te lo",
    )
    messages, _ = run_action(ActionInformFollowup(), place)
    assert texts(messages).startswith("• xã Tề Lỗ (huyện Yên Lạc cũ)")
    where = make_tracker(intent="inform", text="truong nghe o dau")
    messages, _ = run_action(ActionInformFollowup(), where)
    assert texts(messages).startswith("Trường, trung tâm dạy nghề có trong dữ liệu của mình")
