"""Event triggers: cue words -> trigger classes -> one ACLED event_type/sub_event_type.

Trigger classes are language-independent ("arson", "protest", "deploy"...);
each lexicon lists the words that signal them. ``TYPE_RULES`` is the coding
table (docs/event-coding.md): the first rule whose classes the sentence has wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.attrs import NORM
from spacy.language import Language
from spacy.tokens import Doc, Span

from dashboard.extract.cues import cues, doc_lower, publish
from dashboard.extract.lexicon import Lexicon, load_lexicon

INFLECTION = "|e|en|n|s|es|er|ern"
"""Endings a compound head may carry when the lemmatizer does not know the word."""
DESTRUCTIVE = frozenset({"arson", "storm", "destroy", "riot", "barricade"})


@dataclass(frozen=True)
class TypeRule:
    """Sentence has any of ``any_of`` and all of ``all_of`` -> this ACLED type."""

    any_of: frozenset[str]
    event_type: str
    sub_event_type: str
    all_of: frozenset[str] = frozenset()


TYPE_RULES: tuple[TypeRule, ...] = (
    TypeRule(frozenset({"shooting", "kill"}), "Protests", "Excessive force against protesters",
             all_of=frozenset({"peaceful"})),
    TypeRule(DESTRUCTIVE, "Riots", "Violent demonstration"),
    TypeRule(frozenset({"disperse"}), "Protests", "Protest with intervention"),
    TypeRule(frozenset({"shooting"}), "Riots", "Violent demonstration"),
    TypeRule(frozenset({"protest", "block"}), "Protests", "Protest with intervention",
             all_of=frozenset({"arrest"})),
    TypeRule(frozenset({"protest", "block"}), "Protests", "Peaceful protest"),
    TypeRule(frozenset({"arrest"}), "Strategic developments", "Arrests"),
    TypeRule(frozenset({"deploy"}), "Strategic developments", "Other", all_of=frozenset({"troops"})),
    TypeRule(frozenset({"emergency", "curfew"}), "Strategic developments", "Other"),
    TypeRule(frozenset({"kill"}), "Riots", "Violent demonstration"),
)


def classify(classes: frozenset[str]) -> tuple[str, str] | None:
    """ACLED (event_type, sub_event_type) for a sentence's trigger classes, or None.

    >>> classify(frozenset({"storm", "destroy"}))
    ('Riots', 'Violent demonstration')
    >>> classify(frozenset({"protest", "peaceful"}))
    ('Protests', 'Peaceful protest')
    >>> classify(frozenset({"troops"})) is None
    True
    """
    if not classes:
        return None
    for rule in TYPE_RULES:
        if classes & rule.any_of and rule.all_of <= classes:
            return rule.event_type, rule.sub_event_type
    return None


def compound_regex(lexicon: Lexicon) -> re.Pattern[str] | None:
    """One regex per language: a lemma ending in a compound head ("massenprotest")."""
    heads = [(cls, h) for cls, hs in lexicon.compound_heads.items() for h in hs]
    if not heads:
        return None
    alts = "|".join(f"(?P<{cls}_{i}>{re.escape(h)})" for i, (cls, h) in enumerate(heads))
    return re.compile(f"(?:{alts})(?:{INFLECTION})$")


class TriggerTagger:
    """Reads the cue index ("trigger:*", "peaceful:*", "negation:*": "ohne Festnahmen"
    is no arrest; "actor:*": "riot police" is no riot) and Token.norm_ (compounds);
    writes doc.spans["triggers"], labelled with the trigger class."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.compounds = compound_regex(lexicon)
        heads = [h for hs in lexicon.compound_heads.values() for h in hs]
        self.compounds_anywhere = re.compile("|".join(map(re.escape, heads)) or "(?!)")
        self.known: dict[int, str] = {}

    def _compound_class(self, doc: Doc, norm: int) -> str:
        """The trigger class of a lemma ending in a compound head, "" if none (cached per lemma)."""
        label = self.known.get(norm)
        if label is None:
            text = doc.vocab.strings[norm]
            m = self.compounds.search(text) if self.compounds is not None and len(text) >= 6 \
                and text.isalpha() else None
            label = self.known[norm] = m.lastgroup.rsplit("_", 1)[0] if m and m.lastgroup else ""
        return label

    def __call__(self, doc: Doc) -> Doc:
        negated = {e for _, _, e in cues(doc, "negation")}
        names = [(s, e) for _, s, e in cues(doc, "actor") if e - s > 1]
        spans = [Span(doc, s, e, label=label) for label, s, e in cues(doc, "trigger")
                 if s not in negated and not (names and any(a <= s and e <= b and b - a > e - s
                                                            for a, b in names))]
        spans += [Span(doc, s, e, label="peaceful") for _, s, e in cues(doc, "peaceful")]
        if self.compounds is not None and self.compounds_anywhere.search(doc_lower(doc)):
            covered = {i for sp in spans for i in range(sp.start, sp.end)} | negated
            known = self.known
            for i, norm in enumerate(doc.to_array(NORM).tolist()):
                label = known.get(norm)
                if label is None:
                    label = self._compound_class(doc, norm)
                if label and i not in covered:
                    spans.append(Span(doc, i, i + 1, label=label))
        publish(doc, "triggers", sorted(spans, key=lambda s: (s.start, s.end)))
        return doc


@Language.factory("protestmap_triggers")
def make_trigger_tagger(nlp: Language, name: str) -> TriggerTagger:
    """The trigger tagger for ``nlp.lang``'s lexicon."""
    return TriggerTagger(load_lexicon(nlp.lang))
