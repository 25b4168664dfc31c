"""Article -> [Event]: rule-based event extraction for German, English and Russian.

>>> from dashboard.types import Article
>>> from datetime import date
>>> art = Article("a1", "In Almaty gingen am Mittwoch Tausende auf die Straße.", "de",
...               published=date(2022, 1, 7))
>>> [(e.event_type, e.place.name, str(e.event_date)) for e in extract_events(art)]
[('Protests', 'Almaty', '2022-01-05')]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from dashboard.errors import ProtestmapError
from dashboard.extract.counts import SENTENCE_BOUNDS
from dashboard.extract.cues import TEXT, lemma_table
from dashboard.extract.dates import latest_year
from dashboard.extract.events import Facts, code_article, place_context, read_facts, sentence_marks
from dashboard.extract.lexicon import load_lexicon
from dashboard.extract.pipeline import build_pipeline
from dashboard.extract.places import default_gazetteer
from dashboard.extract.prefilter import Prefilter, Sentence, split_sentences
from dashboard.types import Article, Event

__all__ = ["extract_events", "extract_many", "supported"]

SENTENCE_CHARS = "protestmap_sentence_chars"
"""Doc.user_data key: the character offsets (start, end) of each sentence of a chunk doc."""


@cache
def prefilter(lang: str) -> Prefilter:
    """The first-pass filter for one language, built once per process."""
    return Prefilter(load_lexicon(lang), lemma_table(lang), default_gazetteer().surface_forms())


@cache
def supported(lang: str) -> bool:
    """Whether extraction has a lexicon for ``lang``.

    >>> supported("de"), supported("xx")
    (True, False)
    """
    try:
        load_lexicon(lang)
    except ProtestmapError:
        return False
    return True


def article_text(article: Article) -> str:
    """The article body, with its title as first paragraph if the body lacks it."""
    title = article.title.strip()
    if title and title not in article.text[: len(title) + 200]:
        return f"{title}\n\n{article.text}"
    return article.text


def _candidates(article: Article) -> list[Sentence]:
    text = article_text(article)
    return prefilter(article.language).select(text, split_sentences(text))


def extract_many(articles: Iterable[Article], batch_size: int = 32) -> Iterator[tuple[Article, list[Event]]]:
    """Events for many articles, parsing the kept sentences of a batch in one ``nlp.pipe``
    (one Doc per article: its kept sentences, with their sentence starts set).

    Articles in a language without a lexicon come back with no events.
    Top-level and picklable, so a process pool can map it over chunks.
    """
    it = iter(articles)
    while batch := list(islice(it, batch_size)):
        yield from _extract_batch(batch)


def chunk_doc(nlp: Language, sentences: list[Sentence]) -> Doc:
    """One Doc for the kept sentences of an article, its sentence starts set from the
    first pass's cuts (so the sentencizer is skipped) and its text kept for the components.

    Doc.user_data keeps the token index where each sentence starts (then the doc's
    length) and each sentence's character offsets, for :func:`sentence_marks`.
    """
    text = " ".join(s.text for s in sentences)
    doc = nlp.make_doc(text)
    chars = []
    at = 0
    for s in sentences:
        chars.append((at, at + len(s.text)))
        at += len(s.text) + 1
    idx = doc.to_array(IDX).tolist() if len(doc) else []
    starts = [bisect_left(idx, a) for a, _ in chars]
    if len(doc):
        flags = numpy.full(len(doc), -1, dtype=numpy.int64)
        flags[[i for i in starts if i < len(doc)]] = 1
        doc.from_array([SENT_START], flags.astype(numpy.uint64))  # type: ignore[arg-type]
    doc.user_data[TEXT] = text
    doc.user_data[SENTENCE_BOUNDS] = [*starts, len(doc)]
    doc.user_data[SENTENCE_CHARS] = chars
    return doc


def _extract_batch(batch: list[Article]) -> Iterator[tuple[Article, list[Event]]]:
    kept = {id(a): _candidates(a) if supported(a.language) else [] for a in batch}
    docs: dict[int, Doc] = {}
    for lang in {a.language for a in batch if supported(a.language)}:
        group = [a for a in batch if a.language == lang and kept[id(a)]]
        nlp = build_pipeline(lang)
        parsed = nlp.pipe((chunk_doc(nlp, kept[id(a)]) for a in group),
                          batch_size=64, disable=["sentencizer"])
        docs.update(zip((id(a) for a in group), parsed))
    for a in batch:
        doc = docs.pop(id(a), None)
        if doc is None:
            yield a, []
            continue
        events = code_article(a, _facts(a, kept[id(a)], doc))
        release(doc)
        yield a, events


def release(doc: Doc) -> None:
    """Drop what the components left on ``doc``: its spans refer back to it, so a used Doc
    would otherwise be freed only by the garbage collector's cycle search, which then
    costs workers 4 % of their time. Released, it goes as soon as it is dropped.

    >>> import spacy
    >>> doc = spacy.blank("en")("Protests in Almaty.")
    >>> doc.spans["places"] = [doc[2:3]]
    >>> release(doc)
    >>> doc.spans, doc.user_data
    ({}, {})
    """
    doc.user_data.clear()
    doc.spans.clear()


def _facts(article: Article, sentences: list[Sentence], doc: Doc) -> list[Facts]:
    """What the rules read in each kept sentence of an article parsed by :func:`chunk_doc`."""
    context = place_context(doc)
    lexicon = load_lexicon(article.language)
    year = None if article.published is not None else latest_year(article.text)
    marks = sentence_marks(doc, doc.user_data[SENTENCE_BOUNDS], doc.user_data[SENTENCE_CHARS], lexicon)
    return [read_facts(s, m, doc, lexicon, article.published, context, year)
            for s, m in zip(sentences, marks)]


def extract_events(article: Article) -> list[Event]:
    """The events of one article (see docs/event-coding.md for the rules)."""
    return next(extract_many([article]))[1]
