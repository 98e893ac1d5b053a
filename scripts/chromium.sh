#!/bin/sh
# Install Debian's Chromium and a font for the browser tests and docs/dashboard.png (idempotent).
# Never `playwright install`: Playwright drives /usr/bin/chromium (executable_path).
set -eu

if [ -x /usr/bin/chromium ]; then
    echo "chromium present: /usr/bin/chromium"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: /usr/bin/chromium is missing and apt-get needs root; run as root or install sudo" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they do not offer chromium yet (a fresh image has none).
if ! apt-cache show chromium >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
