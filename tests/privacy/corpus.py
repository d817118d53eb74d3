"""The PII corpus (tests/privacy/pii_corpus.yml) and the one definition of a leak."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Iterable, List

import yaml

CORPUS_PATH = Path(__file__).with_name("pii_corpus.yml")
ITEMS: List[dict] = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8"))["items"]
POSITIVES = [item for item in ITEMS if item["pii"]]
NEGATIVES = [item for item in ITEMS if not item["pii"]]


def digits_of(text: str) -> str:
    """Every decimal digit of `text` (full-width ones too) as 0-9, in order."""
    return "".join(
        str(unicodedata.decimal(ch))
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.decimal(ch, None) is not None
    )


_NUMBER_RUN = re.compile(r"[0-9][0-9 .\-()]*")


def _digit_runs(text: str) -> List[str]:
    """The digits of each number-like run of `text` (digits with separators between)."""
    folded = "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in unicodedata.normalize("NFKC", text)
    )
    return [re.sub(r"[^0-9]", "", run) for run in _NUMBER_RUN.findall(folded)]


def leaks(pii: str, stored: str) -> bool:
    """Whether `stored` still shows `pii`: verbatim, its last 9 digits in one number
    (any spelling: spaces, dots, full-width), or an e-mail's local part."""
    if pii in stored or unicodedata.normalize("NFC", pii) in unicodedata.normalize("NFC", stored):
        return True
    digits = digits_of(pii)
    if len(digits) >= 9 and any(digits[-9:] in run for run in _digit_runs(stored)):
        return True
    if re.search(r"@|＠|\bat\b|còng|cong|\[", pii):
        local = re.split(r"\s*(?:@|＠|\[@\]|\[at\]|\(at\)|\bat\b|a còng|a cong)", pii)[0].strip()
        if len(local) >= 5 and local in stored:
            return True
    return False


def readable(value) -> str:
    """A stored value as a person would read it: JSON is decoded (no \\u escapes) and
    every string in it, keys included, joined by new lines."""
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                return readable(json.loads(value))
            except ValueError:
                pass
        return value
    if isinstance(value, dict):
        return "\n".join(readable(k) + "\n" + readable(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(readable(v) for v in value)
    return "" if value is None else str(value)


def leaked(texts_by_place: dict, extra: Iterable[str] = ()) -> List[str]:
    """Where each corpus PII (and each string of `extra`) survived: 'item id: pii @ place'."""
    wanted = [(item["id"], pii) for item in POSITIVES for pii in item["pii"]] + [
        ("extra", pii) for pii in extra
    ]
    found = []
    for item_id, pii in wanted:
        for place, stored in texts_by_place.items():
            if leaks(pii, stored):
                found.append(f"{item_id}: {pii!r} @ {place}")
    return found
