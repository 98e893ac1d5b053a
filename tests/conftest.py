"""Shared fixtures and builders; the only conftest.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from vigie.records import DocumentSummary, EventRecord
from vigie.store import Store, open_store

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- store and record builders (store, exports and CLI tests) ----------------------------------------------

SAMPLE_TEXT = (
    "Manifestations à Almaty.\n"
    "Le 5 janvier, des milliers de manifestants ont protesté contre la réforme du prix du gaz à Almaty. "
    "Selon la police, 3000 personnes étaient présentes.\n"
    "Le gouvernement a démissionné."
)


def build_event(**overrides: Any) -> EventRecord:
    """A valid EventRecord (a protest in Almaty); `overrides` replace fields, nested ones as dicts."""
    evidence_text = "des milliers de manifestants ont protesté contre la réforme du prix du gaz"
    start = SAMPLE_TEXT.index(evidence_text)
    fields: dict[str, Any] = {
        "id": "evt-0001-almaty-protest",
        "doc_id": "doc-almaty",
        "type": "PROTEST",
        "mode": "demonstrate",
        "date": "2022-01-05",
        "date_precision": "day",
        "date_status": "exact",
        "date_text": "Le 5 janvier",
        "place": {"name": "Almaty", "country": "KZ", "lat": 43.25, "lon": 76.95, "precision": "city"},
        "actors": {"source": [{"text": "manifestants", "kind": "protesters"}]},
        "quantities": {"participants": 1000},
        "evidence": {"text": evidence_text, "start": start, "end": start + len(evidence_text)},
        "trigger": "protesté",
        "confidence": 0.8,
        "lang": "fr",
    }
    fields.update(overrides)
    return EventRecord.model_validate(fields)


def build_full_event(**overrides: Any) -> EventRecord:
    """An EventRecord with every field set, for round trips."""
    fields: dict[str, Any] = {
        "context": ["economic", "energy"],
        "cameo_root": "14",
        "acled_type": "Protests",
        "acled_subtype": "Peaceful protest",
        "date_end": "2022-01-06",
        "place": {
            "name": "Alma-Ata",
            "canonical": "Almaty",
            "country": "KZ",
            "admin1": "Almaty City",
            "lat": 43.25667,
            "lon": 76.92861,
            "precision": "city",
            "gazetteer_id": "1526384",
            "feature": "P.PPLA",
            "score": 0.93,
        },
        "actors": {
            "source": [
                {"text": "manifestants", "canonical": "protesters", "kind": "protesters", "country": "KZ"}
            ],
            "target": [
                {"text": "gouvernement", "canonical": "KAZ-GOV", "kind": "government", "country": "KZ"}
            ],
        },
        "quantities": {"participants": 3000, "share": 0.5},
        "quantity_details": [
            {
                "name": "participants",
                "value": 3000,
                "raw": "3000",
                "approximate": True,
                "start": 140,
                "end": 144,
            }
        ],
        "attribution": {"source": "la police", "status": "reported", "cue": "Selon"},
        "flags": ["hedge", "date_anomaly"],
    }
    fields.update(overrides)
    return build_event(**fields)


def build_summary(**overrides: Any) -> DocumentSummary:
    """A DocumentSummary for the sample document, with one event."""
    fields: dict[str, Any] = {
        "doc_id": "doc-almaty",
        "content_hash": "sha256:almaty",
        "lang": "fr",
        "lang_confidence": 0.99,
        "published": "2022-01-06",
        "url": "https://example.org/almaty",
        "source": "example.org",
        "title": "Manifestations à Almaty",
        "path": "articles/almaty.txt",
        "outcome": "events",
        "event_count": 1,
        "ingested_at": "2022-01-07T10:00:00+00:00",
    }
    fields.update(overrides)
    return DocumentSummary.model_validate(fields)


# Builders reach tests as fixtures (tests/ is not a package, so conftest cannot be imported).
EventBuilder = Callable[..., EventRecord]
SummaryBuilder = Callable[..., DocumentSummary]


@pytest.fixture
def make_event() -> EventBuilder:
    """build_event: a valid, deterministic EventRecord; keyword arguments override its fields."""
    return build_event


@pytest.fixture
def make_full_event() -> EventBuilder:
    """build_full_event: an EventRecord with every field set."""
    return build_full_event


@pytest.fixture
def make_summary() -> SummaryBuilder:
    """build_summary: the DocumentSummary of the sample document."""
    return build_summary


@pytest.fixture
def sample_text() -> str:
    """The text the default event's evidence is taken from."""
    return SAMPLE_TEXT


@pytest.fixture(params=["sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store location per test, one per backend (PostgreSQL joins the params later)."""
    return str(tmp_path / "store" / "vigie.db")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store; closed after the test."""
    with open_store(store_url) as opened:
        yield opened
