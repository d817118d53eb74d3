"""Train the Rasa model only when its inputs changed.

The fingerprint covers config.yml, domain.yml, everything under data/ (NLU,
stories, rules, and the catalogue YAML the gazetteer reads) and the code of the
custom NLU components. The model is models/assistant.tar.gz, its fingerprint
models/assistant.fingerprint.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
MODEL = MODELS / "assistant.tar.gz"
FINGERPRINT = MODELS / "assistant.fingerprint"
INPUT_GLOBS = ["config.yml", "domain.yml", "data/**/*.yml", "bot/nlu/**/*.py", "bot/nlu/**/*.yml"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in INPUT_GLOBS for p in ROOT.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> int:
    wanted = fingerprint()
    if MODEL.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text().strip() == wanted:
        print(f"[train] model up to date ({MODEL.relative_to(ROOT)})")
        return 0
    print(
        "[train] training data or config changed: training the model (about 2-4 minutes on 2 cores)",
        flush=True,
    )
    MODELS.mkdir(exist_ok=True)
    started = time.monotonic()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0"}
    cmd = [
        sys.executable,
        "-m",
        "bot.runtime.rasa_main",
        "train",
        "--fixed-model-name",
        "assistant",
        "--out",
        str(MODELS),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0 or not MODEL.exists():
        print("[train] error: training failed (see the output above)", file=sys.stderr)
        return 2
    FINGERPRINT.write_text(wanted + "\n")
    print(f"[train] model trained in {time.monotonic() - started:.0f} s: {MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
