"""Cue words: one Matcher over every phrase of the lexicon, on lowercased lemmas.

The lexicon's phrases (triggers, count nouns, qualifiers, authorities...) are
compiled once per language into token patterns that accept either the written
word or its lemma, so "getötet", "töten" and "tötete" all hit the cue "töten".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import spacy_lookups_data
import srsly

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, SpanGroup

from dashboard.extract.lexicon import Lexicon, load_lexicon

GAP = "..."
Lemmas = Mapping[str, str]


def token_pattern(word: str, lemmas: Lemmas) -> dict[str, object]:
    """Pattern for one lexicon word: its lowercased form or its lemma, as Token.norm_.

    The lemma comes from the same lookup table that sets Token.norm_, so a
    lexicon word matches whatever form the text uses. A word whose lemma is a
    function word ("einst" -> "einen") would match that word: keep such words
    out of the lexicon (tests/test_extract_*.py catch them).

    >>> token_pattern("getötet", {"getötet": "töten"})
    {'NORM': {'IN': ['getötet', 'töten']}}
    """
    forms = {word.lower(), lemmas.get(word, lemmas.get(word.lower(), word)).lower()}
    return {"NORM": {"IN": sorted(forms)}}


def phrase_pattern(words: Iterable[str], lemmas: Lemmas) -> list[dict[str, object]]:
    """Token patterns for a phrase, "..." becoming a gap of up to six tokens."""
    return [{"OP": "{0,6}"} if w == GAP else token_pattern(w, lemmas) for w in words]


@cache
def lemma_table(lang: str) -> dict[str, str]:
    """The form -> lemma lookup table spacy-lookups-data ships for ``lang`` (or {})."""
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lemma_lookup.json.gz"
    return dict(srsly.read_gzip_json(path)) if path.exists() else {}


@Language.component("protestmap_norm")
def set_norm(doc: Doc) -> Doc:
    """Reads Token.lemma_ (lookup lemmatizer); writes Token.norm_ = the lowercased lemma."""
    for token in doc:
        token.norm_ = (token.lemma_ or token.text).lower()
    return doc


class CueTagger:
    """Reads Token.norm_; writes doc.spans["cues"], each labelled "group:label"
    (e.g. "trigger:arson", "qual:at least", "auth:Interior Ministry")."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.matcher = Matcher(nlp.vocab)
        lemmas = lemma_table(nlp.lang)
        for group, table in lexicon.phrase_groups().items():
            for label, phrases in table.items():
                patterns = [
                    phrase_pattern([t.text for t in nlp.make_doc(p)], lemmas) for p in phrases
                ]
                if patterns:
                    self.matcher.add(f"{group}:{label}", patterns)

    def __call__(self, doc: Doc) -> Doc:
        spans = self.matcher(doc, as_spans=True)
        doc.spans["cues"] = SpanGroup(doc, name="cues", spans=spans)
        return doc


@Language.factory("protestmap_cues")
def make_cue_tagger(nlp: Language, name: str) -> CueTagger:
    """The cue matcher for ``nlp.lang``'s lexicon."""
    return CueTagger(nlp, load_lexicon(nlp.lang))


def cues(doc: Doc, group: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of the cue spans of one group, in text order."""
    prefix = group + ":"
    return sorted(
        (s.label_[len(prefix):], s.start, s.end)
        for s in doc.spans.get("cues", ())
        if s.label_.startswith(prefix)
    )
