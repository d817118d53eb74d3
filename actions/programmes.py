"""Programme finder: show what exists, then narrow down.

The form asks only for the occupation (buttons: occupations the catalogue has
a school for). The answer lists every level, nearest first when an area is
known (province-wide otherwise), and offers the levels found as filter
buttons: it never asks a question whose answers all lead to "no data".
Interest statements ("em thích nấu ăn / vẽ / làm đẹp / sửa xe máy") are mapped
to the matching occupation and where it is taught (INTERESTS).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    NO_VALUE,
    SOURCES_BUTTON,
    CatalogAction,
    CatalogUnavailable,
    catalog_session,
    latest_entities,
    polish,
    record_key,
    say,
    slot_value,
    validated_id,
    wants_stop,
    yes_no,
    you,
)
from bot.catalog.geography import area_label
from bot.catalog.names import get_level, get_occupation, lookup_area, lookup_occupation
from bot.catalog.search import (
    find_programmes,
    institutions_near,
    institutions_with_combined_route,
    occupations_taught,
)
from bot.text import fold

logger = logging.getLogger(__name__)

MAX_OPTIONS = 5
CALLBACK_BUTTON = {"title": "Nhờ thầy cô gọi lại", "payload": "/request_human"}

# (folded pattern, what the user likes, the trade's usual name, catalogue occupation ids, nearby ids).
INTERESTS: List[Tuple[str, str, str, Tuple[str, ...], Tuple[str, ...]]] = [
    (
        r"nau an|nau nuong|dau bep|lam banh|lam bep|che bien mon an",
        "nấu ăn",
        "Kỹ thuật chế biến món ăn (nấu ăn)",
        ("ky_thuat_che_bien_mon_an", "nau_an"),
        ("quan_tri_khach_san",),
    ),
    (
        r"lam dep|nail|trang diem|cat toc|lam toc|uon toc|spa|tham my|make ?up",
        "làm đẹp",
        "Chăm sóc sắc đẹp (làm đẹp, nail, tóc)",
        ("cham_soc_sac_dep", "lam_dep", "tao_mau_toc"),
        (),
    ),
    (
        r"xe may|sua xe",
        "sửa xe máy",
        "Công nghệ xe máy (sửa chữa xe máy)",
        ("sua_chua_xe_may", "cong_nghe_xe_may"),
        ("cong_nghe_o_to",),
    ),
    (
        r"\bve\b.{0,25}\bmay tinh\b|\bve\b|hoi hoa|my thuat|do hoa|thiet ke",
        "vẽ",
        "Thiết kế đồ họa",
        ("thiet_ke_do_hoa",),
        (),
    ),
    (r"o to|oto|xe hoi", "ô tô", "Công nghệ ô tô", ("cong_nghe_o_to",), ()),
    (
        r"may tinh|tin hoc|lap trinh|\bgame\b|\bit\b|phan mem",
        "máy tính",
        "Công nghệ thông tin",
        ("cong_nghe_thong_tin",),
        (),
    ),
    (
        r"dieu hoa|tu lanh|may lanh|dien lanh",
        "điện lạnh",
        "Kỹ thuật máy lạnh và điều hòa không khí",
        ("ky_thuat_may_lanh",),
        (),
    ),
    (r"co dien tu", "cơ điện tử", "Cơ điện tử", ("co_dien_tu",), ("tu_dong_hoa",)),
    (r"tu dong hoa|robot", "tự động hóa", "Điều khiển và tự động hóa", ("tu_dong_hoa",), ("co_dien_tu",)),
    (r"dien tu", "điện tử", "Điện tử công nghiệp", ("dien_tu_cong_nghiep",), ()),
    (
        r"\bdien\b|sua dien|do dien|sua quat|sua den|lap dien",
        "điện",
        "Điện dân dụng, điện công nghiệp",
        ("dien_dan_dung", "dien_cong_nghiep"),
        (),
    ),
    (
        r"may va|may (quan|qan|qua) ao|thoi trang|may mac|thiet ke (quan ao|thoi trang)",
        "may mặc",
        "May thời trang",
        ("may_thoi_trang",),
        (),
    ),
    (
        r"cham soc (nguoi|ng)|y ta|dieu duong|benh nhan|cham nguoi om|(nguoi|ng) (benh|om)",
        "chăm sóc người bệnh",
        "Điều dưỡng",
        ("dieu_duong",),
        (),
    ),
    (r"tre con|tre em|tre nho|mam non|trong em", "trẻ nhỏ", "Giáo dục mầm non", ("giao_duc_mam_non",), ()),
    (
        r"khach san|du lich|nha hang|le tan",
        "du lịch, khách sạn",
        "Quản trị khách sạn",
        ("quan_tri_khach_san",),
        (),
    ),
    (r"tinh toan|ke toan|con so|so sach", "tính toán", "Kế toán", ("ke_toan",), ()),
    (
        r"buon ban|ban hang|kinh doanh|ban online|thuong mai",
        "buôn bán",
        "Nghiệp vụ bán hàng, Thương mại điện tử",
        ("nghiep_vu_ban_hang", "thuong_mai_dien_tu"),
        ("logistics",),
    ),
    (r"logistics|kho van|giao hang|van chuyen", "giao nhận, kho vận", "Logistics", ("logistics",), ()),
    (r"xay dung|xay nha|tho xay", "xây dựng", "Kỹ thuật xây dựng", ("ky_thuat_xay_dung",), ()),
    # "hàn" folds like "hạn": not in "ngắn hạn", "thời hạn", "hạn chót", "gia hạn"
    (
        r"(?<!ngan )(?<!thoi )(?<!gia )(?<!dung )(?<!co )\bhan\b(?! (che|nop|chot|cuoi|muc))",
        "hàn",
        "Hàn",
        ("han",),
        (),
    ),
    (r"co khi|tien phay|gia cong", "cơ khí", "Cắt gọt kim loại", ("cat_got_kim_loai",), ()),
]
_INTEREST_CUE = re.compile(
    r"\b(thich|thik|me|dam me|yeu thich|so thich|muon|hop|gioi|khoai|hoc|day|lam nghe)\b"
)
_LIKING = re.compile(r"\b(thich|thik|me|dam me|yeu thich|so thich|khoai)\b")


def interest_of(text: Any):
    """The INTERESTS row for an interest statement ("em thích nấu ăn", "học sửa xe máy ở đâu"), else None."""
    key = fold(text or "")
    if not _INTEREST_CUE.search(key):
        return None
    best, longest = None, 0
    for row in INTERESTS:  # the most specific mention wins: "thiết kế quần áo" is sewing, not drawing
        for match in re.finditer(row[0], key):
            if len(match.group(0)) > longest:
                best, longest = row, len(match.group(0))
    return best


def interest_trades(session, tracker: Tracker, row) -> List[str]:
    """The row's trades the catalogue has, narrowed to the one the user named ("điện công nghiệp")."""
    known = [i for i in row[3] if get_occupation(session, i) is not None]
    named = [i for i in known if i in latest_entities(tracker, "occupation")]
    return named or known


