"""Named entities: the model's mentions, completed and given canonical names from the alias data."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from vigie.document import Document, EntityMention
from vigie.lang.loader import LanguageData
from vigie.stages.patterns import fold

READS = ("tokens", "model_entities")
FILLS = "entities"

_LABEL_BY_KIND = {"person": "PER", "state": "LOC"}


@dataclass(frozen=True)
class Alias:
    canonical: str
    kind: str
    country: str | None


@dataclass(frozen=True)
class AliasTable:
    pattern: re.Pattern[str] | None
    by_text: dict[str, Alias]
    by_lemma: dict[str, Alias]  # single-word aliases, for inflected languages


@functools.cache
def alias_table(code: str, lang: LanguageData) -> AliasTable:
    by_text: dict[str, Alias] = {}
    for row in lang.tsv("actors"):
        if len(row) < 2:
            continue
        alias, canonical = row[0], row[1]
        kind = row[2] if len(row) > 2 and row[2] else "organisation"
        country = row[3] if len(row) > 3 and row[3] else None
        by_text[fold(alias)] = Alias(canonical, kind, country)
    if not by_text:
        return AliasTable(None, {}, {})
    names = sorted({row[0] for row in lang.tsv("actors") if row}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)
    by_lemma = {key: alias for key, alias in by_text.items() if " " not in key}
    return AliasTable(pattern, by_text, by_lemma)


def find_entities(doc: Document, lang: LanguageData) -> Document:
    """Add the `entities` layer: model mentions plus alias-table mentions, with canonical names."""
    table = alias_table(lang.code, lang)
    found: list[EntityMention] = []
    if table.pattern is not None:
        for match in table.pattern.finditer(doc.text):
            key = fold(match.group())
            alias = table.by_text.get(key)
            if alias is None or (len(match.group()) <= 4 and not match.group().isupper()):
                continue
            label = _LABEL_BY_KIND.get(alias.kind, "ORG")
            found.append(EntityMention(match.start(), match.end(), match.group(), label,
                                       alias.canonical, alias.kind, alias.country))
    for token in doc.tokens:
        alias = table.by_lemma.get(fold(token.lemma))
        if alias and token.text[:1].isupper() and not any(f.start <= token.start < f.end for f in found):
            label = _LABEL_BY_KIND.get(alias.kind, "ORG")
            found.append(EntityMention(token.start, token.end, token.text, label,
                                       alias.canonical, alias.kind, alias.country))
    merged: list[EntityMention] = []
    for ent in doc.layer("model_entities"):
        inside = [f for f in found if f.start < ent.end and ent.start < f.end]
        if inside:
            best = max(inside, key=lambda f: f.end - f.start)
            label = best.label if best.kind == "person" else ent.label if ent.label != "LOC" else best.label
            merged.append(EntityMention(ent.start, ent.end, ent.text, label, best.canonical, best.kind, best.country))
        else:
            merged.append(ent)
    for f in found:
        if not any(m.start < f.end and f.start < m.end for m in merged):
            merged.append(f)
    merged.sort(key=lambda e: (e.start, -e.end))
    return doc.with_layer("entities", merged)
