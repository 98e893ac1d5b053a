"""Document: the text under analysis and the annotation layers the stages add to it.

Every span's offsets index `Document.text`, so `doc.text[s.start:s.end] == s.text` always holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from vigie.records import Place


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str

    def holds(self, pos: int) -> bool:
        return self.start <= pos < self.end


@dataclass(frozen=True, slots=True)
class Sentence(Span):
    index: int


@dataclass(frozen=True, slots=True)
class Token(Span):
    lemma: str
    pos: str
    dep: str
    head: int  # index in Document.tokens of the syntactic head (itself for the root)
    sent: int  # index of the sentence it belongs to
    morph: str = ""


@dataclass(frozen=True, slots=True)
class EntityMention(Span):
    label: str  # PER, ORG, LOC, MISC (model labels mapped to these)
    canonical: str | None = None
    kind: str | None = None  # actor kind from alias data, when known
    country: str | None = None


@dataclass(frozen=True, slots=True)
class DateMention(Span):
    value: dt.date | None  # start of the expression (None when it cannot be resolved)
    end_value: dt.date | None = None  # for ranges
    precision: str = "day"  # day / week / month / year / unknown
    status: str = "exact"  # exact / approximate / range / unresolved
    flags: tuple[str, ...] = ()  # e.g. date_anomaly, year_inferred, year_unknown


@dataclass(frozen=True, slots=True)
class PlaceMention(Span):
    place: Place
    role: str = "place"  # "place", or "origin" for places that name where something came from


@dataclass(frozen=True, slots=True)
class QuantityMention(Span):
    value: int | float
    name: str | None  # troops, aircraft, dead, injured, arrested, protesters...; None when no unit
    approximate: bool = False
    flags: tuple[str, ...] = ()  # e.g. translation_artefact


@dataclass(frozen=True, slots=True)
class CueMention(Span):
    """A reliability signal: hedge, sourcing, denial, plan, or loaded language."""

    kind: str  # status name (reported, unconfirmed, ...), "source", or a flag (loaded_language, ...)
    source: str | None = None
    scope: str = "sentence"  # "sentence", or "previous" when it qualifies the sentence before it


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    text: str
    lang: str | None = None
    lang_confidence: float | None = None
    published: dt.date | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    path: str | None = None
    layers: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def with_layer(self, name: str, spans: tuple[Any, ...] | list[Any]) -> Document:
        """A copy of the document with one layer added or replaced."""
        return dataclasses.replace(self, layers={**self.layers, name: tuple(spans)})

    def with_fields(self, **changes: Any) -> Document:
        return dataclasses.replace(self, **changes)

    def layer(self, name: str) -> tuple[Any, ...]:
        return self.layers.get(name, ())

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.layers.get("sentences", ())

    @property
    def tokens(self) -> tuple[Token, ...]:
        return self.layers.get("tokens", ())
