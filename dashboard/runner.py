"""Run an ingest: read articles, extract events on both cores, store them in bulk.

The parent reads and decodes files, skips articles the database already
holds, and sends batches to a two-process pool that runs
``dashboard.extract.extract_many``. The pool's workers fork from a server
that builds the pipelines (``dashboard.warm``), so both workers start warm and
share that memory; a language the server did not build is built by each worker
when it first meets it. The server is started as soon as the files show that the
pool may be needed (``start_server``: the command line does so before it even
opens the database), and stopped when the ingest turns out small or ends. While it
starts, the parent goes on reading ahead. Finished batches
are written in order, what finished within ``WRITE_SECONDS`` in one transaction.
A handful of articles is extracted in-process (starting the pool would cost more
than it saves). If extraction fails on a batch (or the pool breaks), the batch is
redone in the parent, article by article if need be, so one bad article is
reported and the others still go in.
Cross-article clusters are recomputed once, in the last write's transaction.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from multiprocessing import forkserver
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dashboard.errors import BadInput
from dashboard.ingest import MANIFEST_SUFFIXES, article_files, read_articles
from dashboard.types import Article, Event, EventRow, event_row

if TYPE_CHECKING:
    from dashboard.store import Store

BATCH = 48
"""Articles per extraction batch sent to a worker."""
WRITE_SECONDS = 5.0
"""Extracted batches are gathered this long into one database transaction (a write costs the
parent 40-60 ms of CPU, most of it DuckDB's checkpoint, however few rows it holds)."""
CHECK = 512
"""Articles read ahead and looked up in the database at once (skipping stored ones)."""
SMALL = 16
"""Up to this many articles are extracted without starting the pool."""
MAX_CHUNK_CHARS = 4_000_000
"""A batch or read-ahead holds at most this much article text, however many articles; a write
is made sooner when its batches hold this much."""
START_AHEAD_CHARS = 16_000_000
"""Article text read ahead while the pool starts (the parent's core is free until then)."""
WORKERS = 2
QUEUED_PER_WORKER = 6
"""Batches submitted ahead per worker, so that workers keep busy while the parent writes
(a write of several thousand events takes the parent 0.3-0.5 s)."""
WARM_LANGUAGES = "PROTESTMAP_WARM_LANGUAGES"
"""Environment variable naming the languages whose pipelines the pool's server builds."""
PRELOAD = ["dashboard.runner", "dashboard.warm"]
"""Modules the pool's server imports before it forks workers."""

Extracted = list[tuple[Article, list[EventRow]]]
T = TypeVar("T")


@dataclass
class IngestSummary:
    """Running totals of one ingest (updated per batch; shown by the progress bar).

    An extracted batch counts as added at once; its write corrects ``added``,
    ``known`` and ``events`` to what the database really took.
    """

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


def extract_rows(articles: list[Article]) -> list[list[EventRow]]:
    """The events of each article as rows (what a worker sends back to the parent).

    >>> extract_rows([])
    []
    """
    return [[event_row(e) for e in events] for events in extract_batch(articles)]


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
    empty = store.is_empty()
    if workers >= 1:
        start_server(paths, None if empty else store.path)
    try:
        stream = _new_articles(read_articles(paths, published=published, source=source,
                                             language=language), store, empty, summary, on_error)
        first = list(islice(stream, SMALL + 1))
        articles = _chunks(_chain(first, stream), BATCH)
        if len(first) <= SMALL or workers < 1:
            stop_server()
            batches: Iterable[Extracted] = _inline(articles, summary, on_error)
        else:
            batches = _pooled(articles, workers, {a.language for a in first}, summary, on_error)
        reclustered = _write_all(batches, store, summary, on_update)
    finally:
        stop_server()
    if summary.events and not reclustered:
        store.recluster()
    summary.seconds = time.perf_counter() - started
    on_update(summary)
    return summary


def _write_all(batches: Iterable[Extracted], store: Store, summary: IngestSummary,
               on_update: Callable[[IngestSummary], None]) -> bool:
    """Count each batch as it comes; write what came within ``WRITE_SECONDS`` at once.

    The last write also recomputes the clusters in its transaction when it adds events
    (one checkpoint fewer after the workers are done); returns whether it did.
    """
    pending: Extracted = []
    pending_chars = 0
    written = time.monotonic()
    for batch in batches:
        summary.added += len(batch)
        summary.events += sum(len(events) for _, events in batch)
        on_update(summary)
        pending.extend(batch)
        pending_chars += sum(len(a.text) for a, _ in batch)
        if time.monotonic() - written >= WRITE_SECONDS or pending_chars >= MAX_CHUNK_CHARS:
            _write(store, pending, summary, on_update)
            pending, pending_chars, written = [], 0, time.monotonic()
    return _write(store, pending, summary, on_update, recluster=True)


def _chain(first: list[T], rest: Iterator[T]) -> Iterator[T]:
    yield from first
    yield from rest


def _new_articles(items: Iterator[Article | BadInput], store: Store, empty: bool,
                  summary: IngestSummary, on_error: Callable[[str], None]) -> Iterator[Article]:
    """Good articles not yet stored nor seen in this run; bad ones reported.

    A database ``empty`` at the start is not asked again: an article that another process
    stores meanwhile is extracted here too, and the write then counts it as known.
    """
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
        known = set() if empty else store.known_ids([a.article_id for a in good])
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
        return list(zip(batch, extract_rows(batch)))
    except Exception:  # noqa: BLE001 - any extraction bug costs one batch, not the ingest
        return _one_by_one(batch, summary, on_error)


def _pooled(batches: Iterator[list[Article]], workers: int, languages: set[str],
            summary: IngestSummary, on_error: Callable[[str], None]) -> Iterator[Extracted]:
    """Batches extracted by ``workers`` processes, in order; read ahead while they start."""
    context = _pool_context(languages)
    in_flight: deque[tuple[list[Article], Future[list[list[EventRow]]]]] = deque()
    backlog: list[list[Article]] = []
    backlog_chars = 0
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        starting = threading.Thread(target=_start, args=(pool, workers), daemon=True)
        starting.start()
        try:
            for batch in batches:
                backlog.append(batch)
                backlog_chars += sum(len(a.text) for a in batch)
                if starting.is_alive() and backlog_chars < START_AHEAD_CHARS:
                    continue
                starting.join()
                in_flight.extend((b, _submit(pool, b)) for b in backlog)
                backlog, backlog_chars = [], 0
                while len(in_flight) > QUEUED_PER_WORKER * workers:
                    yield _collect(*in_flight.popleft(), summary, on_error)
            starting.join()
            in_flight.extend((b, _submit(pool, b)) for b in backlog)
            while in_flight:
                yield _collect(*in_flight.popleft(), summary, on_error)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start the pool's processes (each ``submit`` waits until the fork server is ready)."""
    with suppress(Exception):  # a broken pool shows in the real batches, which are redone here
        for _ in range(workers):
            pool.submit(int)


def _pool_context(languages: set[str]) -> multiprocessing.context.BaseContext:
    """Workers fork from a server that has built the pipelines of ``languages`` (or of all
    languages, when ``start_server`` started it earlier)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    before = os.environ.get(WARM_LANGUAGES)
    os.environ[WARM_LANGUAGES] = ",".join(sorted(languages))
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ[WARM_LANGUAGES]
        else:
            os.environ[WARM_LANGUAGES] = before
    return context


def start_server(paths: Sequence[Path], db: Path | None = None) -> bool:
    """Start the pool's fork server now if ``paths`` may hold more than ``SMALL`` new articles.

    Files last changed before the database ``db`` (if it exists) are guessed to be
    stored in it already: a wrong guess only leaves the server to be started once the
    ingest has found more than ``SMALL`` new articles. The server builds the pipelines
    of all languages (those of the articles are not known yet) while the caller goes
    on; ``stop_server`` ends it if it is not needed. Returns whether a server runs or
    was asked for (one already running is kept, and the files are not walked again).

    >>> start_server([Path("no such folder")])
    False
    """
    if _server_pid() is not None:
        return True
    if not _may_hold_more_than(SMALL, paths, _changed(db) if db else -math.inf):
        return False
    forkserver.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()
    return True


def stop_server() -> None:
    """Stop the pool's fork server, if one runs (at once, even while it is still building).

    >>> stop_server()
    """
    pid = _server_pid()
    if pid is None:
        return
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    forkserver._forkserver._stop()  # type: ignore[attr-defined]


def _server_pid() -> int | None:
    """The fork server's process id, None when none runs (multiprocessing has no public
    way to ask or to stop it)."""
    return getattr(forkserver._forkserver, "_forkserver_pid", None)


def _may_hold_more_than(limit: int, paths: Sequence[Path], since: float = -math.inf) -> bool:
    """Whether the files under ``paths`` changed after ``since`` (a time stamp) may hold more
    than ``limit`` articles (a manifest counts each line as one).

    >>> _may_hold_more_than(0, [Path("no such folder")])
    False
    """
    count = 0
    for file in _files(paths):
        if _changed(file) <= since:
            continue
        count += _lines(file, limit) + 1 if file.suffix.lower() in MANIFEST_SUFFIXES else 1
        if count > limit:
            return True
    return False


def _changed(path: Path) -> float:
    """When ``path`` was last modified (minus infinity if it does not exist)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return -math.inf


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in map(Path, paths):
        if path.is_dir():
            yield from article_files(path)
        elif path.is_file():
            yield path


