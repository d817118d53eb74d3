"""Measured hot spots of Rasa 3.6, fixed without changing behaviour; applied by
bot/rasa_main.py.

RemoteAction._validate_action_result calls `jsonschema.validate(result, schema)`
for every custom-action response. That function first checks the (constant)
schema against the JSON-Schema metaschema, which cost about 20 ms per action
call on 2 cores, more than the action itself (bench/profile_message.py and a
cProfile of agent.handle_text). We build the validator for the schema once and
validate each response with it: the same checks and the same ValidationError.

RemoteAction._action_call_format sends the whole tracker (every event of the
session, each user message with its full intent ranking) with every action
call, so its cost grows with the conversation: JSON-encoding it was 8% of the
Rasa process's CPU at 10 users (bench/load.py under py-spy), and the action
server decodes it again. Our actions read slots, the latest message and the
current turn only (rasa_sdk's form validation reads the events after the last
user message; actions/handoff.py the latest input channel), so the request
carries the events of the current turn: from the latest user message on.

Domain.states_for_tracker_history replays the whole tracker from its first
event and builds a dialogue state before every action, for each policy and
for each prediction of every message (py-spy at 10 users: 25% of the Rasa
process's CPU, growing with the conversation). The states of a prefix of the
applied events do not depend on what follows, so each tracker keeps, per
(domain, arguments), the replayed tracker and the states so far, and later
calls only replay the new events. Whenever the applied events are not an
extension of the cached ones (an undo, a restart, a form rewriting its turns),
it starts again from the first event. tests/test_speedups.py checks the result
equals Rasa's on every prefix of the test stories.

DialogueStateTracker.applied_events walks every event each time it is asked
(8% of the CPU at 10 users, asked several times per prediction). Events are
only ever appended, so the answer is kept until the tracker's event list or
its last event changes.
"""
from __future__ import annotations

import copy

from bot.runtime.versions import supported

_PATCHED_ATTR = "_bot_cached_validator"


def cache_action_response_validator() -> bool:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction, _PATCHED_ATTR, None) is not None or not supported("speedups.cached_validator"):
        return False
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self, result):
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
    setattr(RemoteAction, _PATCHED_ATTR, validator)
    return True


def current_turn_events(tracker) -> list:
    """The tracker's events from its latest user message on (all of them if it has none)."""
    from rasa.shared.core.events import UserUttered

    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def send_current_turn_to_actions() -> bool:
    """RemoteAction._action_call_format of Rasa 3.6.21, with the current turn's events only."""
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    if getattr(RemoteAction._action_call_format, "_bot_current_turn", False) or not supported(
            "speedups.current_turn_payload"):
        return False

    def _action_call_format(self, tracker, domain):
        tracker_state = tracker.current_state(EventVerbosity.NONE)
        tracker_state["events"] = [event.as_dict() for event in current_turn_events(tracker)]
        result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": tracker_state,
                  "version": rasa.__version__}
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    _action_call_format._bot_current_turn = True
    RemoteAction._action_call_format = _action_call_format
    return True


_STATES_ATTR = "_bot_states_checkpoints"


class _StatesCheckpoint:
    """The loop variables of Domain.states_for_tracker_history after `events`."""

    def __init__(self, tracker, rule_only_data) -> None:
        self.events: list = []
        self.replay = tracker.init_copy()
        self.states: list = []
        self.last_ml_action_sub_state = None
        self.turn_was_hidden = False
        self.rule_only_data = copy.deepcopy(rule_only_data)  # a new equal dict comes with every prediction

    def extends(self, applied: list, rule_only_data) -> bool:
        return (rule_only_data == self.rule_only_data and len(self.events) <= len(applied)
                and all(a is b for a, b in zip(self.events, applied)))


def _state_step(domain, checkpoint, tr, hide_rule_turn, states, omit_unset_slots, ignore_rule_only_turns,
                rule_only_data) -> None:
    """One iteration of the loop in Domain.states_for_tracker_history (Rasa 3.6.21)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

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


def incremental_tracker_states() -> bool:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted

    original = Domain.states_for_tracker_history
    if getattr(original, "_bot_original", None) is not None or not supported("speedups.incremental_states"):
        return False

    def states_for_tracker_history(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False,
                                   rule_only_data=None):
        applied = tracker.applied_events()
        checkpoints = tracker.__dict__.setdefault(_STATES_ATTR, {})
        key = (id(self), omit_unset_slots, ignore_rule_only_turns)
        checkpoint = checkpoints.get(key)
        if checkpoint is None or not checkpoint.extends(applied, rule_only_data):
            checkpoint = checkpoints[key] = _StatesCheckpoint(tracker, rule_only_data)
        for event in applied[len(checkpoint.events):]:
            if isinstance(event, ActionExecuted):
                _state_step(self, checkpoint, checkpoint.replay, event.hide_rule_turn, checkpoint.states,
                            omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            checkpoint.replay.update(event)
            checkpoint.events.append(event)
        # callers edit the states they get (e.g. the last user input): hand out copies
        states = [{kind: dict(sub_state) for kind, sub_state in state.items()} for state in checkpoint.states]
        final = copy.copy(checkpoint)  # the state after the last event is not part of the checkpoint
        _state_step(self, final, checkpoint.replay, False, states, omit_unset_slots, ignore_rule_only_turns,
                    rule_only_data)
        return states

    states_for_tracker_history._bot_original = original  # for tests/test_speedups.py
    Domain.states_for_tracker_history = states_for_tracker_history
    return True


_APPLIED_ATTR = "_bot_applied_events"


def memoized_applied_events() -> bool:
    from rasa.shared.core.trackers import DialogueStateTracker

    original = DialogueStateTracker.applied_events
    if getattr(original, "_bot_original", None) is not None or not supported("speedups.memoized_applied_events"):
        return False

    def applied_events(self):
        events = self.events
        key = (events, len(events), events[-1] if events else None)
        memo = self.__dict__.get(_APPLIED_ATTR)
        if memo is None or any(a is not b for a, b in zip(memo[0], key)):
            memo = self.__dict__[_APPLIED_ATTR] = (key, original(self))
        return list(memo[1])  # callers may edit their list

    applied_events._bot_original = original  # for tests/test_speedups.py
    DialogueStateTracker.applied_events = applied_events
    return True


def apply() -> None:
    cache_action_response_validator()
    send_current_turn_to_actions()
    incremental_tracker_states()
    memoized_applied_events()
