"""Vietnamese word tokenizer on underthesea (Rasa graph component).

Segments the *normalized* message (teencode expanded, see normalizer.py) with
`underthesea.word_tokenize`, so "công nghệ thông tin" is one token, then maps
every token back onto the ORIGINAL text:

- `Token.text`, `start`, `end`: the span the user typed (NFD, teencode and
  all); a token never splits one typed word, so offsets are always valid.
- `Token.lemma`: the folded, normalized compound joined with "_"
  ("cong_nghe_thong_tin", "khong" for a typed "k"). CountVectorsFeaturizer
  reads lemmas, so features ignore diacritics, case and Unicode form.

Alignment is tolerant: underthesea returns NFC and may move tone marks
("hoà" -> "hòa"); words are matched on their folded letters, and if that ever
fails the tokenizer falls back to one token per typed word.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Type

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.pieces import VI_PIECES, normalize_pieces
from bot.text import fold

logger = logging.getLogger(__name__)


def _segment(syllables: Sequence[str]) -> List[List[int]]:
    """Group syllable indices into words with underthesea (accented input works best)."""
    from underthesea import word_tokenize

    if not syllables:
        return []
    try:
        words = word_tokenize(" ".join(syllables))
    except Exception:  # pragma: no cover - underthesea failure must not crash parsing
        logger.exception("underthesea failed; falling back to syllables")
        return [[i] for i in range(len(syllables))]

    # Character stream of folded letters of our syllables, with owner index.
    owner: List[int] = []
    stream: List[str] = []
    for i, syl in enumerate(syllables):
        for ch in fold(syl, keep_punctuation=True).replace(" ", ""):
            stream.append(ch)
            owner.append(i)
    their = "".join(fold(w, keep_punctuation=True).replace(" ", "") for w in words)
    if their != "".join(stream):
        logger.debug("underthesea changed the text; one token per syllable")
        return [[i] for i in range(len(syllables))]

    groups: List[List[int]] = []
    pos = 0
    for word in words:
        n = len(fold(word, keep_punctuation=True).replace(" ", ""))
        if n == 0:
            continue
        members = sorted(set(owner[pos : pos + n]))
        pos += n
        # A syllable cut in two by underthesea joins the previous group.
        if groups and members[0] <= groups[-1][-1]:
            groups[-1] = sorted(set(groups[-1]) | set(members))
        else:
            groups.append(members)
    return groups


def tokens_from_pieces(text: str, pieces: List[Dict[str, Any]]) -> List[Token]:
    """Tokens over `text` from normalizer pieces (see module docstring)."""
    syllables: List[str] = []
    syl_piece: List[int] = []
    for p_idx, piece in enumerate(pieces):
        for syl in piece["norm"]:
            syllables.append(syl)
            syl_piece.append(p_idx)

    groups = _segment(syllables)

    # Merge groups so that every typed word lies in exactly one token.
    tokens_pieces: List[List[int]] = []
    token_syls: List[List[int]] = []
    for group in groups:
        piece_ids = sorted({syl_piece[i] for i in group})
        if tokens_pieces and piece_ids[0] <= tokens_pieces[-1][-1]:
            tokens_pieces[-1] = sorted(set(tokens_pieces[-1]) | set(piece_ids))
            token_syls[-1].extend(group)
        else:
            tokens_pieces.append(piece_ids)
            token_syls.append(list(group))

    tokens = []
    for piece_ids, syl_ids in zip(tokens_pieces, token_syls):
        start = pieces[piece_ids[0]]["start"]
        end = pieces[piece_ids[-1]]["end"]
        lemma = "_".join(fold(syllables[i], keep_punctuation=True) for i in sorted(syl_ids))
        token = Token(text[start:end], start, end, lemma=lemma)
        token.set("norm", " ".join(syllables[i] for i in sorted(syl_ids)))
        tokens.append(token)
    return tokens


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """underthesea word segmentation with offsets into the original text."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Reads the pieces the normalizer attaches: a pipeline without it fails at training."""
        from bot.nlu.normalizer import VietnameseNormalizer

        return [VietnameseNormalizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Required by rasa's Tokenizer base class (intent labels are not split).
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        pieces: Optional[List[Dict[str, Any]]] = None
        if attribute == TEXT:
            pieces = message.get(VI_PIECES)
        if pieces is None:
            # No normalizer output (other attributes, or normalizer not in the
            # pipeline): case/diacritic folding and repeat collapsing only.
            pieces = normalize_pieces(text)
        tokens = tokens_from_pieces(text, pieces)
        if not tokens and text.strip():
            # Only punctuation or emoji: one token, as WhitespaceTokenizer does.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, start + len(stripped), lemma=stripped)]
        return self._apply_token_pattern(tokens)
