"""Held-out evaluation shared by bench/nlu.py and tests/nlu/test_thresholds.py.

Scoring rules (kept in one place so the benchmark and the tests agree):
- intent: the top intent must equal the gold intent. For gold `out_of_scope`,
  `nlu_fallback` also counts as correct (the assistant answers both with the
  out-of-scope reply). For any other gold intent `nlu_fallback` is wrong.
- entities: per example, the multiset of (entity type, value) pairs is
  compared with the gold multiset; spans are not scored. Values must be the
  canonical catalogue ids. F1 is micro-averaged over examples, per entity
  type and overall (all contract entity types).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml

from bot.text import fold
from bot.vocabulary import entities

HELDOUT_PATH = Path("tests/nlu/heldout.yml")
ENTITY_TYPES = list(entities())  # domain.yml
REPORTED_ENTITY_TYPES = ["area", "occupation", "level"]
STYLES = ["accented", "plain", "teencode"]
FALLBACK_INTENT = "nlu_fallback"
OOS_INTENT = "out_of_scope"


def load_heldout(path: Path = HELDOUT_PATH) -> List[Dict[str, Any]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data["examples"]


def training_texts(nlu_dir: Path = Path("data/nlu")) -> List[str]:
    """Plain text of every training example (entity markup removed)."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts = []
    for path in sorted(Path(nlu_dir).glob("*.yml")):
        data = load_data(str(path))
        texts.extend(m.get("text") for m in data.training_examples if m.get("text"))
    return texts


def folded_set(texts: Iterable[str]) -> set:
    return {fold(t) for t in texts}


def parse_all(agent: Any, texts: List[str]) -> tuple[List[Dict[str, Any]], List[float]]:
    """Parse in-process with a loaded rasa Agent; returns results and per-message seconds."""

    async def run():
        results, durations = [], []
        # warm-up (first call builds TF functions)
        await agent.parse_message("xin chào")
        for text in texts:
            t0 = time.perf_counter()
            result = await agent.parse_message(text)
            durations.append(time.perf_counter() - t0)
            results.append(result)
        return results, durations

    return asyncio.run(run())


def _intent_ok(gold: str, predicted: Optional[str]) -> bool:
    if predicted == gold:
        return True
    return gold == OOS_INTENT and predicted == FALLBACK_INTENT


def _pairs(entities: Iterable[Dict[str, Any]], types: Iterable[str]) -> Counter:
    types = set(types)
    return Counter((e["entity"], str(e.get("value"))) for e in entities if e.get("entity") in types)


def _f1(tp: int, fp: int, fn: int) -> Dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def score(examples: List[Dict[str, Any]], results: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Metrics per style ("all" = everything; "nfd" = NFD-encoded items only)."""
    from sklearn.metrics import f1_score

    groups: Dict[str, List[int]] = {"all": list(range(len(examples)))}
    for style in STYLES:
        groups[style] = [i for i, e in enumerate(examples) if e["style"] == style]
    groups["nfd"] = [i for i, e in enumerate(examples) if e.get("unicode") == "NFD"]

    def predicted_intent(i: int) -> str:
        return ((results[i].get("intent") or {}).get("name")) or "None"

    out: Dict[str, Any] = {}
    for name, idx in groups.items():
        if not idx:
            continue
        gold = [examples[i]["intent"] for i in idx]
        pred = [predicted_intent(i) for i in idx]
        # fallback on an out-of-scope item is a correct answer (see module doc)
        pred_scored = [g if _intent_ok(g, p) else p for g, p in zip(gold, pred)]
        accuracy = sum(g == p for g, p in zip(gold, pred_scored)) / len(idx)
        labels = sorted(set(gold))
        macro_f1 = f1_score(gold, pred_scored, labels=labels, average="macro", zero_division=0)
        entity: Dict[str, Any] = {}
        for etype in REPORTED_ENTITY_TYPES + ["overall"]:
            types = ENTITY_TYPES if etype == "overall" else [etype]
            tp = fp = fn = 0
            for i in idx:
                g = _pairs(examples[i].get("entities") or [], types)
                p = _pairs(results[i].get("entities") or [], types)
                common = sum((g & p).values())
                tp += common
                fp += sum(p.values()) - common
                fn += sum(g.values()) - common
            entity[etype] = _f1(tp, fp, fn)
        oos_idx = [i for i in idx if examples[i]["intent"] == OOS_INTENT]
        oos_rate = (
            sum(predicted_intent(i) in (OOS_INTENT, FALLBACK_INTENT) for i in oos_idx) / len(oos_idx)
            if oos_idx
            else None
        )
        out[name] = {
            "n": len(idx),
            "intent_accuracy": accuracy,
            "intent_macro_f1": float(macro_f1),
            "entity": entity,
            "out_of_scope_rate": oos_rate,
            "out_of_scope_n": len(oos_idx),
        }
    return out


def errors(examples: List[Dict[str, Any]], results: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Misclassified items and entity mismatches (for reports and debugging)."""
    rows = []
    for ex, res in zip(examples, results):
        pred = (res.get("intent") or {}).get("name")
        g = _pairs(ex.get("entities") or [], ENTITY_TYPES)
        p = _pairs(res.get("entities") or [], ENTITY_TYPES)
        if not _intent_ok(ex["intent"], pred) or g != p:
            rows.append(
                {
                    "text": ex["text"],
                    "style": ex["style"],
                    "gold_intent": ex["intent"],
                    "predicted_intent": pred,
                    "confidence": (res.get("intent") or {}).get("confidence"),
                    "missing_entities": sorted((g - p).elements()),
                    "extra_entities": sorted((p - g).elements()),
                }
            )
    return rows


def median_ms(durations: List[float]) -> float:
    return statistics.median(durations) * 1000.0
