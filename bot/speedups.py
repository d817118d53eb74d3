"""Measured hot spots of Rasa 3.6, fixed without changing behaviour; applied by
bot/rasa_main.py.

RemoteAction._validate_action_result calls `jsonschema.validate(result, schema)`
for every custom-action response. That function first checks the (constant)
schema against the JSON-Schema metaschema, which cost about 20 ms per action
call on 2 cores, more than the action itself (bench/profile_message.py and a
cProfile of agent.handle_text). We build the validator for the schema once and
validate each response with it: the same checks and the same ValidationError.
"""
from __future__ import annotations

_PATCHED_ATTR = "_bot_cached_validator"


def cache_action_response_validator() -> bool:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction, _PATCHED_ATTR, None) is not None:
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


def apply() -> None:
    cache_action_response_validator()
