"""Dialogue states computed incrementally, for the two policies config.yml names.

Rasa computes a policy's input by replaying the whole tracker from its first
event and building a dialogue state after every action
(`Domain.states_for_tracker_history`), for each policy and for each prediction
of every message: 25% of the Rasa process's CPU at 10 users (py-spy), growing
with the conversation, plus 8% for `DialogueStateTracker.applied_events`, which
walks every event each time it is asked. The states of a prefix of the applied
events do not depend on what follows, so we keep, per tracker and per
(domain, arguments), the replayed tracker and the states so far, and only
replay the new events. Whenever the applied events are not an extension of the
cached ones (an undo, a restart, a form rewriting its turns), we start again
from the first event. tests/runtime/test_dialogue_states.py checks the result
equals Rasa's on every prefix of every story and rule.

The seam is the policies' tracker featurizer: `IncrementalMemoizationPolicy`
and `IncrementalRulePolicy` are Rasa's MemoizationPolicy and RulePolicy with
`IncrementalMaxHistoryTrackerFeaturizer` as their standard featurizer and
nothing else changed. Only the policies config.yml lists use it; no Rasa class
is patched. Training is unchanged: training trackers carry their own cached
states, which the featurizer hands on as Rasa does.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Text

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer, TrackerFeaturizer
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

_STATES_ATTR = "_bot_states_checkpoints"
_APPLIED_ATTR = "_bot_applied_events"


def applied_events(tracker: DialogueStateTracker) -> list:
    """`tracker.applied_events()`, computed again only when the tracker's events changed
    (events are only ever appended: a new list, a new length or a new last event)."""
    events = tracker.events
    key = (events, len(events), events[-1] if events else None)
    memo = tracker.__dict__.get(_APPLIED_ATTR)
    if memo is None or any(a is not b for a, b in zip(memo[0], key)):
        memo = tracker.__dict__[_APPLIED_ATTR] = (key, tracker.applied_events())
    return list(memo[1])  # callers may edit their list


class _StatesCheckpoint:
    """The loop variables of Domain.states_for_tracker_history after `events`."""

    def __init__(self, tracker: DialogueStateTracker, rule_only_data: Optional[Dict[Text, Any]]) -> None:
        self.events: list = []
        self.replay = tracker.init_copy()
        self.states: List[State] = []
        self.last_ml_action_sub_state = None
        self.turn_was_hidden = False
        self.rule_only_data = copy.deepcopy(rule_only_data)  # a new equal dict comes with every prediction

    def extends(self, applied: list, rule_only_data: Optional[Dict[Text, Any]]) -> bool:
        return (
            rule_only_data == self.rule_only_data
            and len(self.events) <= len(applied)
            and all(a is b for a, b in zip(self.events, applied))
        )


def _state_step(
    domain: Domain,
    checkpoint: _StatesCheckpoint,
    tr: DialogueStateTracker,
    hide_rule_turn: bool,
    states: List[State],
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[Text, Any]],
) -> None:
    """One iteration of the loop in Domain.states_for_tracker_history (Rasa 3.6.21)."""
    if ignore_rule_only_turns:
        if not checkpoint.turn_was_hidden:
            checkpoint.last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            checkpoint.turn_was_hidden = hide_rule_turn
        if checkpoint.turn_was_hidden:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if checkpoint.last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = checkpoint.last_ml_action_sub_state
    states.append(domain._clean_state(state))


def incremental_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """What `domain.states_for_tracker_history(tracker, ...)` returns, replaying only new events."""
    applied = applied_events(tracker)
    checkpoints = tracker.__dict__.setdefault(_STATES_ATTR, {})
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns)
    checkpoint = checkpoints.get(key)
    if checkpoint is None or not checkpoint.extends(applied, rule_only_data):
        checkpoint = checkpoints[key] = _StatesCheckpoint(tracker, rule_only_data)
    for event in applied[len(checkpoint.events) :]:
        if isinstance(event, ActionExecuted):
            _state_step(
                domain,
                checkpoint,
                checkpoint.replay,
                event.hide_rule_turn,
                checkpoint.states,
                omit_unset_slots,
                ignore_rule_only_turns,
                rule_only_data,
            )
        checkpoint.replay.update(event)
        checkpoint.events.append(event)
    # callers edit the states they get (e.g. the last user input): hand out copies
    states = [{kind: dict(sub_state) for kind, sub_state in state.items()} for state in checkpoint.states]
    final = copy.copy(checkpoint)  # the state after the last event is not part of the checkpoint
    _state_step(
        domain,
        final,
        checkpoint.replay,
        False,
        states,
        omit_unset_slots,
        ignore_rule_only_turns,
        rule_only_data,
    )
    return states


@TrackerFeaturizer.register("IncrementalMaxHistoryTrackerFeaturizer")
class IncrementalMaxHistoryTrackerFeaturizer(MaxHistoryTrackerFeaturizer):
    """MaxHistoryTrackerFeaturizer whose prediction states come from `incremental_states`."""

    @staticmethod
    def _create_states(
        tracker: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        if isinstance(tracker, TrackerWithCachedStates):  # training: Rasa's own cache
            return tracker.past_states(
                domain,
                omit_unset_slots=omit_unset_slots,
                ignore_rule_only_turns=ignore_rule_only_turns,
                rule_only_data=rule_only_data,
            )
        return incremental_states(
            tracker,
            domain,
            omit_unset_slots=omit_unset_slots,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
        )


def _incremental_featurizer(policy: MemoizationPolicy) -> MaxHistoryTrackerFeaturizer:
    return IncrementalMaxHistoryTrackerFeaturizer(
        state_featurizer=None, max_history=policy.config["max_history"]
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class IncrementalMemoizationPolicy(MemoizationPolicy):
    """Rasa's MemoizationPolicy with incrementally computed dialogue states."""

    def _standard_featurizer(self) -> MaxHistoryTrackerFeaturizer:
        return _incremental_featurizer(self)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class IncrementalRulePolicy(RulePolicy):
    """Rasa's RulePolicy with incrementally computed dialogue states."""

    def _standard_featurizer(self) -> MaxHistoryTrackerFeaturizer:
        return _incremental_featurizer(self)

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Rasa's config validator runs this check only for its own RulePolicy class.
        RulePolicy.raise_if_incompatible_with_domain(self.config, domain)
        return super().train(training_trackers, domain, **kwargs)
