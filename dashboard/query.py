"""Pure functions on the events DataFrame: filters, totals, timeline bins, city counts, exports.

Every function takes a frame (``Store.events_frame()``: ``EVENT_COLUMNS`` plus
``published``, ``title``, ``source_url``) and returns a new value; nothing here
reads a database. The only state is a memo of values derived from a frame (the
masks of recent filters, a text-search index of its evidence, its timeline
arrays), kept by the frame's identity while it lives: frames are never modified
in place. The dashboard and the CLI call the same functions, so a download
and ``protestmap export`` give the same bytes for the same filters.

A city filter also keeps the city's landmarks (:func:`landmark_cities`). For one
picture across articles, pass the frame through :func:`merge_events` first
(analyst splits: :func:`with_cluster_reviews`); ``totals`` then counts each
cluster once and :func:`clusters_frame` gives one row per cluster.

For speed on large frames call :func:`as_query_frame` once after loading (and
cache the result, the same object on every call): it turns text columns into
categoricals and dates into ``datetime64``, which makes masks and row selection
cheap. Prefer :func:`filter_mask` to :func:`filter_events` and take only the
columns you show; :func:`timeline_bins` takes the mask too.

Counting lives in :mod:`dashboard.counting`, exports in :mod:`dashboard.exports`,
cross-article merging in :mod:`dashboard.merge`; their public names are
re-exported here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.counting import (
    MEMO,
    NO_DAY,
    Figure,
    FrameMemo,
    Totals,
    category_codes,
    codes_and_labels,
    count_totals,
    day_numbers,
    strings,
    tally_scope_level,
)
from dashboard.errors import BadInput
from dashboard.exports import export_csv, export_geojson, manifest, rows_without_coordinates
from dashboard.merge import clusters_frame, merge_events, with_cluster_reviews

__all__ = [
    "Figure", "Filters", "Totals", "as_query_frame", "city_counts", "clusters_frame",
    "export_csv", "export_geojson", "filter_events", "filter_mask", "landmark_cities", "manifest",
    "merge_events", "prepare",
    "rows_without_coordinates", "timeline_bins", "totals", "with_cluster_reviews",
]

LANDMARK_CITY_KM = 15.0
"""A landmark belongs to the nearest city of its region within this distance (city filter, counts)."""
MAX_SPAN_DAYS = 366
"""A multi-day event longer than this is binned on its first ``MAX_SPAN_DAYS`` days only."""

_LIST_PARAMS = {
    "cities": "city", "regions": "region", "event_types": "type",
    "sources": "source", "languages": "lang",
}
_DATE_COLUMNS = ("event_date", "date_end", "published")
_NUMBER_COLUMNS = ("latitude", "longitude")
_INT_COLUMNS = ("time_precision", "geo_precision", "geonameid", "fatalities", "injuries",
                "arrests", "crowd_size", "sentence_index")


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the events to; empty fields do not filter.

    Lists are tuples (a ``list`` given is turned into one); ``since``/``until``
    are inclusive days. ``text`` is a literal, case-insensitive search in the
    evidence sentence.

    >>> f = Filters(cities=["Almaty"], since=date(2022, 1, 5))
    >>> f.to_query_params()
    {'city': ['Almaty'], 'since': ['2022-01-05']}
    >>> Filters.from_query_params(f.to_query_params()) == f
    True
    """

    cities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    text: str = ""
    geo_precision: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in (*_LIST_PARAMS, "geo_precision"):
            value = getattr(self, name)
            if isinstance(value, str | int):
                value = (value,)
            object.__setattr__(self, name, tuple(value))

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | Sequence[str]]) -> Filters:
        """Filters from URL query parameters (repeated keys for lists, ISO dates).

        Unknown keys are ignored; a malformed date or precision raises ``BadInput``.

        >>> Filters.from_query_params({"type": ["Riots", "Protests"], "until": "2022-01-10"})
        ... # doctest: +NORMALIZE_WHITESPACE
        Filters(cities=(), regions=(), event_types=('Riots', 'Protests'), sources=(),
                languages=(), since=None, until=datetime.date(2022, 1, 10), text='',
                geo_precision=())
        """
        def values(key: str) -> list[str]:
            raw = params.get(key, ())
            return [v for v in ([raw] if isinstance(raw, str) else list(raw)) if v != ""]

        def one_date(key: str) -> date | None:
            given = values(key)
            if not given:
                return None
            try:
                return date.fromisoformat(given[-1])
            except ValueError:
                raise BadInput(f"query parameter {key}: {given[-1]!r} is not a date "
                               f"(expected YYYY-MM-DD)") from None

        precision = []
        for v in values("precision"):
            if v not in ("1", "2", "3", "4"):
                raise BadInput(f"query parameter precision: {v!r} is not one of 1, 2, 3, 4")
            precision.append(int(v))
        text = values("q")
        return cls(
            **{name: tuple(values(key)) for name, key in _LIST_PARAMS.items()},
            since=one_date("since"), until=one_date("until"),
            text=text[-1] if text else "", geo_precision=tuple(precision),
        )

    def to_query_params(self) -> dict[str, list[str]]:
        """The non-empty filters as URL query parameters (see :meth:`from_query_params`)."""
        params: dict[str, list[str]] = {}
        for name, key in _LIST_PARAMS.items():
            if getattr(self, name):
                params[key] = list(getattr(self, name))
        for key in ("since", "until"):
            if getattr(self, key) is not None:
                params[key] = [getattr(self, key).isoformat()]
        if self.text:
            params["q"] = [self.text]
        if self.geo_precision:
            params["precision"] = [str(p) for p in self.geo_precision]
        return params

    def is_empty(self) -> bool:
        """True when no field filters anything.

        >>> Filters().is_empty(), Filters(text="akimat").is_empty()
        (True, False)
        """
        return all(not getattr(self, f.name) for f in fields(self))


