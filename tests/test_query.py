"""Filters, URL round trips, timeline bins and city counts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.errors import BadInput
from dashboard.query import (
    Filters,
    as_query_frame,
    city_counts,
    filter_events,
    filter_mask,
    landmark_cities,
    timeline_bins,
)
from dashboard.types import EVENT_COLUMNS, Event, Place

ALMATY = Place("Almaty", 43.25249, 76.9115, "Almaty City", "KZ", "city", 1526384)
MIR = Place("Mir TV building", 43.2383, 76.9453, "Almaty City", "KZ", "landmark", 1)
AKTAU = Place("Aktau", 43.65, 51.17, "Mangystau", "KZ", "city", 610612)
KZ = Place("Kazakhstan", 48.0, 68.0, "", "KZ", "country", 1522867)


def event(event_id: str, day: str, place: Place, event_type: str, evidence: str, *,
          end: str | None = None, source: str = "Vlast", language: str = "de") -> dict:
    row = Event(
        article_id="a1", event_date=date.fromisoformat(day), event_type=event_type,
        sub_event_type="", kind="incident", place=place, evidence=evidence,
        date_end=date.fromisoformat(end) if end else None, source=source, language=language,
    ).to_row()
    return {"event_id": event_id, **row, "published": date(2022, 1, 7), "title": "t"}


ROWS = [
    event("burn", "2022-01-05", ALMATY, "Riots", "Die Stadtverwaltung (Akimat) brannte.",
          end="2022-01-07"),
    event("mir", "2022-01-06", MIR, "Riots", "Im Gebäude des Senders Mir verbarrikadiert.",
          source="Khabar 24"),
    event("road", "2022-01-06", AKTAU, "Protests", "Protesters blocked the road to the airport.",
          source="RIA", language="en"),
    event("csto", "2022-01-06", KZ, "Strategic developments", "Войска ОДКБ прибыли в Казахстан.",
          language="ru"),
    event("aktau8", "2022-01-08", AKTAU, "Protests", "Митинг продолжился 1+1 дней.",
          language="ru"),
]


@pytest.fixture(params=["raw", "prepared"])
def df(request):
    """The same events as the store gives them and after ``as_query_frame``."""
    frame = pd.DataFrame(ROWS)
    return frame if request.param == "raw" else as_query_frame(frame)


@pytest.mark.parametrize("filters, expected", [
    (Filters(), ["burn", "mir", "road", "csto", "aktau8"]),
    (Filters(cities=("Aktau",)), ["road", "aktau8"]),
    (Filters(cities=("Aktau", "Almaty")), ["burn", "mir", "road", "aktau8"]),
    (Filters(cities=("Almaty",)), ["burn", "mir"]),
    (Filters(cities=("Mir TV building",)), ["mir"]),
    (Filters(regions=("Almaty City",)), ["burn", "mir"]),
    (Filters(event_types=("Protests",)), ["road", "aktau8"]),
    (Filters(sources=("Khabar 24", "RIA")), ["mir", "road"]),
    (Filters(languages=("ru",)), ["csto", "aktau8"]),
    (Filters(geo_precision=(1, 2)), ["burn", "mir", "road", "aktau8"]),
    (Filters(geo_precision=(4,)), ["csto"]),
    (Filters(since=date(2022, 1, 7)), ["burn", "aktau8"]),
    (Filters(until=date(2022, 1, 5)), ["burn"]),
    (Filters(since=date(2022, 1, 7), until=date(2022, 1, 7)), ["burn"]),
    (Filters(since=date(2022, 1, 9)), []),
    (Filters(text="akimat"), ["burn"]),
    (Filters(text="AKIMAT"), ["burn"]),
    (Filters(text="(akimat)"), ["burn"]),
    (Filters(text="1+1"), ["aktau8"]),
    (Filters(text=".*"), []),
    (Filters(text="%"), []),
    (Filters(text="_"), []),
    (Filters(text="одкб"), ["csto"]),
    (Filters(text="GEBÄUDE"), ["mir"]),
    (Filters(cities=("Aktau",), since=date(2022, 1, 7)), ["aktau8"]),
    (Filters(cities=("Nowhere",)), []),
], ids=lambda v: str(v.to_query_params()) if isinstance(v, Filters) else None)
def test_filter_events(df, filters, expected):
    assert filter_events(df, filters)["event_id"].astype(str).tolist() == expected
    assert filter_mask(df, filters).sum() == len(expected)


def test_filter_keeps_every_column(df):
    assert list(filter_events(df, Filters(cities=("Aktau",))).columns) == [
        *EVENT_COLUMNS, "published", "title"]


@pytest.mark.parametrize("filters, params", [
    (Filters(), {}),
    (Filters(cities=("Almaty", "Aktau")), {"city": ["Almaty", "Aktau"]}),
    (Filters(regions=("Mangystau",), event_types=("Riots", "Protests")),
     {"region": ["Mangystau"], "type": ["Riots", "Protests"]}),
    (Filters(sources=("Vlast",), languages=("de", "ru")), {"source": ["Vlast"], "lang": ["de", "ru"]}),
    (Filters(since=date(2022, 1, 5), until=date(2022, 1, 10)),
     {"since": ["2022-01-05"], "until": ["2022-01-10"]}),
    (Filters(text="Akimat & Mir?", geo_precision=(1, 2)),
     {"q": ["Akimat & Mir?"], "precision": ["1", "2"]}),
])
def test_filters_round_trip_through_query_params(filters, params):
    assert filters.to_query_params() == params
    assert Filters.from_query_params(params) == filters


@pytest.mark.parametrize("params, filters", [
    ({"city": "Almaty"}, Filters(cities=("Almaty",))),
    ({"city": ["Almaty", ""], "q": [""]}, Filters(cities=("Almaty",))),
    ({"since": "2022-01-05", "unknown": ["x"]}, Filters(since=date(2022, 1, 5))),
    ({"precision": "2"}, Filters(geo_precision=(2,))),
])
def test_query_params_accept_single_strings_and_skip_blanks(params, filters):
    assert Filters.from_query_params(params) == filters


@pytest.mark.parametrize("params, message", [
    ({"since": "5 Jan"}, "query parameter since: '5 Jan' is not a date"),
    ({"until": "2022-13-01"}, "query parameter until: '2022-13-01' is not a date"),
    ({"precision": "city"}, "query parameter precision: 'city' is not one of 1, 2, 3, 4"),
])
def test_bad_query_params_raise_one_clear_line(params, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(")):
        Filters.from_query_params(params)


def test_timeline_counts_a_multi_day_event_on_each_day(df):
    bins = timeline_bins(df)
    got = {(str(d.date()), t): n for d, t, n in bins.itertuples(index=False)}
    assert got == {
        ("2022-01-05", "Riots"): 1, ("2022-01-06", "Riots"): 2, ("2022-01-07", "Riots"): 1,
        ("2022-01-06", "Protests"): 1, ("2022-01-08", "Protests"): 1,
        ("2022-01-06", "Strategic developments"): 1,
    }
    assert list(bins.columns) == ["date", "event_type", "events"]


@pytest.mark.parametrize("filters", [
    Filters(), Filters(cities=("Almaty",)), Filters(since=date(2022, 1, 6)),
    Filters(text="protesters"), Filters(cities=("Nowhere",)),
], ids=lambda f: str(f.to_query_params()))
def test_timeline_of_a_mask_is_the_timeline_of_its_rows(df, filters):
    mask = filter_mask(df, filters)
    expected = timeline_bins(filter_events(df, filters))
    pd.testing.assert_frame_equal(timeline_bins(df, mask), expected)


def test_timeline_leaves_tallies_out():
    tally = {**event("toll", "2022-01-07", KZ, "", "26 killed, the ministry said"), "kind": "tally"}
    bins = timeline_bins(as_query_frame(pd.DataFrame([ROWS[2], tally])))
    assert bins[["event_type", "events"]].values.tolist() == [["Protests", 1]]


def test_timeline_of_no_events_is_empty(df):
    bins = timeline_bins(filter_events(df, Filters(cities=("Nowhere",))))
    assert bins.empty and list(bins.columns) == ["date", "event_type", "events"]


def test_city_counts_count_landmarks_for_their_city(df):
    assert city_counts(df).values.tolist() == [["Aktau", 2], ["Almaty", 2]]


@pytest.mark.parametrize("landmark, city", [
    (Place("Mir TV building", 43.2383, 76.9453, "Almaty City", "KZ", "landmark"), "Almaty"),
    (Place("Airfield", 43.2383, 76.9453, "Almaty Region", "KZ", "landmark"), None),
    (Place("Mine", 44.0, 76.9453, "Almaty City", "KZ", "landmark"), None),
], ids=["same-region-near", "other-region", "too-far"])
def test_a_landmark_belongs_to_a_near_city_of_its_region(landmark, city):
    df = pd.DataFrame([ROWS[0], event("x", "2022-01-06", landmark, "Riots", "x")])
    assert landmark_cities(df) == ({landmark.name: city} if city else {})
    assert filter_events(df, Filters(cities=("Almaty",)))["event_id"].tolist() == (
        ["burn", "x"] if city else ["burn"])


def test_repeated_text_searches_follow_the_frame_and_the_text():
    first = as_query_frame(pd.DataFrame(ROWS))
    assert filter_events(first, Filters(text="akimat"))["event_id"].tolist() == ["burn"]
    assert filter_events(first, Filters(text="mir"))["event_id"].tolist() == ["mir"]
    changed = as_query_frame(pd.DataFrame(ROWS).assign(evidence="kein Akimat"))
    assert len(filter_events(changed, Filters(text="akimat"))) == len(ROWS)
    assert filter_events(first, Filters(text="akimat"))["event_id"].tolist() == ["burn"]
