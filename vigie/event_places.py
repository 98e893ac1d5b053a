"""Where an event happened: the place of its sentence that is not an origin, else the place carried from its
paragraph, else the city or country the story is about."""

from __future__ import annotations

from collections.abc import Sequence

from vigie.document import Document, PlaceMention, Sentence
from vigie.lang.loader import LanguageData
from vigie.records import Place
from vigie.stages.events import EventCandidate
from vigie.stages.patterns import fold, folded_words

PLACE_RANK = {"site": 0, "city": 1, "admin1": 2, "country": 3}
ORIGIN_WINDOW = 24  # characters between an origin marker ("depuis") and the place it governs
MAIN_PLACE_SCORE = 0.3  # a place inferred from the story, not named with the event
FOREIGN_MIN_SCORE = 0.7  # below this, a town outside the story's country is not trusted as an event place
CAPITAL_FEATURES = {"PPLC", "P.PPLC"}  # GeoNames class.code of a national capital, with or without the class


def _nearest(mentions: Sequence[PlaceMention], at: int) -> PlaceMention | None:
    return min(mentions, key=lambda s: abs(s.start - at), default=None)


def _is_locative(doc: Document, place: PlaceMention, lang: LanguageData) -> bool:
    before = fold(doc.text[max(0, place.start - ORIGIN_WINDOW) : place.start]).rstrip()
    words = before.replace("'", "' ").split()
    markers = folded_words(lang, "actors", "locative_markers")
    return any(" ".join(words[-len(m.split()):]) == m for m in markers if words)


def _is_origin(doc: Document, place: PlaceMention, markers: tuple[str, ...]) -> bool:
    if place.role == "origin":
        return True
    before = fold(doc.text[max(0, place.start - ORIGIN_WINDOW) : place.start])
    return any(f"{m} " in before[-(len(m) + 8) :] or before.rstrip().endswith(m) for m in markers)


def paragraph_start(doc: Document, pos: int) -> int:
    return doc.text.rfind("\n", 0, pos) + 1


def _weak_foreign(place: Place, focus: Place | None) -> bool:
    """A town abroad read with little confidence in a story about another country is most often a
    neighbourhood or village of that country sharing a foreign name ("Cienfuegos" in Santiago).
    A national capital is no such village: ministers speak in Belgrade about Kosovo."""
    return (focus is not None and focus.country is not None and place.country != focus.country
            and place.feature not in CAPITAL_FEATURES
            and place.precision in {"city", "site"} and (place.score or 0.0) < FOREIGN_MIN_SCORE)


def choose_place(doc: Document, cand: EventCandidate, sentence: Sentence, lang: LanguageData,
                 focus: Place | None) -> Place:
    """Where the event happened: the most precise place of its sentence that is not an origin
    ("troupes venues de Russie"), else the last precise place of its paragraph, else the story's country."""
    markers = folded_words(lang, "actors", "origin_markers")
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    resolved = [p for p in mentions if p.place.precision != "unknown" and not _is_origin(doc, p, markers)
                and (p.place.lat is not None or p.place.precision == "country")
                and not _weak_foreign(p.place, focus)]
    here = [p for p in resolved if sentence.holds(p.start)]
    specific = [p for p in here if p.place.precision != "country"]
    if specific:
        # "À Benghazi, le gouvernement a accusé les autorités de Tripoli": the place the sentence
        # is set in ("à", "in", "в") comes before a place that only qualifies a noun.
        return min(specific, key=lambda p: (PLACE_RANK.get(p.place.precision, 9), not _is_locative(doc, p, lang),
                                            abs(p.start - cand.trigger_start))).place
    paragraph = paragraph_start(doc, sentence.start)
    earlier = [p for p in resolved if paragraph <= p.start < sentence.start and p.place.precision != "country"]
    carried = earlier[-1].place if earlier else None
    if here:
        countries = {p.place.country for p in here}
        if carried is not None and carried.country in countries:
            return carried
        return _nearest(here, cand.trigger_start).place  # type: ignore[union-attr]
    if carried is not None:
        return carried
    main = main_place(doc, focus)
    if main is not None:
        return main
    return focus if focus is not None else Place()


def main_place(doc: Document, focus: Place | None) -> Place | None:
    """The city or site a story is about: the first precise place of its focus country (news copy
    names it in the lead; later paragraphs bring background places)."""
    if focus is None or focus.country is None:
        return None
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    for mention in mentions:
        place = mention.place
        if place.country == focus.country and place.precision in {"city", "site"} and place.lat is not None:
            return place.model_copy(update={"name": None, "score": MAIN_PLACE_SCORE})
    return None


def focus_place(doc: Document) -> Place | None:
    """The country the document is mostly about, as a place for events the text does not locate."""
    from vigie.stages.geocode import focus_country

    country = focus_country(doc)
    if country is None:
        return None
    mentions: tuple[PlaceMention, ...] = doc.layer("places")
    for mention in mentions:
        if mention.place.precision == "country" and mention.place.country == country:
            return mention.place.model_copy(update={"name": None, "score": None})
    return Place(country=country, precision="country")
