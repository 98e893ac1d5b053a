"""Toponym candidates in a document: gazetteer names found in the text, checked against model entities.

Names are looked up as written ("Almaty", "Fédération de Russie"), then, for inflected languages, under
the dictionary forms the language's ending rules give ("под Москвой" -> "Москва"). Model entities only
confirm or veto: an ORG or PER span is not a place, a LOC span with no gazetteer name is kept as an
unresolved place.
"""

from __future__ import annotations

import bisect
import operator
import re
import string
from collections import Counter
from dataclasses import dataclass, field

from vigie.document import Document, EntityMention, Token
from vigie.gazetteer import Gazetteer, GazetteerEntry
from vigie.geo.names import fold_name, strip_accents
from vigie.geo.rules import PlaceRules

MAX_WORDS = 6  # longest name looked for, in words ("Saint-Pierre-et-Miquelon" is 4)
MAX_VARIANTS = 16  # inflected readings tried per word sequence
_ASCII_PUNCTUATION = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))
_WIDE_PUNCTUATION = "«»“”„—–’‘…"  # non-ASCII marks that stick to words in news text
_MEMO_SIZE = 100_000  # names (or word forms) memoised per finder before the memo starts afresh
_WORD = re.compile(r"\w+")
# What may join two words of one name: a space, a hyphen, an apostrophe ("Alma-Ata", "N'Djamena").
_NAME_GAP = re.compile(r"[ \u00a0]?[-‐‑–'’]?[ \u00a0]?")
_SENTENCE_BREAK = re.compile(r"[.!?:;\n«»\"“”]")
_COMMA_GAP = re.compile(r"^\s*,\s*$")
# "Cordoba, in Andalusia", "Odessa, in western Texas", "Springfield, dans l'Ohio", "Lebanon, en Pennsylvanie":
# a comma and the preposition "in" (one adjective or article may follow) qualify the name before as well.
_COMMA_IN_GAP = re.compile(r"^\s*,\s*(?:in|en|dans|в|у)\s+(?:(?:l['’]|la\s+|le\s+|the\s+)|[a-zа-яіїє]+\s+)?$")
_PAREN_OPEN = re.compile(r"^\s*\(\s*$")
_PAREN_CLOSE = re.compile(r"^\s*\)")


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: GazetteerEntry
    primary: bool  # matched an official name
    alias: bool = False  # came from the language's places.tsv


@dataclass
class Mention:
    start: int
    end: int
    text: str
    candidates: list[Candidate]
    ner: str | None = None  # "LOC" when a model entity supports it, "PER" when a person span equals it
    initial: bool = False  # first word of a sentence (capitalised anyway)
    pos: str | None = None  # part of speech of its first token, when the document has tokens
    common_word: bool = False  # the same word appears in lower case elsewhere in the text
    site_kinds: frozenset[str] = frozenset()  # kinds of site a neighbouring word announces
    cue_span: tuple[int, int] | None = None  # that word, to widen a site mention over it
    region_cue: bool = False  # "région de Kharkiv", "Kharkiv Oblast": the region, not the town
    role: str = "place"
    near: Mention | None = None  # "X près de Y": Y
    within: Mention | None = None  # "X, Texas" / "Saint-Denis (La Réunion)": the larger place
    notes: list[str] = field(default_factory=list)


@dataclass
class Found:
    mentions: list[Mention]
    countries: Counter[str]  # evidence for the document's country that is not a place mention


def _countries_named(m: Mention) -> set[str]:
    return {c.entry.country for c in m.candidates if c.entry.precision == "country" and c.entry.country}


ORG_CITY_POPULATION = 100_000


_START = operator.attrgetter("start")
_BREAK_CHARS = frozenset('.!?:;\n«»"“”')  # the characters of _SENTENCE_BREAK


def _token_at(tokens: tuple[Token, ...], start: int, lo: int = 0) -> tuple[Token | None, int]:
    """The token starting at `start` (or None), and where to look from for a later start."""
    k = bisect.bisect_left(tokens, start, lo, key=_START)
    return (tokens[k] if k < len(tokens) and tokens[k].start == start else None), k


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 8) : start].rstrip()
    return start == 0 or (bool(before) and before[-1] in _BREAK_CHARS)


