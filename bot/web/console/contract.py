"""Intent and entity names from the NLU contract (shared/design/nlu-contract.md).

The NLU inbox offers exactly these intents, so corrections stay inside the
names the analytics key on.
"""
INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope",
    "request_human", "ask_vocational_levels", "ask_combined_route", "ask_support_policy",
    "find_programme", "ask_school_info", "ask_admission", "ask_career_prospects",
    "compare_paths", "ask_further_study", "start_interest_quiz", "inform",
)
ENTITIES = ("area", "occupation", "level", "school", "beneficiary_group", "user_role")
AREAS = (
    "vinh_yen", "phuc_yen", "binh_xuyen", "yen_lac", "vinh_tuong",
    "tam_duong", "tam_dao", "lap_thach", "song_lo",
)
USER_ROLES = ("student", "parent")
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
    }
)
