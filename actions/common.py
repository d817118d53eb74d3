"""Formatting, register, citations and catalogue access shared by every action.

House rules (docs/architecture.md): actions read slots, call the catalogue's query
modules (`bot.catalog.names`, `geography`, `rules`, `search`) and format; nothing
here opens a database at import time. Every reply is Vietnamese, addresses a
student as "em" (also while the role is unknown) and a parent as "anh/chị", fits
one Zalo message and cites where each fact comes from and when it was checked.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import re
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, List, Optional, Text, Tuple
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.catalog.present import confidence_phrase, short_citation, sources_of
from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.text import fold, nfc

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 1500  # no bubble longer (docs/dialogue.md)
FIRST_BUBBLE_CHARS = 600  # the answer: first bubble on a phone
MAX_BUBBLE_CHARS = MAX_REPLY_CHARS  # any bubble
NO_VALUE = "khong_ro"  # slot value meaning "the user does not know / does not want to say"
NO_GROUP = "none"  # beneficiary_group answer "không thuộc nhóm nào"

WHOM_TO_ASK = "UBND xã/phường nơi cư trú hoặc Sở GD&ĐT tỉnh Phú Thọ"


# ------------------------------------------------------------------ dates


VN_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> dt.date:
    """Today's date in Vietnam (the families' date, whatever the server's zone);
    BOT_TODAY=YYYY-MM-DD pins it (tests of date-dependent answers)."""
    return get_settings().bot_today or dt.datetime.now(VN_TIME).date()


def vn_date(value: Optional[dt.date]) -> str:
    """ "1/6/2026", as Vietnamese write dates (and as families type them)."""
    return f"{value.day}/{value.month}/{value.year}" if value else "không rõ ngày"


def vn_money(amount: Optional[int]) -> str:
    return f"{amount:,}".replace(",", ".") + " đ" if amount is not None else ""


# ------------------------------------------------------------------ register

# Unknown role: no address word at all ("Bước tiếp: hỏi Sở GD&ĐT…", "học sinh học trung
# cấp…"). A reply that says "em" to someone who later turns out to be a parent (or "bạn",
# then "em") is a register switch; `polish` tidies the sentences the empty word leaves.
_ADDRESS = {"student": "em", "parent": "anh/chị"}
_LEARNER = {"student": "em", "parent": "con anh/chị"}

# How users name themselves (folded text). Strong cues decide; weak ones only
# when no strong cue is present. "cô" counts only when typed with its accent
# (a plain "co" is usually "có").
_PARENT_STRONG = re.compile(
    r"\b(toi|tui|phu huynh|me chau|bo chau|me cua chau|bo cua chau|con toi|con nha toi|chau nha|con chi|"
    r"con minh|con nha minh|con gai|con trai|cho con|chau nha toi|nha toi|gia dinh toi|cho chau|"
    r"chau (hoc|muon|thi|dang|sap|vua|moi|nam nay|lop|co duoc|co the|nha|bi))\b"
    r"|\bchi (la|muon|hoi|can|o|thay|dang|cung|nho|khong|ko|tham|cam on|chao|moi|vua|doi y)\b"
    r"|\bcho (chi|anh|toi|tui) (hoi|gap|xin|biet|dang ky)\b"
    # chat shorthand: "c"/"a" for chị/anh ("c hỏi chút, con c học cđ", "nhà a dân tộc")
    r"|\bcon (c|a) (hoc|dang|muon|sap|vua|nam|lop|thi|co)\b|^(c|a) (hoi|muon|can|xin|la)\b"
    r"|\bnha (c|a) (o|ho|la|dan|thuoc|co|ngheo|can)\b"
    r"|^chi\b"
)
# "học sinh" names the user only with a subject ("em là học sinh"); a parent asks about "hỗ trợ học sinh".
_STUDENT_STRONG = re.compile(
    r"\b(ad|admin|(em|e|minh|tui|chau|con) (la|dang la) (hoc sinh|hs)|bo me em|bo me e|ba me em|bo me minh|me em|bo em|me e|bo e|bo me mang)\b"
)
_STUDENT_WEAK = re.compile(
    r"^(e|em)\b(?! (oi|a|nhe|nha)\b)|\bcho (e|em)\b"
    r"|\bnha (e|em)\b"
    r"|\b(e|em) (la|muon|mun|thich|co|hoc|o|so|lo|ko|k|khong|chua|dang|can|hoi|dc|duoc|bi|thi|nen|phai|sap|di|"
    r"lam|gap|xin|biet|bit|ve|me)\b"
)
# "nhá em" (a parent's "nhé") folds like "nhà em" (a student's "my home"): only the latter is read.
# A user who calls the assistant "em" ("được không em?", "em ơi", "em cho hỏi") is an adult.
_PARENT_WEAK = re.compile(
    r"\b(cam on|chao|nhe|vay|oi|a|biet) em\b|^em oi\b|\bem cho (chi |anh |toi |co |minh )?hoi\b"
    r"|\b(khong|ko|ha|roi|chua|nhi|nao|gi|dau|sao|vay|the|duoc|dc|nhe|nha|ay) em\s*$"
    r"|\b(tks|thanks|thank|cam on|camon) e\s*$|\bko e\s*$"
)
_CO_SELF = re.compile(r"(^|[\s,.!?])cô (là|muốn|hỏi|cần|ở|thấy|đang|cũng|nhờ|không|cảm ơn|chào|mới|vừa)\b")


def role_cue(text: Any) -> Tuple[Optional[str], bool]:
    """(role, strong): "parent" / "student" from how the user names themself (None if
    unclear), and whether a strong cue ("con tôi", "phụ huynh", "ad", "bố mẹ em") decided it."""
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None, False
    key = fold(text)
    if key in ("phu huynh", "la phu huynh", "bo me", "me", "bo", "ba"):
        return "parent", True
    if key in ("hoc sinh", "la hoc sinh", "em", "e"):
        return "student", True
    parent = bool(_PARENT_STRONG.search(key)) or bool(_CO_SELF.search(nfc(text).lower()))
    student = bool(_STUDENT_STRONG.search(key))
    if parent != student:
        return ("parent" if parent else "student"), True
    if parent and student:
        return None, False
    weak_student, weak_parent = bool(_STUDENT_WEAK.search(key)), bool(_PARENT_WEAK.search(key))
    if weak_student != weak_parent:
        return ("student" if weak_student else "parent"), False
    return None, False


def role_from_text(text: Any) -> Optional[str]:
    """ "parent" / "student" from how the user names themself, else None."""
    return role_cue(text)[0]


def latest_entities(tracker: Tracker, entity: str) -> List[str]:
    """The values NLU (or a button payload) gave `entity` in the latest message, in order, once each."""
    values: List[str] = []
    for item in tracker.latest_message.get("entities", []) or []:
        if item.get("entity") == entity and item.get("value") and item["value"] not in values:
            values.append(item["value"])
    return values


def user_role(tracker: Tracker) -> Optional[str]:
    role = tracker.get_slot("user_role")
    if role in ("student", "parent"):
        return role
    return role_from_text(tracker.latest_message.get("text"))


def you(tracker: Tracker, capital: bool = False) -> str:
    """How the assistant addresses the user: em (students) / anh/chị (parents) / nothing while
    unknown (the sentence then reads as a plain imperative; `polish` fixes its spacing)."""
    word = _ADDRESS.get(user_role(tracker) or "", "")
    return word[0].upper() + word[1:] if capital and word else word


def learner(tracker: Tracker) -> str:
    """Who studies: the student themself, the parent's child, or "học sinh" while unknown."""
    return _LEARNER.get(user_role(tracker) or "", "học sinh")


