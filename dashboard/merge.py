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

Reports that merging cannot tell apart but by their article (same place,
coordinates, dates and type as compared) form one *class*; pairs are looked for
between classes, not reports, so hundreds of reports of "Almaty, 5 January,
Riots" cost one class. Candidate class pairs come from blocking: each class is
filed under every day of its window and under its grid cell (points) or its place
name (areas); only classes filed on a common day in the same or a neighbouring cell
are compared. The clusters are then grown from the smallest report of each class
in a cluster (:class:`_Linkage`), which gives the clusters of trying every matching
pair of reports. 20,000 events of six cities in one month (the dense case of
``bench/query.py``) merge in about 0.3 s; ``bench/merge.py`` has larger cases.

Analyst overrides come from the ``review`` table as (event_id, field ``cluster``,
value ``split``) rows; :func:`with_cluster_reviews` turns them into a
``cluster_review`` column, and an event marked ``split`` stays in its own cluster.
Tallies are never merged (the counting rule handles their series).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import cache
from itertools import chain, pairwise

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
    if not values:
        return df.assign(cluster_review="")
    return df.assign(cluster_review=[values.get(str(e), "") for e in df["event_id"]])


@cache
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

    def classes(self) -> np.ndarray:
        """A class number per event, -1 if it never merges; two events of one class are
        told apart by :meth:`compare` only by their article.

        The class is the place, coordinates, dates and type as merging sees them: at
        points Protests and Riots are one type and the sub-event type does not count.
        """
        rows = np.flatnonzero(self.mergeable)
        point = self.point[rows]
        table = np.column_stack([
            point, self.landmark[rows], self.place_code[rows], self.start[rows], self.end[rows],
            np.where(point & self.compatible[rows], -1, self.type_code[rows]),
            np.where(point, -1, self.subtype_code[rows]),
            *(x[rows].view(np.int64) for x in (self.lat, self.lon, self.geonameid))])
        order = np.lexsort(table.T)
        ordered = table[order]
        out = np.full(len(self.event_id), -1, np.int64)
        out[rows[order]] = np.cumsum(np.concatenate([[False], (ordered[1:] != ordered[:-1]).any(1)]))
        return out

    def filings(self, rows: np.ndarray) -> pd.DataFrame:
        """Each of ``rows`` under each day of its window (the first ``MAX_DAYS``).

        A point is filed under its grid cell (``CELL_DEG``), an area under its place name.
        """
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
        """Pairs ``a`` x ``b`` (broadcast): ``same`` (one incident if the articles differ?),
        ``rank``, ``km``, ``gap``.

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
        same = (self.mergeable[a] & self.mergeable[b] & types & dates
                & ((points & (same_landmark | same_city | landmark_in_city)) | areas))
        rank = np.select([points & same_landmark, points & same_city, points], [0, 1, 2], 3)
        return {"same": same, "rank": rank, "km": np.where(rank < 2, 0.0, km),
                "gap": np.abs(self.start[a] - self.start[b]) + np.abs(self.end[a] - self.end[b])}

    def reasons(self, heads: np.ndarray, rows: np.ndarray) -> list[str]:
        """Why each of ``rows`` is the same incident as its cluster's head, in words."""
        found = self.compare(heads, rows)
        start, end = self.start.tolist(), self.end.tolist()
        said: dict[tuple[object, ...], str] = {}
        out = []
        for i, j, rank, km in zip(heads.tolist(), rows.tolist(), found["rank"].tolist(),
                                  found["km"].tolist(), strict=True):
            key = (i, rank, km if rank == 2 else 0.0, self.location[j], start[j], end[j],
                   self.event_type[j])
            text = said.get(key)
            if text is None:
                text = said[key] = self._reason(i, j, rank, km)
            out.append(text)
        return out

    def _reason(self, i: int, j: int, rank: int, km: float) -> str:
        """Why row ``j`` is the same incident as row ``i``, given their ``compare`` rank and km."""
        gid = "" if np.isnan(self.geonameid[i]) else f" (geonameid {int(self.geonameid[i])})"
        level = "country" if self.location[i] in COUNTRY_NAMES.values() else "area"
        where = [f"same landmark {self.location[i]}", f"same place {self.location[i]}{gid}",
                 f"{km:.1f} km apart ({self.location[i]} / {self.location[j]})",
                 f"same {level} {self.location[i]}"][rank]
        same_day = self.start[i] == self.start[j] == self.end[i] == self.end[j]
        when = (f"same day {_day(self.start[i])}" if same_day else
                f"overlapping dates {_day(self.start[i])}..{_day(self.end[i])} / "
                f"{_day(self.start[j])}..{_day(self.end[j])}")
        return f"{where}, {when}, types {self.event_type[i]}/{self.event_type[j]}"


PAIR_CHUNK = 2_000_000
"""Joined filing pairs compared at a time: bounds memory for dense (day, cell) blocks."""


