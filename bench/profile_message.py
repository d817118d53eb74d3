"""Where the time of one message goes: NLU, dialogue policies, the action server
(custom actions including their catalogue queries), and the tracker store.

    .venv/bin/python bench/profile_message.py [--rounds 5]

Runs the trained model in-process (models/assistant.tar.gz), prepared like the
Rasa server (bot.runtime.rasa_main.prepare_process, endpoints.yml), with the real
action server (started here) and the masking SQL tracker store on a fresh
SQLite file, replays bench/conversations.yml, and times each part by wrapping
the functions Rasa calls for it. Prints median and p95 per part, per message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.load import conversations  # noqa: E402
from tests.procs import MODEL_PATH, action_server  # noqa: E402

PARTS = ["nlu", "actions", "tracker_store", "total"]


def timed(samples: Dict[str, List[float]], part: str, func):
    async def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return await func(*args, **kwargs)
        finally:
            samples[part][-1] += time.perf_counter() - started

    return wrapper


async def profile(rounds: int, action_url: str, db_url: str) -> Dict[str, List[float]]:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.utils import read_endpoints_from_path

    from bot.runtime.rasa_main import prepare_process
    from bot.runtime.tracker_store import MaskingSQLTrackerStore

    os.environ["ACTION_ENDPOINT_URL"] = action_url
    prepare_process()  # the same patches as the Rasa server
    endpoints = read_endpoints_from_path(str(ROOT / "endpoints.yml"))
    samples: Dict[str, List[float]] = defaultdict(list)
    store = MaskingSQLTrackerStore(url=db_url)
    agent = Agent.load(str(MODEL_PATH), action_endpoint=endpoints.action, tracker_store=store)
    store.domain = agent.domain
    await agent.handle_text("xin chào", sender_id="warm-up")
    processor = agent.processor
    processor.parse_message = timed(samples, "nlu", processor.parse_message)
    RemoteAction.run = timed(samples, "actions", RemoteAction.run)
    store.retrieve = timed(samples, "tracker_store", store.retrieve)
    store.save = timed(samples, "tracker_store", store.save)
    for _ in range(rounds):
        for script in conversations():
            sender = f"profile-{uuid.uuid4().hex[:8]}"
            for text in script:
                for part in PARTS:
                    samples[part].append(0.0)
                started = time.perf_counter()
                await agent.handle_text(text, sender_id=sender)
                samples["total"][-1] = time.perf_counter() - started
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--action-url", help="use this running action server instead of starting one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/profile.db"
        env = {**os.environ, "DATABASE_URL": db_url}
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "bot", "catalog", "import", "data/catalog"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if args.action_url:  # an action server started by hand, e.g. under a profiler
            samples = asyncio.run(profile(args.rounds, args.action_url, db_url))
        else:
            with action_server(env={"DATABASE_URL": db_url}) as actions:
                samples = asyncio.run(profile(args.rounds, actions.url + "/webhook", db_url))
    totals = samples["total"]
    samples["policies_and_rest"] = [
        t - n - a - s
        for t, n, a, s in zip(totals, samples["nlu"], samples["actions"], samples["tracker_store"])
    ]
    print(f"{len(totals)} messages; milliseconds per message")
    print(f"{'part':20s} {'median':>8s} {'p95':>8s} {'share of total':>15s}")
    total_sum = sum(totals)
    for part in ["nlu", "policies_and_rest", "actions", "tracker_store", "total"]:
        values = sorted(samples[part])
        p95 = values[int(0.95 * (len(values) - 1))]
        print(
            f"{part:20s} {1000 * statistics.median(values):8.1f} {1000 * p95:8.1f} "
            f"{100 * sum(values) / total_sum:14.0f}%"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
