"""The read endpoints on every backend: events (filters, pages, formats), one event, documents, stats, health."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from openapi_spec_validator import validate

from vigie.records import DocumentSummary, EventRecord
from vigie.store import Store

Builder = Callable[..., EventRecord]

# Two documents; dates with ties, a timestamp and undated events, so pages cut across equal sort keys.
OTHER_TEXT = "Grève à Lviv.\nLes mineurs ont cessé le travail le 7 janvier.\nУ Львові страйк."


def seed_events(make_event: Builder) -> list[EventRecord]:
    """The events of the read tests, in the order the API lists them (date, then id, undated last)."""
    other = {
        "doc_id": "doc-lviv",
        "lang": "uk",
        "evidence": {"text": "Les mineurs ont cessé le travail", "start": 14, "end": 46},
    }
    return [
        make_event(id="evt-a1", date="2022-01-05", flags=["hedge"]),
        make_event(id="evt-a2", date="2022-01-05", type="ASSAULT", confidence=0.4, flags=["hedge", "unconfirmed"]),
        make_event(id="evt-a3", date="2022-01-06T21:00", type="ASSAULT", quantities={"killed": 3}),
        make_event(
            id="evt-b1",
            date="2022-01-07",
            type="STRIKE",
            place={"name": "Lviv", "country": "UA", "lat": 49.84, "lon": 24.03},
            **other,
        ),
        make_event(id="evt-b2", date="2022-01-07", type="STRIKE", place={"name": "Lviv", "country": "UA"}, **other),
        make_event(id="evt-a4", date=None, date_precision="unknown", date_status="unresolved", place={}),
        make_event(id="evt-a5", date=None, date_precision="unknown", date_status="unresolved", type="PROTEST"),
    ]


@pytest.fixture
def seeded(
    store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> list[EventRecord]:
    events = seed_events(make_event)
    almaty = [e for e in events if e.doc_id == "doc-almaty"]
    lviv = [e for e in events if e.doc_id == "doc-lviv"]
    store.save(make_summary(event_count=len(almaty)), sample_text, almaty)
    store.save(make_summary(doc_id="doc-lviv", content_hash="hash-lviv", lang="uk", title="Grève"), OTHER_TEXT, lviv)
    return events


def ids(body: dict[str, Any]) -> list[str]:
    return [event["id"] for event in body["events"]]


def assert_error(response: Any, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["error"]


# -- /api/events --------------------------------------------------------------------------------------------


def test_api_events_lists_every_event_by_date_then_id(api_client: Any, seeded: list[EventRecord]) -> None:
    response = api_client.get("/api/events")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert ids(body) == [e.id for e in seeded]
    assert body["next"] is None
    assert EventRecord.model_validate(body["events"][0]) == seeded[0]


FILTER_CASES: list[tuple[dict[str, str], list[str]]] = [
    ({"type": "ASSAULT"}, ["evt-a2", "evt-a3"]),
    ({"type": "assault"}, ["evt-a2", "evt-a3"]),
    ({"since": "2022-01-06"}, ["evt-a3", "evt-b1", "evt-b2"]),
    ({"until": "2022-01-06"}, ["evt-a1", "evt-a2", "evt-a3"]),
    ({"since": "2022-01-06", "until": "2022-01-06"}, ["evt-a3"]),
    ({"country": "ua"}, ["evt-b1", "evt-b2"]),
    ({"doc_id": "doc-lviv"}, ["evt-b1", "evt-b2"]),
    ({"lang": "uk"}, ["evt-b1", "evt-b2"]),
    ({"flag": "unconfirmed"}, ["evt-a2"]),
    ({"min_confidence": "0.5", "type": "ASSAULT"}, ["evt-a3"]),
    ({"text": "mineurs travail"}, ["evt-b1", "evt-b2"]),
    ({"bbox": "20,40,30,55"}, ["evt-b1"]),
    ({"bbox": "170,-90,30,90"}, ["evt-b1"]),  # across the antimeridian: 170°E eastwards to 30°E
    ({"bbox": "0,0,10,10"}, []),
]


def test_api_events_filters_narrow_the_list(api_client: Any, seeded: list[EventRecord]) -> None:
    # One store for every case: a fresh PostgreSQL schema per case would triple the time of this file.
    for params, expected in FILTER_CASES:
        response = api_client.get("/api/events", params=params)

        assert response.status_code == 200, (params, response.text)
        assert ids(response.json()) == expected, params


def test_api_events_actor_filter_takes_source_or_target_names(api_client: Any, seeded: list[EventRecord]) -> None:
    def named(event: EventRecord, name: str) -> bool:
        actors = [*event.actors.source, *event.actors.target]
        return any(name.casefold() in {(a.text or "").casefold(), (a.canonical or "").casefold()} for a in actors)

    for name in ("manifestants", "MANIFESTANTS", "nobody at all"):
        response = api_client.get("/api/events", params={"actor": name})
        assert response.status_code == 200, response.text
        assert ids(response.json()) == [e.id for e in seeded if named(e, name)], name
    assert ids(api_client.get("/api/events", params={"actor": "manifestants"}).json())  # the seed names them


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_api_events_keyset_pages_return_each_event_once(api_client: Any, seeded: list[EventRecord], limit: int) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(len(seeded) + 2):
        response = api_client.get("/api/events", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["events"]) <= limit
        seen += ids(body)
        if body["next"] is None:
            assert "link" not in response.headers
            break
        params = {"limit": limit, "after": body["next"]}
        assert response.headers["link"] == f'<http://testserver/api/events?{urlencode(params)}>; rel="next"'
    assert seen == [e.id for e in seeded]


def test_api_events_pages_keep_their_filters(api_client: Any, seeded: list[EventRecord]) -> None:
    first = api_client.get("/api/events", params={"type": "ASSAULT", "limit": 1}).json()
    second = api_client.get("/api/events", params={"type": "ASSAULT", "limit": 1, "after": first["next"]}).json()

    assert ids(first) + ids(second) == ["evt-a2", "evt-a3"]
    assert second["next"] is None


def test_api_events_geojson_holds_located_events(api_client: Any, seeded: list[EventRecord]) -> None:
    response = api_client.get("/api/events", params={"format": "geojson", "limit": 4})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == ["evt-a1", "evt-a2", "evt-a3", "evt-b1"]
    assert collection["features"][3]["geometry"] == {"type": "Point", "coordinates": [24.03, 49.84]}
    assert collection["features"][0]["properties"]["type"] == "PROTEST"
    assert collection["next"] is not None


def test_api_events_csv_has_a_header_and_a_row_an_event(api_client: Any, seeded: list[EventRecord]) -> None:
    response = api_client.get("/api/events", params={"format": "csv", "doc_id": "doc-lviv"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["id"], row["country"], row["type"]) for row in rows] == [
        ("evt-b1", "UA", "STRIKE"),
        ("evt-b2", "UA", "STRIKE"),
    ]


@pytest.mark.parametrize(
    ("params", "fragments"),
    [
        ({"since": "5 janvier"}, ["query parameter 'since'", "valid date"]),
        ({"until": "2022-13-01"}, ["query parameter 'until'"]),
        ({"since": "2022-01-07", "until": "2022-01-05"}, ["'until': must not be before 'since'"]),
        ({"country": "KAZ"}, ["query parameter 'country'"]),
        ({"lang": "fr'; --"}, ["query parameter 'lang'"]),
        ({"min_confidence": "1.5"}, ["query parameter 'min_confidence'", "less than or equal to 1"]),
        ({"min_confidence": "high"}, ["query parameter 'min_confidence'"]),
        ({"min_confidence": "nan"}, ["query parameter 'min_confidence'", "finite"]),
        ({"actor": "x" * 201}, ["query parameter 'actor'"]),
        ({"limit": "0"}, ["query parameter 'limit'"]),
        ({"limit": "100000"}, ["query parameter 'limit'"]),
        ({"limit": "ten"}, ["query parameter 'limit'"]),
        ({"format": "xml"}, ["query parameter 'format'", "json", "geojson", "csv"]),
        ({"after": "not-a-cursor"}, ["query parameter 'after'", "next"]),
        ({"bbox": "1,2,3"}, ["query parameter 'bbox'", "west,south,east,north"]),
        ({"bbox": "0,0,200,10"}, ["query parameter 'bbox'", "[-180, 180]"]),
        ({"bbox": "0,10,10,0"}, ["query parameter 'bbox'", "south"]),
        ({"text": "x" * 501}, ["query parameter 'text'"]),
    ],
)
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # rejected before the store is asked
def test_api_events_rejects_bad_parameters_with_a_message(
    api_client: Any, seeded: list[EventRecord], params: dict[str, str], fragments: list[str]
) -> None:
    assert_error(api_client.get("/api/events", params=params), 422, *fragments)


SQL_METACHARACTERS = ["' OR '1'='1", "x'; DROP TABLE events; --", '") OR 1=1 --', "%", "_", "*", "\\", "?", "%s"]


@pytest.mark.parametrize("name", ["type", "doc_id", "flag", "text"])
def test_api_events_filter_with_sql_metacharacters_matches_nothing(
    api_client: Any, seeded: list[EventRecord], name: str
) -> None:
    for value in SQL_METACHARACTERS:
        response = api_client.get("/api/events", params={name: value})

        assert response.status_code == 200, (value, response.text)
        assert ids(response.json()) == [], value
        assert api_client.get("/api/stats", params={name: value}).json()["total"] == 0, value
    assert len(ids(api_client.get("/api/events").json())) == len(seeded)


# -- /api/events/{id} ---------------------------------------------------------------------------------------


def test_api_event_by_id_and_by_unique_prefix(api_client: Any, seeded: list[EventRecord]) -> None:
    by_id = api_client.get("/api/events/evt-b1")
    assert by_id.status_code == 200
    assert EventRecord.model_validate(by_id.json()) == seeded[3]


def test_api_event_unknown_or_ambiguous_id_is_an_error(api_client: Any, seeded: list[EventRecord]) -> None:
    assert_error(api_client.get("/api/events/evt-zzzzzzzz"), 404, "no event 'evt-zzzzzzzz'")
    assert_error(api_client.get("/api/events/" + "x" * 300), 422, "path parameter 'event_id'")


def test_api_event_ambiguous_prefix_is_a_conflict(
    api_client: Any, store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> None:
    store.save(make_summary(), sample_text, [make_event(id="evt-12345678-a"), make_event(id="evt-12345678-b")])

    assert api_client.get("/api/events/evt-12345678-a").status_code == 200
    assert_error(api_client.get("/api/events/evt-12345678"), 409, "matches several events")


# -- /api/documents/{id} ------------------------------------------------------------------------------------


def test_api_document_returns_text_events_and_evidence_offsets(
    api_client: Any, seeded: list[EventRecord], sample_text: str
) -> None:
    response = api_client.get("/api/documents/doc-almaty")

    assert response.status_code == 200
    body = response.json()
    assert body["text"] == sample_text
    assert body["document"]["doc_id"] == "doc-almaty"
    assert sorted(e["id"] for e in body["events"]) == ["evt-a1", "evt-a2", "evt-a3", "evt-a4", "evt-a5"]
    for span in body["spans"]:
        assert sample_text[span["start"] : span["end"]] == span["text"]
        # "à" is one UTF-16 unit too, so the offsets agree on this text.
        assert (span["start_utf16"], span["end_utf16"]) == (span["start"], span["end"])


def test_api_document_utf16_offsets_count_astral_characters(
    api_client: Any, store: Store, make_event: Builder, make_summary: Callable[..., DocumentSummary]
) -> None:
    text = "🇰🇿 Des manifestants ont protesté."
    start = text.index("manifestants")
    event = make_event(evidence={"text": "manifestants ont protesté", "start": start, "end": start + 25})
    store.save(make_summary(), text, [event])

    span = api_client.get("/api/documents/doc-almaty").json()["spans"][0]

    assert (span["start"], span["start_utf16"]) == (start, start + 2)  # each flag letter is a surrogate pair


def test_api_document_unknown_is_404(api_client: Any, seeded: list[EventRecord]) -> None:
    assert_error(api_client.get("/api/documents/no-such-doc"), 404, "no document 'no-such-doc'")


# -- /api/stats and /api/health -----------------------------------------------------------------------------


def test_api_stats_counts_by_type_day_country_language_and_flag(api_client: Any, seeded: list[EventRecord]) -> None:
    response = api_client.get("/api/stats")

    assert response.status_code == 200
    assert response.json() == {
        "total": 7,
        "by_type": {"ASSAULT": 2, "PROTEST": 3, "STRIKE": 2},
        "by_day": {"2022-01-05": 2, "2022-01-06": 1, "2022-01-07": 2},
        "by_country": {"KZ": 4, "UA": 2},
        "by_lang": {"fr": 5, "uk": 2},
        "by_flag": {"hedge": 2, "unconfirmed": 1},
    }


def test_api_stats_takes_the_event_filters(api_client: Any, seeded: list[EventRecord]) -> None:
    body = api_client.get("/api/stats", params={"type": "ASSAULT", "since": "2022-01-06"}).json()

    assert body["total"] == 1
    assert body["by_day"] == {"2022-01-06": 1}
    assert_error(api_client.get("/api/stats", params={"since": "yesterday"}), 422, "'since'")


def test_api_health_reports_counts_and_read_only(api_client: Any, seeded: list[EventRecord]) -> None:
    response = api_client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "documents": 2, "events": 7, "writable": False}


# -- across endpoints ---------------------------------------------------------------------------------------


SOME_PATHS = [
    "/api/events",
    "/api/events/evt-a1",
    "/api/documents/doc-almaty",
    "/api/stats",
    "/api/health",
    "/api/events?limit=0",
    "/no/such/page",
    "/openapi.json",
]


def test_api_every_response_carries_security_headers(api_client: Any, seeded: list[EventRecord]) -> None:
    for path in SOME_PATHS:
        response = api_client.get(path)

        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path


def test_api_errors_share_one_shape(api_client: Any) -> None:
    assert_error(api_client.get("/api/nothing-here"), 404)
    assert_error(api_client.delete("/api/events"), 405)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the schema does not depend on the backend
def test_api_openapi_schema_is_valid_and_lists_every_endpoint(api_client: Any) -> None:
    schema = api_client.get("/openapi.json").json()

    validate(schema)
    assert set(schema["paths"]) == {
        "/api/events",
        "/api/events/{event_id}",
        "/api/documents",
        "/api/documents/{doc_id}",
        "/api/stats",
        "/api/health",
    }
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
