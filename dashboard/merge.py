"""One picture across articles: the same incident reported by several articles becomes one cluster.

Two incidents from different articles are *the same* when all of these hold:

* same place: the same ``geonameid`` or landmark; or both at landmark/city precision,
  with coordinates within ``MERGE_KM`` (two different landmarks never match); or, for
  region/country-level events, the same ``location`` and also the same type and
  the same single day (a country-wide "protests" is no place to merge on);
* their date windows ``[event_date, date_end]`` overlap;
* compatible types: equal, or both among ``Protests``/``Riots`` (one outlet's
  protest is another's riot).

Clusters are complete-linkage: every member matches every other, so day 5 and
day 6 of a protest never chain together through a report spanning both. Pairs are
joined best first (same landmark, same gazetteer place, nearby, same region or
country; then nearest and closest in time) in an order fixed by the events' ids, so the result does not depend on row order. A cluster's id is its
smallest ``event_id``; each member's ``merge_reason`` says why it matches that one.

Analyst overrides come from the ``review`` table as (event_id, field ``cluster``,
value ``split``) rows; :func:`with_cluster_reviews` turns them into a
``cluster_review`` column, and an event marked ``split`` stays in its own cluster.
Tallies are never merged (the counting rule handles their series).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
import pandas as pd

from dashboard.counting import COUNTRY_NAMES, NO_DAY, codes_and_labels, day_numbers, strings

MERGE_KM = 10.0
"""Largest distance between two city/landmark-precision reports of one incident."""
COMPATIBLE_TYPES = frozenset({"Protests", "Riots"})
REVIEW_FIELD = "cluster"
SPLIT = "split"
_EARTH_KM = 6371.0088


def with_cluster_reviews(df: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``cluster_review`` column from review rows (event_id, field, value).

    Only the rows whose field is ``cluster`` are used; the last one per event wins.

    >>> df = pd.DataFrame({"event_id": ["a", "b"]})
    >>> reviews = pd.DataFrame({"event_id": ["b"], "field": ["cluster"], "value": ["split"]})
    >>> with_cluster_reviews(df, reviews)["cluster_review"].tolist()
    ['', 'split']
    """
    chosen = reviews[reviews["field"] == REVIEW_FIELD].drop_duplicates("event_id", keep="last")
    values = dict(zip(chosen["event_id"].astype(str), chosen["value"].astype(str), strict=True))
    return df.assign(cluster_review=[values.get(str(e), "") for e in df["event_id"]])


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