def contact_text(institution) -> str:
    parts = [
        f"Địa chỉ: {institution.address}"
        if institution.address
        else "Địa chỉ: chưa có trong dữ liệu của mình"
    ]
    if not institution.name_verified:
        parts.insert(0, "tên chính xác chưa được xác nhận, hỏi Sở GD&ĐT Phú Thọ")
    if institution.phone:
        parts.append(f"ĐT: {institution.phone}")
    if institution.website:
        parts.append(f"Web: {institution.website}")
    return "; ".join(parts)


def next_step(tracker: Tracker, school=None) -> str:
    """Whom to ask next: the school's sourced phone / website when the catalogue has one,
    else the school or Sở GD&ĐT Phú Thọ, and the callback offer."""
    if school is not None and (school.phone or school.website):
        how = ", ".join(
            x
            for x in (
                f"gọi {school.phone}" if school.phone else "",
                f"xem {school.website}" if school.website else "",
            )
            if x
        )
        return f'Bước tiếp: {you(tracker)} {how} ({school.name}), hoặc bấm "Nhờ thầy cô gọi lại".'
    return (
        f"Bước tiếp: {you(tracker)} hỏi trực tiếp phòng tuyển sinh của trường hoặc Sở GD&ĐT Phú Thọ, "
        'hoặc bấm "Nhờ thầy cô gọi lại" để thầy cô tư vấn gọi cho gia đình.'
    )


