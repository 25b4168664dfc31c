"""The map: events aggregated per place, coloured by type, on an offline outline.

``build_deck`` returns a ``pydeck.Deck`` that fetches nothing from the network
unless ``online=True``: the base layer is the country outline shipped with the
gazetteer (``gazetteer/data/*.geojson``) and ``map_provider=None``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.counting import codes, codes_and_labels, strings
from dashboard.ui_format import sources_label

OUTLINE_DIR = Path(__file__).resolve().parent.parent / "gazetteer" / "data"
POINTS_LAYER = "events"
HEXAGON_LAYER = "events-hexagon"
OUTLINE_LAYER = "outline"
LABELS_LAYER = "region-labels"

TYPE_COLORS: dict[str, tuple[int, int, int]] = {
    "Protests": (0, 114, 178),
    "Riots": (230, 159, 0),
    "Violence against civilians": (213, 94, 0),
    "Battles": (204, 121, 167),
    "Explosions/Remote violence": (86, 180, 233),
    "Strategic developments": (0, 158, 115),
}
OTHER_COLOR = (120, 120, 120)
EVIDENCE_CHARS = 240
MAP_WIDTH, MAP_HEIGHT = 580, 380
"""The map's size in pixels: fixed, so that the initial view fits the country exactly."""
LABEL_SIZE = 11
HEXAGON_METRES = 60_000
TOOLTIP_WIDTH = 280
TOOLTIP = {
    "html": (
        "<div style='position:relative;left:{dx}px;top:{dy}px;width:" + str(TOOLTIP_WIDTH)
        + "px;padding:8px 10px;border-radius:4px;background:#29323c;color:#fff;"
        "white-space:normal;font-size:12px;line-height:16px'>"
        "<b>{place}</b> · {n_events}<br/>{sources}<br/>{dates}<br/>{types}<br/>{counts}"
        "<hr style='margin:4px 0'/><i>{evidence}</i></div>"
    ),
    "style": {"backgroundColor": "transparent", "padding": "0", "boxShadow": "none"},
}
"""Streamlit escapes every ``{field}`` value itself: the data must not be escaped again.

The visible box is the inner ``div``, shifted by each place's ``dx``/``dy`` so that it
opens to the left of places in the east and above places in the south, inside the map."""


def type_color(event_type: str) -> tuple[int, int, int]:
    """The colour of an event type on the map, the timeline and the legend.

    >>> type_color("Riots"), type_color("something new")
    ((230, 159, 0), (120, 120, 120))
    """
    return TYPE_COLORS.get(event_type, OTHER_COLOR)


def hex_color(rgb: Iterable[int]) -> str:
    """``(230, 159, 0)`` -> ``'#e69f00'``.

    >>> hex_color((230, 159, 0))
    '#e69f00'
    """
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def legend_html(event_types: Iterable[str]) -> str:
    """A one-line legend (coloured dots and escaped type names).

    >>> legend_html(["Riots", "<b>x</b>"])
    '<span style="color:#e69f00">●</span> Riots &nbsp; <span style="color:#787878">●</span> &lt;b&gt;x&lt;/b&gt;'
    """
    return " &nbsp; ".join(
        f'<span style="color:{hex_color(type_color(t))}">●</span> {html.escape(t)}'
        for t in event_types
    )


@lru_cache(maxsize=4)
def load_outline(directory: Path = OUTLINE_DIR) -> dict[str, Any] | None:
    """The country outline (and regions, if shipped) as one GeoJSON FeatureCollection.

    Reads every ``*.geojson`` in ``directory``; ``None`` when there is none.
    """
    features: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        features.extend(data.get("features", [data] if data.get("type") == "Feature" else []))
    return {"type": "FeatureCollection", "features": features} if features else None