def as_query_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The same events with fast dtypes: categorical text, ``datetime64`` dates, ``Int64`` counts.

    Values are unchanged (a date stays the same day, a missing count stays missing);
    call it once per data load and cache the result.

    >>> out = as_query_frame(pd.DataFrame({"location": ["Almaty"], "fatalities": [None],
    ...                                    "event_date": [date(2022, 1, 5)]}))
    >>> str(out["location"].dtype), str(out["fatalities"].dtype), out["event_date"].iloc[0].date()
    ('category', 'Int64', datetime.date(2022, 1, 5))
    """
    columns: dict[str, Any] = {}
    for name, column in df.items():
        if name in _DATE_COLUMNS:
            column = pd.to_datetime(column)
        elif name in _INT_COLUMNS:
            column = pd.to_numeric(column).astype("Int64")
        elif name in _NUMBER_COLUMNS:
            column = pd.to_numeric(column).astype("float64")
        elif not isinstance(column.dtype, pd.CategoricalDtype) and (
            column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        ):
            column = column.astype("category")
        columns[str(name)] = column
    return pd.DataFrame(columns, index=df.index)


def _isin(column: pd.Series, values: Iterable[Any]) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        hits = np.append(column.cat.categories.isin(list(values)), False)
        return hits[category_codes(column)]
    return column.isin(list(values)).to_numpy(dtype=bool, na_value=False)


_MASKS = FrameMemo(8)


class _TextIndex:
    """Lowercased strings in an in-memory DuckDB table: substring search on both cores.

    >>> _TextIndex(["Akimat burned", "Площадь"]).contains("площ").tolist()
    [False, True]
    """

    def __init__(self, values: Sequence[str]) -> None:
        import duckdb

        lowered = pc.utf8_lower(pa.array(values, type=pa.string()))
        self.con = duckdb.connect(":memory:")
        self.con.register("incoming", pa.table({"s": lowered}))
        self.con.execute("CREATE TABLE texts AS SELECT s FROM incoming")
        self.con.unregister("incoming")
        self.lock = threading.Lock()

    def contains(self, text: str) -> np.ndarray:
        with self.lock:
            found = self.con.execute("SELECT contains(s, $q) AS hit FROM texts",
                                     {"q": text.lower()}).fetchnumpy()["hit"]
        return np.asarray(found, dtype=bool)


def _text_index(categories: pd.Index) -> _TextIndex:
    return MEMO.get(categories, "text-index", lambda: _TextIndex(  # type: ignore[no-any-return]
        categories.astype("str").tolist() if not pd.api.types.is_string_dtype(categories.dtype)
        else categories.tolist()))


def prepare(df: pd.DataFrame) -> None:
    """Build ``df``'s per-frame indexes now (text search, landmark distances, timeline arrays).

    Call it once per data load on the frame from :func:`as_query_frame`, next to
    caching it, so that the first filter is as fast as the others; without it the
    first use builds them.
    """
    if "evidence" in df and isinstance(df["evidence"].dtype, pd.CategoricalDtype):
        _text_index(df["evidence"].cat.categories)
    MEMO.get(df, "landmark-distances", lambda: _landmark_distances(df))
    MEMO.get(df, "timeline", lambda: _timeline(df))


def _category_hits(categories: pd.Index, text: str) -> np.ndarray:
    """Which categories contain ``text`` (any case), plus ``False`` for a missing value (code -1)."""
    return MEMO.get(categories, ("text", text),  # type: ignore[no-any-return]
                     lambda: np.append(_text_index(categories).contains(text), False))


def _contains(column: pd.Series, text: str) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _category_hits(column.cat.categories, text)[category_codes(column)]
    found = column.astype("str").str.contains(text, case=False, regex=False)
    return found.to_numpy(dtype=bool, na_value=False)


def _datetimes(column: pd.Series) -> np.ndarray:
    """The column as a numpy ``datetime64`` array (no copy when it already is one)."""
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        column = pd.to_datetime(column)
    return column.to_numpy()


def _date_mask(df: pd.DataFrame, since: date | None, until: date | None) -> np.ndarray:
    start = _datetimes(df["event_date"])
    end = _datetimes(df["date_end"]) if "date_end" in df else start
    mask = ~np.isnat(start)
    if since is not None:
        first = np.datetime64(since, "D").astype(start.dtype)
        mask &= (start >= first) | (end >= first)
    if until is not None:
        mask &= start <= np.datetime64(until, "D").astype(start.dtype)
    return mask


def _masks(df: pd.DataFrame, f: Filters) -> dict[str, np.ndarray]:
    """One boolean mask per active filter field, named by the field (memoised per frame)."""
    return _MASKS.get(df, f, lambda: _compute_masks(df, f))  # type: ignore[no-any-return]


def _compute_masks(df: pd.DataFrame, f: Filters) -> dict[str, np.ndarray]:
    columns = {"regions": "admin1", "event_types": "event_type",
               "sources": "source", "languages": "language", "geo_precision": "geo_precision"}
    masks = {name: _isin(df[col], getattr(f, name)) for name, col in columns.items()
             if getattr(f, name)}
    if f.cities:
        masks["cities"] = _isin(df["location"], (*f.cities, *landmark_cities(df, f.cities)))
    if f.since is not None or f.until is not None:
        masks["dates"] = _date_mask(df, f.since, f.until)
    if f.text:
        masks["text"] = _contains(df["evidence"], f.text)
    return masks


def filter_mask(df: pd.DataFrame, f: Filters) -> np.ndarray:
    """The boolean row mask of :func:`filter_events` (no rows copied).

    >>> df = pd.DataFrame({"location": ["Almaty", "Aktau"], "evidence": ["a", "b"],
    ...                    "event_date": pd.to_datetime(["2022-01-05", "2022-01-06"])})
    >>> filter_mask(df, Filters(cities=("Aktau",))).tolist()
    [False, True]
    """
    mask = np.ones(len(df), dtype=bool)
    for part in _masks(df, f).values():
        mask &= part
    return mask


def filter_events(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The events matching every filter in ``f`` (all columns, original order).

    An event spanning several days is kept when ``[event_date, date_end]`` overlaps
    ``[since, until]``; with a date filter, events without a date are left out.

    >>> df = pd.DataFrame({"location": ["Almaty", "Aktau"], "evidence": ["Akimat burned", "b"],
    ...                    "event_date": pd.to_datetime(["2022-01-05", "2022-01-06"]),
    ...                    "date_end": pd.to_datetime(["2022-01-07", "2022-01-06"])})
    >>> filter_events(df, Filters(since=date(2022, 1, 7)))["location"].tolist()
    ['Almaty']
    >>> filter_events(df, Filters(text="AKIMAT"))["location"].tolist()
    ['Almaty']
    """
    mask = filter_mask(df, f)
    return df if mask.all() else df[mask]


