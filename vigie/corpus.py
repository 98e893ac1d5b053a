"""A synthetic multilingual news corpus for benchmarks, deterministic for a seed.

Articles are assembled from sentence templates and vocabularies kept as data in
`vigie/data/corpus/<lang>.yaml` (our own words; real cities and countries). They read like wire copy about
protests, arrests, clashes, talks, aid, sanctions, threats and accusations, with dates, numbers and
attributions, so a benchmark exercises every stage. They are not gold data: nothing says which events a
text holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from vigie.errors import ConfigError
from vigie.records import Article

WORDS_MIN, WORDS_MAX = 300, 1200  # whitespace words per article, the span of a typical news story
FIRST_DAY, LAST_DAY = dt.date(2021, 1, 1), dt.date(2024, 12, 31)
DATE_FIELDS = frozenset({"weekday", "day", "month"})
NUMBER_SLOTS = frozenset({"number", "hundreds", "thousands"})
CODE_SLOTS = NUMBER_SLOTS | {"date"}

# How a body sentence is chosen: mostly the story's own event, then context, other events and reactions.
_SENTENCE_WEIGHTS = {"main": 35, "other": 30, "background": 20, "reactions": 15}


@dataclass(frozen=True)
class CorpusVocabulary:
    """The templates and word lists of one language, checked when loaded."""

    lang: str
    sources: tuple[str, ...]
    thousands_separator: str
    weekdays: tuple[str, ...]  # Monday first, as written in "(on) Monday"
    months: tuple[str, ...]  # as written after a day number
    yesterday: str
    first_day: str  # how the first of the month is written ("1er" in French)
    date_formats: tuple[str, ...]
    places: tuple[dict[str, str], ...]  # one per article; keys are slots
    article_slots: tuple[str, ...]  # slots and groups filled once per article, so title and text agree
    slots: dict[str, tuple[str, ...]]
    groups: dict[str, tuple[dict[str, str], ...]]  # entries whose keys are slots filled together
    group_of: dict[str, str]  # slot name → its group
    titles: dict[str, tuple[str, ...]]  # PLOVER type → title templates
    sentences: dict[str, tuple[str, ...]]  # PLOVER type → sentence templates
    background: tuple[str, ...]
    reactions: tuple[str, ...]


def corpus_languages() -> list[str]:
    """Codes of the languages that have a corpus vocabulary."""
    return sorted(p.name.removesuffix(".yaml") for p in _corpus_dir().iterdir() if p.name.endswith(".yaml"))


def _corpus_dir() -> Traversable:
    return resources.files("vigie").joinpath("data", "corpus")


@functools.cache
def load_vocabulary(lang: str) -> CorpusVocabulary:
    """The corpus vocabulary of one language; ConfigError naming the file and key when it is malformed."""
    if lang not in corpus_languages():
        raise ConfigError(f"no corpus vocabulary for {lang!r}", hint=f"available: {', '.join(corpus_languages())}")
    where = f"vigie/data/corpus/{lang}.yaml"
    text = _corpus_dir().joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", where=where) from err
    return _check_vocabulary(lang, _Checker(where), data)


class _Checker:
    """Reads typed values out of the parsed YAML, raising ConfigError that names the file and key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{key}: {message}", where=self.where)

    def mapping(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "expected a mapping")
        return data

    def strings(self, data: Any, key: str, length: int | None = None) -> tuple[str, ...]:
        if not isinstance(data, list) or not data or not all(isinstance(s, str) and s for s in data):
            raise self.fail(key, "expected a non-empty list of strings")
        if length is not None and len(data) != length:
            raise self.fail(key, f"expected {length} entries, found {len(data)}")
        return tuple(data)

    def records(self, data: Any, key: str) -> tuple[dict[str, str], ...]:
        if not isinstance(data, list) or not data:
            raise self.fail(key, "expected a non-empty list of mappings")
        keys = set(self.mapping(data[0], f"{key}[0]"))
        for i, entry in enumerate(data):
            entry = self.mapping(entry, f"{key}[{i}]")
            if set(entry) != keys or not all(isinstance(v, str) for v in entry.values()):
                raise self.fail(f"{key}[{i}]", f"expected the keys {sorted(keys)} with string values")
        return tuple(data)