def home(tracker: Tracker) -> str:
    """ "Nhà em" / "Nhà anh/chị" / "Gia đình" (unknown)."""
    word = you(tracker)
    return f"Nhà {word}" if word else "Gia đình"


# A lower-case letter starting a line or a sentence, not an address ("https://…", "vixo.edu.vn").
_LOWER_START = re.compile(
    r"(^|\n|[.!?]\s)(?!https?:|www\.|\S+\.(?:vn|com|net|org)\b)"
    r"([a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ])"
)


def polish(text: str) -> str:
    """Tidy a reply written with an empty address word: no double or stray spaces before
    punctuation, and a capital letter where a sentence or line starts."""
    if not text:
        return text
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r" ([,.;:!?)])", r"\1", text)
    text = re.sub(r"(^|\n) +", r"\1", text)
    return _LOWER_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


# ------------------------------------------------------------------ worry

# Matched on folded text, so "sợ không" and "(thiểu) số không" look alike: a "so" right after
# "thieu" is the number word, and "mắng" (scolded) needs its subject, as "mang" is also "bring".
_WORRY = re.compile(
    r"(?<!thieu )\b(so truot|so thi|so khong|so ko|so k|so bi|so lam|so qua|em so|e so|con so|chau so|lo lam|"
    r"lo qua|lo lang|toi lo|chi lo|em lo|e lo|buon(?! ban)|chan qua|ap luc|stress|khoc|bi mang|me mang|bo mang|"
    r"that vong|tuyet vong|hoang|tu ti|xau ho|khong biet lam sao|ko biet lam sao|k biet lam sao|hoc kem|hoc doi|"
    r"hoc yeu|coi thuong|coi thg|bi che|che cuoi|khinh|khong co tuong lai|ko co tuong lai|lo chau|lo cho con|"
    r"sinh kem|kem moi|yeu moi|(bo me|bme|bm|ba me) (e |em |chau )?(k|ko|khong|hok|chang) (cho|dong y))\b"
)


