"""Cue words: one Matcher over every phrase of the lexicon, on lowercased lemmas.

The lexicon's phrases (triggers, count nouns, qualifiers, authorities...) are
compiled once per language into patterns over Token.norm_ (the lowercased
lookup lemma), so "getötet", "töten" and "tötete" all hit the cue "töten".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from itertools import product
from operator import attrgetter, itemgetter
from pathlib import Path

import spacy
import spacy_lookups_data
from spacy.attrs import NORM
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from dashboard.extract.diskcache import cached, fingerprint
from dashboard.extract.lemmas import LemmaTable, lookup_table
from dashboard.extract.lexicon import Lexicon, load_lexicon

GAP = "..."
MAX_GAP = 6
INDEX = "protestmap_cues"
"""Key of the per-group cue index in Doc.user_data (plain tuples, cheap to read)."""
TEXT = "protestmap_text"
"""Key of the doc's text in Doc.user_data (see :func:`doc_text`)."""
LOWER_TEXT = "protestmap_lower_text"
"""Key of the doc's lowercased text in Doc.user_data (see :func:`doc_lower`)."""
Lemmas = Mapping[str, str]
BY_POSITION = itemgetter(1, 2, 0)
"""Sort key of a cue (label, start, end): by start, end, then label."""


def norm_of(word: str, lemmas: Lemmas) -> str:
    """What Token.norm_ is for ``word``: its lookup lemma, lowercased. Patterns
    accept this and the lowercased word (the text may be capitalised, "More").

    A lexicon word whose lemma is a function word ("einst" -> "einen") would
    match that word: keep such words out of the lexicon (tests catch them).

    >>> norm_of("getötet", {"getötet": "töten"}), norm_of("Brand", {})
    ('töten', 'brand')
    """
    return lemmas.get(word, lemmas.get(word.lower(), word)).lower()


def segments(words: Sequence[str], lemmas: Lemmas) -> list[list[frozenset[str]]]:
    """A phrase cut at its "..." gaps: per segment, the accepted norms of each word.

    >>> segments(["nehmen", "...", "fest"], {})
    [[frozenset({'nehmen'})], [frozenset({'fest'})]]
    """
    out: list[list[frozenset[str]]] = [[]]
    for w in words:
        if w == GAP:
            out.append([])
        else:
            out[-1].append(frozenset({w.lower(), norm_of(w, lemmas)}))
    return [seg for seg in out if seg]


def _find_rest(norms: list[int], end: int, rest: list[list[frozenset[int]]]) -> int | None:
    """Where the segments after a phrase's gaps end, each within six tokens of the one
    before (``norms``: the doc's Token.norm hashes), or None."""
    for seg in rest:
        for j in range(end, min(end + MAX_GAP + 1, len(norms) - len(seg) + 1)):
            if all(norms[j + k] in accepted for k, accepted in enumerate(seg)):
                end = j + len(seg)
                break
        else:
            return None
    return end


class MorphLemmas(Mapping[str, str]):
    """pymorphy3 normal forms as a read-only form -> lemma mapping, cached per form
    (Russian: the lookup table misses most participles, "задержаны" -> "задержать").

    An ambiguous form takes the reading that is a lexicon word, if one is:
    "прибыли" is "прибыть" (arrive) before "прибыль" (profit).
    """

    def __init__(self, preferred: frozenset[str] = frozenset()) -> None:
        import pymorphy3

        self.morph = pymorphy3.MorphAnalyzer()
        self.preferred = preferred
        self.known: dict[str, str] = {}
        self.digest = f"pymorphy3 {pymorphy3.__version__} {sorted(self.morph.dictionary.meta.items())}"
        """What the forms depend on: the analyser and its dictionary."""

    def __getitem__(self, word: str) -> str:
        if word not in self.known:
            if not any(c.isalpha() for c in word):
                raise KeyError(word)
            lemmas = [p.normal_form for p in self.morph.parse(word)]
            self.known[word] = next((x for x in lemmas if x in self.preferred), lemmas[0])
        return self.known[word]

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def lemma_of(self, word: str) -> str:
        """The word's lemma: its normal form, else the word's own (no letters)."""
        return self.get(word, word)

    def forms(self, word: str) -> set[str]:
        """Every inflected form of ``word`` (lowercased)."""
        return {f.word for p in self.morph.parse(word)[:1] for f in p.lexeme}


