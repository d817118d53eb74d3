"""PII masking used at write time (tracker store), by the callback form and in every export.

Users are minors and their parents, so the assistant keeps no contact data in
conversation logs: phone numbers, e-mail addresses and identity numbers (CCCD,
12 digits; CMND, 9 digits) are replaced by a visible placeholder. The only
place a phone number is kept is `callback_requests`, where the family
consented to a call back.

One scanner decides what is personal data (`find_pii`); `extract_phone`, the
callback form's phone parser, reads its phone findings, so every number the
form accepts is one that masking removes.

How text is read:
- NFKC first, character by character (full-width digits, `＠`, `（）`, no-break
  and ideographic spaces), plus every Unicode decimal digit as 0-9, every dash
  as `-` and every space as ` `. Offsets map back to the original text, and
  only the masked spans change: the rest of the text is stored as typed.
- Numbers: a run of digit groups separated by up to 6 of `( ) - . space`
  ("(024) 3825 1234", "0912 - 345 - 678", "0905.33.06.06"), letters allowed
  right before it ("sđt0912345678"). Phones: 0 + 9-10 digits, 84 / +84 / 0084
  with an optional "(0)", any other `+` number. CCCD: 12 digits, CMND: 9;
  a grouped 9/12-digit number counts as an ID when it starts with 0 or an ID
  word (cccd, cmnd, căn cước, định danh, ...) comes shortly before it, so
  "chỉ tiêu 150 200 300" and "120.000.000 đồng" stay readable.
- E-mails: Vietnamese letters in the local part ("nguyễn.an@gmail.com"),
  spaces around `@`, and the spelled-out forms "[at]", "(at)", " at ",
  "a còng", "[dot]", " dot ", " chấm ", "gmail . com", "gmail,com".

Every regular expression here is linear in the text's length: character
classes are disjoint where they meet, repetitions are possessive, and an
e-mail is only tried where a run of local-part characters starts (see
bench/privacy.py and tests/privacy/test_pii_speed.py for the measured time on
100,000 characters).

Masking is deliberately greedy: a false positive costs a counsellor one
unreadable number, a false negative leaks a child's contact details.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable, List, NamedTuple, Optional, Tuple

MASK_PHONE = "[SĐT]"
MASK_EMAIL = "[EMAIL]"
MASK_CCCD = "[CCCD]"
MASK_CMND = "[CMND]"
MASKS = (MASK_PHONE, MASK_EMAIL, MASK_CCCD, MASK_CMND)


class PiiMatch(NamedTuple):
    start: int  # offsets in the original text
    end: int
    mask: str  # one of MASKS
    value: str  # phones: the number as 0xxxxxxxxx (Vietnam) or +digits; otherwise the matched text


# ---------------------------------------------------------------- normalisation

_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d")
# Characters NFKC keeps but the scanner folds: non-ASCII digits and spaces, dashes, and
# invisible format characters (zero-width space, soft hyphen, ...), which it drops.
_FOLDED = re.compile(
    "[^\x00-\x7f](?<=[\\d\\s\\u00ad\\u200b-\\u200f\\u2060-\\u2064\\ufeff])|[" + "".join(sorted(_DASHES)) + "]"
)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c.isascii():
            out.append(c)
        elif unicodedata.decimal(c, None) is not None:
            out.append(str(unicodedata.decimal(c)))
        elif c in _DASHES:
            out.append("-")
        elif c.isspace():
            out.append(" ")
        elif unicodedata.category(c) == "Cf":
            continue  # "0912\u200b345678" is one number
        else:
            out.append(c)
    return "".join(out)


def _normalise(text: str) -> Tuple[str, Optional[List[int]]]:
    """The text to scan, and for each of its characters the original offset
    (None when both are aligned one to one)."""
    if text.isascii() or (unicodedata.is_normalized("NFKC", text) and not _FOLDED.search(text)):
        return text, None
    pieces = [_fold_char(ch) for ch in text]
    norm = "".join(pieces)
    if len(norm) == len(text):
        return norm, None
    origin: List[int] = []
    for index, piece in enumerate(pieces):
        origin.extend([index] * len(piece))
    return norm, origin


# ---------------------------------------------------------------- e-mails


def _vi_word(*forms: str) -> str:
    """Alternation of a Vietnamese word in NFC, NFD and without diacritics."""
    variants = set()
    for form in forms:
        variants.add(unicodedata.normalize("NFC", form))
        variants.add(unicodedata.normalize("NFD", form))
    return "(?:" + "|".join(sorted((re.escape(v) for v in variants), key=len, reverse=True)) + ")"


_LOCAL_CH = r"[\w.%+\-\u0300-\u036f]"
_CONG = r"a\s?" + _vi_word("còng", "cong")
_CHAM = _vi_word("chấm", "cham")
_OPEN, _CLOSE = r"[\[(<{]", r"[\])>}]"
_AT = (
    r"(?P<at>\s{0,3}+@\s{0,3}+"
    rf"|\s{{0,3}}+{_OPEN}\s{{0,2}}+(?:at|@|{_CONG})\s{{0,2}}+{_CLOSE}\s{{0,3}}+"
    rf"|\s{{1,3}}+(?:at|{_CONG})\s{{1,3}}+)"
)
_DOT = (
    r"(?:\."
    rf"|\s{{0,3}}+{_OPEN}\s{{0,2}}+(?:dot|{_CHAM}|\.)\s{{0,2}}+{_CLOSE}\s{{0,3}}+"
    rf"|\s{{1,3}}+(?:dot|{_CHAM})\s{{1,3}}+"
    r"|\s{1,3}+\.\s{0,3}+|\.\s{1,3}+|,)"
)
_LABEL = r"[a-z0-9\-]++"
_EMAIL = re.compile(
    rf"(?<!{_LOCAL_CH})(?P<local>{_LOCAL_CH}++)" + _AT + rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*+)",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(_LABEL, re.IGNORECASE)
_WORD_CH = re.compile(r"[^\W_]")
_DOT_LABEL = re.compile(rf"(?P<dot>{_DOT})(?P<label>{_LABEL})", re.IGNORECASE)
# Top-level domains accepted after a spaced dot or a comma ("gmail . com", "gmail,com"),
# and cut from a glued word ("gmail.comnhé").
_KNOWN_TLDS = (
    "com",
    "vn",
    "net",
    "org",
    "edu",
    "gov",
    "info",
    "io",
    "me",
    "biz",
    "co",
    "uk",
    "us",
    "jp",
    "kr",
)


def _email_end(norm: str, match: "re.Match[str]") -> Optional[int]:
    """Where the e-mail that `match` starts really ends (None: not an e-mail)."""
    if not _WORD_CH.search(match.group("local")):
        return None
    domain_end = min(match.end("domain"), match.start("domain") + 253)  # no domain name is longer
    first = _LABEL_RE.match(norm, match.start("domain"), domain_end)
    labels = [(None, first.group(0), first.end())]
    if first.end() == match.end("domain"):
        return first.end() if match.group("at") == "@" else None
    for part in _DOT_LABEL.finditer(norm, first.end(), domain_end):
        dot = part.group("dot")
        label = part.group("label")
        if dot != "." and dot.strip() in (".", ",") and label.lower() not in _KNOWN_TLDS:
            break  # "gmail . Em", "gmail,chưa": a sentence, not a domain
        labels.append((dot, label, part.end()))
    # the last label must look like a top-level domain
    for index in range(len(labels) - 1, 0, -1):
        label, end = labels[index][1], labels[index][2]
        if end < len(norm) and (norm[end].isalpha() or unicodedata.combining(norm[end])):
            # glued to the next word: "gmail.comnhé" -> cut after "com"
            for tld in _KNOWN_TLDS:
                if label.lower().startswith(tld) and len(label) > len(tld):
                    return end - (len(label) - len(tld))
        if label.isalpha() and 2 <= len(label) <= 24:
            return end
    if match.group("at") == "@":  # "an@gmail": incomplete, but clearly an address
        return labels[0][2]
    return None


# ---------------------------------------------------------------- numbers

_RUN = re.compile(r"(?:\(\+?|\+)?(?<![0-9])[0-9]++(?:[ .\-()]{1,6}+[0-9]++)*+")
_GROUP = re.compile(r"[0-9]+")
_ID_WORDS = re.compile(
    r"(?<!\[)\b(?:cccd|cc\s?cd|cmnd|cmt|id|"
    + "|".join(
        _vi_word(word)
        for word in ("căn cước", "can cuoc", "chứng minh", "chung minh", "định danh", "dinh danh")
    )
    + r")\D{0,40}$",
    re.IGNORECASE,
)
_MONEY_AFTER = re.compile(
    r"\s?(?:đ\b|₫|đồng|dong|vnđ|vnd|k\b|nghìn|nghin|ngàn|ngan|triệu|trieu|tr\b|tỷ|tỉ|ty\b|usd|\$)",
    re.IGNORECASE,
)


def _phone_value(digits: str, plus: bool) -> Optional[str]:
    """The phone number these digits spell, as masking sees it (greedy), or None."""
    if digits.startswith("0084"):
        nsn = digits[4:]
    elif digits.startswith("84") and (plus or len(digits) in (11, 12)):
        nsn = digits[2:]
    elif plus:
        return "+" + digits if 8 <= len(digits) <= 15 else None
    elif digits.startswith("0"):
        # mobiles 0[3-9] + 8 digits; landlines 02 + 9 digits (and 01 + 9, the old mobiles)
        ok = (len(digits) == 10 and digits[1] in "3456789") or (len(digits) == 11 and digits[1] in "12")
        return digits if ok else None
    else:
        return None
    if nsn.startswith("0"):  # "+84 (0)983 ...": the trunk zero
        nsn = nsn[1:]
    if len(nsn) in (9, 10) and nsn[0] != "0":
        return "0" + nsn
    return None


def is_callback_phone(value: str) -> bool:
    """A Vietnamese mobile (0[35789] + 8 digits) or landline (02 + 9 digits) the
    counsellors can call: what the callback form accepts."""
    return value.isdigit() and (
        (len(value) == 10 and value[1] in "35789") or (len(value) == 11 and value[1] == "2")
    )


def _unlike_amount(norm: str, groups: List[Tuple[int, int]], i: int, length: int, cum: List[int]) -> bool:
    """Groups i.. holding `length` digits do not read as an amount: no dot or comma
    between them, and the last group is not "000"."""
    total, j = 0, i
    while j < len(groups) and total < length:
        total += groups[j][1] - groups[j][0]
        if j > i and any(c in ".," for c in norm[groups[j - 1][1] : groups[j][0]]):
            return False
        j += 1
    return total == length and norm[groups[j - 1][0] : groups[j - 1][1]] != "000"


# Phone lengths in digits, longest first (a group sequence is read as the longest
# number it spells): 0084 + 9-10 digits (+ a trunk 0), 84 + 9-10 (+ a trunk 0),
# 0 + 9-10; after a "+", anything of 8-15 digits.
_INTL_LENGTHS, _CC_LENGTHS, _NATIONAL_LENGTHS = (15, 14, 13), (12, 11), (11, 10)
_PLUS_LENGTHS = tuple(range(15, 7, -1))
_DATE = re.compile(r"(?:0?[1-9]|[12][0-9]|3[01])([.\-])(?:0?[1-9]|1[0-2])\1(?:19|20)[0-9]{2}(?![0-9])")


def _scan_run(
    norm: str, run: "re.Match[str]", free: Callable[[int, int], bool]
) -> List[Tuple[int, int, str, str]]:
    """Phones and identity numbers in one run of digit groups.

    Work per group is constant: candidate numbers are looked up by their length
    in digits (a dict from running digit counts to group indexes)."""
    run_start, run_end = run.span()
    all_groups = [(m.start() + run_start, m.end() + run_start) for m in _GROUP.finditer(run.group(0))]
    prefix = norm[run_start : all_groups[0][0]]  # "", "+", "(" or "(+"
    in_date = bytearray(run_end - run_start)  # "01.06.2026" is a date, never part of a number
    for date in _DATE.finditer(norm, run_start, run_end):
        in_date[date.start() - run_start : date.end() - run_start] = b"\x01" * (date.end() - date.start())
    groups = [g for g in all_groups if free(*g) and not in_date[g[0] - run_start]]
    if not groups:
        return []
    if groups[0] != all_groups[0]:
        prefix = ""
    digits = "".join(norm[s:e] for s, e in groups)
    cum = [0]
    segment = [0]  # groups farther apart than a separator run (an e-mail or a date between) never join
    for k, (s, e) in enumerate(groups):
        cum.append(cum[-1] + e - s)
        if k:
            segment.append(segment[-1] + (s - groups[k - 1][1] > 6))
    index_at = {total: k for k, total in enumerate(cum)}
    claimed = [False] * len(groups)
    claimed_before = [0] * (len(groups) + 1)  # claimed groups before index k, as of the previous pass
    found: List[Tuple[int, int, str, str]] = []

    def span_to(i: int, length: int) -> Optional[int]:
        """The last group j such that groups i..j hold exactly `length` digits, all joinable."""
        k = index_at.get(cum[i] + length)
        if k is None or k <= i or segment[k - 1] != segment[i]:
            return None
        if claimed_before[k] != claimed_before[i]:  # a number found in an earlier pass
            return None
        return k - 1

    def claim(i: int, j: int, start: int, mask: str, value: str) -> None:
        found.append((start, groups[j][1], mask, value))
        for k in range(i, j + 1):
            claimed[k] = True

    # 1. phones: at each group, the longest sequence of groups that spells one
    i = 0
    while i < len(groups):
        plus = i == 0 and "+" in prefix
        head = digits[cum[i] : cum[i] + 4]
        if plus:
            lengths = _PLUS_LENGTHS
        elif head == "0084":
            lengths = _INTL_LENGTHS
        elif head[:2] == "84":
            lengths = _CC_LENGTHS
        elif head[:1] == "0" and head[1:2] != "0":
            lengths = _NATIONAL_LENGTHS
        else:
            lengths = ()
        for length in lengths:
            j = span_to(i, length)
            value = _phone_value(digits[cum[i] : cum[i] + length], plus) if j is not None else None
            if value:
                start = groups[i][0]
                if i == 0 and prefix and ("+" in prefix or ")" in norm[start : groups[j][1]]):
                    start = run_start
                claim(i, j, start, MASK_PHONE, value)
                i = j
                break
        i += 1

    # 2. identity numbers: 12 or 9 digits on the groups left. Grouped ones ("001 203 012 345",
    # "162 345 879") unless they read as an amount: "120.000.000", "150.200.300 đồng", "450 000".
    for k, taken in enumerate(claimed):
        claimed_before[k + 1] = claimed_before[k] + taken
    keyword = bool(_ID_WORDS.search(norm, max(0, run_start - 60), run_start))
    for i in range(len(groups)):
        if claimed[i]:
            continue
        sure = keyword or digits[cum[i]] == "0"
        for length, mask in ((12, MASK_CCCD), (9, MASK_CMND)):
            if (
                not sure
                and groups[i][1] - groups[i][0] != length
                and not _unlike_amount(norm, groups, i, length, cum)
            ):
                continue
            j = span_to(i, length)
            if j is None or any(claimed[i : j + 1]) or _MONEY_AFTER.match(norm, groups[j][1]):
                continue
            claim(i, j, groups[i][0], mask, norm[groups[i][0] : groups[j][1]])
            break

    # 3. a long unbroken digit string starting with one zero: most likely phones glued together
    for k, (s, e) in enumerate(groups):
        if not claimed[k] and e - s >= 10 and norm[s] == "0" and norm[s + 1] != "0":
            found.append((s, e, MASK_PHONE, norm[s:e]))
    return found


# ---------------------------------------------------------------- the scanner


def find_pii(text: str) -> List[PiiMatch]:
    """Every phone number, e-mail address and identity number in `text`, in order."""
    if not text:
        return []
    norm, origin = _normalise(text)
    found: List[Tuple[int, int, str, str]] = []
    pos = 0
    while True:
        match = _EMAIL.search(norm, pos)
        if match is None:
            break
        end = _email_end(norm, match)
        if end is not None:
            found.append((match.start(), end, MASK_EMAIL, norm[match.start() : end]))
            pos = (
                end  # what the domain pattern read past the e-mail may hold the next one: "an@x.com,bi@y.com"
            )
        else:
            pos = match.start("domain")
    if found:
        taken = bytearray(len(norm))
        for start, end, _, _ in found:
            taken[start:end] = b"\x01" * (end - start)

        def free(start: int, end: int) -> bool:  # not inside an e-mail
            return not any(taken[start:end])
    else:

        def free(start: int, end: int) -> bool:
            return True

    for run in _RUN.finditer(norm):
        found.extend(_scan_run(norm, run, free))
    found.sort()
    if origin is None:
        return [PiiMatch(*item) for item in found]
    return [PiiMatch(origin[s], origin[e - 1] + 1, mask, value) for s, e, mask, value in found]


def extract_phone(text: Any) -> Optional[str]:
    """The Vietnamese phone number in `text` as 0xxxxxxxxx (the callback form's
    parser), or None. Only numbers masking removes can be returned."""
    if not isinstance(text, str):
        return None
    for match in find_pii(text):
        if match.mask == MASK_PHONE and is_callback_phone(match.value):
            return match.value
    return None


def mask_pii_with_offsets(text: str) -> Tuple[str, Callable[[int], int]]:
    """Mask `text`; also return a function mapping an offset in the original
    text to the corresponding offset in the masked one (entity spans stay valid)."""
    replacements = find_pii(text)
    if not replacements:
        return text, lambda offset: offset
    parts: List[str] = []
    cursor = 0
    for start, end, mask, _ in replacements:
        parts.append(text[cursor:start])
        parts.append(mask)
        cursor = end
    parts.append(text[cursor:])

    def shift(offset: int) -> int:
        delta = 0
        for start, end, mask, _ in replacements:
            if offset >= end:
                delta += len(mask) - (end - start)
            elif offset > start:
                return start + delta
            else:
                break
        return offset + delta

    return "".join(parts), shift


def mask_pii(text: str) -> str:
    """Replace phone numbers, e-mail addresses and CCCD/CMND numbers by placeholders."""
    if not text:
        return text
    return mask_pii_with_offsets(text)[0]


# ---------------------------------------------------------------- events

# Identifiers Rasa itself generates, kept as they are, and only at their own place:
# the top level of an event and its `parse_data`. Every other string anywhere,
# client-supplied metadata included (keys as well as values), is masked by value.
_RASA_ID_KEYS = frozenset({"message_id"})
_NOTHING = frozenset()


def mask_structure(value: Any) -> Any:
    """A copy of an event dict (or any JSON-like value) with every free-text string masked.

    Entities keep valid `start`/`end` offsets after their message text is masked.
    A string met twice (a user event holds its text twice) is scanned once.
    """
    return _StructureMasker().mask(value, _RASA_ID_KEYS)


class _StructureMasker:
    def __init__(self) -> None:
        self._memo: dict = {}

    def text(self, text: str) -> Tuple[str, Callable[[int], int]]:
        if text not in self._memo:
            self._memo[text] = mask_pii_with_offsets(text)
        return self._memo[text]

    def mask(self, value: Any, keep: frozenset = _NOTHING) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str) and isinstance(value.get("entities"), list):
                return self.parsed_message(value, keep)
            return {self.key(k): self.item(k, v, keep) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(item) for item in value]
        if isinstance(value, str):
            return self.text(value)[0] if value else value
        return value

    def key(self, key: Any) -> Any:
        return self.text(key)[0] if isinstance(key, str) and key else key

    def item(self, key: Any, value: Any, keep: frozenset) -> Any:
        if key in keep and isinstance(value, str):
            return value
        if key == "parse_data" and keep:
            return self.mask(value, _RASA_ID_KEYS)
        return self.mask(value)

    def parsed_message(self, message: dict, keep: frozenset) -> dict:
        masked_text, shift = self.text(message["text"])
        result = {}
        for k, v in message.items():
            if k == "text":
                result[k] = masked_text
            elif k == "entities":
                changed = masked_text != message["text"]
                result[k] = [self.entity(e, shift, masked_text, changed) for e in v]
            else:
                result[self.key(k)] = self.item(k, v, keep)
        return result

    def entity(self, entity: Any, shift: Callable[[int], int], masked_text: str, changed: bool) -> Any:
        masked = self.mask(entity)
        if (
            isinstance(entity, dict)
            and isinstance(entity.get("start"), int)
            and isinstance(entity.get("end"), int)
        ):
            masked["start"] = shift(entity["start"])
            masked["end"] = shift(entity["end"])
            span = masked_text[masked["start"] : masked["end"]]
            if changed and isinstance(masked.get("value"), str) and any(m in span for m in MASKS):
                # the entity covers personal data its value alone may not show ("CMND: 162 345 879")
                masked["value"] = span
        return masked
