"""The ambiguity rule: rank the entries a surface form can mean, and decide if one is good enough.

Score = kind prior (landmark, country > region > city) + capital bonus + log10(population)
+ a bonus per context place that is in the same region or within ``NEAR_KM``. A city below
``MIN_BARE_POPULATION`` needs context, unless the surface is its own unambiguous name and it
has at least ``MIN_UNIQUE_POPULATION`` people; a generic landmark word ("akimat",
"Flughafen") needs its city in the context; an alias that is also an ordinary word ("семей",
"шар") needs a capital letter or context.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gazetteer.records import Alias, Entry

KIND_PRIOR = {"landmark": 3.0, "country": 3.0, "region": 2.5, "city": 0.0}
FEATURE_BONUS = {"PPLC": 2.0, "PPLA": 1.0}
CONTEXT_BONUS = 3.0
NEAR_KM = 100.0
MIN_BARE_POPULATION = 5000
MIN_UNIQUE_POPULATION = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry reached through one alias."""

    entry: Entry
    alias: Alias


def prior(entry: Entry) -> float:
    """Context-free score of an entry.

    >>> from gazetteer.records import Entry
    >>> big = Entry("a", "city", "KZ", 1, "Aktau", "09", "", "", 0, 0, 147443, "P", "PPLA", "")
    >>> small = Entry("b", "city", "KZ", 2, "Aktau", "12", "", "", 0, 0, 9977, "P", "PPL", "")
    >>> prior(big) > prior(small)
    True
    """
    return (
        KIND_PRIOR[entry.kind]
        + FEATURE_BONUS.get(entry.feature_code, 0.0)
        + math.log10(entry.population + 1)
    )


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates ordered by prior, best first (ties broken by id, so the order is stable)."""
    return sorted(candidates, key=lambda c: (-prior(c.entry), c.entry.id))


def distance_km(a: Entry, b: Entry) -> float:
    """Great-circle distance between two entries' points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def support(candidate: Candidate, context: Sequence[Entry]) -> int:
    """How many context places back this candidate (same city for generic landmark words)."""
    entry = candidate.entry
    if candidate.alias.generic:
        return sum(
            1
            for c in context
            if c.country_code == entry.country_code
            and c.kind in ("city", "landmark")
            and c.city == entry.city
            and c.id != entry.id
        )
    return sum(
        1
        for c in context
        if c.id != entry.id
        and c.kind != "country"
        and c.country_code == entry.country_code
        and (
            (c.admin1_code and c.admin1_code == entry.admin1_code)
            or distance_km(c, entry) <= NEAR_KM
        )
    )


def acceptable(
    candidate: Candidate, backing: int, ambiguous: bool, capitalised: bool = True
) -> bool:
    """Is this candidate good enough to return, given its context backing?

    A "common" alias (also an ordinary word, like "семей") needs a capital or context.
    """
    if candidate.alias.generic:
        return backing > 0
    if candidate.alias.origin == "common" and not capitalised and backing == 0:
        return False
    entry = candidate.entry
    if entry.kind != "city" or entry.population >= MIN_BARE_POPULATION or backing > 0:
        return True
    return (
        entry.population >= MIN_UNIQUE_POPULATION
        and candidate.alias.origin == "name"
        and not ambiguous
    )


def choose(
    candidates: Sequence[Candidate], context: Sequence[Entry] = (), capitalised: bool = True
) -> list[Candidate]:
    """Acceptable candidates, best first, after the context bonus.

    An empty list means "unknown": nothing is good enough.
    """
    scored = []
    names = {c.entry.id for c in candidates}
    for candidate in candidates:
        backing = support(candidate, context) if context else 0
        if acceptable(candidate, backing, ambiguous=len(names) > 1, capitalised=capitalised):
            score = prior(candidate.entry) + CONTEXT_BONUS * min(backing, 2)
            scored.append((-score, candidate.entry.id, candidate))
    return [c for _, _, c in sorted(scored, key=lambda t: (t[0], t[1]))]
