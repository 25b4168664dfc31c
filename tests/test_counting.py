"""The counting rule (DESIGN.md): incidents add up, tallies never add to what they summarise."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.query import Filters, as_query_frame, totals
from dashboard.types import Count, Event, Place

ALMATY = Place("Almaty", 43.25249, 76.9115, "Almaty City", "KZ", "city", 1526384)
AKTAU = Place("Aktau", 43.65, 51.17, "Mangystau", "KZ", "city", 610612)
ZHANAOZEN = Place("Zhanaozen", 43.34, 52.86, "Mangystau", "KZ", "city", 607610)
MANGYSTAU = Place("Mangystau", 44.0, 53.0, "Mangystau", "KZ", "region", 609863)
KZ = Place("Kazakhstan", 48.0, 68.0, "", "KZ", "country", 1522867)
AKIMAT = Place("Almaty City Akimat", 43.2380, 76.9453, "Almaty City", "KZ", "landmark")


def count(spec: int | tuple[int, str] | None) -> Count | None:
    if spec is None:
        return None
    value, qualifier = spec if isinstance(spec, tuple) else (spec, "exact")
    return Count(value, qualifier, str(value))


def event(kind: str = "incident", day: str = "2022-01-06", place: Place = ALMATY, *,
          killed=None, injured=None, arrested=None, crowd=None, authority: str = "",
          group: str = "", event_type: str = "Riots") -> Event:
    return Event(
        article_id="a1", event_date=date.fromisoformat(day), event_type=event_type,
        sub_event_type="Violent demonstration", kind=kind, place=place, evidence="...",
        fatalities=count(killed), injuries=count(injured), arrests=count(arrested),
        crowd_size=count(crowd), tally_authority=authority, tally_group=group,
    )


def tally(day: str, authority: str = "Interior Ministry", group: str = "all",
          place: Place = KZ, **counts) -> Event:
    return event("tally", day, place, authority=authority, group=group, **counts)


def frame(events: list[Event]) -> pd.DataFrame:
    return pd.DataFrame([{"event_id": f"e{i}", **e.to_row(), "published": e.event_date,
                          "title": ""} for i, e in enumerate(events)])


@pytest.fixture(params=["raw", "prepared"])
def prepare(request):
    """Every counting test runs on the store's frame as is and after ``as_query_frame``."""
    return (lambda df: df) if request.param == "raw" else as_query_frame


SEED = [
    event(day="2022-01-05"), event(), event(),
    tally("2022-01-07", killed=26, injured=18, arrested=(3000, "at least")),
    tally("2022-01-07", authority="government", group="protesters", killed=26),
    event("incident", "2022-01-06", AKTAU, event_type="Protests"),
    event("incident", "2022-01-06", ZHANAOZEN, crowd=(3000, "about"), event_type="Protests"),
    event("incident", "2022-01-06", KZ, event_type="Strategic developments"),
]
CORPUS_SERIES = [
    tally("2022-01-07", killed=26), tally("2022-01-07", group="armed criminals", killed=26),
    tally("2022-01-07", group="security forces", killed=18),
    tally("2022-01-09", killed=164), tally("2022-01-09", place=ALMATY, killed=103),
    tally("2022-01-15", killed=225), event(day="2022-01-05", killed=(7, "at least")),
]
"""The Interior Ministry's death toll across the corpus articles (tests/data/CORPUS.md)."""
SERIES = [tally("2022-01-07", killed=26), tally("2022-01-09", killed=164),
          tally("2022-01-15", killed=225)]


