"""NLU benchmark: project pipeline (config.yml) vs Rasa's stock pipeline.

Trains both on data/nlu with fixed seeds, parses each held-out set in-process,
prints one table per set and writes the figures to bench/results/nlu.json.
Scoring rules: bot/nlu/evaluation.py. Held-out sets:
- tests/nlu/heldout.yml: written by the NLU engineer alongside the training data;
- tests/nlu/heldout_blind.yml: written by someone who never saw data/nlu;
- tests/nlu/heldout_final.yml: written blind and sealed, evaluated once, a dev set since;
- tests/nlu/heldout_final2.yml: written blind and sealed, evaluated once, a dev set since;
- tests/nlu/heldout_final3.yml: written blind and sealed until the last round of changes: the test set.

    .venv/bin/python bench/nlu.py [--skip-stock] [--config config.yml]

The stock pipeline cannot emit catalogue ids for surface forms it never saw
(it only has EntitySynonymMapper over the annotated training examples); its
entity F1 is computed on exactly the values it emits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# No training cache: both pipelines are trained from scratch, every run.
os.environ["RASA_MAX_CACHE_SIZE"] = "0"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from bot.nlu import evaluation as ev  # noqa: E402

PIPELINES = {
    "project": "config.yml",
    "stock": "bench/stock_config.yml",
}


def quiet() -> None:
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def train(config: str, out_dir: str, name: str) -> tuple[str, float]:
    from rasa.model_training import train_nlu

    t0 = time.perf_counter()
    model = train_nlu(config=config, nlu_data="data/nlu", output=out_dir, fixed_model_name=name)
    return model, time.perf_counter() - t0


def evaluate(model_path: str, examples) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results, durations = ev.parse_all(agent, [e["text"] for e in examples])
    return {
        "scores": ev.score(examples, results),
        "median_parse_ms": ev.median_ms(durations),
        "errors": ev.errors(examples, results),
    }


def fmt(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def table(report: dict) -> str:
    names = list(report["pipelines"])
    rows = [
        ("intent accuracy", lambda s: s["intent_accuracy"]),
        ("intent macro-F1", lambda s: s["intent_macro_f1"]),
    ]
    for etype in ev.REPORTED_ENTITY_TYPES + ["overall"]:
        rows.append((f"entity F1 {etype}", lambda s, t=etype: s["entity"][t]["f1"]))
    rows.append(("out-of-scope -> oos/fallback", lambda s: s["out_of_scope_rate"]))
    groups = ["accented", "plain", "teencode", "nfd", "all"]
    head = f"{'metric':30s} {'pipeline':9s}" + "".join(f"{g:>10s}" for g in groups)
    lines = [head, "-" * len(head)]
    for label, get in rows:
        for name in names:
            scores = report["pipelines"][name]["scores"]
            cells = []
            for g in groups:
                s = scores.get(g)
                val = get(s) if s else None
                cells.append(f"{fmt(val):>10s}")
            lines.append(f"{label:30s} {name:9s}" + "".join(cells))
    lines.append("-" * len(head))
    n = report["pipelines"][names[0]]["scores"]
    lines.append("n: " + ", ".join(f"{g}={n[g]['n']}" for g in groups if g in n))
    for name in names:
        p = report["pipelines"][name]
        lines.append(
            f"{name:9s} training time {p['train_seconds']:.1f} s; "
            f"median in-process parse {p['median_parse_ms']:.2f} ms/message"
        )
    if "stock" in report["pipelines"] and "project" in report["pipelines"]:
        for g in ("plain", "teencode"):
            d = (
                report["pipelines"]["project"]["scores"][g]["intent_accuracy"]
                - report["pipelines"]["stock"]["scores"][g]["intent_accuracy"]
            )
            lines.append(f"intent accuracy gain over stock on {g}: {100 * d:+.1f} points")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=PIPELINES["project"])
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--out", default="bench/results/nlu.json")
    parser.add_argument("--show-errors", action="store_true", help="list misparsed items")
    parser.add_argument(
        "--heldout",
        nargs="+",
        default=[
            str(ev.HELDOUT_PATH),
            "tests/nlu/heldout_blind.yml",
            "tests/nlu/heldout_final.yml",
            "tests/nlu/heldout_final2.yml",
            "tests/nlu/heldout_final3.yml",
        ],
    )
    args = parser.parse_args()
    quiet()

    sets = {path: ev.load_heldout(Path(path)) for path in args.heldout}
    pipelines = {"project": args.config}
    if not args.skip_stock:
        pipelines["stock"] = PIPELINES["stock"]

    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_at_start": os.getloadavg(),
    }
    reports = {
        path: {"heldout": path, "n_examples": len(examples), "machine": machine, "pipelines": {}}
        for path, examples in sets.items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in pipelines.items():
            model, seconds = train(config, tmp, name)
            for path, examples in sets.items():
                result = evaluate(model, examples)
                reports[path]["pipelines"][name] = {"config": config, "train_seconds": seconds, **result}
    for path, report in reports.items():
        text = table(report)
        report["table"] = text
        if args.show_errors:
            for name, p in report["pipelines"].items():
                print(f"--- errors: {name} on {path}")
                for row in p["errors"]:
                    print(json.dumps(row, ensure_ascii=False))
        print(f"\n=== held-out set {path} ({report['n_examples']} items)")
        print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"sets": reports}, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
