"""`vigie events`, `vigie show`, `vigie documents`: output on stdout, one-line errors, exit statuses."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigie.cli import cli
from vigie.records import DocumentSummary, EventRecord
from vigie.store import open_store

TEXT = (
    "Titre [officiel].\n"
    "Le 5 janvier, des milliers de manifestants ont protesté contre la réforme à Almaty. Selon la police, "
    "tout était calme.\n"
    "В Москве прошёл митинг.\n"
)


def span(text: str) -> dict[str, object]:
    start = TEXT.index(text)
    return {"text": text, "start": start, "end": start + len(text)}


@pytest.fixture
def db(
    tmp_path: Path, make_event: Callable[..., EventRecord], make_summary: Callable[..., DocumentSummary]
) -> str:
    path = str(tmp_path / "vigie.db")
    events = [
        make_event(
            id="3f9a2c71aa", evidence=span("des milliers de manifestants ont protesté contre la réforme")
        ),
        make_event(
            id="77aa00ff11",
            type="ASSAULT",
            date="2022-01-06",
            place={"name": "Moscou", "country": "RU"},
            flags=["hedge"],
            confidence=0.4,
            evidence=span("В Москве прошёл митинг"),
        ),
    ]
    with open_store(path) as store:
        store.save(make_summary(), TEXT, events)
        empty = make_summary(
            doc_id="doc-vide",
            content_hash="vide",
            outcome="no_trigger",
            reason="no trigger word",
            event_count=0,
        )
        store.save(empty, "Rien à signaler.", [])
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_events_jsonl_prints_full_records(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["events", "--format", "jsonl", "--db", db])
    assert result.exit_code == 0, result.output
    records = [EventRecord.model_validate_json(line) for line in result.stdout.splitlines()]
    assert [r.id for r in records] == ["3f9a2c71aa", "77aa00ff11"]
    assert json.loads(result.stdout.splitlines()[0])["doc_id"] == "doc-almaty"
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--type", "ASSAULT"], ["77aa00ff11"]),
        (["--country", "KZ"], ["3f9a2c71aa"]),
        (["--since", "2022-01-06"], ["77aa00ff11"]),
        (["--until", "2022-01-05"], ["3f9a2c71aa"]),
        (["--flag", "hedge"], ["77aa00ff11"]),
        (["--min-confidence", "0.5"], ["3f9a2c71aa"]),
        (["--search", "reforme"], ["3f9a2c71aa"]),
        (["--search", "митинг"], ["77aa00ff11"]),
        (["--doc", "doc-almaty", "--lang", "fr", "--limit", "1"], ["3f9a2c71aa"]),
    ],
)
def test_cli_events_filters(runner: CliRunner, db: str, args: list[str], expected: list[str]) -> None:
    result = runner.invoke(cli, ["events", *args, "--format", "jsonl", "--db", db])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == expected


def test_cli_events_csv(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["events", "--format", "csv", "--db", db])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["type"], r["flags"]) for r in rows] == [
        ("3f9a2c71aa", "PROTEST", ""),
        ("77aa00ff11", "ASSAULT", "hedge"),
    ]


def test_cli_events_table(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["events", "--db", db])
    assert result.exit_code == 0
    assert "3f9a2c71aa" in result.stdout
    assert "В Москве прошёл митинг" in result.stdout


def test_cli_events_none_match_says_so_on_stderr(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["events", "--type", "AID", "--db", db])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no events" in result.stderr


def test_cli_events_bad_date_is_a_usage_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["events", "--since", "le 5 janvier", "--db", db])
    assert result.exit_code == 2
    assert "--since" in result.stderr


def test_cli_events_missing_store_is_one_line_error(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = runner.invoke(cli, ["events", "--db", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert not missing.exists()


@pytest.mark.parametrize("event_id", ["3f9a2c71aa", "3f9a2c71"])
def test_cli_show_prints_fields_and_evidence_in_context(runner: CliRunner, db: str, event_id: str) -> None:
    result = runner.invoke(cli, ["show", event_id, "--db", db])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())  # rich wraps at the terminal width
    for part in (
        "3f9a2c71aa",
        "PROTEST / demonstrate",
        "2022-01-05",
        "Le 5 janvier",
        "Almaty (KZ)",
        "asserted",
    ):
        assert part in shown
    assert "Le 5 janvier, des milliers de manifestants ont protesté contre la réforme à Almaty." in shown
    assert "Selon la police" in shown  # the rest of the paragraph
    assert "В Москве" not in shown  # not the next paragraph


def test_cli_show_keeps_brackets_of_the_article(
    runner: CliRunner,
    tmp_path: Path,
    make_event: Callable[..., EventRecord],
    make_summary: Callable[..., DocumentSummary],
) -> None:
    path = str(tmp_path / "b.db")
    with open_store(path) as store:
        store.save(make_summary(), TEXT, [make_event(id="brackets01", evidence=span("Titre [officiel]"))])
    result = runner.invoke(cli, ["show", "brackets01", "--db", path])
    assert result.exit_code == 0, result.output
    assert "Titre [officiel]." in result.stdout


@pytest.mark.parametrize(("event_id", "message"), [("deadbeef00", "no event"), ("3f9a", "at least 8")])
def test_cli_show_unknown_id_is_one_line_error(
    runner: CliRunner, db: str, event_id: str, message: str
) -> None:
    result = runner.invoke(cli, ["show", event_id, "--db", db])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_documents_lists_outcomes(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["documents", "--db", db])
    assert result.exit_code == 0
    for part in ("doc-almaty", "events", "doc-vide", "no_trigger", "no trigger word"):
        assert part in result.stdout


def test_cli_documents_no_events_jsonl(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["documents", "--no-events", "--format", "jsonl", "--db", db])
    assert result.exit_code == 0
    docs = [DocumentSummary.model_validate_json(line) for line in result.stdout.splitlines()]
    assert [(d.doc_id, d.outcome, d.reason, d.event_count) for d in docs] == [
        ("doc-vide", "no_trigger", "no trigger word", 0)
    ]


def test_cli_documents_reports_event_count(runner: CliRunner, db: str) -> None:
    result = runner.invoke(cli, ["documents", "--format", "jsonl", "--db", db])
    counts = {
        json.loads(line)["doc_id"]: json.loads(line)["event_count"] for line in result.stdout.splitlines()
    }
    assert counts == {"doc-almaty": 2, "doc-vide": 0}
