"""One router per resource: events, documents, stats, health."""
