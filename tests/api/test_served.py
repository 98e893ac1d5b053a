"""What the API adds to the store for speed: pooled readers, a data version, cached stats with ETags, raw events."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vigie.api.caching import VersionedCache
from vigie.api.served import ServedStore
from vigie.records import DocumentSummary, EventQuery, EventRecord
from vigie.store import Store, open_store


def test_api_stats_is_cached_until_the_data_changes(
    api_client: Any, store: Store, make_event: Callable[..., EventRecord], make_summary: Callable[..., DocumentSummary]
) -> None:
    store.save(make_summary(event_count=1), "Protest in Almaty.", [make_event(id="evt-1")])
    first = api_client.get("/api/stats")
    etag = first.headers["etag"]

    again = api_client.get("/api/stats", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert again.headers["etag"] == etag
    assert "content-security-policy" in again.headers

    # Written through another connection: the next request sees it.
    second = make_summary(doc_id="doc-2", content_hash="hash-2", event_count=1)
    store.save(second, "Strike.", [make_event(id="e2", doc_id="doc-2")])
    after = api_client.get("/api/stats", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["total"] == first.json()["total"] + 1
    assert after.headers["etag"] != etag
    assert after.headers["cache-control"] == "no-cache"


def test_served_store_reads_on_several_connections_and_sees_every_write(
    tmp_path: Path, make_event: Callable[..., EventRecord], make_summary: Callable[..., DocumentSummary]
) -> None:
    url = str(tmp_path / "vigie.db")
    with ServedStore(url, create=True, readers=2) as served, open_store(url) as other:
        with served._reader() as first, served._reader() as second:
            assert first is not second and served.primary not in (first, second)
        before = served.data_version()
        assert before is not None
        other.save(make_summary(event_count=1), "Protest in Almaty.", [make_event(id="evt-1")])
        assert served.data_version() != before
        middle = served.data_version()
        served.save(make_summary(doc_id="doc-2", content_hash="hash-2", event_count=1), "Strike.", [])
        assert served.data_version() != middle
        assert served.counts() == {"documents": 2, "events": 1}


def test_served_store_has_no_version_for_an_in_memory_store() -> None:
    with ServedStore(":memory:", create=True) as served:
        assert served.data_version() is None
        assert served.counts() == {"documents": 0, "events": 0}


class _RawStore:
    """A store that hands over its records as JSON (what events_json asks of a store that keeps them so)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.raw_calls = 0

    def events(self, query: EventQuery) -> list[EventRecord]:
        raise AssertionError("events_json should be used")

    def events_json(self, query: EventQuery) -> list[str]:
        self.raw_calls += 1
        return [event.model_dump_json() for event in self.store.events(query)]

    def close(self) -> None:
        self.store.close()


def test_events_json_takes_the_stores_raw_records_when_it_offers_them(
    make_event: Callable[..., EventRecord], make_summary: Callable[..., DocumentSummary]
) -> None:
    with ServedStore(":memory:", create=True) as served:
        events = [make_event(id="evt-1"), make_event(id="evt-2", type="ASSAULT")]
        served.save(make_summary(event_count=2), "Protest in Almaty.", events)
        plain = served.events_json(EventQuery())
        assert plain == [event.model_dump_json() for event in events]

        raw = _RawStore(served.primary)
        served.primary = raw  # type: ignore[assignment]
        assert served.events_json(EventQuery(limit=1)) == plain[:1]
        assert raw.raw_calls == 1


def test_versioned_cache_computes_a_key_once_for_concurrent_callers() -> None:
    cache = VersionedCache()
    calls: list[int] = []
    release = threading.Event()

    def compute() -> str:
        calls.append(1)
        release.wait(5)
        return "value"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", 1, compute))) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    release.set()
    for thread in threads:
        thread.join(5)

    assert results == ["value"] * 5 and len(calls) == 1
    assert cache.peek("k", 1) == "value" and cache.peek("k", 2) is None
    assert cache.get("k", 2, lambda: "new") == "new"
    assert cache.get("k", None, lambda: "uncached") == "uncached"


def test_versioned_cache_keeps_the_most_recent_entries() -> None:
    cache = VersionedCache(entries=2)
    for key in ("a", "b", "c"):
        cache.get(key, 1, lambda key=key: key)
    assert cache.peek("a", 1) is None and cache.peek("c", 1) == "c"
