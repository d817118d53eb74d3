"""JSON state of the trainable NLU components, kept inside the Rasa model archive."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Text

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def save_json(model_storage: ModelStorage, resource: Resource, filename: Text, data: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (Path(directory) / filename).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_json(model_storage: ModelStorage, resource: Resource, filename: Text) -> Optional[Any]:
    """The stored data, or None when the model holds none (or it is unreadable)."""
    try:
        with model_storage.read_from(resource) as directory:
            return json.loads((Path(directory) / filename).read_text(encoding="utf-8"))
    except (ValueError, FileNotFoundError):
        return None
