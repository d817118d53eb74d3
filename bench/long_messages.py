"""Long-message benchmark: does a 100,000-character message slow down everyone else?

    .venv/bin/python bench/long_messages.py [--rounds 20]

Starts the action server and the Rasa server (trained model, MESSAGE_CONCURRENCY
as configured, default 2), then for each kind of long input (letters, digits,
e-mail-like runs, mixed Unicode) sends it through the REST channel while another
user sends ordinary messages, and prints one line per kind: the other user's
latency p50 / p95 / max against the same user's latency with no long message in
flight. Before the channel cap (bot/channels/guard.py) one such message froze the
server for 20-40 s.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.migrations import runner  # noqa: E402
from tests.procs import action_server, rasa_server  # noqa: E402

LONG_INPUTS = {
    "letters": "a" * 100_000,
    "digits": "1" * 100_000,
    "email-like": "nguyenvana." * 9_000 + "@gmail" + "x" * 1_000,
    "mixed unicode": "Học nghề ở Vĩnh Phúc 🎓 ĐT 0912 345 678 — " * 2_500,
}
ORDINARY = ["xin chào", "học trung cấp có được miễn học phí không", "9+ là gì", "cảm ơn nhiều"]


def send(url: str, sender: str, text: str) -> float:
    started = time.monotonic()
    response = requests.post(url, json={"sender": sender, "message": text}, timeout=300)
    response.raise_for_status()
    return time.monotonic() - started


def summary(latencies: List[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
        f"max {ordered[-1] * 1000:6.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        runner.upgrade(db_url)
        with (
            action_server(env={"DATABASE_URL": db_url}) as actions,
            rasa_server(actions.url + "/webhook", env={"DATABASE_URL": db_url}) as rasa,
        ):
            url = rasa.url + "/webhooks/rest/webhook"
            other = f"other-{uuid.uuid4().hex[:8]}"
            for text in ORDINARY:  # warm the conversation
                send(url, other, text)
            quiet = [send(url, other, ORDINARY[i % len(ORDINARY)]) for i in range(args.rounds)]
            print(f"[bench] other user, no long message in flight:      {summary(quiet)}")
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for name, text in LONG_INPUTS.items():
                    busy, long_times = [], []
                    for i in range(args.rounds):
                        long_call = pool.submit(send, url, f"long-{uuid.uuid4().hex[:8]}", text)
                        busy.append(send(url, other, ORDINARY[i % len(ORDINARY)]))
                        long_times.append(long_call.result())
                    print(
                        f"[bench] other user, {name:>13} ({len(text):,} chars) in flight: {summary(busy)}"
                        f"   (long message answered: {summary(long_times)})"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