def split_outline(outline: dict[str, Any] | None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Areas (for the base layer) and named label points (regions) of the outline data.

    >>> shapes, labels = split_outline({"features": [
    ...     {"geometry": {"type": "Polygon", "coordinates": []}, "properties": {}},
    ...     {"geometry": {"type": "Point", "coordinates": [76.9, 43.2]},
    ...      "properties": {"name": "Almaty City"}}]})
    >>> len(shapes["features"]), labels.to_dict("records")
    (1, [{'name': 'Almaty City', 'lon': 76.9, 'lat': 43.2}])
    """
    areas, points = [], []
    for feature in (outline or {}).get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") in ("Polygon", "MultiPolygon"):
            areas.append(feature)
        elif geometry.get("type") == "Point" and (feature.get("properties") or {}).get("name"):
            lon, lat = geometry["coordinates"][:2]
            points.append({"name": str(feature["properties"]["name"]), "lon": lon, "lat": lat})
    return ({"type": "FeatureCollection", "features": areas},
            pd.DataFrame(points, columns=["name", "lon", "lat"]))


def _coords(geometry: dict[str, Any]) -> Iterable[tuple[float, float]]:
    stack: list[Any] = [geometry.get("coordinates", [])]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], (int, float)):
            yield float(item[0]), float(item[1])
        else:
            stack.extend(item)


def bounds(df: pd.DataFrame, outline: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the outline's areas; of the located events without one.

    Events abroad never widen the view: the country is what the map is for.

    >>> bounds(pd.DataFrame({"latitude": [43.2, 42.9], "longitude": [76.9, 74.6]}), {"features": [
    ...     {"geometry": {"type": "Polygon", "coordinates": [[[50, 40], [87, 55], [50, 55]]]}}]})
    (50.0, 40.0, 87.0, 55.0)
    """
    shapes, _ = split_outline(outline)
    points = [xy for feature in shapes["features"] for xy in _coords(feature.get("geometry") or {})]
    if points:
        lons, lats = zip(*points)
        return min(lons), min(lats), max(lons), max(lats)
    located = df.dropna(subset=["latitude", "longitude"]) if len(df) else df
    if not len(located):
        return None
    return (float(located["longitude"].min()), float(located["latitude"].min()),
            float(located["longitude"].max()), float(located["latitude"].max()))


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def initial_view(df_all: pd.DataFrame, outline: dict[str, Any] | None, width_px: int = MAP_WIDTH,
                 height_px: int = MAP_HEIGHT, margin: float = 1.1) -> pdk.ViewState:
    """A camera fitting the country outline (or the events, without one) into ``width_px``×``height_px``.

    Computed once from the unfiltered data so that it stays the same on every rerun.

    >>> outline = {"features": [{"geometry": {"type": "Polygon",
    ...     "coordinates": [[[46.5, 40.6], [87.3, 40.6], [87.3, 55.4], [46.5, 55.4]]]}}]}
    >>> v = initial_view(pd.DataFrame(), outline, 560, 440)
    >>> round(v.latitude, 1), round(v.longitude, 1), round(v.zoom, 2)
    (48.5, 66.9, 3.13)
    """
    box = bounds(df_all, outline)
    if box is None:
        return pdk.ViewState(latitude=48.0, longitude=67.0, zoom=3.5)
    west, south, east, north = box
    lon_span = max(east - west, 0.05) * margin
    low, high = _mercator_y(south), _mercator_y(north)
    lat_span = max(high - low, 0.001) * margin
    zoom = max(1.0, min(math.log2(width_px / 512 * 360 / lon_span),
                        math.log2(height_px / 512 * 2 * math.pi / lat_span), 11.0))
    centre = math.degrees(2 * math.atan(math.exp((low + high) / 2)) - math.pi / 2)
    return pdk.ViewState(latitude=centre, longitude=(west + east) / 2, zoom=zoom, pitch=0,
                         bearing=0)


def declutter(labels: pd.DataFrame, view: pdk.ViewState, *, size_px: int = LABEL_SIZE,
              gap_px: int = 2) -> pd.DataFrame:
    """The region labels that do not overlap at ``view``'s zoom (alphabetical order wins).

    A region that is one city ("Almaty City", "Baikonur") gets no label: the city
    is a dot with a tooltip, and its name would sit on its region's label.

    >>> labels = pd.DataFrame({"name": ["Almaty City", "Almaty Region", "Jambyl Region"],
    ...                        "lon": [76.9, 78.5, 72.3], "lat": [43.3, 44.4, 43.5]})
    >>> declutter(labels, pdk.ViewState(latitude=48, longitude=67, zoom=3.0))["name"].tolist()
    ['Almaty Region']
    """
    scale = 512 * 2 ** view.zoom / (2 * math.pi)
    regions = labels[labels["name"].astype(str).str.endswith(" Region")].sort_values("name")
    kept: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for i, name, lon, lat in zip(regions.index, regions["name"], regions["lon"], regions["lat"],
                                 strict=True):
        x, y = math.radians(float(lon)) * scale, -_mercator_y(float(lat)) * scale
        half_w, half_h = len(str(name)) * size_px * 0.25 + gap_px, size_px * 0.6 + gap_px
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            kept.append(i)
            boxes.append(box)
    return labels.loc[sorted(kept)].reset_index(drop=True)


MEASURE_WORDS = (("fatalities", "killed"), ("injuries", "injured"), ("arrests", "arrested"),
                 ("crowd_size", "largest crowd"))


def _count_text(row: pd.Series) -> str:
    parts = []
    for measure, word in MEASURE_WORDS:
        low, high = row[f"{measure}_low"], row[f"{measure}_high"]
        if high > 0:
            parts.append(f"{word} {int(high):,}" if low == high else
                         f"{word} {int(low):,}–{int(high):,}")
    return ", ".join(parts) or "no figures stated"


def _date_text(first: Any, last: Any) -> str:
    a, b = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    return a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}"


