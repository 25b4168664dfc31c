"""The tables as shown on the page: one row per incident, and every report behind them.

An incident is a cluster (``cluster_id``): the same event told by one or more
articles. :func:`incident_table` gives one row per cluster with the range of its
sources' figures; :func:`report_table` lists each report with its own figures and
why it was merged. Both put rows selected on the map first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard.counting import codes, strings
from dashboard.ui_format import sources_label

MAX_ROWS = 2_000
MEASURES = {"fatalities": "killed", "injuries": "injured", "arrests": "arrested",
            "crowd_size": "crowd"}
INCIDENT_COLUMNS = ["date", "place", "type", *MEASURES.values(), "reports", "sources",
                    "evidence", "selected"]
REPORT_COLUMNS = ["date", "place", "type", *MEASURES.values(), "source", "language",
                  "evidence", "merged because", "link", "selected"]


def safe_url(url: Any) -> str | None:
    """Only http(s) links are clickable; anything else (``javascript:``) is dropped.

    >>> safe_url("https://example.org/a"), safe_url("javascript:alert(1)"), safe_url(None)
    ('https://example.org/a', None, None)
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) else None


def figure_text(low: Any, high: Any) -> str:
    """A count as the table shows it: ``"13"``, ``"8–13"`` when sources differ, ``""`` if unstated.

    >>> figure_text(8, 13), figure_text(3000, 3000), figure_text(pd.NA, pd.NA)
    ('8–13', '3,000', '')
    """
    if pd.isna(high):
        return ""
    low = high if pd.isna(low) else low
    return f"{int(high):,}" if low == high else f"{int(low):,}–{int(high):,}"


def _dates(start: pd.Series, end: pd.Series) -> pd.Series:
    first = pd.to_datetime(start).dt.strftime("%Y-%m-%d")
    last = pd.to_datetime(end).dt.strftime("%Y-%m-%d")
    return first.where(last.isna() | (first == last), first + " – " + last).fillna("")


