"""bot/runtime/speedups.py changes how fast Rasa computes, never what it computes."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def story_trackers(domain):
    """Trackers of every story and rule of the project, forms included."""
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.core.training_data.structures import StoryGraph

    paths = sorted((ROOT / "data" / "stories").glob("*.yml")) + sorted((ROOT / "data" / "rules").glob("*.yml"))
    steps = []
    for path in paths + [ROOT / "tests" / "test_stories.yml"]:
        steps += YAMLStoryReader(domain, source_name=str(path)).read_from_file(path)
    trackers = TrainingDataGenerator(StoryGraph(steps), domain, remove_duplicates=False,
                                     augmentation_factor=0).generate_story_trackers()
    assert len(trackers) > 40
    return trackers


def _two_turns(domain, sender_id, *more_events, **second_turn):
    """A greeting answered, then a second user message (`second_turn`: UserUttered arguments)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender_id, [
        ActionExecuted("action_listen"),
        UserUttered("chào", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered(**second_turn),
        *more_events,
    ], domain.slots)


def _rasa_states(domain, tracker, **kwargs):
    from rasa.shared.core.domain import Domain

    from bot.runtime import speedups

    speedups.incremental_tracker_states()
    return Domain.states_for_tracker_history._bot_original(domain, tracker, **kwargs)


def test_incremental_states_equal_rasa_states_on_every_prefix(domain, story_trackers):
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime import speedups

    speedups.incremental_tracker_states()
    rule_only_data = {"rule_only_slots": ["requested_slot"], "rule_only_loops": []}
    compared = 0
    for story in story_trackers:
        growing = DialogueStateTracker.from_events(story.sender_id, [], domain.slots)
        for event in story.events:
            growing.update(event)
            for omit, ignore in itertools.product([False, True], repeat=2):
                kwargs = dict(omit_unset_slots=omit, ignore_rule_only_turns=ignore, rule_only_data=rule_only_data)
                # twice: the second call resumes from the checkpoint of the first
                assert domain.states_for_tracker_history(growing, **kwargs) == _rasa_states(domain, growing, **kwargs)
                assert domain.states_for_tracker_history(growing, **kwargs) == _rasa_states(domain, growing, **kwargs)
                compared += 1
    assert compared > 500


def test_memoized_applied_events_equal_rasa_on_every_prefix(domain, story_trackers):
    from rasa.shared.core.events import UserUtteranceReverted
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.runtime import speedups

    speedups.memoized_applied_events()
    original = DialogueStateTracker.applied_events._bot_original
    for story in story_trackers:
        growing = DialogueStateTracker.from_events(story.sender_id, [], domain.slots)
        for event in list(story.events) + [UserUtteranceReverted()]:
            growing.update(event)
            first = growing.applied_events()
            first.clear()  # a caller editing its list
            assert growing.applied_events() == original(growing)


def test_states_handed_out_are_copies(domain, story_trackers):
    from bot.runtime import speedups

    speedups.incremental_tracker_states()
    tracker = max(story_trackers, key=lambda t: len(t.events))
    first = domain.states_for_tracker_history(tracker)
    assert any("user" in state for state in first[:-1])
    for state in first:  # as TrackerFeaturizer._choose_last_user_input edits the last state
        state.get("user", {}).pop("intent", None)
        state.pop("slots", None)
    assert domain.states_for_tracker_history(tracker) == _rasa_states(domain, tracker)


def test_undone_events_restart_the_replay(domain):
    from rasa.shared.core.events import UserUtteranceReverted

    from bot.runtime import speedups

    speedups.incremental_tracker_states()
    tracker = _two_turns(domain, "undo", text="cảm ơn", intent={"name": "thank", "confidence": 1.0})
    before = domain.states_for_tracker_history(tracker)
    tracker.update(UserUtteranceReverted())
    after = domain.states_for_tracker_history(tracker)
    assert after == _rasa_states(domain, tracker)
    assert len(after) < len(before)


def test_action_server_gets_the_current_turn_only(domain):
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import SlotSet
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime import speedups

    speedups.send_current_turn_to_actions()
    tracker = _two_turns(domain, "turn", SlotSet("area", "yen_lac"), text="em ở yên lạc",
                         intent={"name": "inform", "confidence": 1.0}, input_channel="zalo")
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
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})
