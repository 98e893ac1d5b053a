"""Schemathesis over the served OpenAPI (issue 6, acceptance 4): generated requests never get a 5xx.

Every GET operation is fuzzed from the app's /openapi.json over a SQLite store holding a few events; POST
/api/documents is fuzzed without a write token and must answer 4xx and write nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

from vigie.api.app import create_app
from vigie.api.deps import ApiSettings
from vigie.api.tokens import hash_token, new_token
from vigie.records import DocumentSummary, EventRecord
from vigie.store import open_store

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def fuzz_store(
    tmp_path: Path,
    make_event: Callable[..., EventRecord],
    make_summary: Callable[..., DocumentSummary],
    sample_text: str,
) -> str:
    """A SQLite store with one document, three events (one undated, one unlocated) and a write token."""
    url = str(tmp_path / "store" / "vigie.db")
    events = [
        make_event(id="evt-a1", flags=["hedge"]),
        make_event(id="evt-a2", type="ASSAULT", date="2022-01-06T21:00", quantities={"killed": 3}),
        make_event(id="evt-a3", date=None, date_precision="unknown", date_status="unresolved", place={}),
    ]
    with open_store(url, create=True) as store:
        store.save(make_summary(event_count=len(events)), sample_text, events)
        # A token exists, so a request without one is refused for lack of it (401), not as read-only (403).
        store.add_token_hash(hash_token(new_token()), "schemathesis")
    return url


# The schema as the app serves it at /openapi.json, fetched in process (ASGI) from an app over an empty store;
# pytest 9.2 breaks schemathesis.pytest.from_fixture (it sets Function._nodeid), so the schema loads at import.
_SCHEMA_STORE = Path(tempfile.mkdtemp(prefix="vigie-schemathesis.")) / "schema.db"
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(ApiSettings(store_url=str(_SCHEMA_STORE), create_store=True))
)


@pytest.fixture
def fuzz_app(fuzz_store: str) -> Iterator[Any]:
    """The app each generated request goes to (`case.call(app=…)`): over the seeded store."""
    yield create_app(ApiSettings(store_url=fuzz_store))
    shutdown_lifespans()  # Schemathesis started the apps' lifespans; this closes their stores


@schema.include(method="GET").parametrize()
@FUZZ
def test_api_get_operations_never_answer_5xx(case: schemathesis.Case[Any], fuzz_app: Any) -> None:
    case.call_and_validate(app=fuzz_app, checks=[not_a_server_error])


@schema.include(method="POST", path="/api/documents").parametrize()
@FUZZ
def test_api_post_documents_without_a_token_is_4xx_and_writes_nothing(
    case: schemathesis.Case[Any], fuzz_app: Any, fuzz_store: str
) -> None:
    if case.headers:
        case.headers.pop("Authorization", None)
    response = case.call_and_validate(app=fuzz_app, checks=[not_a_server_error])

    assert 400 <= response.status_code < 500, response.text
    with open_store(fuzz_store) as store:
        assert store.counts() == {"documents": 1, "events": 3}
