"""The PII corpus (tests/privacy/pii_corpus.yml) and the one definition of a leak."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import List

import yaml

CORPUS_PATH = Path(__file__).with_name("pii_corpus.yml")
ITEMS: List[dict] = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8"))["items"]
POSITIVES = [item for item in ITEMS if item["pii"]]
NEGATIVES = [item for item in ITEMS if not item["pii"]]


def digits_of(text: str) -> str:
    """Every decimal digit of `text` (full-width ones too) as 0-9, in order."""
    return "".join(str(unicodedata.decimal(ch)) for ch in unicodedata.normalize("NFKC", text)
                   if unicodedata.decimal(ch, None) is not None)


def leaks(pii: str, stored: str) -> bool:
    """Whether `stored` still shows `pii`: verbatim, its digits in a row (any spelling),
    or an e-mail's local part."""
    if pii in stored:
        return True
    digits = digits_of(pii)
    if len(digits) >= 9 and digits[-9:] in digits_of(stored):
        return True
    if re.search(r"@|\bat\b|còng|cong|\[", pii):
        local = re.split(r"\s*(?:@|＠|\[@\]|\[at\]|\(at\)|\bat\b|a còng|a cong)", pii)[0].strip()
        if len(local) >= 5 and local in stored:
            return True
    return False


def leaked(texts_by_place: dict) -> List[str]:
    """For each corpus PII, where it survived: a list of 'item id: pii @ place'."""
    found = []
    for item in POSITIVES:
        for pii in item["pii"]:
            for place, stored in texts_by_place.items():
                if leaks(pii, stored):
                    found.append(f"{item['id']}: {pii!r} @ {place}")
    return found
