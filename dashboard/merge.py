"""One picture across articles: the same incident reported by several articles becomes one cluster.

Two incidents from different articles are *the same* when all of these hold:

* same place: the same landmark (same name, within ``MERGE_KM``; two different
  landmarks never match); the same city (same ``geonameid``; two cities never
  match however close); a landmark and a city-level report within ``MERGE_KM``
  of it (the same place told less precisely); or, for region/country-level
  events, the same ``location`` and also the same type and sub-event type and
  the same single day, never for strategic developments (a country-wide
  "protests" is a weak place to merge on);
* their date windows ``[event_date, date_end]`` overlap;
* compatible types: equal, or both among ``Protests``/``Riots`` (one outlet's
  protest is another's riot).

Clusters are complete-linkage: every member matches every other, so day 5 and
day 6 of a protest never chain together through a report spanning both, and two
events of one article are never in one cluster. Pairs are joined best first (same
landmark, same city, landmark in a city, same region or country; then nearest and
closest in time) in an order fixed by the events' ids, so the result does not
depend on row order. A cluster's id is its smallest ``event_id``; each member's
``merge_reason`` says why it matches that one.

Candidate pairs come from blocking: each event is filed under every day of its
window and under its grid cell (points) or its place name (areas); only events
filed on a common day in the same or a neighbouring cell are compared. 20,000
events of six cities in one month (the dense case of ``bench/query.py``) merge in
about 1.1 s.

Analyst overrides come from the ``review`` table as (event_id, field ``cluster``,
value ``split``) rows; :func:`with_cluster_reviews` turns them into a
``cluster_review`` column, and an event marked ``split`` stays in its own cluster.
Tallies are never merged (the counting rule handles their series).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.counting import COUNTRY_NAMES, NO_DAY, codes_and_labels, day_numbers, strings

MERGE_KM = 10.0
"""Largest distance between two city/landmark-precision reports of one incident."""
CELL_DEG = (0.1, 0.2)
"""Grid cell (latitude, longitude degrees) events are filed under: at least ``MERGE_KM``
wide up to 60° latitude, so every pair within ``MERGE_KM`` is in neighbouring cells."""
MAX_DAYS = 32
"""Days of a window an event is filed under (longer windows match on their first month)."""
COMPATIBLE_TYPES = frozenset({"Protests", "Riots"})
AREA_UNMERGED_TYPES = frozenset({"Strategic developments"})
"""Types never merged at region or country level: a state of emergency, an internet
shutdown and a government's resignation on one day are different events."""
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
        self.article, self.type_code, self.subtype_code, self.place_code = (
            codes("article_id"), codes("event_type"), codes("sub_event_type"), codes("location"))
        self.area_mergeable = ~np.isin(np.array(self.event_type, dtype=object),
                                       list(AREA_UNMERGED_TYPES))
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

    def filings(self) -> pd.DataFrame:
        """Each mergeable event under each day of its window (the first ``MAX_DAYS``).

        A point is filed under its grid cell (``CELL_DEG``), an area under its place name.
        """
        rows = np.flatnonzero(self.mergeable)
        days = np.minimum(self.end[rows] - self.start[rows], MAX_DAYS - 1) + 1
        row = np.repeat(rows, days)
        offset = np.arange(len(row)) - np.repeat(np.cumsum(days) - days, days)
        point = self.point[row]
        lat, lon = (np.nan_to_num(np.degrees(x[row]) / d) for x, d in zip(
            (self.lat, self.lon), CELL_DEG, strict=True))
        return pd.DataFrame({
            "row": row, "day": self.start[row] + offset, "point": point,
            "x": np.where(point, np.floor(lat), 0).astype(np.int64),
            "y": np.where(point, np.floor(lon).astype(np.int64), self.place_code[row]),
        })

    def compare(self, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
        """Pairs ``a`` x ``b`` (broadcast): ``same`` (one incident?), ``rank``, ``km``, ``gap``.

        Rank 0 is the same landmark, 1 the same city, 2 a landmark in or near
        the reported city, 3 the same region, country or other named area.
        """
        types = (self.type_code[a] == self.type_code[b]) | (
            self.compatible[a] & self.compatible[b])
        dates = (self.start[a] <= self.end[b]) & (self.start[b] <= self.end[a])
        km = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(
            np.sin((self.lat[b] - self.lat[a]) / 2) ** 2 + np.cos(self.lat[a])
            * np.cos(self.lat[b]) * np.sin((self.lon[b] - self.lon[a]) / 2) ** 2, 0, 1)))
        close = np.nan_to_num(km, nan=np.inf) <= MERGE_KM
        same_name = self.place_code[a] == self.place_code[b]
        landmark_a, landmark_b = self.landmark[a], self.landmark[b]
        no_ids = np.isnan(self.geonameid[a]) & np.isnan(self.geonameid[b])
        same_landmark = landmark_a & landmark_b & same_name & close
        same_city = ~landmark_a & ~landmark_b & (
            (self.geonameid[a] == self.geonameid[b]) | (no_ids & same_name & close))
        landmark_in_city = (landmark_a != landmark_b) & close
        points = self.point[a] & self.point[b]
        single_day = (self.start[a] == self.start[b]) & (self.end[a] == self.end[b]) & (
            self.start[a] == self.end[a])
        areas = (~self.point[a] & ~self.point[b] & same_name & single_day
                 & self.area_mergeable[a] & (self.type_code[a] == self.type_code[b])
                 & (self.subtype_code[a] == self.subtype_code[b]))
        same = (self.mergeable[a] & self.mergeable[b] & (self.article[a] != self.article[b])
                & types & dates & ((points & (same_landmark | same_city | landmark_in_city))
                                   | areas))
        rank = np.select([points & same_landmark, points & same_city, points], [0, 1, 2], 3)
        return {"same": same, "rank": rank, "km": np.where(rank < 2, 0.0, km),
                "gap": np.abs(self.start[a] - self.start[b]) + np.abs(self.end[a] - self.end[b])}

    def reasons(self, heads: np.ndarray, rows: np.ndarray) -> list[str]:
        """Why each of ``rows`` is the same incident as its cluster's head, in words."""
        found = self.compare(heads, rows)
        out = []
        for i, j, rank, km in zip(heads.tolist(), rows.tolist(), found["rank"].tolist(),
                                  found["km"].tolist(), strict=True):
            gid = "" if np.isnan(self.geonameid[i]) else f" (geonameid {int(self.geonameid[i])})"
            level = "country" if self.location[i] in COUNTRY_NAMES.values() else "area"
            where = [f"same landmark {self.location[i]}", f"same place {self.location[i]}{gid}",
                     f"{km:.1f} km apart ({self.location[i]} / {self.location[j]})",
                     f"same {level} {self.location[i]}"][rank]
            same_day = self.start[i] == self.start[j] == self.end[i] == self.end[j]
            when = (f"same day {_day(self.start[i])}" if same_day else
                    f"overlapping dates {_day(self.start[i])}..{_day(self.end[i])} / "
                    f"{_day(self.start[j])}..{_day(self.end[j])}")
            out.append(f"{where}, {when}, types {self.event_type[i]}/{self.event_type[j]}")
        return out


