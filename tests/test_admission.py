"""bot/admission.py: bounded, first come first served message processing."""
from __future__ import annotations

import asyncio

import pytest

from bot import admission


def _run(limit: int, arrivals: int):
    in_progress, peak, started = 0, 0, []

    async def handle(_self, message):
        nonlocal in_progress, peak
        in_progress += 1
        peak = max(peak, in_progress)
        started.append(message)
        for _ in range(3):  # awaits, like action server calls
            await asyncio.sleep(0.001)
        in_progress -= 1
        return message

    wrapped = admission.admitted(handle, admission.Admission(limit))

    async def main():
        tasks = []
        for n in range(arrivals):
            tasks.append(asyncio.create_task(wrapped(None, n)))
            await asyncio.sleep(0)  # arrive one after another
        return await asyncio.gather(*tasks)

    results = asyncio.run(main())
    return results, peak, started


@pytest.mark.parametrize("limit", [1, 2])
def test_at_most_limit_messages_in_progress_in_arrival_order(limit):
    results, peak, started = _run(limit, 12)
    assert results == list(range(12))
    assert peak == limit
    assert started == list(range(12))


def test_without_a_limit_messages_interleave():
    """The behaviour the limit changes: with room for all, every message starts at once."""
    _, peak, _ = _run(12, 12)
    assert peak == 12


def test_applied_to_rasa_message_processor(monkeypatch):
    from rasa.core.processor import MessageProcessor

    unpatched = getattr(MessageProcessor.handle_message, "__wrapped__", MessageProcessor.handle_message)
    monkeypatch.setattr(MessageProcessor, "handle_message", unpatched)
    monkeypatch.setenv("MESSAGE_CONCURRENCY", "3")
    assert admission.apply() is True
    assert getattr(MessageProcessor.handle_message, admission._PATCHED_ATTR).limit == 3
    assert admission.apply() is False  # once per process