def place_points(df: pd.DataFrame) -> pd.DataFrame:
    """One row per place (same coordinates) with what the tooltip and the layers need.

    Incidents at the same place are aggregated, never drawn on top of each other;
    the reports of one incident (a ``cluster_id``) count once, their figures as the
    range of what the sources say. The colour is that of the most frequent type there.

    >>> df = pd.DataFrame({"event_id": ["a", "b", "c"], "cluster_id": ["a", "a", "c"],
    ...     "article_id": ["x", "y", "y"], "language": ["en", "de", "de"],
    ...     "location": ["Almaty"] * 3, "latitude": [43.25] * 3, "longitude": [76.91] * 3,
    ...     "event_type": ["Riots"] * 3,
    ...     "event_date": pd.to_datetime(["2022-01-05", "2022-01-05", "2022-01-06"]),
    ...     "date_end": pd.to_datetime(["2022-01-05", "2022-01-05", "2022-01-06"]),
    ...     "fatalities": pd.array([8, 13, 2], "Int64"), "injuries": pd.array([None] * 3, "Int64"),
    ...     "arrests": pd.array([None] * 3, "Int64"), "crowd_size": pd.array([None] * 3, "Int64"),
    ...     "evidence": ["x", "y", "z"]})
    >>> p = place_points(df).iloc[0]
    >>> p["place"], p["n_events"], p["sources"], p["dates"], p["counts"]
    ('Almaty', '2 incidents', '2 sources in 2 languages', '2022-01-05 – 2022-01-06', 'killed 10–15')
    """
    columns = ["place", "latitude", "longitude", "n", "n_events", "sources", "dates", "types",
               "counts", "evidence", "color", "radius"]
    located = df.dropna(subset=["latitude", "longitude"])
    if not len(located):
        return pd.DataFrame(columns=columns)
    measures = [m for m, _ in MEASURE_WORDS]
    type_codes, type_labels = codes_and_labels(located["event_type"])
    place = located.groupby(["latitude", "longitude"], sort=True).ngroup().to_numpy()
    cluster, n_clusters = codes(located["cluster_id"])
    work = pd.DataFrame({
        "place": place, "pair": place * n_clusters + cluster,
        "article": codes(located["article_id"])[0], "language": codes(located["language"])[0],
        "latitude": located["latitude"].to_numpy(float),
        "longitude": located["longitude"].to_numpy(float),
        "location": codes(located["location"])[0], "event_type": type_codes,
        "event_date": located["event_date"].to_numpy(), "date_end": located["date_end"].to_numpy(),
        "row": np.arange(len(located)),
        **{m: pd.to_numeric(located[m], errors="coerce").to_numpy(float, na_value=np.nan)
           for m in measures},
    })
    if work["pair"].is_unique:
        per_pair = pd.DataFrame({f"{m}_{end}": work[m].fillna(0).to_numpy()
                                 for m in measures for end in ("low", "high")})
        pair_place = work["place"].to_numpy()
    else:
        per_pair = work.groupby("pair", sort=False)[measures].agg(["min", "max"]).fillna(0)
        per_pair.columns = [f"{m}_{'low' if end == 'min' else 'high'}"
                            for m, end in per_pair.columns]
        pair_place = per_pair.index.to_numpy() // n_clusters
    ranges = per_pair.groupby(pair_place).agg(
        {c: "max" if c.startswith("crowd_size") else "sum" for c in per_pair.columns})
    grouped = work.groupby("place", sort=True)
    agg = grouped.agg(
        latitude=("latitude", "first"), longitude=("longitude", "first"),
        place_row=("row", "first"), n=("pair", "nunique"), n_sources=("article", "nunique"),
        n_languages=("language", "nunique"), first=("event_date", "min"), last=("date_end", "max"),
        reports=("pair", "size"),
    ).join(ranges)
    by_type = work.groupby(["place", "event_type"]).size().rename("k").reset_index()
    by_type["event_type"] = type_labels[by_type["event_type"].to_numpy()]
    by_type = by_type.sort_values(["place", "k", "event_type"], ascending=[True, False, True])
    agg["event_type"] = by_type.drop_duplicates("place").set_index("place")["event_type"]
    agg["types"] = (by_type.sort_values("event_type").groupby("place")["event_type"]
                    .agg(", ".join))
    first3 = grouped.head(3)
    evidence = [_clip(text) for text in strings(located["evidence"].take(first3["row"]))]
    agg["evidence"] = first3.assign(evidence=evidence).groupby("place")["evidence"].agg(" / ".join)
    agg["evidence"] = agg["evidence"].where(agg["reports"] <= 3, agg["evidence"] + " / …")
    agg["place"] = strings(located["location"].take(agg["place_row"]))
    agg = agg.reset_index(drop=True)
    agg["n_events"] = agg["n"].map(lambda n: f"{n:,} incident" + ("s" if n != 1 else ""))
    agg["sources"] = [sources_label(a, b) for a, b in zip(agg["n_sources"], agg["n_languages"])]
    agg["dates"] = [_date_text(a, b) for a, b in zip(agg["first"], agg["last"])]
    agg["counts"] = agg.apply(_count_text, axis=1)
    agg["color"] = [[*type_color(str(t)), 200] for t in agg["event_type"]]
    casualties = agg["fatalities_high"] + agg["injuries_high"]
    agg["radius"] = (6 + 3 * casualties.pow(0.5) + 1.5 * (agg["n"] - 1).pow(0.5)).clip(upper=40)
    return agg[columns].reset_index(drop=True)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def tooltip_offsets(points: pd.DataFrame, view: pdk.ViewState,
                    height_px: int = MAP_HEIGHT) -> pd.DataFrame:
    """``dx``/``dy`` (pixels) that keep each place's tooltip inside the map at ``view``.

    A tooltip opens to the right of and below the pointer; it opens to the left
    for places in the right half and upwards where it would pass the bottom edge.

    >>> points = pd.DataFrame({"latitude": [43.25, 51.2], "longitude": [76.91, 51.4],
    ...                        "evidence": ["x", "y"]})
    >>> view = pdk.ViewState(latitude=48.5, longitude=66.9, zoom=3.13)
    >>> tooltip_offsets(points, view)[["dx", "dy"]].values.tolist()
    [[-296, -144], [0, 0]]
    """
    scale = 512 * 2 ** view.zoom / (2 * math.pi)
    x = (np.radians(points["longitude"].to_numpy(float)) - math.radians(view.longitude)) * scale
    merc = np.log(np.tan(np.pi / 4 + np.radians(points["latitude"].to_numpy(float)) / 2))
    y = (_mercator_y(view.latitude) - merc) * scale + height_px / 2
    lines = 6 + np.ceil(points["evidence"].astype(str).str.len().to_numpy() / 44)
    tall = 16 * lines + 24
    dx = np.where(x > 0, -(TOOLTIP_WIDTH + 16), 0)
    dy = np.where(y + tall > height_px, -(tall + 8), 0)
    return points.assign(dx=dx.astype(int), dy=dy.astype(int))


