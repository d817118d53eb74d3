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
- a one-syllable alias typed plain needs a context word before it;
- longest match wins, then leftmost.
"""
from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalizer import VI_PIECES, Lexicon, normalize_pieces
from bot.nlu.storage import load_json, save_json
from bot.text import fold, nfc

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
                }
            )
    return records


def load_lexicon_records(path: Path) -> List[Dict[str, Any]]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entity = data["entity"]
    return [
        {"entity": entity, "value": str(v["id"]), "forms": [str(a) for a in v.get("aliases") or []]}
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


def build_patterns(
    records: List[Dict[str, Any]],
    lexicon: Lexicon,
    rules: Dict[str, Any],
) -> Dict[str, Any]:
    """Folded pattern table: key "vinh tuong" -> entity, value, accented variants, flags."""
    prefixes = [normalize_pieces(p, lexicon) for p in rules.get("area_prefixes") or []]
    table: Dict[str, Dict[str, Any]] = {}
    owners: Dict[str, Set[Tuple[str, str]]] = {}

    def add(entity: str, value: str, syllables: List[str], acronym: bool) -> None:
        folded = [fold(s, keep_punctuation=True) for s in syllables]
        if not folded:
            return
        key = " ".join(folded)
        owners.setdefault(key, set()).add((entity, value))
        entry = table.setdefault(
            key,
            {"entity": entity, "value": value, "variants": [], "acronym": True, "syllables": folded},
        )
        entry["acronym"] = entry["acronym"] and acronym
        variant = list(syllables)
        if variant not in entry["variants"]:
            entry["variants"].append(variant)

    for record in records:
        for form in record["forms"]:
            pieces = normalize_pieces(form, lexicon)
            syllables = [s for p in pieces for s in p["norm"]]
            acronym = _is_acronym(form)
            add(record["entity"], record["value"], syllables, acronym)
            if record["entity"] == "area" and not acronym:
                for prefix in prefixes:
                    prefix_syllables = [s for p in prefix for s in p["norm"]]
                    if syllables[: len(prefix_syllables)] != prefix_syllables:
                        add(record["entity"], record["value"], prefix_syllables + syllables, False)

    ambiguous = sorted(k for k, o in owners.items() if len(o) > 1)
    for key in ambiguous:
        logger.info("gazetteer: alias %r is shared by %s; dropped", key, sorted(owners[key]))
        del table[key]
    return {
        "patterns": table,
        "ambiguous_acronyms": sorted({fold(a) for a in rules.get("ambiguous_acronyms") or []}),
        "single_syllable_context": sorted(
            {fold(a) for a in rules.get("single_syllable_context") or []}
        ),
        "generic_heads": sorted({fold(a) for a in rules.get("generic_heads") or []}),
        "single_syllable_blockers": sorted(
            {fold(a) for a in rules.get("single_syllable_blockers") or []}
        ),
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
        self.nlp = spacy.blank("xx")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        from spacy.tokens import Doc

        self._doc = Doc
        for key, entry in self.patterns.items():
            self.matcher.add(key, [Doc(self.nlp.vocab, words=entry["syllables"])])

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
        candidates.sort(
            key=lambda c: (-(c[1] - c[0]), c[2]["syllables"][0] in self.generic_heads, c[0])
        )
        taken: Set[int] = set()
        chosen = []
        for start, end, entry in candidates:
            span = set(range(start, end))
            if span & taken:
                continue
            taken |= span
            chosen.append((start, end, entry))
        chosen.sort(key=lambda c: c[0])
        entities = []
        for start, end, entry in chosen:
            first = pieces[syllables[start][0]]
            last = pieces[syllables[end - 1][0]]
            entities.append(
                {
                    "entity": entry["entity"],
                    "value": entry["value"],
                    "start": first["start"],
                    "end": last["end"],
                    "text": text[first["start"]:last["end"]],
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
        typed = text[pieces[first_piece]["start"]:pieces[last_piece]["end"]]
        if entry["acronym"]:
            if not (typed.isupper() or fold(typed) not in self.ambiguous_acronyms):
                return False
        # diacritics typed must agree with one accented variant of the alias
        user = [
            (syllables[i][2], pieces[syllables[i][0]]["expanded"]) for i in range(start, end)
        ]
        user_has_marks = any(has_marks(s) and not expanded for s, expanded in user)
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
        # a lone plain syllable ("han") needs a context word before it
        if end - start == 1 and not entry["acronym"] and not user_has_marks and not user[0][1]:
            previous = syllables[start - 1][3] if start > 0 else None
            following = syllables[end][3] if end < len(syllables) else None
            if previous not in self.context_words or following in self.blockers:
                return False
        return True


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Catalogue and lexicon entities with canonical ids as values."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Catalogue directory read at training time (relative to the cwd).
            "catalog_dir": "data/catalog",
            # catalogue file stem (= its top-level key) -> entity name
            "sources": {
                "areas": "area",
                "institutions": "school",
                "occupations": "occupation",
                "levels": "level",
                "beneficiary_groups": "beneficiary_group",
            },
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
        table = build_patterns(records, lexicon, rules or {})
        logger.info("gazetteer: %d patterns from %d records", len(table["patterns"]), len(records))
        save_json(self._model_storage, self._resource, "gazetteer.json",
                  {"table": table, "lexicon": lexicon.as_dict()})
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
        lexicon = Lexicon(data["lexicon"]["words"], data["lexicon"]["contextual"])
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
