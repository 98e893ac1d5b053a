"""Lemma patterns from language data ("mettre le feu", "demander * aide") matched over tokens."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from vigie.document import Token
from vigie.lang.loader import LanguageData

GAP = "*"
MAX_GAP = 3
# A hyphen between the halves of a compound ("24 - hour", "sit - in") is not a word of the gap.
_JOINERS = frozenset({"-", "‐", "‑"})
# Elided French/Italian articles and pronouns are written with their apostrophe in data files.
_ELISION = re.compile(r"^(\w{1,3})['’]$")
_ELIDED = {"d": "de", "l": "le", "s": "se", "qu": "que", "n": "ne", "j": "je", "m": "me", "t": "te", "c": "ce"}
# Reflexive pronouns do not stay next to their verb ("se sont affrontés"): patterns drop them.
_REFLEXIVE = {"se"}

T = TypeVar("T")


def fold(word: str) -> str:
    """Lower-case and strip accents, so that lemmatiser quirks ("manœuvre" vs "manoeuvre") still match."""
    word = word.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFD", word)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Keep Cyrillic й (и + combining breve) intact: folding it to и would merge distinct Russian words.
    return unicodedata.normalize("NFC", stripped) if "й" not in word else word


@functools.cache
def folded_words(lang: LanguageData, file: str, key: str) -> tuple[str, ...]:
    """A word list of the language's data, folded for comparison with folded text."""
    return tuple(fold(str(w)).strip() for w in lang.yaml(file).get(key, []))


def normalize_part(word: str) -> str:
    match = _ELISION.match(word)
    if match and match.group(1).lower() in _ELIDED:
        return _ELIDED[match.group(1).lower()]
    return fold(word)


@dataclass(frozen=True)
class Pattern(Generic[T]):
    parts: tuple[str, ...]  # folded lemmas, GAP for a gap
    payload: T
    pos: str | None = None

    @classmethod
    def parse(cls, text: str, payload: T, pos: str | None = None) -> Pattern[T]:
        words = text.replace("'", "' ").replace("’", "' ").split()
        parts = [w if w == GAP else normalize_part(w) for w in words]
        if len(parts) > 1 and parts[0] in _REFLEXIVE and parts[1] != GAP:
            parts.insert(1, GAP)  # auxiliaries stand between a reflexive pronoun and its verb
        return cls(tuple(parts), payload, pos)


@dataclass(frozen=True)
class PatternMatch(Generic[T]):
    first: int  # token indices, inclusive
    last: int
    pattern: Pattern[T]


def token_keys(token: Token) -> tuple[str, str]:
    return fold(token.lemma), fold(token.text)


class PatternSet(Generic[T]):
    """Patterns indexed by their first word; a token matches a part by its lemma or its surface form."""

    def __init__(self, patterns: Sequence[Pattern[T]]) -> None:
        self.by_first: dict[str, list[Pattern[T]]] = {}
        for pattern in patterns:
            if pattern.parts:
                self.by_first.setdefault(pattern.parts[0], []).append(pattern)
        for group in self.by_first.values():
            group.sort(key=lambda p: -len(p.parts))  # longest first

    def matches(self, tokens: Sequence[Token], start: int = 0, end: int | None = None) -> Iterator[PatternMatch[T]]:
        """Longest non-overlapping matches in tokens[start:end]."""
        end = len(tokens) if end is None else end
        keys = [token_keys(t) for t in tokens[start:end]]
        i = 0
        while i < len(keys):
            found = None
            for key in dict.fromkeys(keys[i]):
                for pattern in self.by_first.get(key, ()):
                    if pattern.pos and tokens[start + i].pos and tokens[start + i].pos != pattern.pos:
                        continue
                    last = _match_rest(keys, i, pattern.parts)
                    if last is None and _is_verb_and_object(pattern.parts):
                        last = _dependent(tokens, keys, start, i, pattern.parts[2])
                    if last is not None:
                        found = PatternMatch(start + i, start + last, pattern)
                        break
                if found:
                    break
            if found:
                yield found
                i = found.last - start + 1
            else:
                i += 1


def _is_verb_and_object(parts: tuple[str, ...]) -> bool:
    return len(parts) == 3 and parts[1] == GAP


def _dependent(tokens: Sequence[Token], keys: Sequence[tuple[str, str]], start: int, i: int, part: str) -> int | None:
    """The later word that the parser attaches to word i, beyond the gap: "a remis mardi à l'Arménie, au
    poste de Margara, deux civils" still hands over civilians."""
    for j in range(i + 1 + MAX_GAP, len(keys)):
        if part in keys[j] and tokens[start + j].head == start + i:
            return j
    return None


def _match_rest(keys: Sequence[tuple[str, str]], i: int, parts: tuple[str, ...]) -> int | None:
    pos = i
    gap = 0
    for part in parts[1:]:
        if part == GAP:
            gap = MAX_GAP
            continue
        j, words = pos + 1, 0
        while j < len(keys) and words <= gap and part not in keys[j]:
            words += keys[j][1] not in _JOINERS
            j += 1
        if j >= len(keys) or words > gap:
            return None
        pos = j
        gap = 0
    return pos
