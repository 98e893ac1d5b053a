"""Event triggers from the PLOVER lexicon, and who acted on whom from the dependency parse."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from vigie.document import Document, EntityMention, Token
from vigie.lang.loader import LanguageData
from vigie.ontology import check_type
from vigie.records import Actor
from vigie.stages.patterns import Pattern, PatternMatch, PatternSet, fold, normalize_part

READS = ("sentences", "tokens", "entities")
FILLS = "event_candidates"

SUBJECT_DEPS = {"nsubj", "agent", "obl:agent", "nsubj:agent"}
# Universal Dependencies (French) and ClearNLP (the English model) name the same relations differently.
PASSIVE_SUBJECT_DEPS = {"nsubj:pass", "nsubjpass"}
PASSIVE_AUX_DEPS = {"aux:pass", "auxpass"}
OBJECT_DEPS = {"obj", "iobj", "dobj", "dative", "pobj"}
# Dependencies that carry the subject from a governing verb: "ont commencé à détruire", "a décidé d'envoyer".
INHERIT_DEPS = {"xcomp", "conj", "acl", "advcl"}
MAX_ACTOR_TOKENS = 8
STRONG_WEIGHT = 0.7
# Coercion by different means in one sentence is several happenings ("dispersé la foule et interpellé
# six manifestants": a dispersal and an arrest); other types stay one event per sentence.
SPLIT_BY_MODE = {"COERCE"}


@dataclass(frozen=True)
class Trigger:
    type: str
    mode: str | None
    weight: float


@dataclass(frozen=True, slots=True)
class EventCandidate:
    type: str
    mode: str | None
    sentence: int
    trigger_start: int
    trigger_end: int
    trigger_text: str
    weight: float
    source: tuple[Actor, ...] = ()
    target: tuple[Actor, ...] = ()


@functools.cache
def trigger_set(lang: LanguageData) -> PatternSet[Trigger]:
    patterns: list[Pattern[Trigger]] = []
    where = f"vigie/lang/{lang.code}/triggers.yaml"
    for event_type, entries in lang.yaml("triggers").items():
        for entry in entries or []:
            spec: dict[str, Any] = entry if isinstance(entry, dict) else {"match": entry}
            mode = spec.get("mode")
            if event_type != FRAME:
                check_type(event_type, mode, where)
            trigger = Trigger(event_type, mode, float(spec.get("weight", 1.0)))
            patterns.append(Pattern.parse(str(spec["match"]), trigger, spec.get("pos")))
    return PatternSet(patterns)


@functools.cache
def _actor_words(lang: LanguageData) -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    data = lang.yaml("actors")
    aliases = data.get("kind_aliases", {})
    kinds: dict[str, str] = {}
    for kind, words in (data.get("kinds") or {}).items():
        for word in words:
            kinds[normalize_part(str(word).split()[0])] = aliases.get(kind, kind)
    negation = frozenset(fold(str(w)) for w in data.get("negation", []))
    recipients = frozenset(fold(str(w)) for w in data.get("recipient_markers", []))
    return kinds, negation, recipients


def _children(tokens: tuple[Token, ...]) -> list[list[int]]:
    children: list[list[int]] = [[] for _ in tokens]
    for i, tok in enumerate(tokens):
        if tok.head != i:
            children[tok.head].append(i)
    return children


def is_negated(i: int, span: range, tokens: tuple[Token, ...], children: list[list[int]],
               negation: frozenset[str]) -> bool:
    """True when the trigger or its governing word carries a negation ("aucun affrontement n'a eu lieu").

    A negation inside the trigger itself ("would not return to talks") is the trigger's own meaning."""
    # "did not change the picture, and called on Minsk": a conjoined verb keeps its own polarity
    governors = (i,) if tokens[i].dep == "conj" and tokens[i].pos in {"VERB", "AUX"} else (i, tokens[i].head)
    for j in governors:
        for c in children[j]:
            if c in span:
                continue
            if fold(tokens[c].lemma) in negation and tokens[c].dep in {"advmod", "det", "neg", "cc:preconj"}:
                return True
    return False


