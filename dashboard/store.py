"""The event database: DuckDB tables ``articles``, ``events``, ``review``, ``clusters``, ``meta``.

DuckDB lets one process write a file at a time, so every operation attaches
the file to this process's in-memory DuckDB (retrying while another process
holds the lock) and detaches it afterwards: concurrent ingests take turns batch
by batch, and a dashboard reading the file waits at most one batch. Attaching
costs about 2 ms of CPU where opening a new database instance costs about 16 ms
(DuckDB registers its built-in functions for every instance). Rows go in as
Arrow tables, one transaction per batch; an article already stored is skipped,
so re-ingesting is a no-op. Analyst corrections live in ``review`` and are
applied on read.

Cross-article clusters (:mod:`dashboard.merge`) are computed at write time: each
write (a batch, a review, an undo) recomputes them in its own transaction and
stores them in ``clusters``, so readers get ``cluster_id`` and ``merge_reason``
without merging. The whole table is recomputed from the stored events and
reviews, so the result does not depend on the order articles came in.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.util import find_spec
from operator import itemgetter
from pathlib import Path
from typing import Any, Self

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.errors import BadInput, StoreError
from dashboard.merge import REVIEW_FIELD, SPLIT, merge_events, with_cluster_reviews
from dashboard.paths import default_db_path
from dashboard.types import EVENT_COLUMNS, Article, Event, EventRow, event_row

SCHEMA_VERSION = 2
UPGRADABLE = frozenset({1})
"""Older schema versions this one upgrades in place (version 2 added ``clusters``)."""
LOCK_TIMEOUT = 120.0
"""Seconds to wait for another process's write lock before giving up."""
ALIAS = "store"
"""Name under which an operation attaches the database file."""

DATE_COLUMNS = frozenset({"event_date", "date_end"})
INT_COLUMNS = frozenset({"time_precision", "geo_precision", "geonameid", "fatalities",
                         "injuries", "arrests", "crowd_size", "sentence_index"})
FLOAT_COLUMNS = frozenset({"latitude", "longitude"})
COUNT_FIELDS = ("fatalities", "injuries", "arrests", "crowd_size")
REVIEWABLE = ("event_type", "sub_event_type", *COUNT_FIELDS, "event_date", "kind", "notes",
              REVIEW_FIELD)
"""Fields an analyst may correct; ``cluster`` takes the value ``split``."""
ACLED_TYPES = {
    "Protests": ("Peaceful protest", "Protest with intervention",
                 "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Violence against civilians": ("Sexual violence", "Attack",
                                   "Abduction/forced disappearance"),
    "Battles": ("Armed clash", "Government regains territory",
                "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"),
    "Strategic developments": ("Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}
"""ACLED event types and their sub-event types (the values a review may set)."""
MERGE_COLUMNS = ("event_id", "article_id", "kind", "event_type", "location", "geonameid",
                 "geo_precision", "latitude", "longitude", "event_date", "date_end")
ARTICLE_COLUMNS = ("article_id", "title", "published", "source", "url", "language", "path",
                   "text", "n_words", "ingested_at")


def _arrow_type(column: str) -> pa.DataType:
    if column in DATE_COLUMNS:
        return pa.date32()
    if column in INT_COLUMNS:
        return pa.int64()
    if column in FLOAT_COLUMNS:
        return pa.float64()
    return pa.string()


EVENT_SCHEMA = pa.schema([(c, _arrow_type(c)) for c in EVENT_COLUMNS])
ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("title", pa.string()), ("published", pa.date32()),
    ("source", pa.string()), ("url", pa.string()), ("language", pa.string()),
    ("path", pa.string()), ("text", pa.string()), ("n_words", pa.int64()),
    ("ingested_at", pa.timestamp("us")),
])
_SQL_TYPES = {pa.string(): "VARCHAR", pa.date32(): "DATE", pa.int64(): "BIGINT",
              pa.float64(): "DOUBLE", pa.timestamp("us"): "TIMESTAMP"}


ZSTD_COLUMNS = frozenset({"text", "evidence"})
"""Long free text, stored with zstd instead of DuckDB's own choice (dictionary + FSST): the
database of the 20 MB bench corpus is half the size (37.8 -> 19.4 MB) and the checkpoints of
its writes cost about 0.35 s less CPU (1.0 -> 0.65 s)."""


def _ddl(table: str, schema: pa.Schema, key: str) -> str:
    cols = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}"
                     + (" USING COMPRESSION zstd" if f.name in ZSTD_COLUMNS else "")
                     + (" PRIMARY KEY" if f.name == key else "") for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