class MentionFinder:
    """Finds place mentions; holds the gazetteer, the language rules and the alias resolutions."""

    def __init__(self, gazetteer: Gazetteer, rules: PlaceRules) -> None:
        self.gazetteer = gazetteer
        self.rules = rules
        self._aliases: dict[str, tuple[Candidate, ...]] = {}
        self._span_memo: dict[str, tuple[Candidate, ...]] = {}
        self._org_memo: dict[str, tuple[str, ...]] = {}
        self._inside_memo: dict[str, frozenset[str] | None] = {}  # name -> kinds its own site word gives
        self._kinds_memo: dict[str, frozenset[str]] = {}  # cue -> site kinds
        self._country_memo: dict[str, bool] = {}  # name -> whether a reading of it is a country
        self._demonym_bytes = {word.encode("utf-8"): code for word, code in rules.demonyms.items()}
        self._alias_prefixes = {
            " ".join(key.split()[:n]) + " " for key in rules.aliases for n in range(1, key.count(" ") + 1)
        }

    def alias_candidates(self, key: str, written: str | None = None) -> tuple[Candidate, ...]:
        """The alias table's reading of a name; an acronym alias ("EAU") only when written in capitals."""
        target = self.rules.aliases.get(key)
        if target is None or (written is not None and key in self.rules.acronyms and not written.isupper()):
            return ()
        if key not in self._aliases:
            entry = self.gazetteer.get(target) if ":" in target else None
            if entry is None:  # a canonical name: its most significant reading
                matches = sorted(self.gazetteer.lookup(target), key=lambda m: (m.entry.precision != "country",
                                                                               -m.entry.population))  # fmt: skip
                entry = matches[0].entry if matches else None
            self._aliases[key] = (Candidate(entry, True, alias=True),) if entry else ()
        return self._aliases[key]

    def candidates(self, key: str, written: str | None = None) -> list[Candidate]:
        found = list(self.alias_candidates(key, written))
        seen = {c.entry.gid for c in found}
        found += [Candidate(m.entry, m.primary) for m in self.gazetteer.lookup_key(key) if m.entry.gid not in seen]
        return found

    def _extends(self, key: str) -> bool:
        return self.gazetteer.has_prefix(key + " ") or key + " " in self._alias_prefixes

    def find(self, doc: Document) -> Found:
        text = doc.text
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        lowered = {w for s, e in words if (w := text[s:e]).islower()}
        tokens: dict[int, Token] = {t.start: t for t in doc.tokens}
        starts = {s.start for s in doc.sentences}
        countries: Counter[str] = Counter()
        mentions: list[Mention] = []
        i = 0
        while i < len(words):
            s, e = words[i]
            word = text[s:e]
            demonym = self.rules.demonyms.get(strip_accents(word).casefold())
            if demonym:
                countries[demonym] += 1
            if demonym or not word[0].isupper() or len(word) < 2:
                i += 1
                continue
            mention, used = self._match_at(text, words, i)
            if mention is None:
                i += 1
                continue
            gap = text[words[i - 1][1] : s] if i else "\n"
            mention.initial = s in starts or i == 0 or bool(_SENTENCE_BREAK.search(gap))
            token = tokens.get(s)
            mention.pos = token.pos if token else None
            mention.common_word = used == 1 and word.lower() in lowered
            mentions.append(mention)
            i += used
        mentions = self._apply_entities(doc, mentions, countries)
        mentions = [m for m in mentions if not self._inside_organisation(text, words, m, tokens, countries)]
        self._mark_context(text, mentions)
        return Found(mentions, countries)

    def given(self, doc: Document, spans: list[tuple[int, int]]) -> Found:
        """Mentions at exactly the given spans (resolution only: someone else found the names).

        Every span is a place, so each counts as a LOC entity. Resolution needs only what the document
        says around those spans, so the text is never scanned for other names: each span takes the
        candidates of its words as written or in their dictionary forms, narrowed as the finder would by
        a model entity on the same span; the document's countries come from demonyms and from place
        names inside organisations tagged ORG. All of it is computed afresh for each call.
        """
        text = doc.text
        entities: tuple[EntityMention, ...] = doc.layer("entities")
        countries = self._demonym_countries(text)
        narrowing = []  # only MISC and ORG entities can narrow a country name
        for ent in entities:
            if ent.label == "ORG":
                countries.update(self._org_countries(ent.text))
                narrowing.append(ent)
            elif ent.label == "MISC":
                narrowing.append(ent)
        narrowers = tuple(narrowing)
        tokens, k = doc.tokens, 0
        mentions = []
        for start, end in sorted(set(spans)):
            name = text[start:end]
            m = Mention(start, end, name, list(self.span_candidates(name)), ner="LOC")
            if narrowers and self._names_country(name):
                self._narrow_by_entities(m, narrowers)
            token, k = _token_at(tokens, start, k)  # the spans come in order: search on from the last
            m.pos = token.pos if token is not None else None
            m.initial = _starts_sentence(text, start)
            mentions.append(m)
        self._mark_context(text, mentions)
        return Found(mentions, countries)

    def _demonym_countries(self, text: str) -> Counter[str]:
        """Countries named by demonyms anywhere in the text ("Russian", "kazakhstanais"), one per occurrence.

        The casefolded text is cut into words in bytes (punctuation to spaces, then split): several times
        faster than a word regex, and the demonyms are looked up as a set intersection.
        """
        for mark in _WIDE_PUNCTUATION:  # these marks have no case: blanking them first changes nothing
            if mark in text:
                text = text.replace(mark, " ")
        # Casefolding is slow on non-ASCII text; on ASCII text it is the ASCII lower-casing of the bytes.
        data = text.encode("utf-8")
        data = data.lower() if data.isascii() else text.casefold().encode("utf-8")
        words = data.translate(_ASCII_PUNCTUATION).split()
        counts: Counter[str] = Counter()
        for word in self._demonym_bytes.keys() & words:
            counts[self._demonym_bytes[word]] += words.count(word)
        return counts

    def _org_countries(self, name: str) -> tuple[str, ...]:
        """Countries named inside an organisation's name ("Banque nationale du Kazakhstan" -> KZ).

        A name that is only a country ("la Russie" tagged ORG) is the country itself, not an actor.
        """
        if name not in self._org_memo:
            words = [(m.start(), m.end()) for m in _WORD.finditer(name)]
            found: list[str] = []
            i = 0
            while i < len(words):
                s, e = words[i]
                word = name[s:e]
                if self.rules.demonyms.get(strip_accents(word).casefold()) or not word[0].isupper() or len(word) < 2:
                    i += 1
                    continue
                mention, used = self._match_at(name, words, i)
                i += used
                if mention is not None and (mention.start, mention.end) != (0, len(name)):
                    found.extend(sorted(_countries_named(mention)))
            if len(self._org_memo) > _MEMO_SIZE:
                self._org_memo.clear()
            self._org_memo[name] = tuple(found)
        return self._org_memo[name]

    def _narrow_by_entities(self, m: Mention, entities: tuple[EntityMention, ...]) -> None:
        """A country name tagged ORG or inside a MISC entity is the country, as the finder reads it."""
        if not any(c.entry.precision == "country" for c in m.candidates):
            return
        for ent in entities:
            if ent.start < m.end and m.start < ent.end:
                exact = ent.start == m.start and ent.end == m.end
                if ent.label == "MISC" or (ent.label == "ORG" and exact):
                    m.candidates = [c for c in m.candidates if c.entry.precision == "country"]
                    return

    def _names_country(self, name: str) -> bool:
        """Whether some reading of the whole name is a country (memoised like `span_candidates`)."""
        known = self._country_memo.get(name)
        if known is None:
            known = any(c.entry.precision == "country" for c in self.span_candidates(name))
            if len(self._country_memo) > _MEMO_SIZE:
                self._country_memo.clear()
            self._country_memo[name] = known
        return known

    def span_candidates(self, name: str) -> tuple[Candidate, ...]:
        """Readings of a whole name: as written, else with each word in its dictionary forms."""
        memo = self._span_memo.get(name)
        if memo is None:
            # Memoised by name: the gazetteer and the rules are fixed, so a name always reads the same.
            memo = tuple(self._span_candidates(name))
            if len(self._span_memo) > _MEMO_SIZE:
                self._span_memo.clear()
            self._span_memo[name] = memo
        return memo

    def _span_candidates(self, name: str) -> list[Candidate]:
        found = self.candidates(fold_name(name), name)
        if found:
            return found
        keys = [""]
        for word in _WORD.findall(name):
            forms = [fold_name(f) for f in (word, *self.rules.inflected_forms(word))]
            keys = list(dict.fromkeys(f"{k} {f}".lstrip() for k in keys for f in forms))[:MAX_VARIANTS]
        seen: set[str] = set()
        for key in keys:
            for c in self.candidates(key, name):
                if c.entry.gid not in seen:
                    seen.add(c.entry.gid)
                    found.append(c)
        return found

    def _match_at(self, text: str, words: list[tuple[int, int]], i: int) -> tuple[Mention | None, int]:
        """The longest name starting at word i, and how many words it spans.

        Besides the words as written, each word may stand for its dictionary forms (inflected
        languages); sequences are only extended while some name in the index starts with them.
        """
        written: list[str] = []  # key of words i..j as written
        readings: list[list[str]] = []  # other keys words i..j may stand for
        partial = [""]  # readings of words i..j-1 that some longer name starts with
        for j in range(i, min(i + MAX_WORDS, len(words))):
            if j > i and not _NAME_GAP.fullmatch(text[words[j - 1][1] : words[j][0]]):
                break
            word = text[words[j][0] : words[j][1]]
            written.append(fold_name(text[words[i][0] : words[j][1]]))
            forms = [fold_name(f) for f in (word, *self.rules.inflected_forms(word))]
            keys = list(dict.fromkeys(f"{p} {f}".lstrip() for p in partial for f in forms))[:MAX_VARIANTS]
            readings.append([k for k in keys if k != written[-1]])
            partial = [k for k in dict.fromkeys([written[-1], *keys]) if self._extends(k)]
            if not partial:
                break
        for n in range(len(written), 0, -1):
            s, e = words[i][0], words[i + n - 1][1]
            surface = text[s:e]
            found = self.candidates(written[n - 1], surface)
            for key in readings[n - 1] if not found else ():
                found += [c for c in self.candidates(key, surface) if all(c.entry.gid != f.entry.gid for f in found)]
            last = text[words[i + n - 1][0] : e]
            if n > 1 and not (last[0].isupper() or last.isdigit()):
                # "Paris est": a lower-case last word only ends names of sites and regions.
                found = [c for c in found if c.alias or c.entry.precision in ("site", "admin1", "country")]
            if written[n - 1] in self.rules.not_places:
                found = [c for c in found if c.alias]
            if n == 1 and len(last) <= 3 and re.match(r"-\w", text[e : e + 2]):
                # "El-Facher", "Al-Hasakah": a particle, not "El" the town; the whole name is unknown.
                found = []
            if found:
                return Mention(s, e, text[s:e], found), n
        return None, 1

    def _apply_entities(self, doc: Document, mentions: list[Mention], countries: Counter[str]) -> list[Mention]:
        entities: tuple[EntityMention, ...] = doc.layer("entities")
        kept = []
        for m in mentions:
            overlapping = [ent for ent in entities if ent.start < m.end and m.start < ent.end]
            has_country = any(c.entry.precision == "country" for c in m.candidates)
            verdict = "keep"
            for ent in overlapping:
                exact = ent.start == m.start and ent.end == m.end
                if ent.label == "LOC":
                    m.ner = "LOC"
                elif ent.label == "ORG":
                    # "Banque nationale du Kazakhstan": not a place, but the document is about Kazakhstan.
                    # A country alone tagged ORG ("la Russie a répondu") is still the country.
                    # Small models tag big cities ORG ("protests in Sfax"); an exact span that no alias
                    # table knows as an actor and that names a large city stays a place.
                    big_city = any(c.entry.precision == "city" and c.entry.population >= ORG_CITY_POPULATION
                                   for c in m.candidates)
                    if exact and has_country:
                        verdict = "country"
                    elif exact and big_city and ent.canonical is None:
                        verdict = "keep"
                    else:
                        verdict = "org"
                elif ent.label == "PER":
                    verdict, m.ner = ("keep", "PER") if exact else ("drop", m.ner)
                elif ent.label == "MISC" and not has_country:
                    verdict = "drop"
            if verdict == "org":
                countries.update(_countries_named(m))
            else:
                if verdict == "country" or any(ent.label == "MISC" for ent in overlapping):
                    m.candidates = [c for c in m.candidates if c.entry.precision == "country"]
                if verdict != "drop":
                    kept.append(m)
        tokens = {t.start: t for t in doc.tokens}
        starts = {s.start for s in doc.sentences}
        orgs = self.rules.org_words
        for ent in entities:
            if ent.label != "LOC" or any(m.start < ent.end and ent.start < m.end for m in kept):
                continue
            key = fold_name(ent.text)
            if (demonym := self.rules.demonyms.get(strip_accents(ent.text).casefold())) is not None:
                countries[demonym] += 1  # "Géorgiens" tagged LOC: a people, not a place
                continue
            if not ent.text[:1].isupper() or (orgs and orgs.match(ent.text.split()[0])):
                continue  # "ministère russe de la Défense" tagged LOC: not a place name
            listed_word = key in self.rules.not_places
            candidates = [c for c in self.candidates(key, ent.text) if c.alias or not listed_word]
            initial = ent.start in starts or bool(_SENTENCE_BREAK.search(doc.text[max(0, ent.start - 3) : ent.start]))
            token = tokens.get(ent.start)
            # "Avion de transport ..." tagged LOC: a common noun that happens to start a sentence.
            noun = token is not None and token.lemma.islower() and token.pos == "NOUN" and initial
            kept.append(Mention(ent.start, ent.end, ent.text, candidates, ner="LOC", initial=initial,
                                pos=token.pos if token else None, common_word=listed_word or noun))  # fmt: skip
        return sorted(kept, key=lambda m: m.start)

    def _inside_organisation(
        self, text: str, words: list[tuple[int, int]], m: Mention, tokens: dict[int, Token], countries: Counter[str]
    ) -> bool:
        """Whether the name belongs to an organisation's name ("Université de Moscou", "China University").

        Walks back at most five words within the clause; between the organisation word and the name
        only joining words ("de", "of"), capitalised words and one other word ("nationale") may stand.
        """
        org_words, joiner = self.rules.org_words, self.rules.joiner
        if org_words is None:
            return False
        index = bisect.bisect_left(words, (m.start, -1))
        end_index = bisect.bisect_left(words, (m.end, -1))
        inside, joined, loose = False, False, 0
        for k in range(index - 1, max(-1, index - 6), -1):
            gap = text[words[k][1] : words[k + 1][0]]
            if _SENTENCE_BREAK.search(gap) or "," in gap:
                break
            word = text[words[k][0] : words[k][1]]
            if org_words.match(word):
                inside = k == index - 1 or joined
                break
            if k == index - 1:
                joined = bool(joiner.match(word))
            token = tokens.get(words[k][0])
            if not (joiner.match(word) or word[0].isupper()):
                loose += 1
                if loose > 1 or (token is not None and token.pos in ("VERB", "AUX", "ADP")):
                    break
        if not inside and end_index < len(words):
            nxt = text[words[end_index][0] : words[end_index][1]]
            inside = text[m.end : words[end_index][0]].isspace() and nxt[0].isupper() and bool(org_words.match(nxt))
        if inside:
            countries.update(_countries_named(m))
        return inside

    def _add_regions(self, m: Mention) -> None:
        """After a region word, the region named after each candidate town becomes a candidate too."""
        m.region_cue = True
        known = {c.entry.gid for c in m.candidates}
        for c in list(m.candidates):
            if c.entry.precision == "city" and c.entry.admin1_code:
                region = self.gazetteer.region(c.entry.admin1_code)
                if region is not None and region.gid not in known:
                    known.add(region.gid)
                    m.candidates.append(Candidate(region, primary=True))

    def _site_kinds(self, cue: str) -> frozenset[str]:
        kinds = self._kinds_memo.get(cue)
        if kinds is None:
            if len(self._kinds_memo) > _MEMO_SIZE:
                self._kinds_memo.clear()
            kinds = self._kinds_memo[cue] = self.rules.site_kinds(cue)
        return kinds

    def _inside_kinds(self, name: str) -> frozenset[str] | None:
        """The site kinds a cue inside the name announces ("Tahrir Square"), None when it holds none."""
        if name in self._inside_memo:
            return self._inside_memo[name]
        inside = self.rules.site_cue_inside
        cue = inside.search(name) if inside else None
        kinds = self._site_kinds(cue.group("cue")) if cue else None
        if len(self._inside_memo) > _MEMO_SIZE:
            self._inside_memo.clear()
        self._inside_memo[name] = kinds
        return kinds

    def _mark_context(self, text: str, mentions: list[Mention]) -> None:
        """Site words, "near" and "X, Y" qualifiers, origins, and "Almaty (Alma-Ata)" aliases."""
        rules = self.rules
        site_after, region_after = rules.site_cue_after, rules.region_after
        # `PlaceRules.may_hold`, inline: a window holding none of a cue's stems cannot match its pattern.
        site_stems, region_stems, origin_stems = rules.site_stems, rules.region_stems, rules.origin_stems
        for k, m in enumerate(mentions):
            before = text[max(0, m.start - 60) : m.start]
            lowered = before.lower()
            site_before = rules.site_cue_before if site_stems is None or site_stems.search(lowered) else None
            if site_before and (cue := site_before.search(before)):
                m.site_kinds = self._site_kinds(cue.group("cue"))
                m.cue_span = (m.start - len(before) + cue.start(), m.start)
            elif site_after and (cue := site_after.match(text[m.end : m.end + 40])):
                m.site_kinds = self._site_kinds(cue.group("cue"))
                m.cue_span = (m.end, m.end + cue.end())
            elif (kinds := self._inside_kinds(m.text)) is not None:
                m.site_kinds = kinds
            region_before = rules.region_before if region_stems is None or region_stems.search(lowered) else None
            if (region_before and region_before.search(before)) or (
                region_after and region_after.match(text[m.end : m.end + 30])
            ):
                self._add_regions(m)
            origin_before = rules.origin_before if origin_stems is None or origin_stems.search(lowered) else None
            if origin_before and origin_before.search(text[max(0, m.start - 40) : m.start]):
                m.role = "origin"
            if k == 0:
                continue
            prev = mentions[k - 1]
            gap = text[prev.end : m.start]
            if prev.role == "origin" and rules.list_gap.match(gap):
                m.role = "origin"
            near_before = rules.near_before if len(gap) < 40 and rules.may_hold(rules.near_stems, gap.lower()) else None
            if near_before and (near := near_before.search(gap)):
                if not gap[: near.start()].strip(" ,"):
                    prev.near = m
            elif "," in gap and (_COMMA_GAP.match(gap) or _COMMA_IN_GAP.match(gap)):
                prev.within = m
            elif gap == " " and m.candidates and all(c.entry.precision == "admin1" for c in m.candidates):
                # "Александрия Кировоградской области": a region name right after a town name holds it.
                prev.within = m
            elif "(" in gap and _PAREN_OPEN.match(gap) and _PAREN_CLOSE.match(text[m.end :]):
                shared = {c.entry.gid for c in prev.candidates} & {c.entry.gid for c in m.candidates}
                if shared:  # "Almaty (Alma-Ata)": two names of one place
                    prev.candidates = [c for c in prev.candidates if c.entry.gid in shared]
                    m.candidates = [c for c in m.candidates if c.entry.gid in shared]
                    prev.notes.append("same place as its parenthesis")
                    m.notes.append("same place as the name before")
                    if m.ner == "PER":
                        m.ner = "LOC"
                else:
                    prev.within = m
