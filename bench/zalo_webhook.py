"""Webhook response times of the Zalo channel while the assistant is busy.

Starts the fake Zalo OA API, the action server and the real Rasa server with
the Zalo channel (credentials.yml, models/assistant.tar.gz), then fires signed
`user_send_text` deliveries from CONCURRENCY clients, REQUESTS each (a share
of them are Zalo-style retries of an earlier delivery), and prints the
p50/p95/p99 webhook response times. Every new delivery becomes real work for
Rasa (NLU + policies + reply), so the assistant is busy throughout.

    .venv/bin/python bench/zalo_webhook.py [--concurrency 20] [--requests 200]

Exit code 1 when p95 >= --p95-limit-ms (default 200).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.migrations import runner  # noqa: E402
from tests.fakes.fake_zalo import FakeZalo  # noqa: E402
from tests.fakes.zalo_events import APP_ID, APP_SECRET, rasa_env, signed, text_event  # noqa: E402
from tests.procs import MODEL_PATH, action_server, rasa_server  # noqa: E402

TEXTS = [
    "xin chào",
    "cảm ơn nhiều",
    "bạn là người hay máy",
    "tạm biệt",
    "em muốn học nghề",
    "hôm nay trời mưa không",
    "chao ad",
    "ok",
]


def percentile(values, q):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


async def fire(
    url: str, concurrency: int, requests_per_client: int, users: int, retry_share: float, seed: int
):
    rng = random.Random(seed)
    latencies, statuses, sent = [], Counter(), []
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def client(index: int) -> None:
            for _ in range(requests_per_client):
                if sent and rng.random() < retry_share:
                    raw, headers = rng.choice(sent)  # Zalo retrying an earlier delivery
                    headers = {**headers, "num_retry": "1"}
                else:
                    uid = f"bench{rng.randrange(users):04d}"
                    raw, headers = signed(text_event(uid, rng.choice(TEXTS)))
                    sent.append((raw, headers))
                started = time.perf_counter()
                async with session.post(url, data=raw, headers=headers) as resp:
                    body = await resp.json(content_type=None)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[f"{resp.status} {body.get('status') or body.get('error')}"] += 1

        began = time.perf_counter()
        await asyncio.gather(*[client(i) for i in range(concurrency)])
        elapsed = time.perf_counter() - began
    return latencies, statuses, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="deliveries per concurrent client")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--retry-share", type=float, default=0.1)
    parser.add_argument("--p95-limit-ms", type=float, default=200.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--claim-budget", default="")
    parser.add_argument(
        "--workers", default="", help="ZALO_WORKERS for the Rasa server (default: the channel's)"
    )
    args = parser.parse_args()
    if not MODEL_PATH.exists():
        print(f"error: {MODEL_PATH} missing: run `make model`", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="zalo-bench-"))
    db_url = f"sqlite:///{tmp / 'assistant.db'}"
    runner.upgrade(db_url)
    fake = FakeZalo(app_id=APP_ID, app_secret=APP_SECRET).start()
    env = rasa_env(fake, db_url, ZALO_MAX_SENDS_PER_SECOND="0")
    if args.workers:
        env["ZALO_WORKERS"] = args.workers
    if args.claim_budget:
        env["ZALO_CLAIM_BUDGET_SECONDS"] = args.claim_budget
    print(
        f"[bench] starting action server and Rasa server (model {MODEL_PATH.name}, SQLite {db_url})",
        flush=True,
    )
    with (
        action_server(env={"DATABASE_URL": db_url}) as actions,
        rasa_server(actions.url + "/webhook", env=env) as rasa,
    ):
        url = rasa.url + "/webhooks/zalo/webhook"
        # Warm-up: the first turns load the tracker store and the policies.
        asyncio.run(fire(url, 2, 5, 5, 0.0, seed=999))
        time.sleep(3)
        before = len(fake.messages)
        total = args.concurrency * args.requests
        print(
            f"[bench] {args.concurrency} concurrent clients x {args.requests} signed deliveries = {total} "
            f"({args.retry_share:.0%} are retries of earlier deliveries)",
            flush=True,
        )
        latencies, statuses, elapsed = asyncio.run(
            fire(url, args.concurrency, args.requests, args.users, args.retry_share, args.seed)
        )
        replies_during = len(fake.messages) - before
        accepted = statuses.get("200 accepted", 0)
        time.sleep(5)
        replies_after = len(fake.messages) - before
        print(f"[bench] sent {len(latencies)} webhooks in {elapsed:.1f} s ({len(latencies) / elapsed:.0f}/s)")
        print(f"[bench] responses: {dict(sorted(statuses.items()))}")
        print(
            f"[bench] webhook response time ms: p50 {percentile(latencies, 50):.1f}  "
            f"p95 {percentile(latencies, 95):.1f}  p99 {percentile(latencies, 99):.1f}  "
            f"max {max(latencies):.1f}  mean {statistics.fmean(latencies):.1f}"
        )
        print(
            f"[bench] assistant busy: {replies_during} replies sent to Zalo during the burst, "
            f"{replies_after} five seconds later, for {accepted} accepted messages (the rest queued)"
        )
    fake.stop()
    p95 = percentile(latencies, 95)
    ok = p95 < args.p95_limit_ms
    print(
        f"[bench] p95 {p95:.1f} ms {'<' if ok else '>='} {args.p95_limit_ms:.0f} ms: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
