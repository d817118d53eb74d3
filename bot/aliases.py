"""The one rule for what counts as a misspelt name, shared by the NLU gazetteer
(`bot/nlu/gazetteer.py`) and the catalogue lookups behind the slot validators
(`bot/catalog/names.py`), so a value the NLU refuses is not accepted by a
validator with a looser distance.

Keys are folded (`bot.text.fold`: lower case, no diacritics), words separated
by one space: "vinh tuong". Typed text matches a key when
- it has the same letters once spaces are removed ("vinhtuong", "vinh tuong");
- or it is within one typo (`within_one_typo`): one insertion, deletion,
  substitution or swap of neighbours (rapidfuzz's optimal string alignment),
  with the first letter right ("de toan" is not "ke toan"), on a key of at
  least `TYPO_MIN_LETTERS` letters. Words of the key the user ran together
  are one typed word ("vinhung" for "vinh hung", "dien congnghep"), but a typo
  stays inside a word: each typed word is compared with its own words of the
  key, so "hoat hinh" is not "hoi thinh" ("hoat" is two edits from "hoi").

The callers add their own, stricter conditions (the gazetteer refuses a typo
made only of words it knows from the training data); none of them loosens
this rule.
"""

from __future__ import annotations

from itertools import combinations
from typing import Dict, Generic, Hashable, Iterable, List, Set, Tuple, TypeVar

from rapidfuzz.distance import OSA

# Letters (spaces removed) a key needs before a typo in it is forgiven:
# "so cap" (5) must be typed exactly, "ke toan" (6) may carry one typo.
TYPO_MIN_LETTERS = 6
MAX_TYPOS = 1

Owner = TypeVar("Owner", bound=Hashable)


def letters(key: str) -> str:
    """A key with its spaces removed: what "same letters" compares."""
    return key.replace(" ", "")


def typo_allowed(key: str) -> bool:
    """Whether a key is long enough for a typo in it to be forgiven."""
    return len(letters(key)) >= TYPO_MIN_LETTERS


def typo_distance(typed: str, key: str, limit: int = MAX_TYPOS) -> int:
    """Edits from `typed` to `key`, each typed word against consecutive words of the
    key (run together: "vinhung" ~ "vinh hung"); more than `limit` gives `limit` + 1."""
    words, syllables = typed.split(" "), key.split(" ")
    best = limit + 1
    for cuts in combinations(range(1, len(syllables)), len(words) - 1):
        bounds = (0, *cuts, len(syllables))
        total = 0
        for word, start, end in zip(words, bounds, bounds[1:]):
            total += OSA.distance(word, "".join(syllables[start:end]), score_cutoff=limit - total)
            if total > limit:
                break
        best = min(best, total)
    return best


def within_one_typo(typed: str, key: str) -> bool:
    """Whether folded `typed` is within one typo of `key` under the shared rule (see the module)."""
    return typo_allowed(key) and typed[:1] == key[:1] and typo_distance(typed, key) <= MAX_TYPOS


class AliasMatcher(Generic[Owner]):
    """Folded keys and what each one names, looked up by same letters or one typo.

    `keys`: (key, owner, typo_ok) triples; `typo_ok` False keeps a key to exact
    letters (e.g. an alias starting with a generic word: "nghe han")."""

    def __init__(self, keys: Iterable[Tuple[str, Owner, bool]]):
        self._by_letters: Dict[str, Set[str]] = {}
        self._owner: Dict[str, Owner] = {}
        self._typo_keys: Dict[Tuple[str, int], List[str]] = {}  # (first letter, letters) -> keys
        for key, owner, typo_ok in keys:
            self._owner[key] = owner
            self._by_letters.setdefault(letters(key), set()).add(key)
            if typo_ok and typo_allowed(key):
                self._typo_keys.setdefault((key[:1], len(letters(key))), []).append(key)

    def __bool__(self) -> bool:
        return bool(self._owner)

    def owner(self, key: str) -> Owner:
        return self._owner[key]

    def same_letters(self, typed: str) -> Set[str]:
        """Keys with the letters of `typed`, spaces aside."""
        return set(self._by_letters.get(letters(typed), ()))

    def one_typo(self, typed: str) -> Set[str]:
        """Keys within one typo of `typed` (`within_one_typo`)."""
        size = len(letters(typed))
        return {
            key
            for length in range(size - MAX_TYPOS, size + MAX_TYPOS + 1)
            for key in self._typo_keys.get((typed[:1], length), ())
            if typo_distance(typed, key) <= MAX_TYPOS
        }
