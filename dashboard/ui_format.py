"""Text for the dashboard: counter values and markdown-safe plain text.

Pure functions, no Streamlit import, so they are tested on their own.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


class FigureLike(Protocol):
    value: int
    low: int
    high: int
    qualifier: str


def format_number(n: float | None) -> str:
    """A count with thousands separators; ``None`` as an em dash.

    >>> format_number(3000), format_number(None)
    ('3,000', '—')
    """
    if n is None:
        return "—"
    return f"{int(n):,}"


def plural(n: int, one: str, many: str) -> str:
    """``n`` with its noun.

    >>> plural(1, "tally", "tallies"), plural(2, "tally", "tallies")
    ('1 tally', '2 tallies')
    """
    return f"{n:,} {one if n == 1 else many}"


def sources_label(n_sources: int, n_languages: int) -> str:
    """How many articles and languages report an incident.

    >>> sources_label(3, 3), sources_label(1, 1)
    ('3 sources in 3 languages', '1 source in 1 language')
    """
    return (f"{plural(int(n_sources), 'source', 'sources')} in "
            f"{plural(int(n_languages), 'language', 'languages')}")


def format_figure(fig: FigureLike) -> str:
    """A counter's value: ``+`` for "at least", ``~`` for about or vague figures.

    >>> from types import SimpleNamespace as F
    >>> format_figure(F(value=3000, low=3000, high=3000, qualifier="at least"))
    '3,000+'
    >>> format_figure(F(value=12, low=12, high=12, qualifier="vague"))
    '~12'
    """
    prefix = {"about": "~", "vague": "~", "up to": "≤"}.get(fig.qualifier, "")
    suffix = "+" if fig.qualifier == "at least" else ""
    return f"{prefix}{format_number(fig.value)}{suffix}"


def format_range(fig: FigureLike) -> str | None:
    """``low–high`` when sources disagree, else ``None``.

    >>> from types import SimpleNamespace as F
    >>> format_range(F(value=164, low=26, high=164, qualifier="exact"))
    'sources say 26–164'
    >>> format_range(F(value=26, low=26, high=26, qualifier="exact")) is None
    True
    """
    low, high = int(fig.low), int(fig.high)
    return f"sources say {low:,}–{high:,}" if low != high else None


def plain(text: Any) -> str:
    """Escape markdown so that ``st.caption``/``help`` show ``text`` literally.

    >>> plain("[x](javascript:alert(1)) <img src=x>")
    '\\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\) \\\\<img src=x\\\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
