"""JSON state of the trainable NLU components, kept inside the Rasa model archive."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Optional, Text

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def save_json(model_storage: ModelStorage, resource: Resource, filename: Text, data: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (Path(directory) / filename).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def files_fingerprint(paths: Iterable[Path]) -> str:
    """Hash of the contents of data files a component reads at training time.

    Rasa's training cache only fingerprints the config and the training data;
    components return this from `fingerprint_addon`, so editing the catalogue
    or a lexicon retrains them instead of restoring a stale cached copy.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(str(path).encode("utf-8"))
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def load_json(model_storage: ModelStorage, resource: Resource, filename: Text) -> Optional[Any]:
    """The stored data, or None when the model holds none (or it is unreadable)."""
    try:
        with model_storage.read_from(resource) as directory:
            return json.loads((Path(directory) / filename).read_text(encoding="utf-8"))
    except (ValueError, FileNotFoundError):
        return None
