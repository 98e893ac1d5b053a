"""Counts in a document: digits and number words, how exact they are, and what they count.

Vocabulary comes from `vigie/lang/<code>/numbers.yaml`; the code only knows the shapes numbers take.
Decisions, so the event builder knows what it gets:
- ranges ("entre 20 et 30", "20-30") keep the lower bound, approximate, flagged "range";
- vague plurals ("des centaines", "dozens", "сотни") are twice their unit (200, 24, 200): the least the
  plural can mean; approximate, flagged "vague";
- "3600 XNUMX militaires" (a machine-translation artefact) keeps the surviving figure, flagged
  "translation_artefact"; a bare "XNUMX militaires" lost its figure: the mention keeps the flag, with
  flag "value_lost", value 0 and name None so that it never lands among an event's counts;
- dates, times, years, model names ("Il-76", "G7") and ordinals are not counts; percentages and sums of
  money are kept under the names "percent" and "money".
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from vigie.document import Document, QuantityMention
from vigie.lang.loader import LanguageData, load_language
from vigie.stages.dates import date_spans, sentence_bounds, sentence_of

READS: tuple[str, ...] = ()  # uses "dates" and "sentences" when present, computes what it needs otherwise
FILLS = "quantities"

ARTEFACT = "XNUMX"
UNIT_WINDOW = 5  # tokens between a number and its noun, at most
PARTICIPLE_AFTER, PARTICIPLE_BEFORE = 6, 3  # tokens searched for "ont été arrêtées" / "погибли"
YEARS = range(1800, 2101)
# Around each digit or number word, the text read for approximators and ranges before it ("pas moins de",
# "entre") and for its noun, a second bound and participles after it; characters, rounded out to spaces.
WINDOW_BEFORE, WINDOW_AFTER = 60, 160
SENTENCE_STOPS = frozenset(".!?;:")


class Tok(NamedTuple):
    start: int
    end: int
    norm: str  # lower case
    kind: str  # num, art (XNUMX), word, punct
    value: float = 0.0


class Phrases:
    """Word sequences (tokenized like the text) mapped to a value; longest match first."""

    def __init__(self, entries: Iterable[tuple[str, Any]], tokenize: Any) -> None:
        self.table: dict[tuple[str, ...], Any] = {}
        for phrase, value in entries:
            key = tuple(t.norm for t in tokenize(str(phrase)))
            if key:
                self.table.setdefault(key, value)
        self.longest = max(map(len, self.table), default=0)
        # phrase lengths by first word, longest first: most tokens start no phrase and are answered at once
        self.lengths: dict[str, list[int]] = {}
        for key in sorted(self.table, key=len, reverse=True):
            self.lengths.setdefault(key[0], []).append(len(key))
        self.firsts = frozenset(self.lengths)

    def at(self, toks: list[Tok], i: int) -> tuple[Any, int] | None:
        """(value, length) of the longest phrase starting at token i."""
        for n in self.lengths.get(toks[i].norm, ()) if i < len(toks) else ():
            key = tuple(t.norm for t in toks[i : i + n])
            if len(key) == n and key in self.table:
                return self.table[key], n
        return None

    def before(self, toks: list[Tok], i: int) -> int:
        """Length of the longest phrase ending just before token i (0 when none)."""
        for n in range(min(self.longest, i), 0, -1):
            if tuple(t.norm for t in toks[i - n : i]) in self.table:
                return n
        return 0


class NumberGrammar(NamedTuple):
    tokenize: Any
    words: Phrases
    indefinite: frozenset[str]
    multipliers: Phrases
    approx_nouns: Phrases
    vague: Phrases
    vague_determiners: Phrases
    of: Phrases
    joiners: frozenset[str]
    joiners_after_multiplier: frozenset[str]
    approximators: Phrases
    approximators_after: Phrases
    ranges: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (words before {a}, words between)
    time_words: Phrases
    currency_before: frozenset[str]
    skip: Phrases
    max_unknown: int
    units: Phrases
    generic: frozenset[str]
    participles: Phrases
    contextual: tuple[tuple[frozenset[str], str, frozenset[str]], ...]  # (nouns, name, cue words)
    starters: frozenset[str]  # words that may begin a number
    core: frozenset[str]  # number words (besides digits and artefacts): every count holds one


def _tokenizer(groups: list[str], decimals: list[str]) -> Any:
    group = "|".join(map(re.escape, groups)) or "(?!x)x"
    decimal = "|".join(map(re.escape, decimals)) or "(?!x)x"
    number = rf"\d{{1,3}}(?:(?:{group})\d{{3}})+(?!\d)(?:(?:{decimal})\d+)?|\d+(?:(?:{decimal})\d+)?"
    pattern = re.compile(rf"(?P<art>{ARTEFACT}(?:[.,]{ARTEFACT})*)|(?P<num>{number})|(?P<word>[^\W\d_]+)|\S")

    def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Tok]:
        toks = []
        for m in pattern.finditer(text, start, len(text) if end is None else end):
            kind = m.lastgroup or "punct"
            value = 0.0
            if kind == "num":
                raw = m.group()
                for sep in groups:  # "3 600" -> "3600"; then one decimal mark -> "."
                    raw = re.sub(rf"(?<=\d){re.escape(sep)}(?=\d{{3}}(?!\d))", "", raw)
                value = float(re.sub("|".join(map(re.escape, decimals)) or "(?!x)x", ".", raw))
            toks.append(Tok(m.start(), m.end(), m.group().lower(), kind, value))
        return toks

    return tokenize


@functools.cache
def number_grammar(code: str) -> NumberGrammar:
    """The number vocabulary of one language, ready to match (built once per process)."""
    data = load_language(code).yaml("numbers")
    tok = _tokenizer([str(s) for s in data.get("group_separators", [])], data.get("decimal_separators", ["."]))

    def by_value(key: str) -> Phrases:
        return Phrases(((f, float(v)) for v, forms in (data.get(key) or {}).items() for f in forms), tok)

    def listed(key: str) -> Phrases:
        return Phrases(((f, True) for f in data.get(key) or []), tok)

    def named(key: str) -> Phrases:
        return Phrases(((f, name) for name, forms in (data.get(key) or {}).items() for f in forms), tok)

    bases = {
        str(f): float(v)
        for key in ("multipliers", "approx_nouns")
        for v, fs in (data.get(key) or {}).items()
        for f in fs
    }
    ranges = []
    for template in data.get("ranges", []):
        before, _, rest = str(template).partition("{a}")
        ranges.append((_norms(tok, before), _norms(tok, rest.partition("{b}")[0])))
    words, multipliers, approx_nouns = by_value("words"), by_value("multipliers"), by_value("approx_nouns")
    vague = Phrases(((f, bases.get(str(f), 1.0)) for f in data.get("vague", [])), tok)
    vague_determiners = listed("vague_determiners")
    indefinite = frozenset(str(w).lower() for w in data.get("indefinite", []))
    core = words.firsts | multipliers.firsts | approx_nouns.firsts | vague.firsts
    return NumberGrammar(
        tokenize=tok,
        words=words,
        indefinite=indefinite,
        multipliers=multipliers,
        approx_nouns=approx_nouns,
        vague=vague,
        vague_determiners=vague_determiners,
        of=listed("of"),
        joiners=frozenset(str(j).lower() for j in data.get("joiners", [])),
        joiners_after_multiplier=frozenset(str(j) for j in data.get("joiners_after_multiplier", [])),
        approximators=listed("approximators"),
        approximators_after=listed("approximators_after"),
        ranges=tuple(sorted(ranges, key=lambda r: -len(r[0]))),  # "entre {a} et {b}" before "{a} et {b}"
        time_words=listed("time_words"),
        currency_before=frozenset(str(c) for c in data.get("currency_before", [])),
        skip=listed("skip"),
        max_unknown=int(data.get("max_unknown_words", 1)),
        units=named("units"),
        generic=frozenset(data.get("generic_units", [])),
        participles=named("participles"),
        contextual=tuple(
            (
                frozenset(_norms(tok, " ".join(map(str, c["words"])))),
                str(c["name"]),
                frozenset(_norms(tok, " ".join(map(str, c["when_any"])))),
            )
            for c in data.get("contextual_units") or []
        ),
        starters=core | vague_determiners.firsts | indefinite,
        core=core - indefinite,  # "un" alone starts no count
    )


def _norms(tokenize: Any, text: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenize(text))


class Number(NamedTuple):
    first: int  # token indices, end exclusive
    end: int
    value: float | None  # None: the figure was lost to a translation artefact
    approximate: bool = False
    vague: bool = False
    artefact: bool = False
    scale: float = 1.0  # the last large multiplier ("trois millions": 1e6), to scale the other end of a range


def _read_digits(toks: list[Tok], i: int, g: NumberGrammar, text: str) -> Number:
    value: float | None = toks[i].value
    end, artefact = i + 1, False
    while end < len(toks):
        art = end + 1 if toks[end].norm in (",", ".") and end + 1 < len(toks) else end
        if toks[art].kind != "art":
            break
        # "3600 XNUMX" kept its figure; in "1,XNUMX" or "3XNUMX" the figure lost its tail
        if not text[toks[end - 1].end : toks[art].start].isspace():
            value = None
        end, artefact = art + 1, True
    hit = g.multipliers.at(toks, end) or g.approx_nouns.at(toks, end)
    if hit and value is not None:  # "1,5 million", "3 тыс."
        rounded = g.approx_nouns.at(toks, end) is not None
        return Number(i, end + hit[1], value * hit[0], rounded, False, artefact, hit[0])
    return Number(i, end, value, artefact=artefact)


def _read_vague(toks: list[Tok], i: int, g: NumberGrammar) -> Number | None:
    det = g.vague_determiners.at(toks, i)
    j = i + (det[1] if det else 0)
    hit = g.vague.at(toks, j) or (g.multipliers.at(toks, j) or g.approx_nouns.at(toks, j) if det else None)
    if hit is None:
        return None
    value, end = 2 * hit[0], j + hit[1]
    of = g.of.at(toks, end)
    k = end + (of[1] if of else 0)
    more = g.multipliers.at(toks, k) or g.vague.at(toks, k) or g.approx_nouns.at(toks, k)
    if more:  # "des dizaines de milliers", "tens of thousands", "десятки тысяч"
        value, end = value * more[0], k + more[1]
    return Number(i, end, value, True, True, scale=hit[0])


def _word_value(toks: list[Tok], i: int, g: NumberGrammar) -> tuple[float, int] | None:
    """A number word at i, read across a hyphen for two-word forms ("quatre-vingt")."""
    if i + 2 < len(toks) and toks[i + 1].norm == "-":
        hit = g.words.table.get((toks[i].norm, toks[i + 2].norm))
        if hit is not None:
            return hit, 3
    hit = g.words.at(toks, i)
    if hit is None and i < len(toks) and toks[i].norm in g.indefinite:
        return 1.0, 1
    return hit


def _read_words(toks: list[Tok], i: int, g: NumberGrammar) -> Number | None:
    """A number in words, added up left to right ("trois mille six cents", "двести пятьдесят")."""
    vague = _read_vague(toks, i, g)
    if vague is not None:
        return vague
    total = current = 0.0
    last = big = float("inf")  # each added word must be smaller than the one before: "vingt deux", not "deux trois"
    j = end = i
    approximate, scale = False, 1.0
    while j < len(toks):
        word, mult, noun = _word_value(toks, j, g), g.multipliers.at(toks, j), g.approx_nouns.at(toks, j)
        if word and word[0] < last:
            current, last, j = current + word[0], word[0], j + word[1]
        elif mult and mult[0] < 1000 and current < mult[0]:
            current, last, j = (current or 1) * mult[0], mult[0], j + mult[1]
        elif mult and mult[0] < big:
            total, current, last, big, j = total + (current or 1) * mult[0], 0.0, mult[0], mult[0], j + mult[1]
            scale = mult[0]
        elif noun:  # "une dizaine", "trois centaines": rounded
            total, current, approximate, j = (total + (current or 1)) * noun[0], 0.0, True, j + noun[1]
            end = j
            break
        elif end > i and (toks[j].norm in g.joiners or (last >= 1000 and toks[j].norm in g.joiners_after_multiplier)):
            j += 1  # tentatively: kept only if a number word follows
            continue
        else:
            break
        end = j
    if end == i or (end == i + 1 and toks[i].norm in g.indefinite):  # "un", "a" alone are articles
        return None
    return Number(i, end, total + current, approximate, scale=scale)


def _read_number(toks: list[Tok], i: int, g: NumberGrammar, text: str) -> Number | None:
    kind = toks[i].kind if i < len(toks) else "end"
    if kind == "num":
        return _read_digits(toks, i, g, text)
    if kind == "art":
        return Number(i, i + 1, None, artefact=True)
    return _read_words(toks, i, g) if kind == "word" else None


def _excluded(toks: list[Tok], num: Number, text: str, dates: list[tuple[int, int]], g: NumberGrammar) -> bool:
    """Dates, times, model names ("Il-76", "G7") and ordinals ("3e", "21-й") are not counts."""
    start, end = toks[num.first].start, toks[num.end - 1].end
    k = bisect.bisect_left(dates, (end,)) - 1  # the last date starting before the number ends (dates are sorted)
    if k >= 0 and dates[k][1] > start:
        return True
    tok, nxt = toks[num.first], num.first + 1
    if tok.kind != "num":
        return False
    before = text[tok.start - 1] if tok.start else " "
    after = text[tok.end : tok.end + 2] + "  "
    if before.isalnum() or "/" in (before, after[0]) or (after[0].isalpha() and not text.startswith(ARTEFACT, tok.end)):
        return True
    if (before in "-‐‑" and text[tok.start - 2 : tok.start - 1].isalpha()) or (
        after[0] in "-‐‑" and after[1].isalpha()
    ):
        return True
    if nxt + 1 < len(toks) and toks[nxt].norm in (":", "h") and toks[nxt + 1].kind == "num":
        return True  # 14:30, 14h30
    return num.end == nxt and g.time_words.at(toks, nxt) is not None  # "10 h", "5 pm"


def _unit(toks: list[Tok], j: int, g: NumberGrammar) -> tuple[str | None, int]:
    """The name of the noun after a number and where it ends, skipping adjectives ("2 autres transports")."""
    unknown = 0
    for _ in range(UNIT_WINDOW):
        unit = g.units.at(toks, j)
        if unit:
            return str(unit[0]), j + unit[1]
        skip = g.skip.at(toks, j)
        if skip:
            j += skip[1]
            continue
        unknown += 1
        if j >= len(toks) or toks[j].kind != "word" or unknown > g.max_unknown:
            break
        j += 1
    return None, -1


def _participle(toks: list[Tok], first: int, end: int, g: NumberGrammar) -> str | None:
    """The participle that makes "people" specific: "200 personnes ont été arrêtées", "погибли 12 человек"."""
    for j in range(end, min(end + PARTICIPLE_AFTER, len(toks))):
        if toks[j].norm in SENTENCE_STOPS:
            break
        hit = g.participles.at(toks, j)
        if hit:
            return str(hit[0])
    for j in range(first - 1, max(first - PARTICIPLE_BEFORE, 0) - 1, -1):
        if toks[j].norm in SENTENCE_STOPS:
            break
        hit = g.participles.at(toks, j)
        if hit:
            return str(hit[0])
    return None


def _range(toks: list[Tok], num: Number, g: NumberGrammar, text: str) -> tuple[Number, int] | None:
    """The number extended to a range ("entre 20 et 30"), and how many words stand before it."""
    for before, between in g.ranges:
        if not between or tuple(t.norm for t in toks[num.end : num.end + len(between)]) != between:
            continue
        if before and tuple(t.norm for t in toks[max(num.first - len(before), 0) : num.first]) != before:
            continue
        other = _read_number(toks, num.end + len(between), g, text)
        if num.value is None or other is None or other.value is None or other.vague:
            continue
        low = num.value
        if other.scale > num.scale and low * other.scale <= other.value:  # "2 à 3 millions"
            low *= other.scale
        return num._replace(end=other.end, value=min(low, other.value), approximate=True), len(before)
    return None


def _quantity(toks: list[Tok], num: Number, g: NumberGrammar, doc: Document) -> tuple[QuantityMention | None, int]:
    """The mention around one number, and the token index to read on from."""
    flags = ["vague"] * num.vague + ["translation_artefact"] * num.artefact
    first = num.first
    ranged = _range(toks, num, g, doc.text)
    if ranged:
        num, first = ranged[0], first - ranged[1]
        flags.append("range")
    lead = g.approximators.before(toks, first)
    approximate = num.approximate or lead > 0
    first -= lead
    tail = g.approximators_after.at(toks, num.end)  # "300 environ", "300 or so"
    after = num.end + (tail[1] if tail else 0)
    name, stop = _unit(toks, after, g)
    stop = max(stop, after)
    if tail is None and (tail := g.approximators_after.at(toks, stop)):  # "300 soldats environ"
        stop += tail[1]
    approximate = approximate or tail is not None
    if first > 0 and toks[first - 1].norm in g.currency_before and toks[first - 1].end == toks[first].start:
        name, first = "money", first - 1
    if name in g.generic:
        name = _participle(toks, first, stop, g) or name
    if name is not None:
        name = _context_name(toks, num.end, stop, name, g, doc)
    raw = toks[num.first]
    if name is None and lead == 0 and raw.norm.isdigit() and len(raw.norm) == 4 and int(raw.norm) in YEARS:
        return None, num.end  # a year, or a span of years ("2014-2022"), not a count
    value = num.value
    if value is None:
        flags.append("value_lost")
        name, value = None, 0
    start, end = toks[first].start, toks[stop - 1].end
    number = int(value) if float(value).is_integer() else value
    return QuantityMention(start, end, doc.text[start:end], number, name, approximate, tuple(flags)), stop


def _context_name(toks: list[Tok], unit_start: int, stop: int, name: str, g: NumberGrammar, doc: Document) -> str:
    """A noun named by its sentence: "hommes" are troops among soldiers, people elsewhere."""
    nouns = {t.norm for t in toks[unit_start:stop]}
    for words, contextual, cues in g.contextual:
        if nouns & words:
            start, end = sentence_of(sentence_bounds(doc), toks[unit_start].start)
            return contextual if {t.norm for t in g.tokenize(doc.text, start, end)} & cues else name
    return name


_WORD = re.compile(r"[^\W_]+")


def _windows(text: str, g: NumberGrammar) -> list[tuple[int, int]]:
    """Stretches of text around digits and number words, cut at spaces; the rest holds no count."""
    windows: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):  # a set lookup per word beats one big alternation regex
        word = m.group()
        if not (word[0].isdigit() or word.lower() in g.core or word.startswith(ARTEFACT)):
            continue
        lo = text.rfind(" ", 0, max(m.start() - WINDOW_BEFORE, 0)) + 1
        hi = text.find(" ", m.end() + WINDOW_AFTER)
        hi = len(text) if hi < 0 else hi
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def find_quantities(doc: Document, lang: LanguageData) -> Document:
    """Add the "quantities" layer: counts with their value, approximation, and what they count."""
    g = number_grammar(lang.code)
    found: list[QuantityMention] = []
    for lo, hi in _windows(doc.text, g):
        toks = g.tokenize(doc.text, lo, hi)
        dates = date_spans(doc, lang, lo, hi)
        i = 0
        while i < len(toks):
            tok = toks[i]
            num = None
            if tok.kind != "punct" and (tok.kind != "word" or tok.norm in g.starters):
                num = _read_number(toks, i, g, doc.text)
            if num is None or _excluded(toks, num, doc.text, dates, g):
                i += 1
                continue
            mention, i = _quantity(toks, num, g, doc)
            if mention is not None:
                found.append(mention)
    return doc.with_layer(FILLS, found)