def _lines(file: Path, limit: int) -> int:
    """Line breaks in ``file``, counted up to just past ``limit`` (0 if it cannot be read)."""
    count = 0
    with suppress(OSError), file.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            count += block.count(b"\n")
            if count > limit:
                break
    return count


def _submit(pool: ProcessPoolExecutor, batch: list[Article]) -> Future[list[list[EventRow]]]:
    try:
        return pool.submit(extract_rows, batch)
    except BrokenProcessPool as exc:
        failed: Future[list[list[EventRow]]] = Future()
        failed.set_exception(exc)
        return failed


def _collect(batch: list[Article], future: Future[list[list[EventRow]]], summary: IngestSummary,
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
            done.append((article, extract_rows([article])[0]))
        except Exception as exc:  # noqa: BLE001 - reported as this article's error
            message = f"{article.path or article.article_id}: extraction failed " \
                      f"({type(exc).__name__}: {exc})"
            summary.errors.append(message)
            on_error(message)
    return done


def _write(store: Store, batch: Extracted, summary: IngestSummary,
           on_update: Callable[[IngestSummary], None], *, recluster: bool = False) -> bool:
    """Store ``batch`` in one transaction; returns whether that recomputed the clusters."""
    if not batch:
        return False
    result = store.add_rows(batch, recluster=recluster)
    summary.added += result.articles_added - len(batch)
    summary.known += result.articles_known
    summary.events += result.events_added - sum(len(events) for _, events in batch)
    summary.words += result.words_added
    on_update(summary)
    return recluster and result.events_added > 0