PAIR_CHUNK = 2_000_000
"""Joined filing pairs compared at a time: bounds memory for dense (day, cell) blocks."""


def _block_keys(filed: pd.DataFrame) -> tuple[np.ndarray, int, int]:
    """One integer per filing for its (day, x, y) block, with room for the ±1 neighbours."""
    day, x, y = (filed[c].to_numpy(np.int64) for c in ("day", "x", "y"))
    if not len(day):
        return np.zeros(0, np.int64), 1, 1
    width_x, width_y = int(x.max() - x.min()) + 3, int(y.max() - y.min()) + 3
    keys = ((day - day.min()) * width_x + (x - x.min() + 1)) * width_y + (y - y.min() + 1)
    return keys, width_y, 1


def _candidate_pairs(events: _Events) -> pd.DataFrame:
    """Pairs (i < j) of matching events with their rank, distance and day gap.

    Two events are compared when they are filed on a common day under the same
    area or under neighbouring grid cells. The joined filings are expanded and
    compared a chunk of left-hand events at a time (about ``PAIR_CHUNK`` joined
    rows), keeping only the matching pairs, so a dense block does not hold all
    its n² joined rows at once; every pair (i, j) comes from the chunk holding i.
    """
    filed = events.filings()
    size = max(len(events.event_id), 1)
    # (left filing row, block key, right rows sorted by key, neighbour key steps)
    sides = []
    for point, steps in ((False, (0,)), (True, None)):
        part = filed[filed["point"] == point]
        keys, step_x, step_y = _block_keys(part)
        if steps is None:
            steps = tuple(dx * step_x + dy * step_y for dx in (-1, 0, 1) for dy in (-1, 0, 1))
        rows = part["row"].to_numpy(np.int64)
        order = np.argsort(keys, kind="stable")
        sides.append((rows, keys, keys[order], rows[order], steps))
    # joined rows per filing, per step
    spans = []
    cost = np.zeros(size, np.int64)
    for rows, keys, sorted_keys, _, steps in sides:
        lows, highs = [], []
        for step in steps:
            lows.append(np.searchsorted(sorted_keys, keys + step, "left"))
            highs.append(np.searchsorted(sorted_keys, keys + step, "right"))
            cost += np.bincount(rows, highs[-1] - lows[-1], minlength=size).astype(np.int64)
        spans.append((lows, highs))
    total = np.cumsum(cost)
    bounds = np.unique(np.searchsorted(
        total, np.arange(PAIR_CHUNK, int(total[-1]) + PAIR_CHUNK, PAIR_CHUNK), "left") + 1)
    bounds = np.concatenate([[0], np.minimum(bounds, size)])
    bounds = np.unique(np.append(bounds, size))
    found_parts: list[dict[str, np.ndarray]] = []
    for first, last in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        chunk = []
        for (rows, _, _, sorted_rows, _), (lows, highs) in zip(sides, spans, strict=True):
            pick = slice(*np.searchsorted(rows, [first, last]).tolist())  # rows ascend
            for low, high in zip(lows, highs, strict=True):
                count = (high - low)[pick]
                left = np.repeat(rows[pick], count)
                at = np.repeat(low[pick] - np.cumsum(count) + count, count) + np.arange(len(left))
                right = sorted_rows[at]
                chunk.append((left * size + right)[left < right])
        keys = np.sort(np.concatenate(chunk)) if chunk else np.zeros(0, np.int64)
        keys = keys[np.diff(keys, prepend=-1) != 0]
        i, j = keys // size, keys % size
        found = events.compare(i, j)
        keep = found["same"]
        found_parts.append({"i": i[keep], "j": j[keep], "rank": found["rank"][keep],
                            "km": found["km"][keep], "gap": found["gap"][keep]})
    return pd.DataFrame({c: np.concatenate([p[c] for p in found_parts])
                         for c in ("i", "j", "rank", "km", "gap")})


