"""Acceptance thresholds of the trained NLU model on the held-out set.

Model: env RASA_MODEL, else the newest models/*.tar.gz (`make model`, or
`rasa train nlu --fixed-model-name nlu`). Scoring rules: bot/nlu/evaluation.py.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.nlu import evaluation as ev

pytestmark = pytest.mark.model

INTENT_ACCURACY = {"accented": 0.95, "plain": 0.93, "teencode": 0.90}
ENTITY_F1 = 0.95
OUT_OF_SCOPE = 0.90


def _model_path() -> Path:
    explicit = os.environ.get("RASA_MODEL")
    if explicit:
        return Path(explicit)
    models = sorted(Path("models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.skip("no trained model: run `make model` or set RASA_MODEL")
    return models[-1]


@pytest.fixture(scope="module")
def scores():
    from rasa.core.agent import Agent

    path = _model_path()
    assert path.exists(), f"RASA_MODEL {path} does not exist"
    examples = ev.load_heldout()
    agent = Agent.load(str(path))
    results, _ = ev.parse_all(agent, [e["text"] for e in examples])
    return ev.score(examples, results)


@pytest.mark.parametrize("style", sorted(INTENT_ACCURACY))
def test_intent_accuracy_per_style(scores, style):
    assert scores[style]["intent_accuracy"] >= INTENT_ACCURACY[style], scores[style]


def test_nfd_input_is_as_good_as_accented(scores):
    assert scores["nfd"]["intent_accuracy"] >= INTENT_ACCURACY["accented"]


@pytest.mark.parametrize("entity", ev.REPORTED_ENTITY_TYPES)
def test_entity_f1(scores, entity):
    assert scores["all"]["entity"][entity]["f1"] >= ENTITY_F1, scores["all"]["entity"][entity]


def test_out_of_scope_goes_to_out_of_scope_or_fallback(scores):
    assert scores["all"]["out_of_scope_n"] > 0
    assert scores["all"]["out_of_scope_rate"] >= OUT_OF_SCOPE
