"""Sentences and tokens (and the model's named entities) from the language's backend."""

from __future__ import annotations

from vigie.document import Document, EntityMention
from vigie.lang.loader import LanguageData
from vigie.nlp import fallback, natasha_backend, spacy_backend

READS: tuple[str, ...] = ()
FILLS = ("sentences", "tokens", "model_entities")


def segment(doc: Document, lang: LanguageData) -> Document:
    """Add sentences, tokens and model entities from the language's backend: `none` is the fallback
    tokenizer, `natasha` the Russian models, any other name a spaCy model."""
    entities: tuple[EntityMention, ...] = ()
    if lang.backend == "none":
        sentences, tokens = fallback.analyse(doc.text, str(lang.config.get("lemmatizer", "lower")))
    elif lang.backend == "natasha":
        sentences, tokens, entities = natasha_backend.analyse(doc.text)
    else:
        sentences, tokens, entities = spacy_backend.analyse(doc.text, lang.backend)
    return doc.with_layer("sentences", sentences).with_layer("tokens", tokens).with_layer("model_entities", entities)
