"""Value types shared by ingest, extraction, store, query and the UI.

Every module passes these dataclasses around; the store's columns and the CSV
export's header come from ``EVENT_COLUMNS`` so that they never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Qualifier = Literal["exact", "at least", "about", "up to", "vague"]
Kind = Literal["incident", "tally"]
TimePrecision = Literal[1, 2, 3]
"""1 day, 2 week-ish (weekday/relative words resolved only roughly), 3 month or unresolved."""
GeoPrecision = Literal[1, 2, 3, 4]
"""1 exact landmark, 2 city/town, 3 region (admin1), 4 country."""
PlaceKind = Literal["landmark", "city", "region", "country", "foreign", "unknown"]
Measure = Literal["fatalities", "injuries", "arrests", "crowd_size"]
MEASURES: tuple[Measure, ...] = ("fatalities", "injuries", "arrests", "crowd_size")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as ingested.

    >>> Article(article_id="ab12", text="Proteste in Almaty.", language="de").language
    'de'
    """

    article_id: str
    text: str
    language: str
    title: str = ""
    published: date | None = None
    source: str = ""
    url: str = ""
    path: str = ""


@dataclass(frozen=True, slots=True)
class Count:
    """A number stated in a text, with how sure the text is and the words it came from.

    >>> Count(3000, "at least", "mehr als 3000 Festnahmen").value
    3000
    """

    value: int
    qualifier: Qualifier = "exact"
    text: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved location: a gazetteer entry, a foreign place, or unknown.

    >>> Place("Almaty", 43.25, 76.91, admin1="Almaty City", country="KZ", kind="city").geo_precision
    2
    """

    name: str
    latitude: float | None
    longitude: float | None
    admin1: str = ""
    country: str = ""
    kind: PlaceKind = "unknown"
    geonameid: int | None = None
    matched: str = ""

    @property
    def geo_precision(self) -> int | None:
        return {"landmark": 1, "city": 2, "region": 3, "country": 4}.get(self.kind)


@dataclass(slots=True)
class Event:
    """One coded event (ACLED-style), either an incident or an authority's tally.

    Counts are ``None`` where the article states none for that event.

    >>> e = Event(article_id="ab12", event_date=date(2022, 1, 5), event_type="Riots",
    ...           sub_event_type="Violent demonstration", kind="incident",
    ...           place=Place("Almaty", 43.25, 76.91, country="KZ", kind="city"),
    ...           evidence="In Almaty wurde die Stadtverwaltung in Brand gesetzt.")
    >>> e.to_row()["location"], e.to_row()["geo_precision"]
    ('Almaty', 2)
    """

    article_id: str
    event_date: date | None
    event_type: str
    sub_event_type: str
    kind: Kind
    place: Place
    evidence: str
    time_precision: int = 1
    date_end: date | None = None
    actor1: str = ""
    actor2: str = ""
    fatalities: Count | None = None
    injuries: Count | None = None
    arrests: Count | None = None
    crowd_size: Count | None = None
    tally_authority: str = ""
    tally_group: str = ""
    language: str = ""
    source: str = ""
    source_url: str = ""
    notes: str = ""
    sentence_index: int = 0

    def count(self, measure: Measure) -> Count | None:
        return getattr(self, measure)

    def to_row(self) -> dict[str, Any]:
        """Flatten to one row with exactly ``EVENT_COLUMNS`` (less ``event_id``)."""
        row: dict[str, Any] = {
            "article_id": self.article_id,
            "event_date": self.event_date,
            "date_end": self.date_end or self.event_date,
            "time_precision": self.time_precision,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "kind": self.kind,
            "actor1": self.actor1,
            "actor2": self.actor2,
            "location": self.place.name,
            "admin1": self.place.admin1,
            "country": self.place.country,
            "latitude": self.place.latitude,
            "longitude": self.place.longitude,
            "geo_precision": self.place.geo_precision,
            "geonameid": self.place.geonameid,
            "place_kind": self.place.kind,
            "place_matched": self.place.matched,
        }
        for m in MEASURES:
            c = self.count(m)
            row[m] = None if c is None else c.value
            row[f"{m}_qualifier"] = None if c is None else c.qualifier
            row[f"{m}_text"] = None if c is None else c.text
        row.update(
            tally_authority=self.tally_authority,
            tally_group=self.tally_group,
            language=self.language,
            source=self.source,
            source_url=self.source_url,
            evidence=self.evidence,
            notes=self.notes,
            sentence_index=self.sentence_index,
        )
        return row


EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    *Event(
        article_id="", event_date=None, event_type="", sub_event_type="", kind="incident",
        place=Place("", None, None), evidence="",
    ).to_row().keys(),
)
"""Column order of the events table and of every export."""


EventRow = tuple[Any, ...]
"""The values of ``Event.to_row()``: ``EVENT_COLUMNS`` less ``event_id``, in that order
(cheaper to send between processes than an ``Event``)."""


def event_row(event: Event) -> EventRow:
    """``event`` as a row of the events table (without its id), as ``Store.add_rows`` takes.

    >>> row = event_row(Event(article_id="a1", event_date=None, event_type="Protests",
    ...                       sub_event_type="Peaceful protest", kind="incident",
    ...                       place=Place("Almaty", None, None), evidence="..."))
    >>> len(row) == len(EVENT_COLUMNS) - 1, row[EVENT_COLUMNS.index("location") - 1]
    (True, 'Almaty')
    """
    return tuple(event.to_row().values())
