"""`vigie events --format … --output` then `vigie import`: the same events come back, on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigie.cli import cli
from vigie.exports.load import import_events
from vigie.records import DocumentSummary, EventQuery, EventRecord
from vigie.store import open_store

Builder = Callable[..., EventRecord]


@pytest.fixture
def source_db(
    tmp_path: Path,
    make_full_event: Builder,
    make_event: Builder,
    make_summary: Callable[..., DocumentSummary],
    sample_text: str,
) -> tuple[str, list[EventRecord]]:
    path = str(tmp_path / "source.db")
    events = [
        make_full_event(),
        make_event(id="b-undated", date=None, place={}, actors={}, quantities={}),
    ]
    other = make_event(id="c-moscow", doc_id="doc-moscow", date="2022-01-04", lang="ru", place={"country": "RU"})
    with open_store(path) as store:
        store.save(make_summary(), sample_text, events)
        store.save(make_summary(doc_id="doc-moscow", content_hash="hash-moscow"), "text", [other])
        return path, store.events(EventQuery())


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "geojson"])
def test_export_then_import_gives_the_same_events(
    store_url: str, tmp_path: Path, source_db: tuple[str, list[EventRecord]], fmt: str
) -> None:
    path, events = source_db
    exported = tmp_path / f"events.{fmt}"
    run("events", "--db", path, "--format", fmt, "--output", str(exported))
    run("import", str(exported), "--db", store_url)
    expected = events if fmt != "geojson" else [e for e in events if e.place.lat is not None]
    with open_store(store_url) as store:
        assert store.events(EventQuery()) == expected
        again = import_events(store, expected)  # idempotent: nothing new the second time
        assert (again.saved, again.unchanged) == (0, 2 if fmt != "geojson" else 1)
        assert store.counts() == {"documents": len({e.doc_id for e in expected}), "events": len(expected)}
        document = store.get_document("doc-almaty")
        assert document is not None and document.outcome == "events"
        # queries work on imported events
        assert [e.id for e in store.events(EventQuery(actor="KAZ-GOV"))] == ["evt-0001-almaty-protest"]


def test_import_adds_events_to_a_document_imported_earlier(store_url: str, make_event: Builder) -> None:
    first, second = make_event(id="one"), make_event(id="two", date="2022-01-06")
    with open_store(store_url) as store:
        assert import_events(store, [first]).saved == 1
        assert import_events(store, [second]).saved == 1
        assert [e.id for e in store.events(EventQuery())] == ["one", "two"]
        assert store.counts() == {"documents": 1, "events": 2}


def test_import_leaves_an_ingested_document_as_it_is(
    store_url: str, make_event: Builder, make_summary: Callable[..., DocumentSummary], sample_text: str
) -> None:
    with open_store(store_url) as store:
        store.save(make_summary(), sample_text, [make_event()])
        result = import_events(store, [make_event(id="other")])
        assert (result.saved, result.conflicts) == (0, 1)
        assert store.document_text("doc-almaty") == sample_text


def test_binary_format_needs_output(source_db: tuple[str, list[EventRecord]]) -> None:
    result = CliRunner().invoke(cli, ["events", "--db", source_db[0], "--format", "parquet"])
    assert result.exit_code == 2
    assert "--output" in result.output


def test_import_reports_a_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x"}) + "\n")
    result = CliRunner().invoke(cli, ["import", str(bad), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.output