def is_worried(text: Any) -> bool:
    return isinstance(text, str) and bool(_WORRY.search(fold(text)))


_STIGMA = re.compile(r"\b(coi thuong|coi thg|bi che|che cuoi|khinh|xau ho|tu ti|sinh kem|kem moi|yeu moi)\b")


def reassurance(tracker: Tracker) -> str:
    if _STIGMA.search(fold(tracker.latest_message.get("text") or "")):
        who = "con" if user_role(tracker) == "parent" else "em"
        return (
            f"{'Anh/chị' if who == 'con' else 'Em'} đừng lo: học nghề là một lựa chọn chính đáng, không có gì phải "
            f"ngại. Nhiều học sinh chọn học nghề để sớm có nghề vững; học 9+ thì {who} vẫn có thể lấy bằng THPT và học "
            "tiếp cao đẳng, đại học."
        )
    if user_role(tracker) == "parent":
        return (
            "Anh/chị đừng quá lo ạ. Sau lớp 9 con có nhiều đường đi: thi lớp 10, học nghề (trung cấp, 9+ vừa học "
            "nghề vừa học văn hóa), hay học GDTX; đường nào cũng có thể học tiếp lên cao đẳng, đại học."
        )
    return (
        "Em đừng lo quá nhé, chuyện này nhiều học sinh lớp 9 cũng trải qua. Trượt cấp 3 không phải là hết đường: "
        "em vẫn có thể học nghề (trung cấp, 9+ vừa học nghề vừa học văn hóa) hoặc học GDTX, rồi học tiếp "
        "lên cao đẳng, đại học. Em có thể nói chuyện với bố mẹ bằng thông tin cụ thể, mình giúp em chuẩn bị."
    )


# ------------------------------------------------------------------ citations and sources


_LAW_NUMBER = re.compile(r"\b\d+/20\d\d/QH\d+\b")


def cite(record: Any) -> str:
    """The compact legal basis, "Căn cứ: NĐ 238/2025/NĐ-CP"; for a record without a legal number
    (a level), the law its citation names ("Căn cứ: Luật 123/2025/QH15"); else ""."""
    if getattr(record, "legal_basis_number", None):
        return f"Căn cứ: {short_citation(record)}."
    law = _LAW_NUMBER.search(getattr(record, "citation", None) or "")
    return f"Căn cứ: Luật {law.group(0)}." if law else ""


