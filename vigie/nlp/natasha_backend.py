"""natasha adapter: razdel sentences and tokens, slovnet morphology, UD syntax and NER for Russian.

The models ship inside the `natasha` wheel (navec embeddings, slovnet packs): nothing is downloaded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from vigie.document import EntityMention, Sentence, Token
from vigie.errors import ConfigError
from vigie.nlp.fallback import morph_analyzer
from vigie.nlp.spacy_backend import paragraphs

# natasha's NER has three labels, already Vigie's.
ENTITY_LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}
# Lemmas are pymorphy3 normal forms, the forms the lexicons are written in (participles fold onto their
# verb: "задержаны" -> "задержать"), of the first reading that agrees with the tagger's part of speech
# ("начала" as a verb is "начать", not "начало"). natasha's MorphVocab (pymorphy2) would differ in
# small ways: ё -> е, "ведущую" -> "вести".
LANG = "ru"
READINGS = {
    "NOUN": {"NOUN"}, "PROPN": {"NOUN"}, "VERB": {"VERB", "INFN", "PRTF", "PRTS", "GRND"}, "AUX": {"VERB", "INFN"},
    "ADJ": {"ADJF", "ADJS", "COMP", "PRTF", "PRTS"}, "ADV": {"ADVB", "COMP", "PRED"}, "NUM": {"NUMR"},
    "PRON": {"NPRO"}, "DET": {"NPRO", "ADJF"}, "ADP": {"PREP"}, "CCONJ": {"CONJ"}, "SCONJ": {"CONJ"}, "PART": {"PRCL"},
}  # fmt: skip
# A participle the parser uses as a noun ("представители протестующих", "родственники задержанных")
# names people, not an act: it keeps its own form ("протестующий", "задержанный"), the one the actor
# words use and the verb triggers do not match.
NOMINAL_DEPS = {"nsubj", "obj", "iobj", "obl", "nmod", "appos"}
# slovnet pads a batch to its longest sentence: sentences go in by length, a few dozen at a time
# (its default of 8 is ~25 % slower on news text; past 64 padding wins again).
BATCH_SIZE = 32
# slovnet runs on numpy: its small matrix products lose to OpenBLAS's thread start-up, and with
# another busy process on a 2-core machine the default two threads made it 6x slower (690 vs 4,000
# words/s). One thread, and only around natasha's calls, so other numpy users keep theirs.
BLAS_THREADS = 1


@dataclass(frozen=True)
class Models:
    morph: Any
    syntax: Any
    ner: Any
    threads: Any  # threadpoolctl.ThreadpoolController


@functools.cache
def load_models() -> Models:
    """The morphology tagger, syntax parser and NER tagger, sharing one embedding table; loaded once."""
    try:
        from natasha import NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError as err:
        raise ConfigError(
            f"the Russian backend needs a package that is not installed ({err.name})",
            hint="install it with: pip install natasha==1.6.0 threadpoolctl==3.8.0",
        ) from err
    emb = NewsEmbedding()
    models = Models(NewsMorphTagger(emb), NewsSyntaxParser(emb), NewsNERTagger(emb), ThreadpoolController())
    for model in (models.morph, models.syntax, models.ner):
        model.batch_size = model.infer.encoder.batch_size = BATCH_SIZE
    return models


def segment(text: str) -> list[list[list[tuple[int, int, str]]]]:
    """Paragraphs, each a list of sentences of (start, end, word), offsets into `text`."""
    from razdel import sentenize, tokenize

    found = []
    for offset, part in paragraphs(text):
        sentences = []
        for sent in sentenize(part):
            start = offset + sent.start
            words = [(start + t.start, start + t.stop, t.text) for t in tokenize(sent.text)]
            if words:
                sentences.append(words)
        if sentences:
            found.append(sentences)
    return found


def morph_string(feats: dict[str, str] | None) -> str:
    """slovnet's feature dict as a UD FEATS string, keys sorted: "Aspect=Perf|VerbForm=Part"."""
    return "|".join(f"{key}={feats[key]}" for key in sorted(feats)) if feats else ""


