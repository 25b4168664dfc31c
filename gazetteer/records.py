"""The gazetteer's row types and their TSV form (shared by the build and the loader)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal, cast

EntryKind = Literal["landmark", "city", "region", "country"]
GEO_PRECISION: dict[str, int] = {"landmark": 1, "city": 2, "region": 3, "country": 4}


@dataclass(frozen=True, slots=True)
class Entry:
    """One place the gazetteer can return.

    >>> Entry("gn:607610", "city", "KZ", 607610, "Zhanaozen", "09", "Mangystau Region", "",
    ...       43.34116, 52.86192, 103598, "P", "PPL", "GeoNames").geo_precision
    2
    """

    id: str
    kind: EntryKind
    country_code: str
    geonameid: int | None
    name: str
    admin1_code: str
    admin1: str
    city: str
    latitude: float
    longitude: float
    population: int
    feature_class: str
    feature_code: str
    source: str

    @property
    def geo_precision(self) -> int:
        return GEO_PRECISION[self.kind]


@dataclass(frozen=True, slots=True)
class Alias:
    """A surface form of an entry; origin says where it came from, "generic" needs context.

    >>> Alias("gn:607610", "Жанаозене", "rule").generic
    False
    """

    id: str
    alias: str
    origin: str

    @property
    def generic(self) -> bool:
        return self.origin == "generic"


ENTRY_COLUMNS = [f.name for f in fields(Entry)]
ALIAS_COLUMNS = [f.name for f in fields(Alias)]


def write_tsv(path: Path, columns: list[str], rows: Iterable[object]) -> None:
    """Write dataclass rows as a tab-separated file with a header, LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for row in rows:
            values = asdict(row)  # type: ignore[call-overload]
            writer.writerow(["" if values[c] is None else values[c] for c in columns])


def read_entries(path: Path) -> list[Entry]:
    """Read the entries TSV written by the build."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Entry(
                id=r["id"],
                kind=cast(EntryKind, r["kind"]),
                country_code=r["country_code"],
                geonameid=int(r["geonameid"]) if r["geonameid"] else None,
                name=r["name"],
                admin1_code=r["admin1_code"],
                admin1=r["admin1"],
                city=r["city"],
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                population=int(r["population"]),
                feature_class=r["feature_class"],
                feature_code=r["feature_code"],
                source=r["source"],
            )
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def read_aliases(path: Path) -> list[Alias]:
    """Read the aliases TSV written by the build."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Alias(r["id"], r["alias"], r["origin"]) for r in csv.DictReader(handle, delimiter="\t")
        ]


def read_curated(path: Path) -> list[dict[str, str]]:
    """Read a hand-curated TSV: '#' lines are comments, the first other line is the header."""
    lines = [
        ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")
    ]
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) > len(header):
            raise ValueError(
                f"{path}: data line {number} has {len(cells)} cells, header has {len(header)}"
            )
        rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)))))
    return rows


def read_wordlist(path: Path) -> list[str]:
    """Read a one-word-a-line list, skipping '#' comments and blank lines."""
    if not path.exists():
        return []
    return [
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
