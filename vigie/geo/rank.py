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
    own: dict[int, tuple[str, float]] = field(default_factory=dict)  # id(mention) -> what it contributed
    qualified: dict[int, Mention] = field(default_factory=dict)  # id(Y) -> X of "X, Y"

    def excluding(self, m: Mention) -> Context:
        """The context as the rest of the document gives it: a name must not vouch for itself."""
        if id(m) not in self.own:
            return self
        code, weight = self.own[id(m)]
        countries = {c: w - weight if c == code else w for c, w in self.countries.items()}
        countries = {c: w for c, w in countries.items() if w > 0}
        return Context(countries, _focus(countries), self.anchors, qualified=self.qualified)


def _focus(countries: dict[str, float]) -> str | None:
    if not countries:
        return None
    top = max(countries.values())
    return next(code for code in countries if countries[code] == top)  # first mentioned wins ties


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def prior(c: Candidate, m: Mention) -> Scored:
    """How likely a reading is from the name alone."""
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
    return Scored(c, score, reasons)


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


def document_context(mentions: list[Mention], extra: Counter[str]) -> Context:
    """Countries the document talks about (with weights) and the points it is anchored on."""
    countries: dict[str, float] = {}
    own: dict[int, tuple[str, float]] = {}
    anchors = []
    for m in mentions:
        sure = _confident(m)
        if sure is None or (e := sure.candidate.entry).country is None:
            continue
        # A country named outright says more about the story's focus than a town resolved on its own.
        weight = (0.5 if m.role == "origin" else 1.0) * (2.0 if e.precision == "country" else 1.0)
        countries[e.country] = countries.get(e.country, 0.0) + weight
        own[id(m)] = (e.country, weight)
        if e.precision in ("city", "site") and e.lat is not None and e.lon is not None:
            anchors.append((e.gid, e.lat, e.lon))
    for code, n in extra.items():
        # Demonyms and organisations: weaker evidence than a place name.
        countries[code] = countries.get(code, 0.0) + 0.5 * n
    qualified = {id(m.within): m for m in mentions if m.within is not None}
    return Context(countries, _focus(countries), anchors, own, qualified)


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
    if e.lat is not None and e.lon is not None and e.precision in ("city", "site"):
        near = [g for g, la, lo in ctx.anchors if g != e.gid and distance_km(e.lat, e.lon, la, lo) <= cfg.anchor_km]
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
            s.reasons.append(f"{d:.0f} km from {qe.name}")
    if (inner := ctx.qualified.get(id(m))) is not None and e.precision in ("admin1", "country"):
        # "Alexandria, Virginia": the region that holds a reading of the name before it is that region.
        holds = any((c.entry.admin1_code == e.admin1_code if e.precision == "admin1" else c.entry.country == e.country)
                    and c.entry.precision in ("city", "site") for c in inner.candidates)  # fmt: skip
        if holds and (e.admin1_code is not None or e.precision == "country"):
            s.score += 3.0
            s.supported = True
            s.reasons.append(f"holds a reading of {inner.text}")
    if m.within is not None and (q := chosen.get(id(m.within))) is not None:
        qe = q.candidate.entry
        inside = (qe.precision == "country" and e.country == qe.country) or (
            qe.precision == "admin1" and qe.admin1_code is not None and e.admin1_code == qe.admin1_code
        )
        if inside:
            s.score += 4.0
            s.supported = True
            s.reasons.append(f"in {qe.name}")


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
    if countries and not (e.precision == "site" and e.feature in m.site_kinds):
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
        if ctx.focus is None:
            floor = cfg.min_population_ner if m.ner == "LOC" else cfg.min_population_no_context
        else:
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
    ctx = document_context(mentions, extra)
    chosen: dict[int, Scored] = {}
    results: dict[int, Resolution] = {}
    # Qualifiers first: "Chkalovsky près de Moscou" needs Moscow resolved.
    order = sorted(mentions, key=lambda m: m.near is not None or m.within is not None)
    for m in order:
        others = ctx.excluding(m)
        ranked = [prior(c, m) for c in m.candidates]
        for s in ranked:
            _contextual(s, m, others, chosen, cfg)
        ranked.sort(key=lambda s: -s.score)
        pick, keep, why = _decide(m, ranked, others, cfg)
        confidence = 0.0
        if pick is not None:
            chosen[id(m)] = pick
            # How far ahead of the runner-up, times how much evidence there is in absolute terms.
            runner_up = max((s.score for s in ranked if s is not pick), default=pick.score - 5.0)
            margin = 1.0 / (1.0 + math.exp(-2.0 * (pick.score - runner_up)))
            confidence = round(min(0.99, margin * min(1.0, 0.4 + pick.score / 8.0)), 3)
        results[id(m)] = Resolution(m, ranked, pick, keep, confidence, why)
    return [results[id(m)] for m in mentions]
