"""Places: gazetteer surface forms tagged in the Doc, resolved to ``Place`` values.

The tagger is one Aho-Corasick scan for every alias and inflected form the
gazetteer knows (case-sensitive, so "mir" the pronoun is not "Mir" the town).
Resolution asks ``gaz.resolve(surface, context)`` with the other places of the
article as context; anything outside Kazakhstan comes back as kind "foreign".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, Protocol

import ahocorasick
from spacy.language import Language
from spacy.tokens import Doc, Span

from dashboard.extract.cues import cues, doc_text, publish
from dashboard.extract.prefilter import whole_word
from dashboard.types import Place

HOME = "KZ"
HOME_NAMES = ("Kazakhstan", "Kasachstan")
RANK = {"landmark": 0, "city": 1, "region": 2, "country": 3}
LANDMARK_KM = 60.0
EARTH_KM = 6371.0


class Gazetteer(Protocol):
    def resolve(self, surface: str, context: Sequence[str] = ()) -> Any: ...
    def surface_forms(self) -> Any: ...


@cache
def default_gazetteer() -> Gazetteer:
    """The project's Kazakhstan gazetteer, loaded once per process."""
    from gazetteer import load_gazetteer

    return load_gazetteer()


def usable_form(form: str) -> bool:
    """A surface form worth tagging: a capitalised name of 3+ letters, or a lowercase
    one of 5+ ("airport", "акимат": the gazetteer's generic landmarks, which count only
    near the city at hand), never a short lowercase word ("mir" is a pronoun).

    >>> usable_form("Almaty"), usable_form("airport"), usable_form("mir"), usable_form("Ak")
    (True, True, False, False)
    """
    return len(form) >= 3 and (form[0].isupper() or len(form) >= 5)


@cache
def place_automaton() -> ahocorasick.Automaton:
    """Aho-Corasick over the default gazetteer's usable surface forms (case-sensitive),
    value = form length; built once per process and shared by every language's pipeline."""
    automaton = ahocorasick.Automaton()
    for form in default_gazetteer().surface_forms():
        if usable_form(form):
            automaton.add_word(form, len(form))
    automaton.make_automaton()
    return automaton


class PlaceTagger:
    """Reads the doc's text, its tokens and the cue index ("name:*", people named after
    places); writes doc.spans["places"], labelled with the surface form.

    One Aho-Corasick scan of the text finds the surface forms that stand as whole
    words and line up with token boundaries; the longest wins where they overlap.
    """

    def __init__(self, automaton: ahocorasick.Automaton) -> None:
        self.automaton = automaton

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        found = []
        for last, length in self.automaton.iter(text):
            start, end = last - length + 1, last + 1
            if whole_word(text, start, end):
                span = doc.char_span(start, end, label=text[start:end])
                if span is not None:
                    found.append(span)
        found.sort(key=lambda s: (s.start, -(s.end - s.start)))
        names = {i for _, s, e in cues(doc, "name") for i in range(s, e)}
        kept: list[Span] = []
        for sp in found:
            if sp.start not in names and (not kept or sp.start >= kept[-1].end):
                kept.append(sp)
        publish(doc, "places", kept)
        return doc


@Language.factory("protestmap_places")
def make_place_tagger(nlp: Language, name: str) -> PlaceTagger:
    """The place tagger over the default gazetteer's surface forms."""
    return PlaceTagger(place_automaton())


def to_place(loc: Any, surface: str) -> Place:
    """A geopy Location from the gazetteer (or None) as a ``Place``."""
    if loc is None:
        return Place(surface, None, None, kind="unknown", matched=surface)
    raw = loc.raw
    foreign = raw.get("country_code") != HOME
    return Place(
        name=raw.get("name") or surface,
        latitude=loc.latitude,
        longitude=loc.longitude,
        admin1=raw.get("admin1") or "",
        country=raw.get("country_code") or "",
        kind="foreign" if foreign else raw.get("kind", "unknown"),
        geonameid=raw.get("geonameid"),
        matched=surface,
    )


@lru_cache(maxsize=65536)
def foreign_locality(surface: str, context: tuple[str, ...]) -> bool:
    """Whether a surface form is a town, landmark or region abroad (not a whole country).

    >>> foreign_locality("Moskau", ()), foreign_locality("Russland", ()), foreign_locality("Almaty", ())
    (True, False, False)
    """
    loc = default_gazetteer().resolve(surface, context=context)
    return loc is not None and loc.raw.get("country_code") != HOME and loc.raw.get("kind") != "country"


@lru_cache(maxsize=65536)
def resolve_place(surface: str, context: tuple[str, ...]) -> Place:
    """Resolve one surface form with the article's other place names as context."""
    return to_place(default_gazetteer().resolve(surface, context=context), surface)


@cache
def home_country() -> Place:
    """Kazakhstan as a country-level Place (geo_precision 4)."""
    for name in HOME_NAMES:
        place = resolve_place(name, ())
        if place.kind == "country":
            return place
    return Place("Kazakhstan", 48.0, 68.0, country=HOME, kind="country", matched="")


def most_specific(places: Sequence[Place], anchor: Place | None = None) -> Place | None:
    """The most specific home place (landmark > city > region > country).

    A landmark counts only near (<= 60 km) a city named in the same sentence or,
    when the sentence names none, the ``anchor`` place of the sentences before: a generic "Flughafen" or "Stadtverwaltung"
    is the one of the city the text is about, never another city's. With no
    city at all, only a landmark named in several words ("Platz der Republik") counts.

    >>> a = Place("Aktau", 43.66, 51.17, country="KZ", kind="city")
    >>> airport = Place("Almaty Airport", 43.35, 77.04, country="KZ", kind="landmark")
    >>> most_specific([a, airport]).name, most_specific([airport]) is None
    ('Aktau', True)
    """
    if not places:
        return None
    home = [p for p in places if p.country == HOME and p.kind in RANK]
    cities = [p for p in home if p.kind == "city"] or ([anchor] if anchor is not None else [])
    home = [p for p in home if p.kind != "landmark" or any(near(p, c) for c in cities)
            or (not cities and " " in p.matched)]
    return min(home, key=lambda p: RANK[p.kind], default=None)


def near(a: Place, b: Place, km: float = LANDMARK_KM) -> bool:
    """Whether two places with coordinates lie within ``km`` of each other
    (haversine on a 6371 km sphere: ample for tens of kilometres, and cheap).

    >>> near(Place("A", 43.25, 76.91), Place("B", 43.35, 77.04), 20), near(Place("A", 43.25, 76.91), Place("C", 43.66, 51.17))
    (True, False)
    """
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return False
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(min(1.0, h))) <= km