SCHEMA_SQL = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    _ddl("articles", ARTICLE_SCHEMA, "article_id"),
    _ddl("events", EVENT_SCHEMA, "event_id"),
    "CREATE SEQUENCE IF NOT EXISTS review_seq",
    ("CREATE TABLE IF NOT EXISTS review (review_id BIGINT DEFAULT nextval('review_seq'), "
    "event_id VARCHAR NOT NULL, field VARCHAR NOT NULL, value VARCHAR, note VARCHAR, "
    "created_at TIMESTAMP)"),
    ("CREATE TABLE IF NOT EXISTS clusters (event_id VARCHAR NOT NULL, "
     "cluster_id VARCHAR NOT NULL, merge_reason VARCHAR NOT NULL)"),
)
ROW_INDEX = {column: i for i, column in enumerate(EVENT_COLUMNS[1:])}
"""Position of each column in an ``EventRow``."""
CLUSTER_SCHEMA = pa.schema([("event_id", pa.string()), ("cluster_id", pa.string()),
                            ("merge_reason", pa.string())])


def event_ids(article_id: str, events: Sequence[Event]) -> list[str]:
    """Stable ids: hash of article, sentence, type, place and kind (numbered on a tie).

    Re-extracting an article gives the same ids, so analyst reviews stay attached.

    >>> from dashboard.types import Place
    >>> e = Event(article_id="a1", event_date=None, event_type="Protests",
    ...           sub_event_type="Peaceful protest", kind="incident",
    ...           place=Place("Almaty", None, None), evidence="...")
    >>> a, b = event_ids("a1", [e, e])
    >>> a == event_ids("a1", [e])[0], a != b
    (True, True)
    """
    return _ids(article_id, [(e.sentence_index, e.event_type, e.place.name, e.kind)
                             for e in events])


def _ids(article_id: str, keys: Iterable[tuple[int, str, str, str]]) -> list[str]:
    """:func:`event_ids` from each event's sentence index, type, place name and kind."""
    seen: dict[str, int] = {}
    ids = []
    for sentence, event_type, place, kind in keys:
        key = "\x1f".join((article_id, str(sentence), event_type, place, kind))
        n = seen[key] = seen.get(key, -1) + 1
        ids.append(hashlib.sha256(f"{key}\x1f{n}".encode()).hexdigest()[:24])
    return ids


@dataclass(frozen=True)
class AddResult:
    """What one ``Store.add`` stored."""

    articles_added: int
    articles_known: int
    events_added: int
    words_added: int


