"""vigie eval: extract events from documents and score them against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vigie.cli import cli
from vigie.evaluation import Event, evaluate_documents, format_report
from vigie.pipeline import extract
from vigie.records import Article


def extract_events(article: Article) -> list[Event]:
    return [e.model_dump(mode="json") for e in extract(article).events]


@cli.command(name="eval")
@click.argument("docs", type=click.Path(exists=True, path_type=Path))
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the system events as JSON Lines (to cross-check with another scorer).")
@click.option("--min-f1", type=float, default=0.0, help="Exit with status 1 when F1 is below this.")
@click.option("--details", is_flag=True, help="List missed gold events and unmatched system events.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(docs: Path, gold: Path, out: Path | None, min_f1: float, details: bool, as_json: bool) -> None:
    """Precision, recall, F1, date and place accuracy of Vigie on DOCS against GOLD.jsonl.

    Example: vigie eval eval/fr/ eval/fr/gold.jsonl
    """
    result, events = evaluate_documents(docs, gold, extract_events)
    if out is not None:
        out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    click.echo(json.dumps(result.as_dict()) if as_json else format_report(result, details=details))
    raise SystemExit(0 if result.f1 >= min_f1 else 1)
