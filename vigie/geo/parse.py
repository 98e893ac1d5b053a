"""Vigie as a geoparser: the place mentions of articles, found and resolved, or resolved at given spans.

Runs only what the toponym stage reads (language, sentences, tokens, model entities), not the event stages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigie.document import Document, PlaceMention
from vigie.errors import InputError, UnsupportedLanguage
from vigie.lang.loader import LanguageData, available_languages, load_language
from vigie.pipeline import to_document
from vigie.records import Article
from vigie.stages import entities, langid, segment
from vigie.stages.geocode import Geocoder, explain_document

ROW_KEYS = ("doc_id", "name", "start", "end", "lat", "lon", "country", "admin1", "gazetteer_id", "feature",
            "precision", "score")  # fmt: skip


@dataclass(frozen=True, slots=True)
class GivenMention:
    """A place name someone else found: resolution mode resolves it where it stands."""

    doc_id: str
    start: int
    end: int
    name: str | None = None


def analyse(article: Article) -> tuple[Document, LanguageData]:
    """The article as a document with the layers the toponym stage reads; its language data."""
    doc = langid.identify_language(to_document(article))
    if doc.lang not in available_languages():
        known = ", ".join(available_languages())
        raise UnsupportedLanguage(f"language {doc.lang or 'unknown'} has no Vigie data", where=doc.doc_id,
                                  hint=f"pass --lang with one of {known}")  # fmt: skip
    lang = load_language(str(doc.lang))
    return entities.find_entities(segment.segment(doc, lang), lang), lang


def find_places(article: Article, geocoder: Geocoder | None = None) -> tuple[Document, list[PlaceMention]]:
    """The document and its place mentions, found and resolved (unknown ones included)."""
    doc, lang = analyse(article)
    doc = (geocoder or Geocoder.load())(doc, lang)
    return doc, list(doc.layer("places"))


def resolve_places(
    article: Article, given: list[GivenMention], geocoder: Geocoder | None = None
) -> tuple[Document, list[PlaceMention]]:
    """The document and a place for each given mention, resolved in the document's context."""
    doc, lang = analyse(article)
    for g in given:
        if not 0 <= g.start < g.end <= len(doc.text):
            raise InputError(f"mention {g.start}:{g.end} lies outside the text ({len(doc.text)} characters)",
                             where=doc.doc_id)  # fmt: skip
        if g.name is not None and doc.text[g.start : g.end] != g.name:
            raise InputError(f"mention {g.start}:{g.end} reads {doc.text[g.start : g.end]!r}, not {g.name!r}",
                             where=doc.doc_id, hint="offsets are in characters of the article text")  # fmt: skip
    spans = [(g.start, g.end) for g in given]
    return doc, (geocoder or Geocoder.load()).resolve_spans(doc, lang, spans)


def explain_places(article: Article, geocoder: Geocoder | None = None) -> str:
    """Candidates of each place name of the article, and why the winner won."""
    doc, lang = analyse(article)
    return explain_document(doc, lang, geocoder)


def place_row(doc_id: str, mention: PlaceMention) -> dict[str, Any]:
    """One output line: the mention as written, where it is, and how sure."""
    p = mention.place
    return {
        "doc_id": doc_id, "name": mention.text, "start": mention.start, "end": mention.end, "lat": p.lat,
        "lon": p.lon, "country": p.country, "admin1": p.admin1, "gazetteer_id": p.gazetteer_id,
        "feature": p.feature, "precision": p.precision, "score": p.score,
    }  # fmt: skip


def read_mentions(path: Path) -> dict[str, list[GivenMention]]:
    """Given mentions by document, from JSON Lines of doc_id, start, end and (optionally) name."""
    by_doc: dict[str, list[GivenMention]] = {}
    for number, row in _rows(path):
        where = f"{path}:{number}"
        doc_id, start, end, name = row.get("doc_id"), row.get("start"), row.get("end"), row.get("name")
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError("no doc_id", where=where, hint="each line needs doc_id, start, end (and name)")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or start >= end:
            raise InputError(f"start and end must be integers with start < end (got {start!r}, {end!r})",
                             where=where)  # fmt: skip
        if name is not None and not isinstance(name, str):
            raise InputError(f"name must be a string (got {name!r})", where=where)
        by_doc.setdefault(doc_id, []).append(GivenMention(doc_id, start, end, name))
    return by_doc


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the file ({err})", where=str(path)) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not JSON ({err.msg} at column {err.colno})", where=f"{path}:{number}") from None
        if not isinstance(row, dict):
            raise InputError("not a JSON object", where=f"{path}:{number}")
        yield number, row
