"""Vietnamese chat text as *pieces*: the pure functions behind the normalizer
component (bot/nlu/normalizer.py), also used by the tokenizer, the gazetteer
and the tests.

Phones send NFD or NFC, with or without diacritics, in chat shorthand
("hoc tc co dc mien hp k"). The text itself is never edited (entity offsets
must point into what the user typed). A message becomes a list of *pieces*
(stored under `VI_PIECES`): one per word of the original text, with its
character span and its normalized syllables:

    {"start": 0, "end": 2, "text": "tc",
     "norm": ["trung", "cấp"], "folded": ["trung", "cap"], "expanded": True}

`norm` is NFC, lower-cased, repeated letters collapsed ("chàooo" -> "chào")
and teencode expanded from a YAML lexicon (data, not code). An unknown word
that is not one Vietnamese syllable is split into known syllables when it can
be ("hocnghe" -> "hoc nghe", "vinhyen" -> "vinh yen"). `folded` is the
diacritic-free form used for features and matching.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from bot.text import fold, nfc

VI_PIECES = "vi_pieces"

# One "word" of chat text: letters/digits plus the combining marks an NFD
# string carries (U+0300-U+036F are not matched by \w), or "9+".
WORD_RE = re.compile(r"\d+\+|(?:[^\W_]|[\u0300-\u036f])+", re.UNICODE)

_RUN_RE = re.compile(r"(.)\1+", re.UNICODE)

# a number with a unit glued on: "800k", "5tr", "3tr5"
_AMOUNT_RE = re.compile(r"(\d+)([a-z]+)(\d*)")

# A folded string that could be ONE Vietnamese syllable: onset, 1-3 vowels,
# coda. "han", "may", "it" could be ordinary words; "oto", "cntt" cannot.
_SYLLABLE_RE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?"
)

# a run-together word is split into at most this many syllables
MAX_SPLIT = 3
# the longest folded syllable ("nghieng") has 7 letters
MAX_SYLLABLE_LETTERS = 7


def is_syllable(folded: str) -> bool:
    return bool(_SYLLABLE_RE.fullmatch(folded))


def collapse_repeats(word: str) -> str:
    """Collapse letters repeated for emphasis: "chaooo" -> "chao", "nhaaa" -> "nha".

    A doubled letter is kept in the few real syllables that have one
    ("xoong", "boong", "soóc"): "oo" followed by "ng" or "c". Digits are
    never collapsed ("2000").
    """

    def repl(match: "re.Match[str]") -> str:
        run = match.group(0)
        ch = match.group(1)
        if ch.isdigit():
            return run
        if len(run) == 2 and fold(ch) == "o":
            rest = word[match.end() :]
            if rest.startswith("ng") or rest == "c":
                return run
        return ch

    return _RUN_RE.sub(repl, word)


class Lexicon:
    """Teencode lexicon: folded word -> expansion, plus context-dependent readings.

    `syllables`: folded syllables known from the training data, used to split
    run-together words (empty: no splitting). `number_units`: unit glued to a
    number ("k" in "800k") -> words.
    """

    def __init__(
        self,
        words: Dict[str, str],
        contextual: Dict[str, Dict[str, Any]],
        syllables: Iterable[str] = (),
        number_units: Optional[Dict[str, str]] = None,
    ):
        self.words = words
        self.contextual = contextual
        self.syllables = set(syllables)
        self.number_units = number_units or {}

    @classmethod
    def empty(cls) -> "Lexicon":
        return cls({}, {})

    @classmethod
    def from_stored(cls, data: Dict[str, Any]) -> "Lexicon":
        return cls(data["words"], data["contextual"], data.get("syllables", ()), data.get("number_units"))

    def with_syllables_of(self, texts: Iterable[str], min_count: int) -> "Lexicon":
        """A copy that knows the syllables seen at least `min_count` times in `texts`."""
        from collections import Counter

        counts: Counter = Counter()
        for text in texts:
            for piece in normalize_pieces(text, self):
                if not piece["expanded"]:
                    counts.update(s for s in piece["folded"] if is_syllable(s))
        known = {s for s, n in counts.items() if n >= min_count}
        return Lexicon(self.words, self.contextual, known, self.number_units)

    def read_amount(self, folded_word: str) -> Optional[List[str]]:
        """ "800k" -> ["800", "nghìn"], "3tr5" -> ["3", "triệu", "5"]; None if no unit."""
        match = _AMOUNT_RE.fullmatch(folded_word)
        if not match or match.group(2) not in self.number_units:
            return None
        out = [match.group(1), *self.number_units[match.group(2)].split()]
        return out + [match.group(3)] if match.group(3) else out

    def split(self, folded_word: str) -> Optional[List[int]]:
        """Cut points splitting an unknown run-together word into known syllables.

        None if the word is a known syllable or could be one ("khuya"), or
        does not split into 2..MAX_SPLIT known syllables; the fewest parts win.
        """
        n = len(folded_word)
        if not self.syllables or folded_word in self.syllables or is_syllable(folded_word):
            return None
        if not folded_word.isalpha() or n < 4:
            return None
        # best[i]: fewest known syllables covering folded_word[:i]
        best: List[Optional[List[int]]] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - MAX_SYLLABLE_LETTERS), end):
                if best[start] is None or folded_word[start:end] not in self.syllables:
                    continue
                candidate = best[start] + [end]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
        cuts = best[n]
        if cuts is None or not 2 <= len(cuts) <= MAX_SPLIT:
            return None
        return cuts

    @classmethod
    def from_yaml_file(cls, path: Path) -> "Lexicon":
        import yaml

        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Lexicon":
        words: Dict[str, str] = {}
        for key, value in (data.get("words") or {}).items():
            folded_key = collapse_repeats(fold(str(key), keep_punctuation=True))
            expansion = nfc(str(value)).lower().strip()
            if folded_key in words and words[folded_key] != expansion:
                raise ValueError(
                    f"teencode key {key!r} folds to {folded_key!r}, already mapped to "
                    f"{words[folded_key]!r}, not {expansion!r}"
                )
            words[folded_key] = expansion
        contextual: Dict[str, Dict[str, Any]] = {}
        for key, spec in (data.get("contextual") or {}).items():
            if not spec:
                continue
            folded_key = collapse_repeats(fold(str(key), keep_punctuation=True))
            next_map = {}
            for reading, nexts in (spec.get("next") or {}).items():
                for nxt in nexts or []:
                    next_map[fold(str(nxt))] = nfc(str(reading)).lower()
            default = spec.get("default")
            contextual[folded_key] = {
                "default": nfc(str(default)).lower() if default else None,
                "next": next_map,
            }
        number_units = {
            fold(str(k)): nfc(str(v)).lower() for k, v in (data.get("number_units") or {}).items()
        }
        return cls(words, contextual, number_units=number_units)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "words": self.words,
            "contextual": self.contextual,
            "syllables": sorted(self.syllables),
            "number_units": self.number_units,
        }

    def expand(self, folded_word: str, next_folded: Optional[str]) -> Optional[str]:
        """Expansion of one folded word given the next folded word, or None."""
        ctx = self.contextual.get(folded_word)
        if ctx is not None:
            if next_folded is not None and next_folded in ctx["next"]:
                return ctx["next"][next_folded]
            return ctx["default"]
        return self.words.get(folded_word)


def split_words(text: str) -> List[Dict[str, Any]]:
    """Word spans of the ORIGINAL text, with their NFC, lower-case, de-repeated form."""
    out = []
    for match in WORD_RE.finditer(text):
        word = collapse_repeats(nfc(match.group(0)).lower())
        out.append({"start": match.start(), "end": match.end(), "text": word})
    return out


def normalize_pieces(text: str, lexicon: Optional[Lexicon] = None) -> List[Dict[str, Any]]:
    """Pieces (see module docstring) of `text`; offsets index into `text` itself."""
    lexicon = lexicon or Lexicon.empty()
    words = split_words(text)
    folded = [fold(w["text"], keep_punctuation=True) for w in words]
    pieces = []
    for i, word in enumerate(words):
        next_folded = folded[i + 1] if i + 1 < len(folded) else None
        expansion = lexicon.expand(folded[i], next_folded)
        if not expansion:
            amount = lexicon.read_amount(folded[i])
            expansion = " ".join(amount) if amount else None
        cuts = None
        if not expansion and len(word["text"]) == len(folded[i]):
            cuts = lexicon.split(folded[i])
        if expansion:
            norm = expansion.split()
        elif cuts:
            # letters of a run-together word map 1:1 to its folded form
            starts = [0] + cuts[:-1]
            norm = [word["text"][a:b] for a, b in zip(starts, cuts)]
        else:
            norm = [word["text"]]
        pieces.append(
            {
                "start": word["start"],
                "end": word["end"],
                "text": word["text"],
                "norm": norm,
                "folded": [fold(s, keep_punctuation=True) for s in norm],
                "expanded": bool(expansion or cuts),
            }
        )
    return pieces


def normalized_text(pieces: Iterable[Dict[str, Any]], folded: bool = False) -> str:
    """The message as normalized words joined by spaces (for logs, tests, features)."""
    key = "folded" if folded else "norm"
    return " ".join(s for p in pieces for s in p[key])
