"""Cue words: one Matcher over every phrase of the lexicon, on lowercased lemmas.

The lexicon's phrases (triggers, count nouns, qualifiers, authorities...) are
compiled once per language into patterns over Token.norm_ (the lowercased
lookup lemma), so "getötet", "töten" and "tötete" all hit the cue "töten".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import product
from pathlib import Path

import spacy_lookups_data
import srsly

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, SpanGroup

from dashboard.extract.lexicon import Lexicon, load_lexicon

GAP = "..."
INDEX = "protestmap_cues"
"""Key of the per-group cue index in Doc.user_data (plain tuples, cheap to read)."""
Lemmas = Mapping[str, str]


def norm_of(word: str, lemmas: Lemmas) -> str:
    """What Token.norm_ is for ``word``: its lookup lemma, lowercased. Patterns
    accept this and the lowercased word (the text may be capitalised, "More").

    A lexicon word whose lemma is a function word ("einst" -> "einen") would
    match that word: keep such words out of the lexicon (tests catch them).

    >>> norm_of("getötet", {"getötet": "töten"}), norm_of("Brand", {})
    ('töten', 'brand')
    """
    return lemmas.get(word, lemmas.get(word.lower(), word)).lower()


def gap_pattern(words: Iterable[str], lemmas: Lemmas) -> list[dict[str, object]]:
    """Matcher pattern for a phrase with "..." gaps of up to six tokens."""
    return [{"OP": "{0,6}"} if w == GAP else {"NORM": norm_of(w, lemmas)} for w in words]


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
    (e.g. "trigger:arson", "qual:at least", "auth:Interior Ministry").

    Contiguous phrases go through a PhraseMatcher on NORM (one hash lookup per
    token); only phrases with "..." gaps need the slower Matcher.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.gaps = Matcher(nlp.vocab)
        lemmas = lemma_table(nlp.lang)
        for group, table in lexicon.phrase_groups().items():
            for label, phrases in table.items():
                key = f"{group}:{label}"
                docs, gapped = [], []
                for phrase in phrases:
                    words = [t.text for t in nlp.make_doc(phrase)]
                    if GAP in words:
                        gapped.append(gap_pattern(words, lemmas))
                        continue
                    for norms in product(*({w.lower(), norm_of(w, lemmas)} for w in words)):
                        doc = nlp.make_doc(phrase)
                        for token, norm in zip(doc, norms):
                            token.norm_ = norm
                        docs.append(doc)
                if docs:
                    self.phrases.add(key, docs)
                if gapped:
                    self.gaps.add(key, gapped)

    def __call__(self, doc: Doc) -> Doc:
        spans = self.phrases(doc, as_spans=True) + self.gaps(doc, as_spans=True)
        doc.spans["cues"] = SpanGroup(doc, name="cues", spans=spans)
        index: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        for span in spans:
            group, label = span.label_.split(":", 1)
            index[group].append((label, span.start, span.end))
        doc.user_data[INDEX] = {g: sorted(v, key=lambda c: (c[1], c[2], c[0]))
                                for g, v in index.items()}
        return doc


@Language.factory("protestmap_cues")
def make_cue_tagger(nlp: Language, name: str) -> CueTagger:
    """The cue matcher for ``nlp.lang``'s lexicon."""
    return CueTagger(nlp, load_lexicon(nlp.lang))


def cues(doc: Doc, group: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of the cue spans of one group, in text order."""
    return doc.user_data.get(INDEX, {}).get(group, [])
