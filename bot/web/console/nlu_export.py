"""Corrections from the NLU inbox as Rasa NLU training data (YAML, version "3.1")."""

from __future__ import annotations

import json
from typing import Dict, Iterable, List

from bot.privacy import mask_pii


def annotate(text: str, entities: List[dict]) -> str:
    """Insert Rasa's [text](entity) / [text]{"entity": e, "value": v} annotations."""
    spans = sorted(
        (
            e
            for e in entities
            if isinstance(e.get("start"), int)
            and isinstance(e.get("end"), int)
            and 0 <= e["start"] < e["end"] <= len(text)
        ),
        key=lambda e: e["start"],
    )
    out, cursor = [], 0
    for entity in spans:
        if entity["start"] < cursor:
            continue  # overlapping spans cannot be annotated
        surface = text[entity["start"] : entity["end"]]
        out.append(text[cursor : entity["start"]])
        value = entity.get("value")
        if value and value != surface:
            out.append(
                f"[{surface}]{json.dumps({'entity': entity['entity'], 'value': value}, ensure_ascii=False)}"
            )
        else:
            out.append(f"[{surface}]({entity['entity']})")
        cursor = entity["end"]
    out.append(text[cursor:])
    return "".join(out)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def corrections_to_yaml(items: Iterable[dict]) -> str:
    by_intent: Dict[str, List[str]] = {}
    seen = set()
    for item in items:
        intent = item.get("corrected_intent")
        if not intent:
            continue
        text = _one_line(mask_pii(item.get("text") or ""))
        if not text:
            continue
        try:
            entities = json.loads(item.get("corrected_entities") or "[]")
        except ValueError:
            entities = []
        example = annotate(text, entities) if text == _one_line(item.get("text") or "") else text
        if (intent, example) in seen:
            continue
        seen.add((intent, example))
        by_intent.setdefault(intent, []).append(example)
    lines = ['version: "3.1"', "", "nlu:"]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines += [f"    - {example}" for example in by_intent[intent]]
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
