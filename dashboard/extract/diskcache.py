"""A per-user on-disk cache for what is slow to build when extraction starts.

Each value is a pickle named ``<name>-<key>.pickle`` in the user's cache folder
(``platformdirs`` if installed, else ``$XDG_CACHE_HOME/protestmap`` or
``~/.cache/protestmap``; ``$PROTESTMAP_CACHE_DIR`` overrides both). The key is a
hash of everything the value is built from (input bytes, package versions, the
builder's source), so a stale file is never read: it is replaced by the next
build. A file that cannot be read is rebuilt; a folder that cannot be written
(read-only home) just means building every time. The cache is never required.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

CACHE_ENV = "PROTESTMAP_CACHE_DIR"
FORMAT = b"protestmap-cache-1"
T = TypeVar("T")


def cache_dir() -> Path:
    """The folder cached values live in (it need not exist).

    >>> from unittest.mock import patch
    >>> with patch.dict(os.environ, {CACHE_ENV: "/tmp/x"}):
    ...     str(cache_dir())
    '/tmp/x'
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "protestmap"
    return Path(platformdirs.user_cache_dir("protestmap"))


def fingerprint(*parts: bytes | str) -> str:
    """A short hash of ``parts`` (and of the Python version and cache format).

    >>> fingerprint("a", "b") == fingerprint("a", "b") != fingerprint("ab")
    True
    """
    digest = hashlib.sha256(FORMAT + sys.version.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:32]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value stored under ``name`` and ``key``, else ``build()`` (then stored, if possible).

    >>> from unittest.mock import patch
    >>> with patch.dict(os.environ, {CACHE_ENV: tempfile.mkdtemp()}):
    ...     cached("demo", "k1", lambda: [1, 2]), cached("demo", "k1", lambda: "not built")
    ([1, 2], [1, 2])
    """
    path = cache_dir() / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001, S110 - absent, unreadable or corrupt: built again
        pass
    value = build()
    _store(path, value)
    return value


def _store(path: Path, value: object) -> None:
    """Write ``value`` atomically (temporary file, then rename), drop older keys of its name."""
    with suppress(OSError, pickle.PicklingError, TypeError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
        name = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{name}-*.pickle"):
            if old != path and old.name.rsplit("-", 1)[0] == name:
                with suppress(OSError):
                    old.unlink()