_NINE_PLUS_FOLDED = re.compile(r"\b(9 ?cong|chin cong|vua hoc nghe vua hoc van hoa)\b")


def mentions_nine_plus(text: Any) -> bool:
    """ "9+", "9 +", "9 cộng", "vừa học nghề vừa học văn hóa" (fold() drops the "+")."""
    text = text if isinstance(text, str) else ""
    return bool(re.search(r"9\s*\+", text)) or bool(_NINE_PLUS_FOLDED.search(fold(text)))


def combined_route_places(session, tracker: Tracker, area) -> tuple:
    """(lines, schools): where the 9+ route is taught, nearest to `area` first, and whom to ask."""
    schools = institutions_with_combined_route(session, area=area.id if area else None)[:4]
    near = f", gần {area_label(session, area.id) or area.name} nhất trước" if area else ""
    if schools:
        lines = [f"Nơi dạy 9+ có trong dữ liệu của mình{near}:"]
        lines += [f"• {school.name}. {contact_text(school)}." for school in schools]
    else:
        lines = ["Nơi dạy 9+ chưa có trong dữ liệu của mình."]
    lines.append(next_step(tracker, schools[0] if schools else None))
    return lines, schools


def nearby_places_answer(session, tracker: Tracker, area, level=None):
    """(lines, buttons, cited): "what is there near my home" with no trade named: the nearest
    schools and centres of every kind, each with its levels, the 9+ route and a few trades;
    then the trades taught there as buttons to narrow down. With a level, only schools
    recorded as teaching it."""
    label = area_label(session, area.id) or area.name
    near = [
        (school, km)
        for school, km in institutions_near(session, area.id)
        if level is None or level.id in (school.level_ids or [])
    ][:4]
    at = f" trình độ {level.name.lower()}" if level else ""
    if not near:
        lines = [f"Nơi học nghề{at} gần {label} chưa có trong dữ liệu của mình.", next_step(tracker)]
        return lines, [CALLBACK_BUTTON], []
    lines = [f"Nơi học nghề{at} gần {label} nhất, trong dữ liệu của mình:"]
    cited: List[Any] = []
    trades: List[Any] = []
    for index, (school, km) in enumerate(near, 1):
        levels = [get_level(session, lid) for lid in school.level_ids or []]
        facts = [", ".join(x.name.lower() for x in levels if x is not None) or "trình độ: hỏi trường"]
        if school.runs_combined_route:
            facts.append("có 9+")
        taught = occupations_taught(session, institution=school.id, limit=3)
        trades += [o for o in taught if o not in trades]
        if taught:
            facts.append("nghề " + ", ".join(o.name for o in taught))
        if km is not None:
            facts.append("ngay trong khu vực" if km < 1 else f"cách khoảng {km:g} km")
        contact = "; ".join(x for x in (school.phone and f"ĐT {school.phone}", school.website) if x)
        lines.append(f"{index}. {school.name} ({'; '.join(facts)}){'. ' + contact if contact else ''}.")
        cited.append(school)
    if any(not school.name_verified for school, _ in near):
        lines.append(
            "Tên chính xác, địa chỉ của các trung tâm GDNN-GDTX chưa được xác nhận trong dữ liệu của mình; "
            f"{you(tracker)} hỏi Sở GD&ĐT Phú Thọ hoặc UBND xã/phường."
        )
    lines.append(
        f"{you(tracker, True)} muốn học nghề gì? Chọn nghề bên dưới để xem nơi dạy, hoặc gõ tên nghề."
    )
    buttons = [{"title": "Chưa biết học nghề gì", "payload": "/start_interest_quiz"}]
    buttons += [{"title": o.name, "payload": f'/inform{{"occupation":"{o.id}"}}'} for o in trades[:3]]
    buttons += [{"title": "Học phí, hỗ trợ", "payload": "/ask_support_policy"}, SOURCES_BUTTON]
    return lines, buttons, cited


