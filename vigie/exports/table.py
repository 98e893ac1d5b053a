"""Terminal rendering with rich: event and document tables, and one event in detail with its evidence.

Every piece of article or record text goes into a `rich.text.Text`, never into markup, so a `[` in an
article cannot be read as a style tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from vigie.records import DocumentSummary, EventRecord, Evidence

CONTEXT_CHARS = 300  # around the evidence when its paragraph is longer than a screenful
EVIDENCE_STYLE = "bold black on yellow"


PIPED_WIDTH = 160  # a table written to a file or pipe is read in an editor or pager, not an 80-column tty


def _console(out: TextIO) -> Console:
    is_tty = getattr(out, "isatty", lambda: False)()
    return Console(file=out, highlight=False, width=None if is_tty else PIPED_WIDTH)


def _place(event: EventRecord) -> str:
    place = event.place
    name = place.canonical or place.name or ""
    return f"{name} ({place.country})" if name and place.country else name or (place.country or "")


def _actors(event: EventRecord) -> str:
    source = ", ".join(a.canonical or a.text for a in event.actors.source)
    target = ", ".join(a.canonical or a.text for a in event.actors.target)
    return f"{source} → {target}" if target else source


def _date(event: EventRecord) -> str:
    if event.date is None:
        return "undated"
    shown = f"{event.date}…{event.date_end}" if event.date_end else event.date
    return shown if event.date_precision == "day" else f"{shown} ({event.date_precision})"


def _short_date(event: EventRecord) -> str:
    """The date cut to its precision (2022-01 for a month), so it fits a 10-character column."""
    if event.date is None:
        return "undated"
    cut = {"year": 4, "month": 7}.get(event.date_precision)
    return event.date[:cut] if cut else event.date


WIDE = 110  # below this many columns the table leaves out actors and details (`vigie show` has them)


def events_table(events: Iterable[EventRecord], width: int = WIDE) -> Table:
    """A rich Table of events, one a row; ids cut to 10 characters, enough for `vigie show`."""
    wide = width >= WIDE
    # expand=True makes rich share the free width by ratio: evidence gets the most, the rest wraps.
    table = Table(header_style="bold", expand=True, box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, style="dim", width=10)
    table.add_column("date", width=10)
    table.add_column("type", style="bold", ratio=2, overflow="fold")
    table.add_column("place", ratio=2, overflow="fold")
    if wide:
        table.add_column("actors", ratio=2, overflow="fold")
        table.add_column("details", ratio=2, overflow="fold")
    table.add_column("conf", justify="right", width=4)
    table.add_column("evidence", ratio=5, overflow="fold")
    for event in events:
        cells = [
            Text(event.id[:10]),
            Text(_short_date(event)),
            Text(f"{event.type}\n{event.mode}" if event.mode else event.type),
            Text(_place(event)),
        ]
        if wide:
            details = [f"{k}={v}" for k, v in event.quantities.items()]
            details.append(event.attribution.status)
            details.extend(event.flags)
            cells += [Text(_actors(event)), Text("\n".join(details))]
        cells += [Text(f"{event.confidence:.2f}"), Text(event.evidence.text)]
        table.add_row(*cells)
    return table


def write_table(events: Iterable[EventRecord], out: TextIO) -> int:
    """Print events as a table, narrower on a narrow terminal; return how many."""
    console = _console(out)
    table = events_table(events, console.width)
    console.print(table)
    return table.row_count


def write_documents_table(documents: Iterable[DocumentSummary], out: TextIO) -> int:
    """Print documents with their outcome, reason, event count and language; return how many."""
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("doc_id", "outcome", "events", "lang", "published", "title", "reason"):
        table.add_column(name, justify="right" if name == "events" else "left")
    for doc in documents:
        outcome_style = "green" if doc.outcome == "events" else "yellow"
        table.add_row(
            Text(doc.doc_id),
            Text(doc.outcome, style=outcome_style),
            Text(str(doc.event_count)),
            Text(doc.lang or ""),
            Text(doc.published.isoformat() if doc.published else ""),
            Text(doc.title or ""),
            Text(doc.reason or ""),
        )
    _console(out).print(table)
    return table.row_count


def locate_evidence(text: str, evidence: Evidence) -> tuple[int, int] | None:
    """Where the evidence sits in the document: its offsets if they hold, else its first occurrence."""
    start, end = evidence.start, evidence.end
    if 0 <= start <= end <= len(text) and text[start:end] == evidence.text:
        return start, end
    found = text.find(evidence.text) if evidence.text else -1
    return (found, found + len(evidence.text)) if found >= 0 else None


def evidence_in_context(text: str, evidence: Evidence, context_chars: int = CONTEXT_CHARS) -> Text:
    """The paragraph holding the evidence, the evidence highlighted; clipped to `context_chars` each side."""
    span = locate_evidence(text, evidence)
    if span is None:
        return Text(evidence.text, style=EVIDENCE_STYLE) + Text("  (not found in the document text)", "dim")
    start, end = span
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before_start = max(para_start, start - context_chars)
    after_end = min(para_end, end + context_chars)
    shown = Text()
    if before_start > para_start:
        shown.append("…")
    shown.append(text[before_start:start])
    shown.append(text[start:end], style=EVIDENCE_STYLE)
    shown.append(text[end:after_end])
    if after_end < para_end:
        shown.append("…")
    return shown


def event_detail(event: EventRecord, document_text: str | None) -> RenderableType:
    """Every field of one event as a two-column grid, then its evidence in the document's words."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()

    def row(label: str, value: str | None) -> None:
        if value:
            grid.add_row(label, Text(value))

    row("id", event.id)
    row("document", event.doc_id)
    row("type", f"{event.type} / {event.mode}" if event.mode else event.type)
    row("context", ", ".join(event.context))
    date = _date(event) + f", {event.date_status}"
    row("date", f"{date}, from “{event.date_text}”" if event.date_text else date)
    place = event.place
    where = _place(event)
    if place.admin1:
        where += f", {place.admin1}"
    if place.lat is not None and place.lon is not None:
        where += f" at {place.lat:.4f}, {place.lon:.4f}"
    if where:
        where += f" ({place.precision}" + (f", {place.gazetteer_id})" if place.gazetteer_id else ")")
    row("place", where)
    for side in ("source", "target"):
        actors = getattr(event.actors, side)
        row(side, "; ".join(f"{a.canonical or a.text} ({a.kind}, “{a.text}”)" for a in actors))
    row("quantities", ", ".join(f"{q.name}={q.value} (“{q.raw}”)" for q in event.quantity_details)
        or ", ".join(f"{k}={v}" for k, v in event.quantities.items()))  # fmt: skip
    attribution = event.attribution
    said = attribution.status + (f", according to {attribution.source}" if attribution.source else "")
    row("attribution", said + (f" (cue “{attribution.cue}”)" if attribution.cue else ""))
    row("flags", ", ".join(event.flags))
    row("confidence", f"{event.confidence:.2f}")
    row("trigger", event.trigger)
    row("ACLED", " / ".join(x for x in (event.acled_type, event.acled_subtype) if x))
    row("CAMEO", event.cameo_root)
    row("language", event.lang)
    evidence = (
        evidence_in_context(document_text, event.evidence)
        if document_text is not None
        else Text(event.evidence.text, style=EVIDENCE_STYLE) + Text("  (document text not stored)", "dim")
    )
    return Group(grid, Text(""), Text("evidence", style="bold"), evidence)
