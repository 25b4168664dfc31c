"""Pure helpers between widgets and ``query.Filters``: option lists, date windows, play steps."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

PlayMode = Literal["all days", "up to the day", "that day only"]
PLAY_MODES: tuple[PlayMode, ...] = ("all days", "up to the day", "that day only")
GEO_PRECISION_LABELS = {1: "landmark", 2: "city", 3: "region", 4: "country"}


def options(df: pd.DataFrame, column: str) -> list[str]:
    """Sorted distinct non-empty values of ``column`` (for a multiselect).

    >>> options(pd.DataFrame({"c": ["b", "a", "", None, "b"]}), "c")
    ['a', 'b']
    """
    if column not in df:
        return []
    return sorted({str(v) for v in df[column].dropna().unique()} - {""})


def data_span(df: pd.DataFrame) -> tuple[date, date] | None:
    """First and last day any event covers (``event_date`` .. ``date_end``).

    >>> data_span(pd.DataFrame({"event_date": pd.to_datetime(["2022-01-06", "2022-01-05"]),
    ...                         "date_end": pd.to_datetime(["2022-01-07", None])}))
    (datetime.date(2022, 1, 5), datetime.date(2022, 1, 7))
    """
    start = pd.to_datetime(df["event_date"]).dropna() if len(df) else pd.Series([], dtype="M8[ns]")
    if not len(start):
        return None
    end = pd.to_datetime(df["date_end"]).dropna()
    last = max(start.max(), end.max()) if len(end) else start.max()
    return start.min().date(), last.date()


def days(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``.

    >>> days(date(2022, 1, 30), date(2022, 2, 1))
    [datetime.date(2022, 1, 30), datetime.date(2022, 1, 31), datetime.date(2022, 2, 1)]
    """
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def narrow(filters: Any, window: tuple[date | None, date | None] | None) -> Any:
    """``filters`` with its date range intersected with ``window`` (brush or play step).

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class F:
    ...     since: date | None = None
    ...     until: date | None = None
    >>> narrow(F(since=date(2022, 1, 1)), (date(2021, 12, 1), date(2022, 1, 6)))
    F(since=datetime.date(2022, 1, 1), until=datetime.date(2022, 1, 6))
    """
    if window is None:
        return filters
    since, until = window
    if since is not None and (filters.since is None or since > filters.since):
        filters = dataclasses.replace(filters, since=since)
    if until is not None and (filters.until is None or until < filters.until):
        filters = dataclasses.replace(filters, until=until)
    return filters


def date_pair(value: Any) -> tuple[date | None, date | None]:
    """``st.date_input``'s range value (a date, or a tuple of 0-2 dates) as (first, last).

    >>> date_pair((date(2022, 1, 5),)), date_pair(date(2022, 1, 5))
    ((datetime.date(2022, 1, 5), None), (datetime.date(2022, 1, 5), None))
    """
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    values += [None, None]
    return values[0], values[1]


def play_window(day: date, mode: str) -> tuple[date | None, date | None] | None:
    """The date window of the play control at ``day``.

    >>> play_window(date(2022, 1, 6), "up to the day")
    (None, datetime.date(2022, 1, 6))
    >>> play_window(date(2022, 1, 6), "all days") is None
    True
    """
    if mode == "up to the day":
        return None, day
    if mode == "that day only":
        return day, day
    return None


def next_day(day: date, all_days: list[date]) -> date:
    """The play control's next step, wrapping round to the first day.

    >>> next_day(date(2022, 1, 7), days(date(2022, 1, 5), date(2022, 1, 7)))
    datetime.date(2022, 1, 5)
    """
    later = [d for d in all_days if d > day]
    return later[0] if later else all_days[0]


def url_defaults(filters: Any, choices: dict[str, list[str]]) -> tuple[Any, list[str]]:
    """Drop filter values (from a shared URL) that the data does not have, saying which.

    ``choices`` maps a ``Filters`` tuple field to the values the data offers.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class F:
    ...     cities: tuple[str, ...] = ()
    >>> url_defaults(F(cities=("Almaty", "Atlantis")), {"cities": ["Almaty", "Aktau"]})
    (F(cities=('Almaty',)), ["cities: 'Atlantis'"])
    """
    dropped: list[str] = []
    for field, allowed in choices.items():
        values = tuple(getattr(filters, field))
        kept = tuple(v for v in values if str(v) in set(map(str, allowed)))
        dropped += [f"{field}: {v!r}" for v in values if v not in kept]
        filters = dataclasses.replace(filters, **{field: kept})
    return filters, dropped
