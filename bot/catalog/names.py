"""Catalogue entities by id or by name: ids, names, aliases, diacritics, typos.

`lookup_*(session, text)` accept what people type ("h. vĩnh tường", "VT",
"vinh_tuong", "vinh tuongg"); `resolve_id(session, Model, value)` gives the id
for an id or a name (the other catalogue modules accept both through it).
An ambiguous name resolves to nothing: the lookup never guesses between two
entities. A typo is forgiven under the rule the NLU gazetteer uses
(`bot/aliases.py`), so the slot validators never accept what the NLU refuses
for its spelling.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.aliases import AliasMatcher
from bot.catalog.models import Area, BeneficiaryGroup, Institution, Level, Occupation, Policy
from bot.text import fold

# ---------------------------------------------------------------- get by id


def get_area(session: Session, area_id: str) -> Optional[Area]:
    return session.get(Area, area_id)


def get_institution(session: Session, institution_id: str) -> Optional[Institution]:
    return session.get(Institution, institution_id)


def get_occupation(session: Session, occupation_id: str) -> Optional[Occupation]:
    return session.get(Occupation, occupation_id)


def get_level(session: Session, level_id: str) -> Optional[Level]:
    return session.get(Level, level_id)


def get_group(session: Session, group_id: str) -> Optional[BeneficiaryGroup]:
    return session.get(BeneficiaryGroup, group_id)


def get_policy(session: Session, policy_id: str) -> Optional[Policy]:
    return session.get(Policy, policy_id)


# ------------------------------------------------------------ alias lookup

# Words people put before a name; stripped from the query and from aliases.
_PREFIXES: Dict[type, Tuple[str, ...]] = {
    Area: (
        "thanh pho",
        "thi xa",
        "thi tran",
        "huyen",
        "phuong",
        "tinh",
        "xa",
        "tp",
        "tx",
        "tt",
        "h",
        "p",
        "o",
        "tai",
    ),
    Institution: ("truong", "tr"),
    Occupation: ("nghe", "nganh", "hoc"),
    Level: ("trinh do", "he", "hoc", "bac"),
    BeneficiaryGroup: ("nguoi thuoc", "thuoc", "gia dinh", "nha", "la", "con"),
}
_SUFFIXES = ("cu",)  # "(cũ)" = former


@dataclass(frozen=True)
class _AliasIndex:
    exact: Dict[str, Optional[str]]  # folded key, with and without spaces -> id (None when ambiguous)
    typos: AliasMatcher[str]  # the unambiguous keys as written (with spaces) -> id


_index_cache: Dict[Tuple[str, type], Tuple[Any, _AliasIndex]] = {}
_index_lock = threading.Lock()


def _strip_affixes(key: str, prefixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
                key = key[len(prefix) + 1 :]
                changed = True
        for suffix in _SUFFIXES:
            if key.endswith(" " + suffix):
                key = key[: -len(suffix) - 1]
                changed = True
    return key


def _folded(text: str) -> str:
    return " ".join(fold(text.replace("_", " ").replace(".", " ")).split())


def _full_keys(text: str) -> List[str]:
    folded = _folded(text)
    return [k for k in (folded, folded.replace(" ", "")) if k]  # "vinhtuong" typed without spaces


def _stripped_keys(text: str, prefixes: Sequence[str]) -> List[str]:
    stripped = _strip_affixes(_folded(text), prefixes)
    return [k for k in (stripped, stripped.replace(" ", "")) if k]


def _add_key(table: Dict[str, Optional[str]], key: str, entity_id: str) -> None:
    if key in table and table[key] != entity_id:
        table[key] = None  # ambiguous: never guess between two entities
    else:
        table[key] = entity_id


def _build_index(model: type, rows: Sequence[Tuple[str, str, List[str]]]) -> _AliasIndex:
    """Names and aliases as written win over forms with the prefix removed: "xã Vĩnh
    Tường" is the commune, bare "Vĩnh Tường" the former district that lists it."""
    prefixes = _PREFIXES[model]
    exact: Dict[str, Optional[str]] = {}
    stripped: Dict[str, Optional[str]] = {}
    spaced = set()  # the keys as written, word by word: a typo is measured against these
    for entity_id, name, aliases in rows:
        for text in [entity_id, name, *(aliases or [])]:
            full, bare = _full_keys(text), _stripped_keys(text, prefixes)
            spaced.update(keys[0] for keys in (full, bare) if keys)
            for key in full:
                _add_key(exact, key, entity_id)
            for key in bare:
                _add_key(stripped, key, entity_id)
    merged = dict(stripped)
    merged.update(exact)
    typos = AliasMatcher(
        (key, value, True) for key, value in sorted(merged.items()) if value is not None and key in spaced
    )
    return _AliasIndex(exact=merged, typos=typos)


def _alias_index(session: Session, model: type) -> _AliasIndex:
    rows = tuple(
        (r[0], r[1], tuple(r[2] or ()))
        for r in session.execute(select(model.id, model.name, model.aliases).order_by(model.id))
    )
    cache_key = (str(session.get_bind().url), model)
    with _index_lock:
        cached = _index_cache.get(cache_key)
        if cached is not None and cached[0] == rows:
            return cached[1]
    index = _build_index(model, rows)
    with _index_lock:
        _index_cache[cache_key] = (rows, index)
    return index


def _resolve(session: Session, model: type, text: Optional[str]) -> Optional[str]:
    if not text or not isinstance(text, str):
        return None
    index = _alias_index(session, model)
    for candidates in (_full_keys(text), _stripped_keys(text, _PREFIXES[model])):
        for key in sorted(candidates, key=len, reverse=True):
            if key in index.exact:
                return index.exact[key]  # None when ambiguous
    query = _strip_affixes(_folded(text), _PREFIXES[model])
    ids = {index.typos.owner(key) for key in index.typos.one_typo(query)}
    return ids.pop() if len(ids) == 1 else None  # one typo of two names: no guess


def _lookup(session: Session, model: type, text: str):
    found = _resolve(session, model, text)
    return session.get(model, found) if found else None


def lookup_area(session: Session, text: str) -> Optional[Area]:
    """'vinh tuong', 'Vĩnh Tường', 'h. vĩnh tường', 'VT', 'vinh_tuong' -> Area vinh_tuong."""
    return _lookup(session, Area, text)


def lookup_institution(session: Session, text: str) -> Optional[Institution]:
    return _lookup(session, Institution, text)


def lookup_occupation(session: Session, text: str) -> Optional[Occupation]:
    return _lookup(session, Occupation, text)


def lookup_level(session: Session, text: str) -> Optional[Level]:
    return _lookup(session, Level, text)


def lookup_group(session: Session, text: str) -> Optional[BeneficiaryGroup]:
    return _lookup(session, BeneficiaryGroup, text)


def resolve_id(session: Session, model: type, value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    return _resolve(session, model, value)  # ids are keys of the alias index too


def bare_area_name(text: str) -> str:
    return _strip_affixes(" ".join(fold(text.replace(".", " ")).split()), _PREFIXES[Area])
