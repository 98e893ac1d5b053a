"""Toponyms: place names in the text, resolved against the gazetteer by what else the document says.

Fills the `places` layer with `PlaceMention`s whose `Place` carries coordinates, country, precision
(site, city, admin1, country) and a score; a name that cannot be resolved with confidence keeps
precision "unknown" and no coordinates rather than a far-away guess.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from vigie.document import Document, PlaceMention
from vigie.gazetteer import Gazetteer
from vigie.geo.mentions import MentionFinder
from vigie.geo.rank import RankSettings, Resolution, resolve
from vigie.geo.rules import place_rules
from vigie.lang.loader import LanguageData, load_language
from vigie.records import Place

READS, FILLS = ("sentences", "tokens", "entities"), "places"

_LOAD_LOCK = threading.Lock()


class Geocoder:
    """The toponym stage: `geocoder(doc, lang)` returns the document with its `places` layer."""

    def __init__(self, gazetteer: Gazetteer, settings: RankSettings | None = None) -> None:
        self.gazetteer = gazetteer
        self.settings = settings or RankSettings()
        self._finders: dict[str, MentionFinder] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Geocoder:
        """The process-wide geocoder on the default (or given) index, built on first use if missing."""
        with _LOAD_LOCK:  # two threads asking at once must not build the index twice
            return _cached_geocoder(path)

    def finder(self, lang: LanguageData) -> MentionFinder:
        if lang.code not in self._finders:
            self._finders[lang.code] = MentionFinder(self.gazetteer, place_rules(lang))
        return self._finders[lang.code]

    def resolutions(self, doc: Document, lang: LanguageData) -> list[Resolution]:
        """Every toponym candidate with its ranked readings and the decision taken (for `explain`)."""
        found = self.finder(lang).find(doc)
        return resolve(found.mentions, found.countries, self.settings)

    def resolve_spans(self, doc: Document, lang: LanguageData, spans: list[tuple[int, int]]) -> list[PlaceMention]:
        """A place for each given (start, end) span, resolved in the document's context, in text order.

        Resolution only: the spans are taken as place names, never dropped; one that cannot be
        resolved with confidence comes back with precision "unknown" and no coordinates.
        """
        found = self.finder(lang).given(doc, spans)
        resolved = resolve(found.mentions, found.countries, self.settings)
        return [_place_mention(doc, r, widen=False) for r in resolved]

    def __call__(self, doc: Document, lang: LanguageData) -> Document:
        mentions = [_place_mention(doc, r) for r in self.resolutions(doc, lang) if r.keep]
        return doc.with_layer(FILLS, mentions)


@functools.cache
def _cached_geocoder(path: Path | None) -> Geocoder:
    return Geocoder(Gazetteer.open(path))


def _place_mention(doc: Document, r: Resolution, *, widen: bool = True) -> PlaceMention:
    m = r.mention
    if r.chosen is None:
        place = Place.model_construct(name=m.text, precision="unknown", score=r.confidence)
        return PlaceMention(m.start, m.end, m.text, place, m.role)
    entry = r.chosen.candidate.entry
    start, end = m.start, m.end
    if widen and entry.precision == "site" and m.cue_span is not None:
        # "l'aéroport de Machulishchi": the site is the airport, so the mention covers the word too.
        start, end = min(start, m.cue_span[0]), max(end, m.cue_span[1])
    text = doc.text[start:end]
    return PlaceMention(start, end, text, entry.to_place(m.text, r.confidence), m.role)


def focus_country(doc: Document) -> str | None:
    """ISO alpha-2 of the country the document is mostly about, from its resolved places.

    Every resolved place counts for its country (places of origin half), so "Almaty" three times
    outweighs one "Russie"; ties go to the country mentioned first.
    """
    weights: dict[str, float] = {}
    for mention in doc.layer(FILLS):
        place = mention.place
        if place.country and place.precision != "unknown":
            weights[place.country] = weights.get(place.country, 0.0) + (0.5 if mention.role == "origin" else 1.0)
    if not weights:
        return None
    top = max(weights.values())
    return next(code for code in weights if weights[code] == top)


def explain(text: str, lang: str = "fr", geocoder: Geocoder | None = None) -> str:
    """A readable account of how each place name in `text` was resolved (no model: gazetteer scan only)."""
    return explain_document(Document(doc_id="explain", text=text, lang=lang), load_language(lang), geocoder)


def explain_document(doc: Document, lang: LanguageData, geocoder: Geocoder | None = None) -> str:
    """The candidates of each place name of `doc`, best first, and why the winner won."""
    geocoder = geocoder or Geocoder.load()
    lines = []
    for r in geocoder.resolutions(doc, lang):
        m = r.mention
        verdict = r.chosen.candidate.entry.gid if r.chosen else ("unknown" if r.keep else "dropped")
        lines.append(f"{m.text!r} [{m.start}:{m.end}] -> {verdict} ({r.why}; score {r.confidence})")
        for s in r.ranked[:4]:
            e = s.candidate.entry
            lines.append(f"    {s.score:5.2f} {e.gid} {e.name} {e.country or '-'}: {', '.join(s.reasons)}")
    return "\n".join(lines)
