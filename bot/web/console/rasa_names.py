"""Rasa's own names the console recognises a fallback by (Rasa's constants, not the
NLU contract: the contract's intents and entities come from bot.vocabulary)."""

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
    }
)