def _check_vocabulary(lang: str, check: _Checker, data: Any) -> CorpusVocabulary:
    data = check.mapping(data, "(top level)")
    dates = check.mapping(data.get("dates"), "dates")
    groups = {
        name: check.records(entries, f"groups.{name}")
        for name, entries in check.mapping(data.get("groups", {}), "groups").items()
    }
    events = check.mapping(data.get("events"), "events")
    vocab = CorpusVocabulary(
        lang=lang,
        sources=check.strings(data.get("sources"), "sources"),
        thousands_separator=str(data.get("thousands_separator", ",")),
        weekdays=check.strings(dates.get("weekdays"), "dates.weekdays", 7),
        months=check.strings(dates.get("months"), "dates.months", 12),
        yesterday=check.strings([dates.get("yesterday")], "dates.yesterday")[0],
        first_day=str(dates.get("first_day", "1")),
        date_formats=check.strings(dates.get("formats"), "dates.formats"),
        places=check.records(data.get("places"), "places"),
        article_slots=check.strings(data["article_slots"], "article_slots") if "article_slots" in data else (),
        slots={
            name: check.strings(words, f"slots.{name}")
            for name, words in check.mapping(data.get("slots", {}), "slots").items()
        },
        groups=groups,
        group_of={key: name for name, entries in groups.items() for key in entries[0]},
        titles={
            t: check.strings(check.mapping(e, f"events.{t}").get("titles"), f"events.{t}.titles")
            for t, e in events.items()
        },
        sentences={t: check.strings(e.get("sentences"), f"events.{t}.sentences") for t, e in events.items()},
        background=check.strings(data.get("background"), "background"),
        reactions=check.strings(data.get("reactions"), "reactions"),
    )
    for name in vocab.article_slots:
        if name not in vocab.slots and name not in vocab.groups:
            raise check.fail("article_slots", f"{name!r} is neither in slots nor in groups")
    if len(vocab.sentences) < 2:
        raise check.fail("events", "expected at least two event types")
    named = [("code", CODE_SLOTS), ("places", set(vocab.places[0])), ("slots", set(vocab.slots))]
    named.append(("groups", set(vocab.group_of)))
    for (first, a), (second, b) in itertools.combinations(named, 2):
        if a & b:
            raise check.fail(second, f"slot {{{sorted(a & b)[0]}}} is already filled by {first}")
    known = set().union(*(names for _, names in named))
    templates = [("background", t) for t in vocab.background] + [("reactions", t) for t in vocab.reactions]
    for kind in ("titles", "sentences"):
        table: dict[str, tuple[str, ...]] = getattr(vocab, kind)
        templates += [(f"events.{etype}.{kind}", t) for etype, ts in table.items() for t in ts]
    for key, template in templates:
        unknown = set(_fields(template)) - known
        if unknown:
            raise check.fail(key, f"unknown slot {{{sorted(unknown)[0]}}} in {template!r}")
    for template in vocab.date_formats:
        if set(_fields(template)) - DATE_FIELDS:
            raise check.fail("dates.formats", f"only {{weekday}}, {{day}} and {{month}} may appear: {template!r}")
    return vocab


@functools.cache
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def make_corpus(n: int, langs: Sequence[str] = ("fr",), seed: int = 0) -> Iterator[Article]:
    """`n` synthetic news articles, languages in turn; the same seed always gives the same articles."""
    if not langs:
        raise ConfigError("no language given for the corpus", hint=f"use one of {', '.join(corpus_languages())}")
    vocabularies = [load_vocabulary(lang) for lang in langs]  # fail before the first article, not midway
    for i in range(n):
        # One generator per article: article i is the same whatever n is.
        yield _make_article(vocabularies[i % len(langs)], random.Random(f"vigie-corpus:{seed}:{i}"), seed, i)


def corpus_file_name(n: int, langs: Sequence[str], seed: int) -> str:
    """The name `write_corpus` gives a corpus written into a folder."""
    return f"corpus-{'-'.join(langs)}-{n}-seed{seed}.jsonl"