def confidence_words(record: Any) -> str:
    """Uncertainty in plain words (nothing for verified records)."""
    return confidence_phrase(record) or ""


def source_ref(record: Any) -> str:
    """The "Nguồn" lines of a record: title, issuer, date, public address, checked-on date.
    Never the record's internal notes (bot.catalog.present)."""
    refs = sources_of(record)
    first = refs[0]
    urls = [ref.url for ref in refs if ref.url] or ["chưa có đường dẫn công khai trong dữ liệu của mình"]
    parts = [
        first.title,
        first.issuer,
        f"ngày {vn_date(first.date)}" if first.date else None,
        ", ".join(urls),
        f"kiểm tra {vn_date(first.checked_on)}",
    ]
    return "• " + "; ".join(p for p in parts if p)


def record_key(record: Any) -> str:
    """ "policy:nd_238…" for the last_sources slot."""
    return f"{type(record).__name__.lower()}:{record.id}"


SOURCES_BUTTON = {"title": "Nguồn", "payload": "/ask_sources"}


def say(
    dispatcher: CollectingDispatcher,
    lines: Iterable[Optional[str]],
    buttons: Optional[List[Dict[str, str]]] = None,
    first: int = FIRST_BUBBLE_CHARS,
) -> None:
    """Utter `lines` packed into bubbles (first <= 600, others <= 1,500), buttons on the last."""
    texts = bubbles([polish(line) if line else line for line in lines], first=first)
    for index, text in enumerate(texts):
        dispatcher.utter_message(text=text, buttons=(buttons or None) if index == len(texts) - 1 else None)


def bubbles(
    lines: Iterable[Optional[str]], first: int = FIRST_BUBBLE_CHARS, rest: int = MAX_BUBBLE_CHARS
) -> List[str]:
    """Pack lines into bubbles: the first at most `first` characters, the others at most `rest`;
    a line longer than its bubble goes on at the next bubble from its last sentence end that
    fits (nothing is lost), or is cut at a word boundary when no sentence end fits."""
    out: List[str] = []
    current = ""
    pending = [l for l in lines if l]
    while pending:
        line = pending.pop(0)
        limit = first if not out else rest
        if len(line) > limit:
            room = limit - len(current) - 1 if current else limit
            end = line.rfind(". ", 0, max(room, 0))
            if end <= 0 and current:  # none fits after what is there: start a new bubble with it
                out.append(current)
                current, limit = "", rest
                end = line.rfind(". ", 0, limit)
            if end > 0:
                pending.insert(0, line[end + 2 :])
                line = line[: end + 1]
            else:
                line = line[: limit - 1].rsplit(" ", 1)[0] + "…"
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
        current = line
    if current:
        out.append(current)
    return out


def fit(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """Cut a reply at a line boundary so it fits one message."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if "\n" in cut:
        cut = cut[: cut.rfind("\n")]
    return cut.rstrip() + "\n…"


def join_lines(lines: Iterable[Optional[str]]) -> str:
    return "\n".join(line for line in lines if line)


def slot_value(tracker: Tracker, name: str) -> Optional[str]:
    """A slot's value, with "unknown" answers mapped to None."""
    value = tracker.get_slot(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, "", NO_VALUE, NO_GROUP):
        return None
    return str(value)


def slot_list(tracker: Tracker, name: str) -> List[str]:
    value = tracker.get_slot(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "", NO_VALUE, NO_GROUP)]


# ------------------------------------------------------------------ catalogue access


class CatalogUnavailable(RuntimeError):
    """The catalogue database could not be reached or read."""


@contextmanager
def catalog_session() -> Iterator[Any]:
    """A new session per call, on DATABASE_URL (read when called, not at import)."""
    try:
        with session_scope(get_settings().database_url) as session:
            yield session
    except (SQLAlchemyError, ConfigError, OSError) as exc:
        raise CatalogUnavailable(str(exc)) from exc