def _neighbours(i: np.ndarray, j: np.ndarray) -> dict[int, set[int]]:
    """Each row's matching rows, from the pairs ``(i, j)``.

    >>> _neighbours(np.array([0, 0]), np.array([1, 2]))
    {0: {1, 2}, 1: {0}, 2: {0}}
    """
    if not len(i):
        return {}
    ends, others = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.argsort(ends, kind="stable")
    ends, others = ends[order], others[order]
    starts = np.flatnonzero(np.diff(ends, prepend=-1))
    shared = list(range(int(others.max()) + 1))  # one int object per row, not per set entry
    return {int(row): set(map(shared.__getitem__, group.tolist())) for row, group in zip(
        ends[starts].tolist(), np.split(others, starts[1:]), strict=True)}


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
    matches = _neighbours(i, j)
    members: dict[int, list[int]] = {}
    common: dict[int, set[int]] = {}
    root = list(range(len(df)))
    step = max(PAIR_CHUNK // 20, 1)  # pairs turned into Python ints at a time
    for x, y in ((x, y) for at in range(0, len(order), step) for x, y in zip(
            i[order[at:at + step]].tolist(), j[order[at:at + step]].tolist(), strict=True)):
        a, b = root[x], root[y]
        if a == b:
            continue
        group_a, group_b = members.get(a, [a]), members.get(b, [b])
        fits_a = common[a] if a in common else matches[a]
        if not fits_a.issuperset(group_b):
            continue
        fits_b = common.pop(b) if b in common else matches[b]
        common[a] = fits_a & fits_b
        members[a] = group_a + group_b
        members.pop(b, None)
        for z in group_b:
            root[z] = a
    heads, rows = [], []
    cluster_id, reason = list(events.event_id), [""] * len(df)
    for group in members.values():
        head = min(group, key=id_rank.__getitem__)
        for x in group:
            cluster_id[x] = events.event_id[head]
            if x != head:
                heads.append(head)
                rows.append(x)
    for x, text in zip(rows, events.reasons(np.array(heads, np.int64), np.array(rows, np.int64)),
                       strict=True):
        reason[x] = text
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