@pytest.mark.parametrize("events, filters, killed, injured, arrested", [
    (SEED, Filters(), 26, 18, 3000),
    (SERIES, Filters(), 225, 0, 0),
    (SERIES, Filters(until=date(2022, 1, 7)), 26, 0, 0),
    (SERIES, Filters(until=date(2022, 1, 10)), 164, 0, 0),
    (SERIES, Filters(until=date(2022, 1, 6)), 0, 0, 0),
    ([tally("2022-01-07", killed=26), tally("2022-01-07", killed=26)], Filters(), 26, 0, 0),
    ([tally("2022-01-07", group="armed criminals", killed=26),
      tally("2022-01-07", group="security forces", killed=18)], Filters(), 44, 0, 0),
    ([tally("2022-01-07", group="armed criminals", killed=26),
      tally("2022-01-07", group="security forces", killed=18),
      tally("2022-01-09", group="all", killed=164)], Filters(), 164, 0, 0),
    ([tally("2022-01-07", group="armed criminals", killed=26),
      tally("2022-01-08", group="armed criminals", killed=30),
      tally("2022-01-07", group="security forces", killed=18)], Filters(), 48, 0, 0),
    ([tally("2022-01-07", killed=26), event(killed=3), event(place=AKTAU, killed=2)],
     Filters(cities=("Almaty",)), 3, 0, 0),
    ([tally("2022-01-07", killed=10), event(killed=4), event(place=AKTAU, killed=8)],
     Filters(), 12, 0, 0),
    ([tally("2022-01-07", arrested=(3000, "at least")),
      event(place=ZHANAOZEN, crowd=(3000, "about"))], Filters(), 0, 0, 3000),
    ([tally("2022-01-07", killed=26), tally("2022-01-08", place=MANGYSTAU, killed=5),
      event(place=AKTAU, killed=1)], Filters(regions=("Mangystau",)), 5, 0, 0),
    ([tally("2022-01-07", killed=26), tally("2022-01-08", place=MANGYSTAU, killed=30),
      event(killed=3)], Filters(), 33, 0, 0),
    ([tally("2022-01-07", killed=26), event(killed=3)], Filters(event_types=("Riots",)), 3, 0, 0),
    ([tally("2022-01-07", killed=26), event(killed=3)], Filters(text="..."), 3, 0, 0),
    ([event(killed=3), event(place=AKTAU, killed=2, injured=7)], Filters(), 5, 7, 0),
    (CORPUS_SERIES, Filters(until=date(2022, 1, 6)), 7, 0, 0),
    (CORPUS_SERIES, Filters(until=date(2022, 1, 8)), 44, 0, 0),
    (CORPUS_SERIES, Filters(until=date(2022, 1, 14)), 164, 0, 0),
    (CORPUS_SERIES, Filters(), 225, 0, 0),
    (CORPUS_SERIES, Filters(cities=("Almaty",)), 103, 0, 0),
    (CORPUS_SERIES, Filters(regions=("Almaty City",)), 103, 0, 0),
    (CORPUS_SERIES, Filters(cities=("Almaty",), until=date(2022, 1, 8)), 7, 0, 0),
    ([*CORPUS_SERIES, event(place=AKIMAT, killed=8)], Filters(cities=("Almaty",)), 103, 0, 0),
    ([*CORPUS_SERIES, event(place=AKIMAT, killed=200)], Filters(cities=("Almaty",)), 207, 0, 0),
], ids=["seed", "series-all-dates", "series-to-7-jan", "series-to-10-jan", "series-before-first",
        "stated-twice", "groups-add", "later-all-replaces-parts", "latest-per-group",
        "city-filter-incidents-only", "incidents-larger-than-tally", "crowd-is-not-arrests",
        "region-filter-region-tally", "region-tally-inside-country", "type-filter-no-tally",
        "text-filter-no-tally", "incidents-add", "corpus-to-6-jan", "corpus-to-8-jan-groups",
        "corpus-to-14-jan", "corpus-all", "city-tally-for-city", "city-tally-in-region",
        "city-before-its-tally", "city-tally-covers-landmarks", "landmarks-larger-than-tally"])
def test_counting_rule(prepare, events, filters, killed, injured, arrested):
    result = totals(prepare(frame(events)), filters)
    assert (result.killed.value, result.injured.value, result.arrested.value) == (
        killed, injured, arrested)


def test_seed_figures_say_how_they_were_obtained(prepare):
    result = totals(prepare(frame(SEED)), Filters())
    assert result.arrested.qualifier == "at least"
    assert result.arrested.display() == "3000+"
    assert result.killed.method.startswith("Interior Ministry tally of 7 Jan 2022 (all of Kazakhstan)")
    assert (result.largest_crowd.value, result.largest_crowd.qualifier) == (3000, "about")
    assert "Zhanaozen" in result.largest_crowd.method
    assert result.events == 6
    assert result.as_dict()["killed"] == 26 and result.as_dict()["arrested"] == 3000


def test_city_filter_says_tallies_do_not_apply(prepare):
    df = prepare(frame([tally("2022-01-07", killed=26), event(killed=3), event(killed=1)]))
    result = totals(df, Filters(cities=("Almaty",)))
    assert result.killed.method == "sum of 2 incidents in Almaty"
    assert "city filter" in result.note


