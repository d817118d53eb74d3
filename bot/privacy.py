"""PII masking used at write time (tracker store) and in every export.

Users are minors and their parents, so the assistant keeps no contact data in
conversation logs: Vietnamese phone numbers, e-mail addresses and identity
numbers (CCCD, 12 digits; CMND, 9 digits) are replaced by a visible
placeholder. The only place a phone number is kept is `callback_requests`,
where the family consented to a call back.

Masking is deliberately greedy: a false positive costs a counsellor one
unreadable number, a false negative leaks a child's contact details.
"""
from __future__ import annotations

import re
from typing import Any, Callable, List, Tuple

MASK_PHONE = "[SĐT]"
MASK_EMAIL = "[EMAIL]"
MASK_CCCD = "[CCCD]"
MASK_CMND = "[CMND]"
MASKS = (MASK_PHONE, MASK_EMAIL, MASK_CCCD, MASK_CMND)

_SEP = r"[ .\-]?"
# Identity numbers: a run of exactly 12 / 9 digits (optionally grouped by spaces,
# dots or dashes in groups of 3-4, as people copy them from the card).
_CCCD = re.compile(r"(?<![\d+])\d{3,4}(?:[ .\-]?\d{3,4}){2,3}(?![\d])")
_CMND = re.compile(r"(?<![\d+])\d{3}[ .\-]?\d{3}[ .\-]?\d{3}(?!\d)")
# Phones: 0xxxxxxxxx (mobile, 10 digits) or 02xxxxxxxxx (landline, 11 digits),
# +84 / 84 / (+84) followed by the number without its leading 0, separators
# allowed between any digits.
_PHONE = re.compile(
    r"(?<![\d\w])(?:\(?\+?84\)?[ .\-]?(?:\(0\))?|0)" r"(?:" + _SEP + r"\d){8,10}(?!\d)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")

Replacement = Tuple[int, int, str]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _find_replacements(text: str) -> List[Replacement]:
    found: List[Replacement] = []
    taken = [False] * (len(text) + 1)

    def claim(start: int, end: int, mask: str) -> None:
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        found.append((start, end, mask))

    for match in _EMAIL.finditer(text):
        claim(match.start(), match.end(), MASK_EMAIL)
    for match in _CCCD.finditer(text):
        if _digits(match.group(0)) == 12:
            claim(match.start(), match.end(), MASK_CCCD)
    for match in _PHONE.finditer(text):
        raw = match.group(0)
        digits = _digits(raw)
        national = digits - 2 if re.match(r"\(?\+?84", raw) else digits
        if raw.startswith("0") or raw.startswith("(0"):
            national = digits
        if 9 <= national <= 11:
            claim(match.start(), match.end(), MASK_PHONE)
    for match in _CMND.finditer(text):
        if _digits(match.group(0)) == 9:
            claim(match.start(), match.end(), MASK_CMND)
    found.sort()
    return found


def mask_pii_with_offsets(text: str) -> Tuple[str, Callable[[int], int]]:
    """Mask `text`; also return a function mapping an offset in the original
    text to the corresponding offset in the masked one (entity spans stay valid)."""
    replacements = _find_replacements(text)
    if not replacements:
        return text, lambda offset: offset
    parts: List[str] = []
    cursor = 0
    for start, end, mask in replacements:
        parts.append(text[cursor:start])
        parts.append(mask)
        cursor = end
    parts.append(text[cursor:])

    def shift(offset: int) -> int:
        delta = 0
        for start, end, mask in replacements:
            if offset >= end:
                delta += len(mask) - (end - start)
            elif offset > start:
                return start + delta if offset < end else start + delta + len(mask)
            else:
                break
        return offset + delta

    return "".join(parts), shift


def mask_pii(text: str) -> str:
    """Replace phone numbers, e-mail addresses and CCCD/CMND numbers by placeholders."""
    if not text:
        return text
    return mask_pii_with_offsets(text)[0]


def contains_pii(text: str) -> bool:
    return bool(text) and bool(_find_replacements(text))


# Keys whose string values are identifiers or names chosen by the code, not by a
# person; masking them could only corrupt the event (e.g. a Zalo message id).
_SAFE_KEYS = frozenset(
    {
        "event", "name", "intent_name", "policy", "input_channel", "message_id",
        "sender_id", "entity", "extractor", "role", "group", "action_name",
        "timestamp", "type", "confidence",
    }
)


def mask_structure(value: Any, key: str = "") -> Any:
    """Return a copy of a JSON-like structure with every free-text string masked.

    Entities keep valid `start`/`end` offsets after their message text is masked.
    """
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and isinstance(value.get("entities"), list):
            return _mask_parsed_message(value)
        return {k: (v if k in _SAFE_KEYS or k.endswith("_id") else mask_structure(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_structure(item, key) for item in value]
    if isinstance(value, str):
        return mask_pii(value)
    return value


def _mask_parsed_message(message: dict) -> dict:
    masked_text, shift = mask_pii_with_offsets(message["text"])
    result = {}
    for k, v in message.items():
        if k == "text":
            result[k] = masked_text
        elif k == "entities":
            result[k] = [_mask_entity(e, shift) for e in v]
        elif k in _SAFE_KEYS or k.endswith("_id"):
            result[k] = v
        else:
            result[k] = mask_structure(v, k)
    return result


def _mask_entity(entity: Any, shift: Callable[[int], int]) -> Any:
    if not isinstance(entity, dict):
        return mask_structure(entity)
    masked = mask_structure(entity)
    if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
        masked["start"] = shift(entity["start"])
        masked["end"] = shift(entity["end"])
    return masked