def apology(tracker: Tracker) -> str:
    return polish(
        f"Xin lỗi {you(tracker)}, hệ thống dữ liệu đang tạm thời gián đoạn nên mình chưa tra cứu được. "
        f'{you(tracker, capital=True)} vui lòng hỏi lại sau ít phút, hoặc nhắn "gặp tư vấn viên" để được gọi lại.'
    )


class CatalogAction(Action, metaclass=abc.ABCMeta):
    """An action that answers from the catalogue; a database failure becomes an apology.

    Subclasses implement `answer(dispatcher, tracker, domain, session)` and
    return the events to apply. A question about a legal document named by its
    number is answered about that document instead (actions/documents.py), unless
    the subclass sets `yields_to_documents = False`; likewise a liked trade
    (`yields_to_interests`).
    """

    yields_to_documents = True
    # "con tôi thích may vá, nên học nghề gì" read as another topic: the trade and where it is
    # taught (actions.programmes.liked_trade_answer); False where the action handles interests
    yields_to_interests = True

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    @abc.abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any], session
    ) -> List[Dict]:
        """Utter the reply using `session`; return the events."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        from actions.documents import document_answer  # documents builds on this module
        from actions.programmes import liked_trade_answer

        collected = CollectingDispatcher()
        try:
            with catalog_session() as session:
                found = document_answer(session, tracker) if self.yields_to_documents else None
                if found is None and self.yields_to_interests:
                    found = liked_trade_answer(session, tracker)
                if found is not None:  # "NQ 19 còn áp dụng không", whatever intent NLU chose
                    lines, buttons, cited = found
                    say(collected, lines, buttons)
                    events = [SlotSet("last_sources", [record_key(r) for r in cited])]
                else:
                    events = self.answer(collected, tracker, domain, session)
        except CatalogUnavailable as exc:
            logger.error("%s: catalogue unavailable: %s", self.name(), exc)
            dispatcher.utter_message(text=apology(tracker))
            return self.on_unavailable(tracker)
        for message in collected.messages:
            if message.get("text"):
                message["text"] = fit(polish(message["text"]))
            dispatcher.messages.append(message)
        return events or []

    def on_unavailable(self, tracker: Tracker) -> List[Dict]:
        return []


def validated_id(value: Any, kind: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[str]:
    """The canonical id for an area / level / occupation, NO_VALUE kept, None (ask again) when unknown."""
    from bot.catalog.names import lookup_area, lookup_level, lookup_occupation

    if isinstance(value, list):
        value = value[-1] if value else None
    if value in (None, ""):
        return None
    if value == NO_VALUE:
        return NO_VALUE
    lookup = {
        "area": lookup_area,
        "level": lookup_level,
        "occupation": lookup_occupation,
    }[kind]
    try:
        with catalog_session() as session:
            found = lookup(session, value)
            if found is None:
                what = {"area": "địa bàn", "level": "trình độ", "occupation": "nghề"}[kind]
                dispatcher.utter_message(
                    text=f'Mình chưa tìm thấy {what} "{str(value)[:60]}" trong dữ liệu của mình, {you(tracker)} gõ lại giúp mình nhé.'
                )
                return None
            return found.id
    except CatalogUnavailable as exc:
        logger.error("validate %s: catalogue unavailable: %s", kind, exc)
        return str(value)  # keep the answer; the final action apologises if the catalogue is still down


def menu_buttons(tracker: Tracker) -> List[Dict[str, str]]:
    """The short menu of what the assistant can do (used after fallbacks)."""
    return [
        {"title": "Các trình độ học nghề", "payload": "/ask_vocational_levels"},
        {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
        {"title": "Miễn học phí, hỗ trợ", "payload": "/ask_support_policy"},
        {"title": "Tìm trường, nghề", "payload": "/find_programme"},
        {"title": "Trắc nghiệm sở thích", "payload": "/start_interest_quiz"},
        {"title": "Gặp tư vấn viên", "payload": "/request_human"},
    ]


# ------------------------------------------------------------------ yes / no, stop

_YES = {
    "co",
    "ok",
    "oke",
    "okay",
    "okie",
    "u",
    "uh",
    "uk",
    "um",
    "uhm",
    "vang",
    "da",
    "duoc",
    "dc",
    "yes",
    "dung",
    "dung roi",
    "chac chan",
    "co chu",
    "co the",
    "dong y",
    "toi dong y",
    "em dong y",
    "chi dong y",
    "thich",
    "cung thich",
    "rat thich",
    "thich lam",
    "cung co",
    "co thich",
    "kha thich",
    "hay",
    "nhat tri",
    "duoc a",
}
_NO = {
    "khong",
    "ko",
    "k",
    "kg",
    "kh",
    "hong",
    "hok",
    "hem",
    "no",
    "khong can",
    "khong dong y",
    "khong co",
    "ko co",
    "k co",
    "chua",
    "khong thich",
    "ko thich",
    "k thich",
    "khong thich lam",
    "ko thich lam",
    "khong lam",
    "binh thuong",
    "cung binh thuong",
    "thuong thoi",
    "khong han",
    "chua bao gio",
    "it khi",
    "khong thich may",
    "cung khong",
    "khong muon",
    "ko muon",
    "chang",
}
# Words around a yes / no that do not change it: "ok em", "dạ có ạ", "không ạ".
_FILLER = {
    "a",
    "em",
    "e",
    "chi",
    "anh",
    "co",
    "ad",
    "nhe",
    "nha",
    "nhá",
    "luon",
    "roi",
    "r",
    "vay",
    "z",
    "the",
    "thi",
    "oi",
    "da",
    "vang",
    "ban",
    "minh",
    "lam",
    "ạ",
    "ak",
    "ah",
    "nhi",
    "day",
    "y",
}


def yes_no(text: Any) -> Optional[bool]:
    """True / False for a short typed yes / no ("có", "ok em", "cũng thích", "không thích lắm"), else None.

    Buttons send /affirm and /deny; this covers typed answers the intent
    classifier may read as something else. Stop phrases are not answers."""
    if not isinstance(text, str) or len(text) > 40 or is_stop_text(text):
        return None
    key = fold(text)
    for candidate in (key, " ".join(w for w in key.split() if w not in _FILLER or w in ("co",))):
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
    words = key.split()
    while words and words[0] in _FILLER - {"co"}:
        words = words[1:]
    while words and words[-1] in _FILLER - {"co"}:
        words = words[:-1]
    key = " ".join(words)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


# "thôi", "dừng lại", "không làm nữa", "hủy", "để sau", "thôi không cần gọi nữa".
_STOP = re.compile(
    r"^(thoi|thui|dung|dung lai|huy|huy bo|de sau|stop|ket thuc|bo qua|thoat|khoi)\b"
    r"|\b(dung lai|khong lam nua|ko lam nua|k lam nua|hok lam nua|khong can goi|ko can goi|k can goi|"
    r"khong goi nua|huy yeu cau|huy di|de sau|lan sau|khi khac|khong muon lam|ko muon lam|thoi khong|thoi ko|"
    r"thoi k|thoi e|thoi em|thoi chi|thoi toi|thoi minh|khong muon de lai so|ko muon de lai so|"
    r"khong de lai so|khong tiep tuc|ko tiep tuc|dung trac nghiem|khong choi nua|ko choi nua)\b"
)


def is_stop_text(text: Any) -> bool:
    return isinstance(text, str) and len(text) <= 80 and bool(_STOP.search(fold(text)))


def wants_stop(tracker: Tracker) -> bool:
    """The latest message asks to leave the running form / quiz / request."""
    if is_stop_text(tracker.latest_message.get("text")):
        return True
    intent = tracker.latest_message.get("intent") or {}
    free_text = tracker.get_slot("requested_slot") in ("callback_time", "callback_phone")
    return intent.get("name") == "stop" and (intent.get("confidence") or 0) >= 0.8 and not free_text
