"""Shared fixtures and builders; the only conftest.py."""

from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

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


# -- stores: every store test runs on SQLite and on PostgreSQL ----------------------------------------------

REPO = Path(__file__).resolve().parents[1]
_schema_numbers = itertools.count(1)


def _postgres_unavailable(reason: str) -> NoReturn:
    """Skip PostgreSQL tests on a developer's machine; fail them in CI, where PostgreSQL must run."""
    message = f"PostgreSQL is not available: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this fails rather than skips)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a database in a throwaway cluster that scripts/postgres.sh starts once per session.

    $VIGIE_TEST_POSTGRES names an existing database instead (its user must be allowed to create schemas).
    """
    try:
        import psycopg
    except ImportError as err:
        _postgres_unavailable(f"psycopg is not installed ({err}); pip install -e '.[dev]'")
    given = os.environ.get("VIGIE_TEST_POSTGRES")
    folder = None
    if given:
        url = given
    else:
        # Under /tmp, not pytest's tmp_path: as root the server runs as the postgres user, who must reach it.
        folder = tempfile.mkdtemp(prefix="vigie-pg.")
        try:
            started = subprocess.run(
                ["bash", str(REPO / "scripts" / "postgres.sh"), "start", folder],
                capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as err:
            _stop_postgres(folder)
            _postgres_unavailable(f"scripts/postgres.sh did not run: {err}")
        if started.returncode != 0 or not started.stdout.strip():
            _stop_postgres(folder)
            _postgres_unavailable(f"scripts/postgres.sh failed: {started.stderr.strip()[-2000:]}")
        url = started.stdout.strip().splitlines()[-1]
    try:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                # Once per database, outside the per-test schemas (dropping one must not drop the extension).
                conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        except psycopg.Error as err:
            _postgres_unavailable(f"cannot use {url}: {' '.join(str(err).split())}")
        yield url
    finally:
        if folder:
            _stop_postgres(folder)


def _stop_postgres(folder: str) -> None:
    stopped = subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres.sh"), "stop", folder], capture_output=True, text=True, timeout=120
    )
    if stopped.returncode != 0:
        warnings.warn(f"the test PostgreSQL in {folder} is still there: {stopped.stderr.strip()}", stacklevel=1)


def with_search_path(url: str, schema: str) -> str:
    """`url` with its search_path set to `schema` (a libpq `options` parameter)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store location per test and backend: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "store" / "vigie.db")
        return
    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    schema = f"test_{os.getpid()}_{next(_schema_numbers)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")  # a generated identifier, never input
    yield with_search_path(server, schema)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def backend(store_url: str) -> str:
    """Which backend `store_url` is: "sqlite" or "postgres"."""
    return "postgres" if store_url.startswith("postgresql://") else "sqlite"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store; closed after the test."""
    with open_store(store_url) as opened:
        yield opened


# -- the HTTP API over a store ------------------------------------------------------------------------------


@pytest.fixture
def api_client(store: Store, store_url: str) -> Iterator[Any]:
    """A TestClient (httpx) on create_app over `store`'s location; seed data through `store`."""
    with warnings.catch_warnings():
        # Starlette 1.10 suggests httpx2 for its TestClient; httpx is what the project vets.
        warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
        from fastapi.testclient import TestClient

    from vigie.api.app import create_app
    from vigie.api.deps import ApiSettings

    with TestClient(create_app(ApiSettings(store_url=store_url))) as client:
        yield client
