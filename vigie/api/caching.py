"""Responses computed from the data (statistics, health counts), cached while the store's data version holds.

The body is cached as JSON bytes with an ETag (a hash of the body, the same in every worker process); a client
that sends it back in If-None-Match gets 304 Not Modified. `Cache-Control: no-cache` has browsers ask each time, so
a view never shows figures older than the data.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from vigie.api.served import ServedStore

T = TypeVar("T")

#: Cached responses kept (least recently used dropped first).
CACHE_ENTRIES = 512


class VersionedCache:
    """Values computed from the data, kept while the data version is the same; one computation per key at a time.

    Concurrent requests for a key being computed wait for that computation instead of starting their own (a cold
    /api/stats over a million events asked for by fifty clients at once is computed once).
    """

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self._lock = threading.Lock()
        self._values: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
        self._pending: dict[tuple[str, Any], Future[Any]] = {}

    def peek(self, key: str, version: Any) -> Any | None:
        """The cached value of `key` at `version`, or None."""
        if version is None:
            return None
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] != version:
                return None
            self._values.move_to_end(key)
            return found[1]

    def get(self, key: str, version: Any, compute: Callable[[], T]) -> T:
        """The value of `key` at `version`: cached, being computed by another thread, or computed now."""
        if version is None:  # no version: nothing can be cached
            return compute()
        cached: T | None = self.peek(key, version)
        if cached is not None:
            return cached
        with self._lock:
            pending = self._pending.get((key, version))
            owner = pending is None
            if pending is None:
                pending = self._pending[(key, version)] = Future()
        if not owner:
            result: T = pending.result()
            return result
        try:
            value = compute()
        except BaseException as err:
            pending.set_exception(err)
            raise
        else:
            pending.set_result(value)
            with self._lock:
                self._values[key] = (version, value)
                self._values.move_to_end(key)
                while len(self._values) > self.entries:
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop((key, version), None)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


async def cached_json(request: Request, store: ServedStore, key: str, compute: Callable[[], bytes]) -> Response:
    """The JSON response `compute()` gives (run in the thread pool), cached under `key` and the data version."""
    cache: VersionedCache = request.app.state.cache
    version = store.data_version()
    found: tuple[bytes, str] | None = cache.peek(key, version)
    if found is None:

        def body_and_etag() -> tuple[bytes, str]:
            body = compute()
            return body, etag_of(body)

        found = await run_in_threadpool(cache.get, key, version, body_and_etag)
    body, etag = found
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
