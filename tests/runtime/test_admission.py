"""bot/runtime/admission.py: bounded, first come first served message processing."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime import admission


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


def _loop_in_thread():
    import threading

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    return loop, thread


@pytest.mark.parametrize("limit", [1, 2])
def test_one_gate_shared_by_two_event_loops_in_two_threads(limit):
    """REST/socket.io run on Sanic's loop, Zalo on its own loop in another thread: one gate for both.

    With an asyncio.Semaphore, waiters on the second loop raised
    "bound to a different event loop" (probe H1); here every message completes.
    """
    import threading

    gate = admission.Admission(limit)
    state = {"in_progress": 0, "peak": 0}
    guard = threading.Lock()

    async def work():
        async with gate:
            with guard:
                state["in_progress"] += 1
                state["peak"] = max(state["peak"], state["in_progress"])
            for _ in range(3):
                await asyncio.sleep(0.002)
            with guard:
                state["in_progress"] -= 1
        return True

    other_loop, thread = _loop_in_thread()
    try:

        async def main():
            mine = [asyncio.create_task(work()) for _ in range(40)]
            theirs = [
                asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work(), other_loop)) for _ in range(40)
            ]
            return await asyncio.gather(*mine, *theirs, return_exceptions=True)

        results = asyncio.run(main())
    finally:
        other_loop.call_soon_threadsafe(other_loop.stop)
        thread.join(5)
    assert [r for r in results if r is not True] == []
    assert state["peak"] == limit
    assert gate.in_use == 0 and gate.waiting == 0


def test_a_cancelled_waiter_gives_its_place_to_the_next():
    gate = admission.Admission(1)

    async def main():
        await gate.acquire()
        cancelled = asyncio.create_task(gate.acquire())
        later = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)
        cancelled.cancel()
        gate.release()
        await asyncio.wait_for(later, 2)
        assert cancelled.cancelled()
        gate.release()
        return gate.in_use, gate.waiting

    assert asyncio.run(main()) == (0, 0)


def test_a_waiter_cancelled_after_its_slot_was_granted_passes_the_slot_on():
    gate = admission.Admission(1)

    async def main():
        await gate.acquire()
        first = asyncio.create_task(gate.acquire())
        second = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)
        gate.release()  # hands the slot to `first` (its _grant is scheduled) ...
        first.cancel()  # ... which leaves before it runs
        await asyncio.wait_for(second, 2)
        gate.release()
        return gate.in_use, gate.waiting

    assert asyncio.run(main()) == (0, 0)
