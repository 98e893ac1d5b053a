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
@click.argument("docs", type=click.Path(exists=True, path_type=Path), required=False)
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--crosslingual", "crosslingual", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="Instead: compare the language versions NN-<lang> of each happening in DIR (gold: DIR/gold.jsonl "
                   "or GOLD) and print how many agree on type, date and place.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the system events as JSON Lines (to cross-check with another scorer).")
@click.option("--min-f1", type=float, default=0.0, help="Exit with status 1 when F1 is below this.")
@click.option("--min-agreement", type=float, default=0.0,
              help="With --crosslingual: exit with status 1 when the agreement is below this.")
@click.option("--details", is_flag=True, help="List missed gold events and unmatched system events.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(docs: Path | None, gold: Path | None, crosslingual: Path | None, out: Path | None, min_f1: float,
             min_agreement: float, details: bool, as_json: bool) -> None:
    """Precision, recall, F1, date and place accuracy of Vigie on DOCS against GOLD.jsonl.

    Example: vigie eval eval/fr/ eval/fr/gold.jsonl

    With --crosslingual DIR: whether the French, English and Russian versions of each happening give the
    same type, date and place (gazetteer id). Example: vigie eval --crosslingual eval/crosslingual
    """
    if crosslingual is not None:
        if docs is not None and gold is None and docs.is_file():
            docs, gold = None, docs  # "vigie eval --crosslingual DIR GOLD"
        if docs is not None:
            raise click.UsageError("give either DOCS GOLD or --crosslingual DIR [GOLD]")
        _crosslingual(crosslingual, gold, out, min_agreement, details, as_json)
        return
    if docs is None or gold is None:
        raise click.UsageError("give DOCS and GOLD (or --crosslingual DIR)")
    result, events = evaluate_documents(docs, gold, extract_events)
    _write_events(out, events)
    click.echo(json.dumps(result.as_dict()) if as_json else format_report(result, details=details))
    raise SystemExit(0 if result.f1 >= min_f1 else 1)


def _crosslingual(directory: Path, gold: Path | None, out: Path | None, min_agreement: float, details: bool,
                  as_json: bool) -> None:
    from vigie.crosslingual import evaluate_crosslingual, format_table

    report, events = evaluate_crosslingual(directory, extract_events, gold)
    _write_events(out, events)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False) if as_json else format_table(report, details=details))
    raise SystemExit(0 if report.agreement >= min_agreement else 1)


def _write_events(out: Path | None, events: list[Event]) -> None:
    if out is not None:
        out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
