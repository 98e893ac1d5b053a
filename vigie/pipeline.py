"""extract(): an article through language identification and the language's stage list to EventRecords."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vigie.build import build_records
from vigie.document import Document, content_hash
from vigie.errors import ConfigError
from vigie.event_places import focus_place
from vigie.lang.loader import LanguageData, available_languages, load_language
from vigie.records import Article, DocumentSummary, EventRecord, Outcome
from vigie.stages import attribution, dates, entities, events, langid, quantities, segment

logger = logging.getLogger(__name__)

Stage = Callable[[Document, LanguageData], Document]


@dataclass
class Extraction:
    """What one article gave: the analysed document, its events, and the outcome to store."""

    document: Document
    events: list[EventRecord]
    outcome: Outcome
    reason: str | None = None

    def summary(self) -> DocumentSummary:
        doc = self.document
        return DocumentSummary(
            doc_id=doc.doc_id, content_hash=doc.content_hash, lang=doc.lang, lang_confidence=doc.lang_confidence,
            published=doc.published, url=doc.url, source=doc.source, title=doc.title, path=doc.path,
            outcome=self.outcome, reason=self.reason, event_count=len(self.events),
        )


def to_document(article: Article) -> Document:
    doc_id = article.doc_id or content_hash(article.text)[:12]
    return Document(
        doc_id=doc_id, text=article.text, lang=article.lang, published=article.published, url=article.url,
        source=article.source, title=article.title, path=article.path,
    )


@dataclass
class Pipeline:
    """The stage list of one language, with its loaded resources; build once per process."""

    lang: LanguageData
    stages: list[tuple[str, Stage]]
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_language(cls, code: str) -> Pipeline:
        from vigie.stages.geocode import Geocoder

        lang = load_language(code)
        stages: list[tuple[str, Stage]] = [
            ("segment", segment.segment),
            ("entities", entities.find_entities),
            ("places", Geocoder.load()),
            ("dates", dates.find_dates),
            ("quantities", quantities.find_quantities),
            ("events", events.find_event_candidates),
            ("attribution", attribution.find_cues),
        ]
        return cls(lang, stages)

    def run(self, doc: Document) -> Document:
        for name, stage in self.stages:
            started = time.perf_counter()
            doc = stage(doc, self.lang)
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        return doc

    def extract(self, article: Article) -> tuple[Document, list[EventRecord]]:
        doc = self.run(to_document(article).with_fields(lang=self.lang.code))
        started = time.perf_counter()
        records = build_records(doc, self.lang, focus_place(doc))
        self.timings["build"] = self.timings.get("build", 0.0) + time.perf_counter() - started
        return doc, records

    def stage_times(self) -> dict[str, float]:
        return dict(self.timings)


@functools.cache
def pipeline_for(code: str) -> Pipeline:
    return Pipeline.for_language(code)


def extract(article: Article) -> Extraction:
    """Events of one article; an article in a language without data is reported, not guessed."""
    doc = langid.identify_language(to_document(article))
    if not doc.text.strip():
        return Extraction(doc, [], "empty", "the article has no text")
    if doc.lang not in available_languages():
        detected = doc.lang or "unknown"
        return Extraction(doc, [], "unsupported_language",
                          f"language {detected} (confidence {doc.lang_confidence or 0:.2f}) has no Vigie data")
    try:
        pipeline = pipeline_for(doc.lang)
    except ConfigError as err:
        return Extraction(doc, [], "unsupported_language", str(err))
    analysed, records = pipeline.extract(article.model_copy(update={"lang": doc.lang}))
    analysed = analysed.with_fields(lang_confidence=doc.lang_confidence)
    if not records:
        return Extraction(analysed, [], "no_trigger", "no event trigger found")
    return Extraction(analysed, records, "events")
