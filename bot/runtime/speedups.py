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

The dialogue states the policies read are computed incrementally by the
policies config.yml names (bot/runtime/dialogue_states.py), not here.
"""

from __future__ import annotations

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
        "speedups.current_turn_payload"
    ):
        return False

    def _action_call_format(self, tracker, domain):
        tracker_state = tracker.current_state(EventVerbosity.NONE)
        tracker_state["events"] = [event.as_dict() for event in current_turn_events(tracker)]
        result = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": tracker_state,
            "version": rasa.__version__,
        }
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
            self.name()
        ):
            result["domain"] = domain.as_dict()
        return result

    _action_call_format._bot_current_turn = True
    RemoteAction._action_call_format = _action_call_format
    return True


def apply() -> None:
    cache_action_response_validator()
    send_current_turn_to_actions()
