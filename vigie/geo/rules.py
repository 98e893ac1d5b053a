"""One language's place vocabulary (vigie/lang/<code>/places.yaml and places.tsv), compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vigie.errors import ConfigError
from vigie.geo.names import fold_name, strip_accents
from vigie.lang.loader import LanguageData


@dataclass(frozen=True)
class PlaceRules:
    code: str
    aliases: dict[str, str]  # folded alias -> gazetteer id ("country:KG") or canonical name
    acronyms: frozenset[str]  # folded aliases written in capitals ("EAU"): they match only in capitals
    site_cue_before: re.Pattern[str] | None  # matches at the end of the text before a name
    site_cue_after: re.Pattern[str] | None  # matches at the start of the text after a name
    site_cue_inside: re.Pattern[str] | None  # "Керченский пролив", "Tahrir Square": the kind is in the name
    region_before: re.Pattern[str] | None  # "région de " + name: the region named after the town
    region_after: re.Pattern[str] | None  # name + " Oblast"
    site_features: tuple[tuple[re.Pattern[str], frozenset[str]], ...]  # cue phrase -> site kinds
    near_before: re.Pattern[str] | None  # "X près de " + name
    origin_before: re.Pattern[str] | None  # "depuis la " + name
    list_gap: re.Pattern[str]  # what may stand between two places of one list
    org_words: re.Pattern[str] | None  # one word heading an organisation name
    joiner: re.Pattern[str]  # one word that may join an organisation word to a name ("de", "of")
    demonyms: dict[str, str]  # folded word -> country
    not_places: frozenset[str]  # folded keys
    inflection: tuple[tuple[str, tuple[str, ...]], ...]  # (ending, replacements), longest first
    min_stem: int
    # Lower-case first words of the cue phrases, as one plain alternation: a text holding none of them
    # cannot match the cue's pattern, and this search is far cheaper than the pattern's (see `may_hold`).
    site_stems: re.Pattern[str] | None = None
    region_stems: re.Pattern[str] | None = None
    near_stems: re.Pattern[str] | None = None
    origin_stems: re.Pattern[str] | None = None

    @staticmethod
    def may_hold(stems: re.Pattern[str] | None, lowered: str) -> bool:
        """Whether a lower-cased text holds one of the stems (no false negatives for the cue patterns)."""
        return stems is None or stems.search(lowered) is not None

    def inflected_forms(self, word: str) -> list[str]:
        """Dictionary forms an inflected word may come from ("Москвой" -> "Москва", "Москвая", ...)."""
        forms: list[str] = []
        for ending, replacements in self.inflection:
            if word.endswith(ending) and len(word) - len(ending) >= self.min_stem:
                stem = word[: len(word) - len(ending)]
                forms.extend(stem + r for r in replacements)
        return forms

    def site_kinds(self, cue: str) -> frozenset[str]:
        """The site kinds a cue announces ("aérodrome" -> airport, airbase)."""
        kinds: set[str] = set()
        for pattern, found in self.site_features:
            if pattern.fullmatch(cue):
                kinds |= found
        return frozenset(kinds)


def _word_pattern(phrase: str) -> str:
    """Regex for a cue phrase: words separated by spaces; a trailing * allows any ending."""
    parts = []
    for word in phrase.split():
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word) + (r"" if word.endswith(("'", "’")) else r"(?!\w)"))
    return r"\s+".join(parts).replace("'", "['’]")


def _alternation(phrases: list[str]) -> str:
    ordered = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
    return "|".join(_word_pattern(p) for p in ordered)


def _stems(phrases: list[str]) -> re.Pattern[str] | None:
    """The lower-cased first word of each phrase, cut before a wildcard or an apostrophe, as one pattern."""
    stems = set()
    for phrase in phrases:
        words = phrase.split()
        if words:
            stems.add(re.split(r"[*'’]", words[0].lower())[0])
    if "" in stems:
        return None  # a phrase starting with a wildcard: no cheap test
    # As a trie ("a(?:erodrome|ir(?:base|port)?)|b(?:ase|ridge)"): the regex engine then follows one branch
    # per character instead of trying every stem, and the test runs for every name.
    return re.compile(_trie(sorted(stems)) or "(?!)")


def _trie(words: list[str]) -> str:
    """A pattern matching exactly the given (non-empty) words, branching on one character at a time."""
    if not words:
        return ""
    branches = []
    for char in dict.fromkeys(word[0] for word in words):
        tails = [word[1:] for word in words if word[0] == char]
        rest = _trie([tail for tail in tails if tail])
        if rest and "" in tails:
            rest = f"(?:{rest})?"
        branches.append(re.escape(char) + rest)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _strings(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key!r} must be a list of strings", where=where)
    return value


_COMPILED: dict[str, PlaceRules] = {}


def place_rules(lang: LanguageData) -> PlaceRules:
    """The compiled place vocabulary of a language (empty rules when it has no places files)."""
    if lang.code not in _COMPILED:
        _COMPILED[lang.code] = _compile(lang)
    return _COMPILED[lang.code]


def _compile(lang: LanguageData) -> PlaceRules:
    where = f"vigie/lang/{lang.code}/places.yaml"
    data = lang.yaml("places")
    flags = re.IGNORECASE
    cues: dict[str, set[str]] = {}
    for kind, words in (data.get("site_cues") or {}).items():
        for word in _strings({"w": words}, "w", where):
            cues.setdefault(word, set()).add(str(kind))
    all_cues = list(cues)
    connectors = _alternation(_strings(data, "connectors", where))
    cue_re = _alternation(all_cues)
    before = after = inside = None
    if cue_re:
        # "aéroport de X", "aéroport international de X", "аэропорт X": one adjective may sit between.
        join = rf"(?:\s+\w+)?\s*(?:(?:{connectors})\s*)?" if connectors else r"(?:\s+\w+)?\s*"
        before = re.compile(rf"(?<!\w)(?P<cue>{cue_re}){join}$", flags)
        after = re.compile(rf"^\s*(?P<cue>{cue_re})", flags)
        inside = re.compile(rf"(?<!\w)(?P<cue>{cue_re})", flags)
    regions = _alternation(_strings(data, "region_cues", where))
    tail = rf"\s*(?:(?:{connectors})\s*)?$" if connectors else r"\s*$"
    near = _alternation(_strings(data, "near_cues", where))
    origin = _alternation(_strings(data, "origin_cues", where))
    list_words = _alternation(_strings(data, "list_words", where))
    articles = rf"(?:(?:{list_words})\s*)*" if list_words else ""
    orgs = _alternation(_strings(data, "org_words", where))
    # Elided joiners lose their apostrophe in word tokens ("d'Almaty" -> "d", "Almaty").
    joiners = _alternation([w.rstrip("'’") for p in _strings(data, "connectors", where)
                            + _strings(data, "list_words", where) for w in p.split()])  # fmt: skip
    endings = _strings(data, "demonym_endings", where) or [""]
    demonyms = {}
    for country, words in (data.get("demonyms") or {}).items():
        for word in _strings({"w": words}, "w", where):
            for ending in endings:
                demonyms[strip_accents(word + ending).casefold()] = str(country)
                # Also as written, casefolded: a whole text can then be matched without unaccenting it.
                demonyms.setdefault((word + ending).casefold(), str(country))
    inflection = data.get("inflection") or {}
    rules = tuple(
        sorted(
            ((str(end), tuple(str(r) for r in reps)) for end, reps in (inflection.get("endings") or {}).items()),
            key=lambda pair: -len(pair[0]),
        )
    )
    aliases = {}
    acronyms = set()
    for row in lang.tsv("places"):
        if len(row) < 2 or not row[1]:
            raise ConfigError(f"expected alias<TAB>target, got {row!r}", where=f"vigie/lang/{lang.code}/places.tsv")
        key = fold_name(row[0])
        aliases[key] = row[1]
        if row[0].isupper():
            # "EAU" (Émirats arabes unis) must not match the word "Eau": folding would merge the two.
            acronyms.add(key)
    acronyms -= {fold_name(row[0]) for row in lang.tsv("places") if len(row) > 1 and not row[0].isupper()}
    return PlaceRules(
        code=lang.code,
        aliases=aliases,
        acronyms=frozenset(acronyms),
        site_cue_before=before,
        site_cue_after=after,
        site_cue_inside=inside,
        region_before=re.compile(rf"(?<!\w)(?:{regions}){tail}", flags) if regions else None,
        region_after=re.compile(rf"^\s*(?:{regions})(?!\w)", flags) if regions else None,
        site_features=tuple((re.compile(_word_pattern(w), flags), frozenset(k)) for w, k in cues.items()),
        near_before=re.compile(rf"(?<!\w)(?:{near})\s*$", flags) if near else None,
        origin_before=re.compile(rf"(?<!\w)(?:{origin})\s*{articles}$", flags) if origin else None,
        list_gap=re.compile(rf"^[\s,]*(?:(?:{list_words})[\s,]*)*$" if list_words else r"^[\s,]*$", flags),
        org_words=re.compile(rf"^(?:{orgs})$", flags) if orgs else None,
        joiner=re.compile(rf"^(?:{joiners})$", flags) if joiners else re.compile(r"^$"),
        demonyms=demonyms,
        not_places=frozenset(fold_name(w) for w in _strings(data, "not_places", where)),
        inflection=rules,
        min_stem=int(inflection.get("min_stem", 3)),
        site_stems=_stems(all_cues),
        region_stems=_stems(_strings(data, "region_cues", where)),
        near_stems=_stems(_strings(data, "near_cues", where)),
        origin_stems=_stems(_strings(data, "origin_cues", where)),
    )
