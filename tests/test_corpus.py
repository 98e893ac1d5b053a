"""The synthetic benchmark corpus: deterministic, realistic lengths, one vocabulary file per language."""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from vigie import corpus
from vigie.batch import read_inputs
from vigie.cli import cli
from vigie.corpus import (
    FIRST_DAY,
    LAST_DAY,
    WORDS_MAX,
    WORDS_MIN,
    corpus_languages,
    make_corpus,
    write_corpus,
)
from vigie.errors import ConfigError
from vigie.readers import read_articles
from vigie.records import Article

LANGS = ("fr", "en", "ru")


def test_corpus_has_a_vocabulary_for_each_language() -> None:
    assert set(LANGS) <= set(corpus_languages())


def test_corpus_is_deterministic_for_a_seed() -> None:
    first = list(make_corpus(30, LANGS, seed=7))
    assert first == list(make_corpus(30, LANGS, seed=7))
    assert [a.text for a in first] != [a.text for a in make_corpus(30, LANGS, seed=8)]


def test_corpus_article_does_not_depend_on_corpus_size() -> None:
    assert list(make_corpus(3, LANGS, seed=1)) == list(make_corpus(10, LANGS, seed=1))[:3]


@pytest.mark.parametrize("lang", LANGS)
def test_corpus_articles_look_like_news(lang: str) -> None:
    articles = list(make_corpus(60, (lang,), seed=3))
    assert {a.lang for a in articles} == {lang}
    assert len({a.doc_id for a in articles}) == 60
    for article in articles:
        assert WORDS_MIN <= len(article.text.split()) <= WORDS_MAX
        assert article.published is not None and FIRST_DAY <= article.published <= LAST_DAY
        assert article.title and article.source and article.url
        assert "{" not in article.text + article.title and "}" not in article.text + article.title
        assert "\n\n" in article.text  # paragraphs
        assert not article.text[0].islower()


def test_corpus_languages_take_turns() -> None:
    assert [a.lang for a in make_corpus(6, LANGS)] == ["fr", "en", "ru", "fr", "en", "ru"]


def test_corpus_russian_words_are_cyrillic() -> None:
    for article in make_corpus(10, ("ru",), seed=5):
        words = re.findall(r"[^\W\d_]+", article.text)
        cyrillic = [w for w in words if re.fullmatch(r"[а-яёА-ЯЁ-]+", w)]
        assert len(cyrillic) / len(words) > 0.95


def test_corpus_french_writes_the_first_of_the_month_as_1er() -> None:
    texts = " ".join(a.text for a in make_corpus(300, ("fr",), seed=2))
    assert not re.search(r"\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre)", texts)


def test_corpus_written_as_json_lines_reads_back(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "bench", 12, LANGS, seed=4)
    assert path.name == "corpus-fr-en-ru-12-seed4.jsonl"
    read = list(read_articles([path]))
    assert all(isinstance(item, Article) for item in read)
    expected = list(make_corpus(12, LANGS, seed=4))
    assert [a.model_copy(update={"path": None}) for a in read if isinstance(a, Article)] == expected


def test_corpus_unknown_language_names_the_available_ones() -> None:
    with pytest.raises(ConfigError, match=r"no corpus vocabulary for 'de'.*available: en, fr, ru"):
        list(make_corpus(1, ("de",)))


def fr_data() -> dict[str, Any]:
    text = resources.files("vigie").joinpath("data", "corpus", "fr.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["background"].append("{protestors} ont défilé."),
            "background: unknown slot {protestors}",
        ),
        (lambda d: d["dates"].update(months=["janvier"]), "dates.months: expected 12 entries, found 1"),
        (lambda d: d["places"][1].pop("city_of"), r"places\[1\]: expected the keys"),
        (lambda d: d["events"]["AID"].pop("titles"), "events.AID.titles: expected a non-empty list"),
        (lambda d: d["slots"].update(city=["Lyon"]), "slots: slot {city} is already filled by places"),
        (lambda d: d["article_slots"].append("nobody"), "article_slots: 'nobody' is neither in slots nor in groups"),
    ],
)
def test_corpus_bad_vocabulary_names_the_file_and_key(change: Any, message: str) -> None:
    data = copy.deepcopy(fr_data())
    change(data)
    with pytest.raises(ConfigError, match=f"x/fr.yaml: {message}"):
        corpus._check_vocabulary("fr", corpus._Checker("x/fr.yaml"), data)


# -- vigie bench --make-corpus --------------------------------------------------------------------------------


def test_make_corpus_writes_n_articles_that_every_reader_accepts(tmp_path: Path) -> None:
    from vigie.cli.bench import _load_articles

    out = tmp_path / "corpus"
    result = CliRunner().invoke(cli, ["bench", "--make-corpus", "7", "--lang", "all", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.iterdir()
    assert path.name == "corpus-en-fr-ru-7-seed3.jsonl"
    assert f"wrote 7 synthetic articles (en, fr, ru, seed 3) to {path}" in result.stdout
    for read in (read_articles([out]), read_articles([path]), read_inputs([out])):  # vigie ingest, vigie batch
        articles = list(read)
        assert len(articles) == 7 and all(isinstance(a, Article) for a in articles)
    articles = [a for a in read_articles([out]) if isinstance(a, Article)]
    assert [a.lang for a in articles] == ["en", "fr", "ru", "en", "fr", "ru", "en"]
    assert all(WORDS_MIN <= len(a.text.split()) <= WORDS_MAX for a in articles)
    assert len({a.text for a in articles}) == 7
    assert [a.model_copy(update={"path": None}) for a in articles] == list(make_corpus(7, ("en", "fr", "ru"), 3))
    # vigie bench --corpus reads the first --docs of it
    loaded, where = _load_articles("fr", 5, 0, out)
    assert [a.doc_id for a in loaded] == [a.doc_id for a in articles[:5]] and where == str(out)


def test_make_corpus_writes_one_language_to_a_named_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "fr.jsonl"
    result = CliRunner().invoke(cli, ["bench", "--make-corpus", "4", "--lang", "fr", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in path.parent.iterdir()) == ["fr.jsonl"]  # no temporary file left behind
    articles = [a for a in read_articles([path]) if isinstance(a, Article)]
    assert len(articles) == 4 and {a.lang for a in articles} == {"fr"}
    assert all(WORDS_MIN <= len(a.text.split()) <= WORDS_MAX for a in articles)


def test_make_corpus_unknown_language_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "--make-corpus", "2", "--lang", "de", "--out", str(tmp_path / "c")])
    assert result.exit_code != 0 and "no corpus vocabulary for 'de'" in result.output
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())
