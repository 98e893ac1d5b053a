from __future__ import annotations

import pytest

from vigie.document import Token
from vigie.stages.patterns import Pattern, PatternSet, fold


def tokens_of(pairs: list[tuple[str, str]]) -> list[Token]:
    out, pos = [], 0
    for i, (text, lemma) in enumerate(pairs):
        out.append(Token(pos, pos + len(text), text, lemma, "", "", i, 0))
        pos += len(text) + 1
    return out


@pytest.mark.parametrize(
    ("pattern", "words", "expected"),
    [
        ("mettre le feu", [("ont", "avoir"), ("mis", "mettre"), ("le", "le"), ("feu", "feu")], (1, 3)),
        ("demander * aide", [("a", "avoir"), ("demandé", "demander"), ("une", "un"), ("aide", "aide")], (1, 3)),
        ("état d'urgence", [("l'", "le"), ("état", "état"), ("d'", "de"), ("urgence", "urgence")], (1, 3)),
        ("se retirer", [("se", "se"), ("sont", "être"), ("retirés", "retirer")], (0, 2)),
        ("открыть огонь", [("открыли", "открыть"), ("огонь", "огонь")], (0, 1)),
    ],
)
def test_patterns_match_lemma_sequences(pattern: str, words: list[tuple[str, str]],
                                        expected: tuple[int, int]) -> None:
    found = list(PatternSet([Pattern.parse(pattern, "x")]).matches(tokens_of(words)))
    assert [(m.first, m.last) for m in found] == [expected]


def test_patterns_gap_is_bounded() -> None:
    words = [("demander", "demander")] + [("mot", "mot")] * 5 + [("aide", "aide")]
    assert not list(PatternSet([Pattern.parse("demander * aide", "x")]).matches(tokens_of(words)))


def test_patterns_prefer_the_longest_match() -> None:
    patterns = PatternSet([Pattern.parse("grève", "strike"), Pattern.parse("grève de la faim", "hunger")])
    words = [("grève", "grève"), ("de", "de"), ("la", "le"), ("faim", "faim")]
    assert [m.pattern.payload for m in patterns.matches(tokens_of(words))] == ["hunger"]


def test_fold_strips_accents_but_keeps_cyrillic_short_i() -> None:
    assert fold("Manœuvre Été") == "manoeuvre ete"
    assert fold("трёх") == "трех"
    assert fold("бой") == "бой"
