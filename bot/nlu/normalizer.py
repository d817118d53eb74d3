"""Vietnamese chat-text normalizer (Rasa graph component): attaches the message's
*pieces* (bot/nlu/pieces.py) under `VI_PIECES`; the tokenizer and the gazetteer
read them. Known syllables (seen at least `min_syllable_count` times in the
training data) and the teencode lexicon are stored in the model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.pieces import VI_PIECES, Lexicon, normalize_pieces
from bot.nlu.storage import files_fingerprint, load_json, save_json

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class VietnameseNormalizer(GraphComponent):
    """Attaches normalized pieces to each message; must come first in the pipeline.

    The lexicon is read from `lexicon_path` at training time and stored in the
    model, so a served model needs no data files.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # YAML file with `words` and `contextual` teencode expansions,
            # relative to the working directory of `rasa train`.
            "lexicon_path": "data/lexicon/teencode.yml",
            # Expand teencode (set False to measure its effect).
            "expand_teencode": True,
            # Split run-together words into syllables seen at least this often
            # in the training data (0: no splitting).
            "min_syllable_count": 3,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Lexicon] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.lexicon = lexicon or Lexicon.empty()

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The teencode file read by `train` (see storage.files_fingerprint)."""
        # Rasa's training hook also fingerprints a node restored from the
        # cache: it passes that node's config ({"output": ...}) with this class,
        # then discards the key. Defaults keep that call from failing.
        config = {**cls.get_default_config(), **config}
        return files_fingerprint([Path(config["lexicon_path"])])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseNormalizer":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        if self._config.get("expand_teencode", True):
            path = Path(self._config["lexicon_path"])
            if not path.exists():
                raise FileNotFoundError(f"teencode lexicon not found: {path.resolve()}")
            self.lexicon = Lexicon.from_yaml_file(path)
        if self._config.get("min_syllable_count", 0) > 0:
            texts = [e.get(TEXT) for e in training_data.training_examples if isinstance(e.get(TEXT), str)]
            self.lexicon = self.lexicon.with_syllables_of(texts, self._config["min_syllable_count"])
        save_json(self._model_storage, self._resource, "lexicon.json", self.lexicon.as_dict())
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "VietnameseNormalizer":
        data = load_json(model_storage, resource, "lexicon.json")
        if data is None:
            logger.warning("VietnameseNormalizer: no stored lexicon; teencode is not expanded")
            lexicon = Lexicon.empty()
        else:
            lexicon = Lexicon.from_stored(data)
        return cls(config, model_storage, resource, lexicon)

    def _annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(VI_PIECES, normalize_pieces(text, self.lexicon))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._annotate(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._annotate(message)
        return messages
