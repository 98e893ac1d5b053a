"""Exports: JSON Lines (what the scorer reads), CSV (flat, for spreadsheets) and the terminal table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from rich.console import Console

from vigie.errors import InputError
from vigie.exports import CSV_COLUMNS, DOCUMENT_FORMATS, FORMATS, write
from vigie.exports.table import event_detail, evidence_in_context
from vigie.records import DocumentSummary, EventRecord, Evidence

Builder = Callable[..., EventRecord]


def test_exports_jsonl_round_trips_every_field(make_full_event: Builder, make_event: Builder) -> None:
    events = [make_full_event(), make_event(id="second", date=None)]
    out = io.StringIO()
    assert write(events, "jsonl", out) == 2
    lines = out.getvalue().splitlines()
    assert [EventRecord.model_validate_json(line) for line in lines] == events
    first = json.loads(lines[0])
    assert first["doc_id"] == "doc-almaty"
    assert first["place"]["country"] == "KZ"
    assert first["attribution"]["status"] == "reported"
    assert first["quantities"] == {"participants": 3000, "share": 0.5}
    assert "réforme" in lines[0]  # readable, not \u00e9


def test_exports_jsonl_keeps_one_line_per_event_with_newlines_in_text(make_event: Builder) -> None:
    event = make_event(evidence={"text": "ligne un\nligne deux", "start": 0, "end": 19})
    out = io.StringIO()
    FORMATS["jsonl"]([event], out)
    assert out.getvalue().count("\n") == 1


def test_exports_csv_flattens_nested_fields(make_full_event: Builder) -> None:
    out = io.StringIO()
    assert write([make_full_event()], "csv", out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    row = rows[0]
    assert row["place"] == "Almaty"
    assert row["lat"] == "43.25667"
    assert row["source_actors"] == "protesters"
    assert row["target_actors"] == "KAZ-GOV"
    assert row["quantities"] == "participants=3000;share=0.5"
    assert row["flags"] == "hedge;date_anomaly"
    assert row["status"] == "reported"
    assert row["confidence"] == "0.8"


def test_exports_csv_leaves_absent_values_empty(make_event: Builder) -> None:
    event = make_event(mode=None, date=None, place={}, actors={}, quantities={})
    out = io.StringIO()
    write([event], "csv", out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row[c] for c in ("mode", "date", "country", "place", "lat", "lon", "quantities", "flags")] == [
        ""
    ] * 8


def test_exports_csv_writes_header_without_events() -> None:
    out = io.StringIO()
    assert write([], "csv", out) == 0
    assert out.getvalue() == ",".join(CSV_COLUMNS) + "\n"


def test_exports_table_shows_brackets_literally(make_event: Builder) -> None:
    event = make_event(evidence={"text": "[bold]pas du gras[/bold] [link=x]", "start": 0, "end": 33})
    out = io.StringIO()
    assert write([event], "table", out) == 1
    assert "[bold]pas du gras[/bold]" in out.getvalue()


def test_exports_unknown_format_names_the_choices(make_event: Builder) -> None:
    with pytest.raises(InputError, match="jsonl"):
        write([make_event()], "xml", io.StringIO())


def test_exports_documents_in_every_format(make_summary: Callable[..., DocumentSummary]) -> None:
    docs = [make_summary(), make_summary(doc_id="vide", outcome="empty", reason="no text", event_count=0)]
    for fmt, writer in DOCUMENT_FORMATS.items():
        out = io.StringIO()
        assert writer(docs, out) == 2, fmt
        assert "vide" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "evidence", "shown"),
    [
        (
            "Titre.\nAvant. Les [gens] ont marché. Après.\nFin.",
            "Les [gens] ont marché",
            "Avant. Les [gens] ont marché. Après.",
        ),
        ("Заголовок.\nЛюди вышли на улицы.\nКонец.", "вышли на улицы", "Люди вышли на улицы."),
    ],
)
def test_exports_evidence_shown_in_its_paragraph(text: str, evidence: str, shown: str) -> None:
    start = text.index(evidence)
    rendered = evidence_in_context(text, Evidence(text=evidence, start=start, end=start + len(evidence)))
    assert rendered.plain == shown
    highlighted = [rendered.plain[span.start : span.end] for span in rendered.spans]
    assert highlighted == [evidence]


def test_exports_evidence_with_stale_offsets_is_found_by_text() -> None:
    text = "Un. Deux trois. Quatre."
    rendered = evidence_in_context(text, Evidence(text="Deux trois", start=0, end=3))
    assert rendered.plain == text


def test_exports_long_paragraph_is_clipped_around_evidence() -> None:
    text = "a" * 1000 + " cible " + "b" * 1000
    start = text.index("cible")
    rendered = evidence_in_context(text, Evidence(text="cible", start=start, end=start + 5), context_chars=20)
    assert rendered.plain == "…" + "a" * 19 + " cible " + "b" * 19 + "…"


def test_exports_event_detail_lists_fields(make_full_event: Builder, sample_text: str) -> None:
    console = Console(file=io.StringIO(), width=200)
    console.print(event_detail(make_full_event(), sample_text))
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    expected = ["PROTEST / demonstrate", "Almaty", "KAZ-GOV", "participants=3000", "according to la police"]
    expected += ["hedge, date_anomaly", "0.80", "Protests / Peaceful protest", "14", "Selon la police"]
    for part in expected:
        assert part in shown
