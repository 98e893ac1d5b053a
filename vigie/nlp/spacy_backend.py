"""spaCy adapter: runs a packaged model paragraph by paragraph and turns its output into Vigie spans."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from vigie.document import EntityMention, Sentence, Token
from vigie.errors import ConfigError

# Model entity labels folded onto Vigie's four (OntoNotes labels for English).
ENTITY_LABELS = {
    "PER": "PER", "PERSON": "PER",
    "LOC": "LOC", "GPE": "LOC", "FAC": "LOC",
    "ORG": "ORG", "NORP": "MISC", "MISC": "MISC",
}  # fmt: skip

# Paragraphs are parsed one at a time: news copy often has headline lines with no final stop,
# which the parser would otherwise glue to the next sentence.
_PARAGRAPH = re.compile(r"[^\n]+")
# Within a paragraph, a "sentence" that stops without closing punctuation is a parser slip
# ("2 autres transports militaires | Il-76 ..."): it is joined to the next one.
_SENTENCE_END = re.compile(r"[.!?…:;»\"”)]\s*$")


@functools.cache
def load_model(name: str) -> Any:
    try:
        import spacy

        return spacy.load(name)
    except OSError as err:
        raise ConfigError(
            f"spaCy model {name!r} is not installed",
            hint=f"install it with: pip install {name.replace('_', '-')}",
        ) from err


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    for match in _PARAGRAPH.finditer(text):
        if match.group().strip():
            yield match.start(), match.group()


def analyse(
    text: str, model_name: str
) -> tuple[tuple[Sentence, ...], tuple[Token, ...], tuple[EntityMention, ...]]:
    """Sentences, tokens (with lemma, POS, dependency and head) and entities, offsets into `text`."""
    nlp = load_model(model_name)
    sentences: list[Sentence] = []
    tokens: list[Token] = []
    entities: list[EntityMention] = []
    parts = list(paragraphs(text))
    for (offset, _), sdoc in zip(parts, nlp.pipe(part for _, part in parts), strict=True):
        base = len(tokens)
        for sent_start, sent_end in _joined_sentences(sdoc):
            sent = sdoc[sent_start:sent_end]
            start, end = offset + sent.start_char, offset + sent.end_char
            sentences.append(Sentence(start, end, text[start:end], len(sentences)))
            sent_index = len(sentences) - 1
            for tok in sent:
                s = offset + tok.idx
                tokens.append(
                    Token(
                        start=s,
                        end=s + len(tok.text),
                        text=tok.text,
                        lemma=tok.lemma_.lower() or tok.text.lower(),
                        pos=tok.pos_,
                        dep=tok.dep_,
                        head=base + tok.head.i,
                        sent=sent_index,
                        morph=str(tok.morph),
                    )
                )
        for ent in sdoc.ents:
            label = ENTITY_LABELS.get(ent.label_)
            if label:
                s, e = offset + ent.start_char, offset + ent.end_char
                entities.append(EntityMention(s, e, text[s:e], label))
    return tuple(sentences), tuple(tokens), tuple(entities)


def _joined_sentences(sdoc: Any) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for sent in sdoc.sents:
        if spans and not _SENTENCE_END.search(sdoc[spans[-1][0] : spans[-1][1]].text):
            spans[-1] = (spans[-1][0], sent.end)
        else:
            spans.append((sent.start, sent.end))
    return spans
