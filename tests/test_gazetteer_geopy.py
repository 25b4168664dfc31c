"""The gazetteer honours geopy's Geocoder contract, so code written for geopy works with it."""

from __future__ import annotations

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from gazetteer import KazakhstanGazetteer, load_gazetteer


def test_is_a_geopy_geocoder_and_cached() -> None:
    assert isinstance(load_gazetteer(), Geocoder)
    assert load_gazetteer() is load_gazetteer()


@pytest.mark.parametrize("query", ["Almaty", "Nur-Sultan", "Moskau", "Platz der Republik"])
def test_geocode_returns_a_location(query: str) -> None:
    assert isinstance(load_gazetteer().geocode(query), Location)


def test_geocode_returns_none_for_no_match() -> None:
    assert load_gazetteer().geocode("Xyzzyville") is None
    assert load_gazetteer().geocode("Xyzzyville", exactly_one=False) is None


def test_exactly_one_false_returns_a_ranked_list() -> None:
    found = load_gazetteer().geocode("Aktau", exactly_one=False)
    assert isinstance(found, list) and all(isinstance(loc, Location) for loc in found)
    assert found[0].raw["admin1"] == "Mangystau Region"
    assert len({loc.raw["geonameid"] for loc in found}) >= 2


def test_point_is_latitude_then_longitude() -> None:
    almaty = load_gazetteer().geocode("Almaty")
    assert almaty.point.latitude == pytest.approx(43.25, abs=0.05)
    assert almaty.point.longitude == pytest.approx(76.91, abs=0.05)
    assert (almaty.latitude, almaty.longitude) == tuple(almaty.point)[:2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ((43.25, 76.91), "Almaty"),
        ("43.34, 52.86", "Zhanaozen"),
        ((45.02, 78.37), "Taldykorgan"),
    ],
)
def test_reverse_finds_the_nearest_place(query: object, expected: str) -> None:
    location = load_gazetteer().reverse(query)
    assert isinstance(location, Location) and location.raw["name"] == expected


@pytest.mark.parametrize("far_away", [(55.75, 37.62), (0.0, 0.0), (-33.9, 151.2)])
def test_reverse_far_away_is_none(far_away: tuple[float, float]) -> None:
    assert load_gazetteer().reverse(far_away) is None


def test_lookup_lists_every_candidate_without_context() -> None:
    names = {loc.raw["admin1"] for loc in load_gazetteer().lookup("aktau")}
    assert {"Mangystau Region", "Karaganda Region"} <= names
    assert load_gazetteer().lookup("Mir") == []


def test_missing_country_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="xx_entries.tsv"):
        KazakhstanGazetteer(country="XX", data_dir=tmp_path)


def test_never_goes_online_unless_given_an_adapter() -> None:
    gaz = KazakhstanGazetteer()
    with pytest.raises(ConnectionError):
        gaz.adapter.get_json("https://example.org", timeout=1, headers={})


def test_context_free_answers_are_kept_and_match_the_ranked_candidates() -> None:
    gaz = KazakhstanGazetteer()
    first = gaz.resolve("Aktau")
    assert first is gaz.resolve("Aktau")
    assert first.raw["id"] == gaz.lookup("Aktau")[0].raw["id"]
    assert gaz.resolve("семей") is None and gaz.resolve("Семей") is not None
