"""ingest(): read articles, extract their events and save each document in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vigie.document import content_hash
from vigie.errors import VigieError
from vigie.pipeline import extract
from vigie.readers import ReadFailure, read_articles
from vigie.records import DocumentSummary
from vigie.store.base import Store

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    documents: int = 0
    events: int = 0
    unchanged: int = 0
    failures: list[ReadFailure] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return len(self.failures)


ProgressCallback = Callable[[str], None]


def ingest(
    paths: Iterable[Path],
    store: Store,
    *,
    lang: str | None = None,
    published: dt.date | None = None,
    encoding: str | None = None,
    on_progress: ProgressCallback | None = None,
    on_failure: Callable[[ReadFailure], None] | None = None,
) -> IngestReport:
    """Extract and store every readable article; failures are reported, stored as outcomes and skipped."""
    report = IngestReport()
    for item in read_articles(paths, lang=lang, published=published, encoding=encoding):
        if isinstance(item, ReadFailure):
            _fail(report, store, item, on_failure)
            continue
        label = item.doc_id or item.path or "article"
        if store.has_document(content_hash(item.text)):
            report.unchanged += 1
            if on_progress:
                on_progress(label)
            continue
        try:
            result = extract(item)
            store.save(result.summary(), item.text, result.events)
        except VigieError as err:
            _fail(report, store, ReadFailure(item.path or label, item.doc_id, str(err)), on_failure)
            continue
        report.documents += 1
        report.events += len(result.events)
        report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
        logger.info("document ingested", extra={"doc_id": result.document.doc_id, "events": len(result.events)})
        if on_progress:
            on_progress(label)
    return report


def _fail(report: IngestReport, store: Store, failure: ReadFailure,
          on_failure: Callable[[ReadFailure], None] | None) -> None:
    report.failures.append(failure)
    logger.info("document skipped", extra={"path": failure.path, "reason": failure.reason})
    if on_failure:
        on_failure(failure)
    # An unreadable file is still accounted for, so `vigie documents` shows what was not coded.
    key = f"unreadable:{failure.path}:{failure.doc_id or ''}"
    doc_id = failure.doc_id or Path(failure.path).stem or failure.path
    summary = DocumentSummary(doc_id=doc_id, content_hash=content_hash(key), path=failure.path,
                              outcome="unreadable", reason=failure.reason)
    if not store.has_document(summary.content_hash):
        store.save(summary, "", [])