def write_corpus(out: Path, n: int, langs: Sequence[str] = ("fr",), seed: int = 0) -> Path:
    """Write `make_corpus(n, langs, seed)` as JSON Lines and return the file's path.

    `out` is the file itself when it ends in .jsonl, else a folder that receives `corpus_file_name(...)`.
    The file appears complete or not at all (written under a hidden name, then renamed), so a reader
    such as `vigie batch` never sees half a corpus.
    """
    path = out if out.suffix.lower() == ".jsonl" else out / corpus_file_name(n, langs, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    for lang in langs:  # an unknown language fails before any file is made
        load_vocabulary(lang)
    articles = make_corpus(n, langs, seed)
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with temp.open("w", encoding="utf-8", newline="\n") as handle:
            for article in articles:
                handle.write(article.model_dump_json(exclude_none=True) + "\n")
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def _make_article(vocab: CorpusVocabulary, rng: random.Random, seed: int, index: int) -> Article:
    published = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    story = _Story(vocab, rng, published)
    main = rng.choice(sorted(vocab.sentences))
    others = sorted(set(vocab.sentences) - {main})
    title = story.render(rng.choice(vocab.titles[main]))
    target = rng.randint(WORDS_MIN, WORDS_MAX)
    # A wire lead says when: prefer the story's sentences that carry a date.
    lead = story.render(story.pick([t for t in vocab.sentences[main] if "{date}" in t] or vocab.sentences[main]))
    paragraphs, words = [[lead]], len(lead.split())
    size = rng.randint(1, 2)  # a wire lead stands alone or with one more sentence
    while words < target:
        kind = rng.choices(list(_SENTENCE_WEIGHTS), weights=list(_SENTENCE_WEIGHTS.values()))[0]
        pool = {
            "main": vocab.sentences[main],
            "other": vocab.sentences[rng.choice(others)],
            "background": vocab.background,
            "reactions": vocab.reactions,
        }[kind]
        sentence = story.render(story.pick(pool))
        if words + len(sentence.split()) > WORDS_MAX:
            break
        if len(paragraphs[-1]) >= size:
            paragraphs.append([])
            size = rng.randint(2, 5)
        paragraphs[-1].append(sentence)
        words += len(sentence.split())
    doc_id = f"synthetic-{vocab.lang}-{seed}-{index:06d}"
    return Article(
        text="\n\n".join(" ".join(p) for p in paragraphs),
        doc_id=doc_id,
        lang=vocab.lang,
        published=published,
        url=f"https://news.example.org/{vocab.lang}/{published:%Y/%m/%d}/{doc_id}",
        source=rng.choice(vocab.sources),
        title=title,
    )


class _Story:
    """Fills templates for one article: place and article slots are chosen once, the rest per sentence."""

    def __init__(self, vocab: CorpusVocabulary, rng: random.Random, published: dt.date) -> None:
        self.vocab = vocab
        self.rng = rng
        self.published = published
        self.fixed = dict(rng.choice(vocab.places))
        for name in vocab.article_slots:
            if name in vocab.slots:
                self.fixed[name] = rng.choice(vocab.slots[name])
            else:
                self.fixed.update(rng.choice(vocab.groups[name]))
        self.used: set[str] = set()

    def pick(self, templates: Sequence[str]) -> str:
        """A template not used yet in this article, while there are any left in `templates`."""
        fresh = [t for t in templates if t not in self.used]
        template = self.rng.choice(fresh or templates)
        self.used.add(template)
        return template

    def render(self, template: str) -> str:
        values = dict(self.fixed)
        for name in _fields(template):
            if name not in values:
                values.update(self._fill(name))
        text = template.format_map(values)
        return text[:1].upper() + text[1:]

    def _fill(self, name: str) -> Mapping[str, str]:
        if name == "date":
            return {"date": self._date()}
        if name in NUMBER_SLOTS:
            return {name: self._number(name)}
        if name in self.vocab.slots:
            return {name: self.rng.choice(self.vocab.slots[name])}
        return self.rng.choice(self.vocab.groups[self.vocab.group_of[name]])

    def _date(self) -> str:
        """A day in the week before publication, written as a reporter would."""
        days_before = self.rng.randint(0, 6)
        if days_before == 1 and self.rng.random() < 0.5:
            return self.vocab.yesterday
        day = self.published - dt.timedelta(days=days_before)
        template = self.rng.choice(self.vocab.date_formats)
        return template.format(
            weekday=self.vocab.weekdays[day.weekday()],
            day=self.vocab.first_day if day.day == 1 else day.day,
            month=self.vocab.months[day.month - 1],
        )

    def _number(self, name: str) -> str:
        if name == "number":
            return str(self.rng.randint(2, 95))
        if name == "hundreds":
            return str(self.rng.randrange(100, 1000, 10))
        return f"{self.rng.randrange(1000, 20000, 100):,}".replace(",", self.vocab.thousands_separator)
