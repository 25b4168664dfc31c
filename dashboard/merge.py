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

from dashboard.counting import NO_DAY, day_numbers, strings

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


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return float(2 * _EARTH_KM * np.arcsin(np.sqrt(a)))


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


class _Events:
    """The incident columns merging needs, as plain Python lists indexed by row position."""

    def __init__(self, df: pd.DataFrame) -> None:
        def text(name: str) -> list[str]:
            return strings(df[name]) if name in df else [""] * len(df)

        def numbers(name: str) -> np.ndarray:
            return pd.to_numeric(df[name]).to_numpy(dtype=float, na_value=np.nan) \
                if name in df else np.full(len(df), np.nan)

        self.event_id, self.article = text("event_id"), text("article_id")
        self.event_type, self.location, self.kind = (
            text("event_type"), text("location"), text("kind"))
        self.review = text("cluster_review")
        self.lat, self.lon = numbers("latitude"), numbers("longitude")
        self.precision, self.geonameid = numbers("geo_precision"), numbers("geonameid")
        start = day_numbers(df["event_date"]) if len(df) else np.zeros(0, np.int64)
        end = day_numbers(df["date_end"]) if "date_end" in df and len(df) else start
        self.start, self.end = start, np.where(end == NO_DAY, start, np.maximum(end, start))

    def mergeable(self, i: int) -> bool:
        return (self.kind[i] == "incident" and self.start[i] != NO_DAY
                and self.review[i] != SPLIT)

    def point(self, i: int) -> bool:
        return self.precision[i] in (1, 2) and not np.isnan(self.lat[i] + self.lon[i])

    def blocks(self, i: int) -> Iterator[tuple[object, ...]]:
        """Keys under which a matching event must also be found (one per day of the window)."""
        for day in range(int(self.start[i]), int(min(self.end[i], self.start[i] + 31)) + 1):
            if self.point(i):
                yield ("cell", day, int(self.lat[i] // 0.1), int(self.lon[i] // 0.1))
            else:
                yield ("place", day, self.location[i])

    def near_blocks(self, i: int) -> Iterator[tuple[object, ...]]:
        for key in self.blocks(i):
            if key[0] == "cell":
                for dlat in (-1, 0, 1):
                    for dlon in (-1, 0, 1):
                        yield ("cell", key[1], key[2] + dlat, key[3] + dlon)  # type: ignore[operator]
            else:
                yield key

    def match(self, i: int, j: int) -> tuple[int, float, int, str] | None:
        """(rank, km, day gap, reason) when ``i`` and ``j`` are one incident, else None.

        Rank 0 is the same landmark, 1 the same gazetteer place, 2 nearby points,
        3 the same region or country.
        """
        if self.article[i] == self.article[j]:
            return None
        types = {self.event_type[i], self.event_type[j]}
        if len(types) > 1 and not types <= COMPATIBLE_TYPES:
            return None
        if self.start[i] > self.end[j] or self.start[j] > self.end[i]:
            return None
        same_day = self.start[i] == self.start[j] == self.end[i] == self.end[j]
        place = self._same_place(i, j, same_day)
        if place is None:
            return None
        rank, km, where = place
        when = (f"same day {_day(self.start[i])}" if same_day else
                f"overlapping dates {_day(self.start[i])}..{_day(self.end[i])} / "
                f"{_day(self.start[j])}..{_day(self.end[j])}")
        gap = int(abs(self.start[i] - self.start[j]) + abs(self.end[i] - self.end[j]))
        return rank, km, gap, f"{where}, {when}, types {self.event_type[i]}/{self.event_type[j]}"

    def _same_place(self, i: int, j: int, same_day: bool) -> tuple[int, float, str] | None:
        if self.point(i) and self.point(j):
            landmarks = self.precision[i] == self.precision[j] == 1
            if self.geonameid[i] == self.geonameid[j] or landmarks and (
                    self.location[i] == self.location[j]):
                gid = "" if np.isnan(self.geonameid[i]) else f" (geonameid {int(self.geonameid[i])})"
                return 0 if landmarks else 1, 0.0, f"same place {self.location[i]}{gid}"
            if landmarks:
                return None
            km = _km(self.lat[i], self.lon[i], self.lat[j], self.lon[j])
            if km > MERGE_KM:
                return None
            return 2, km, f"{km:.1f} km apart ({self.location[i]} / {self.location[j]})"
        if self.point(i) or self.point(j):
            return None
        if (self.location[i] != self.location[j] or not same_day
                or self.event_type[i] != self.event_type[j]):
            return None
        level = "region" if self.precision[i] == 3 else "country"
        return 3, 0.0, f"same {level} {self.location[i]}"


def _candidate_pairs(events: _Events, rows: list[int]) -> set[tuple[int, int]]:
    blocks: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i in rows:
        for key in events.blocks(i):
            blocks[key].append(i)
    pairs = set()
    for i in rows:
        for key in events.near_blocks(i):
            for j in blocks.get(key, ()):
                if i < j:
                    pairs.add((i, j))
    return pairs


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
    rows = sorted((i for i in range(len(df)) if events.mergeable(i)),
                  key=lambda i: events.event_id[i])
    scored = []
    for i, j in _candidate_pairs(events, rows):
        found = events.match(i, j)
        if found is not None:
            ids = sorted((events.event_id[i], events.event_id[j]))
            scored.append((*found[:3], ids, i, j))
    members = {i: [i] for i in range(len(df))}
    root = list(range(len(df)))
    for *_, i, j in sorted(scored):
        a, b = root[i], root[j]
        if a == b or not all(events.match(x, y) for x in members[a] for y in members[b]):
            continue
        members[a] += members.pop(b)
        for x in members[a]:
            root[x] = a
    cluster_id, reason = list(events.event_id), [""] * len(df)
    for group in members.values():
        first = min(group, key=lambda x: events.event_id[x])
        for x in group:
            cluster_id[x] = events.event_id[first]
            if x != first:
                reason[x] = events.match(first, x)[3]  # type: ignore[index]
    for i in range(len(df)):
        if events.review[i] == SPLIT:
            reason[i] = "kept apart by analyst review"
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
