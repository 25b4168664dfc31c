"""Read article files as text: size limit, binary detection, encoding detection.

UTF-8 is tried strictly first; anything else goes to ``charset-normalizer``
restricted to the single-byte encodings news sites in German, English and
Russian actually use (Windows-1252/1250, Latin-1, Windows-1251, KOI8-R).
"""

from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from dashboard.errors import BadInput

MAX_ARTICLE_BYTES = 10 * 1024 * 1024
"""Largest article (file or manifest cell) ingest accepts: 10 MB."""

LEGACY_ENCODINGS = ["cp1252", "cp1250", "latin_1", "cp1251", "koi8_r"]
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f]")
"""Control characters other than tab, newline, vertical tab, form feed and carriage return."""


def read_text(path: Path) -> str:
    """Return the text of ``path``, refusing empty, binary, undecodable or oversized files.

    The size is checked before anything is read, so a huge file costs nothing.

    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes("Grüße aus Almaty".encode("cp1252"))
    >>> read_text(p)
    'Grüße aus Almaty'
    """
    size = path.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise BadInput(f"{path}: file is {size / 1e6:.1f} MB, above the limit of "
                       f"{MAX_ARTICLE_BYTES / 1e6:.0f} MB per article")
    return decode(path.read_bytes(), str(path))


def decode(data: bytes, name: str) -> str:
    """Decode ``data`` (named ``name`` in messages) to text.

    >>> decode("Протесты".encode("cp1251"), "x.txt")
    'Протесты'
    >>> decode(b"\\x00\\x01PNG", "x.txt")
    Traceback (most recent call last):
    ...
    dashboard.errors.BadInput: x.txt: binary file (NUL bytes), not text
    """
    if not data.strip():
        raise BadInput(f"{name}: file is empty")
    if b"\x00" in data:
        raise BadInput(f"{name}: binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
        if best is None:
            raise BadInput(f"{name}: not text in any supported encoding "
                           "(UTF-8, Windows-1252, Latin-1, Windows-1251, KOI8-R)") from None
        text = str(best)
    if _control_ratio(text) > 0.01:
        raise BadInput(f"{name}: binary file (control characters), not text")
    return text


def _control_ratio(text: str) -> float:
    sample = text[:20_000]
    return len(_CONTROLS.findall(sample)) / len(sample)
