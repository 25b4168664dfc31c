"""CSV and GeoJSON exports of a filtered events frame, and the manifest that describes them.

Both exports have the same fields, in ``EVENT_COLUMNS`` order followed by the
article columns (``published``, ``title``) and, after merging, ``cluster_id`` and
``merge_reason``. Rows are sorted by date and ``event_id`` so the same events give
the same bytes whatever order the caller holds them in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dashboard import __version__
from dashboard.counting import strings
from dashboard.types import EVENT_COLUMNS

EXTRA_COLUMNS = ("published", "title", "cluster_id", "merge_reason")
"""Columns exported after ``EVENT_COLUMNS`` when the frame has them."""
DATE_COLUMNS = frozenset({"event_date", "date_end", "published"})
FLOAT_COLUMNS = frozenset({"latitude", "longitude"})
INT_COLUMNS = frozenset({"time_precision", "geo_precision", "geonameid", "fatalities",
                         "injuries", "arrests", "crowd_size", "sentence_index"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is prefixed with ``'`` so spreadsheets show it as text."""


class _HasQueryParams(Protocol):
    def to_query_params(self) -> dict[str, list[str]]: ...


def export_columns(df: pd.DataFrame) -> list[str]:
    """The exported fields: every ``EVENT_COLUMNS`` name, then the extra columns ``df`` has.

    >>> export_columns(pd.DataFrame({"title": []}))[-2:]
    ['sentence_index', 'title']
    """
    return [*EVENT_COLUMNS, *(c for c in EXTRA_COLUMNS if c in df)]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("event_date", "event_id") if c in df]
    if not keys or not len(df):
        return df
    frame = pd.DataFrame({k: (df[k] if k == "event_date" else strings(df[k])) for k in keys})
    if "event_date" in frame:
        frame["event_date"] = pd.to_datetime(frame["event_date"])
    return df.iloc[frame.reset_index(drop=True).sort_values(keys, kind="stable").index]


def _dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).dt.strftime("%Y-%m-%d")


def _text_cells(df: pd.DataFrame, name: str) -> pd.Series:
    """One column as CSV cells: ISO dates, plain integers, empty where missing, formulas neutralised."""
    if name not in df:
        return pd.Series("", index=df.index, dtype=object)
    column = df[name]
    if name in DATE_COLUMNS:
        cells = _dates(column)
    elif name in INT_COLUMNS:
        cells = pd.to_numeric(column).astype("Int64").astype("string")
    elif name in FLOAT_COLUMNS:
        numbers = pd.to_numeric(column).astype("float64")
        cells = numbers.astype(str).where(numbers.notna())
    else:
        return pd.Series(_neutralised(column), index=df.index, dtype=object)
    return cells.astype(object).where(cells.notna(), "")


def _neutralised(column: pd.Series) -> np.ndarray:
    """Text cells with formula starts prefixed; a categorical is done once per category."""
    if isinstance(column.dtype, pd.CategoricalDtype) and len(column.cat.categories) <= len(column):
        labels = _neutralised(pd.Series(column.cat.categories))
        return np.append(labels, "")[column.cat.codes.to_numpy()]
    return np.array([f"'{v}" if v.startswith(FORMULA_STARTS) else v for v in strings(column)],
                    dtype=object)


def export_csv(df_filtered: pd.DataFrame) -> bytes:
    """The events as UTF-8 CSV: a header of field names, one row per event.

    A count the article does not state is an empty cell; a text cell starting
    with ``= + - @``, tab or CR gets a leading ``'`` (numbers are left alone).

    >>> df = pd.DataFrame({"event_id": ["e1"], "location": ["=cmd()"], "fatalities": [None],
    ...                    "longitude": [-2.5]})
    >>> rows = list(csv.DictReader(io.StringIO(export_csv(df).decode())))
    >>> rows[0]["location"], rows[0]["fatalities"], rows[0]["longitude"]
    ("'=cmd()", '', '-2.5')
    """
    df = _sorted(df_filtered)
    columns = export_columns(df)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(zip(*(_text_cells(df, c).tolist() for c in columns), strict=True))
    return out.getvalue().encode("utf-8")


def _has_coordinates(df: pd.DataFrame) -> np.ndarray:
    if not len(df) or "latitude" not in df or "longitude" not in df:
        return np.zeros(len(df), dtype=bool)
    lat = pd.to_numeric(df["latitude"]).to_numpy(dtype=float, na_value=np.nan)
    lon = pd.to_numeric(df["longitude"]).to_numpy(dtype=float, na_value=np.nan)
    return np.isfinite(lat) & np.isfinite(lon)


def rows_without_coordinates(df: pd.DataFrame) -> int:
    """How many rows a GeoJSON export leaves out for lack of coordinates.

    >>> rows_without_coordinates(pd.DataFrame({"latitude": [43.2, None], "longitude": [76.9, None]}))
    1
    """
    return int(len(df) - _has_coordinates(df).sum())


def _json_values(df: pd.DataFrame, name: str) -> list[Any]:
    if name not in df:
        return [None] * len(df)
    column = df[name]
    if name in DATE_COLUMNS:
        values = _dates(column)
    elif name in INT_COLUMNS:
        values = pd.to_numeric(column).astype("Int64").astype(object)
    elif name in FLOAT_COLUMNS:
        values = pd.to_numeric(column).astype("float64").astype(object)
    else:
        return [v or None for v in strings(column)]
    return [None if pd.isna(v) else v for v in values.tolist()]


def export_geojson(df_filtered: pd.DataFrame) -> bytes:
    """The events with coordinates as an RFC 7946 FeatureCollection of points ([lon, lat], WGS84).

    Properties are the CSV's fields (ISO dates, ``null`` where missing or empty); rows
    without coordinates are left out (see :func:`rows_without_coordinates`).

    >>> df = pd.DataFrame({"event_id": ["e1", "e2"], "latitude": [43.25, None],
    ...                    "longitude": [76.91, None]})
    >>> fc = json.loads(export_geojson(df))
    >>> len(fc["features"]), fc["features"][0]["geometry"]["coordinates"]
    (1, [76.91, 43.25])
    """
    df = _sorted(df_filtered)
    df = df[_has_coordinates(df)] if len(df) else df
    columns = export_columns(df)
    features = [
        {"type": "Feature",
         "geometry": {"type": "Point",
                      "coordinates": [props["longitude"], props["latitude"]]},
         "properties": props}
        for props in (dict(zip(columns, row, strict=True))
                      for row in zip(*(_json_values(df, c) for c in columns), strict=True))
    ] if len(df) else []
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def manifest(f: _HasQueryParams, n_rows: int, versions: Mapping[str, Any], *,
             rows_without_coordinates: int = 0, fmt: str = "csv") -> dict[str, Any]:
    """What an export holds and where it came from, as JSON-able data.

    ``versions`` is ``Store.versions()`` (``data`` and ``gazetteer`` are read from it).

    >>> from dashboard.query import Filters
    >>> m = manifest(Filters(cities=("Almaty",)), 3, {"data": "1-0-ab", "gazetteer": "g1"})
    >>> m["filters"], m["rows"], m["data_version"]
    ({'city': ['Almaty']}, 3, '1-0-ab')
    """
    return {
        "format": fmt,
        "filters": f.to_query_params(),
        "rows": int(n_rows),
        "rows_without_coordinates": int(rows_without_coordinates),
        "data_version": versions.get("data", ""),
        "gazetteer_version": versions.get("gazetteer", ""),
        "protestmap_version": __version__,
        "versions": dict(versions),
    }
