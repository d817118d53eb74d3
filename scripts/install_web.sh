#!/usr/bin/env bash
# Install the chat widget (web/package-lock.json, rasa-webchat pinned) and copy its
# bundle to bot/web/static/vendor/. A stamp keyed on the lock file and the build
# script makes a second run a no-op; `npm ci` runs only when they changed.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMP=web/node_modules/.installed
BUNDLE=bot/web/static/vendor/rasa-webchat-1.0.1.js
want=$(cat web/package.json web/package-lock.json web/build.mjs | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$BUNDLE" ]; then
  echo "[setup] chat widget up to date ($BUNDLE)"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "[setup] error: Node.js and npm are needed to install the chat widget (apt-get install nodejs npm)" >&2
  exit 2
fi
echo "[setup] installing the chat widget: npm ci in web/ (rasa-webchat 1.0.1, about a minute the first time)"
# --omit=peer: the bundle already contains React; --ignore-scripts: nothing needs building.
# No dependency may download a browser or any other binary.
if ! (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --omit=peer --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 \
      | sed -u '/^\s*$/d; s/^/[setup]   /'); then
  echo "[setup] error: npm ci in web/ failed (see above)" >&2
  exit 2
fi
node web/build.mjs
echo "$want" > "$STAMP"
echo "[setup] chat widget ready"
