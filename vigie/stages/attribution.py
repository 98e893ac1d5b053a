"""Reliability signals: who says so, hedges and denials, plans, loaded language, translation artefacts."""

from __future__ import annotations

import functools
import re
from typing import Any

from vigie.document import CueMention, Document, Token
from vigie.lang.loader import LanguageData
from vigie.stages.patterns import Pattern, PatternSet, fold

READS = ("sentences", "tokens")
FILLS = "cues"

# Strongest first: a denial outweighs a hedge, which outweighs plain sourcing.
STATUS_ORDER = ("denied", "unconfirmed", "preliminary", "planned", "reported")
PREVIOUS_SUFFIX = "_previous_sentence"
# Machine translation sometimes replaces numbers with this placeholder (a known MT corpus artefact).
TRANSLATION_ARTEFACT = re.compile(r"\bXNUMX\b")


@functools.cache
def status_patterns(lang: LanguageData) -> PatternSet[tuple[str, str]]:
    data = lang.yaml("attribution")
    patterns: list[Pattern[tuple[str, str]]] = []
    for status in STATUS_ORDER:
        for key, scope in ((status, "sentence"), (status + PREVIOUS_SUFFIX, "previous")):
            for phrase in data.get(key, []) or []:
                patterns.append(Pattern.parse(str(phrase), (status, scope)))
    return PatternSet(patterns)


@functools.cache
def loaded_patterns(lang: LanguageData) -> PatternSet[str]:
    return PatternSet([Pattern.parse(str(t), "loaded_language") for t in lang.yaml("loaded").get("terms", [])])


@functools.cache
def _scare_quote_regex(lang: LanguageData) -> re.Pattern[str] | None:
    data: dict[str, Any] = lang.yaml("loaded")
    pairs = [(str(p)[0], str(p)[1]) for p in data.get("quotes", []) if len(str(p)) == 2]
    if not pairs:
        return None
    words = int(data.get("max_quoted_words", 4))
    alternatives = []
    for opening, closing in pairs:
        o, c = re.escape(opening), re.escape(closing)
        word = f"[^\\s{o}{c}]+"
        alternatives.append(f"{o}\\s*{word}(?:\\s+{word}){{0,{words - 1}}}\\s*{c}")
    return re.compile("|".join(alternatives))


def _source_after_marker(tokens: tuple[Token, ...], i: int, end: int) -> str | None:
    words = []
    for tok in tokens[i + 1 : end]:
        if tok.text in {",", ";", ":", "."}:
            break
        words.append(tok)
        if len(words) >= 8:
            break
    if not words:
        return None
    return " ".join(w.text for w in words)


def find_cues(doc: Document, lang: LanguageData) -> Document:
    """Add the `cues` layer: status cues, sources, loaded language and translation artefacts."""
    tokens = doc.tokens
    data = lang.yaml("attribution")
    conditional = data.get("conditional_morph")
    conditional_status = str(data.get("conditional_status", "unconfirmed"))
    markers = {fold(m) for m in data.get("source_markers", [])}
    speech = {fold(str(w)) for w in lang.yaml("loaded").get("speech_lemmas", [])}
    cues: list[CueMention] = []
    by_sentence: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        by_sentence.setdefault(tok.sent, []).append(i)
    for indices in by_sentence.values():
        start, end = indices[0], indices[-1] + 1
        for match in status_patterns(lang).matches(tokens, start, end):
            status, scope = match.pattern.payload
            a, b = tokens[match.first].start, tokens[match.last].end
            cues.append(CueMention(a, b, doc.text[a:b], status, scope=scope))
        for loaded in loaded_patterns(lang).matches(tokens, start, end):
            a, b = tokens[loaded.first].start, tokens[loaded.last].end
            cues.append(CueMention(a, b, doc.text[a:b], "loaded_language"))
        for i in range(start, end):
            tok = tokens[i]
            if conditional and conditional in tok.morph and tok.pos in {"AUX", "VERB"}:
                cues.append(CueMention(tok.start, tok.end, tok.text, conditional_status))
            if fold(tok.text) in markers or (i + 1 < end and fold(tok.text + " " + tokens[i + 1].text) in markers):
                skip = i + 1 if fold(tok.text) in markers else i + 2
                source = _source_after_marker(tokens, skip - 1, end)
                if source:
                    cues.append(CueMention(tok.start, tok.end, tok.text, "source", source=source))
    quote_re = _scare_quote_regex(lang)
    for sentence in doc.sentences:
        if quote_re is not None:
            for quoted in quote_re.finditer(sentence.text):
                before = sentence.text[: quoted.start()].rstrip()
                last_word = fold(before.split()[-1]) if before.split() else ""
                if before.endswith(":") or last_word in speech:
                    continue
                a, b = sentence.start + quoted.start(), sentence.start + quoted.end()
                cues.append(CueMention(a, b, doc.text[a:b], "loaded_language"))
        for artefact in TRANSLATION_ARTEFACT.finditer(sentence.text):
            a, b = sentence.start + artefact.start(), sentence.start + artefact.end()
            cues.append(CueMention(a, b, doc.text[a:b], "translation_artefact"))
    cues.sort(key=lambda c: c.start)
    return doc.with_layer("cues", cues)
