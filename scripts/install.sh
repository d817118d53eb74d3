#!/usr/bin/env bash
# Create .venv and install the pinned environment. A stamp keyed on the lock
# files makes a second run a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
STAMP=.venv/.installed
want=$(cat requirements/lock.txt requirements/rasa.txt | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "[setup] Python environment up to date (.venv)"
  exit 0
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "[setup] error: Python 3.11 is required (found: $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating virtual environment .venv"
  "$PY" -m venv .venv
fi
pip_install() {
  # Show what is being installed, hide pip's noise about optional local indexes.
  set +e
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 \
    | grep --line-buffered -E "^(Collecting|Successfully installed|ERROR)" | sed -u 's/^/[setup]   /'
  local rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || { echo "[setup] error: pip install $* failed (exit $rc)" >&2; exit 2; }
}
echo "[setup] installing pinned dependencies from requirements/lock.txt (TensorFlow, spaCy, underthesea: a few minutes the first time)"
pip_install --no-deps -r requirements/lock.txt
echo "[setup] installing rasa and rasa-sdk (--no-deps --ignore-requires-python: they declare Python <3.11 but run on 3.11)"
pip_install --no-deps --ignore-requires-python -r requirements/rasa.txt
echo "$want" > "$STAMP"
echo "[setup] Python environment ready"
