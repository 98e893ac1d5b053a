"""POST /api/documents on every backend: tokens (none, missing, wrong, right), batches, untrusted article text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from vigie.api.tokens import hash_token, new_token
from vigie.records import DocumentSummary, EventRecord
from vigie.store import Store

# English: its model loads in a fraction of the French one's time, and these tests are about the API.
ARTICLE = {"text": "On January 5, 2022, thousands of protesters demonstrated in Almaty.", "lang": "en"}

# Untrusted markup inside an article that still reads as news: it must come back as the same inert text.
HOSTILE_TEXT = (
    "Protests in Almaty <script>alert('xss')</script>.\n"
    "On January 5, 2022, thousands of protesters demonstrated in Almaty, police said. "
    '<img src=x onerror="alert(1)"> See <a href="javascript:alert(document.cookie)">the video</a>.'
)


def assert_error(response: Any, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"ok": False, "error": response.json()["error"], "status": status}
    assert fragment in response.json()["error"]


@pytest.fixture
def token(store: Store) -> str:
    """A write token whose hash is in the store, as `vigie token create` leaves it."""
    secret = new_token()
    store.add_token_hash(hash_token(secret), "tests")
    return secret


def test_api_post_is_refused_while_no_token_exists(api_client: Any, store: Store) -> None:
    response = api_client.post("/api/documents", json=ARTICLE, headers={"Authorization": "Bearer anything"})

    assert_error(response, 403, "read-only")
    assert "vigie token create" in response.json()["error"]
    assert store.counts() == {"documents": 0, "events": 0}


@pytest.mark.parametrize(
    ("headers", "status", "fragment"),
    [
        ({}, 401, "write token is required"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "write token is required"),
        ({"Authorization": "Bearer "}, 401, "write token is required"),
        ({"Authorization": "Bearer vigie_wrong"}, 403, "not valid"),
    ],
)
def test_api_post_without_the_right_token_writes_nothing(
    api_client: Any, store: Store, token: str, headers: dict[str, str], status: int, fragment: str
) -> None:
    response = api_client.post("/api/documents", json=[ARTICLE, ARTICLE], headers=headers)

    assert_error(response, status, fragment)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert store.counts() == {"documents": 0, "events": 0}


def test_api_post_token_hash_given_in_settings_is_accepted(store: Store, store_url: str) -> None:
    from fastapi.testclient import TestClient

    from vigie.api.app import create_app
    from vigie.api.deps import ApiSettings

    secret = new_token()
    app = create_app(ApiSettings(store_url=store_url, write_token_hashes=frozenset({hash_token(secret)})))
    with TestClient(app) as client:
        assert client.get("/api/health").json()["writable"] is True
        # An empty batch gets past the token check (no extraction needed to prove it) and is refused on its merits.
        response = client.post("/api/documents", json=[], headers={"Authorization": f"Bearer {secret}"})
        assert_error(response, 422, "at least one article")
        wrong = client.post("/api/documents", json=[], headers={"Authorization": f"Bearer {secret}x"})
        assert_error(wrong, 403, "not valid")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # validation happens before the store is used
def test_api_post_rejects_bad_bodies_with_a_message(api_client: Any, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}

    assert_error(api_client.post("/api/documents", json={"title": "no text"}, headers=auth), 422, "body 'text'")
    assert_error(api_client.post("/api/documents", json={**ARTICLE, "published": "hier"}, headers=auth), 422, "body")
    bad_json = api_client.post(
        "/api/documents", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert_error(bad_json, 422, "not valid JSON")
    assert_error(api_client.post("/api/documents", json=[ARTICLE] * 101, headers=auth), 413, "at most 100 articles")


def test_api_post_stores_a_batch_and_keeps_hostile_markup_as_inert_text(
    api_client: Any, store: Store, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    hostile = {"text": HOSTILE_TEXT, "doc_id": "doc-hostile", "lang": "en", "published": "2022-01-06",
               "title": "<b onmouseover=alert(1)>Almaty</b>"}  # fmt: skip

    response = api_client.post("/api/documents", json=[hostile, {**ARTICLE, "doc_id": "doc-plain"}], headers=auth)

    assert response.status_code == 201, response.text
    result = response.json()
    assert [(d["doc_id"], d["status"]) for d in result["documents"]] == [
        ("doc-hostile", "stored"),
        ("doc-plain", "stored"),
    ]
    assert result["events"], "the protest sentences give events"
    assert {e["doc_id"] for e in result["events"]} == {"doc-hostile", "doc-plain"}
    assert store.counts()["documents"] == 2
    assert store.counts()["events"] == len(result["events"])

    shown = api_client.get("/api/documents/doc-hostile")
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "application/json"
    assert "default-src 'self'" in shown.headers["content-security-policy"]
    assert shown.headers["x-content-type-options"] == "nosniff"
    body = json.loads(shown.content)  # the whole body is one JSON document, the markup only inside its strings
    assert body["text"] == HOSTILE_TEXT
    assert store.document_text("doc-hostile") == HOSTILE_TEXT
    assert body["document"]["title"] == hostile["title"]
    for span in body["spans"]:
        assert HOSTILE_TEXT[span["start"] : span["end"]] == span["text"]
    listed = api_client.get("/api/events", params={"doc_id": "doc-hostile"}).json()["events"]
    assert sorted(e["id"] for e in listed) == sorted(e["id"] for e in result["events"] if e["doc_id"] == "doc-hostile")

    again = api_client.post("/api/documents", json=hostile, headers=auth)  # same text: not extracted again
    assert again.status_code == 201
    assert again.json()["documents"] == [
        {"doc_id": "doc-hostile", "status": "unchanged", "outcome": None, "reason": None,
         "event_count": len(listed)}
    ]  # fmt: skip
    assert [e["id"] for e in again.json()["events"]] == [e["id"] for e in listed]
    assert store.counts()["documents"] == 2


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_api_health_says_writable_once_a_token_exists(
    api_client: Any, store: Store, make_summary: Callable[..., DocumentSummary], make_event: Callable[..., EventRecord]
) -> None:
    assert api_client.get("/api/health").json()["writable"] is False

    store.add_token_hash(hash_token(new_token()))

    assert api_client.get("/api/health").json()["writable"] is True
