"""Run an ingest: read articles, extract events on both cores, store them in bulk.

The parent reads and decodes files, skips articles the database already
holds, and sends batches to a two-process pool that runs
``dashboard.extract.extract_many``. The pool's workers fork from a server
started first thing, which builds the pipelines while the parent reads
(``dashboard.warm``), so both workers start warm and share that memory.
Finished batches are written in order, a
few at a time, each write one transaction. A handful of articles is extracted
in-process (starting the pool would cost more than it saves). If extraction
fails on a batch (or the pool breaks), the batch is redone in the parent, article
by article if need be, so one bad article is reported and the others still go in.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from multiprocessing import forkserver
from pathlib import Path
from typing import TypeVar

from dashboard.errors import BadInput
from dashboard.ingest import HTML_SUFFIXES, TEXT_SUFFIXES, read_articles
from dashboard.store import Store
from dashboard.types import Article, Event

BATCH = 48
"""Articles per extraction batch sent to a worker."""
WRITE_EVERY = 8
"""Extraction batches gathered into one database transaction."""
CHECK = 512
"""Articles read ahead and looked up in the database at once (skipping stored ones)."""
SMALL = 16
"""Up to this many articles are extracted without starting the pool."""
MAX_CHUNK_CHARS = 4_000_000
"""A batch or read-ahead holds at most this much article text, however many articles."""
WORKERS = 2
SINGLE = TEXT_SUFFIXES | HTML_SUFFIXES

Extracted = list[tuple[Article, list[Event]]]
T = TypeVar("T")


@dataclass
class IngestSummary:
    """Running totals of one ingest (updated as it goes; shown by the progress bar)."""

    articles: int = 0
    added: int = 0
    known: int = 0
    events: int = 0
    errors: list[str] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0


def extract_batch(articles: list[Article]) -> list[list[Event]]:
    """Events of each article, in order (runs in a worker process).

    >>> extract_batch([])
    []
    """
    from dashboard.extract import extract_many

    return [events for _, events in extract_many(articles)]


def ingest(
    paths: Sequence[Path],
    store: Store,
    *,
    published: date | None = None,
    source: str | None = None,
    language: str | None = None,
    workers: int = WORKERS,
    on_update: Callable[[IngestSummary], None] = lambda s: None,
    on_error: Callable[[str], None] = lambda msg: None,
) -> IngestSummary:
    """Ingest every article under ``paths`` into ``store``; returns what was done.

    Each bad file or row is passed to ``on_error`` as one ``PATH: problem`` line.
    """
    started = time.perf_counter()
    summary = IngestSummary()
    store.create_schema()
    if workers >= 2 and not _few_files(paths):
        _pool_context()
        forkserver.ensure_running()
    stream = _new_articles(read_articles(paths, published=published, source=source,
                                         language=language), store, summary, on_error)
    first = list(islice(stream, SMALL + 1))
    articles = _chunks(_chain(first, stream), BATCH)
    if len(first) <= SMALL or workers < 2:
        batches: Iterable[Extracted] = _inline(articles, summary, on_error)
    else:
        batches = _pooled(articles, workers, summary, on_error)
    pending: Extracted = []
    for i, batch in enumerate(batches, start=1):
        pending.extend(batch)
        if i % WRITE_EVERY == 0:
            _write(store, pending, summary, on_update)
            pending = []
    _write(store, pending, summary, on_update)
    summary.seconds = time.perf_counter() - started
    on_update(summary)
    return summary


def _few_files(paths: Sequence[Path]) -> bool:
    """Whether ``paths`` are a handful of single-article files (no folder, no manifest).

    >>> _few_files([Path("a.txt"), Path("b.html")]), _few_files([Path("seeds")])
    (True, False)
    """
    return len(paths) <= SMALL and all(Path(p).suffix.lower() in SINGLE for p in paths)


def _chain(first: list[T], rest: Iterator[T]) -> Iterator[T]:
    yield from first
    yield from rest


def _new_articles(items: Iterator[Article | BadInput], store: Store, summary: IngestSummary,
                  on_error: Callable[[str], None]) -> Iterator[Article]:
    """Good articles not yet stored nor seen in this run; bad ones reported."""
    seen: set[str] = set()
    first = list(islice(items, SMALL + 1))
    for chunk in _chain([first], _chunks(items, CHECK)):
        good = []
        for item in chunk:
            if isinstance(item, BadInput):
                summary.errors.append(str(item))
                on_error(str(item))
            elif item.article_id in seen:
                summary.known += 1
            else:
                seen.add(item.article_id)
                good.append(item)
        known = store.known_ids([a.article_id for a in good])
        summary.known += len(known)
        summary.articles += len(chunk) - sum(isinstance(x, BadInput) for x in chunk)
        yield from (a for a in good if a.article_id not in known)


def _chunks(items: Iterator[T], size: int, max_chars: int = MAX_CHUNK_CHARS) -> Iterator[list[T]]:
    """Lists of up to ``size`` items whose article texts hold at most ``max_chars`` in all.

    >>> [len(c) for c in _chunks(iter([Article("a", "x" * 4, "en")] * 5), 4, max_chars=10)]
    [2, 2, 1]
    """
    chunk: list[T] = []
    chars = 0
    for item in items:
        length = len(item.text) if isinstance(item, Article) else 0
        if chunk and (len(chunk) == size or chars + length > max_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(item)
        chars += length
    if chunk:
        yield chunk


def _inline(batches: Iterator[list[Article]], summary: IngestSummary,
            on_error: Callable[[str], None]) -> Iterator[Extracted]:
    for batch in batches:
        yield _here(batch, summary, on_error)


def _here(batch: list[Article], summary: IngestSummary,
          on_error: Callable[[str], None]) -> Extracted:
    """Extract in this process: the whole batch, or article by article if that fails."""
    try:
        return list(zip(batch, extract_batch(batch)))
    except Exception:  # noqa: BLE001 - any extraction bug costs one batch, not the ingest
        return _one_by_one(batch, summary, on_error)


def _pooled(batches: Iterator[list[Article]], workers: int, summary: IngestSummary,
            on_error: Callable[[str], None]) -> Iterator[Extracted]:
    context = _pool_context()
    in_flight: deque[tuple[list[Article], Future[list[list[Event]]]]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        try:
            for batch in batches:
                in_flight.append((batch, _submit(pool, batch)))
                if len(in_flight) > 2 * workers:
                    yield _collect(*in_flight.popleft(), summary, on_error)
            while in_flight:
                yield _collect(*in_flight.popleft(), summary, on_error)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a server that has already built the extraction pipelines."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dashboard.runner", "dashboard.warm"])
    return context


def _submit(pool: ProcessPoolExecutor, batch: list[Article]) -> Future[list[list[Event]]]:
    try:
        return pool.submit(extract_batch, batch)
    except BrokenProcessPool as exc:
        failed: Future[list[list[Event]]] = Future()
        failed.set_exception(exc)
        return failed


def _collect(batch: list[Article], future: Future[list[list[Event]]], summary: IngestSummary,
             on_error: Callable[[str], None]) -> Extracted:
    try:
        return list(zip(batch, future.result()))
    except Exception:  # noqa: BLE001 - a worker's error or a broken pool: redo it here
        return _here(batch, summary, on_error)


def _one_by_one(batch: list[Article], summary: IngestSummary,
                on_error: Callable[[str], None]) -> Extracted:
    done = []
    for article in batch:
        try:
            done.append((article, extract_batch([article])[0]))
        except Exception as exc:  # noqa: BLE001 - reported as this article's error
            message = f"{article.path or article.article_id}: extraction failed " \
                      f"({type(exc).__name__}: {exc})"
            summary.errors.append(message)
            on_error(message)
    return done


def _write(store: Store, batch: Extracted, summary: IngestSummary,
           on_update: Callable[[IngestSummary], None]) -> None:
    if not batch:
        return
    result = store.add(batch)
    summary.added += result.articles_added
    summary.known += result.articles_known
    summary.events += result.events_added
    summary.words += sum(len(a.text.split()) for a, _ in batch)
    on_update(summary)
