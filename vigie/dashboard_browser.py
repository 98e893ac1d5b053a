"""The headless Chromium that photographs and tests the dashboard: Debian's package, driven by Playwright
(never `playwright install`; scripts/chromium.sh installs it). Used by scripts/screenshot.py and the browser
tests."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers and CI run as root), no GPU, and no traffic of the browser's own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
