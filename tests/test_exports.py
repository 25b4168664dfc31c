"""CSV and GeoJSON exports of the filtered events, and their manifest."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pandas as pd
import pytest

from dashboard.exports import export_csv, export_geojson, manifest, rows_without_coordinates
from dashboard.merge import merge_events
from dashboard.query import Filters, as_query_frame
from dashboard.types import EVENT_COLUMNS, Count, Event, Place

ALMATY = Place("Almaty", 43.25249, 76.9115, "Almaty City", "KZ", "city", 1526384)
ZHANAOZEN = Place("Zhanaozen", 43.34116, 52.86192, "Mangystau", "KZ", "city", 607610)
KZ = Place("Kazakhstan", None, None, "", "KZ", "country", 1522867)


def row(event_id: str, place: Place, evidence: str, **kw) -> dict:
    event = Event(article_id="a1", event_date=date(2022, 1, 6), event_type="Riots",
                  sub_event_type="Violent demonstration", kind="incident", place=place,
                  evidence=evidence, **kw)
    return {"event_id": event_id, **event.to_row(), "published": date(2022, 1, 7),
            "title": "Kasachstan: Proteste"}


ROWS = [
    row("e1", ALMATY, "In Almaty wurde die Stadtverwaltung in Brand gesetzt."),
    row("e2", ZHANAOZEN, "rund 3.000 Menschen versammelten sich",
        crowd_size=Count(3000, "about", "rund 3.000 Menschen")),
    row("e3", KZ, "26 Demonstranten getötet, mehr als 3000 Festnahmen",
        fatalities=Count(26), arrests=Count(3000, "at least")),
    row("e4", ALMATY, "Митинг на площади Республики"),
]


@pytest.fixture(params=["raw", "prepared"])
def df(request):
    frame = pd.DataFrame(ROWS)
    return frame if request.param == "raw" else as_query_frame(frame)


def parse_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_header_is_the_schema(df):
    header = next(csv.reader(io.StringIO(export_csv(df).decode("utf-8"))))
    assert header == [*EVENT_COLUMNS, "published", "title"]


def test_csv_cells_read_back(df):
    rows = {r["event_id"]: r for r in parse_csv(export_csv(df))}
    assert rows["e3"]["fatalities"] == "26"
    assert rows["e3"]["arrests"] == "3000" and rows["e3"]["arrests_qualifier"] == "at least"
    assert rows["e1"]["fatalities"] == "" and rows["e1"]["fatalities_qualifier"] == ""
    assert rows["e3"]["latitude"] == "" and rows["e1"]["latitude"] == "43.25249"
    assert rows["e2"]["crowd_size"] == "3000" and rows["e2"]["arrests"] == ""
    assert rows["e1"]["event_date"] == "2022-01-06" and rows["e1"]["published"] == "2022-01-07"
    assert rows["e1"]["geo_precision"] == "2" and rows["e1"]["geonameid"] == "1526384"
    assert rows["e4"]["evidence"] == "Митинг на площади Республики"
    assert all("nan" not in v and "<NA>" not in v for r in rows.values() for v in r.values())


@pytest.mark.parametrize("evidence, cell", [
    ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Demonstranten = 3000", "Demonstranten = 3000"),
    ("", ""),
])
def test_csv_neutralises_formula_cells(evidence, cell):
    data = export_csv(pd.DataFrame([row("e1", ALMATY, evidence, actor1=evidence)]))
    exported = parse_csv(data)[0]
    assert exported["evidence"] == cell and exported["actor1"] == cell


def test_csv_leaves_negative_numbers_alone():
    west = Place("Somewhere", -12.5, -45.25, "", "XX", "city")
    exported = parse_csv(export_csv(pd.DataFrame([row("e1", west, "x")])))[0]
    assert (exported["latitude"], exported["longitude"]) == ("-12.5", "-45.25")


def test_exports_are_deterministic_whatever_the_row_order(df):
    shuffled = df.iloc[[2, 0, 3, 1]]
    assert export_csv(shuffled) == export_csv(df)
    assert export_geojson(shuffled) == export_geojson(df)


def test_empty_csv_has_only_the_header():
    data = export_csv(pd.DataFrame(columns=[*EVENT_COLUMNS]))
    assert data.decode("utf-8") == ",".join(EVENT_COLUMNS) + "\r\n"


def test_geojson_is_a_feature_collection_of_points_in_kazakhstan(df):
    collection = json.loads(export_geojson(df))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert sorted(f["properties"]["event_id"] for f in features) == ["e1", "e2", "e4"]
    for feature in features:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert 46 <= lon <= 88 and 40 <= lat <= 56
        assert (lon, lat) == (feature["properties"]["longitude"], feature["properties"]["latitude"])
        assert list(feature["properties"]) == [*EVENT_COLUMNS, "published", "title"]


def test_geojson_properties_use_json_types(df):
    props = {f["properties"]["event_id"]: f["properties"]
             for f in json.loads(export_geojson(df))["features"]}
    assert props["e2"]["crowd_size"] == 3000 and props["e2"]["crowd_size_qualifier"] == "about"
    assert props["e1"]["fatalities"] is None and props["e1"]["event_date"] == "2022-01-06"
    assert props["e1"]["geo_precision"] == 2


def test_manifest_describes_the_export(df):
    filters = Filters(cities=("Almaty",), since=date(2022, 1, 5))
    result = manifest(filters, len(df), {"data": "4-0-abc", "gazetteer": "geonames-3.0.2"},
                      rows_without_coordinates=rows_without_coordinates(df), fmt="geojson")
    assert result["filters"] == {"city": ["Almaty"], "since": ["2022-01-05"]}
    assert (result["rows"], result["rows_without_coordinates"]) == (4, 1)
    assert (result["data_version"], result["gazetteer_version"]) == ("4-0-abc", "geonames-3.0.2")
    assert result["format"] == "geojson" and result["protestmap_version"]
    json.dumps(result)


def test_merged_events_export_their_cluster(df):
    header = next(csv.reader(io.StringIO(export_csv(merge_events(df)).decode("utf-8"))))
    assert header[-2:] == ["cluster_id", "merge_reason"]
    props = json.loads(export_geojson(merge_events(df)))["features"][0]["properties"]
    assert {"cluster_id", "merge_reason"} <= set(props)