def _block_keys(filed: pd.DataFrame) -> tuple[np.ndarray, int]:
    """One integer per filing for its (day, x, y) block, with room for the ±1 neighbours,
    and the key step from one x to the next (the next y is the next key)."""
    day, x, y = (filed[c].to_numpy(np.int64) for c in ("day", "x", "y"))
    if not len(day):
        return np.zeros(0, np.int64), 1
    width_x, width_y = int(x.max() - x.min()) + 3, int(y.max() - y.min()) + 3
    keys = ((day - day.min()) * width_x + (x - x.min() + 1)) * width_y + (y - y.min() + 1)
    return keys, width_y


def _candidate_pairs(events: _Events, rows: np.ndarray) -> pd.DataFrame:
    """Pairs (i < j) of matching events among ``rows`` with their rank, distance and day gap.

    Two events are compared when they are filed on a common day under the same
    area or under neighbouring grid cells. The joined filings are expanded and
    compared a chunk of left-hand events at a time (about ``PAIR_CHUNK`` joined
    rows), keeping only the matching pairs, so a dense block does not hold all
    its n² joined rows at once; every pair (i, j) comes from the chunk holding i.
    """
    filed = events.filings(np.sort(rows))  # the chunks below are runs of ascending rows
    size = max(len(events.event_id), 1)
    # (filing rows, their block keys, the keys sorted, the rows in that order, neighbour key steps)
    sides = []
    for point in (False, True):
        part = filed[filed["point"] == point]
        keys, step_x = _block_keys(part)
        steps = tuple(dx * step_x + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                      ) if point else (0,)
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
            pick = slice(*np.searchsorted(rows, [first, last]).tolist())
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


def _class_links(events: _Events, classes: np.ndarray) -> pd.DataFrame:
    """Pairs of classes (``c <= d``) whose events match, best first, with ``rank``, ``km``, ``gap``.

    A class is linked to itself when two of its events match (if their articles differ).
    One event stands for its class: all of them compare alike.
    """
    labels, reps = np.unique(classes, return_index=True)
    reps = reps[labels >= 0]
    pairs = _candidate_pairs(events, reps)
    alike = events.compare(reps, reps)
    own = alike["same"]
    links = pd.DataFrame({
        "c": np.concatenate([classes[pairs["i"].to_numpy(np.int64)], classes[reps[own]]]),
        "d": np.concatenate([classes[pairs["j"].to_numpy(np.int64)], classes[reps[own]]]),
        **{k: np.concatenate([pairs[k].to_numpy(), alike[k][own]]) for k in ("rank", "km", "gap")},
    })
    links["km"] = links["km"].fillna(np.inf)
    low, high = links[["c", "d"]].min(axis=1), links[["c", "d"]].max(axis=1)
    links["c"], links["d"] = low, high
    return links.sort_values(["rank", "km", "gap"], kind="stable", ignore_index=True)


def _levels(links: pd.DataFrame) -> list[list[tuple[int, int]]]:
    """The class pairs of ``links`` (best first) in runs of equal rank, distance and gap.

    >>> _levels(pd.DataFrame({"c": [0, 1, 0], "d": [0, 1, 1], "rank": 1, "km": 0.0,
    ...                       "gap": [0, 0, 1]}))
    [[(0, 0), (1, 1)], [(0, 1)]]
    """
    keys = links[["rank", "km", "gap"]].to_numpy(float)
    starts = [0, *(np.flatnonzero((keys[1:] != keys[:-1]).any(axis=1)) + 1).tolist()]
    pairs = list(zip(links["c"].tolist(), links["d"].tolist(), strict=True))
    return [pairs[a:b] for a, b in pairwise([*starts, len(pairs)])] if pairs else []