def totals(df_all: pd.DataFrame, f: Filters) -> Totals:
    """The counters for the filter ``f`` under the counting rule (see :mod:`dashboard.counting`).

    Takes the whole frame: tallies are chosen by their scope and date. A tally
    applies only when its whole scope is inside the filter: under a city filter
    only those cities' own tallies, under a region filter those regions' and
    their cities' tallies, and none when an event-type or text filter narrows
    the incidents (a tally counts every kind of event). Source, language,
    precision and date filters apply to a tally's own row: a figure dated after
    ``until`` (or before ``since``) does not count.

    >>> df = pd.DataFrame({"kind": ["incident"], "event_date": pd.to_datetime(["2022-01-05"]),
    ...     "location": ["Almaty"], "admin1": ["Almaty City"], "country": ["KZ"],
    ...     "fatalities": pd.array([3], dtype="Int64"), "fatalities_qualifier": ["exact"]})
    >>> totals(df, Filters()).killed.value
    3
    """
    return MEMO.get(df_all, ("totals", f), lambda: _totals(df_all, f))  # type: ignore[no-any-return]


def _totals(df_all: pd.DataFrame, f: Filters) -> Totals:
    if not len(df_all):
        return count_totals(df_all, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))
    masks = _masks(df_all, f)
    is_tally = MEMO.get(df_all, "tallies", lambda: (df_all["kind"] == "tally").to_numpy(
        dtype=bool, na_value=False))
    rows = _without(masks, (), len(df_all))
    narrowing = [name for name in ("event_types", "text") if name in masks]
    tallies = rows & is_tally if not narrowing else np.zeros(len(df_all), dtype=bool)
    allowed = ["city"] if f.cities else ["admin1", "city"] if f.regions else []
    if allowed and tallies.any():
        tallies[tallies] = np.isin(tally_scope_level(df_all[tallies]), allowed)
    outside = is_tally & _without(masks, ("cities", "regions", *narrowing), len(df_all)) & ~tallies
    note = ""
    if narrowing and outside.any():
        blocked = " and ".join({"event_types": "an event-type filter",
                                "text": "a text search"}[n] for n in narrowing)
        note = (f"tallies not applied: {blocked} narrows the incidents, while a tally "
                "counts everything in its scope")
    elif outside.any():
        note = (f"{'country and region' if f.cities else 'country'} tallies not applied: "
                f"the {'city' if f.cities else 'region'} filter covers only part of their scope")
    city_tallies = tallies.any() and (tally_scope_level(df_all[tallies]) == "city").any()
    return count_totals(df_all, rows & ~is_tally, tallies, note=note,
                        where=", ".join(f.cities) if f.cities else ", ".join(f.regions),
                        landmarks=landmark_cities(df_all) if city_tallies else None)


