"""bot/runtime/speedups.py changes how fast Rasa computes, never what it computes."""

from __future__ import annotations

import pytest

from tests.runtime.conftest import two_turns


def test_action_server_gets_the_current_turn_only(domain):
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import SlotSet
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime import speedups

    speedups.send_current_turn_to_actions()
    tracker = two_turns(
        domain,
        "turn",
        SlotSet("area", "yen_lac"),
        text="em ở yên lạc",
        intent={"name": "inform", "confidence": 1.0},
        input_channel="zalo",
    )
    action = RemoteAction("action_support_policy", EndpointConfig("http://127.0.0.1:1/webhook"))
    payload = action._action_call_format(tracker, domain)
    assert [e["event"] for e in payload["tracker"]["events"]] == ["user", "slot"]
    assert payload["tracker"]["slots"]["area"] == "yen_lac"
    assert payload["tracker"]["latest_message"]["intent"]["name"] == "inform"
    assert payload["tracker"]["latest_input_channel"] == "zalo"
    assert payload["next_action"] == "action_support_policy"


def test_cached_validator_rejects_what_rasa_rejects():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime import speedups

    speedups.cache_action_response_validator()
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []}
    )
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})


def test_actions_keep_the_current_turn_contract():
    """The action server gets the current turn's events only (speedups.send_current_turn_to_actions):
    an action reading earlier events would silently see nothing, so none may read them."""
    import re
    from pathlib import Path

    actions_dir = Path(__file__).resolve().parents[2] / "actions"
    readers = [
        f"{path.name}:{number}"
        for path in sorted(actions_dir.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"tracker\.(events|applied_events)\b", line)
    ]
    assert readers == [], f"actions reading the event history (use slots instead): {readers}"
