"""Counsellor console benchmark: 100,000 conversations in PostgreSQL.

    .venv/bin/python bench/console.py [--conversations 100000] [--requests 25]
        [--admin-url postgresql://postgres@127.0.0.1:5432/test] [--keep]

1. creates a fresh database, runs the migrations, lets the masking tracker
   store create Rasa's `events` table;
2. bulk-loads conversations in Rasa's own event format with COPY (session start,
   user messages with parse_data, actions, bot replies, slots);
3. runs the console's incremental summary sync over all of it (every turn
   judged answered or unanswered);
4. starts the real web app and measures over HTTP (median of N requests each,
   logged in as a counsellor, or an admin for the catalogue) every list and
   analytics page: the conversation list with each filter (the "unanswered" one
   included) and keyset page 2, the NLU inbox (unanswered messages grouped by
   text) and its page 2, the callback queue (with each family's question),
   analytics over 30 and 366 days, the streaming view (phân luồng) over a school
   year and two years, its CSV export, the catalogue health page.
Target: median < 300 ms for every page (the CSV download is measured, not judged).

A third of the conversations answer the streaming question (`lean` slot); areas
and occupations are stored as Rasa stores them (slot events, gazetteer entities);
the catalogue is imported so areas resolve to former districts and communes.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "console")]

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.vocabulary import catalogue_records  # noqa: E402

INTENTS = [
    ("find_programme", "em muốn học {occ} ở {area_text}"),
    ("ask_support_policy", "học trung cấp ở {area_text} có được miễn học phí không"),
    ("ask_combined_route", "học 9+ là gì vậy ad"),
    ("ask_admission", "hồ sơ nhập học trung cấp gồm những gì"),
    ("compare_paths", "nên học nghề hay thi vào cấp 3"),
    ("ask_career_prospects", "học {occ} ra làm ở đâu lương bao nhiêu"),
    ("ask_vocational_levels", "trung cấp với cao đẳng khác gì nhau"),
    ("greet", "chào ad"),
    ("request_human", "cho em gặp thầy cô tư vấn"),
]
# The former districts and cities, named the way people write them (their first alias),
# and a few of today's communes/wards (the streaming view groups them under their district).
AREAS = [(a["id"], a["aliases"][0]) for a in catalogue_records("areas") if a["kind"] in ("district", "city")]
AREAS += [
    (a["id"], a["name"])
    for a in catalogue_records("areas")
    if a["kind"] in ("commune", "ward") and a.get("status") == "active"
][:4]
OCCUPATIONS = [
    ("dien_cong_nghiep", "điện công nghiệp"),
    ("cong_nghe_o_to", "công nghệ ô tô"),
    ("han", "hàn"),
    ("cong_nghe_thong_tin", "công nghệ thông tin"),
    ("ke_toan", "kế toán"),
]
LEANS = ["thpt", "thpt", "trung_cap", "trung_cap", "so_cap", "chua_biet", "hoc_nghe"]
CHANNELS = ["socketio", "socketio", "zalo", "zalo", "zalo", "rest"]


def _action(name, ts, policy=None, confidence=None):
    return {
        "event": "action",
        "timestamp": ts,
        "metadata": {},
        "name": name,
        "policy": policy,
        "confidence": confidence,
        "action_text": None,
        "hide_rule_turn": False,
    }


def conversation_rows(rng: random.Random, sender_id: str, start: float):
    channel = rng.choice(CHANNELS)
    ts = start
    rows = [
        ("action", ts, None, "action_session_start", _action("action_session_start", ts)),
        ("session_started", ts, None, None, {"event": "session_started", "timestamp": ts, "metadata": {}}),
        ("action", ts, None, "action_listen", _action("action_listen", ts)),
    ]
    role = rng.choice(["student", "student", "parent", None])
    answers = rng.random() < 0.33
    for _ in range(rng.choice([1, 1, 2, 3])):
        ts += rng.uniform(5, 60)
        intent, template = rng.choice(INTENTS)
        area_id, area_text = rng.choice(AREAS)
        occupation_id, occupation_text = rng.choice(OCCUPATIONS)
        text = template.format(occ=occupation_text, area_text=area_text)
        draw = rng.random()
        fallback = draw < 0.08
        noted = 0.08 <= draw < 0.13  # "Mình đã ghi nhận…": a generic reply to a confident intent
        off_topic = 0.13 <= draw < 0.16
        if noted:
            intent, text = (
                "inform",
                rng.choice(["thich", "ok em", "phụ huynh", "cung thich", "chị là mẹ cháu"]),
            )
        elif off_topic:
            intent, text = "out_of_scope", rng.choice(["hôm nay trời mưa không", "mu vs arsenal ai thắng ad"])
        confidence = round(rng.uniform(0.35, 0.99), 3)
        entities = []
        if occupation_text in text:
            start_at = text.index(occupation_text)
            entities.append(
                {
                    "entity": "occupation",
                    "start": start_at,
                    "end": start_at + len(occupation_text),
                    "value": occupation_id,
                    "extractor": "GazetteerEntityExtractor",
                }
            )
        if area_text in text:
            start_at = text.index(area_text)
            entities.append(
                {
                    "entity": "area",
                    "start": start_at,
                    "end": start_at + len(area_text),
                    "value": area_id,
                    "extractor": "DIETClassifier",
                    "confidence_entity": 0.9,
                }
            )
        name = "nlu_fallback" if fallback else intent
        ranking = [{"name": "nlu_fallback", "confidence": 0.3}] if fallback else []
        ranking.append({"name": intent, "confidence": 0.25 if fallback else confidence})
        parse = {
            "intent": {"name": name, "confidence": 0.3 if fallback else confidence},
            "entities": entities,
            "text": text,
            "message_id": uuid.uuid4().hex,
            "metadata": {},
            "intent_ranking": ranking,
        }
        user = {
            "event": "user",
            "timestamp": ts,
            "metadata": {},
            "text": text,
            "parse_data": parse,
            "input_channel": channel,
            "message_id": parse["message_id"],
        }
        rows.append(("user", ts, name, None, user))
        slots = {"user_role": role} if role else {}
        if area_text in text:
            slots["area"] = area_id
        if answers:  # the answer to the streaming question, stored once
            slots["lean"] = rng.choice(LEANS)
            answers = False
        for name, value in slots.items():
            rows.append(
                (
                    "slot",
                    ts,
                    None,
                    name,
                    {"event": "slot", "timestamp": ts, "metadata": {}, "name": name, "value": value},
                )
            )
        action = (
            "action_default_fallback"
            if fallback
            else "action_inform_followup"
            if noted
            else "action_out_of_scope"
            if off_topic
            else f"utter_{intent}"
        )
        rows.append(("action", ts + 0.2, None, action, _action(action, ts + 0.2, "RulePolicy", 1.0)))
        reply = (
            "Xin lỗi, mình chưa hiểu ý em. Hãy hỏi lại ngắn gọn hơn, hoặc chọn một chủ đề bên dưới."
            if fallback
            else "Mình đã ghi nhận. Em muốn hỏi về nội dung nào?"
            if noted
            else "Câu này mình chưa giúp được. Mình trả lời về: các trình độ học nghề, lộ trình 9+."
            if off_topic
            else f"Thông tin về {intent} (nguồn: Sở GD&ĐT, 2025)."
        )
        rows.append(
            (
                "bot",
                ts + 0.3,
                None,
                None,
                {
                    "event": "bot",
                    "timestamp": ts + 0.3,
                    "metadata": {"utter_action": action},
                    "text": reply,
                    "data": {
                        "elements": None,
                        "quick_replies": None,
                        "buttons": None,
                        "attachment": None,
                        "image": None,
                        "custom": None,
                    },
                },
            )
        )
        rows.append(
            ("action", ts + 0.4, None, "action_listen", _action("action_listen", ts + 0.4, "RulePolicy", 1.0))
        )
    return rows


def _copy_escape(value) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def load_events(url: str, conversations: int, seed: int = 7) -> int:
    import psycopg2

    rng = random.Random(seed)
    now = time.time()
    span = 180 * 86400
    conn = psycopg2.connect(url)
    total = 0
    try:
        with conn.cursor() as cur:
            buffer = io.StringIO()
            for i in range(conversations):
                start = now - span + span * i / conversations + rng.uniform(0, 30)
                sender_id = f"bench-{i:06d}-{uuid.UUID(int=rng.getrandbits(128)).hex[:8]}"
                for type_name, ts, intent, action, data in conversation_rows(rng, sender_id, start):
                    data["timestamp"] = ts
                    buffer.write(
                        "\t".join(
                            _copy_escape(v)
                            for v in (sender_id, type_name, ts, intent, action, json.dumps(data))
                        )
                        + "\n"
                    )
                    total += 1
                if buffer.tell() > 16_000_000:
                    buffer.seek(0)
                    cur.copy_expert(
                        "COPY events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                        "FROM STDIN",
                        buffer,
                    )
                    buffer = io.StringIO()
            buffer.seek(0)
            cur.copy_expert(
                "COPY events (sender_id, type_name, timestamp, intent_name, action_name, data) FROM STDIN",
                buffer,
            )
        conn.commit()
        with conn.cursor() as cur:
            conn.autocommit = True
            cur.execute("ANALYZE")
    finally:
        conn.close()
    return total


def add_callbacks(url: str, count: int, conversations: int, seed: int = 11) -> None:
    """Callback requests from random conversations (the queue shows each family's question)."""
    import datetime as dt

    from bot.db import session_scope
    from bot.handoff import create_callback_request

    rng = random.Random(seed)
    with sa.create_engine(url, future=True).connect() as conn:
        senders = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT sender_id FROM console_conversations ORDER BY sender_id LIMIT :n"),
                {"n": conversations},
            )
        ]
    with session_scope(url) as session:
        for sender_id in rng.sample(senders, min(count, len(senders))):
            create_callback_request(
                session,
                sender_id=sender_id,
                channel="zalo",
                phone=f"09{rng.randrange(10**8):08d}",
                preferred_time="sau 17h",
                consent_at=dt.datetime.now(dt.timezone.utc),
                user_role="parent",
                area="vinh_tuong",
                note="support_policy",
            )


