"""The one definition of an "unanswered" turn (issue 16).

A turn is one user message and everything the assistant did until the next
user message (actions, bubbles). It counts as unanswered when it got

1. ``fallback``: a fallback or out-of-scope reply (Rasa's fallback actions,
   ``action_out_of_scope``, or their texts) to an in-scope message, unless the
   action answered after all (a text that neither refuses nor asks again: the
   known answers of actions/documents.py);
2. ``generic``: a generic reply: "Mình đã ghi nhận. … muốn hỏi về nội dung
   nào?", a form's "that was not valid" re-ask, or the "service unavailable"
   apology; or ``silent``: no reply at all;
3. ``repeated``: the same reply as the previous turn, to a different message;
4. ``rephrased`` / ``gave_up``: the user rephrased it in the next message
   (similar words, or "ý em là …"), or the reply asked the user to say it
   again (a re-ask) and the conversation ends within one turn (nothing more,
   or one last "thôi" / "bye" / "không" / "cảm ơn" or unanswered message).

A message is in scope when NLU gave it a known intent other than
``out_of_scope`` (``stop`` and ``ask_sources`` included), when it is a tapped
button, when it talks about the assistant's subject (`DOMAIN_WORDS`, the
catalogue's places, trades, levels, schools and groups, a phone number), or
when it answers a form or quiz question the assistant just asked. A
reassurance given to a worried message is an answer.

Everything here is pure. A turn is reduced to `Message` facts (from the user
event) and `Reply` facts (accumulated over the turn's actions and bubbles, so
the console's incremental sync can store them between runs); `judge` applies
the rules to a conversation's sequence of them. The sync
(`bot.web.console.sync`), the transcript page and `bench/dialogue.py` all go
through `verdicts` / `judge`: one definition, tested in
`tests/console/test_unanswered.py`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot.privacy import mask_pii
from bot.text import fold
from bot.web.console.rasa_names import FALLBACK_INTENT

ROOT = Path(__file__).resolve().parents[3]
TEENCODE = ROOT / "data" / "lexicon" / "teencode.yml"
CATALOGUE = ROOT / "data" / "catalog"

OUT_OF_SCOPE_INTENT = "out_of_scope"
# Actions whose reply is a fallback: the stages of Rasa's fallback and the
# out-of-scope reply. action_two_stage_fallback is only the loop around the
# stages: when the user confirms "did you mean", that turn carries the answer.
FALLBACK_REPLY_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_out_of_scope",
        "utter_out_of_scope",
        "utter_default",
    }
)
REASK_ACTIONS = frozenset(
    {"action_default_fallback", "action_default_ask_affirmation", "action_default_ask_rephrase"}
)
# Replies to these are alike whatever the words ("cảm ơn" / "cám ơn nhé").
SOCIAL_INTENTS = frozenset({"greet", "goodbye", "thank", "bot_challenge"})
# One last message like these after a re-ask: the user gave up.
GIVE_UP_INTENTS = frozenset({"stop", "goodbye", "deny", "thank"})
# Answers to the assistant's questions, not requests of their own: they cannot be rephrased or
# answered by a question.
ANSWER_INTENTS = SOCIAL_INTENTS | {"affirm", "deny", "stop"}
# Requests that start a flow whose first reply is a question (the callback form, the quiz,
# "are you sure?" before deleting): that question is the answer, not a re-ask.
FLOW_INTENTS = frozenset({"request_human", "start_interest_quiz", "delete_my_data"})

REASONS = {
    "fallback": "Trả lời “chưa hiểu / ngoài phạm vi” cho câu đúng chủ đề",
    "generic": "Trả lời chung chung (“đã ghi nhận”, nhập lại)",
    "silent": "Không trả lời gì",
    "repeated": "Lặp lại câu trả lời trước cho câu hỏi khác",
    "rephrased": "Người dùng phải hỏi lại",
    "gave_up": "Trợ lý hỏi lại, người dùng bỏ dở",
}

# Reply texts, matched on folded text (bot.text.fold: no case, marks or punctuation).
_REASSURE = re.compile(r"\bdung (qua lo|lo qua|lo)\b")
_GENERIC = re.compile(
    r"\bminh da ghi nhan\b"
    r"|\bmuon hoi ve noi dung nao\b"
    r"|\bso dien thoai chua (dung|hop le)\b"
    r"|\bcho minh biet khung gio tien nghe may\b"
    r"|\btam (thoi )?gian doan\b"
)
_REFUSAL = re.compile(r"\bnam ngoai pham vi\b|\bchua giup duoc\b")
_REASK = re.compile(
    r"\bchua hieu\b"
    r"|\bnoi lai (theo cach khac|duoc|giup|ro|nhe)\b"
    r"|\b(hay|vui long) hoi lai\b"
    r"|\bhoi lai ngan gon\b"
    r"|\bnoi ro hon\b"
    r"|\bco phai (em|ban|anh chi|anh|chi|co|chu|bac) (dang )?muon hoi\b"
    r"|\bmuon hoi ve noi dung nao\b"
    r"|\bso dien thoai chua (dung|hop le)\b"
    r"|\bcho minh biet khung gio tien nghe may\b"
)
_QUIZ_QUESTION = re.compile(r"\bcau \d+ \d+\b")

# The assistant's subject, as words or phrases of the message's key (folded,
# teencode expanded: "hp" -> "hoc phi", "9+" -> "chin cong"). Everyday words
# that also mean something else ("nghe" = listen, "thi" = then, "bang" = by)
# only count inside a phrase.
DOMAIN_WORDS = (
    # study, schools, levels
    "hoc", "truong", "trung cap", "cao dang", "dai hoc", "so cap", "trung hoc nghe", "thpt",
    "thcs", "cap 3", "cap ba", "lop 10", "vao 10", "thi vao", "thi tuyen", "thi tot nghiep",
    "chin cong", "gdtx", "gdnn", "giao duc", "bo tuc", "van hoa", "chuong trinh",
    # trades and work
    "nghe nghiep", "day nghe", "lam nghe", "chon nghe", "nganh nghe", "nghe gi", "nghe nao",
    "nghe nay", "nganh", "tay nghe", "lam tho", "viec lam", "xin viec", "di lam", "lam viec",
    "luong", "thu nhap", "ra truong", "tot nghiep", "bang cap", "lay bang", "chung chi",
    "lien thong", "khu cong nghiep", "kcn", "cong ty", "doanh nghiep",
    # costs and support
    "hoc phi", "mien", "giam", "ho tro", "hoc bong", "tro cap", "chi phi", "tien", "dong tien",
    "ky tuc xa", "ktx", "noi tru", "bao hiem", "ngheo", "can ngheo", "dan toc", "khuyet tat",
    "mo coi", "chinh sach", "che do", "uu tien",
    # admission
    "tuyen sinh", "ho so", "nhap hoc", "xet tuyen", "dang ky", "diem chuan", "chi tieu", "han nop",
    # the family, a person to call, guidance
    "tu van", "thay co", "co giao", "thay giao", "goi lai", "goi cho", "so dien thoai",
    "phu huynh", "hoc sinh", "con toi", "con em", "con minh", "chau nha", "me chau", "bo chau",
    "huong nghiep", "phan luong", "trac nghiem", "so thich", "thich", "dam me", "hop voi",
    "tuong lai", "truot", "nguon", "can cu", "van ban", "xoa du lieu", "du lieu",
)  # fmt: skip
_PHONE = re.compile(r"\d[\d .\-]{7,}\d|\bsdt\b|\bso dien thoai\b")

# Words that carry no topic (address, particles), left out when comparing two messages.
STOP_WORDS = frozenset(
    """a ad admin ah ak oi em anh chi toi minh ban to tui con chau co chu bac ba me bo la thi
    khong ko k vay z v nhe nha nhi ha u uh ua um da vang roi r di ma nua cai nay do day the nao
    sao gi j cho hoi muon duoc dc o cua va voi nhu lam ve thay ne hay hoac rat qua luon cung
    nhung cac mot nhieu it xin tu den tai bi khi bay gio""".split()
)
# Particles trimmed from both ends of a message before it becomes a key ("ạ", "ad ơi", "nhé").
FILLERS = frozenset("a ad ah ak oi da vang nhe nha nhi ha u uh ne z v vay ak".split())
# A next message that starts like this corrects the previous one ("ý em là …").
_CORRECTION = re.compile(
    r"^(?:(?:da|vang|khong|ko|k) )?"
    r"(?:y (?:em|minh|toi|chi|anh|con|to|tui) la|y la|tuc la|nghia la|khong phai|sai roi"
    r"|(?:em|toi|minh|chi|anh|con|to|tui) (?:dang |chi )?hoi\b"
    r"|(?:em|toi|minh|chi|anh|con|to|tui) muon hoi la|hoi lai)\b"
)
# Asking the assistant to stop or drop what it is doing ("thôi", "dừng lại", "không cần gọi nữa").
_STOP_REQUEST = re.compile(
    r"^(?:(?:da|vang|khong|ko) )?(?:thoi|dung lai|dung|huy|bo di|khong can)\b"
    r"|\b(?:dung lai|khong muon|khong can)\b"
)
# The assistant confirming it stopped ("Dạ, mình dừng ở đây", "đã hủy yêu cầu", "không lưu …").
_STOPPED = re.compile(r"\bdung (?:o day|lai|trac nghiem|tim)\b|\bda huy\b|\bkhong luu\b")
_QUESTION_END = re.compile(r"\?[\s\"'”)\]]*$")
REPHRASE_SIMILARITY = 0.6


# ---------------------------------------------------------------- facts of a turn


@dataclass(frozen=True)
class Message:
    """What the rules need to know about a user message. Holds no text: the sync stores it, so
    the message is kept only as a digest of its key and digests of its topic words."""

    key: str  # digest of text_key(text): equal keys, same words
    content: FrozenSet[str]  # digests of its topic words (not STOP_WORDS), for "mostly the same words"
    payload: bool  # a tapped button ("/intent{…}")
    on_topic: bool  # talks about the assistant's subject
    correction: bool  # starts like "ý em là …", "em hỏi …"
    stop: bool = False  # asks to stop ("thôi", "dừng lại", "không cần … nữa")
    phone: bool = False  # holds a phone number (or its mask)
    intent: str = ""
    new_session: bool = False  # a Rasa session started just before it
    in_scope: Optional[bool] = None  # known (a labelled set); None: decided by the rules

    _STORED = (
        "key",
        "content",
        "payload",
        "on_topic",
        "correction",
        "stop",
        "phone",
        "intent",
        "new_session",
    )

    def as_list(self) -> list:
        return [sorted(self.content) if f == "content" else getattr(self, f) for f in self._STORED]

    @classmethod
    def from_list(cls, values: list) -> "Message":
        fields = dict(zip(cls._STORED, values))
        return cls(**dict(fields, content=frozenset(fields["content"])))


@dataclass
class Reply:
    """What the rules need to know about the assistant's reply to one message, built up
    action by action and bubble by bubble (the sync sees a turn's events in pieces)."""

    fallback_action: bool = False
    reask_action: bool = False
    asks: bool = False  # a slot or quiz question was asked: the next message answers it
    form_open: bool = False  # the turn ended inside a form (it asked its next slot)
    reassure: bool = False
    generic: bool = False
    refusal: bool = False
    reask_text: bool = False
    has_text: bool = False
    stopped: bool = False  # confirms it stopped what it was doing
    bubbles: int = 0
    questions: int = 0  # bubbles that end with a question mark
    signature: str = ""  # identifies the exact bubbles

    def add_action(self, name: str) -> None:
        self.fallback_action |= name in FALLBACK_REPLY_ACTIONS
        self.reask_action |= name in REASK_ACTIONS
        self.asks |= name.startswith(("action_ask_", "utter_ask_"))
        # a form that completes is followed by the action answering it in the same turn;
        # one that asks its next slot is the turn's last action
        self.form_open = name.endswith("_form") or (self.form_open and name == "action_listen")

    def add_bubble(self, text: str) -> None:
        flat = " ".join((text or "").split())
        if not flat:
            return
        folded = fold(flat)
        self.has_text = True
        self.bubbles += 1
        self.questions += bool(_QUESTION_END.search(flat))
        self.stopped |= bool(_STOPPED.search(folded))
        self.reassure |= bool(_REASSURE.search(folded))
        self.generic |= bool(_GENERIC.search(folded))
        self.refusal |= bool(_REFUSAL.search(folded))
        self.reask_text |= bool(_REASK.search(folded))
        self.asks |= bool(_QUIZ_QUESTION.search(folded))
        self.signature = hashlib.sha1(f"{self.signature}\n{flat}".encode("utf-8")).hexdigest()[:16]

    @property
    def kind(self) -> str:
        """ "fallback", "generic", "answer", or "none" (no text at all)."""
        if self.reassure:
            return "answer"
        if self.generic:
            return "generic"
        if self.refusal or self.reask_text:
            return "fallback"
        if self.fallback_action and not self.answered_anyway:
            return "fallback"
        return "answer" if self.has_text else "none"

    @property
    def answered_anyway(self) -> bool:
        """A fallback or out-of-scope action that answered after all (a document, a rule, an
        interest or a cost it recognised: actions/documents.py): text that is neither a
        refusal nor a re-ask, in a reply that does not only ask."""
        return (
            self.has_text
            and not (self.refusal or self.reask_text or self.generic)
            and (self.questions < self.bubbles)
        )

    @property
    def reask(self) -> bool:
        """The reply asks the user to say it again or differently."""
        return not self.reassure and (self.generic or self.reask_text or self.reask_action)

    @property
    def only_asks(self) -> bool:
        """The reply is a question and nothing else (a form's question, "Em định học trình độ nào?")."""
        return self.has_text and not self.reassure and (self.awaits or self.questions == self.bubbles)

    @property
    def awaits(self) -> bool:
        """The reply asked a question of a form or the quiz: the next message answers it."""
        return self.asks or self.form_open

    _FLAGS = (
        "fallback_action",
        "reask_action",
        "asks",
        "reassure",
        "generic",
        "refusal",
        "reask_text",
        "has_text",
        "stopped",
    )

    def as_list(self) -> list:
        return [int(getattr(self, f)) for f in self._FLAGS] + [
            self.bubbles,
            self.questions,
            self.signature,
            int(self.form_open),
        ]

    @classmethod
    def from_list(cls, values: list) -> "Reply":
        """Also reads lists stored before `form_open` was added (three values after the flags)."""
        flags, rest = values[: len(cls._FLAGS)], values[len(cls._FLAGS) :]
        reply = cls(**{f: bool(v) for f, v in zip(cls._FLAGS, flags)})
        reply.bubbles, reply.questions, reply.signature = int(rest[0]), int(rest[1]), rest[2]
        reply.form_open = bool(rest[3]) if len(rest) > 3 else False
        return reply


# ---------------------------------------------------------------- text


@lru_cache(maxsize=1)
def _lexicon():
    from bot.nlu.pieces import Lexicon

    return Lexicon.from_yaml_file(TEENCODE)


@lru_cache(maxsize=1)
def _catalogue_words() -> FrozenSet[str]:
    """Folded names and aliases of the catalogue's areas, trades, levels, schools and groups
    with two words or more, or at least five letters ("hàn" alone is also "hạn")."""
    words = set()
    for name in ("areas", "occupations", "levels", "institutions", "beneficiary_groups"):
        path = CATALOGUE / f"{name}.yml"
        if not path.exists():
            continue
        for record in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(name) or []:
            for alias in [record.get("name") or ""] + list(record.get("aliases") or []):
                alias = str(alias)
                if alias.isupper():  # acronyms ("VT", "ĐCN") are ordinary words in lower case
                    continue
                folded = fold(alias)
                if " " in folded or len(folded) >= 5:
                    words.add(folded)
    return frozenset(words)


@lru_cache(maxsize=8192)  # short messages ("có", "ok", buttons) come back all the time
def text_key(text: str) -> str:
    """A message reduced to what it says: masked (bot.privacy), folded, teencode expanded
    ("hp" -> "hoc phi"), repeated letters and end particles ("ạ", "ad ơi", "nhé") dropped.
    The NLU inbox groups messages by it; a tapped button ("/intent{…}") is its own key."""
    from bot.nlu.pieces import normalize_pieces

    text = (text or "").strip()
    if text.startswith("/"):
        return text[:255]
    pieces = normalize_pieces(mask_pii(text), _lexicon())
    while pieces and fold(pieces[-1]["text"]) in FILLERS:
        pieces.pop()
    while pieces and fold(pieces[0]["text"]) in FILLERS:
        pieces.pop(0)
    words = []
    for piece in pieces:
        plain = fold(piece["text"], keep_punctuation=True)
        # shorthand is typed without marks: "gọi" is not "gòi" (rồi), though both fold to "goi"
        words += [plain] if plain != piece["text"] else [s for s in piece["folded"] if s]
    return " ".join(words)[:255]


@lru_cache(maxsize=1)
def _topic_phrases() -> Tuple[FrozenSet[str], int]:
    phrases = frozenset(DOMAIN_WORDS) | _catalogue_words()
    return phrases, max(len(p.split()) for p in phrases)


def _on_topic(text: str, key: str, entities: Iterable[str]) -> bool:
    if any(e != "user_role" for e in entities):
        return True
    phrases, longest = _topic_phrases()
    for form in {key, fold(text)}:
        if _PHONE.search(form):
            return True
        words = form.split()
        for size in range(1, longest + 1):
            if any(" ".join(words[i : i + size]) in phrases for i in range(len(words) - size + 1)):
                return True
    return False


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def message_facts(
    text: str,
    intent: str = "",
    *,
    entities: Iterable[str] = (),
    new_session: bool = False,
    in_scope: Optional[bool] = None,
) -> Message:
    key = text_key(text)
    payload = key.startswith("/")
    words = set() if payload else set(key.split()) - STOP_WORDS
    return Message(
        key=_digest(key),
        content=frozenset(_digest(w)[:8] for w in words),
        payload=payload,
        on_topic=not payload and _on_topic(text, key, entities),
        correction=not payload and bool(_CORRECTION.search(key)),
        stop=not payload and bool(_STOP_REQUEST.search(key)),
        phone=not payload and bool(_PHONE.search(key) or _PHONE.search(fold(text))),
        intent=intent or "",
        new_session=new_session,
        in_scope=in_scope,
    )


def reply_facts(actions: Iterable[str], bubbles: Iterable[str]) -> Reply:
    reply = Reply()
    for name in actions:
        reply.add_action(name)
    for text in bubbles:
        reply.add_bubble(text)
    return reply


# ---------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Turn:
    """One user message and what the assistant did about it (for `verdicts`)."""

    user: str
    intent: str = ""
    confidence: Optional[float] = None
    actions: Tuple[str, ...] = ()
    bot: Tuple[str, ...] = ()  # the bubbles' texts
    entities: Tuple[str, ...] = ()  # entity names NLU found
    new_session: bool = False
    in_scope: Optional[bool] = None


@dataclass(frozen=True)
class Verdict:
    unanswered: bool
    reason: str = ""  # a key of REASONS

    @property
    def label(self) -> str:
        return REASONS.get(self.reason, "")


ANSWERED = Verdict(False)


def _similar(a: Message, b: Message) -> bool:
    ca, cb = a.content, b.content
    if len(ca) < 2 or len(cb) < 2:
        return False
    return len(ca & cb) / len(ca | cb) >= REPHRASE_SIMILARITY


def _social_pair(a: Message, b: Message) -> bool:
    """Two greetings or two thanks in other words ("cảm ơn" / "cám ơn nhé"), not a question
    NLU took for one ("e hoc nghe o dau dc" read as a greeting)."""
    return a.intent == b.intent and a.intent in SOCIAL_INTENTS and not (a.on_topic or b.on_topic)


def _restates(message: Message, reply: Reply, nxt: Message) -> bool:
    """The next message says this one again: once more asks to stop what the assistant did not
    stop, gives the phone number again, corrects a request ("ý em là …", "em hỏi …") or
    repeats it in mostly the same words."""
    if message.payload or nxt.payload or message.key == nxt.key or _social_pair(message, nxt):
        return False
    if message.stop and nxt.stop and not reply.stopped:
        return True
    if message.phone and nxt.phone:
        return True
    request = message.intent not in ANSWER_INTENTS or message.on_topic  # not a bare "không", "ok"
    return (nxt.correction and request) or _similar(message, nxt)


def _re_asked(message: Message, reply: Reply, previous: Optional[Tuple[Message, Reply]]) -> bool:
    """The assistant asked again instead of answering: a "say it again" reply, or a request
    answered by a question only (not the next question of a form the user is filling in)."""
    if reply.reask:
        return True
    answering_form = previous is not None and previous[1].awaits
    request = message.intent not in ANSWER_INTENTS | FLOW_INTENTS
    return reply.only_asks and request and not answering_form


def in_scope(message: Message, previous: Optional[Tuple[Message, Reply]]) -> bool:
    if message.in_scope is not None:
        return message.in_scope
    if message.intent not in ("", FALLBACK_INTENT, OUT_OF_SCOPE_INTENT):
        return True
    return message.payload or message.on_topic or (previous is not None and previous[1].awaits)


def judge(turns: Sequence[Tuple[Message, Reply]]) -> List[Verdict]:
    """One verdict per turn of one conversation, in order."""
    n = len(turns)

    def previous(i: int) -> Optional[Tuple[Message, Reply]]:
        return turns[i - 1] if i > 0 and not turns[i][0].new_session else None

    def following(i: int) -> Optional[Tuple[Message, Reply]]:
        return turns[i + 1] if i + 1 < n and not turns[i + 1][0].new_session else None

    out: List[Verdict] = []
    for i, (message, reply) in enumerate(turns):
        prev, nxt = previous(i), following(i)
        kind = reply.kind
        if kind == "fallback" and in_scope(message, prev):
            out.append(Verdict(True, "fallback"))
        elif kind == "generic":
            out.append(Verdict(True, "generic"))
        elif kind == "none":
            out.append(Verdict(True, "silent"))
        elif (
            prev is not None
            and kind == "answer"
            and reply.signature == prev[1].signature
            and message.key != prev[0].key
            and not _social_pair(message, prev[0])
        ):
            out.append(Verdict(True, "repeated"))
        elif nxt is not None and _restates(message, reply, nxt[0]):
            out.append(Verdict(True, "rephrased"))
        elif _re_asked(message, reply, prev) and (
            nxt is None
            or (
                following(i + 1) is None
                and (nxt[0].intent in GIVE_UP_INTENTS or nxt[1].kind in ("fallback", "generic"))
            )
        ):
            out.append(Verdict(True, "gave_up"))
        else:
            out.append(ANSWERED)
    return out


def verdicts(turns: Sequence[Turn]) -> List[Verdict]:
    """`judge` over whole turns (a transcript, a labelled set, the dialogue benchmark)."""
    return judge(
        [
            (
                message_facts(
                    t.user, t.intent, entities=t.entities, new_session=t.new_session, in_scope=t.in_scope
                ),
                reply_facts(t.actions, t.bot),
            )
            for t in turns
        ]
    )
