"""Where the page gets its data: the store (cached by db version) and uploads."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from dashboard.errors import BadInput

UPLOAD_TYPES = ("txt", "md", "html", "htm", "jsonl")
UPLOAD_LIMIT_MB = 10


class Upload(Protocol):
    name: str

    def getvalue(self) -> bytes: ...


@dataclass
class UploadReport:
    """What adding uploaded files did: counts and one line per bad file."""

    articles: int = 0
    known: int = 0
    events: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The line shown after an upload.

        >>> UploadReport(2, 1, 5).summary()
        '2 articles added, 5 events (1 already known)'
        """
        text = f"{self.articles} article{'s' * (self.articles != 1)} added, {self.events} events"
        return text + (f" ({self.known} already known)" if self.known else "")


def db_version(path: Path) -> tuple[int, int]:
    """Changes whenever the database file (or its write-ahead log) changes.

    >>> db_version(Path("/nonexistent/x.duckdb"))
    (0, 0)
    """
    stamp = (0, 0)
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            st = p.stat()
            stamp = (max(stamp[0], st.st_mtime_ns), stamp[1] + st.st_size)
    return stamp


def read_events(path: Path) -> pd.DataFrame:
    """Every event with its article columns; an empty frame when the db does not exist."""
    from dashboard.store import Store
    from dashboard.types import EVENT_COLUMNS

    if not path.exists():
        return pd.DataFrame(columns=[*EVENT_COLUMNS, "published", "title"])
    with Store(path) as store:
        return store.events_frame()


def add_uploads(files: Iterable[Upload], db: Path, limit_mb: int = UPLOAD_LIMIT_MB) -> UploadReport:
    """Ingest uploaded files the way ``protestmap ingest`` does, into ``db``.

    Each file is written under a fresh temporary folder (by its base name only)
    and read with ``dashboard.ingest.read_articles``; bad files come back as the
    same one-line messages as the CLI prints.
    """
    from dashboard.extract import extract_many
    from dashboard.ingest import read_articles
    from dashboard.store import Store

    report = UploadReport()
    with tempfile.TemporaryDirectory(prefix="protestmap-upload-") as tmp:
        paths = []
        for f in files:
            name = Path(f.name).name or "upload.txt"
            data = f.getvalue()
            if len(data) > limit_mb * 1024 * 1024:
                report.errors.append(f"{name}: file is larger than {limit_mb} MB")
                continue
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(path)
        articles = []
        for item in read_articles(paths):
            if isinstance(item, BadInput):
                report.errors.append(str(item).replace(tmp + "/", ""))
            else:
                articles.append(item)
        batch = list(extract_many(articles))
        if batch:
            with Store(db) as store:
                result = store.add(batch)
            report.articles, report.known = result.articles_added, result.articles_known
            report.events = result.events_added
    return report
