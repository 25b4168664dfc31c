"""The events table as shown on the page: a few readable columns, selected rows first."""

from __future__ import annotations

from typing import Any

import pandas as pd

MAX_ROWS = 5_000
COLUMNS = {
    "event_date": "date",
    "location": "place",
    "event_type": "type",
    "fatalities": "killed",
    "injuries": "injured",
    "arrests": "arrested",
    "crowd_size": "crowd",
    "evidence": "evidence",
    "source": "source",
    "link": "link",
}


def safe_url(url: Any) -> str | None:
    """Only http(s) links are clickable; anything else (``javascript:``) is dropped.

    >>> safe_url("https://example.org/a"), safe_url("javascript:alert(1)"), safe_url(None)
    ('https://example.org/a', None, None)
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) else None


def table_frame(df: pd.DataFrame, selected: pd.Series | None = None,
                max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """The rows for ``st.dataframe``: selected rows first, then by date and place.

    >>> df = pd.DataFrame({"event_date": pd.to_datetime(["2022-01-05", "2022-01-06"]),
    ...     "date_end": pd.to_datetime(["2022-01-05", "2022-01-07"]),
    ...     "location": ["Almaty", "Aktau"], "event_type": ["Riots", "Protests"],
    ...     "fatalities": pd.array([1, None], "Int64"), "injuries": pd.array([None] * 2, "Int64"),
    ...     "arrests": pd.array([None] * 2, "Int64"), "crowd_size": pd.array([None] * 2, "Int64"),
    ...     "evidence": ["a", "b"], "source": ["s", "t"], "source_url": ["javascript:x", "https://t"]})
    >>> t = table_frame(df, pd.Series([False, True]))
    >>> t[["place", "date", "selected", "link"]].values.tolist()
    [['Aktau', '2022-01-06 – 2022-01-07', True, 'https://t'], ['Almaty', '2022-01-05', False, nan]]
    """
    work = df.copy()
    work["selected"] = False if selected is None else selected.reindex(df.index, fill_value=False)
    work = work.sort_values(["selected", "event_date", "location"], ascending=[False, True, True],
                            kind="stable").head(max_rows)
    start = pd.to_datetime(work["event_date"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(work["date_end"]).dt.strftime("%Y-%m-%d")
    work["event_date"] = start.where(end.isna() | (start == end), start + " – " + end)
    work["link"] = work["source_url"].astype(object).map(safe_url) if "source_url" in work else None
    out = work[[*[c for c in COLUMNS if c in work], "selected"]].rename(columns=COLUMNS)
    return out.reset_index(drop=True)


def column_config() -> dict[str, Any]:
    """``st.dataframe`` column settings (plain text evidence, http links only)."""
    import streamlit as st

    return {
        "selected": st.column_config.CheckboxColumn("on map", help="selected on the map"),
        "evidence": st.column_config.TextColumn("evidence", width="large"),
        "link": st.column_config.LinkColumn("link", display_text="open"),
        "killed": st.column_config.NumberColumn(format="%d"),
        "injured": st.column_config.NumberColumn(format="%d"),
        "arrested": st.column_config.NumberColumn(format="%d"),
        "crowd": st.column_config.NumberColumn(format="%d"),
    }
