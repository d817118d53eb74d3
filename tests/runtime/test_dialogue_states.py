"""bot/runtime/dialogue_states.py computes what Rasa computes, only faster: the
incremental featurizer's states equal Domain.states_for_tracker_history on every
prefix of every story and rule, and the policies config.yml names use it."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

from bot.runtime.dialogue_states import (
    IncrementalMaxHistoryTrackerFeaturizer,
    IncrementalMemoizationPolicy,
    IncrementalRulePolicy,
    applied_events,
    incremental_states,
)
from tests.runtime.conftest import two_turns

ROOT = Path(__file__).resolve().parents[2]


def _rasa_states(domain, tracker, **kwargs):
    return domain.states_for_tracker_history(tracker, **kwargs)


def test_incremental_states_equal_rasa_states_on_every_prefix(domain, story_trackers):
    from rasa.shared.core.trackers import DialogueStateTracker

    rule_only_data = {"rule_only_slots": ["requested_slot"], "rule_only_loops": []}
    compared = 0
    for story in story_trackers:
        growing = DialogueStateTracker.from_events(story.sender_id, [], domain.slots)
        for event in story.events:
            growing.update(event)
            for omit, ignore in itertools.product([False, True], repeat=2):
                kwargs = dict(
                    omit_unset_slots=omit, ignore_rule_only_turns=ignore, rule_only_data=rule_only_data
                )
                # twice: the second call resumes from the checkpoint of the first
                assert incremental_states(growing, domain, **kwargs) == _rasa_states(
                    domain, growing, **kwargs
                )
                assert incremental_states(growing, domain, **kwargs) == _rasa_states(
                    domain, growing, **kwargs
                )
                compared += 1
    assert compared > 500


def test_memoized_applied_events_equal_rasa_on_every_prefix(domain, story_trackers):
    from rasa.shared.core.events import UserUtteranceReverted
    from rasa.shared.core.trackers import DialogueStateTracker

    for story in story_trackers:
        growing = DialogueStateTracker.from_events(story.sender_id, [], domain.slots)
        for event in list(story.events) + [UserUtteranceReverted()]:
            growing.update(event)
            first = applied_events(growing)
            first.clear()  # a caller editing its list
            assert applied_events(growing) == growing.applied_events()


def test_states_handed_out_are_copies(domain, story_trackers):
    tracker = max(story_trackers, key=lambda t: len(t.events))
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events), domain.slots)
    first = incremental_states(tracker, domain)
    assert any("user" in state for state in first[:-1])
    for state in first:  # as TrackerFeaturizer._choose_last_user_input edits the last state
        state.get("user", {}).pop("intent", None)
        state.pop("slots", None)
    assert incremental_states(tracker, domain) == _rasa_states(domain, tracker)


def test_undone_events_restart_the_replay(domain):
    from rasa.shared.core.events import UserUtteranceReverted

    tracker = two_turns(domain, "undo", text="cảm ơn", intent={"name": "thank", "confidence": 1.0})
    before = incremental_states(tracker, domain)
    tracker.update(UserUtteranceReverted())
    after = incremental_states(tracker, domain)
    assert after == _rasa_states(domain, tracker)
    assert len(after) < len(before)


def test_featurizer_prediction_states_equal_rasa_featurizer(domain, story_trackers):
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
    from rasa.shared.core.trackers import DialogueStateTracker

    ours, theirs = (
        IncrementalMaxHistoryTrackerFeaturizer(None, max_history=5),
        MaxHistoryTrackerFeaturizer(None, max_history=5),
    )
    for story in story_trackers[:20]:
        growing = DialogueStateTracker.from_events(story.sender_id, [], domain.slots)
        for event in story.events:
            growing.update(event)
            assert ours.prediction_states([growing], domain) == theirs.prediction_states([growing], domain)


def test_config_names_the_incremental_policies(tmp_path):
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = [policy["name"] for policy in config["policies"]]
    assert names == [
        "bot.runtime.dialogue_states.IncrementalMemoizationPolicy",
        "bot.runtime.dialogue_states.IncrementalRulePolicy",
    ]
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    context = ExecutionContext(GraphSchema({}), "test")
    for policy_class in (IncrementalMemoizationPolicy, IncrementalRulePolicy):
        policy = policy_class(
            policy_class.get_default_config(), LocalModelStorage(tmp_path), Resource("p"), context
        )
        assert isinstance(policy.featurizer, IncrementalMaxHistoryTrackerFeaturizer)
