"""The streaming question ("phân luồng"): which way a grade-9 student leans after THCS.

One place for the answers the assistant offers (actions/lean.py asks, stores the
`lean` slot and acknowledges) and the console counts (bot/web/console/streaming.py).
The stored values are the `lean` slot's values in domain.yml:

- thpt: thi vào lớp 10 THPT;
- trung_cap: 9+ (trung cấp with THPT culture classes) or trung cấp;
- hoc_nghe: học nghề, level not said (only from a typed answer such as
  "em nghiêng về học nghề");
- so_cap: sơ cấp or going to work (one button: the two cannot be told apart);
- chua_biet: not decided yet.

Plan 220/KH-UBND counts entries into vocational education: the console's share
counts `trung_cap` and `hoc_nghe`; `so_cap` is shown apart because it mixes
sơ cấp with going to work.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from bot import vocabulary
from bot.text import fold

THPT, TRUNG_CAP, HOC_NGHE, SO_CAP, CHUA_BIET = "thpt", "trung_cap", "hoc_nghe", "so_cap", "chua_biet"
LEANS = (THPT, TRUNG_CAP, HOC_NGHE, SO_CAP, CHUA_BIET)
VOCATIONAL = (TRUNG_CAP, HOC_NGHE)
# The answers offered as buttons (hoc_nghe is never offered: it only records a typed answer).
BUTTONS = (THPT, TRUNG_CAP, SO_CAP, CHUA_BIET)

# The buttons' titles and the streaming view's column names: the domain's `labels:` table.
LABELS: Dict[str, str] = vocabulary.slot_value_labels("lean")
TARGET_SHARE = 0.40  # plan 220/KH-UBND: at least 40% of THCS leavers into vocational education by 2030

# Folded text. "chưa biết" is looked for first: "em chưa biết nên học nghề hay thi cấp 3" is undecided.
_PATTERNS = (
    (
        CHUA_BIET,
        r"\b(chua biet|chua bit|chua ro|chua quyet|chua chac|chua nghi|chua co y dinh|chua dinh huong|"
        r"chua xac dinh|phan van|khong biet|ko biet|k biet|hok biet|khong chac|dang nghi)\b",
    ),
    (SO_CAP, r"\b(so cap|di lam|lam luon|lam viec luon|nghi hoc)\b"),
    (TRUNG_CAP, r"(\b9 ?\+|\b9 cong\b|\bchin cong\b|\btrung cap\b|\btc\b)"),
    (THPT, r"\b(thpt|lop 10|cap 3|cap ba|c3|pho thong|vao 10|len 10|thi 10)\b"),
    (HOC_NGHE, r"\b(hoc nghe|truong nghe|theo nghe|di nghe)\b"),
)
_COMPILED = [(value, re.compile(pattern)) for value, pattern in _PATTERNS]


def lean_of(text: Any) -> Optional[str]:
    """The lean a typed answer states, or None when it states none or several.

    "học nghề trung cấp" is trung_cap (the level is more precise than "học nghề");
    "học nghề hơn là thi cấp 3" names two ways and is None (the buttons are offered again).
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        return None
    key = fold(text, keep_punctuation=True)
    key = re.sub(r"[^\w\s+]", " ", key)
    found = [value for value, pattern in _COMPILED if pattern.search(key)]
    if CHUA_BIET in found:
        return CHUA_BIET
    if HOC_NGHE in found and (TRUNG_CAP in found or SO_CAP in found):
        found.remove(HOC_NGHE)
    return found[0] if len(found) == 1 else None


def is_lean(value: Any) -> bool:
    return isinstance(value, str) and value in LEANS