class _Host:
    """This process's in-memory DuckDB, into which operations attach database files.

    One DuckDB thread: the ingest's extraction workers need the other core.
    A forked child makes its own (the parent's is never used nor closed there).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._connections: dict[int, duckdb.DuckDBPyConnection] = {}
        os.register_at_fork(after_in_child=self._after_fork)

    def connection(self) -> duckdb.DuckDBPyConnection:
        pid = os.getpid()
        if pid not in self._connections:
            self._connections[pid] = duckdb.connect(":memory:", config={"threads": 1})
        return self._connections[pid]

    def _after_fork(self) -> None:
        self.lock = threading.Lock()


_HOST = _Host()


class Store:
    """The DuckDB event database at ``path`` (created with its schema on entry).

    >>> import tempfile
    >>> with Store(Path(tempfile.mkdtemp()) / "e.duckdb") as store:
    ...     r = store.add([(Article(article_id="a1", text="Proteste.", language="de"), [])])
    ...     (r.articles_added, len(store.articles_frame()), list(store.events_frame().columns[:2]))
    (1, 1, ['event_id', 'article_id'])
    """

    def __init__(self, path: Path | str | None = None, *, lock_timeout: float = LOCK_TIMEOUT):
        self.path = Path(path) if path is not None else default_db_path()
        self.lock_timeout = lock_timeout

    def __enter__(self) -> Self:
        self.create_schema()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def create_schema(self) -> None:
        """Create the tables if missing (upgrading an older schema); refuse an unknown one.

        A new database is built under a temporary name and linked into place, so
        another process never finds a half-created file there.
        """
        if not self.path.exists():
            self._create_new()
        if self.path.exists():
            with self._connect(read_only=True) as con:
                if _schema_version(con) == SCHEMA_VERSION:
                    return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as con:
            found = _schema_version(con)
            if found not in (None, SCHEMA_VERSION, *UPGRADABLE):
                raise StoreError(f"{self.path}: database has schema version {found}, this "
                                 f"protestmap writes version {SCHEMA_VERSION}; use a new --db")
            for statement in SCHEMA_SQL:
                con.execute(statement)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO UPDATE "
                        "SET value = excluded.value", [str(SCHEMA_VERSION)])
            if found in UPGRADABLE:
                _recluster(con)

    def _create_new(self) -> None:
        """A database with the schema at ``path``, unless one appeared there meanwhile."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{random.getrandbits(32):x}")
        try:
            with Store(tmp)._connect() as con:
                for statement in SCHEMA_SQL:
                    con.execute(statement)
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                con.execute("CHECKPOINT")
            with suppress(FileExistsError):
                os.link(tmp, self.path)
        except (OSError, StoreError, duckdb.Error):
            return
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(f"{tmp.name}.wal").unlink(missing_ok=True)

    @contextmanager
    def _connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The database attached as the default catalog of this process's host connection.

        Operations of one process take turns (the host holds one file at a time);
        another process's lock is waited for, up to ``lock_timeout``.
        """
        with _HOST.lock:
            con = _HOST.connection()
            self._attach(con, self.path, read_only=read_only)
            try:
                con.execute(f"USE {ALIAS}")
                yield con
            finally:
                con.execute("USE memory")
                con.execute(f"DETACH {ALIAS}")

    def _attach(self, con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        mode = " (READ_ONLY)" if read_only else ""
        while True:
            try:
                con.execute(f"ATTACH ? AS {ALIAS}{mode}", [str(path)])
                return
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(f"{path}: cannot open the database ({exc})") from None
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{path}: database is locked by another process; gave up after "
                        f"{self.lock_timeout:.0f} s") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise StoreError(f"{path}: cannot open the database ({exc})") from None

    def add(self, batch: Sequence[tuple[Article, Sequence[Event]]], *,
            recluster: bool = True) -> AddResult:
        """Store a batch of articles with their events in one transaction.

        Articles already in the database (by ``article_id``) and their events are skipped.
        The clusters are recomputed in the same transaction when events were added,
        unless ``recluster`` is false (then call :meth:`recluster` after the last batch).
        """
        return self.add_rows([(a, [event_row(e) for e in events]) for a, events in batch],
                             recluster=recluster)

    def add_rows(self, batch: Sequence[tuple[Article, Sequence[EventRow]]], *,
                 recluster: bool = True) -> AddResult:
        """:meth:`add` for events given as rows (:func:`event_row`), cheap to send between
        processes."""
        first: dict[str, tuple[Article, Sequence[EventRow]]] = {}
        for article, rows in batch:
            first.setdefault(article.article_id, (article, rows))
        unique = list(first.values())
        if not unique:
            return AddResult(0, 0, 0, 0)
        with self._transaction() as con:
            known = _stored(con, [a.article_id for a, _ in unique])
            fresh = [(a, rows) for a, rows in unique if a.article_id not in known]
            articles, events = _articles_table([a for a, _ in fresh]), _events_table(fresh)
            self._insert(con, "articles", articles)
            self._insert(con, "events", events)
            if recluster and events.num_rows:
                _recluster(con)
        words = pc.sum(articles["n_words"]).as_py() or 0
        return AddResult(len(fresh), len(known), events.num_rows, words)

    def recluster(self) -> int:
        """Recompute every cross-article cluster from the stored events and reviews.

        Returns the number of clusters (an event alone is its own cluster).
        """
        with self._transaction() as con:
            return _recluster(con)

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection inside one transaction: committed, or rolled back on any error."""
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise StoreError(f"{self.path}: nothing written, nothing changed ({exc})") from None
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        con.register("new_rows", rows)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")
        finally:
            con.unregister("new_rows")

    def is_empty(self) -> bool:
        """Whether no article is stored yet."""
        with self._connect(read_only=True) as con:
            return con.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` whose article is already stored."""
        if not ids:
            return set()
        with self._connect(read_only=True) as con:
            return _stored(con, ids)

    def add_review(self, event_id: str, field: str, value: str | None, note: str = "") -> int:
        """Record an analyst's correction of one field of one event; returns its review id.

        The correction is applied on read and survives re-ingesting; clusters are
        recomputed at once. Field ``cluster`` with value ``split`` keeps the event
        out of any cross-article cluster.
        """
        value = check_review(field, value)
        with self._transaction() as con:
            if not con.execute("SELECT 1 FROM events WHERE event_id = ?", [event_id]).fetchone():
                raise BadInput(f"review: no event with id '{event_id}'")
            row = con.execute(
                "INSERT INTO review (event_id, field, value, note, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING review_id",
                [event_id, field, value, note, _now()]).fetchone()
            _recluster(con)
        return int(row[0]) if row else 0

    def undo_review(self, review_id: int) -> None:
        """Remove one review (the field shows its previous value again); clusters recomputed."""
        with self._transaction() as con:
            if not con.execute("DELETE FROM review WHERE review_id = ? RETURNING review_id",
                               [review_id]).fetchone():
                raise BadInput(f"review: no review with id {review_id}")
            _recluster(con)

    def reviews_frame(self) -> pd.DataFrame:
        """Every review, oldest first: review_id, event_id, field, value, note, created_at."""
        with self._connect(read_only=True) as con:
            return con.execute("SELECT review_id, event_id, field, value, note, created_at "
                               "FROM review ORDER BY created_at, review_id").df()

    def events_frame(self) -> pd.DataFrame:
        """All events (``EVENT_COLUMNS`` + ``published``, ``title``, ``cluster_id``,
        ``merge_reason``), reviews applied.

        Dates are datetime64, counts nullable Int64, coordinates float64. An event
        merged with no other is its own cluster (``cluster_id`` = its ``event_id``,
        ``merge_reason`` empty).
        """
        with self._connect(read_only=True) as con:
            return _read_events(con)

    def articles_frame(self, *, with_text: bool = False) -> pd.DataFrame:
        """One row per article (the text itself only when asked for)."""
        cols = [c for c in ARTICLE_COLUMNS if with_text or c != "text"]
        with self._connect(read_only=True) as con:
            df = con.execute(f"SELECT {', '.join(cols)} FROM articles "
                             "ORDER BY published NULLS LAST, article_id").df()
        df["published"] = pd.to_datetime(df["published"])
        df["n_words"] = df["n_words"].astype("Int64")
        return df

    def versions(self) -> dict[str, Any]:
        """Schema, data (articles, events, reviews and a digest of both) and gazetteer versions."""
        with self._connect(read_only=True) as con:
            n_articles, digest = con.execute(
                "SELECT count(*), md5(coalesce(string_agg(article_id, ',' ORDER BY article_id),"
                " '') || coalesce((SELECT string_agg(review_id::VARCHAR, ',' ORDER BY review_id)"
                " FROM review), '')) FROM articles").fetchone() or (0, "")
            n_events = _count(con, "events")
            n_reviews = _count(con, "review")
        return {
            "schema": SCHEMA_VERSION,
            "articles": n_articles,
            "events": n_events,
            "reviews": n_reviews,
            "data": f"{n_articles}-{n_reviews}-{digest[:12]}",
            "gazetteer": gazetteer_version(),
        }


def _stored(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    rows = con.execute("SELECT article_id FROM articles WHERE article_id IN "
                       "(SELECT unnest(?::VARCHAR[]))", [list(ids)]).fetchall()
    return {r[0] for r in rows}


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    has_meta = con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_catalog = current_database() AND table_name = 'meta'"
                           ).fetchone()
    if not has_meta or not has_meta[0]:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


@cache
def gazetteer_version() -> str:
    """Digest of the gazetteer's data files (``"none"`` when it ships no data)."""
    spec = find_spec("gazetteer")
    roots = list(spec.submodule_search_locations or []) if spec else []
    data = [p for root in roots for p in sorted((Path(root) / "data").glob("*")) if p.is_file()]
    digest = hashlib.sha256()
    for path in data:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12] if data else "none"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _articles_table(articles: Sequence[Article]) -> pa.Table:
    columns: dict[str, list[Any]] = {
        "article_id": [a.article_id for a in articles], "title": [a.title for a in articles],
        "published": [a.published for a in articles], "source": [a.source for a in articles],
        "url": [a.url for a in articles], "language": [a.language for a in articles],
        "path": [a.path for a in articles], "text": [a.text for a in articles],
        "n_words": [len(a.text.split()) for a in articles],
        "ingested_at": [_now()] * len(articles),
    }
    return _table(columns, ARTICLE_SCHEMA)


def _events_table(batch: Sequence[tuple[Article, Sequence[EventRow]]]) -> pa.Table:
    """One row per event (``EVENT_SCHEMA``); language, source and URL default to the article's."""
    ids: list[str] = []
    rows: list[EventRow] = []
    articles: list[Article] = []
    key = itemgetter(*(ROW_INDEX[c] for c in ("sentence_index", "event_type", "location", "kind")))
    for article, events in batch:
        ids += _ids(article.article_id, map(key, events))
        rows += events
        articles += [article] * len(events)
    columns: dict[str, Sequence[Any]] = dict(zip(EVENT_COLUMNS[1:], zip(*rows)))
    columns["event_id"] = ids
    columns["article_id"] = [a.article_id for a in articles]
    for column, field in (("language", "language"), ("source", "source"),
                          ("source_url", "url")):
        columns[column] = [value or getattr(article, field) for value, article
                           in zip(columns.get(column, ()), articles)]
    return _table(columns, EVENT_SCHEMA)


def _table(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """The Arrow table of ``columns`` (a missing column is empty: a table without rows)."""
    return pa.Table.from_arrays([pa.array(columns.get(f.name, ()), f.type) for f in schema],
                                schema=schema)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for col in df.columns:
        if col in DATE_COLUMNS or col == "published":
            df[col] = pd.to_datetime(df[col])
        elif col in INT_COLUMNS:
            df[col] = df[col].astype("Int64")
        elif col in FLOAT_COLUMNS:
            df[col] = df[col].astype("float64")
        else:
            df[col] = df[col].astype("str")
    return df


def check_review(field: str, value: str | None) -> str:
    """``value`` as stored for a review of ``field``; ``BadInput`` (one line) if it cannot be.

    A count may be emptied with ``""`` (the article states none).

    >>> check_review("fatalities", " 30 "), check_review("cluster", "split")
    ('30', 'split')
    >>> check_review("kind", "rumour")
    Traceback (most recent call last):
    dashboard.errors.BadInput: review: kind must be one of incident, tally, not 'rumour'
    """
    text = (value or "").strip()
    if field not in REVIEWABLE:
        raise BadInput(f"review: field '{field}' cannot be corrected "
                       f"(one of {', '.join(REVIEWABLE)})")
    allowed = {"event_type": tuple(ACLED_TYPES), "kind": ("incident", "tally"),
               "sub_event_type": tuple(s for subs in ACLED_TYPES.values() for s in subs),
               REVIEW_FIELD: (SPLIT,)}.get(field)
    if allowed is not None and text not in allowed:
        raise BadInput(f"review: {field} must be one of {', '.join(allowed)}, not '{text}'")
    if field in COUNT_FIELDS and text and not (text.isascii() and text.isdigit()):
        raise BadInput(f"review: {field} must be a whole number of people or empty, not '{text}'")
    if field == "event_date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"review: event_date must be a date YYYY-MM-DD, not '{text}'") from None
    return str(int(text)) if field in COUNT_FIELDS and text else text


def _read_events(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every event column with article columns and clusters, reviews applied."""
    cols = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    df = con.execute(
        f"SELECT {cols}, a.published, a.title, coalesce(c.cluster_id, e.event_id) AS cluster_id, "
        "coalesce(c.merge_reason, '') AS merge_reason FROM events e "
        "LEFT JOIN articles a USING (article_id) LEFT JOIN clusters c USING (event_id) "
        "ORDER BY e.event_date NULLS LAST, e.article_id, e.sentence_index, e.event_id"
    ).df()
    return _apply_reviews(_typed(df), _latest_reviews(con))


def _merge_input(con: duckdb.DuckDBPyConnection, reviews: pd.DataFrame) -> pd.DataFrame:
    """The events' ``MERGE_COLUMNS``, ``reviews`` (:func:`_latest_reviews`) applied, typed as
    :func:`_read_events` types them.

    Rows come in stored order (merging does not depend on it), through Arrow, which costs a
    fifth of DuckDB's own DataFrame conversion.
    """
    cols = ", ".join(f"{c}::TIMESTAMP AS {c}" if c in DATE_COLUMNS else c for c in MERGE_COLUMNS)
    df = con.sql(f"SELECT {cols} FROM events").to_arrow_table().to_pandas()
    return _apply_reviews(_typed(df), reviews)


def _latest_reviews(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The last review of each reviewed field of each event: event_id, field, value."""
    return con.execute(
        "SELECT event_id, field, value FROM review QUALIFY row_number() OVER "
        "(PARTITION BY event_id, field ORDER BY created_at DESC, review_id DESC) = 1 "
        "ORDER BY event_id, field"
    ).df()


def _recluster(con: duckdb.DuckDBPyConnection) -> int:
    """Replace the ``clusters`` table by a fresh :func:`merge_events` of every event."""
    reviews = _latest_reviews(con)
    merged = merge_events(with_cluster_reviews(_merge_input(con, reviews), reviews))
    rows = pa.Table.from_pandas(merged[["event_id", "cluster_id", "merge_reason"]],
                                schema=CLUSTER_SCHEMA, preserve_index=False)
    con.execute("DELETE FROM clusters")
    con.register("new_clusters", rows)
    try:
        con.execute("INSERT INTO clusters SELECT * FROM new_clusters")
    finally:
        con.unregister("new_clusters")
    return int(merged["cluster_id"].nunique())


def _apply_reviews(df: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the reviewed fields replaced (columns it lacks are left alone).

    A reviewed count is ``exact`` (or has no qualifier when emptied); a reviewed
    ``event_date`` makes the event a one-day event.
    """
    if reviews.empty or df.empty:
        return df
    position = pd.Series(range(len(df)), index=df["event_id"])
    for field, group in reviews.groupby("field"):
        if field not in REVIEWABLE or field not in df:
            continue
        group = group[group["event_id"].isin(position.index)]
        rows = position[group["event_id"]].to_numpy()
        values = group["value"].replace("", None)
        if field in DATE_COLUMNS:
            cast: pd.Series = pd.to_datetime(values, errors="coerce")
        elif field in INT_COLUMNS:
            cast = pd.to_numeric(values, errors="coerce").astype("Int64")
        else:
            cast = values.fillna("")
        df.iloc[rows, df.columns.get_loc(field)] = cast.to_numpy()
        if field in COUNT_FIELDS and f"{field}_qualifier" in df:
            df.iloc[rows, df.columns.get_loc(f"{field}_qualifier")] = [
                None if missing else "exact" for missing in cast.isna().tolist()]
        if field == "event_date" and "date_end" in df:
            df.iloc[rows, df.columns.get_loc("date_end")] = cast.to_numpy()
    return df
