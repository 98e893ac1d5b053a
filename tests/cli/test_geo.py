"""`vigie geo` and `vigie eval-geo`: JSON Lines per place, --explain, --mentions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigie.cli import cli
from vigie.geo.parse import ROW_KEYS

TEXT = "Protesters marched through Paris, Texas, on Sunday, and a smaller crowd gathered in Dallas."


def rows(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps({"doc_id": "tx-1", "lang": "en", "text": TEXT}) + "\n", encoding="utf-8")
    return path


def test_geo_prints_one_jsonl_line_per_place() -> None:
    result = CliRunner().invoke(cli, ["geo", TEXT, "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    found = rows(result.stdout)
    assert all(tuple(r) == ROW_KEYS for r in found)
    assert all(TEXT[int(r["start"]) : int(r["end"])] == r["name"] for r in found)  # type: ignore[call-overload]
    paris = next(r for r in found if r["name"] == "Paris")
    assert (paris["doc_id"], paris["country"], paris["admin1"], paris["precision"]) == ("text", "US", "Texas", "city")


def test_geo_explain_shows_candidates_and_reasons() -> None:
    result = CliRunner().invoke(cli, ["geo", TEXT, "--lang", "en", "--explain"])
    assert result.exit_code == 0, result.stderr
    assert "'Paris' [" in result.stdout
    assert "in Texas" in result.stdout  # why the Texan reading won
    assert "geonames:" in result.stdout


def test_geo_mentions_resolves_exactly_the_given_spans(articles: Path, tmp_path: Path) -> None:
    start = TEXT.index("Dallas")
    mentions = tmp_path / "mentions.jsonl"
    mentions.write_text(json.dumps({"doc_id": "tx-1", "start": start, "end": start + 6, "name": "Dallas"}) + "\n",
                        encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(cli, ["geo", "--mentions", str(mentions), str(articles)])
    assert result.exit_code == 0, result.stderr
    [row] = rows(result.stdout)
    assert (row["doc_id"], row["name"], row["start"], row["country"]) == ("tx-1", "Dallas", start, "US")


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json\n", "not JSON"), ('{"doc_id": "tx-1", "start": 5, "end": 2}\n', "start < end")],
)
def test_geo_bad_mentions_file_is_one_line_error(articles: Path, tmp_path: Path, content: str, message: str) -> None:
    mentions = tmp_path / "mentions.jsonl"
    mentions.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["geo", "--mentions", str(mentions), str(articles)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "mentions.jsonl:1" in result.stderr and message in result.stderr


def test_eval_geo_prints_scores(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"doc_id": "d", "name": "Paris", "start": 0, "end": 5, "lat": 33.66, "lon": -95.56})
                    + "\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(cli, ["eval-geo", str(gold), str(gold), "--json"])
    assert result.exit_code == 0, result.stderr
    scores = json.loads(result.stdout)
    assert (scores["f1"], scores["accuracy_161km"], scores["median_km"]) == (1.0, 1.0, 0.0)
