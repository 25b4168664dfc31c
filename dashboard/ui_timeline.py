"""The timeline: events per day stacked by type, with a brush over days.

``timeline_chart`` takes ``query.timeline_bins`` output; ``brush_dates`` turns
``st.altair_chart``'s selection state back into a date window.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from dashboard.ui_map import hex_color, type_color

BRUSH = "brush"


def timeline_chart(bins: pd.DataFrame, *, first: date, last: date, height: int = 250) -> alt.Chart:
    """A stacked bar per day from ``first`` to ``last`` with an x-brush named ``brush``.

    The x domain is fixed to ``first``..``last`` so that brushing, which narrows
    the map and the table, does not move the axis under the mouse.

    >>> bins = pd.DataFrame({"date": [date(2022, 1, 5)], "event_type": ["Riots"], "events": [2]})
    >>> spec = timeline_chart(bins, first=date(2022, 1, 5), last=date(2022, 1, 7)).to_dict()
    >>> spec["params"][0]["name"], spec["mark"]["type"]
    ('brush', 'bar')
    """
    data = bins.assign(date=pd.to_datetime(bins["date"]).dt.strftime("%Y-%m-%dT00:00:00Z"),
                       event_type=bins["event_type"].astype(str).replace("", "(no type)"))
    utc = "%Y-%m-%dT%H:%M:%SZ"
    types = sorted(map(str, data["event_type"].unique()))
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    domain = [pd.Timestamp(first).strftime(utc), (pd.Timestamp(last) + pd.Timedelta(days=1)).strftime(utc)]
    n_days = max((last - first).days + 1, 1)
    return (
        alt.Chart(data, height=height)
        .mark_bar(width=alt.RelativeBandSize(0.85))
        .encode(
            x=alt.X("utcyearmonthdate(date):T", title=None, scale=alt.Scale(domain=domain),
                    axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=min(n_days, 10))),
            y=alt.Y("sum(events):Q", title="events", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("event_type:N", title="event type",
                            scale=alt.Scale(domain=types, range=[hex_color(type_color(t)) for t in types]),
                            legend=alt.Legend(orient="bottom", columns=2, title=None)),
            tooltip=[alt.Tooltip("utcyearmonthdate(date):T", title="day", format="%d %b %Y"), "event_type:N",
                     alt.Tooltip("sum(events):Q", title="events")],
        )
        .add_params(brush)
    )


def focus_span(bins: pd.DataFrame, share: float = 0.95) -> tuple[date, date] | None:
    """The shortest run of days holding at least ``share`` of the binned events.

    Keeps one stray date (a year off) from squeezing every bar into one pixel.

    >>> bins = pd.DataFrame({"date": pd.to_datetime(["2021-01-19"] + ["2022-01-05"] * 60),
    ...                      "event_type": ["Riots"] * 61, "events": [1] * 61})
    >>> focus_span(bins)
    (datetime.date(2022, 1, 5), datetime.date(2022, 1, 5))
    """
    if not len(bins):
        return None
    per_day = bins.groupby(pd.to_datetime(bins["date"]).dt.date)["events"].sum().sort_index()
    days, counts = list(per_day.index), per_day.to_numpy()
    need = share * counts.sum()
    best = (days[0], days[-1])
    total, left = 0, 0
    for right, n in enumerate(counts):
        total += n
        while total - counts[left] >= need:
            total -= counts[left]
            left += 1
        if total >= need and (days[right] - days[left]) < (best[1] - best[0]):
            best = (days[left], days[right])
    return best


def brush_dates(state: Any) -> tuple[date, date] | None:
    """The days covered by the brush, or ``None`` when nothing is brushed.

    Vega-Lite reports the brush as epoch milliseconds (UTC) under the x field's
    name (``utcyearmonthdate_date``); a day counts when
    the brush reaches into its bar (each bar spans its whole day).

    >>> ms = lambda s: int(pd.Timestamp(s).timestamp() * 1000)
    >>> brush_dates({"selection": {"brush": {"utcyearmonthdate_date": [ms("2022-01-05T20:00"), ms("2022-01-07T00:00")]}}})
    (datetime.date(2022, 1, 5), datetime.date(2022, 1, 6))
    >>> brush_dates({"selection": {"brush": {}}}) is None
    True
    """
    try:
        values = next(iter(state["selection"][BRUSH].values()), None)
    except (KeyError, TypeError, AttributeError):
        return None
    if not values or len(values) != 2:
        return None
    start, end = sorted(pd.to_datetime(v, unit="ms") for v in values)
    first = start.floor("D").date()
    last = (end - pd.Timedelta(milliseconds=1)).floor("D").date()
    return (first, last) if first <= last else None