def _phrase(i: int, tokens: tuple[Token, ...], children: list[list[int]]) -> tuple[int, int]:
    """Token range of the noun phrase headed by token i, cut before clauses, commas and verbs."""
    keep = {i}
    stack = [i]
    while stack:
        j = stack.pop()
        for c in children[j]:
            dep = tokens[c].dep.split(":")[0]
            if dep in {"acl", "punct", "conj", "cc", "appos", "advcl", "relcl"} or (j == i and dep == "case"):
                continue
            keep.add(c)
            stack.append(c)
    # the contiguous run around the head, never across punctuation
    first = i
    while first - 1 in keep and tokens[first - 1].pos != "PUNCT":
        first -= 1
    last = i
    while last + 1 in keep and tokens[last + 1].pos != "PUNCT" and last - first < MAX_ACTOR_TOKENS - 1:
        last += 1
    while first < i and tokens[first].pos in {"ADP", "DET", "PUNCT"}:
        first += 1
    return first, last


def make_actor(i: int, doc: Document, children: list[list[int]], lang: LanguageData) -> Actor | None:
    tokens = doc.tokens
    if tokens[i].pos in {"PRON"} and fold(tokens[i].lemma) not in {"on"}:
        return None  # pronouns would need coreference; an empty actor is better than "ils"
    first, last = _phrase(i, tokens, children)
    start, end = tokens[first].start, tokens[last].end
    entity = _entity_at(doc, start, end, tokens[i])
    if entity is not None and entity.end > end:
        end = entity.end  # "le président Kassym-Jomart Tokaïev": keep the whole name
    text = doc.text[start:end]
    kinds, _, _ = _actor_words(lang)
    kind = "unknown"
    canonical = None
    country = None
    if entity is not None:
        canonical, country = entity.canonical, entity.country
        kind = entity.kind or {"PER": "person", "ORG": "organisation", "LOC": "state"}.get(entity.label, "unknown")
    head_kind = kinds.get(fold(tokens[i].lemma))
    if head_kind and (entity is None or entity.label != "PER"):
        kind = head_kind
    if kind not in {"state", "government", "military", "police", "protesters", "civilians", "organisation",
                    "person"}:
        kind = "unknown"
    return Actor(text=text, canonical=canonical, kind=kind, country=country)


def _entity_at(doc: Document, start: int, end: int, head: Token) -> EntityMention | None:
    """The entity that names the actor: one covering the head word, or a person named beside a title."""
    best: EntityMention | None = None
    for ent in doc.layer("entities"):
        if ent.start >= end or ent.end <= start:
            continue
        covers_head = ent.start <= head.start < ent.end
        if (covers_head or ent.label == "PER") and (
            best is None or covers_head or (ent.canonical and not best.canonical)
        ):
            best = ent
    return best


def _arguments(
    head: int, span: range, doc: Document, children: list[list[int]], lang: LanguageData
) -> tuple[tuple[Actor, ...], tuple[Actor, ...]]:
    """Source and target actors of the trigger whose tokens are `span` and whose head is `head`."""
    tokens = doc.tokens
    kinds, _, recipient_markers = _actor_words(lang)
    verb = head
    # A trigger noun that is the object of a light verb ("a lancé une attaque") takes that verb's subject.
    if tokens[verb].pos in {"NOUN", "PROPN"} and tokens[verb].dep.split(":")[0] in {"obj", "dobj", "nsubj"}:
        verb = tokens[verb].head
    sources: list[int] = []
    targets: list[int] = []
    passive_subjects: list[int] = []
    seen = set()
    current = verb
    while current not in seen:
        seen.add(current)
        for c in children[current]:
            dep = tokens[c].dep
            if c in span:
                continue
            if dep in SUBJECT_DEPS and not sources:
                # English marks the passive agent on "by": the actor is its object
                objects = [g for g in children[c] if tokens[g].dep == "pobj"] if dep == "agent" else [c]
                sources.extend(objects[:1])
            elif dep in PASSIVE_SUBJECT_DEPS:
                passive_subjects.append(c)
            elif dep in OBJECT_DEPS and current == verb:
                targets.append(c)
        own_subject = any(tokens[c].dep in PASSIVE_SUBJECT_DEPS for c in children[current])
        if sources or own_subject or tokens[current].dep.split(":")[0] not in INHERIT_DEPS \
                or tokens[current].head == current:
            break
        current = tokens[current].head
    # the recipient of a request or an attack is often a prepositional phrase: "demandé de l'aide au CSTO"
    for j in {verb, *span}:
        for c in children[j]:
            if c in span:
                continue
            dep = tokens[c].dep.split(":")[0]
            if dep in {"nmod", "obl"}:  # UD: the preposition hangs under its noun
                marked = any(fold(tokens[g].lemma) in recipient_markers and tokens[g].dep == "case"
                             for g in children[c])
                nouns = [c] if marked else []
            elif dep == "prep" and fold(tokens[c].lemma) in recipient_markers:  # the noun hangs under "to"
                nouns = [g for g in children[c] if tokens[g].dep == "pobj"]
            else:
                nouns = []
            targets += [n for n in nouns if tokens[n].pos == "PROPN" or fold(tokens[n].lemma) in kinds]
    passive = is_passive(verb, tokens, children)
    if not targets and not passive:
        targets = _following_actor(span, tokens, kinds)
    if passive_subjects and passive:
        targets = passive_subjects + targets
    elif passive_subjects and not sources:
        sources = passive_subjects
    src = tuple(a for a in (make_actor(i, doc, children, lang) for i in sources[:1]) if a)
    tgt = tuple(a for a in (make_actor(i, doc, children, lang) for i in targets[:2]) if a)
    return src, tgt


