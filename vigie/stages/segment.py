"""Sentences and tokens (and the model's named entities) from the language's backend."""

from __future__ import annotations

from vigie.document import Document
from vigie.lang.loader import LanguageData
from vigie.nlp import fallback, spacy_backend

READS: tuple[str, ...] = ()
FILLS = ("sentences", "tokens", "model_entities")


def segment(doc: Document, lang: LanguageData) -> Document:
    """Add sentences, tokens and model entities; languages with backend `none` get the fallback tokenizer."""
    if lang.backend == "none":
        sentences, tokens = fallback.analyse(doc.text, str(lang.config.get("lemmatizer", "lower")))
        entities: tuple[object, ...] = ()
    else:
        sentences, tokens, entities = spacy_backend.analyse(doc.text, lang.backend)
    return doc.with_layer("sentences", sentences).with_layer("tokens", tokens).with_layer("model_entities", entities)
