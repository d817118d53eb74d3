"""Syllable n-gram count features (Rasa graph component).

The tokenizer's lemmas are folded compounds ("hoc_phi"). Word segmentation of
text without diacritics is unreliable ("hoc phi" may stay two tokens), so a
lemma-level CountVectorsFeaturizer alone gives "học phí" and "hoc phi"
different word features. This featurizer reads the same lemmas but splits
them back into syllables, so with `max_ngram: 2` the sentence features of
"học phí" and "hoc phi" (unigrams "hoc", "phi" and bigram "hoc phi") are
identical whatever the segmentation; sequence features still overlap.

Every option of rasa's CountVectorsFeaturizer applies (see its docs); only
the token source differs.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SyllableCountVectorsFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer over the syllables of folded compound lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        config = CountVectorsFeaturizer.get_default_config()
        config.update(
            {
                # syllable unigrams and bigrams: "hoc", "phi", "hoc phi"
                "analyzer": "word",
                "min_ngram": 1,
                "max_ngram": 2,
                # drop n-grams seen only once in training (keeps vocab small)
                "min_df": 1,
            }
        )
        return config

    def _get_message_tokens_by_attribute(self, message: Message, attribute: Text) -> List[Text]:
        tokens = message.get(TOKENS_NAMES[attribute])
        if not tokens:
            return []
        if attribute != TEXT:
            return [t.lemma if self.use_lemma else t.text for t in tokens]
        # "cong_nghe_thong_tin" -> "cong nghe thong tin": the analyzer then
        # sees syllables; within-token bigrams keep the compound's identity.
        return [(t.lemma or t.text).replace("_", " ") for t in tokens]