def build_deck(points: pd.DataFrame, *, view: pdk.ViewState, outline: dict[str, Any] | None,
               hexagons: bool = False, online: bool = False) -> pdk.Deck:
    """The map: outline base layer, then points (or hexagons) of ``place_points`` rows.

    Every layer has a fixed ``id`` and an explicit ``pickable`` so that a click
    selection survives reruns.
    """
    layers: list[pdk.Layer] = []
    points = tooltip_offsets(points, view)
    shapes, labels = split_outline(outline)
    labels = declutter(labels, view) if len(labels) else labels
    if shapes["features"]:
        layers.append(pdk.Layer(
            "GeoJsonLayer", shapes, id=OUTLINE_LAYER, pickable=False, stroked=True, filled=True,
            get_fill_color=[236, 239, 243, 255], get_line_color=[110, 120, 135, 255],
            line_width_min_pixels=1,
        ))
    if len(labels):
        layers.append(pdk.Layer(
            "TextLayer", labels, id=LABELS_LAYER, pickable=False, get_position=["lon", "lat"],
            get_text="name", get_size=LABEL_SIZE, get_color=[125, 133, 145, 150],
            get_alignment_baseline="'center'", font_family="'Helvetica, Arial, sans-serif'",
        ))
    if hexagons:
        layers.append(pdk.Layer(
            "HexagonLayer", points, id=HEXAGON_LAYER, pickable=False,
            get_position=["longitude", "latitude"], radius=HEXAGON_METRES, coverage=0.9,
            extruded=False,
            get_color_weight="n", color_aggregation="'SUM'",
            get_elevation_weight="n", elevation_aggregation="'SUM'", opacity=0.7,
        ))
    else:
        layers.append(pdk.Layer(
            "ScatterplotLayer", points, id=POINTS_LAYER, pickable=True,
            get_position=["longitude", "latitude"], get_fill_color="color",
            get_radius="radius", radius_units="'pixels'", stroked=True,
            get_line_color=[255, 255, 255, 230], line_width_min_pixels=1,
        ))
    deck_args: dict[str, Any] = {"map_provider": None}
    if online:
        deck_args = {"map_provider": "carto", "map_style": "light"}
    return pdk.Deck(layers=layers, initial_view_state=view, tooltip=TOOLTIP if not hexagons else None,
                    **deck_args)


def selected_mask(df: pd.DataFrame, selection: Any) -> pd.Series:
    """Rows of ``df`` at the places clicked on the map (``st.pydeck_chart``'s state).

    >>> df = pd.DataFrame({"latitude": [43.25, 51.1], "longitude": [76.91, 71.4]})
    >>> state = {"selection": {"objects": {"events": [{"latitude": 43.25, "longitude": 76.91}]}}}
    >>> selected_mask(df, state).tolist()
    [True, False]
    """
    try:
        objects = selection["selection"]["objects"].get(POINTS_LAYER, [])
    except (KeyError, TypeError, AttributeError):
        objects = []
    places = {(float(o["latitude"]), float(o["longitude"])) for o in objects
              if o.get("latitude") is not None and o.get("longitude") is not None}
    if not places:
        return pd.Series(False, index=df.index)
    keys = pd.MultiIndex.from_arrays([df["latitude"].astype(float), df["longitude"].astype(float)])
    return pd.Series(keys.isin(list(places)), index=df.index)
