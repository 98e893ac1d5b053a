"""Helpers shared by the field-format exports (ACLED, CAMEO): countries by ISO code, actor names, dates."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from vigie.records import Actor, DocumentSummary, EventRecord

#: doc_id -> stored summary, so an export can name an event's source and URL; events only carry doc_id.
Documents = Mapping[str, DocumentSummary]


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: int
    name: str


@functools.cache
def country(alpha2: str | None) -> Country | None:
    """The country of an ISO 3166-1 alpha-2 code (its common name when pycountry has one), or None."""
    if not alpha2:
        return None
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2.upper())
    if found is None:
        return None
    name = getattr(found, "common_name", None) or found.name
    return Country(found.alpha_2, found.alpha_3, int(found.numeric), name)


def actor_name(actor: Actor) -> str:
    return actor.canonical or actor.text


def day(event: EventRecord) -> str | None:
    """The ISO day an event starts on (a timestamp cut to its date), or None when undated."""
    return event.date[:10] if event.date else None


def number(value: float | None) -> str:
    return "" if value is None else repr(value)