class _Events:
    """The columns merging needs, as arrays indexed by row position."""

    def __init__(self, df: pd.DataFrame) -> None:
        def codes(name: str) -> np.ndarray:
            return codes_and_labels(df[name])[0] if name in df else np.zeros(len(df), np.int64)

        def numbers(name: str) -> np.ndarray:
            return pd.to_numeric(df[name]).to_numpy(dtype=float, na_value=np.nan) \
                if name in df else np.full(len(df), np.nan)

        def flags(name: str, value: str, default: bool) -> np.ndarray:
            return (np.array(strings(df[name]), dtype=object) == value if name in df
                    else np.full(len(df), default))

        self.event_id = strings(df["event_id"])
        self.event_type, self.location = (strings(df[c]) if c in df else [""] * len(df)
                                          for c in ("event_type", "location"))
        self.article, self.type_code, self.place_code = (
            codes("article_id"), codes("event_type"), codes("location"))
        self.compatible = np.isin(np.array(self.event_type, dtype=object), list(COMPATIBLE_TYPES))
        self.lat, self.lon = np.radians(numbers("latitude")), np.radians(numbers("longitude"))
        precision = numbers("geo_precision")
        self.landmark = precision == 1
        self.point = np.isin(precision, (1, 2)) & ~np.isnan(self.lat + self.lon)
        self.geonameid = numbers("geonameid")
        start = day_numbers(df["event_date"]) if len(df) else np.zeros(0, np.int64)
        end = day_numbers(df["date_end"]) if "date_end" in df and len(df) else start
        self.start, self.end = start, np.where(end == NO_DAY, start, np.maximum(end, start))
        self.split = flags("cluster_review", SPLIT, False)
        self.mergeable = flags("kind", "incident", True) & (start != NO_DAY) & ~self.split

    def blocks(self, i: int) -> Iterator[tuple[object, ...]]:
        """Keys under which a matching event is also filed (one per day of its window)."""
        for day in range(int(self.start[i]), int(min(self.end[i], self.start[i] + 31)) + 1):
            if self.point[i]:
                yield ("cell", day, int(np.degrees(self.lat[i]) // 0.1),
                       int(np.degrees(self.lon[i]) // 0.1))
            else:
                yield ("place", day, int(self.place_code[i]))

    def compare(self, left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
        """Every ``left`` x ``right`` pair: ``same`` (one incident?), ``rank``, ``km``, ``gap``.

        Rank 0 is the same landmark, 1 the same gazetteer place, 2 nearby points,
        3 the same region or country.
        """
        a, b = left[:, None], right[None, :]
        types = (self.type_code[a] == self.type_code[b]) | (
            self.compatible[a] & self.compatible[b])
        dates = (self.start[a] <= self.end[b]) & (self.start[b] <= self.end[a])
        points = self.point[a] & self.point[b]
        landmarks = self.landmark[a] & self.landmark[b]
        same_landmark = landmarks & (self.place_code[a] == self.place_code[b])
        same_id = self.geonameid[a] == self.geonameid[b]
        km = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(
            np.sin((self.lat[b] - self.lat[a]) / 2) ** 2 + np.cos(self.lat[a])
            * np.cos(self.lat[b]) * np.sin((self.lon[b] - self.lon[a]) / 2) ** 2, 0, 1)))
        near = ~landmarks & (np.nan_to_num(km, nan=np.inf) <= MERGE_KM)
        single_day = (self.start[a] == self.start[b]) & (self.end[a] == self.end[b]) & (
            self.start[a] == self.end[a])
        areas = (~self.point[a] & ~self.point[b] & (self.place_code[a] == self.place_code[b])
                 & single_day & (self.type_code[a] == self.type_code[b]))
        same = ((self.article[a] != self.article[b]) & types & dates
                & ((points & (same_landmark | same_id | near)) | areas))
        rank = np.select([same_landmark, same_id & points, points], [0, 1, 2], 3)
        return {"same": same, "rank": rank, "km": np.where(rank < 2, 0.0, km),
                "gap": np.abs(self.start[a] - self.start[b]) + np.abs(self.end[a] - self.end[b])}

    def reason(self, i: int, j: int) -> str:
        """Why ``j`` is the same incident as ``i``, in words."""
        found = {k: v[0, 0] for k, v in self.compare(np.array([i]), np.array([j])).items()}
        gid = "" if np.isnan(self.geonameid[i]) else f" (geonameid {int(self.geonameid[i])})"
        level = "country" if self.location[i] in COUNTRY_NAMES.values() else "area"
        where = [f"same place {self.location[i]}{gid}", f"same place {self.location[i]}{gid}",
                 f"{found['km']:.1f} km apart ({self.location[i]} / {self.location[j]})",
                 f"same {level} {self.location[i]}"][int(found["rank"])]
        same_day = self.start[i] == self.start[j] == self.end[i] == self.end[j]
        when = (f"same day {_day(self.start[i])}" if same_day else
                f"overlapping dates {_day(self.start[i])}..{_day(self.end[i])} / "
                f"{_day(self.start[j])}..{_day(self.end[j])}")
        return f"{where}, {when}, types {self.event_type[i]}/{self.event_type[j]}"


def _candidate_pairs(events: _Events) -> pd.DataFrame:
    """Pairs (i < j) of matching events with their rank, distance and day gap."""
    blocks: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for row in np.flatnonzero(events.mergeable).tolist():
        for key in events.blocks(row):
            blocks[key].append(row)
    found = [pd.DataFrame({"i": [], "j": [], "rank": [], "km": [], "gap": []}, dtype="int64")]
    for key, members in blocks.items():
        near = members if key[0] == "place" else [
            j for dlat in (-1, 0, 1) for dlon in (-1, 0, 1)
            for j in blocks.get((key[0], key[1], key[2] + dlat, key[3] + dlon), ())]  # type: ignore[operator]
        a, b = np.array(members), np.array(near)
        result = events.compare(a, b)
        i, j = np.nonzero(result["same"] & (a[:, None] < b[None, :]))
        found.append(pd.DataFrame({"i": a[i], "j": b[j], "rank": result["rank"][i, j],
                                   "km": result["km"][i, j], "gap": result["gap"][i, j]}))
    return pd.concat(found, ignore_index=True).drop_duplicates(["i", "j"])


def merge_events(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``cluster_id`` and ``merge_reason``: one cluster per real incident.

    An event alone in its cluster has an empty reason; tallies and undated events
    stay alone.

    >>> df = pd.DataFrame({"event_id": ["en1", "de1", "de2"], "article_id": ["en", "de", "de"],
    ...     "kind": "incident", "event_type": "Riots", "location": ["Almaty", "Almaty", "Aktau"],
    ...     "geonameid": [1526384, 1526384, 610612], "geo_precision": 2,
    ...     "latitude": [43.25, 43.25, 43.65], "longitude": [76.91, 76.91, 51.17],
    ...     "event_date": pd.to_datetime(["2022-01-05"] * 3)})
    >>> merge_events(df)["cluster_id"].tolist()
    ['de1', 'de1', 'de2']
    """
    events = _Events(df)
    id_rank = np.empty(len(df), np.int64)
    id_rank[np.argsort(np.array(events.event_id, dtype=object), kind="stable")] = np.arange(len(df))
    pairs = _candidate_pairs(events)
    i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    low, high = np.minimum(id_rank[i], id_rank[j]), np.maximum(id_rank[i], id_rank[j])
    order = np.lexsort((high, low, pairs["gap"], pairs["km"], pairs["rank"]))
    members = {x: np.array([x]) for x in range(len(df))}
    articles = {x: {int(events.article[x])} for x in range(len(df))}
    first, last = events.start.copy(), events.end.copy()
    root = np.arange(len(df))
    for x, y in zip(i[order].tolist(), j[order].tolist(), strict=True):
        a, b = int(root[x]), int(root[y])
        if (a == b or articles[a] & articles[b] or max(first[a], first[b]) > min(last[a], last[b])
                or not events.compare(members[a], members[b])["same"].all()):
            continue
        members[a] = np.concatenate([members[a], members.pop(b)])
        articles[a] |= articles.pop(b)
        first[a], last[a] = max(first[a], first[b]), min(last[a], last[b])
        root[members[a]] = a
    cluster_id, reason = list(events.event_id), [""] * len(df)
    for group in members.values():
        head = int(group[np.argmin(id_rank[group])])
        for x in group.tolist():
            cluster_id[x] = events.event_id[head]
            if x != head:
                reason[x] = events.reason(head, x)
    for x in np.flatnonzero(events.split).tolist():
        reason[x] = "kept apart by analyst review"
    return df.assign(cluster_id=cluster_id, merge_reason=reason)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def clusters_frame(df: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster (``merge_events`` is applied first when ``df`` has no clusters).

    Place and type come from the most precise member (ties: the smallest ``event_id``);
    dates span all members; each measure has ``_low``/``_high`` over the sources and
    its value is the highest claim; ``label`` reads "3 sources in 3 languages".

    >>> df = pd.DataFrame({"event_id": ["a", "b"], "article_id": ["en", "de"],
    ...     "kind": "incident", "event_type": "Riots", "location": "Almaty",
    ...     "geonameid": 1526384, "geo_precision": 2, "latitude": 43.25, "longitude": 76.91,
    ...     "event_date": pd.to_datetime(["2022-01-05"] * 2), "language": ["en", "de"],
    ...     "source": ["Steppe Wire", "Rundschau Ost"], "fatalities": pd.array([26, 164])})
    >>> row = clusters_frame(df).iloc[0]
    >>> row["label"], [int(row[c]) for c in ("fatalities_low", "fatalities_high", "fatalities")]
    ('2 sources in 2 languages', [26, 164, 164])
    """
    if "cluster_id" not in df:
        df = merge_events(df)
    if not len(df):
        return pd.DataFrame(columns=["cluster_id", "label", "n_sources", "n_languages"])
    order = df.assign(_precision=pd.to_numeric(df.get("geo_precision", 9)).fillna(9),
                      _id=df["event_id"].astype(str))
    order = order.sort_values(["cluster_id", "_precision", "_id"], kind="stable")
    grouped = order.groupby("cluster_id", sort=True, observed=True)
    out = grouped.first().drop(columns=["_precision", "_id"])
    out = out.drop(columns=[c for c in ("merge_reason",) if c in out])
    out["event_date"] = grouped["event_date"].min()
    if "date_end" in df:
        out["date_end"] = grouped["date_end"].max()

    def distinct(column: str) -> pd.Series:
        if column not in df:
            return pd.Series([[] for _ in range(len(out))], index=out.index)
        return grouped[column].agg(lambda v: sorted({str(x) for x in v.dropna() if str(x)}))

    articles, languages = distinct("article_id"), distinct("language")
    out["event_ids"] = grouped["event_id"].agg(lambda v: "; ".join(sorted(map(str, v))))
    out["sources"] = distinct("source").map("; ".join)
    out["languages"] = languages.map(", ".join)
    out["n_sources"] = articles.map(len).astype("int64")
    out["n_languages"] = languages.map(len).astype("int64")
    out["label"] = [f"{_plural(a, 'source', 'sources')} in {_plural(n, 'language', 'languages')}"
                    for a, n in zip(out["n_sources"], out["n_languages"], strict=True)]
    for measure in ("fatalities", "injuries", "arrests", "crowd_size"):
        if measure in df:
            numbers = pd.to_numeric(order[measure]).astype("Int64")
            by_cluster = numbers.groupby(order["cluster_id"], sort=True, observed=True)
            out[f"{measure}_low"] = by_cluster.min()
            out[f"{measure}_high"] = by_cluster.max()
            out[measure] = out[f"{measure}_high"]
    return out.reset_index()