def programme_line(index: int, hit) -> str:
    programme, institution = hit.programme, hit.institution
    level = programme.level.name.lower() if programme.level else "trình độ cần hỏi trường"
    distance = f", cách khoảng {hit.distance_km:g} km" if hit.distance_km is not None else ""
    return f"{index}. {institution.name} ({level}{distance}). {contact_text(institution)}."


def filter_buttons(
    session, occupation_id: Optional[str], hits, level_id: Optional[str]
) -> List[Dict[str, str]]:
    """The levels taught (from the hits' programmes and schools) as filters; never a level with no result."""
    found: List[str] = []
    for hit in hits:
        for lid in (
            [hit.programme.level_id] if hit.programme.level_id else list(hit.institution.level_ids or [])
        ):
            if lid and lid not in found and lid != level_id:
                found.append(lid)
    buttons = []
    for lid in found:
        level = get_level(session, lid)
        if level is not None and find_programmes(session, occupation=occupation_id, level=lid, limit=1):
            buttons.append(
                {"title": f"Chỉ {level.name.lower()}", "payload": f'/find_programme{{"level":"{lid}"}}'}
            )
    return buttons[:3]


def find_programmes_answer(session, tracker: Tracker, occupation_ids: Optional[List[str]] = None):
    """(lines, buttons, cited) for the occupation / level / area slots (every level unless one is chosen)."""
    ids = occupation_ids or ([slot_value(tracker, "occupation")] if slot_value(tracker, "occupation") else [])
    occupations = [o for o in (lookup_occupation(session, i) for i in ids) if o]
    level_id = slot_value(tracker, "level")
    level = get_level(session, level_id) if level_id else None
    area_id = slot_value(tracker, "area")
    area = lookup_area(session, area_id) if area_id else None

    def search(level_filter):
        found = []
        for occupation in occupations or [None]:
            found += find_programmes(
                session,
                occupation=occupation.id if occupation else None,
                level=level_filter.id if level_filter else None,
                area=area.id if area else None,
                limit=MAX_OPTIONS,
            )
        found.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0.0))
        return found[:MAX_OPTIONS]

    hits = search(level)
    what = " / ".join(o.name for o in occupations) or "học nghề"
    at_level = f" trình độ {level.name.lower()}" if level else ""
    lines: List[str] = []
    cited: List[Any] = list(occupations)
    if not hits and level is not None and occupations:
        # nothing at the asked level: say so, then show the other levels (never a dead end)
        hits = search(None)
        if hits:
            lines.append(
                f"Nơi dạy {what}{at_level} chưa có trong dữ liệu của mình; dưới đây là các trình độ khác, "
                f"{you(tracker)} hỏi trường xem có mở {level.name.lower()} không."
            )
            level, at_level = None, ""
    if not hits:
        lines.append(f"Nơi dạy {what}{at_level} chưa có trong dữ liệu của mình.")
        if area is not None:  # the nearest places are where to ask
            near = [school.name for school, _ in institutions_near(session, area.id)[:2]]
            if near:
                label = area_label(session, area.id) or area.name
                lines.append(
                    f"Gần {label} nhất có: {'; '.join(near)}. {you(tracker, True)} hỏi các nơi này xem có "
                    f"mở lớp {what} không."
                )
        lines.append(next_step(tracker))
        buttons = [CALLBACK_BUTTON]
        if level is not None:
            buttons.insert(0, {"title": "Mọi trình độ", "payload": '/find_programme{"level":null}'})
        return lines, buttons, cited
    where = f", gần {area_label(session, area.id) or area.name} nhất trước" if area else ", trong toàn tỉnh"
    lines.append(f"Nơi dạy {what}{at_level} có trong dữ liệu của mình{where}:")
    for index, hit in enumerate(hits, 1):
        lines.append(programme_line(index, hit))
        cited += [hit.programme, hit.institution]
    if area is not None and all(h.distance_km is None for h in hits):
        lines.append("(Chưa đủ dữ liệu vị trí để xếp theo khoảng cách.)")
    if any(h.programme.confidence != "V" for h in hits):
        lines.append("Nghề và trình độ ở từng trường cần xác nhận lại với trường trước khi nộp hồ sơ.")
    if not any(h.institution.phone or h.institution.website for h in hits):
        lines.append(next_step(tracker))
    buttons = filter_buttons(
        session, occupations[0].id if len(occupations) == 1 else None, hits, level.id if level else None
    )
    seen = []
    for hit in hits:
        if hit.institution.id not in seen and len(seen) < 2:
            seen.append(hit.institution.id)
            buttons.append(
                {
                    "title": f"Về {hit.institution.name.replace('Trường ', '')}"[:60],
                    "payload": f'/ask_school_info{{"school":"{hit.institution.id}"}}',
                }
            )
    buttons += [{"title": "Học phí, hỗ trợ", "payload": "/ask_support_policy"}, SOURCES_BUTTON]
    return lines, buttons, cited


