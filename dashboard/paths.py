"""Where protestmap keeps its database unless told otherwise (no heavy imports, so the
command line can know it before DuckDB and pandas are loaded)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data/events.duckdb")


def default_db_path() -> Path:
    """``$PROTESTMAP_DB`` if set, else ``data/events.duckdb``.

    >>> from unittest.mock import patch
    >>> with patch.dict(os.environ, {"PROTESTMAP_DB": ""}):
    ...     default_db_path()
    PosixPath('data/events.duckdb')
    """
    return Path(os.environ.get("PROTESTMAP_DB") or DEFAULT_DB)
