"""Vietnamese text helpers shared by the NLU components and the catalogue.

`fold` is the one definition of "the same words, ignoring case, Unicode form
and diacritics": "Vĩnh Tường", "VINH TUONG" and an NFD "Vĩnh Tường" all
fold to "vinh tuong".
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def nfc(text: str) -> str:
    """NFC-normalise and drop characters that cannot be encoded (lone surrogates)."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    return unicodedata.normalize("NFC", text)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks; đ/Đ become d/D."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


def fold(text: str, keep_punctuation: bool = False) -> str:
    """Lower-case, diacritic-free, single-spaced form used for matching."""
    text = strip_diacritics(nfc(text)).lower()
    if not keep_punctuation:
        text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
