"""Catalogue gazetteer entity extractor (Rasa graph component).

At TRAINING time it reads the aliases of the catalogue (`catalog_dir`,
records with `id`, `name`, `aliases` only) plus small lexicon files (e.g.
`user_role`), and stores the folded patterns in the model: serving needs no
database and no data files. At parse time a spaCy PhraseMatcher (on a blank
pipeline, nothing downloaded) runs over the normalizer's folded syllables, so
"vinh tuong", "Vĩnh Tường", NFD input and "h. vĩnh tường" all give
`{"entity": "area", "value": "vinh_tuong"}` with start/end in the original text.

Rules, in order:
- a match must cover whole typed words;
- syllables the user typed WITH diacritics must carry the same marks as the
  alias ("hạn" is not "hàn"); syllables typed plain match any marks;
- acronym aliases ("VT") match upper case, or lower case unless listed as
  ambiguous; an alias shared by two records is dropped (ambiguous);
- an alias listed in `blocked_before` does not match before the listed words
  ("dien tu van" is "điện tư vấn");
- a one-syllable alias that could be an ordinary Vietnamese syllable ("han",
  "may"; not "oto", "cntt") needs a context word before it when typed plain;
  those listed as `marks_and_context` ("tiện") need their marks and a
  context word;
- acronyms listed as `context_acronyms` ("it") also match in lower case after
  a context word ("học it"), not before an acronym blocker ("học it thôi");
- ambiguous area acronyms ("vp") also match in lower case right after a
  `place_words` word ("ở vp", "tại vp");
- after the exact matches, the still uncovered typed words are compared with
  the catalogue aliases under the rule the catalogue lookups share
  (`bot/aliases.py`): the same letters once spaces are removed ("vinhyen",
  "ôtô", "dien congnghiep") match; long enough aliases also match with one
  typo inside a typed word ("dien cong nghep", "vinhung"; not "hoat hinh" for
  "hoi thinh") if the first letter is right, and here only if one of the typed
  words is unknown (not in the training vocabulary): "dan toi" (dẫn tôi) is
  not "dân tộc";
- longest match wins, then leftmost; exact before space-free before one typo.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Text, Tuple, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.aliases import AliasMatcher, letters
from bot.nlu.pieces import VI_PIECES, Lexicon, is_syllable, normalize_pieces
from bot.nlu.storage import files_fingerprint, load_json, save_json
from bot.text import fold, nfc
from bot.vocabulary import CATALOG_ENTITY_TABLES

logger = logging.getLogger(__name__)

_TONE_AND_SHAPE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"}


def mark_key(syllable: str) -> Tuple[str, ...]:
    """Diacritics of a syllable, independent of where the tone mark sits.

    "hoà" and "hòa" give the same key; "hàn" and "hạn" do not.
    """
    decomposed = unicodedata.normalize("NFD", nfc(syllable).lower())
    marks = sorted(ch for ch in decomposed if ch in _TONE_AND_SHAPE_MARKS)
    if "đ" in syllable.lower():
        marks.append("đ")
    return tuple(marks)


def has_marks(syllable: str) -> bool:
    return bool(mark_key(syllable))


def load_catalog_records(catalog_dir: Path, sources: Dict[str, str]) -> List[Dict[str, Any]]:
    """(entity, id, [surface forms]) from catalogue YAML; reads only id/name/aliases."""
    import yaml

    records = []
    for key, entity in sources.items():
        path = Path(catalog_dir) / f"{key}.yml"
        if not path.exists():
            logger.warning("gazetteer: catalogue file %s missing; no %s entities", path, entity)
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for record in data.get(key) or []:
            if not isinstance(record, dict) or not record.get("id"):
                continue
            forms = [record.get("name")] + list(record.get("aliases") or [])
            records.append(
                {
                    "entity": entity,
                    "value": str(record["id"]),
                    "forms": [str(f) for f in forms if f],
                    "fuzzy": True,
                }
            )
    return records


def load_lexicon_records(path: Path) -> List[Dict[str, Any]]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entity = data["entity"]
    return [
        {
            "entity": entity,
            "value": str(v["id"]),
            "forms": [str(a) for a in v.get("aliases") or []],
            "fuzzy": False,
        }
        for v in data.get("values") or []
    ]


def _is_acronym(form: str) -> bool:
    stripped = form.strip()
    return (
        " " not in stripped
        and 2 <= len(stripped) <= 4
        and stripped.isalpha()
        and stripped == stripped.upper()
    )


def _initials(syllables: List[str]) -> str:
    return "".join(fold(s)[0] for s in syllables)


def abbreviations(syllables: List[str], pairs: bool = False) -> List[str]:
    """Shortened forms of a multi-syllable name, the way students type them.

    - initials of the whole name (3-5 syllables): "thiết kế đồ họa" -> "tkdh";
    - the first syllable(s) kept, the rest as initials: "điện dd", "cô giáo mn";
    - with `pairs` (school names), any two-syllable words as initials:
      "cao đẳng công nghiệp phúc yên" -> "cđ cn phúc yên", "cao đẳng cn py".
    Only names made of letters; the forms still go through the normalizer.
    """
    folded = [fold(s) for s in syllables]
    n = len(syllables)
    if n < 3 or not all(f.isalpha() for f in folded):
        return []
    forms = set()
    if n <= 5:
        forms.add(_initials(syllables))
    for k in range(1, n - 1):
        if n - k <= 4:
            forms.add(" ".join(syllables[:k] + [_initials(syllables[k:])]))
    if pairs and n <= 8:

        def walk(i: int, out: List[str], replaced: bool) -> None:
            if i >= n:
                if replaced:
                    forms.add(" ".join(out))
                return
            walk(i + 1, out + [syllables[i]], replaced)
            if i + 1 < n:
                walk(i + 2, out + [_initials(syllables[i : i + 2])], True)

        walk(0, [], False)
    return sorted(forms)


def _add_abbreviations(
    table: Dict[str, Dict[str, Any]],
    owners: Dict[str, Set[Tuple[str, str]]],
    records: List[Dict[str, Any]],
    lexicon: Lexicon,
    entities: Set[str],
) -> None:
    """Adds abbreviations nobody listed ("tkdh", "điện dd", "cđ cn phúc yên").

    They never replace a listed alias (`owners`: every listed key, including
    those dropped as shared), and one that fits two records is dropped.
    """
    generated: Dict[str, Set[Tuple[str, str]]] = {}
    for record in records:
        if record["entity"] not in entities:
            continue
        for form in record["forms"]:
            if _is_acronym(form):
                continue
            syllables = [s for p in normalize_pieces(form, lexicon) for s in p["norm"]]
            for short in abbreviations(syllables, pairs=record["entity"] == "school"):
                pieces = normalize_pieces(short, lexicon)
                short_syllables = [s for p in pieces for s in p["norm"]]
                key = " ".join(fold(s, keep_punctuation=True) for s in short_syllables)
                if key in owners:
                    continue
                if any(p["expanded"] for p in pieces):  # "kt" is read as shorthand
                    continue
                if len(pieces) == 1 and (len(key) < 3 or is_syllable(key)):
                    continue  # "ddd" is read as "d"; "dan" is a word
                generated.setdefault(key, set()).add((record["entity"], record["value"]))
                table.setdefault(
                    key,
                    {
                        "entity": record["entity"],
                        "value": record["value"],
                        "variants": [short_syllables],
                        "acronym": len(pieces) == 1,
                        "syllables": key.split(" "),
                        "fuzzy": False,
                    },
                )
    for key, generated_owners in generated.items():
        if len(generated_owners) > 1:
            logger.info("gazetteer: abbreviation %r fits %s; dropped", key, sorted(generated_owners))
            del table[key]


def build_patterns(
    records: List[Dict[str, Any]],
    lexicon: Lexicon,
    rules: Dict[str, Any],
    known_words: Optional[Iterable[str]] = None,
) -> Dict[str, Any]:
    """Folded pattern table: key "vinh tuong" -> entity, value, accented variants, flags.

    `known_words`: folded words of the training data; a typed word among them
    is never taken for a typo of an alias. Without it (None) typo matching is
    off: every word would look like a typo.
    """
    prefixes = [normalize_pieces(p, lexicon) for p in rules.get("area_prefixes") or []]
    table: Dict[str, Dict[str, Any]] = {}
    owners: Dict[str, Set[Tuple[str, str]]] = {}

    def add(entity: str, value: str, syllables: List[str], acronym: bool, fuzzy: bool) -> None:
        folded = [fold(s, keep_punctuation=True) for s in syllables]
        if not folded:
            return
        key = " ".join(folded)
        owners.setdefault(key, set()).add((entity, value))
        entry = table.setdefault(
            key,
            {
                "entity": entity,
                "value": value,
                "variants": [],
                "acronym": True,
                "syllables": folded,
                "fuzzy": fuzzy,
            },
        )
        entry["acronym"] = entry["acronym"] and acronym
        entry["fuzzy"] = entry["fuzzy"] and fuzzy
        variant = list(syllables)
        if variant not in entry["variants"]:
            entry["variants"].append(variant)

    generated = []  # area forms with an administrative prefix added
    for record in records:
        for form in record["forms"]:
            pieces = normalize_pieces(form, lexicon)
            syllables = [s for p in pieces for s in p["norm"]]
            acronym = _is_acronym(form)
            fuzzy = record.get("fuzzy", False)
            add(record["entity"], record["value"], syllables, acronym, fuzzy)
            if record["entity"] == "area" and not acronym:
                for prefix in prefixes:
                    prefix_syllables = [s for p in prefix for s in p["norm"]]
                    if syllables[: len(prefix_syllables)] != prefix_syllables:
                        generated.append(
                            (record["entity"], record["value"], prefix_syllables + syllables, fuzzy)
                        )
    # A form listed in the catalogue wins over one made by adding a prefix:
    # "xã Vĩnh Tường" is the commune of that name, not huyện Vĩnh Tường + "xã".
    listed = set(table)
    for entity, value, syllables, fuzzy in generated:
        if " ".join(fold(s, keep_punctuation=True) for s in syllables) not in listed:
            add(entity, value, syllables, False, fuzzy)

    ambiguous = sorted(k for k, o in owners.items() if len(o) > 1)
    for key in ambiguous:
        logger.info("gazetteer: alias %r is shared by %s; dropped", key, sorted(owners[key]))
        del table[key]

    _add_abbreviations(table, owners, records, lexicon, set(rules.get("abbreviate_entities") or []))
    return {
        "patterns": table,
        "ambiguous_acronyms": sorted({fold(a) for a in rules.get("ambiguous_acronyms") or []}),
        "single_syllable_context": sorted({fold(a) for a in rules.get("single_syllable_context") or []}),
        "generic_heads": sorted({fold(a) for a in rules.get("generic_heads") or []}),
        "single_syllable_blockers": sorted({fold(a) for a in rules.get("single_syllable_blockers") or []}),
        "marks_and_context": sorted({fold(a) for a in rules.get("marks_and_context") or []}),
        "marks_required": sorted({fold(a) for a in rules.get("marks_required") or []}),
        "context_acronyms": sorted({fold(a) for a in rules.get("context_acronyms") or []}),
        "place_words": sorted({fold(a) for a in rules.get("place_words") or []}),
        "context_acronym_blockers": sorted({fold(a) for a in rules.get("context_acronym_blockers") or []}),
        "typos": known_words is not None,
        "known_words": sorted(set(known_words or ())),
        "blocked_before": {
            fold(alias): sorted({fold(w) for w in words})
            for alias, words in (rules.get("blocked_before") or {}).items()
        },
        "dropped": ambiguous,
    }


class GazetteerMatcher:
    """Pure matcher over the stored pattern table (testable without Rasa)."""

    def __init__(self, table: Dict[str, Any], lexicon: Optional[Lexicon] = None):
        import spacy
        from spacy.matcher import PhraseMatcher

        self.table = table
        self.lexicon = lexicon or Lexicon.empty()
        self.patterns: Dict[str, Dict[str, Any]] = table["patterns"]
        self.ambiguous_acronyms = set(table["ambiguous_acronyms"])
        self.context_words = set(table["single_syllable_context"])
        self.blockers = set(table.get("single_syllable_blockers", []))
        self.generic_heads = set(table.get("generic_heads", []))
        self.followers_blocked = {k: set(v) for k, v in table.get("blocked_before", {}).items()}
        self.marks_and_context = set(table.get("marks_and_context", []))
        self.marks_required = set(table.get("marks_required", []))
        self.context_acronyms = set(table.get("context_acronyms", []))
        self.place_words = set(table.get("place_words", []))
        self.context_acronym_blockers = set(table.get("context_acronym_blockers", []))
        self._build_alias_matcher(table.get("typos", False))
        self.nlp = spacy.blank("xx")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        from spacy.tokens import Doc

        self._doc = Doc
        for key, entry in self.patterns.items():
            self.matcher.add(key, [Doc(self.nlp.vocab, words=entry["syllables"])])

    # typed words one fuzzy match may span (keeps typo search cheap)
    MAX_FUZZY_WORDS = 5

    def _build_alias_matcher(self, typos: bool) -> None:
        """The aliases typo matching may reach (`bot/aliases.py`), keyed by their pattern key."""
        self.known_words = set(self.table.get("known_words", []))
        keys = []
        self.max_syllables = 0
        for key, entry in self.patterns.items():
            if not entry.get("fuzzy") or entry["acronym"]:
                continue
            self.max_syllables = max(self.max_syllables, len(entry["syllables"]))
            # "nghe han": a typo in the short specific part makes another
            # phrase ("nghe hay"), so aliases with a generic head need exact letters
            generic = entry["syllables"][0] in self.generic_heads
            keys.append((key, key, typos and not generic))
        self.aliases: AliasMatcher[str] = AliasMatcher(keys)
        self.max_letters = max((len(letters(key)) for key, _, _ in keys), default=0)

    def _alias_keys(self, words: List[str], allow_typo: bool) -> Tuple[int, Set[str]]:
        """(typos, alias keys) for the best match of the typed folded `words`, or (-1, empty)."""
        exact = self.aliases.same_letters("".join(words))
        if exact:
            return 0, exact
        if not allow_typo:
            return -1, set()
        near = self.aliases.one_typo(" ".join(words))
        return (1, near) if near else (-1, set())

    def _loose_candidates(self, pieces, taken_pieces: Set[int]) -> List[Tuple[int, int, int, Dict[str, Any]]]:
        """(edits, first piece, end piece, entry) over typed words no exact match covers."""
        found = []
        for first in range(len(pieces)):
            words: List[str] = []
            unknown = False
            for last in range(first, min(len(pieces), first + self.max_syllables)):
                if unknown and last - first >= self.MAX_FUZZY_WORDS:
                    break
                piece = pieces[last]
                if last in taken_pieces or piece["expanded"]:
                    break
                word = "".join(piece["folded"])
                words.append(word)
                if sum(map(len, words)) > self.max_letters + 1:
                    break
                unknown = unknown or word not in self.known_words
                edits, keys = self._alias_keys(words, allow_typo=unknown)
                if edits < 0:
                    continue
                entries = [self.patterns[k] for k in keys]
                n_pieces = last - first + 1
                # same letters in as many words as the alias has syllables: the
                # exact matcher has already decided (and may have refused)
                min_syllables = n_pieces + 1 if edits == 0 else n_pieces
                entries = [e for e in entries if len(e["syllables"]) >= min_syllables]
                if not entries or len({(e["entity"], e["value"]) for e in entries}) > 1:
                    continue
                typed_text = [s for p in pieces[first : last + 1] for s in p["norm"]]
                if edits == 0 and any(has_marks(s) for s in typed_text):
                    # typed marks must agree with the alias ("ôtô" is "ô tô")
                    typed_key = mark_key("".join(typed_text))
                    if not any(mark_key("".join(v)) == typed_key for e in entries for v in e["variants"]):
                        continue
                found.append((edits, first, last + 1, entries[0]))
        return found

    def find(self, text: str, pieces: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
        if pieces is None:
            pieces = normalize_pieces(text, self.lexicon)
        syllables: List[Tuple[int, int, str, str]] = []  # piece, index in piece, norm, folded
        for p_idx, piece in enumerate(pieces):
            for s_idx, (norm, folded) in enumerate(zip(piece["norm"], piece["folded"])):
                syllables.append((p_idx, s_idx, norm, folded))
        if not syllables:
            return []
        doc = self._doc(self.nlp.vocab, words=[s[3] for s in syllables])
        candidates = []
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            entry = self.patterns[key]
            if self._accept(entry, syllables, start, end, pieces, text):
                candidates.append((start, end, entry))
        # longest first; among equals, not starting with a generic head word
        # ("thợ", "nghề"), then leftmost; keep non-overlapping
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2]["syllables"][0] in self.generic_heads, c[0]))
        taken: Set[int] = set()
        chosen = []
        for start, end, entry in candidates:
            span = set(range(start, end))
            if span & taken:
                continue
            taken |= span
            chosen.append((start, end, entry))
        spans = [(syllables[start][0], syllables[end - 1][0] + 1, entry) for start, end, entry in chosen]
        if self.aliases:
            taken_pieces = {p for first, end, _ in spans for p in range(first, end)}
            extra = self._loose_candidates(pieces, taken_pieces)
            # same letters before one typo, then longest, then leftmost
            extra.sort(key=lambda c: (c[0], -(c[2] - c[1]), c[1]))
            for _, first, end, entry in extra:
                span = set(range(first, end))
                if span & taken_pieces:
                    continue
                taken_pieces |= span
                spans.append((first, end, entry))
        spans.sort(key=lambda c: c[0])
        entities = []
        seen: Set[Tuple[str, str]] = set()
        for first_idx, end_idx, entry in spans:
            # one entity per value: "học CNTT ... ra làm lập trình" is one occupation
            if (entry["entity"], entry["value"]) in seen:
                continue
            seen.add((entry["entity"], entry["value"]))
            first = pieces[first_idx]
            last = pieces[end_idx - 1]
            entities.append(
                {
                    "entity": entry["entity"],
                    "value": entry["value"],
                    "start": first["start"],
                    "end": last["end"],
                    "text": text[first["start"] : last["end"]],
                    "confidence_entity": 1.0,
                }
            )
        return entities

    def _accept(self, entry, syllables, start, end, pieces, text) -> bool:
        first_piece, first_idx = syllables[start][0], syllables[start][1]
        last_piece, last_idx = syllables[end - 1][0], syllables[end - 1][1]
        # whole typed words only (an expansion like "ntn" is all or nothing)
        if first_idx != 0 or last_idx != len(pieces[last_piece]["norm"]) - 1:
            return False
        typed = text[pieces[first_piece]["start"] : pieces[last_piece]["end"]]
        blocked = self.followers_blocked.get(" ".join(entry["syllables"]))
        if blocked and end < len(syllables) and syllables[end][3] in blocked:
            return False
        if entry["acronym"]:
            folded_typed = fold(typed)
            if not (typed.isupper() or folded_typed not in self.ambiguous_acronyms):
                # "it" in lower case: only as "học it", "ngành it"; an area
                # acronym ("vp") only right after a place word ("ở vp")
                in_context = folded_typed in self.context_acronyms and self._in_context(
                    syllables, start, end, self.context_acronym_blockers
                )
                at_place = (
                    entry["entity"] == "area" and start > 0 and syllables[start - 1][3] in self.place_words
                )
                if not (in_context or at_place):
                    return False
        # diacritics typed must agree with one accented variant of the alias
        user = [(syllables[i][2], pieces[syllables[i][0]]["expanded"]) for i in range(start, end)]
        user_has_marks = any(has_marks(s) and not expanded for s, expanded in user)
        if not user_has_marks and " ".join(entry["syllables"]) in self.marks_required:
            return False  # plain "hoc duoc" is "học được" far more often than "học dược"
        if user_has_marks:
            # a plain variant ("may") does not license a marked word ("máy")
            ok = False
            for variant in entry["variants"]:
                if len(variant) != len(user):
                    continue
                if all(
                    expanded or not has_marks(s) or mark_key(s) == mark_key(v)
                    for (s, expanded), v in zip(user, variant)
                ):
                    ok = True
                    break
            if not ok:
                return False
        # a lone syllable that could be another word ("han": hàn or hạn) needs
        # a context word before it when typed plain; "tiện" needs its marks
        # AND a context word (plain "tien" is mostly "tiền")
        if end - start == 1 and not entry["acronym"] and not user[0][1]:
            key = entry["syllables"][0]
            if key in self.marks_and_context and not user_has_marks:
                return False
            ambiguous = (not user_has_marks and is_syllable(key)) or key in self.marks_and_context
            if ambiguous and not self._in_context(syllables, start, end, self.blockers):
                return False
        return True

    def _in_context(self, syllables, start, end, blockers) -> bool:
        previous = syllables[start - 1][3] if start > 0 else None
        following = syllables[end][3] if end < len(syllables) else None
        return previous in self.context_words and following not in blockers


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Catalogue and lexicon entities with canonical ids as values."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Matches on the normalizer's pieces."""
        from bot.nlu.normalizer import VietnameseNormalizer

        return [VietnameseNormalizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Catalogue directory read at training time (relative to the cwd).
            "catalog_dir": "data/catalog",
            # catalogue file stem (= its top-level key) -> entity name (bot/vocabulary.py)
            "sources": {table: entity for entity, table in CATALOG_ENTITY_TABLES.items()},
            # extra entity lexicons (format: data/lexicon/user_role.yml)
            "lexicon_files": ["data/lexicon/user_role.yml"],
            # matching rules (prefixes, ambiguous acronyms, context words)
            "rules_file": "data/lexicon/gazetteer.yml",
            # teencode lexicon, so aliases are normalized like user text
            "teencode_file": "data/lexicon/teencode.yml",
            # Drop entities of these types that other extractors (e.g. DIET)
            # produced, so one source of truth remains for them.
            "override_entities": True,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        table: Optional[Dict[str, Any]] = None,
        lexicon: Optional[Lexicon] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.table = table
        self.lexicon = lexicon or Lexicon.empty()
        self.matcher = GazetteerMatcher(table, self.lexicon) if table else None

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The catalogue and lexicon files read by `train` (see storage.files_fingerprint)."""
        config = {**cls.get_default_config(), **config}  # see VietnameseNormalizer
        catalog = Path(config["catalog_dir"])
        paths = [catalog / f"{key}.yml" for key in config["sources"]]
        paths += [Path(p) for p in config.get("lexicon_files") or []]
        paths += [Path(config["rules_file"]), Path(config["teencode_file"])]
        return files_fingerprint(paths)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "GazetteerEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        import yaml

        teencode = Path(self._config["teencode_file"])
        lexicon = Lexicon.from_yaml_file(teencode) if teencode.exists() else Lexicon.empty()
        records = load_catalog_records(Path(self._config["catalog_dir"]), self._config["sources"])
        for lexicon_file in self._config.get("lexicon_files") or []:
            records.extend(load_lexicon_records(Path(lexicon_file)))
        rules_path = Path(self._config["rules_file"])
        rules = yaml.safe_load(rules_path.read_text(encoding="utf-8")) if rules_path.exists() else {}
        known_words = {
            "".join(piece["folded"])
            for example in training_data.training_examples
            if isinstance(example.get(TEXT), str)
            for piece in normalize_pieces(example.get(TEXT), lexicon)
        }
        table = build_patterns(records, lexicon, rules or {}, known_words)
        logger.info("gazetteer: %d patterns from %d records", len(table["patterns"]), len(records))
        save_json(
            self._model_storage,
            self._resource,
            "gazetteer.json",
            {"table": table, "lexicon": lexicon.as_dict()},
        )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "GazetteerEntityExtractor":
        data = load_json(model_storage, resource, "gazetteer.json")
        if data is None:
            logger.warning("GazetteerEntityExtractor: no stored patterns; no entities")
            return cls(config, model_storage, resource)
        lexicon = Lexicon.from_stored(data["lexicon"])
        return cls(config, model_storage, resource, data["table"], lexicon)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.matcher is None:
            return messages
        own_types = set(self._config["sources"].values()) | {
            p["entity"] for p in self.table["patterns"].values()
        }
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            found = self.matcher.find(text, message.get(VI_PIECES))
            found = self.add_extractor_name(found)
            existing = message.get(ENTITIES, [])
            if self._config.get("override_entities", True):
                existing = [e for e in existing if e.get("entity") not in own_types]
            message.set(ENTITIES, existing + found, add_to_output=True)
        return messages
