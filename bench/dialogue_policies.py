"""Measure what a dialogue-policy choice costs at serving time.

For each model given (default: models/assistant.tar.gz), prints the time to
load it and the latency of NLU + next-action prediction per user message,
over the user turns of tests/test_stories.yml (actions are not executed).

    .venv/bin/python bench/dialogue_policies.py models/assistant.tar.gz /tmp/ted/assistant.tar.gz
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the custom NLU components live in bot/


def user_turns():
    stories = yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8"))["stories"]
    for story in stories:
        yield [step["user"].strip() for step in story["steps"] if "user" in step]


async def measure(model: str) -> dict:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    started = time.perf_counter()
    agent = Agent.load(model)
    load_s = time.perf_counter() - started
    timings = []
    for index, turns in enumerate(user_turns()):
        sender = f"bench-{index}"
        for text in turns:
            t0 = time.perf_counter()
            await agent.processor.log_message(UserMessage(text, sender_id=sender), should_save_tracker=True)
            tracker = await agent.processor.get_tracker(sender)
            agent.processor.predict_next_with_tracker(tracker)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "model": model,
        "load_s": round(load_s, 1),
        "messages": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
    }


def main() -> None:
    models = sys.argv[1:] or [str(ROOT / "models" / "assistant.tar.gz")]
    for model in models:
        print(json.dumps(asyncio.run(measure(model))), flush=True)


if __name__ == "__main__":
    main()