def _order(df: pd.DataFrame, selected: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """Row positions with selected rows first, then by date and place; and the selection."""
    chosen = (np.zeros(len(df), bool) if selected is None
              else selected.reindex(df.index, fill_value=False).to_numpy(bool))
    keys = pd.DataFrame({"unselected": ~chosen, "date": df["event_date"].to_numpy(),
                         "place": df["location"].array})
    order = keys.sort_values(["unselected", "date", "place"], kind="stable", na_position="last")
    return order.index.to_numpy(), chosen


def _clusters_in_order(df: pd.DataFrame, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster code, and each cluster's rank by its first row in ``order``."""
    cluster, n = codes(df["cluster_id"])
    in_order = cluster[order]
    firsts = np.unique(in_order, return_index=True)[1]
    rank = np.full(n, len(order), np.int64)
    rank[in_order[firsts]] = np.argsort(np.argsort(firsts, kind="stable"), kind="stable")
    return cluster, rank


def incident_table(df: pd.DataFrame, selected: pd.Series | None = None,
                   max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """One row per cluster of ``df`` (at most ``max_rows``): selected first, then by date and place.

    Place and type are those of the most precise report; dates span all reports;
    a count is the range of what the reports say.

    >>> df = pd.DataFrame({"event_id": ["a", "b", "c"], "cluster_id": ["a", "a", "c"],
    ...     "article_id": ["x", "y", "y"], "language": ["en", "de", "de"],
    ...     "source": ["Steppe Wire", "Rundschau Ost", "Rundschau Ost"],
    ...     "location": ["Almaty", "Almaty", "Aktau"], "geo_precision": [2, 1, 2],
    ...     "event_type": ["Riots", "Riots", "Protests"], "evidence": ["e1", "e2", "e3"],
    ...     "event_date": pd.to_datetime(["2022-01-05", "2022-01-05", "2022-01-06"]),
    ...     "date_end": pd.to_datetime(["2022-01-05", "2022-01-06", "2022-01-06"]),
    ...     "fatalities": pd.array([8, 13, None], "Int64"), "injuries": pd.array([None] * 3, "Int64"),
    ...     "arrests": pd.array([None] * 3, "Int64"), "crowd_size": pd.array([None] * 3, "Int64")})
    >>> incident_table(df)[["date", "place", "killed", "reports", "sources"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['2022-01-05 – 2022-01-06', 'Almaty', '8–13', '2 sources in 2 languages',
      'Rundschau Ost; Steppe Wire'], ['2022-01-06', 'Aktau', '', '1 source in 1 language',
      'Rundschau Ost']]
    """
    if not len(df):
        return pd.DataFrame(columns=INCIDENT_COLUMNS)
    order, chosen = _order(df, selected)
    cluster, rank = _clusters_in_order(df, order)
    at = np.flatnonzero(rank[cluster] < max_rows)
    members = df.iloc[at]
    work = pd.DataFrame({
        "row": rank[cluster[at]], "selected": chosen[at],
        "precision": pd.to_numeric(members["geo_precision"]).to_numpy(float, na_value=9),
        "event_id": strings(members["event_id"]), "article": codes(members["article_id"])[0],
        "language": codes(members["language"])[0], "source": strings(members["source"]),
        "event_date": members["event_date"].to_numpy(), "date_end": members["date_end"].to_numpy(),
        **{m: pd.to_numeric(members[m]).to_numpy(float, na_value=np.nan) for m in MEASURES},
    })
    grouped = work.groupby("row", sort=True)
    head = members.iloc[work.sort_values(["row", "precision", "event_id"], kind="stable")
                        .drop_duplicates("row").index.to_numpy()]
    out = pd.DataFrame({
        "date": _dates(grouped["event_date"].min(), grouped["date_end"].max()).to_numpy(),
        "place": strings(head["location"]),
        "type": strings(head["event_type"]),
    })
    ranges = grouped[list(MEASURES)].agg(["min", "max"])
    for measure, label in MEASURES.items():
        out[label] = [figure_text(a, b) for a, b in zip(ranges[(measure, "min")],
                                                        ranges[(measure, "max")], strict=True)]
    n_sources = grouped["article"].nunique().to_numpy()
    n_languages = grouped["language"].nunique().to_numpy()
    out["reports"] = [sources_label(a, b) for a, b in zip(n_sources, n_languages, strict=True)]
    several = work[np.isin(work["row"], np.flatnonzero(n_sources > 1))]
    names = (several.drop_duplicates(["row", "source"]).sort_values("source")
             .groupby("row")["source"].agg("; ".join))
    out["sources"] = [names.get(i, s) for i, s in enumerate(strings(head["source"]))]
    out["evidence"] = strings(head["evidence"])
    out["selected"] = grouped["selected"].any().to_numpy(bool)
    return out[INCIDENT_COLUMNS]


def report_table(df: pd.DataFrame, selected: pd.Series | None = None,
                 max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Every report (event row) with its own figures and why it joined its incident.

    The reports of one incident are next to each other, in the incidents' order.

    >>> df = pd.DataFrame({"event_id": ["a", "b"], "cluster_id": ["a", "a"],
    ...     "merge_reason": ["", "same place Almaty"], "language": ["en", "de"],
    ...     "source": ["s", "t"], "source_url": ["javascript:x", "https://t"],
    ...     "location": ["Almaty"] * 2, "event_type": ["Riots"] * 2, "evidence": ["e1", "e2"],
    ...     "event_date": pd.to_datetime(["2022-01-05", "2022-01-05"]),
    ...     "date_end": pd.to_datetime(["2022-01-05", "2022-01-06"]),
    ...     "fatalities": pd.array([8, 13], "Int64"), "injuries": pd.array([None] * 2, "Int64"),
    ...     "arrests": pd.array([None] * 2, "Int64"), "crowd_size": pd.array([None] * 2, "Int64")})
    >>> report_table(df, pd.Series([False, True]))[["date", "killed", "merged because", "link",
    ...                                              "selected"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['2022-01-05 – 2022-01-06', 13, 'same place Almaty', 'https://t', True],
     ['2022-01-05', 8, '', nan, False]]
    """
    if not len(df):
        return pd.DataFrame(columns=REPORT_COLUMNS)
    order, chosen = _order(df, selected)
    cluster, rank = _clusters_in_order(df, order)
    at = order[np.argsort(rank[cluster[order]], kind="stable")][:max_rows]
    work = df.iloc[at]
    return pd.DataFrame({
        "date": _dates(work["event_date"], work["date_end"]).to_numpy(),
        "place": strings(work["location"]),
        "type": strings(work["event_type"]),
        **{label: pd.to_numeric(work[m]).astype("Int64").to_numpy() for m, label in MEASURES.items()},
        "source": strings(work["source"]),
        "language": strings(work["language"]),
        "evidence": strings(work["evidence"]),
        "merged because": strings(work["merge_reason"]),
        "link": [safe_url(u) for u in strings(work["source_url"])] if "source_url" in work else None,
        "selected": chosen[at],
    })[REPORT_COLUMNS]


def column_config(numbers: bool) -> dict[str, Any]:
    """``st.dataframe`` column settings (plain text evidence, http links only).

    ``numbers``: the counts are numbers (the report table), not text ranges (the incident table).
    """
    import streamlit as st

    counts = (st.column_config.NumberColumn(format="%d") if numbers
              else st.column_config.TextColumn(help="a range when the reports differ"))
    return {
        "selected": st.column_config.CheckboxColumn("on map", help="selected on the map"),
        "evidence": st.column_config.TextColumn("evidence", width="large"),
        "reports": st.column_config.TextColumn(
            "reports", help="how many articles (sources) and languages report this incident"),
        "merged because": st.column_config.TextColumn(
            "merged because", help="why this report is the same incident as the first one"),
        "link": st.column_config.LinkColumn("link", display_text="open"),
        **dict.fromkeys(MEASURES.values(), counts),
    }
