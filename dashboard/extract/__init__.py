"""Article -> [Event]: rule-based event extraction for German, English and Russian.

>>> from dashboard.types import Article
>>> from datetime import date
>>> art = Article("a1", "In Almaty gingen am Mittwoch Tausende auf die Straße.", "de",
...               published=date(2022, 1, 7))
>>> [(e.event_type, e.place.name, str(e.event_date)) for e in extract_events(art)]
[('Protests', 'Almaty', '2022-01-05')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from dashboard.errors import ProtestmapError
from dashboard.extract.cues import TEXT, lemma_table
from dashboard.extract.dates import year_hint
from dashboard.extract.events import Facts, code_article, place_context, read_facts
from dashboard.extract.lexicon import load_lexicon
from dashboard.extract.pipeline import build_pipeline
from dashboard.extract.places import default_gazetteer
from dashboard.extract.prefilter import Prefilter, Sentence, split_sentences
from dashboard.types import Article, Event

__all__ = ["extract_events", "extract_many", "supported"]


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
    (one Doc per paragraph: the kept sentences of it, with their sentence starts set).

    Articles in a language without a lexicon come back with no events.
    Top-level and picklable, so a process pool can map it over chunks.
    """
    it = iter(articles)
    while batch := list(islice(it, batch_size)):
        yield from _extract_batch(batch)


def chunk_doc(nlp: Language, sentences: list[Sentence]) -> Doc:
    """One Doc for the kept sentences of a paragraph, its sentence starts set from the
    first pass's cut (so the sentencizer is skipped) and its text kept for the components."""
    text = " ".join(s.text for s in sentences)
    doc = nlp.make_doc(text)
    starts, offset = [], 0
    for s in sentences:
        starts.append(offset)
        offset += len(s.text) + 1
    if len(doc):
        flags = numpy.where(numpy.isin(doc.to_array(IDX), starts), 1, -1)
        doc.from_array([SENT_START], flags.astype(numpy.uint64))  # type: ignore[arg-type]
    doc.user_data[TEXT] = text
    return doc


def sentence_spans(doc: Doc, sentences: list[Sentence]) -> list[Span]:
    """The token span of each sentence of a chunk doc."""
    idx = doc.to_array(IDX) if len(doc) else numpy.zeros(0)
    out, offset = [], 0
    for s in sentences:
        start = int(numpy.searchsorted(idx, offset))
        end = int(numpy.searchsorted(idx, offset + len(s.text)))
        out.append(doc[start:end])
        offset += len(s.text) + 1
    return out


def paragraphs(sentences: list[Sentence]) -> list[list[Sentence]]:
    """The kept sentences grouped by paragraph, in order."""
    out: list[list[Sentence]] = []
    for s in sentences:
        if out and out[-1][-1].paragraph == s.paragraph:
            out[-1].append(s)
        else:
            out.append([s])
    return out


def _extract_batch(batch: list[Article]) -> Iterator[tuple[Article, list[Event]]]:
    chunks = {id(a): paragraphs(_candidates(a)) if supported(a.language) else [] for a in batch}
    docs: dict[int, list[Doc]] = {}
    for lang in {a.language for a in batch if supported(a.language)}:
        group = [a for a in batch if a.language == lang]
        nlp = build_pipeline(lang)
        parsed = iter(nlp.pipe((chunk_doc(nlp, c) for a in group for c in chunks[id(a)]),
                               batch_size=128, disable=["sentencizer"]))
        for a in group:
            docs[id(a)] = [next(parsed) for _ in chunks[id(a)]]
    for a in batch:
        chunk_docs = docs.get(id(a), [])
        context = place_context(chunk_docs)
        lexicon = load_lexicon(a.language) if supported(a.language) else None
        year = None if a.published is not None else year_hint(a.text)
        facts: list[Facts] = [
            read_facts(s, span, lexicon, a.published, context, year)  # type: ignore[arg-type]
            for chunk, doc in zip(chunks[id(a)], chunk_docs)
            for s, span in zip(chunk, sentence_spans(doc, chunk))
        ]
        yield a, code_article(a, facts)


def extract_events(article: Article) -> list[Event]:
    """The events of one article (see docs/event-coding.md for the rules)."""
    return next(extract_many([article]))[1]
