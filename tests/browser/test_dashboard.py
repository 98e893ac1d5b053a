"""The dashboard in real headless Chromium (Debian's, driven by Playwright) against `vigie serve` on a free port.

The store holds the seed article (../shared/seed, when present), the bundled samples and one hostile article.
Without Chromium or Playwright the tests are skipped, unless CI is set: then they fail and say why.
A failing test leaves a screenshot in build/browser-screenshots/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vigie.api_bench import free_port
from vigie.dashboard_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed"
SAMPLES = ROOT / "vigie" / "samples"
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
TIMEOUT_MS = 10_000

# Markup in an article is text: it must show as typed and do nothing.
XSS_DOC_ID = "xss-test-en"
XSS_TEXT = """Protest in Nairobi over bread prices

On 3 March 2025, about two thousand residents protested in Nairobi against the rise in bread prices \
<script>alert(1)</script> and marched to parliament.
Police arrested twelve demonstrators near the market, witnesses said <img src=x onerror=alert(1)>.
Organisers posted a statement at <a href="javascript:alert(1)">javascript:alert(1)</a> calling for new protests.
"""
XSS_META = {
    "doc_id": XSS_DOC_ID,
    "lang": "en",
    "published": "2025-03-04",
    "title": "<img src=x onerror=alert(1)> Nairobi protest",
    "source": "<script>alert(1)</script>",
    "url": "javascript:alert(1)",
}


def unavailable(reason: str) -> None:
    """Skip, or fail under CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    script = ROOT / "scripts" / "chromium.sh"
    try:
        done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        unavailable(f"{script} failed: {err}")
        return
    if done.returncode != 0 or not CHROMIUM.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        unavailable(f"{CHROMIUM} is missing and {script} could not install it: {last}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@dataclass
class Server:
    url: str

    def api(self, path: str) -> Any:
        return get_json(f"{self.url}{path}")


def ingest_articles(db: Path, folder: Path) -> None:
    """Ingest the seed, the samples and the hostile article into `db` through the library."""
    from vigie.ingest import ingest
    from vigie.store import open_store

    hostile = folder / "hostile"
    hostile.mkdir()
    (hostile / f"{XSS_DOC_ID}.txt").write_text(XSS_TEXT, encoding="utf-8")
    (hostile / f"{XSS_DOC_ID}.meta.json").write_text(json.dumps(XSS_META), encoding="utf-8")
    paths = [SAMPLES, hostile] + ([SEED] if SEED.is_dir() else [])
    with open_store(str(db)) as store:
        report = ingest(paths, store)
    assert not report.failures, report.failures


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`vigie serve` (uvicorn) on a free loopback port over a filled store, stopped at the end of the session."""
    from vigie.store import open_store

    folder = tmp_path_factory.mktemp("dashboard")
    db = folder / "events.db"
    open_store(str(db), create=True).close()
    port = free_port()
    command = [sys.executable, "-c", "from vigie.cli import main; main()", "serve", "--db", str(db)]
    command += ["--port", str(port), "--log-level", "warning"]
    # The server boots (imports, ~5 s) while the articles are extracted; it reads the store per request.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        ingest_articles(db, folder)
        deadline = time.monotonic() + 60
        while True:
            try:
                get_json(f"{url}/api/health")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"vigie serve did not start: {output[-2000:]}")
                time.sleep(0.2)
        yield Server(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    ensure_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install playwright==1.65.2 (never `playwright install`)")
        return
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What the page did that it should not: dialogs (alert), console errors (CSP violations), page errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Any, server: Server, watch: Watch, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page at 1280×800 that records dialogs and errors; screenshot kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: watch.errors.append(str(error)))
    failed_before = request.session.testsfailed
    yield tab
    # The call phase has been reported by now: a failure raised testsfailed.
    if request.session.testsfailed > failed_before:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def open_dashboard(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/{query}")
    page.wait_for_selector("body[data-ready=true]")


def shown_on_map(page: Any) -> int:
    """Events drawn on the map: single markers plus the counts of clusters."""
    counts: list[str] = page.locator("#map .cluster").evaluate_all("nodes => nodes.map(n => n.dataset.count)")
    markers = int(page.locator("#map .marker").count())
    return markers + sum(int(count) for count in counts)


def located_events(server: Server, query: str = "") -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = server.api(f"/api/events?format=geojson&limit=1000{query}")["features"]
    return features


def assert_clean(watch: Watch) -> None:
    assert watch.dialogs == []
    assert watch.errors == []


def test_dashboard_map_shows_every_located_event(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    located = located_events(server)
    assert located
    assert page.locator("#map path.country").count() > 150
    assert shown_on_map(page) == len(located)
    assert_clean(watch)


def test_dashboard_timeline_shows_the_months_of_the_data(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    days = sorted(server.api("/api/stats")["by_day"])
    months = sorted({day[:7] for day in days})
    first_label = page.locator("#timeline text.tick").first
    assert first_label.get_attribute("data-month") == months[0]
    if SEED.is_dir():
        assert months[0] == "2022-01"
        assert first_label.text_content() == "Jan 2022"
    for month in months:
        assert page.locator(f'#timeline .day[data-day^="{month}"]').count() > 0, month
    assert page.locator("#timeline .day").count() == len(days)
    assert_clean(watch)


def test_clicking_a_marker_shows_its_evidence_highlighted(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    # Clusters open as the map zooms in; then single markers can be clicked.
    while page.locator("#map .marker").count() == 0:
        page.locator("#map .cluster").first.click()
    marker = page.locator("#map .marker").first
    event_id = marker.get_attribute("data-event-id")
    marker.click()
    event = server.api(f"/api/events/{event_id}")
    mark = page.locator("#detail-paragraph mark.evidence")
    mark.wait_for()
    assert mark.text_content() == event["evidence"]["text"]
    assert mark.is_visible()
    assert page.locator(f'#events .event.selected[data-event-id="{event_id}"]').count() == 1
    assert f"event={event_id}" in page.url
    assert_clean(watch)


def test_clicking_a_list_item_shows_its_evidence_inside_its_paragraph(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    item = page.locator("#events .event").nth(1)
    event_id = item.get_attribute("data-event-id")
    item.click()
    event = server.api(f"/api/events/{event_id}")
    mark = page.locator("#detail-paragraph mark.evidence")
    mark.wait_for()
    assert mark.text_content() == event["evidence"]["text"]
    paragraph = page.locator("#detail-paragraph").text_content() or ""
    assert event["evidence"]["text"] in paragraph
    assert page.locator(f'#map .marker.selected[data-event-id="{event_id}"], #map .cluster').count() > 0
    # A shared link opens the same event.
    again = page.context.new_page()
    open_dashboard(again, server, f"?event={event_id}")
    again.locator("#detail-paragraph mark.evidence").wait_for()
    assert again.locator("#detail-paragraph mark.evidence").text_content() == event["evidence"]["text"]
    again.close()
    assert_clean(watch)


def test_type_filter_changes_map_and_list_and_is_kept_in_the_url(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    total = page.locator("#events .event").count()
    by_type = server.api("/api/stats")["by_type"]
    chosen = max(by_type, key=lambda name: (by_type[name], name))
    page.select_option("#filters select[name=type]", chosen)
    page.wait_for_function(
        "n => document.querySelectorAll('#events .event').length === n", arg=min(by_type[chosen], 100)
    )
    types = set(page.locator("#events .event").evaluate_all("nodes => nodes.map(n => n.dataset.type)"))
    assert types == {chosen}
    assert page.locator("#events .event").count() < total
    page.wait_for_function("n => document.querySelectorAll('#map .marker, #map .cluster').length > 0")
    assert shown_on_map(page) == len(located_events(server, f"&type={chosen}"))
    assert f"type={chosen}" in page.url
    # Opening the URL restores the view.
    again = page.context.new_page()
    open_dashboard(again, server, f"?type={chosen}")
    assert again.locator("#filters select[name=type]").input_value() == chosen
    assert again.locator("#events .event").count() == page.locator("#events .event").count()
    again.close()
    assert_clean(watch)


def test_brushing_the_timeline_filters_map_and_list_by_date(page: Any, server: Server, watch: Watch) -> None:
    open_dashboard(page, server)
    first_day = page.locator("#timeline .day").first
    box = first_day.bounding_box()
    assert box is not None
    day = first_day.get_attribute("data-day") or ""
    # Drag from just left of the first day's bar to just right of it.
    page.mouse.move(box["x"] - 3, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 3, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_url("**until=*")
    query = dict(part.split("=", 1) for part in page.url.split("?", 1)[1].split("&"))
    since, until = query["since"], query["until"]
    assert since <= day <= until
    expected = server.api(f"/api/stats?since={since}&until={until}")["total"]
    page.wait_for_function(
        "n => document.querySelectorAll('#events .event').length === n && !/loading/.test("
        "document.getElementById('status').textContent)",
        arg=min(expected, 100),
    )
    dates = set(page.locator("#events .event .date").all_text_contents())
    assert dates and all(since <= d <= until for d in dates), (since, until, dates)
    assert page.locator("#filters input[name=since]").input_value() == since
    assert page.locator("#timeline rect.brush").count() == 1
    assert shown_on_map(page) == len(located_events(server, f"&since={since}&until={until}"))
    assert_clean(watch)


def test_hostile_article_renders_inert(page: Any, server: Server, watch: Watch) -> None:
    events = server.api(f"/api/events?doc_id={XSS_DOC_ID}")["events"]
    assert events, "the hostile article gave no event"
    script_event = next(e for e in events if "<script>" in e["evidence"]["text"])
    open_dashboard(page, server, f"?event={script_event['id']}")
    mark = page.locator("#detail-paragraph mark.evidence")
    mark.wait_for()
    assert "<script>alert(1)</script>" in (mark.text_content() or "")
    page.locator("#detail summary").click()
    whole = page.locator("#detail-text")
    assert "<img src=x onerror=alert(1)>" in (whole.text_content() or "")
    assert '<a href="javascript:alert(1)">javascript:alert(1)</a>' in (whole.text_content() or "")
    assert whole.is_visible()
    assert page.locator("#detail-title").text_content() == XSS_META["title"]
    assert "<script>alert(1)</script>" in (page.locator("#detail-meta").text_content() or "")
    # The list shows the same text as text too.
    assert page.get_by_text("<img src=x onerror=alert(1)>.", exact=False).count() >= 1
    # Nothing the article says became an element, and no script ran.
    assert page.locator("img").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("script").count() == 4  # ours: d3-array, d3-geo, topojson-client, app.js
    page.wait_for_timeout(300)
    assert_clean(watch)


def test_pages_come_with_the_content_security_policy(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/", timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'")
