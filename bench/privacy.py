"""How long masking takes on hostile, very long messages (issue 15, H2).

    python bench/privacy.py [--runs 3]

For each 100,000-character input (letters, digits, e-mail-like runs, mixed
Unicode, ...) prints the best CPU time of `mask_pii` and of masking a whole Rasa
user event the way the tracker store does (the text is in it twice), then the
corpus figures: messages per second and the leak / over-masking counts.
Every regular expression in bot.privacy is linear, so these stay in tens of
milliseconds; the quadratic e-mail regex it replaced took 17 s on 100k digits.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.privacy import mask_pii, mask_structure  # noqa: E402

SIZE = 100_000


def _fill(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


LONG_INPUTS = {
    "letters": "a" * SIZE,
    "digits": "1" * SIZE,
    "zeros": "0" * SIZE,
    "digit groups": _fill("0 "),
    "dash digits": _fill("1-"),
    "phones": _fill("0912 345 678 "),
    "e-mail-like a@": _fill("a@"),
    "e-mail-like a@a.aa": _fill("a@a.aa "),
    "e-mail local run": _fill("nguyen.van.an") + "@gmail.com",
    "spelled e-mails": _fill("an at gmail dot "),
    "trimmed domains": "a@b.com," + _fill("x,"),
    "rejected domains": "x at " + _fill("1."),
    "e-mail lists": _fill("an@gmail.com,"),
    "mixed Unicode": _fill("Vĩnh Phúc ０９１２ 😊 ạ đ ＠ — "),
    "NFD Vietnamese": _fill(unicodedata.normalize("NFD", "nguyễn.an@gmail.com trường Vĩnh Tường ")),
    "full-width groups": _fill("０９ "),
    "dates": _fill("01.06.2026 "),
}


def best_cpu(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def user_event(text: str) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": 1.0,
        "message_id": "m1",
        "parse_data": {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []},
        "metadata": {},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    worst = 0.0
    for name, text in LONG_INPUTS.items():
        alone = best_cpu(lambda: mask_pii(text), args.runs)
        event = best_cpu(lambda: mask_structure(user_event(text)), args.runs)
        worst = max(worst, alone, event)
        print(
            f"mask {len(text):,} chars {name:<20} mask_pii {alone * 1000:7.1f} ms   user event {event * 1000:7.1f} ms"
        )
    print(f"worst case: {worst * 1000:.1f} ms CPU for one 100k-character message")

    from tests.privacy.corpus import ITEMS, NEGATIVES, POSITIVES, leaks

    start = time.perf_counter()
    for _ in range(10):
        for item in ITEMS:
            mask_pii(item["text"])
    rate = 10 * len(ITEMS) / (time.perf_counter() - start)
    leaked = sum(leaks(pii, mask_pii(item["text"])) for item in POSITIVES for pii in item["pii"])
    over = sum(mask_pii(item["text"]) != item["text"] for item in NEGATIVES)
    print(
        f"corpus: {len(ITEMS)} messages, {rate:,.0f} messages/s, {leaked} PII leaked, {over} negatives over-masked"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