def _following_actor(span: range, tokens: tuple[Token, ...], kinds: dict[str, str]) -> list[int]:
    """When the parse gives no object, the first actor-like noun after the trigger in its clause."""
    sent = tokens[span.stop - 1].sent
    for i in range(span.stop, len(tokens)):
        tok = tokens[i]
        if tok.sent != sent or tok.pos in {"PUNCT", "VERB", "AUX", "ADP"}:
            break
        if tok.pos in {"NOUN", "PROPN"} and fold(tok.lemma) in kinds:
            return [i]
    return []


def is_passive(verb: int, tokens: tuple[Token, ...], children: list[list[int]]) -> bool:
    return "Voice=Pass" in tokens[verb].morph or any(tokens[c].dep in PASSIVE_AUX_DEPS for c in children[verb])


# Verbal events whose complement is another act: "menacé de bloquer", "demandé de rouvrir",
# "accusé l'armée d'avoir bombardé". The act inside is their content, not a happening of its own.
# `frames` in triggers.yaml are words that only talk about a happening named in their complement
# ("a revendiqué l'attaque", "rappelle la mobilisation de l'hiver dernier"): no event of their own.
FRAME = "frames"
SPEECH_ACTS = {"THREATEN", "REQUEST", "AGREE", "REJECT", "ACCUSE", FRAME}
MAX_CLAUSE_STEPS = 3
# Relations that start a clause of its own: what lies below them is not the content of the speech act.
CLAUSE_BREAKS = {"advcl", "conj", "parataxis", "nsubj", "relcl", "npadvmod"}


def _reported_within(i: int, event_type: str, spans: dict[str, range], tokens: tuple[Token, ...],
                     children: list[list[int]], frames: tuple[range, ...] = ()) -> bool:
    outer = [span for t, span in spans.items() if t != event_type and t in SPEECH_ACTS] + list(frames)
    current = i
    for _ in range(MAX_CLAUSE_STEPS):
        head = tokens[current].head
        dep = tokens[current].dep.split(":")[0]
        # The English model often hangs "to"-infinitives on `advcl` ("called on Belgrade to release"):
        # those are still the content of the request.
        infinitive = dep == "advcl" and any(tokens[c].dep in {"aux", "mark"} and tokens[c].lemma == "to"
                                             for c in children[current])
        if head == current or (dep in CLAUSE_BREAKS and not infinitive):
            return False
        if any(head in span for span in outer):
            return True
        current = head
    return False


def _inside_name(doc: Document, start: int, end: int) -> bool:
    for ent in doc.layer("entities"):
        if ent.start <= start and end <= ent.end and ent.label in {"LOC", "ORG", "PER"}:
            return True
    return any(p.start <= start and end <= p.end for p in doc.layer("places"))


def _describes_actor(i: int, tokens: tuple[Token, ...], kinds: dict[str, str]) -> bool:
    """"les instigateurs d'émeutes", "the organisers of the protest": the noun names who, not what happened."""
    head = tokens[i].head
    return tokens[i].pos == "NOUN" and head != i and tokens[head].pos == "NOUN" and fold(tokens[head].lemma) in kinds


