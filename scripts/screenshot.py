"""Refresh docs/dashboard.png: fill a throwaway store, run `vigie serve`, photograph the dashboard in headless Chromium.

Usage: .venv/bin/python scripts/screenshot.py [--db events.db] [--out docs/dashboard.png] [--query '?type=PROTEST']

Without --db the store holds the seed article (../shared/seed, when present) and the bundled samples
(vigie/samples/). Needs Debian's Chromium (scripts/chromium.sh) and Playwright (pip install playwright==1.65.2);
never `playwright install`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from vigie.api_bench import serve
from vigie.dashboard_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed"
SAMPLES = ROOT / "vigie" / "samples"


def fill_store(db: Path) -> None:
    from vigie.ingest import ingest
    from vigie.store import open_store

    paths = [SAMPLES] + ([SEED] if SEED.is_dir() else [])
    with open_store(str(db), create=True) as store:
        report = ingest(paths, store)
    print(f"ingested {report.documents} documents, {report.events} events", file=sys.stderr)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def default_query(url: str) -> str:
    """Open the most confident event of the first day with events, so the evidence panel shows."""
    events = get_json(f"{url}/api/events?limit=50")["events"]
    dated = [e for e in events if e.get("date") and e["place"].get("lat") is not None]
    if not dated:
        return ""
    first_day = dated[0]["date"]
    best = max((e for e in dated if e["date"] == first_day), key=lambda e: e["confidence"])
    return "?" + urllib.parse.urlencode({"event": best["id"]})


def photograph(url: str, out: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        page.wait_for_timeout(300)  # the evidence panel fills after the list
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, help="An existing store to show (default: a fresh one with the samples).")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    parser.add_argument("--query", help="Dashboard state, e.g. '?type=PROTEST' (default: the first event opened).")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()

    if not CHROMIUM.exists():
        subprocess.run(["sh", str(ROOT / "scripts" / "chromium.sh")], check=True)
    with tempfile.TemporaryDirectory(prefix="vigie-shot-") as scratch:
        db = args.db or Path(scratch) / "events.db"
        if args.db is None:
            fill_store(db)
        with serve(str(db)) as server:
            query = args.query if args.query is not None else default_query(server.url)
            photograph(f"{server.url}/{query}", args.out, args.width, args.height)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
