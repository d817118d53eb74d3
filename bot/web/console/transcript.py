"""A conversation as the family saw it, read from Rasa's `events`.

`exchanges` groups the events into turns: the user's message (or the button it
tapped), the assistant's bubbles with their buttons, and the debug detail a
counsellor opens on demand (intent, confidence, entities, slots set, actions),
each turn judged by bot.web.console.unanswered like the sync does.
`family_questions` finds what families asked before requesting a call back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.privacy import mask_pii
from bot.web.console.rasa_names import FALLBACK_INTENT
from bot.web.console.sync import events_t, events_table_exists
from bot.web.console.unanswered import (
    ANSWERED,
    OUT_OF_SCOPE_INTENT,
    Reply,
    Verdict,
    in_scope,
    judge,
    message_facts,
)

QUESTION_CHARS = 300
# Messages that are not the family's question: small talk, answers to the assistant's
# own questions, the request for a call itself.
NOT_A_QUESTION = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "inform",
        "stop",
        "bot_challenge",
        "request_human",
        "ask_sources",
        "delete_my_data",
    }
)


@dataclass
class Button:
    title: str
    payload: str
    tapped: bool = False


@dataclass
class Bubble:
    event_id: int
    timestamp: float
    text: str
    buttons: List[Button] = field(default_factory=list)


@dataclass
class UserMessage:
    event_id: int
    timestamp: float
    text: str  # as stored (masked)
    intent: str
    confidence: Optional[float]
    entities: List[dict]
    channel: str
    tapped: Optional[str] = None  # the title of the button this message came from
    payload: bool = False  # a button's payload ("/intent{…}") whose button is not known


@dataclass
class Exchange:
    """One user message and what followed it (the first exchange may have no message)."""

    user: Optional[UserMessage]
    bubbles: List[Bubble] = field(default_factory=list)
    actions: List[Tuple[str, str, Optional[float]]] = field(default_factory=list)  # name, policy, confidence
    slots: List[Tuple[str, Any]] = field(default_factory=list)
    new_session: bool = False
    verdict: Verdict = ANSWERED


def _json(raw: Optional[str]) -> dict:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _buttons(data: dict) -> List[Button]:
    extra = data.get("data") or {}
    raw = (extra.get("buttons") or []) if isinstance(extra, dict) else []
    return [
        Button(str(b.get("title") or ""), str(b.get("payload") or ""))
        for b in raw
        if isinstance(b, dict) and (b.get("title") or b.get("payload"))
    ]


def exchanges(conn: Connection, sender_id: str) -> List[Exchange]:
    if not events_table_exists(conn):
        return []
    query = sa.select(events_t).where(events_t.c.sender_id == sender_id).order_by(events_t.c.id)
    out: List[Exchange] = [Exchange(user=None)]
    session_pending = False
    for event in conn.execute(query):
        data = _json(event.data)
        ts = float(event.timestamp or 0)
        current = out[-1]
        if event.type_name == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            text = data.get("text") or ""
            message = UserMessage(
                event_id=event.id,
                timestamp=ts,
                text=text,
                intent=event.intent_name or intent.get("name") or "",
                confidence=intent.get("confidence"),
                entities=[e for e in parse.get("entities") or [] if isinstance(e, dict)],
                channel=data.get("input_channel") or "",
            )
            if text.startswith("/"):
                shown = [b for bubble in current.bubbles for b in bubble.buttons if b.payload == text]
                if shown:
                    shown[-1].tapped = True
                    message.tapped = shown[-1].title
                else:
                    message.payload = True
            out.append(Exchange(user=message, new_session=session_pending and out[-1].user is not None))
            session_pending = False
        elif event.type_name == "bot":
            current.bubbles.append(Bubble(event.id, ts, data.get("text") or "", _buttons(data)))
        elif event.type_name == "action":
            name = event.action_name or data.get("name") or ""
            if name not in ("action_listen", "action_session_start"):
                current.actions.append((name, data.get("policy") or "", data.get("confidence")))
        elif event.type_name == "slot":
            current.slots.append((data.get("name") or "", data.get("value")))
        elif event.type_name == "session_started":
            session_pending = True
    if out[0].user is None and not (out[0].bubbles or out[0].slots):
        out.pop(0)
    judged = [e for e in out if e.user is not None]
    verdicts = judge(
        [
            (
                message_facts(
                    e.user.text,
                    e.user.intent,
                    entities=[str(x.get("entity") or "") for x in e.user.entities],
                    new_session=e.new_session,
                ),
                _reply(e),
            )
            for e in judged
        ]
    )
    for exchange, verdict in zip(judged, verdicts):
        exchange.verdict = verdict
    return out


def _reply(exchange: Exchange) -> Reply:
    reply = Reply()
    for name, _, _ in exchange.actions:
        reply.add_action(name)
    for bubble in exchange.bubbles:
        reply.add_bubble(bubble.text)
    return reply


def family_questions(conn: Connection, requests: List[Tuple[str, float]]) -> List[str]:
    """For each (sender id, time in epoch seconds): the family's last in-scope question before
    that time, masked and shortened; "" when it asked none (only small talk, answers to the
    assistant's questions, the request for a call itself). One query per 200 conversations."""
    if not requests or not events_table_exists(conn):
        return [""] * len(requests)
    senders = sorted({sender for sender, _ in requests})
    messages: dict = {}
    for i in range(0, len(senders), 200):
        query = (
            sa.select(events_t.c.sender_id, events_t.c.timestamp, events_t.c.intent_name, events_t.c.data)
            .where(events_t.c.sender_id.in_(senders[i : i + 200]), events_t.c.type_name == "user")
            .order_by(events_t.c.id)
        )
        for sender, ts, intent_name, raw in conn.execute(query):
            messages.setdefault(sender, []).append((float(ts or 0), intent_name, raw))
    return [_question(messages.get(sender, []), before) for sender, before in requests]


def _question(messages: List[tuple], before: float) -> str:
    for ts, intent_name, raw in reversed(messages):
        if ts > before:
            continue
        data = _json(raw)
        text = (data.get("text") or "").strip()
        intent = intent_name or ((data.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if not text or text.startswith("/") or intent in NOT_A_QUESTION:
            continue
        if intent not in ("", FALLBACK_INTENT, OUT_OF_SCOPE_INTENT) or in_scope(
            message_facts(text, intent), None
        ):
            masked = " ".join(mask_pii(text).split())
            return masked if len(masked) <= QUESTION_CHARS else masked[: QUESTION_CHARS - 1] + "…"
    return ""