def measure(client: requests.Session, url: str, n: int) -> float:
    client.get(url)  # warm-up
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        resp = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.status_code
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    from helpers import WebApp, create_user, login, make_store, migrate

    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT", future=True)
    name = f"console_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    app = None
    try:
        migrate(url)
        make_store(url).engine.dispose()  # Rasa creates `events` exactly as in production
        create_user(url, "bench", "counsellor")
        create_user(url, "bench_admin", "admin")
        from bot.catalog.commands import import_catalog

        import_catalog(ROOT / "data" / "catalog", url)

        t0 = time.perf_counter()
        events = load_events(url, args.conversations)
        t_load = time.perf_counter() - t0
        print(f"generated {args.conversations:,} conversations / {events:,} events (COPY) in {t_load:.1f} s")

        from bot.db import get_engine
        from bot.web.console.sync import sync_events

        t0 = time.perf_counter()
        synced = sync_events(get_engine(url), batch_size=20_000)
        t_sync = time.perf_counter() - t0
        print(f"summary sync: {synced:,} events in {t_sync:.1f} s ({synced / t_sync:,.0f} events/s)")
        with admin.connect():
            pass
        with get_engine(url).connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            n = conn.execute(sa.text("SELECT COUNT(*) FROM console_conversations")).scalar_one()
        print(f"summary rows: {n:,}")
        add_callbacks(url, 200, args.conversations)

        app = WebApp(url)
        client = login(app.base, "bench")
        cases = [
            ("no filter", "/console/conversations"),
            ("fallback", "/console/conversations?fallback=1"),
            ("unanswered", "/console/conversations?unanswered=1"),
            ("intent", "/console/conversations?intent=ask_support_policy"),
            ("channel+area", "/console/conversations?channel=zalo&area=vinh_tuong"),
            ("role+low confidence", "/console/conversations?role=parent&low=1"),
            ("date range+fallback", "/console/conversations?from=2025-01-01&to=2030-01-01&fallback=1"),
            ("date range+unanswered", "/console/conversations?from=2025-01-01&to=2030-01-01&unanswered=1"),
            ("text search (no diacritics)", "/console/conversations?q=mien+hoc+phi"),
        ]
        import re

        for label, path in (("fallback", "fallback=1"), ("unanswered", "unanswered=1")):
            html = client.get(app.base + f"/console/conversations?{path}").text
            nxt = re.search(r'href="(/console/conversations\?[^"]*after=[^"]+)" id="next-page"', html)
            if nxt:
                cases.append((f"{label}, page 2 (keyset)", nxt.group(1).replace("&amp;", "&")))
        today = time.strftime("%Y-%m-%d")
        year_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 365 * 86400))
        cases += [
            ("NLU inbox (grouped)", "/console/inbox"),
            ("NLU inbox, page 2", "/console/inbox?page=2"),
            ("callback queue (200, questions)", "/console/callbacks?status=all"),
            ("analytics, 30 days", "/console/analytics"),
            ("analytics, 366 days", f"/console/analytics?from={year_ago}&to={today}"),
        ]
        print(f"pages over HTTP, median of {args.requests} requests (incl. count + sync check):")
        results = {}
        for label, path in cases:
            results[label] = measure(client, app.base + path, args.requests)
            print(f"  {label:34s} {results[label]:7.1f} ms")
        year = time.strftime("%Y")
        admin_client = login(app.base, "bench_admin")
        other_cases = [
            ("streaming (school year)", client, "/console/streaming"),
            ("streaming (two years)", client, f"/console/streaming?from={int(year) - 1}-01&to={year}-12"),
            (
                "streaming CSV (two years)",
                client,
                f"/console/streaming.csv?from={int(year) - 1}-01&to={year}-12",
            ),
            ("catalogue health (admin)", admin_client, "/console/catalog"),
        ]
        for label, session, path in other_cases:
            results[label] = measure(session, app.base + path, args.requests)
            print(f"  {label:34s} {results[label]:7.1f} ms")
        judged = {label: ms for label, ms in results.items() if label != "streaming CSV (two years)"}
        slowest = max(judged, key=judged.get)
        verdict = "PASS" if judged[slowest] < 300 else "FAIL"
        print(f"slowest page: {slowest}, median {judged[slowest]:.1f} ms: {verdict} (every page < 300 ms)")
        return 0 if verdict == "PASS" else 1
    finally:
        if app:
            app.stop()
        from bot.db import dispose_engines

        dispose_engines()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {url}")
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