def _head_of(match: PatternMatch[Trigger], tokens: tuple[Token, ...]) -> int:
    """The token of a multi-word trigger whose head lies outside it (the syntactic head of the phrase)."""
    for i in range(match.first, match.last + 1):
        if not (match.first <= tokens[i].head <= match.last) or tokens[i].head == i:
            return i
    return match.first


def _compound_tense(i: int, sentence_start: int, tokens: tuple[Token, ...], children: list[list[int]],
                    auxiliaries: frozenset[str]) -> bool:
    """A participle the parser took for a noun's modifier while an auxiliary makes it a compound tense: its own
    auxiliary child, or an auxiliary left as the root of the clause ("le chef a, pour sa part, menacé de")."""
    return (any(tokens[c].dep.startswith("aux") for c in children[i])
            or any(tokens[k].head == k and fold(tokens[k].lemma) in auxiliaries for k in range(sentence_start, i)))


def find_event_candidates(doc: Document, lang: LanguageData) -> Document:
    """One candidate per (sentence, PLOVER type): several triggers of one type in a sentence are one happening."""
    tokens = doc.tokens
    children = _children(tokens)
    kinds, negation, _ = _actor_words(lang)
    auxiliaries = frozenset(fold(str(w)) for w in lang.yaml("actors").get("auxiliaries", []))
    triggers = trigger_set(lang)
    has_parse = any(t.dep for t in tokens)
    candidates: list[EventCandidate] = []
    by_sentence: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        by_sentence.setdefault(tok.sent, []).append(i)
    for sent_index, indices in sorted(by_sentence.items()):
        start, end = indices[0], indices[-1] + 1
        chosen: dict[str, tuple[PatternMatch[Trigger], int]] = {}
        frames: list[range] = []  # every frame of the sentence silences its own complement
        for match in triggers.matches(tokens, start, end):
            head = _head_of(match, tokens)
            if _inside_name(doc, tokens[match.first].start, tokens[match.last].end):
                continue  # "La Réunion", "Forces démocratiques": a name, not a happening
            if match.pattern.payload.type == FRAME:
                frames.append(range(match.first, match.last + 1))
            # a frame keeps its complement quiet even when negated ("has not commented on the arrests")
            if has_parse and match.pattern.payload.type != FRAME and \
                    is_negated(head, range(match.first, match.last + 1), tokens, children, negation):
                continue
            trig = match.pattern.payload
            key = f"{trig.type}/{trig.mode}" if trig.type in SPLIT_BY_MODE else trig.type
            previous = chosen.get(key)
            if previous is None:
                chosen[key] = (match, head)
                continue
            kept = previous[0].pattern.payload
            if trig.weight > kept.weight or (kept.mode is None and trig.mode):
                chosen[key] = (match, head)
        strong = {t: mh for t, mh in chosen.items() if mh[0].pattern.payload.weight >= STRONG_WEIGHT}
        if strong:
            chosen = strong  # loose words ("soutien", "accord") count only when nothing firmer is there
        # A trigger noun that is an argument of another trigger ("appelé à la grève", "a dénoncé les
        # arrestations") belongs to that event, not to a happening of its own.
        spans = {t: range(m.first, m.last + 1) for t, (m, _) in chosen.items()}
        chosen = {
            t: (m, h) for t, (m, h) in chosen.items()
            if not (tokens[h].pos == "NOUN" and any(tokens[h].head in spans[o] for o in spans if o != t))
            and not _describes_actor(h, tokens, kinds)
            and not _reported_within(h, t, spans, tokens, children, tuple(frames))
        }
        if len(chosen) > 1:
            # "le commandant enlevé a été libéré": a participle describing a noun recalls an earlier act
            chosen = {t: (m, h) for t, (m, h) in chosen.items()
                      if not (tokens[h].dep.startswith("acl") and "VerbForm=Part" in tokens[h].morph
                              and not _compound_tense(h, start, tokens, children, auxiliaries))}
        chosen.pop(FRAME, None)
        for match, head in chosen.values():
            trig = match.pattern.payload
            span = range(match.first, match.last + 1)
            source, target = _arguments(head, span, doc, children, lang) if has_parse else ((), ())
            first, last = tokens[match.first], tokens[match.last]
            candidates.append(
                EventCandidate(trig.type, trig.mode, sent_index, first.start, last.end,
                               doc.text[first.start:last.end], trig.weight, source, target)
            )
    candidates.sort(key=lambda c: c.trigger_start)
    return doc.with_layer("event_candidates", candidates)
