"""vigie geo and vigie eval-geo: Vigie as a geoparser, and its scores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from vigie.cli import cli
from vigie.errors import VigieError
from vigie.geo.evaluation import format_geo_report, read_geo_mentions, score_geo
from vigie.geo.parse import ROW_KEYS, explain_places, find_places, place_row, read_mentions, resolve_places
from vigie.pipeline import to_document
from vigie.readers import ReadFailure, read_articles
from vigie.records import Article

_TABLE = (("doc_id", 16), ("name", 24), ("start", 6), ("end", 6), ("precision", 9), ("country", 7), ("admin1", 20),
          ("lat", 9), ("lon", 9), ("gazetteer_id", 22), ("score", 5))  # fmt: skip


def _articles(inputs: tuple[str, ...], lang: str | None) -> Iterator[Article | ReadFailure]:
    """Articles of each input: a file or folder when it exists, otherwise the argument is the text itself."""
    for n, value in enumerate(inputs, 1):
        if Path(value).exists():
            yield from read_articles([Path(value)], lang=lang)
        else:
            yield Article(text=value, doc_id=f"text-{n}" if len(inputs) > 1 else "text", lang=lang)


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
    return text[:width].ljust(width)


def _echo_rows(rows: list[dict[str, Any]], fmt: str) -> None:
    for row in rows:
        if fmt == "jsonl":
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(" ".join(_cell(row[k], w) for k, w in _TABLE).rstrip())


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True,
              help="One JSON object a line, or aligned columns for reading.")
@click.option("--lang", default=None, help="Language of every article (ISO 639-1; skips detection).")
@click.option("--mentions", "mentions_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Resolution only: JSON Lines of doc_id, start, end, name to resolve in place.")
@click.option("--explain", is_flag=True, help="Print each name's candidates and why the winner won.")
def geo(inputs: tuple[str, ...], fmt: str, lang: str | None, mentions_path: Path | None, explain: bool) -> None:
    """Place mentions of articles with coordinates, country, precision and score.

    INPUT is a file, a folder or JSON Lines (as for `vigie ingest`), or, when no such path exists, the
    text itself. Names that cannot be resolved with confidence have precision "unknown" and no coordinates.

    Example: vigie geo "Des manifestants ont défilé à Almaty." --format table
    """  # fmt: skip
    given = read_mentions(mentions_path) if mentions_path is not None else None
    if fmt == "table" and not explain:
        click.echo(" ".join(_cell(k, w) for k, w in _TABLE).rstrip())
    failures = 0
    for article in _articles(inputs, lang):
        if isinstance(article, ReadFailure):
            click.echo(f"error: {article}", err=True)
            failures += 1
            continue
        doc_id = to_document(article).doc_id
        article = article.model_copy(update={"doc_id": doc_id})
        try:
            if explain:
                click.echo(f"# {doc_id}")
                click.echo(explain_places(article))
                continue
            if given is None:
                doc, places = find_places(article)
            elif doc_id in given:
                doc, places = resolve_places(article, given.pop(doc_id))
            else:
                continue
        except VigieError as err:
            click.echo(f"error: {err}", err=True)
            failures += 1
            continue
        _echo_rows([place_row(doc.doc_id, p) for p in places], fmt)
    if given:
        missing = sorted(given)
        click.echo(f"error: {mentions_path}: no article for {len(missing)} document(s): {', '.join(missing[:5])}",
                   err=True)  # fmt: skip
        failures += 1
    raise SystemExit(1 if failures else 0)


@cli.command(name="eval-geo")
@click.argument("system", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_geo(system: Path, gold: Path, as_json: bool) -> None:
    """Mention precision/recall/F1 and resolution accuracy@161km, error km and AUC of SYSTEM against GOLD.

    Both are JSON Lines of doc_id, name, start, end, lat, lon (as `vigie geo` writes them).

    Example: vigie eval-geo sys.jsonl eval/geo/gold.jsonl
    """
    scores = score_geo(read_geo_mentions(system), read_geo_mentions(gold))
    click.echo(json.dumps(scores.as_dict()) if as_json else format_geo_report(scores))


__all__ = ["ROW_KEYS", "eval_geo", "geo"]