def interest_answer(session, tracker: Tracker, row):
    """An interest statement: the matching trade and where it is taught, or an honest gap and a next step."""
    _, liked, trade, ids, nearby = row
    known = interest_trades(session, tracker, row)
    if known:
        lines, buttons, cited = find_programmes_answer(session, tracker, known)
        if _LIKING.search(fold(tracker.latest_message.get("text") or "")):
            names = ", ".join(o.name for o in cited if isinstance(o, type(cited[0]))) if cited else trade
            lines.insert(0, f"Thích {liked} thì có thể học nghề {names}.")
        return lines, buttons, cited
    lines = [f"Thích {liked} thì có thể học nghề {trade}. Nơi dạy nghề này chưa có trong dữ liệu của mình."]
    buttons: List[Dict[str, str]] = []
    close = [get_occupation(session, i) for i in nearby]
    close = [o for o in close if o is not None]
    if close:
        lines.append("Nghề gần giống có trong dữ liệu: " + ", ".join(o.name for o in close) + ".")
        buttons += [
            {"title": f"Nơi dạy {o.name}"[:60], "payload": f'/find_programme{{"occupation":"{o.id}"}}'}
            for o in close
        ]
    lines.append(next_step(tracker))
    buttons += [CALLBACK_BUTTON, {"title": "Làm trắc nghiệm sở thích", "payload": "/start_interest_quiz"}]
    return lines, buttons, close


def liked_trade_answer(session, tracker: Tracker):
    """(lines, buttons, cited) for a liking stated with a trade ("con tôi thích may vá"), else None."""
    text = tracker.latest_message.get("text")
    row = interest_of(text)
    if row is None or not _LIKING.search(fold(text or "")):
        return None
    return interest_answer(session, tracker, row)


