"""``KazakhstanGazetteer``: an offline geopy geocoder over the built gazetteer files."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from gazetteer.normalise import normalise
from gazetteer.records import Alias, Entry, read_aliases, read_entries
from gazetteer.resolve import Candidate, choose, distance_km, rank

DATA = Path(__file__).parent / "data"
REVERSE_MAX_KM = 100.0


class OfflineAdapter(BaseSyncAdapter):
    """A geopy adapter that never goes online (the gazetteer answers from its files),
    so building one opens no HTTP session and no SSL context."""

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise ConnectionError(f"{url}: the offline gazetteer makes no requests")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise ConnectionError(f"{url}: the offline gazetteer makes no requests")


class KazakhstanGazetteer(Geocoder):
    """Geocode toponyms (any alias or inflected form) to places in and around one country.

    >>> gaz = KazakhstanGazetteer()
    >>> gaz.geocode("Schangaösen").address
    'Zhanaozen, Mangystau Region, Kazakhstan'
    >>> gaz.geocode("Moskau").raw["country_code"]
    'RU'
    """

    def __init__(
        self, country: str = "KZ", data_dir: Path | None = None, **geocoder_options: Any
    ) -> None:
        super().__init__(**{"adapter_factory": OfflineAdapter, **geocoder_options})
        folder = Path(data_dir) if data_dir else DATA
        prefix = country.lower()
        entries_path, aliases_path = (
            folder / f"{prefix}_entries.tsv",
            folder / f"{prefix}_aliases.tsv",
        )
        if not entries_path.exists():
            raise FileNotFoundError(
                f"{entries_path}: no gazetteer for {country!r}; "
                f"run python -m gazetteer.build --country {country}"
            )
        self.country = country.upper()
        entries = {e.id: e for e in read_entries(entries_path)}
        self._countries = {e.country_code: e.name for e in entries.values() if e.kind == "country"}
        self._aliases = read_aliases(aliases_path)
        grouped: dict[str, list[Candidate]] = defaultdict(list)
        for alias in self._aliases:
            grouped[normalise(alias.alias)].append(Candidate(entries[alias.id], alias))
        self._candidates = {key: rank(cands) for key, cands in grouped.items()}
        self._best: dict[tuple[str, bool], Location | None] = {}
        self._home = [
            e for e in entries.values() if e.kind == "city" and e.country_code == self.country
        ]

    def _best_of(self, key: str, capitalised: bool = True) -> Location | None:
        """The context-free answer for a normalised key, worked out on first use and kept."""
        memo = (key, capitalised)
        if memo not in self._best:
            candidates = self._candidates.get(key)
            self._best[memo] = self._first(choose(candidates, capitalised=capitalised)) \
                if candidates else None
        return self._best[memo]

    def _first(self, chosen: list[Candidate]) -> Location | None:
        return self._location(chosen[0]) if chosen else None

    def _location(self, candidate: Candidate) -> Location:
        entry = candidate.entry
        parts = [entry.name]
        for part in (
            entry.city if entry.kind == "landmark" else "",
            entry.admin1,
            self._countries.get(entry.country_code, entry.country_code),
        ):
            if part and part != parts[-1]:
                parts.append(part)
        raw = {
            "geonameid": entry.geonameid,
            "country_code": entry.country_code,
            "kind": entry.kind,
            "name": entry.name,
            "admin1": entry.admin1,
            "population": entry.population,
            "alias": candidate.alias.alias,
            "geo_precision": entry.geo_precision,
            "feature_class": entry.feature_class,
            "feature_code": entry.feature_code,
            "city": entry.city,
            "id": entry.id,
            "source": entry.source,
        }
        return Location(", ".join(parts), Point(entry.latitude, entry.longitude), raw)

    def surface_forms(self) -> Iterable[str]:
        """Every alias and inflected form (original case), for a first-pass phrase matcher.

        >>> "Жанаозене" in set(load_gazetteer().surface_forms())
        True
        """
        return sorted({a.alias for a in self._aliases})

    def lookup(self, surface: str) -> list[Location]:
        """All candidates for an exact surface form, ranked by the ambiguity rule, no context.

        >>> [loc.raw["admin1"] for loc in load_gazetteer().lookup("Aktau")][:2]
        ['Mangystau Region', 'Karaganda Region']
        """
        return [self._location(c) for c in self._candidates.get(normalise(surface), ())]

    def resolve(self, surface: str, context: Sequence[str] = ()) -> Location | None:
        """The best candidate for a surface form, or None when nothing is good enough.

        >>> load_gazetteer().resolve("Aktau", context=["Karaganda"]).raw["admin1"]
        'Karaganda Region'
        """
        key = normalise(surface)
        capitalised = surface.strip()[:1].isupper()
        if not context:
            return self._best_of(key, capitalised)
        return self._first(self._choose(key, context, capitalised))

    def _choose(self, key: str, context: Sequence[str], capitalised: bool) -> list[Candidate]:
        found = (self._best_of(normalise(name)) for name in context)
        places = [self._entry_of(loc) for loc in found if loc is not None]
        return choose(self._candidates.get(key, []), places, capitalised)

    def _entry_of(self, location: Location) -> Entry:
        return next(
            c.entry
            for c in self._candidates[normalise(location.raw["alias"])]
            if c.entry.id == location.raw["id"]
        )

    def geocode(
        self,
        query: str,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        *,
        context: Sequence[str] = (),
    ) -> Location | list[Location] | None:
        """Resolve a toponym; ``exactly_one=False`` gives every acceptable candidate, best first.

        >>> load_gazetteer().geocode("Aktau", exactly_one=False)[0].raw["name"]
        'Aktau'
        """
        if exactly_one:
            return self.resolve(query, context)
        chosen = self._choose(normalise(query), context, query.strip()[:1].isupper())
        return [self._location(c) for c in chosen] or None

    def reverse(
        self, query: Any, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """Nearest populated place of the home country, None when none is within 100 km.

        >>> load_gazetteer().reverse((43.25, 76.91)).raw["name"]
        'Almaty'
        """
        point = Point(query)
        probe = Entry(
            "",
            "city",
            self.country,
            None,
            "",
            "",
            "",
            "",
            point.latitude,
            point.longitude,
            0,
            "",
            "",
            "",
        )
        ranked = sorted(((distance_km(probe, e), e.id, e) for e in self._home), key=lambda t: t[:2])
        near = [e for d, _, e in ranked if d <= REVERSE_MAX_KM]
        if not near:
            return None
        locations = [self._location(Candidate(e, _name_alias(e))) for e in near]
        return locations[0] if exactly_one else locations


def _name_alias(entry: Entry) -> Alias:
    return Alias(entry.id, entry.name, "name")


@functools.lru_cache(maxsize=None)  # noqa: UP033 (the API promises lru_cache)
def load_gazetteer(country: str = "KZ") -> KazakhstanGazetteer:
    """The shared gazetteer for a country, loaded once per process.

    >>> load_gazetteer() is load_gazetteer()
    True
    """
    return KazakhstanGazetteer(country=country)
