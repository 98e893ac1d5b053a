"""The model-free path every language without a statistical model uses: regex sentences and tokens,
and lemmas from a packaged morphological dictionary when the language names one (pymorphy3)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from vigie.document import Sentence, Token

# A sentence ends at . ! ? … (optionally followed by closing quotes) before whitespace, or at a newline.
_SENTENCE = re.compile(r"[^\n.!?…]*(?:[.!?…]+[»\"”)]*(?=\s|$)|[^\n]$|(?=\n))", re.MULTILINE)
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)
_ABBREVIATION = re.compile(r"(?:\b\w{1,3}|\b[A-ZА-Я])\.$")


@functools.cache
def morph_analyzer(lang: str) -> Any:
    """pymorphy3's analyzer for `lang` (its packaged dictionary), loaded once per process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@functools.cache
def lemmatizer(name: str) -> Callable[[str], str]:
    """A word -> lemma function; `name` is "pymorphy3-<lang>" or "lower"."""
    if name.startswith("pymorphy3-"):
        morph = morph_analyzer(name.split("-", 1)[1])

        @functools.lru_cache(maxsize=200_000)
        def lemma(word: str) -> str:
            return str(morph.parse(word)[0].normal_form)

        return lemma
    return str.lower


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pending: int | None = None
    for match in _SENTENCE.finditer(text):
        chunk = match.group()
        if not chunk.strip():
            continue
        start = pending if pending is not None else match.start() + (len(chunk) - len(chunk.lstrip()))
        # "M. Dupont" or "г. Москва": an abbreviation is not the end of a sentence
        if _ABBREVIATION.search(chunk.rstrip()) and match.end() < len(text) and text[match.end()] != "\n":
            pending = start
            continue
        pending = None
        spans.append((start, match.start() + len(chunk.rstrip())))
    if pending is not None:
        spans.append((pending, len(text.rstrip())))
    return spans


def analyse(text: str, lemmatizer_name: str) -> tuple[tuple[Sentence, ...], tuple[Token, ...]]:
    lemma = lemmatizer(lemmatizer_name)
    sentences: list[Sentence] = []
    tokens: list[Token] = []
    for start, end in split_sentences(text):
        index = len(sentences)
        sentences.append(Sentence(start, end, text[start:end], index))
        for match in _TOKEN.finditer(text, start, end):
            word = match.group()
            i = len(tokens)
            tokens.append(
                Token(match.start(), match.end(), word, lemma(word.lower()), "", "", head=i, sent=index)
            )
    return tuple(sentences), tuple(tokens)
