"""Dialogue benchmark: does each reply answer what was asked, in the user's register,
readable on a phone, with no internal notes?

Runs one or more sets (format below) through the REAL REST channel of a running
stack: either `--url` of a running Rasa server, or a stack it starts itself
(action server + Rasa server from tests/procs.py, on a fresh SQLite catalogue).
Each single turn and each conversation gets a fresh sender id. Afterwards it reads
each conversation's tracker (Rasa's HTTP API: its own stack enables it; a `--url`
server needs `--enable-api`, else the turns are judged on texts alone and a note
says so) for the intents, entities and actions the console judges with.

    .venv/bin/python bench/dialogue.py --set tests/dialogue/dev_set.yml [--set ...]
        [--url http://127.0.0.1:5005] [--json OUT] [--show-failures]

Set format (version 1):

    single_turn:
      - {id, voice: student|parent, register: em|anh_chi, style, in_scope, text,
         facts: [[alternative, ...], ...]}     # every group must match (any alternative)
    conversations:
      - {id, voice, register, style, turns: [{text, in_scope, facts}, ...]}

Fact matching: the whole turn's reply (all bubbles' text and button titles,
joined) and each alternative are lower-cased and diacritic-folded (đ -> d);
an alternative matches as a substring.

Per set it prints: the share of turns carrying their facts; unanswered in-scope
turns (bot.web.console.unanswered, the definition the console counts with:
fallback, generic or repeated replies, rephrasings, re-asks left); first-bubble length
median / p95 and the longest bubble; internal-note leaks (LEAK_PATTERNS); and
register switches (conversations in which the bot addresses the user with
more than one of em / anh-chị / bạn), plus turns in the wrong register.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.web.console.unanswered import Turn as Exchange  # noqa: E402  (the one definition)
from bot.web.console.unanswered import verdicts  # noqa: E402

# ---------------------------------------------------------------- definitions

# Internal provenance that must never reach a family (regexes on the raw text).
LEAK_PATTERNS = (
    r"domain-facts",
    r"nhớ lại từ văn bản",
    r"suy luận",
    r"OpenStreetMap",
    r"\(V,",
    r"\(P\)",
    r"\(U\)",
    r"§",
    r"(?<![\w/])\[\d{1,3}\](?!\()",  # "[11]"-style bracket references
    r"chưa đối chiếu vbpl",
    r"news \d+",
)
_LEAKS = [re.compile(p, re.IGNORECASE) for p in LEAK_PATTERNS]

# How the bot addresses the user.
_REGISTER = {
    "anh_chi": re.compile(r"\banh/chị\b|\banh chị\b", re.IGNORECASE),
    "ban": re.compile(r"\bbạn\b(?!\s+(?:bè|cùng|học))", re.IGNORECASE),
    "em": re.compile(r"(?<![\w/])(?<!trẻ )em\b(?!\s+(?:nhỏ|bé))", re.IGNORECASE),  # not "trẻ em", "em nhỏ"
}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def reply_text(messages: List[Dict]) -> str:
    parts: List[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        for button in message.get("buttons") or []:
            if button.get("title"):
                parts.append(button["title"])
    return "\n".join(parts)


def facts_missing(text: str, facts: Iterable[Iterable[str]]) -> List[List[str]]:
    folded = fold(text)
    return [list(group) for group in facts or [] if not any(fold(alt) in folded for alt in group)]


def unanswered(turns: List["Turn"]) -> List["Turn"]:
    """The in-scope turns of one conversation that went unanswered, by the console's definition
    (with the intents, entities and actions of the tracker when it could be read)."""
    judged = verdicts(
        [
            Exchange(
                user=t.text,
                intent=t.intent,
                actions=t.actions,
                entities=t.entities,
                bot=tuple(m.get("text") or "" for m in t.messages),
                in_scope=t.in_scope,
            )
            for t in turns
        ]
    )
    for turn, verdict in zip(turns, judged):
        turn.reason = verdict.reason
    return [t for t, v in zip(turns, judged) if v.unanswered and t.in_scope]


def leaks(text: str) -> List[str]:
    return [m.group(0) for pattern in _LEAKS for m in pattern.finditer(text)]


def registers(messages: List[Dict]) -> set:
    """Registers the bot used to address the user (bubble texts only)."""
    text = "\n".join(m.get("text") or "" for m in messages)
    text = re.sub(r"con anh/chị", "", text)  # "con anh/chị" names the child, still the parent register
    return {name for name, pattern in _REGISTER.items() if pattern.search(text)}


def percentile(values: List[int], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(q * (len(ordered) - 1) + 0.4999))))
    return float(ordered[index])


# ---------------------------------------------------------------- running


@dataclass
class Turn:
    set_name: str
    item_id: str
    text: str
    in_scope: bool
    facts: list
    expected_register: str
    messages: List[Dict] = field(default_factory=list)
    reason: str = ""  # why it counts as unanswered (unanswered.REASONS), if it does
    intent: str = ""  # from the tracker, when the server's API is enabled
    entities: tuple = ()
    actions: tuple = ()

    @property
    def reply(self) -> str:
        return reply_text(self.messages)


def send(url: str, sender: str, text: str) -> List[Dict]:
    response = requests.post(
        url.rstrip("/") + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    response.raise_for_status()
    return response.json()


TRACKER_NOTES: List[str] = []


def read_tracker(url: str, sender: str, turns: List[Turn]) -> None:
    """Fill each turn's intent, entities and actions from the sender's tracker (one user
    event per turn, in order, skipping a message Rasa put back after a two-stage fallback);
    leave them empty if the API is not enabled."""
    try:
        response = requests.get(url.rstrip("/") + f"/conversations/{sender}/tracker", timeout=60)
        response.raise_for_status()
        events = response.json().get("events") or []
    except (requests.RequestException, ValueError):
        if not TRACKER_NOTES:
            TRACKER_NOTES.append("trackers unreadable (server without --enable-api): judged on texts alone")
        return
    current = -1
    for event in events:
        if event.get("event") == "user":
            text = event.get("text") or ""
            earlier = {t.text for t in turns[: current + 1]}
            following = turns[current + 1].text if current + 1 < len(turns) else None
            if text in earlier and text != following:
                continue  # an earlier message put back by Rasa (the two-stage fallback's "yes")
            current += 1
            if current < len(turns):
                parse = event.get("parse_data") or {}
                turns[current].intent = (parse.get("intent") or {}).get("name") or ""
                turns[current].entities = tuple(e.get("entity") for e in parse.get("entities") or [])
        elif event.get("event") == "action" and 0 <= current < len(turns):
            name = event.get("name") or ""
            if name not in ("action_listen", "action_session_start"):
                turns[current].actions += (name,)


def run_set(url: str, path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    name = path.stem
    singles: List[Turn] = []
    conversations: List[List[Turn]] = []
    for item in data.get("single_turn") or []:
        turn = Turn(
            name,
            item["id"],
            item["text"],
            bool(item.get("in_scope", True)),
            item.get("facts") or [],
            item.get("register", "em"),
        )
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        turn.messages = send(url, sender, turn.text)
        read_tracker(url, sender, [turn])
        singles.append(turn)
    for conv in data.get("conversations") or []:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        turns: List[Turn] = []
        for index, raw in enumerate(conv["turns"], 1):
            turn = Turn(
                name,
                f"{conv['id']}.{index}",
                raw["text"],
                bool(raw.get("in_scope", True)),
                raw.get("facts") or [],
                conv.get("register", "em"),
            )
            turn.messages = send(url, sender, turn.text)
            turns.append(turn)
        read_tracker(url, sender, turns)
        conversations.append(turns)
    return name, singles, conversations


def score(singles: List[Turn], conversations: List[List[Turn]]) -> Dict:
    turns = singles + [t for conv in conversations for t in conv]
    with_facts = [t for t in turns if t.facts]
    fact_ok = [t for t in with_facts if not facts_missing(t.reply, t.facts)]
    in_scope = [t for t in turns if t.in_scope]
    failed = [t for conv in [[t] for t in singles] + conversations for t in unanswered(conv)]
    firsts = [len(t.messages[0].get("text") or "") if t.messages else 0 for t in turns]
    bubbles = [len(m.get("text") or "") for t in turns for m in t.messages]
    leaked = [(t, leaks(t.reply)) for t in turns if leaks(t.reply)]
    switched = []
    for conv in conversations:
        used = set()
        for t in conv:
            used |= registers(t.messages)
        if len(used) > 1:
            switched.append((conv[0].item_id.split(".")[0], sorted(used)))
    wrong_register = []
    for t in turns:
        used = registers(t.messages)
        if used - {t.expected_register}:
            wrong_register.append((t, sorted(used)))
    return {
        "turns": len(turns),
        "fact_turns": len(with_facts),
        "facts_share": round(len(fact_ok) / len(with_facts), 4) if with_facts else 1.0,
        "in_scope_turns": len(in_scope),
        "unanswered": len(failed),
        "unanswered_share": round(len(failed) / len(in_scope), 4) if in_scope else 0.0,
        "first_bubble_median": statistics.median(firsts) if firsts else 0,
        "first_bubble_p95": percentile(firsts, 0.95),
        "longest_bubble": max(bubbles) if bubbles else 0,
        "leaks": len(leaked),
        "conversations": len(conversations),
        "register_switches": len(switched),
        "wrong_register_turns": len(wrong_register),
        "_failures": {
            "facts": [
                (t.item_id, t.text, facts_missing(t.reply, t.facts), t.reply)
                for t in with_facts
                if t not in fact_ok
            ],
            "unanswered": [(t.item_id, t.text, t.reason, t.reply) for t in failed],
            "leaks": [(t.item_id, t.text, found) for t, found in leaked],
            "switches": switched,
            "wrong_register": [(t.item_id, t.text, used, t.reply[:200]) for t, used in wrong_register],
            "long_first": [
                (t.item_id, t.text, len(t.messages[0].get("text") or ""))
                for t in turns
                if t.messages and len(t.messages[0].get("text") or "") > 600
            ],
        },
    }


def print_report(name: str, result: Dict, show_failures: bool) -> None:
    print(f"== {name}: {result['turns']} turns ({result['conversations']} conversations)")
    for note in TRACKER_NOTES:
        print(f"  note: {note}")
    print(f"  facts carried        {result['facts_share']:.3f}  ({result['fact_turns']} turns with facts)")
    print(
        f"  unanswered in-scope  {result['unanswered']} / {result['in_scope_turns']} = "
        f"{result['unanswered_share']:.1%}"
    )
    print(
        f"  first bubble         median {result['first_bubble_median']:.0f}, p95 {result['first_bubble_p95']:.0f}; "
        f"longest bubble {result['longest_bubble']}"
    )
    print(f"  internal-note leaks  {result['leaks']}")
    print(
        f"  register switches    {result['register_switches']} / {result['conversations']} conversations; "
        f"turns in a wrong register: {result['wrong_register_turns']}"
    )
    if not show_failures:
        return
    f = result["_failures"]
    for item_id, text, missing, reply in f["facts"]:
        print(f"  [facts] {item_id} {text!r}: missing {missing}\n      reply: {reply[:300]!r}")
    for item_id, text, reason, reply in f["unanswered"]:
        print(f"  [unanswered: {reason}] {item_id} {text!r}: {reply[:160]!r}")
    for item_id, text, found in f["leaks"]:
        print(f"  [leak] {item_id} {text!r}: {found}")
    for conv_id, used in f["switches"]:
        print(f"  [switch] {conv_id}: {used}")
    for item_id, text, used, reply in f["wrong_register"]:
        print(f"  [register] {item_id} {text!r}: {used} {reply!r}")
    for item_id, text, length in f["long_first"]:
        print(f"  [long] {item_id} {text!r}: first bubble {length}")


def own_stack():
    """Action + Rasa servers on a fresh, seeded SQLite catalogue (a context manager)."""
    import contextlib
    import os
    import subprocess

    from tests import procs

    @contextlib.contextmanager
    def stack():
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            env = {**os.environ, "DATABASE_URL": url}
            for args in (["db", "upgrade"], ["catalog", "import", str(ROOT / "data" / "catalog")]):
                subprocess.run(
                    [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, check=True, capture_output=True
                )
            with procs.action_server(env={"DATABASE_URL": url}) as actions:
                with procs.rasa_server(
                    actions.url + "/webhook", env={"DATABASE_URL": url}, enable_api=True
                ) as rasa:
                    yield rasa.url

    return stack()


def run(sets: List[Path], url: Optional[str]) -> Dict[str, Dict]:
    def evaluate(base: str) -> Dict[str, Dict]:
        results = {}
        for path in sets:
            name, singles, conversations = run_set(base, path)
            results[name] = score(singles, conversations)
        return results

    if url:
        return evaluate(url)
    with own_stack() as base:
        return evaluate(base)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        action="append",
        dest="sets",
        type=Path,
        help="a set file (repeatable); default tests/dialogue/dev_set.yml",
    )
    parser.add_argument("--url", help="a running Rasa server (else one is started)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args(argv)
    sets = args.sets or [ROOT / "tests" / "dialogue" / "dev_set.yml"]
    results = run(sets, args.url)
    for name, result in results.items():
        print_report(name, result, args.show_failures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {k: {m: v for m, v in r.items() if not m.startswith("_")} for k, r in results.items()},
                ensure_ascii=False,
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
