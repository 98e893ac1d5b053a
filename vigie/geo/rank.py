"""Choose one reading per toponym from its candidates, using what else the document says.

Two passes: the first resolves what needs no context (country names, sites announced by a site word,
aliases, names with one plausible reading) and derives the document's countries and anchor points;
the second scores every candidate against them, then against "near Y" and "X, Y" qualifiers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from vigie.geo.mentions import Candidate, Mention

# A reading of a town this big makes its country plausible for the rest of the document.
PLAUSIBLE_POPULATION = 100_000
# Parts of speech a place name never has: a capitalised "Les", "Selon", "Il" that GeoNames knows as a town.
_FUNCTION_POS = frozenset({"DET", "ADP", "PRON", "AUX", "CCONJ", "SCONJ", "PART", "ADV", "NUM", "INTJ"})


@dataclass(frozen=True)
class RankSettings:
    # A town far from everything else in the document must be at least this big to be believed.
    min_population_out_of_context: int = 200_000
    # With no country context at all, smaller towns are believed down to this size.
    min_population_no_context: int = 15_000
    # A model LOC entity is believed for towns down to this size when the document gives no context.
    min_population_ner: int = 1_000
    # Alternate (non-official) names of towns below this size need context: GeoNames lists many
    # alternate names that are common words ("Selon" for Salon-de-Provence).
    min_population_alternate_name: int = 100_000
    near_km: float = 150.0  # "X près de Y": X within this distance of Y
    anchor_km: float = 150.0  # other places of the document within this distance support a reading
    # Two readings in different countries scoring closer than this (about 5x in population): unresolved.
    ambiguity_margin: float = 0.2


@dataclass
class Scored:
    candidate: Candidate
    score: float
    reasons: list[str] = field(default_factory=list)
    supported: bool = False  # something else in the document points to this reading
    qualified: bool = False  # the text itself places it: "X, Texas", "X near Moscow", "the region holding X"


@dataclass
class Resolution:
    mention: Mention
    ranked: list[Scored]  # best first
    chosen: Scored | None  # None: an unresolved place (kept only when a model entity says LOC)
    keep: bool  # False: not a place after all (a person, a common word)
    confidence: float = 0.0
    why: str = ""


@dataclass
class Context:
    countries: dict[str, float]  # country -> weight of the evidence for it
    focus: str | None
    anchors: list[tuple[str, float, float]]  # gid, lat, lon of confidently resolved places
    # id(mention) -> what it contributed: country, weight, GeoNames region of a town
    own: dict[int, tuple[str, float, str | None]] = field(default_factory=dict)
    qualified: dict[int, Mention] = field(default_factory=dict)  # id(Y) -> X of "X, Y"
    regions: dict[str, int] = field(default_factory=dict)  # admin1 code -> confidently placed towns in it
    # Weak evidence, from names not resolved yet: country -> mentions with a big town (or region) there.
    plausible: dict[str, int] = field(default_factory=dict)
    plausible_own: dict[int, frozenset[str]] = field(default_factory=dict)  # id(mention) -> its share

    def backed(self, m: Mention, country: str | None) -> int:
        """How many other names of the document could lie in `country`."""
        if country is None:
            return 0
        return self.plausible.get(country, 0) - (country in self.plausible_own.get(id(m), ()))

    def excluding(self, m: Mention) -> Context:
        """The context as the rest of the document gives it: a name must not vouch for itself."""
        if id(m) not in self.own:
            return self
        code, weight, region = self.own[id(m)]
        countries = {c: w - weight if c == code else w for c, w in self.countries.items()}
        countries = {c: w for c, w in countries.items() if w > 0}
        regions = {r: n - 1 if r == region else n for r, n in self.regions.items()}
        return Context(countries, _focus(countries), self.anchors, qualified=self.qualified, regions=regions,
                       plausible=self.plausible, plausible_own=self.plausible_own)  # fmt: skip


def _focus(countries: dict[str, float]) -> str | None:
    if not countries:
        return None
    top = max(countries.values())
    return next(code for code in countries if countries[code] == top)  # first mentioned wins ties


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


_PRIORS: dict[tuple[str, bool, bool, bool, bool], tuple[float, tuple[str, ...]]] = {}


def prior(c: Candidate, m: Mention) -> Scored:
    """How likely a reading is from the name alone."""
    e = c.entry
    key = (e.gid, c.primary, c.alias, e.feature in m.site_kinds, m.region_cue)
    known = _PRIORS.get(key)
    if known is None:
        # Memoised: it depends on the entry and two marks of the mention, and is asked for every reading.
        known = _PRIORS[key] = _prior(c, m)
        if len(_PRIORS) > 200_000:
            _PRIORS.clear()
    return Scored(c, known[0], list(known[1]))


def _prior(c: Candidate, m: Mention) -> tuple[float, tuple[str, ...]]:
    e = c.entry
    reasons = []
    if e.precision == "site":
        score = 7.0 if e.feature in m.site_kinds else 0.3
        reasons.append("site word" if e.feature in m.site_kinds else "site without site word")
    elif e.precision == "country":
        score = 6.0
    elif e.precision == "admin1":
        # Below a big city of the same name: "Benghazi" is the city more often than the district,
        # unless a region word stands next to it ("région de Belgorod", "Kharkiv Oblast").
        score = 0.9 + (4.0 if m.region_cue else 0.0)
    elif e.feature == "continent":
        score = 2.0
    else:
        score = 2.0 * math.log10(e.population + 10) / 7.0
        reasons.append(f"population {e.population}")
        if e.feature == "P.PPLC":  # news names capitals far more often than their namesakes
            score += 0.4
            reasons.append("capital")
    if c.primary:
        score += 0.3
        reasons.append("official name")
    if c.alias:
        score += 2.5
        reasons.append("alias")
    return score, tuple(reasons)


def _confident(m: Mention) -> Scored | None:
    """A reading that needs no context, or None."""
    ranked = sorted((prior(c, m) for c in m.candidates), key=lambda s: -s.score)
    if not ranked:
        return None
    best = ranked[0]
    e = best.candidate.entry
    if e.precision in ("country", "site", "admin1") or best.candidate.alias:
        return best if e.precision != "site" or e.feature in m.site_kinds else None
    if e.precision != "city" or (m.ner != "LOC" and m.pos != "PROPN") or e.population < 1000:
        return None
    second = ranked[1].score if len(ranked) > 1 and ranked[1].candidate.entry.precision == "city" else 0.0
    return best if best.score - second >= 0.5 else None


def _plausible(c: Candidate) -> bool:
    """A reading that makes its country plausible for the rest of the document: a country or a big town."""
    e = c.entry
    return e.precision == "country" or (e.precision == "city" and e.population >= PLAUSIBLE_POPULATION)


# Countries a set of readings makes plausible, by the readings' ids (an id always names the same entry).
_PLAUSIBLE_CODES: dict[tuple[str, ...], frozenset[str]] = {}


def _gids(m: Mention) -> tuple[str, ...]:
    return tuple([c.entry.gid for c in m.candidates])


def document_context(
    mentions: list[Mention], extra: Counter[str], gids: dict[int, tuple[str, ...]] | None = None
) -> Context:
    """Countries the document talks about (with weights) and the points it is anchored on.

    `gids`: id(mention) -> the ids of its readings, when the caller has them already.
    """
    if gids is None:
        gids = {id(m): _gids(m) for m in mentions}
    countries: dict[str, float] = {}
    own: dict[int, tuple[str, float, str | None]] = {}
    regions: dict[str, int] = {}
    anchors = []
    seen: dict[tuple[object, ...], Scored | None] = {}  # a name repeated with the same marks: one verdict
    for m in mentions:
        key = (m.text, m.ner, m.pos, m.site_kinds, m.region_cue, gids[id(m)])
        sure = seen[key] if key in seen else seen.setdefault(key, _confident(m))
        if sure is None or (e := sure.candidate.entry).country is None:
            continue
        # A country named outright says more about the story's focus than a town resolved on its own.
        weight = (0.5 if m.role == "origin" else 1.0) * (2.0 if e.precision == "country" else 1.0)
        countries[e.country] = countries.get(e.country, 0.0) + weight
        region = e.admin1_code if e.precision in ("city", "site") else None
        own[id(m)] = (e.country, weight, region)
        if region is not None:
            regions[region] = regions.get(region, 0) + 1
        if e.precision in ("city", "site") and e.lat is not None and e.lon is not None:
            anchors.append((e.gid, e.lat, e.lon))
    for code, n in extra.items():
        # Demonyms and organisations: weaker evidence than a place name.
        countries[code] = countries.get(code, 0.0) + 0.5 * n
    qualified = {id(m.within): m for m in mentions if m.within is not None}
    plausible: dict[str, int] = {}
    plausible_own: dict[int, frozenset[str]] = {}
    for m in mentions:
        if m.common_word or m.pos in _FUNCTION_POS:
            continue  # "At" is no vote for Ath (Belgium)
        ids = gids[id(m)]
        codes = _PLAUSIBLE_CODES.get(ids)
        if codes is None:
            codes = frozenset(c.entry.country for c in m.candidates if c.entry.country and _plausible(c))
            if len(_PLAUSIBLE_CODES) > 200_000:
                _PLAUSIBLE_CODES.clear()
            _PLAUSIBLE_CODES[ids] = codes
        plausible_own[id(m)] = codes
        for code in codes:
            plausible[code] = plausible.get(code, 0) + 1
    return Context(countries, _focus(countries), anchors, own, qualified, regions, plausible, plausible_own)


def _contextual(s: Scored, m: Mention, ctx: Context, chosen: dict[int, Scored], cfg: RankSettings) -> None:
    e = s.candidate.entry
    if e.country and e.country == ctx.focus:
        s.score += 2.0
        s.supported = True
        s.reasons.append(f"document country {e.country}")
    elif e.country and ctx.countries.get(e.country):
        s.score += 1.2
        s.supported = True
        s.reasons.append(f"country {e.country} mentioned")
    elif e.precision == "city" and ctx.backed(m, e.country):
        # "Cordoba ... Seville": other names that could lie in the same country tip the balance.
        s.score += 0.6
        s.reasons.append(f"other names may lie in {e.country}")
    if e.lat is not None and e.lon is not None and e.precision in ("city", "site"):
        # A degree of latitude is 111 km: most anchors are ruled out before any trigonometry.
        span = cfg.anchor_km / 111.0
        near = [g for g, la, lo in ctx.anchors if g != e.gid and abs(e.lat - la) <= span
                and distance_km(e.lat, e.lon, la, lo) <= cfg.anchor_km]  # fmt: skip
        if near:
            s.score += 1.0
            s.supported = True
            s.reasons.append(f"near {len(near)} other place(s) of the document")
    if m.near is not None and (q := chosen.get(id(m.near))) is not None:
        qe = q.candidate.entry
        if qe.lat is not None and qe.lon is not None and e.lat is not None and e.lon is not None:
            d = distance_km(e.lat, e.lon, qe.lat, qe.lon)
            s.score += 4.0 if d <= cfg.near_km else -1.0
            s.supported = s.supported or d <= cfg.near_km
            s.qualified = s.qualified or d <= cfg.near_km
            s.reasons.append(f"{d:.0f} km from {qe.name}")
    if (inner := ctx.qualified.get(id(m))) is not None and e.precision in ("admin1", "country"):
        # "Alexandria, Virginia": the region that holds a reading of the name before it is that region.
        holds = any((c.entry.admin1_code == e.admin1_code if e.precision == "admin1" else c.entry.country == e.country)
                    and c.entry.precision in ("city", "site") for c in inner.candidates)  # fmt: skip
        if holds and (e.admin1_code is not None or e.precision == "country"):
            s.score += 3.0
            s.supported = True
            s.reasons.append(f"holds a reading of {inner.text}")
    if e.precision == "admin1" and e.admin1_code and (held := ctx.regions.get(e.admin1_code, 0)) > 0 and not any(
        c.entry.precision == "city" and c.entry.admin1_code == e.admin1_code for c in m.candidates
    ):
        # "Atlanta ... the state of Georgia": a region holding other places of the story (not a region
        # named after its own capital, "Cienfuegos", whose town is the usual reading).
        s.score += 3.0
        s.supported = s.qualified = True
        s.reasons.append(f"holds {held} other place(s) of the document")
    if m.within is not None and (q := chosen.get(id(m.within))) is not None:
        qe = q.candidate.entry
        if qe.precision == "admin1" and qe.admin1_code is None:
            # A region the index cannot tie to its towns ("Andalusia") still names their country.
            inside = e.country == qe.country and e.precision in ("city", "site")
        else:
            inside = (qe.precision == "country" and e.country == qe.country) or (
                qe.precision == "admin1" and qe.admin1_code is not None and e.admin1_code == qe.admin1_code
            )
        if inside:
            s.score += 4.0
            s.supported = s.qualified = True
            s.reasons.append(f"in {qe.name}")


def _qualified_over(ranked: list[Scored], country: Scored, ctx: Context) -> Scored | None:
    """A reading the text places so plainly that it beats the country of the same name, or None.

    "Lebanon, Pennsylvania", "Atlanta ... the state of Georgia": the town or region the qualifier
    points to wins, unless the rest of the story is mostly about that country.
    """
    if ctx.focus is None or ctx.focus == country.candidate.entry.country:
        return None
    return next((s for s in ranked if s.qualified and s.candidate.entry.precision in ("city", "site", "admin1")
                 and s.candidate.entry.country == ctx.focus), None)  # fmt: skip


def _region_over(m: Mention, ranked: list[Scored], country: Scored, ctx: Context) -> Scored | None:
    """"Savannah, Georgia": a qualifier whose region reading holds the name before it, while the country of the
    same name holds none, is that region."""
    inner = ctx.qualified.get(id(m))
    code = country.candidate.entry.country
    if inner is None or any(c.entry.country == code and c.entry.precision in ("city", "site")
                            for c in inner.candidates):
        return None
    return next((s for s in ranked if s.candidate.entry.precision == "admin1" and s.candidate.entry.admin1_code
                 and any(c.entry.admin1_code == s.candidate.entry.admin1_code and c.entry.precision in ("city", "site")
                         for c in inner.candidates)), None)  # fmt: skip


def _town_over(m: Mention, ranked: list[Scored], country: Scored, ctx: Context) -> Scored | None:
    """"Grenade ... Malaga": a big town of that name where the story's other names lie, not the country.

    Only when nothing in the document speaks for the country itself.
    """
    code = country.candidate.entry.country
    if code is None or ctx.countries.get(code) or ctx.backed(m, code):
        return None
    return next((s for s in ranked if s.candidate.entry.precision == "city"
                 and s.candidate.entry.population >= PLAUSIBLE_POPULATION and s.candidate.entry.country != code
                 and ctx.backed(m, s.candidate.entry.country) and ctx.focus in (None, s.candidate.entry.country)),
                None)  # fmt: skip


def _outside_qualifier(m: Mention, ranked: list[Scored], chosen: dict[int, Scored]) -> bool:
    """Whether "X, Y" names a region or country Y that holds none of the readings of X."""
    q = chosen.get(id(m.within)) if m.within is not None else None
    if q is None or q.candidate.entry.precision not in ("admin1", "country"):
        return False
    return not any(s.qualified for s in ranked)


def _decide(m: Mention, ranked: list[Scored], ctx: Context, cfg: RankSettings) -> tuple[Scored | None, bool, str]:
    """The chosen reading (or None), whether the mention stays a place at all, and why."""
    if not ranked:
        if m.ner != "LOC" or m.common_word or (m.text.isupper() and len(m.text) <= 5):
            return None, False, "no gazetteer entry and not a clear place name"
        return None, True, "no gazetteer entry"
    best = ranked[0]
    e = best.candidate.entry
    if m.ner == "PER" and not (
        best.supported and e.precision == "city" and e.population >= cfg.min_population_alternate_name
    ):
        return None, False, "a person's name"
    countries = [s for s in ranked if s.candidate.entry.precision == "country"]
    site = e.precision == "site" and e.feature in m.site_kinds
    if countries and not site:
        if (placed := _qualified_over(ranked, countries[0], ctx)) is not None:
            return placed, True, f"{placed.candidate.entry.precision} the text qualifies"
        if (region := _region_over(m, ranked, countries[0], ctx)) is not None:
            return region, True, "the region that holds the name it qualifies, not the country"
        if (town := _town_over(m, ranked, countries[0], ctx)) is not None:
            return town, True, "a big town where the other names lie, not the country"
        return countries[0], True, "country name"  # a country name is never read as a town
    if e.precision != "city" or best.candidate.alias:
        return best, True, f"{e.precision} name"
    supported = best.supported
    if m.common_word or m.pos in _FUNCTION_POS:
        return None, False, "common word"
    if m.ner != "LOC":
        # Found by the gazetteer alone: a capitalised word must look like a name.
        if m.initial and m.pos != "PROPN" and not (best.candidate.primary and e.population >= 100_000):
            return None, False, "sentence-initial word"
        if not best.candidate.primary and e.population < cfg.min_population_alternate_name and not supported:
            return None, False, "alternate name of a small town, no context"
    if not supported:
        if ctx.focus is None and (not ctx.plausible or ctx.backed(m, e.country)):
            floor = cfg.min_population_ner if m.ner == "LOC" else cfg.min_population_no_context
        else:
            # The other names point to a country, and not this one: only a big town is believed.
            floor = cfg.min_population_out_of_context
        if e.population < floor:
            return None, m.ner == "LOC", f"town of {e.population} far from the document's places"
    rival = next((s for s in ranked[1:] if s.candidate.entry.country != e.country), None)
    if rival is not None and not supported and best.score - rival.score < cfg.ambiguity_margin:
        return None, m.ner == "LOC", f"ambiguous with {rival.candidate.entry.name} ({rival.candidate.entry.country})"
    return best, True, "best reading"


def resolve(mentions: list[Mention], extra: Counter[str], cfg: RankSettings | None = None) -> list[Resolution]:
    """One resolution per mention, in document order."""
    cfg = cfg or RankSettings()
    gids = {id(m): _gids(m) for m in mentions}
    ctx = document_context(mentions, extra, gids)
    chosen: dict[int, Scored] = {}
    results: dict[int, Resolution] = {}
    # Qualifiers first: "Chkalovsky près de Moscou" needs Moscow resolved.
    order = sorted(mentions, key=lambda m: m.near is not None or m.within is not None)
    views: dict[tuple[str, float, str | None] | None, Context] = {}  # the context without one contribution
    # Within this document, a name repeated with the same marks and no qualifier reads the same each time.
    repeats: dict[tuple[object, ...], Resolution] = {}
    for m in order:
        own = ctx.own.get(id(m))
        others = views.get(own) or views.setdefault(own, ctx.excluding(m))
        key = None
        if m.near is None and m.within is None and id(m) not in ctx.qualified:
            key = (m.text, m.ner, m.pos, m.common_word, m.initial, m.site_kinds, m.region_cue, own, gids[id(m)])
            if (same := repeats.get(key)) is not None:
                if same.chosen is not None:
                    chosen[id(m)] = same.chosen
                results[id(m)] = Resolution(m, same.ranked, same.chosen, same.keep, same.confidence, same.why)
                continue
        ranked = [prior(c, m) for c in m.candidates]
        for s in ranked:
            _contextual(s, m, others, chosen, cfg)
        ranked.sort(key=lambda s: -s.score)
        pick, keep, why = _decide(m, ranked, others, cfg)
        if pick is not None and pick.candidate.entry.precision == "city" and _outside_qualifier(m, ranked, chosen):
            # "Alexandria, Kirovohrad region" with no Alexandria of that region: not the one in Egypt.
            pick, why = None, f"no reading lies in {m.within.text if m.within else ''}"
        confidence = 0.0
        if pick is not None:
            chosen[id(m)] = pick
            # How far ahead of the runner-up, times how much evidence there is in absolute terms.
            runner_up = max((s.score for s in ranked if s is not pick), default=pick.score - 5.0)
            margin = 1.0 / (1.0 + math.exp(-2.0 * (pick.score - runner_up)))
            confidence = round(min(0.99, margin * min(1.0, 0.4 + pick.score / 8.0)), 3)
        results[id(m)] = Resolution(m, ranked, pick, keep, confidence, why)
        if key is not None:
            repeats[key] = results[id(m)]
    return [results[id(m)] for m in mentions]
