#!/bin/sh
# Rebuild the dashboard's vendored assets: npm packages (pinned in frontend/package-lock.json) → vigie/web/static/vendor/.
# The output is committed, so tests and CI do not need npm; run this after changing frontend/package.json.
set -eu
cd "$(dirname "$0")/../frontend"
command -v npm >/dev/null 2>&1 || { echo "error: npm is missing; install it (apt-get install -y npm)" >&2; exit 1; }
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --ignore-scripts
else
    npm install --no-audit --no-fund --ignore-scripts
fi
node build.mjs
