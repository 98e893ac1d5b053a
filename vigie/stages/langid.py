"""Language identification: which language's pipeline reads a document, and how sure we are."""

from __future__ import annotations

import functools
from typing import Any

from vigie.document import Document
from vigie.lang.loader import available_languages

READS: tuple[str, ...] = ()
FILLS = ("lang",)

# Languages the detector may answer besides those Vigie has data for, so that a German or Kazakh
# article is reported as unsupported rather than forced into the nearest supported language.
DISTRACTORS = ("de", "es", "it", "pt", "uk", "kk", "pl", "tr", "ar", "nl", "be", "bg")
SAMPLE_CHARS = 3000


@functools.cache
def _detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = sorted(set(available_languages()) | set(DISTRACTORS))
    isos = [getattr(IsoCode639_1, code.upper()) for code in codes if hasattr(IsoCode639_1, code.upper())]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()


def detect_language(text: str) -> tuple[str | None, float]:
    """The ISO 639-1 code of the text's language and the detector's confidence (None when unsure)."""
    sample = text[:SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None, 0.0
    values = _detector().compute_language_confidence_values(sample)
    if not values:
        return None, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), round(float(best.value), 3)


def identify_language(doc: Document) -> Document:
    """Keep a language given by the user (confidence 1.0); otherwise detect it."""
    if doc.lang:
        return doc.with_fields(lang_confidence=1.0)
    code, confidence = detect_language(doc.text)
    return doc.with_fields(lang=code, lang_confidence=confidence)