def test_incidents_larger_than_tally_win_and_say_so(prepare):
    df = prepare(frame([tally("2022-01-07", killed=10), event(killed=4), event(killed=8)]))
    method = totals(df, Filters()).killed.method
    assert method.startswith("sum of 2 incidents, larger than the Interior Ministry tally")


MINISTRY_AND_UNNAMED = [
    tally("2022-01-07", authority="", arrested=(50, "at least")),
    tally("2022-01-07", authority="", arrested=(3000, "at least")),
    tally("2022-01-08", authority="government", arrested=(1012, "at least")),
    tally("2022-01-12", arrested=(10000, "about")),
]
"""Arrest figures as the demo corpus states them: an unnamed authority, the government, the ministry."""


@pytest.mark.parametrize("events, filters, value, low, high", [
    ([tally("2022-01-07", killed=26), tally("2022-01-07", authority="government", killed=30)],
     Filters(), 30, 26, 30),
    ([tally("2022-01-08", killed=26), tally("2022-01-07", authority="government", killed=30)],
     Filters(), 30, 26, 30),
    ([tally("2022-01-07", killed=26), tally("2022-01-09", authority="government", killed=164)],
     Filters(), 164, 164, 164),
    ([tally("2022-01-07", authority="", arrested=50), tally("2022-01-12", arrested=10000)],
     Filters(), 10000, 10000, 10000),
    ([tally("2022-01-09", killed=26), tally("2022-01-07", authority="government", killed=164)],
     Filters(), 164, 26, 164),
    (MINISTRY_AND_UNNAMED, Filters(until=date(2022, 1, 7)), 3000, 3000, 3000),
    (MINISTRY_AND_UNNAMED, Filters(until=date(2022, 1, 8)), 3000, 1012, 3000),
    (MINISTRY_AND_UNNAMED, Filters(until=date(2022, 1, 11)), 3000, 1012, 3000),
    (MINISTRY_AND_UNNAMED, Filters(), 10000, 10000, 10000),
], ids=["same-day", "a-day-apart", "older-is-history", "older-small-is-history",
        "later-smaller-does-not-replace", "play-7-jan", "play-8-jan-higher-wins",
        "play-11-jan-no-drop", "play-all-days"])
def test_competing_authorities(prepare, events, filters, value, low, high):
    measure = "killed" if events[0].fatalities else "arrested"
    figure = getattr(totals(prepare(frame(events)), filters), measure)
    assert (figure.value, figure.low, figure.high) == (value, low, high)
    assert ("competing claims" in figure.method) == (low != high)
    assert figure.summary.endswith(" differs") == (low != high)


def test_authorities_stating_the_same_figure_agree(prepare):
    df = prepare(frame([tally("2022-01-11", authority="government", arrested=10000),
                        tally("2022-01-12", arrested=10000)]))
    arrested = totals(df, Filters()).arrested
    assert (arrested.value, arrested.low, arrested.high) == (10000, 10000, 10000)
    assert "competing" not in arrested.method and "the same figure as the government" in arrested.method
    assert arrested.summary == "Interior Ministry, 12 Jan 2022 · all of Kazakhstan · same as 1 other authority"


def test_older_figures_of_other_authorities_are_named_as_history(prepare):
    arrested = totals(prepare(frame(MINISTRY_AND_UNNAMED)), Filters()).arrested
    assert arrested.display() == "~10000"
    assert arrested.summary == "Interior Ministry, 12 Jan 2022 · all of Kazakhstan"
    assert "history, not disagreement" in arrested.method and "3000" in arrested.method


def test_vague_figures_are_counted_and_flagged(prepare):
    df = prepare(frame([event(arrested=(12, "vague")), event(place=AKTAU, arrested=3)]))
    arrested = totals(df, Filters()).arrested
    assert (arrested.value, arrested.vague, arrested.qualifier) == (15, 12, "at least")


@pytest.mark.parametrize("df, filters", [
    (frame([]), Filters()),
    (frame(SEED), Filters(cities=("Nowhere",))),
], ids=["empty-frame", "nothing-matches"])
def test_no_events_give_zeros_with_an_explanation(df, filters):
    result = totals(df, filters)
    assert [result.killed.value, result.injured.value, result.arrested.value,
            result.largest_crowd.value, result.events] == [0, 0, 0, 0, 0]
    assert result.note == "no events match the filters"
    assert result.killed.method == "no events match the filters"