class _Linkage:
    """Complete-linkage clusters grown best first, the same as joining every matching pair
    of events in the order (rank, km, gap, smaller id, larger id) when all members match.

    Events are named by their rank in ``event_id`` order; a cluster by one of its members.
    A cluster keeps its articles, the first (smallest) member of each class, and the
    classes every member matches. Only first members need to be tried: a pair with a
    later member of a class in its cluster has an earlier twin at the same level, the
    first member in its place; that twin was tried already and joined the two clusters
    or failed (or the two share an article), and a failed try never succeeds later, since
    clusters only grow.
    """

    def __init__(self, classes: list[int], articles: list[int], near: list[set[int]]) -> None:
        self.classes, self.articles, self.near = classes, articles, near
        self.cluster = list(range(len(classes)))
        self.first = bytearray(b"\x01" * len(classes))
        self.members: dict[int, list[int]] = {}
        self.sources: dict[int, set[int]] = {}
        self.firsts: dict[int, dict[int, int]] = {}
        self.fits: dict[int, set[int]] = {}

    def groups(self) -> list[list[int]]:
        """The clusters of more than one event."""
        return list(self.members.values())

    def _fits(self, a: int) -> set[int]:
        return self.fits[a] if a in self.fits else self.near[self.classes[a]]

    def join(self, a: int, b: int) -> bool:
        """Join clusters ``a`` and ``b`` if every member of one matches every member of the other."""
        if b not in self.members:
            return self._add(a, b)
        firsts_a = self.firsts.get(a) or {self.classes[a]: a}
        firsts_b = self.firsts.get(b) or {self.classes[b]: b}
        sources_a = self.sources.get(a) or {self.articles[a]}
        sources_b = self.sources.get(b) or {self.articles[b]}
        if not self._fits(a).issuperset(firsts_b) or not sources_a.isdisjoint(sources_b):
            return False
        members_a, members_b = self.members.get(a) or [a], self.members.get(b) or [b]
        if len(members_a) < len(members_b):
            a, b, firsts_a, firsts_b = b, a, firsts_b, firsts_a
            sources_a, sources_b, members_a, members_b = sources_b, sources_a, members_b, members_a
        if not firsts_b.keys() <= firsts_a.keys():
            self.fits[a] = self._fits(a) & self._fits(b)
        for c, x in firsts_b.items():
            kept = firsts_a.get(c)
            if kept is not None:
                self.first[max(kept, x)] = False
            firsts_a[c] = x if kept is None else min(kept, x)
        for x in members_b:
            self.cluster[x] = a
        sources_a |= sources_b
        members_a += members_b
        self.firsts[a], self.sources[a], self.members[a] = firsts_a, sources_a, members_a
        for table in (self.firsts, self.sources, self.members, self.fits):
            table.pop(b, None)
        return True

    def _add(self, a: int, b: int) -> bool:
        """:meth:`join` for a cluster ``b`` of one event (the usual case), kept by ``a``."""
        c, article = self.classes[b], self.articles[b]
        sources = self.sources.get(a) or {self.articles[a]}
        if c not in self._fits(a) or article in sources:
            return False
        firsts = self.firsts.get(a) or {self.classes[a]: a}
        kept = firsts.get(c)
        if kept is None:
            self.fits[a] = self._fits(a) & self.near[c]
            firsts[c] = b
        else:
            self.first[max(kept, b)] = False
            firsts[c] = min(kept, b)
        self.cluster[b] = a
        sources.add(article)
        self.firsts[a], self.sources[a] = firsts, sources
        self.members.setdefault(a, [a]).append(b)
        return True

    def link(self, level: list[tuple[int, int]], alive: list[list[int]]) -> None:
        """Try the pairs of events of the linked classes ``level`` in (smaller, larger) order.

        ``alive[c]`` holds, ascending, the events of class ``c`` that may still be first.
        """
        near: dict[int, list[int]] = {}
        for c, d in level:
            near.setdefault(c, []).append(d)
            if d != c:
                near.setdefault(d, []).append(c)
        first, cluster, classes, articles = self.first, self.cluster, self.classes, self.articles
        for c in near:
            alive[c] = [x for x in alive[c] if first[x]]
        last = {c: max(alive[d][-1] if alive[d] else -1 for d in linked)
                for c, linked in near.items()}
        for x in sorted(chain.from_iterable(alive[c][:bisect_left(alive[c], last[c])]
                                            for c in near)):
            if not first[x]:
                continue
            ys = self._later(x, near[classes[x]], alive)
            if not ys:
                continue
            a = cluster[x]
            sources, fits = self.sources.get(a) or {articles[a]}, self._fits(a)
            for y in ys:
                if (not first[y] or articles[y] in sources or classes[y] not in fits
                        or not self.join(a, cluster[y])):
                    continue
                if not first[x]:
                    break
                a = cluster[x]
                sources, fits = self.sources[a], self._fits(a)

    @staticmethod
    def _later(x: int, linked: list[int], alive: list[list[int]]) -> list[int]:
        """The events after ``x`` in the classes ``linked``, ascending."""
        if len(linked) == 1:
            ys = alive[linked[0]]
            return ys[bisect_right(ys, x):]
        return sorted(chain.from_iterable(alive[d][bisect_right(alive[d], x):] for d in linked))


def _clusters(events: _Events, id_rank: np.ndarray) -> list[list[int]]:
    """The rows of each cluster of more than one event (see :class:`_Linkage`)."""
    classes = events.classes()
    links = _class_links(events, classes)
    row_of = np.argsort(id_rank)
    ranked = classes[row_of]
    near: list[set[int]] = [set() for _ in range(int(classes.max(initial=-1)) + 1)]
    for c, d in zip(links["c"].tolist(), links["d"].tolist(), strict=True):
        near[c].add(d)
        near[d].add(c)
    order = np.argsort(ranked, kind="stable")
    bounds = np.searchsorted(ranked[order], np.arange(len(near) + 1))
    alive = [order[a:b].tolist() for a, b in pairwise(bounds)]
    linkage = _Linkage(ranked.tolist(), events.article[row_of].tolist(), near)
    for level in _levels(links):
        linkage.link(level, alive)
    return [row_of[group].tolist() for group in linkage.groups()]


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
    heads, rows = [], []
    cluster_id, reason = list(events.event_id), [""] * len(df)
    for group in _clusters(events, id_rank):
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