def _without(masks: dict[str, np.ndarray], names: Sequence[str], n: int) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    for name, part in masks.items():
        if name not in names:
            mask &= part
    return mask


@dataclass(frozen=True)
class _Timeline:
    """Every row's (day, type) bin, and the extra bins of the days after the first of multi-day rows.

    ``keys`` is ``(day - first) * len(labels) + type code``, ``-1`` for tallies
    and undated rows; ``later_keys`` belong to the rows ``later_rows``.
    """

    first: int
    labels: np.ndarray
    keys: np.ndarray
    later_keys: np.ndarray
    later_rows: np.ndarray


def _timeline(df: pd.DataFrame) -> _Timeline:
    start = day_numbers(df["event_date"]) if len(df) else np.zeros(0, np.int64)
    dated = start != NO_DAY
    if "kind" in df:
        dated &= ~(df["kind"] == "tally").to_numpy(dtype=bool, na_value=False)
    type_codes, labels = codes_and_labels(df["event_type"])
    first = int(start[dated].min()) if dated.any() else 0
    keys = np.where(dated, (start - first) * len(labels) + type_codes, -1)
    end = day_numbers(df["date_end"]) if "date_end" in df and len(df) else start
    extra = np.where(dated, np.minimum(np.maximum(end, start) - start, MAX_SPAN_DAYS - 1), 0)
    multi = np.flatnonzero(extra)
    spans = extra[multi]
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans) + 1
    return _Timeline(first, labels, keys, np.repeat(keys[multi], spans) + offsets * len(labels),
                     np.repeat(multi, spans))