def analyse(text: str) -> tuple[tuple[Sentence, ...], tuple[Token, ...], tuple[EntityMention, ...]]:
    """Sentences, tokens (with lemma, POS, dependency and head) and entities, offsets into `text`."""
    models = load_models()
    paras = segment(text)
    segmented = [sent for para in paras for sent in para]
    infer = models.ner.infer
    flat = [[word for sent in para for word in sent] for para in paras]
    with models.threads.limit(limits=BLAS_THREADS, user_api="blas"):
        tags, parses = _run(models.morph.map, segmented), _run(models.syntax.map, segmented)
        # NER reads whole paragraphs, as natasha does: the sentence before helps with names that open
        # one. It is given our tokens rather than the text, which slovnet would tokenise a second time.
        labels = _run(lambda words: infer.decoder(infer.process(infer.encoder(words))), flat)
    sentences: list[Sentence] = []
    tokens: list[Token] = []
    for index, (sent, tag, parse) in enumerate(zip(segmented, tags, parses, strict=True)):
        base = len(tokens)
        start, end = sent[0][0], sent[-1][1]
        sentences.append(Sentence(start, end, text[start:end], index))
        for i, ((s, e, word), morph, syntax) in enumerate(zip(sent, tag.tokens, parse.tokens, strict=True)):
            head = int(syntax.head_id) - 1  # slovnet counts from 1 and gives the root head 0
            tokens.append(
                Token(
                    start=s,
                    end=e,
                    text=word,
                    lemma=lemma(word.lower(), morph.pos, is_nominal(morph.pos, morph.feats, syntax.rel)),
                    pos=morph.pos,
                    dep=syntax.rel,
                    head=base + (head if 0 <= head < len(sent) else i),
                    sent=index,
                    morph=morph_string(morph.feats),
                )
            )
    entities = [
        EntityMention(s, e, text[s:e], label)
        for para, bio in zip(flat, labels, strict=True)
        for s, e, label in bio_spans(para, bio)
    ]
    return tuple(sentences), tuple(tokens), tuple(entities)


def is_nominal(pos: str, feats: dict[str, str] | None, dep: str) -> bool:
    """A noun or name, or a full participle standing where a noun does (subject, object, nominal modifier)."""
    if pos in {"NOUN", "PROPN"}:  # a capitalised participle opening a sentence is often tagged PROPN
        return True
    feats = feats or {}
    is_participle = feats.get("VerbForm") == "Part" and "Variant" not in feats  # "Variant=Short": "задержаны"
    return is_participle and dep.split(":")[0] in NOMINAL_DEPS


@functools.lru_cache(maxsize=200_000)
def lemma(word: str, pos: str, nominal: bool = False) -> str:
    """pymorphy3's normal form of `word` read as `pos`; a word used as a noun gets its noun reading or,
    for a participle, its masculine nominative singular ("задержанных" -> "задержанный")."""
    parses = morph_analyzer(LANG).parse(word)
    if nominal:
        for parse in parses:
            if parse.tag.POS == "NOUN":
                return str(parse.normal_form)
        for parse in parses:
            if parse.tag.POS == "PRTF":
                form = parse.inflect({"masc", "sing", "nomn"})
                if form is not None:
                    return str(form.word)
    wanted = READINGS.get(pos, set())
    for parse in parses:
        if parse.tag.POS in wanted:
            return str(parse.normal_form)
    return str(parses[0].normal_form) if parses else word


def _run(model: Callable[[list[list[str]]], Iterable[Any]], sequences: list[list[tuple[int, int, str]]]) -> list[Any]:
    """model(words) for each sequence, fed shortest first so batches pad little, in the original order."""
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    results: list[Any] = [None] * len(order)
    for i, result in zip(order, model([[w for _, _, w in sequences[i]] for i in order]), strict=True):
        results[i] = result
    return results


def bio_spans(sent: list[tuple[int, int, str]], tags: list[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, label) of the entities a BIO tag sequence marks; an I- tag extends the open span."""
    start = end = -1
    label: str | None = None
    for (s, e, _), tag in zip(sent, tags, strict=True):
        part, _, kind = tag.partition("-")
        if part == "I" and label is not None:
            end = e
            continue
        if label is not None:
            yield start, end, label
            label = None
        if part == "B" and kind in ENTITY_LABELS:
            start, end, label = s, e, ENTITY_LABELS[kind]
    if label is not None:
        yield start, end, label
