"""Turn a toponym as written into the key the gazetteer's dictionary is indexed by."""

from __future__ import annotations

import unicodedata

_DROP = "'\"`´‘’‚‛“”„‟«»‹›ʻʼʿˈ\u200b\u200c\u200d"
_DASHES = "‐‑‒–—―−"


def _latin_fold_table() -> dict[int, str]:
    """Map accented Latin letters to their bare letter (ö -> o); Cyrillic is left alone."""
    table: dict[int, str] = {ord(c): "" for c in _DROP}
    table.update({ord(c): "-" for c in _DASHES})
    table.update({ord("ё"): "е", ord("ı"): "i", ord("ł"): "l", ord("ø"): "o", ord("đ"): "d"})
    for code in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table[code] = base.lower()
    return table


_TABLE = _latin_fold_table()


def normalise(text: str) -> str:
    """Casefold, NFC, fold Latin accents and ё, drop quotes, unify dashes and spaces.

    >>> normalise("  Schangaösen ")
    'schangaosen'
    >>> normalise("«Алма‑Ата»")
    'алма-ата'
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_TABLE)
    return " ".join(folded.replace(" - ", "-").split()).strip(".,;:!?()[]")