MORPHOLOGY = frozenset({"ru"})
"""Languages lemmatized with pymorphy3 rather than a lookup table."""


@cache
def lemma_table(lang: str) -> LemmaTable | MorphLemmas:
    """form -> lemma for ``lang``: pymorphy3 for Russian, else the lookup table
    spacy-lookups-data ships (empty if none)."""
    if lang in MORPHOLOGY:
        words = {w.lower() for table in load_lexicon(lang).phrase_groups().values()
                 for phrases in table.values() for p in phrases for w in p.split()}
        return MorphLemmas(frozenset(words))
    return lookup_table(Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lemma_lookup.json.gz")


def without_norms(exceptions: Mapping[str, list[dict[int, str]]]) -> dict[str, list[dict[int, str]]]:
    """Tokenizer exceptions with their tokens' norms left out.

    >>> from spacy.attrs import ORTH
    >>> without_norms({"don't": [{ORTH: "do"}, {ORTH: "n't", NORM: "not"}]}) == {"don't": [{ORTH: "do"}, {ORTH: "n't"}]}
    True
    """
    return {text: [{attr: v for attr, v in token.items() if attr != NORM} for token in tokens]
            for text, tokens in exceptions.items()}


def lemmatize_lexemes(nlp: Language) -> None:
    """Make Lexeme.norm_ the lookup lemma, lowercased, of every word form ``nlp`` knows
    and of every form it meets later (a lexeme attribute getter, run once per new form):
    each token's norm_ is then its lemma with no work per doc.

    ``nlp``'s tokenizer exceptions must carry no norms of their own ("n't" -> "not"),
    so that every token reads its lexeme's: ``pipeline.blank`` builds it so.

    >>> from dashboard.extract.pipeline import blank
    >>> nlp = blank("de")
    >>> lemmatize_lexemes(nlp)
    >>> [t.norm_ for t in nlp.make_doc("Häuser brannten z.B. nicht")]
    ['haus', 'brennen', 'z.b.', 'nicht']
    """
    table = lemma_table(nlp.lang)

    def norm(form: str) -> str:
        return table.lemma_of(form).lower()

    vocab = nlp.vocab
    getters = vocab.lex_attr_getters  # type: ignore[attr-defined]  # (not in spaCy's stub)
    vocab.lex_attr_getters = {**getters, NORM: norm}  # type: ignore[attr-defined]
    for lexeme in vocab:
        lexeme.norm_ = norm(lexeme.orth_)


def doc_text(doc: Doc) -> str:
    """The doc's text, read once."""
    text = doc.user_data.get(TEXT)
    if text is None:
        text = doc.user_data[TEXT] = doc.text
    return text


def doc_lower(doc: Doc) -> str:
    """The doc's text lowercased, once for every component that searches it.

    >>> doc_lower(spacy.blank("en").make_doc("Almaty, 5 January"))
    'almaty, 5 january'
    """
    low = doc.user_data.get(LOWER_TEXT)
    if low is None:
        low = doc.user_data[LOWER_TEXT] = doc_text(doc).lower()
    return low


Pattern = tuple[str, str, str, list[list[frozenset[str]]], list[tuple[str, ...]]]
"""Matcher key, group, label, the norms of the segments after the first "..." gap, and
every sequence of norms the first segment may take."""


def cue_patterns(nlp: Language, lexicon: Lexicon) -> list[Pattern]:
    """The lexicon's phrases as matcher patterns, from the disk cache when the same
    phrases, lemma table, spaCy and this module were compiled before.

    >>> import spacy
    >>> cue_patterns(spacy.blank("de"), load_lexicon("de"))[0]
    ('trigger:protest', 'trigger', 'protest', [], [('protest',)])
    """
    lemmas = lemma_table(nlp.lang)
    groups = lexicon.phrase_groups()

    def build() -> list[Pattern]:
        out: list[Pattern] = []
        gapped = 0
        for group, table in groups.items():
            for label, phrases in table.items():
                for phrase in phrases:
                    segs = segments([t.text for t in nlp.make_doc(phrase)], lemmas)
                    key = f"{group}:{label}"
                    if len(segs) > 1:
                        key, gapped = f"{GAP}{gapped}", gapped + 1
                    out.append((key, group, label, segs[1:], list(product(*segs[0]))))
        return out

    key = fingerprint(repr(groups), nlp.lang or "", lemmas.digest, spacy.about.__version__,
                      Path(__file__).read_bytes())
    return cached(f"cues-{nlp.lang}", key, build)


class CueTagger:
    """Reads Token.norm_; writes the cue index (Doc.user_data, read with :func:`cues`):
    per group ("trigger", "qual", "auth"...), the (label, start, end) of each cue,
    e.g. ("arson", 3, 5), ("at least", 7, 9), ("Interior Ministry", 12, 14).

    One PhraseMatcher on NORM (a hash lookup per token) finds every phrase, or
    the first part of a phrase with "..." gaps; the rest of such a phrase is
    then looked for in at most six tokens after each part.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.keys: dict[int, tuple[str, str, list[list[frozenset[int]]]]] = {}
        strings = nlp.vocab.strings
        for key, group, label, rest, alternatives in cue_patterns(nlp, lexicon):
            hashed = [[frozenset(strings.add(n) for n in norms) for norms in seg] for seg in rest]
            self.keys[strings.add(key)] = (group, label, hashed)
            docs = []
            for norms in alternatives:
                doc = Doc(nlp.vocab, words=["x"] * len(norms))
                for token, norm in zip(doc, norms):
                    token.norm_ = norm
                docs.append(doc)
            self.phrases.add(key, docs)

    def __call__(self, doc: Doc) -> Doc:
        index: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        norms: list[int] | None = None
        for key, start, end in self.phrases(doc):
            group, label, rest = self.keys[key]
            if rest:
                if norms is None:
                    norms = doc.to_array(NORM).tolist()
                found = _find_rest(norms, end, rest)
                if found is None:
                    continue
                end = found
            index[group].append((label, start, end))
        doc.user_data[INDEX] = {g: sorted(v, key=BY_POSITION) for g, v in index.items()}
        return doc


@Language.factory("protestmap_cues")
def make_cue_tagger(nlp: Language, name: str) -> CueTagger:
    """The cue matcher for ``nlp.lang``'s lexicon."""
    return CueTagger(nlp, load_lexicon(nlp.lang))


def cues(doc: Doc, group: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of the cue spans of one group, in text order."""
    return doc.user_data.get(INDEX, {}).get(group, [])


def publish(doc: Doc, name: str, spans: list[Span]) -> None:
    """Write ``spans`` (stably sorted by start) as ``doc.spans[name]``, and keep the Span
    objects themselves in Doc.user_data so later readers need not rebuild them from the
    SpanGroup."""
    spans = sorted(spans, key=attrgetter("start"))
    doc.spans[name] = SpanGroup(doc, name=name, spans=spans)
    doc.user_data[_key(name)] = spans


@cache
def _key(name: str) -> str:
    return f"protestmap_{name}"


def spans_of(doc: Doc, name: str) -> list[Span]:
    """The spans a component published under ``name`` (or ``doc.spans[name]``), by start."""
    kept = doc.user_data.get(_key(name))
    return kept if kept is not None else sorted(doc.spans.get(name, ()), key=attrgetter("start"))
