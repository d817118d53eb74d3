"""Load benchmark: simulated students through the REST channel, ours versus a stock
`rasa init` bot served the same way (REST channel, Rasa's SQL tracker store on SQLite,
started with plain `rasa run`, so it gets none of our changes to Rasa).

    .venv/bin/python bench/load.py --users 1 10 [--messages-per-user 20] [--scaled-url URL]

For each run it prints p50 / p95 / p99 latency (ms), throughput (messages/s) and
errors, then checks that every sent message is in the tracker store exactly once.
Results: bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List

import aiohttp
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.procs import ServerProcess, action_server, descendants, free_port, rasa_server  # noqa: E402

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")  # also for the plain `rasa` subprocesses
STOCK_DIR = ROOT / "var" / "stock-bot"
RESULTS = ROOT / "bench" / "results"


def conversations() -> List[List[str]]:
    return yaml.safe_load((ROOT / "bench" / "conversations.yml").read_text())["conversations"]


def ensure_stock_bot() -> Path:
    """A `rasa init` project and model, made once and cached under var/."""
    model = STOCK_DIR / "models" / "stock.tar.gz"
    if model.exists():
        return model
    print("[bench] creating and training the stock `rasa init` bot (once)", flush=True)
    shutil.rmtree(STOCK_DIR, ignore_errors=True)
    STOCK_DIR.mkdir(parents=True)
    rasa = [sys.executable, "-m", "rasa"]  # plain Rasa, as `rasa init` users have it
    subprocess.run(
        rasa + ["init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for old in (STOCK_DIR / "models").glob("*.tar.gz"):
        old.unlink()
    subprocess.run(
        rasa
        + [
            "train",
            "--fixed-model-name",
            "stock",
            "--out",
            str(STOCK_DIR / "models"),
            "--config",
            str(STOCK_DIR / "config.yml"),
            "--domain",
            str(STOCK_DIR / "domain.yml"),
            "--data",
            str(STOCK_DIR / "data"),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return model


def stock_server(db_url: str) -> ServerProcess:
    model = ensure_stock_bot()
    endpoints = STOCK_DIR / "endpoints.bench.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  url: ${DATABASE_URL}\n")
    credentials = STOCK_DIR / "credentials.bench.yml"
    credentials.write_text("rest:\n")
    port = free_port()
    # plain `rasa run`: none of bot.runtime.rasa_main's patches (speed-ups, admission, warm-up)
    cmd = [
        sys.executable,
        "-m",
        "rasa",
        "run",
        "--model",
        str(model),
        "--port",
        str(port),
        "--credentials",
        str(credentials),
        "--endpoints",
        str(endpoints),
    ]
    return ServerProcess("rasa-stock", cmd, port, "/", {"DATABASE_URL": db_url}, timeout=300)


async def simulate_user(
    session: aiohttp.ClientSession,
    url: str,
    script: List[str],
    n_messages: int,
    latencies: List[float],
    errors: Counter,
    sent: Dict[str, List[str]],
) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    sent[sender] = []
    for i in range(n_messages):
        text = script[i % len(script)]
        started = time.perf_counter()
        try:
            async with session.post(
                url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as resp:
                if resp.status != 200:
                    errors[f"http {resp.status}"] += 1
                    continue
                body = await resp.json(content_type=None)
                if not isinstance(body, list):
                    errors["reply is not a list"] += 1
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            errors[type(exc).__name__] += 1
            continue
        finally:
            sent[sender].append(text)
        latencies.append(time.perf_counter() - started)


async def run_load(url: str, users: int, messages_per_user: int) -> dict:
    scripts = conversations()
    latencies: List[float] = []
    errors: Counter = Counter()
    sent: Dict[str, List[str]] = {}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # warm-up message so the first request's lazy initialisation is not measured
        await simulate_user(session, url, ["xin chào"], 1, [], Counter(), {})
        started = time.perf_counter()
        await asyncio.gather(
            *(
                simulate_user(
                    session, url, scripts[i % len(scripts)], messages_per_user, latencies, errors, sent
                )
                for i in range(users)
            )
        )
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return (
            1000 * ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]
            if ordered
            else float("nan")
        )

    return {
        "users": users,
        "messages": len(latencies) + sum(errors.values()),
        "errors": dict(errors),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": 1000 * statistics.fmean(ordered) if ordered else float("nan"),
        "throughput_msg_s": len(latencies) / elapsed,
        "_sent": sent,
    }


def check_tracker_store(db_url: str, sent: Dict[str, List[str]]) -> dict:
    """Every sent message must be stored exactly once, in order, for its sender."""
    engine = sa.create_engine(db_url, future=True)
    lost = duplicated = 0
    with engine.connect() as conn:
        for sender, texts in sent.items():
            rows = (
                conn.execute(
                    sa.text(
                        "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"
                    ),
                    {"s": sender},
                )
                .scalars()
                .all()
            )
            stored = [json.loads(r)["text"] for r in rows]
            want, have = Counter(texts), Counter(stored)
            lost += sum((want - have).values())
            duplicated += sum((have - want).values())
    engine.dispose()
    return {"lost": lost, "duplicated": duplicated}


def measure(name: str, url: str, db_url: str, users: List[int], messages_per_user: int) -> List[dict]:
    rows = []
    for n in users:
        result = asyncio.run(run_load(url, n, messages_per_user))
        sent = result.pop("_sent")
        result.update(check_tracker_store(db_url, sent) if db_url else {"lost": None, "duplicated": None})
        result["bot"] = name
        rows.append(result)
        print(
            f"[bench] {name:8} users={n:3} msgs={result['messages']:5} p50={result['p50_ms']:7.1f} "
            f"p95={result['p95_ms']:7.1f} p99={result['p99_ms']:7.1f} ms  {result['throughput_msg_s']:6.1f} msg/s  "
            f"errors={sum(result['errors'].values())} lost={result['lost']} dup={result['duplicated']}",
            flush=True,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--messages-per-user", type=int, default=20)
    parser.add_argument("--no-stock", action="store_true", help="skip the stock rasa init bot")
    parser.add_argument(
        "--scaled-url", help="also load an already running scaled profile (load balancer URL)"
    )
    parser.add_argument("--scaled-db", help="DATABASE_URL of the scaled profile, for the exactly-once check")
    args = parser.parse_args()

    rows: List[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        ours_db = f"sqlite:///{tmp}/ours.db"
        env = {"DATABASE_URL": ours_db}
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env={**os.environ, **env}, check=True
        )
        if any((ROOT / "data" / "catalog").glob("*.yml")):
            subprocess.run(
                [sys.executable, "-m", "bot", "catalog", "import", "data/catalog"],
                cwd=ROOT,
                env={**os.environ, **env},
                check=True,
            )
        with action_server(env=env) as actions:
            rasa = rasa_server(actions.url + "/webhook", env=env)
            load_started = time.perf_counter()
            with rasa:
                load_seconds = time.perf_counter() - load_started
                rss_mb = _rss_mb(rasa.proc.pid)
                print(
                    f"[bench] our Rasa server ready in {load_seconds:.1f} s (process start + model load), "
                    f"resident memory {rss_mb:.0f} MB",
                    flush=True,
                )
                rows += measure("ours", rasa.url, ours_db, args.users, args.messages_per_user)
                rss_after = _rss_mb(rasa.proc.pid)
        if not args.no_stock:
            stock_db = f"sqlite:///{tmp}/stock.db"
            with stock_server(stock_db) as stock:
                rows += measure("stock", stock.url, stock_db, args.users, args.messages_per_user)
        if args.scaled_url:
            rows += measure("scaled", args.scaled_url, args.scaled_db, args.users, args.messages_per_user)

    print("\n| bot | users | p50 ms | p95 ms | p99 ms | msg/s | errors | lost | duplicated |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['bot']} | {r['users']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['throughput_msg_s']:.1f} | {sum(r['errors'].values())} | {r['lost']} | {r['duplicated']} |"
        )
    ratios = {}
    for n in args.users:
        ours = next((r for r in rows if r["bot"] == "ours" and r["users"] == n), None)
        stock = next((r for r in rows if r["bot"] == "stock" and r["users"] == n), None)
        if ours and stock:
            ratios[n] = {
                "throughput_ratio": ours["throughput_msg_s"] / stock["throughput_msg_s"],
                "p95_ratio": ours["p95_ms"] / stock["p95_ms"],
            }
            print(
                f"users={n}: throughput ours/stock = {ratios[n]['throughput_ratio']:.2f}x, "
                f"p95 ours/stock = {ratios[n]['p95_ratio']:.2f}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(
        json.dumps(
            {
                "runs": rows,
                "ratios": ratios,
                "rasa_ready_seconds": load_seconds,
                "rasa_rss_mb_start": rss_mb,
                "rasa_rss_mb_after": rss_after,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    failed = any(sum(r["errors"].values()) or r["lost"] or r["duplicated"] for r in rows)
    return 1 if failed else 0


def _rss_mb(pid: int) -> float:
    total = 0
    for p in [pid] + descendants(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


if __name__ == "__main__":
    raise SystemExit(main())
