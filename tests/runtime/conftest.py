"""Fixtures for the tests of bot/runtime: the project's domain and the trackers of every
story and rule (forms included)."""

from __future__ import annotations

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

    paths = sorted((ROOT / "data" / "stories").glob("*.yml")) + sorted(
        (ROOT / "data" / "rules").glob("*.yml")
    )
    steps = []
    for path in paths + [ROOT / "tests" / "test_stories.yml"]:
        steps += YAMLStoryReader(domain, source_name=str(path)).read_from_file(path)
    trackers = TrainingDataGenerator(
        StoryGraph(steps), domain, remove_duplicates=False, augmentation_factor=0
    ).generate_story_trackers()
    assert len(trackers) > 40
    return trackers


def two_turns(domain, sender_id, *more_events, **second_turn):
    """A greeting answered, then a second user message (`second_turn`: UserUttered arguments)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(
        sender_id,
        [
            ActionExecuted("action_listen"),
            UserUttered("chào", {"name": "greet", "confidence": 1.0}),
            ActionExecuted("utter_greet"),
            ActionExecuted("action_listen"),
            UserUttered(**second_turn),
            *more_events,
        ],
        domain.slots,
    )
