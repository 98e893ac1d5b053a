"""GET /api/documents/{id} (text and evidence spans) and POST /api/documents (extract and store, token needed)."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, Field

from vigie.api.deps import SettingsDep, StoreDep, WriteToken
from vigie.api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from vigie.document import content_hash
from vigie.errors import VigieError
from vigie.pipeline import extract, to_document
from vigie.records import Article, DocumentSummary, EventQuery, EventRecord
from vigie.store import Store

logger = logging.getLogger(__name__)

router = APIRouter(tags=["documents"])


class EvidenceSpan(BaseModel):
    """Where an event's evidence sits in the document text."""

    event_id: str
    type: str
    start: int = Field(description="Offset in Unicode code points (a Python string index).")
    end: int
    start_utf16: int = Field(description="The same offset in UTF-16 code units (a JavaScript string index).")
    end_utf16: int
    text: str


class DocumentView(BaseModel):
    """A stored document: its metadata, its full text (plain text, never HTML), its events and their spans."""

    document: DocumentSummary
    text: str
    events: list[EventRecord]
    spans: list[EvidenceSpan]


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def evidence_spans(text: str, events: list[EventRecord]) -> list[EvidenceSpan]:
    """The evidence span of each event, in text order."""
    spans = [
        EvidenceSpan(
            event_id=e.id,
            type=e.type,
            start=e.evidence.start,
            end=e.evidence.end,
            start_utf16=_utf16(text, e.evidence.start),
            end_utf16=_utf16(text, e.evidence.end),
            text=e.evidence.text,
        )
        for e in events
    ]
    return sorted(spans, key=lambda span: (span.start, span.end, span.event_id))


@router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentView,
    responses={404: {"model": ErrorBody, "description": "No such document"}, **ERROR_RESPONSES},
)
def get_document(
    store: StoreDep, doc_id: Annotated[str, Path(max_length=256, description="The document id.")]
) -> DocumentView:
    """A document's text with the offsets of every event's evidence, for highlighting."""
    summary = store.get_document(doc_id)
    text = store.document_text(doc_id)
    if summary is None or text is None:
        raise ApiError(404, f"no document {doc_id!r}")
    events = store.events(EventQuery(doc_id=doc_id))
    return DocumentView(document=summary, text=text, events=events, spans=evidence_spans(text, events))


class IngestedDocument(BaseModel):
    """What became of one posted article."""

    doc_id: str
    status: Literal["stored", "unchanged", "failed"] = Field(
        description="stored: extracted and saved; unchanged: the same text was already stored; failed: see reason."
    )
    outcome: str | None = None
    reason: str | None = None
    event_count: int = 0


class IngestResult(BaseModel):
    """The posted articles, in order, and every event they gave."""

    documents: list[IngestedDocument]
    events: list[EventRecord]


def _ingest_one(store: Store, article: Article) -> tuple[IngestedDocument, list[EventRecord]]:
    doc_id = to_document(article).doc_id
    if store.has_document(content_hash(article.text)):
        stored = store.get_document(doc_id)
        # The same text under this id: give back its events. Under another id: nothing new to show.
        events = store.events(EventQuery(doc_id=doc_id)) if stored is not None else []
        return IngestedDocument(doc_id=doc_id, status="unchanged", event_count=len(events)), events
    try:
        result = extract(article)
        summary = result.summary()
        store.save(summary, article.text, result.events)
    except VigieError as err:
        logger.info("document skipped", extra={"doc_id": doc_id, "reason": str(err)})
        return IngestedDocument(doc_id=doc_id, status="failed", reason=str(err)), []
    document = IngestedDocument(
        doc_id=summary.doc_id,
        status="stored",
        outcome=summary.outcome,
        reason=summary.reason,
        event_count=len(result.events),
    )
    return document, result.events


@router.post(
    "/documents",
    status_code=201,
    response_model=IngestResult,
    responses={
        401: {"model": ErrorBody, "description": "No write token"},
        403: {"model": ErrorBody, "description": "Read-only API, or a wrong token"},
        413: {"model": ErrorBody, "description": "Too many articles or too long a text"},
        **ERROR_RESPONSES,
    },
)
def post_documents(
    store: StoreDep,
    settings: SettingsDep,
    _token: WriteToken,
    body: Annotated[
        Article | list[Article],
        Body(description="One article, or a list of articles; `text` is plain text (HTML is stored as text)."),
    ],
) -> IngestResult:
    """Extract the events of one article or a batch and store each document with its events; return them."""
    articles = body if isinstance(body, list) else [body]
    if not articles:
        raise ApiError(422, "body: give at least one article")
    if len(articles) > settings.max_batch:
        raise ApiError(413, f"body: at most {settings.max_batch} articles a request, got {len(articles)}")
    for number, article in enumerate(articles, 1):
        if len(article.text) > settings.max_text:
            raise ApiError(413, f"body: article {number} is longer than {settings.max_text} characters")
    documents: list[IngestedDocument] = []
    events: list[EventRecord] = []
    for article in articles:
        document, found = _ingest_one(store, article)
        documents.append(document)
        events.extend(found)
    return IngestResult(documents=documents, events=events)
