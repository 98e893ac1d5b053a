"""The natasha adapter: Russian sentences, tokens, UD parse and entities with offsets into the text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigie.document import EntityMention, Sentence, Token
from vigie.nlp import natasha_backend
from vigie.nlp.natasha_backend import analyse, bio_spans, is_nominal, morph_string

# Our own sentences: a headline without a final stop, then a paragraph of two sentences.
TEXT = (
    "Задержания в Казани\n"
    "\n"
    "В понедельник полиция задержала в Казани журналиста Ивана Петрова. "
    "Представители протестующих встретились с губернатором Татарстана.\n"
)


def result() -> tuple[tuple[Sentence, ...], tuple[Token, ...], tuple[EntityMention, ...]]:
    return analyse(TEXT)


def token(tokens: tuple[Token, ...], text: str) -> Token:
    return next(t for t in tokens if t.text == text)


@pytest.mark.slow
def test_natasha_spans_index_the_original_text() -> None:
    sentences, tokens, entities = result()
    for span in (*sentences, *tokens, *entities):
        assert TEXT[span.start : span.end] == span.text
    assert [s.index for s in sentences] == list(range(len(sentences)))
    assert all(sentences[t.sent].start <= t.start and t.end <= sentences[t.sent].end for t in tokens)


@pytest.mark.slow
def test_natasha_headline_without_stop_is_its_own_sentence() -> None:
    sentences, _, _ = result()
    assert [s.text for s in sentences] == [
        "Задержания в Казани",
        "В понедельник полиция задержала в Казани журналиста Ивана Петрова.",
        "Представители протестующих встретились с губернатором Татарстана.",
    ]


@pytest.mark.slow
def test_natasha_heads_stay_in_their_sentence_and_the_root_points_to_itself() -> None:
    _, tokens, _ = result()
    for i, tok in enumerate(tokens):
        assert 0 <= tok.head < len(tokens) and tokens[tok.head].sent == tok.sent
        assert (tok.dep == "root") == (tok.head == i)
    assert sum(t.dep == "root" for t in tokens) == len({t.sent for t in tokens})


@pytest.mark.slow
def test_natasha_parse_finds_who_arrested_whom() -> None:
    _, tokens, _ = result()
    verb = tokens.index(token(tokens, "задержала"))
    police, journalist = token(tokens, "полиция"), token(tokens, "журналиста")
    assert (police.dep, police.head) == ("nsubj", verb)
    assert (journalist.dep, journalist.head) == ("obj", verb)
    assert tokens[verb].pos == "VERB" and tokens[verb].lemma == "задержать"
    assert "Aspect=Perf" in tokens[verb].morph.split("|")


@pytest.mark.slow
def test_natasha_finds_the_city_and_the_person() -> None:
    _, _, entities = result()
    found = {(e.text, e.label) for e in entities}
    assert {("Казани", "LOC"), ("Ивана Петрова", "PER")} <= found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "word", "lemma"),
    [
        # a participle used as a noun names people: it keeps its own form, not its verb's
        ("Представители протестующих встретились с губернатором.", "протестующих", "протестующий"),
        ("Задержанных доставили в отделение полиции.", "Задержанных", "задержанный"),
        # a participle in a verb phrase folds onto the verb, as the Russian triggers are written
        ("Трое активистов были задержаны у здания суда.", "задержаны", "задержать"),
        ("Полиция разогнала акцию, начатую накануне.", "начатую", "начать"),
        # the reading the tagger chose: "начала" here is a verb, not the noun "начало"
        ("Прокуратура начала проверку после акции.", "начала", "начать"),
    ],
)
def test_natasha_lemmas_are_pymorphy3_forms_of_the_tagged_reading(text: str, word: str, lemma: str) -> None:
    _, tokens, _ = analyse(text)
    assert token(tokens, word).lemma == lemma


@pytest.mark.slow
def test_natasha_blank_text_gives_nothing() -> None:
    assert analyse("") == ((), (), ())
    assert analyse(" \n\n ") == ((), (), ())


@pytest.mark.slow
def test_natasha_models_load_once() -> None:
    assert natasha_backend.load_models() is natasha_backend.load_models()


@pytest.mark.slow
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДМПСТ .,!?«»—-\n0123456789", max_size=200))
def test_natasha_any_text_keeps_the_offset_rule(text: str) -> None:
    sentences, tokens, entities = analyse(text)
    for span in (*sentences, *tokens, *entities):
        assert text[span.start : span.end] == span.text
    assert all(0 <= t.head < len(tokens) for t in tokens)


def test_natasha_bio_tags_become_spans() -> None:
    words = [(0, 5, "Мэр"), (6, 12, "Иван"), (13, 19, "Орлов"), (20, 22, "в"), (23, 29, "Казани"), (30, 33, "ООН")]
    tags = ["O", "B-PER", "I-PER", "O", "B-LOC", "B-ORG"]
    assert list(bio_spans(words, tags)) == [(6, 19, "PER"), (23, 29, "LOC"), (30, 33, "ORG")]
    # an I- tag with no open span starts nothing, as in slovnet
    assert list(bio_spans(words[:2], ["O", "I-PER"])) == []


def test_natasha_feats_become_a_ud_feature_string() -> None:
    assert morph_string({"VerbForm": "Part", "Aspect": "Perf"}) == "Aspect=Perf|VerbForm=Part"
    assert morph_string(None) == morph_string({}) == ""


@pytest.mark.parametrize(
    ("pos", "feats", "dep", "expected"),
    [
        ("NOUN", {"Case": "Nom"}, "nsubj", True),
        ("VERB", {"VerbForm": "Part", "Case": "Gen"}, "nmod", True),
        ("VERB", {"VerbForm": "Part", "Case": "Gen"}, "acl", False),
        ("VERB", {"VerbForm": "Part", "Variant": "Short"}, "root", False),
        ("VERB", {"VerbForm": "Fin"}, "nsubj", False),
    ],
)
def test_natasha_nominal_use_of_participles(pos: str, feats: dict[str, str], dep: str, expected: bool) -> None:
    assert is_nominal(pos, feats, dep) is expected
