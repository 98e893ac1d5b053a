"""Vigie: socio-political events from multilingual news."""

from vigie.records import Article, DocumentSummary, EventQuery, EventRecord

__all__ = ["Article", "DocumentSummary", "EventQuery", "EventRecord"]
__version__ = "0.1.0"