class ActionFindProgrammes(CatalogAction):
    yields_to_interests = False  # answers them itself, keeping the trade for follow-ups

    def name(self) -> Text:
        return "action_find_programmes"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        events: List[Dict] = [SlotSet("last_topic", "find_programme")]
        if tracker.get_slot("flow_exit") == "stop":
            dispatcher.utter_message(
                text=f"Dạ, mình dừng tìm trường ở đây. Khi cần, {you(tracker)} cứ nhắn lại nhé."
            )
            return events + [SlotSet("flow_exit", None), SlotSet("occupation", None)]
        row = interest_of(tracker.latest_message.get("text"))
        if row is not None and tracker.get_slot("occupation") in (NO_VALUE,) + tuple(row[3]):
            lines, buttons, cited = interest_answer(session, tracker, row)
            trades = interest_trades(session, tracker, row)
            # keep a single trade for follow-ups ("ở Bình Xuyên", "trung cấp"); "not in our data" keeps none
            events.append(SlotSet("occupation", trades[0] if len(trades) == 1 else None))
        elif tracker.get_slot("occupation") == NO_VALUE and (
            mentions_nine_plus(tracker.latest_message.get("text"))
            or tracker.get_slot("last_topic") == "combined_route"  # "học ở đâu" after a 9+ answer
        ):
            area_id = slot_value(tracker, "area")
            area = lookup_area(session, area_id) if area_id else None
            lines, cited = combined_route_places(session, tracker, area)
            buttons = [
                {"title": "9+ học mấy năm", "payload": "/ask_combined_route"},
                {"title": "Học phí 9+", "payload": '/ask_combined_route{"level":"trung_cap"}'},
                SOURCES_BUTTON,
            ]
            events.append(SlotSet("occupation", None))
        elif tracker.get_slot("occupation") == NO_VALUE and slot_value(tracker, "area"):
            area = lookup_area(session, slot_value(tracker, "area"))
            level_id = slot_value(tracker, "level")
            lines, buttons, cited = nearby_places_answer(
                session, tracker, area, get_level(session, level_id) if level_id else None
            )
            events.append(SlotSet("occupation", None))
        elif tracker.get_slot("occupation") == NO_VALUE:
            lines, buttons, cited = find_programmes_answer(session, tracker)
            lines.insert(
                0,
                f"{you(tracker, True)} chưa chọn nghề: đây là một số nơi dạy nghề có trong dữ liệu của mình. "
                "Làm trắc nghiệm sở thích có thể giúp chọn nghề.",
            )
            buttons = [{"title": "Làm trắc nghiệm sở thích", "payload": "/start_interest_quiz"}] + buttons[:3]
            events.append(SlotSet("occupation", None))
        else:
            lines, buttons, cited = find_programmes_answer(session, tracker)
        say(dispatcher, lines, buttons)
        return events + [SlotSet("last_sources", [record_key(r) for r in cited])]


class ActionAskOccupation(CatalogAction):
    """Asks for the occupation, offering those the catalogue has a school for."""

    yields_to_interests = False

    def name(self) -> Text:
        return "action_ask_occupation"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        buttons = [
            {"title": o.name, "payload": f'/inform{{"occupation":"{o.id}"}}'}
            for o in occupations_taught(session, limit=7)
        ]
        buttons.append({"title": "Chưa biết học nghề gì", "payload": "/start_interest_quiz"})
        dispatcher.utter_message(
            text=polish(
                f"{you(tracker, True)} muốn học nghề gì? Chọn bên dưới, gõ tên nghề, hoặc kể sở thích "
                '(ví dụ: "thích sửa xe").'
            ),
            buttons=buttons,
        )
        return []


class ValidateProgrammeForm(FormValidationAction):
    """Only the occupation is required; a stop ends the form (action_find_programmes says so)."""

    def name(self) -> Text:
        return "validate_programme_form"

    async def run(self, dispatcher, tracker: Tracker, domain):
        if tracker.get_slot("requested_slot") and wants_stop(tracker):
            return [SlotSet("flow_exit", "stop"), SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    async def extract_occupation(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text")
        row = interest_of(text)
        if row is not None:
            try:
                with catalog_session() as session:
                    known = interest_trades(session, tracker, row)
            except CatalogUnavailable:
                known = []
            return {"occupation": known[0] if len(known) == 1 else NO_VALUE}
        after_nine_plus = tracker.get_slot("last_topic") == "combined_route" and not tracker.get_slot(
            "requested_slot"
        )
        if (mentions_nine_plus(text) or after_nine_plus) and not tracker.get_slot("occupation"):
            return {"occupation": NO_VALUE}  # "học 9+ ở đâu": the route's places, no trade needed
        if (
            tracker.get_slot("requested_slot") is None
            and not tracker.get_slot("occupation")
            and (tracker.get_slot("area") or tracker.get_slot("level"))
        ):
            # "gần nhà có trường nghề nào", "trường nào tuyển trung học nghề": show what exists
            # near the area / at the level first; the trade is a filter offered after
            return {"occupation": NO_VALUE}
        if tracker.get_slot("requested_slot") != "occupation":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "deny" or yes_no(text) is False:
            return {"occupation": NO_VALUE}
        return {}

    def validate_occupation(
        self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == NO_VALUE:
            return {"occupation": NO_VALUE}
        return {"occupation": validated_id(value, "occupation", dispatcher, tracker)}
