"""The one rule for what counts as a misspelt name, shared by the NLU gazetteer
(`bot/nlu/gazetteer.py`) and the catalogue lookups behind the slot validators
(`bot/catalog/names.py`), so a value the NLU refuses is not accepted by a
validator with a looser distance.

Keys are folded (`bot.text.fold`: lower case, no diacritics), words separated
by one space: "vinh tuong". Typed text matches a key when
- it has the same letters once spaces are removed ("vinhtuong", "vinh tuong");
- or it is within one typo (`within_one_typo`): one insertion, deletion, substitution
  or swap of neighbours, counted with the spaces (so a typo stays inside a
  word: "hoat hinh" is two edits from "hoi thinh", not one), on a key of at
  least `TYPO_MIN_LETTERS` letters, with the first letter right ("de toan" is
  not "ke toan"). Distances are rapidfuzz's optimal string alignment.

The callers add their own, stricter conditions (the gazetteer refuses a typo
made only of words it knows from the training data); none of them loosens
this rule.
"""

from __future__ import annotations

from typing import Dict, Generic, Hashable, Iterable, List, Set, Tuple, TypeVar

from rapidfuzz import process
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


def within_one_typo(typed: str, key: str) -> bool:
    """Whether folded `typed` is within one typo of `key` under the shared rule (see the module)."""
    return (
        typo_allowed(key)
        and typed[:1] == key[:1]
        and OSA.distance(typed, key, score_cutoff=MAX_TYPOS) <= MAX_TYPOS
    )


class AliasMatcher(Generic[Owner]):
    """Folded keys and what each one names, looked up by same letters or one typo.

    `keys`: (key, owner, typo_ok) triples; `typo_ok` False keeps a key to exact
    letters (e.g. an alias starting with a generic word: "nghe han")."""

    def __init__(self, keys: Iterable[Tuple[str, Owner, bool]]):
        self._by_letters: Dict[str, Set[str]] = {}
        self._owner: Dict[str, Owner] = {}
        self._typo_keys: Dict[Tuple[str, int], List[str]] = {}  # (first letter, length) -> keys
        for key, owner, typo_ok in keys:
            self._owner[key] = owner
            self._by_letters.setdefault(letters(key), set()).add(key)
            if typo_ok and typo_allowed(key):
                self._typo_keys.setdefault((key[:1], len(key)), []).append(key)

    def __bool__(self) -> bool:
        return bool(self._owner)

    def owner(self, key: str) -> Owner:
        return self._owner[key]

    def same_letters(self, typed: str) -> Set[str]:
        """Keys with the letters of `typed`, spaces aside."""
        return set(self._by_letters.get(letters(typed), ()))

    def one_typo(self, typed: str) -> Set[str]:
        """Keys exactly one typo away from `typed` (`within_one_typo`)."""
        candidates = [
            key
            for length in range(len(typed) - MAX_TYPOS, len(typed) + MAX_TYPOS + 1)
            for key in self._typo_keys.get((typed[:1], length), ())
        ]
        if not candidates:
            return set()
        found = process.extract(typed, candidates, scorer=OSA.distance, score_cutoff=MAX_TYPOS, limit=None)
        return {key for key, distance, _ in found if distance == MAX_TYPOS}