def timeline_bins(df: pd.DataFrame, mask: np.ndarray | None = None) -> pd.DataFrame:
    """Events per day per ``event_type``; an event spanning several days counts on each.

    ``mask`` picks the rows to bin (a :func:`filter_mask`), which spares copying them.
    Columns ``date`` (datetime64, one per day), ``event_type``, ``events`` (int);
    only days with events appear. Tallies (statements of a running total, not
    events on the ground) and rows without a date are left out.

    >>> df = pd.DataFrame({"event_type": ["Riots", "Protests"],
    ...                    "event_date": pd.to_datetime(["2022-01-05", "2022-01-05"]),
    ...                    "date_end": pd.to_datetime(["2022-01-06", None])})
    >>> [(str(d.date()), t, n) for d, t, n in timeline_bins(df).itertuples(index=False)]
    [('2022-01-05', 'Protests', 1), ('2022-01-05', 'Riots', 1), ('2022-01-06', 'Riots', 1)]
    >>> len(timeline_bins(df, np.array([False, True])))
    1
    """
    line = MEMO.get(df, "timeline", lambda: _timeline(df))
    keys, later = line.keys, line.later_keys
    if mask is not None:
        keys, later = keys[mask], later[mask[line.later_rows]]
    keys = keys[keys >= 0]
    if not len(keys):
        return pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"),
                             "event_type": pd.Series([], dtype="str"),
                             "events": pd.Series([], dtype="int64")})
    counts = np.bincount(keys)
    if len(later):
        more = np.bincount(later)
        counts = np.pad(counts, (0, max(0, len(more) - len(counts))))
        counts[:len(more)] += more
    labels, first = line.labels, line.first
    keys = np.flatnonzero(counts)
    out = pd.DataFrame({
        "date": (first + keys // len(labels)).astype("datetime64[D]").astype("datetime64[ns]"),
        "event_type": pd.Series(labels[keys % len(labels)], dtype="str"),
        "events": counts[keys].astype(np.int64),
    })
    return out.sort_values(["date", "event_type"], kind="stable", ignore_index=True)


def _places(df: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """location, latitude, longitude, admin1 of the first of ``rows`` at each location."""
    at = np.flatnonzero(rows)
    at = at[np.unique(codes_and_labels(df["location"], at)[0], return_index=True)[1]]
    columns = ("location", "latitude", "longitude", "admin1")
    places = pd.DataFrame({c: (strings(df[c].take(at)) if c in ("location", "admin1")
                               else df[c].take(at).to_numpy(dtype=float, na_value=np.nan))
                           if c in df else [""] * len(at) for c in columns})
    return places.drop_duplicates("location")


def _precision(df: pd.DataFrame) -> np.ndarray:
    if "geo_precision" not in df:
        return np.zeros(len(df))
    return pd.to_numeric(df["geo_precision"]).to_numpy(dtype=float, na_value=0)


def landmark_cities(df: pd.DataFrame, cities: Sequence[str] | None = None) -> dict[str, str]:
    """Each landmark's city: a city place of the frame within ``LANDMARK_CITY_KM`` in its region.

    ``cities`` limits the cities looked at (those of a city filter); by default
    every city in the frame counts and the nearest wins.

    >>> df = pd.DataFrame({"location": ["Almaty", "Almaty City Akimat", "Aktau"],
    ...     "geo_precision": [2, 1, 2], "admin1": ["Almaty City", "Almaty City", "Mangystau"],
    ...     "latitude": [43.25, 43.238, 43.65], "longitude": [76.91, 76.945, 51.17]})
    >>> landmark_cities(df)
    {'Almaty City Akimat': 'Almaty'}
    """
    key = ("landmarks", None if cities is None else tuple(cities))
    return MEMO.get(df, key, lambda: _landmark_cities(df, cities))  # type: ignore[no-any-return]


def _landmark_distances(df: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    """Landmarks, cities, and km between them (``inf`` across regions): once per frame."""
    precision = _precision(df)
    landmark = precision == 1
    if not landmark.any() or "latitude" not in df:
        return [], [], np.zeros((0, 0))
    towns, spots = _places(df, precision == 2), _places(df, landmark)
    lat1, lon1 = (np.radians(spots[c].to_numpy(float))[:, None] for c in ("latitude", "longitude"))
    lat2, lon2 = (np.radians(towns[c].to_numpy(float))[None, :] for c in ("latitude", "longitude"))
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(
        np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2))
    regions = spots["admin1"].to_numpy()[:, None]
    km[(regions != towns["admin1"].to_numpy()[None, :]) & (regions != "")] = np.inf
    return spots["location"].tolist(), towns["location"].tolist(), np.nan_to_num(km, nan=np.inf)


def _landmark_cities(df: pd.DataFrame, cities: Sequence[str] | None) -> dict[str, str]:
    spots, towns, km = MEMO.get(df, "landmark-distances", lambda: _landmark_distances(df))
    if cities is not None:
        keep = np.isin(np.array(towns, dtype=object), list(cities))
        towns, km = [t for t, k in zip(towns, keep, strict=True) if k], km[:, keep]
    if not towns or not spots:
        return {}
    nearest = km.argmin(axis=1)
    return {str(spot): str(towns[j])
            for spot, j, d in zip(spots, nearest, km[np.arange(len(spots)), nearest], strict=True)
            if d <= LANDMARK_CITY_KM}


def city_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Events per city, most events first; a landmark's events count for its city.

    Cities are places at city precision; a landmark with no city nearby
    (see :func:`landmark_cities`) is listed under its own name.

    >>> df = pd.DataFrame({"location": ["Aktau", "Almaty", "Almaty", "Kazakhstan"],
    ...                    "geo_precision": [2, 2, 1, 4]})
    >>> city_counts(df).values.tolist()
    [['Almaty', 2], ['Aktau', 1]]
    """
    located = df[np.isin(_precision(df), (1, 2))] if len(df) else df
    names = located["location"].astype(str).replace(landmark_cities(df))
    counts = names[names != ""].value_counts()
    out = pd.DataFrame({"location": counts.index.astype(str), "events": counts.to_numpy("int64")})
    return out.sort_values(["events", "location"], ascending=[False, True], ignore_index=True)
