"""The user's seed article end to end: every gold event found, counted and placed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from geopy.distance import geodesic

from dashboard.evaluate import GoldRow, evaluate, read_gold, type_ok
from dashboard.extract import extract_events
from dashboard.ingest import read_articles
from dashboard.types import Article, Event

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6e6f88a621e68b95.txt"
GOLD = ROOT / "tests" / "data" / "seed_events.csv"
ORENBURG = (51.7727, 55.0988)


@pytest.fixture(scope="module")
def article() -> Article:
    [art] = list(read_articles([SEED]))
    assert isinstance(art, Article) and art.published == date(2022, 1, 7)
    return art


@pytest.fixture(scope="module")
def events(article: Article) -> list[Event]:
    return extract_events(article)


@pytest.mark.parametrize("gold_id", ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"])
def test_every_gold_event_is_found(article: Article, events: list[Event], gold_id: str) -> None:
    report = evaluate(GOLD, [article], events).as_dict()
    [row] = report["articles"]
    assert not [m for m in row["missed"] if m.startswith(gold_id + " ")]
    assert not [t for t in row["type_errors"] if t.startswith(gold_id + ":")]


def fits(g: GoldRow, e: Event) -> bool:
    if e.kind != "incident" or not type_ok(g, e) or e.event_date is None:
        return False
    if not (g.earliest <= e.event_date <= g.latest):
        return False
    if g.country_level:
        return e.place.kind == "country"
    return geodesic((g.latitude, g.longitude), (e.place.latitude, e.place.longitude)).km <= g.max_km


@pytest.mark.parametrize("gold", [g for g in read_gold(GOLD) if g.kind == "incident"], ids=lambda g: g.gold_id)
def test_incidents_placed_dated_and_typed(events: list[Event], gold: GoldRow) -> None:
    assert any(fits(gold, e) for e in events)


def test_one_tally_with_the_ministry_figures(events: list[Event]) -> None:
    [tally] = [e for e in events if e.kind == "tally"]
    assert (tally.fatalities.value, tally.injuries.value, tally.arrests.value) == (26, 18, 3000)
    assert tally.arrests.qualifier == "at least"
    assert tally.event_date == date(2022, 1, 7)
    assert tally.place.kind == "country" and tally.tally_authority == "Interior Ministry"


def test_totals_count_the_26_once(article: Article, events: list[Event]) -> None:
    totals = evaluate(GOLD, [article], events).as_dict()["totals"]
    assert totals["predicted"] == totals["expected"] == {"killed": 26, "injured": 18, "arrested": 3000}


def test_zhanaozen_crowd_is_a_crowd(events: list[Event]) -> None:
    [zh] = [e for e in events if e.place.name == "Zhanaozen"]
    assert zh.crowd_size is not None and zh.crowd_size.value == 3000 and zh.arrests is None
    assert all(e.arrests is None or e.arrests.value != 3000 or e.kind == "tally" for e in events)


def test_channel_name_is_not_a_count(events: list[Event]) -> None:
    for e in events:
        assert all(c is None or c.value != 24 for c in (e.fatalities, e.injuries, e.arrests, e.crowd_size))


def test_nothing_at_orenburg_or_for_the_russian_airfield(events: list[Event]) -> None:
    for e in events:
        assert "Tschkalowski" not in e.evidence
        if e.place.latitude is not None:
            assert geodesic(ORENBURG, (e.place.latitude, e.place.longitude)).km > 100


def test_no_event_from_privacy_boilerplate(events: list[Event]) -> None:
    assert not [e for e in events if "Datenschutz" in e.evidence or "Cookies" in e.evidence]


def test_extra_incidents_are_few(article: Article, events: list[Event]) -> None:
    [row] = evaluate(GOLD, [article], events).as_dict()["articles"]
    assert row["incidents"]["fp"] <= 1, row["extra"]
    assert all("Protests/Peaceful protest @ Kazakhstan" in x for x in row["extra"]), row["extra"]
