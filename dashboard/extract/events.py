"""Sentences -> Events: incident vs tally, place and date inheritance, dedupe.

Reads the spans the pipeline components wrote (triggers, dates, counts,
places, cues) for the sentences the first pass kept, and codes them by the
rules in docs/event-coding.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc

from dashboard.extract.counts import sentence_counts
from dashboard.extract.cues import cues
from dashboard.extract.dates import DateRef, sentence_dates
from dashboard.extract.lexicon import Lexicon
from dashboard.extract.places import home_country, most_specific, resolve_place
from dashboard.extract.prefilter import Sentence
from dashboard.extract.triggers import classify, trigger_classes
from dashboard.types import MEASURES, Article, Count, Event, Place

SCOPE_KINDS = ("country", "region")
SPECIFIC_KINDS = ("landmark", "city", "region")
SECURITY = "Security forces"
TALLY_MEASURES = ("fatalities", "injuries", "arrests")


@dataclass
class Facts:
    """What the rules found in one sentence."""

    sentence: Sentence
    classes: frozenset[str]
    places: list[Place]
    dates: list[DateRef]
    counts: list[tuple[str, Count, str]]
    authority: str
    attributed: bool
    actors: list[str]
    boilerplate: bool


def read_facts(sentence: Sentence, doc: Doc, lexicon: Lexicon, published: date | None,
               context: tuple[str, ...]) -> Facts:
    """Collect one parsed sentence's triggers, places, dates, counts and sources."""
    span = doc[:]
    authorities = {label for label, _, _ in cues(doc, "auth")}
    authority = next((a for a in lexicon.authorities if a in authorities), "")
    low = sentence.text.lower()
    return Facts(
        sentence=sentence,
        classes=trigger_classes(doc),
        places=[resolve_place(s.label_, context) for s in doc.spans.get("places", ())],
        dates=sentence_dates(span, published, lexicon.dates),
        counts=sentence_counts(span),
        authority=authority,
        attributed=bool(cues(doc, "attr")),
        actors=[label for label, _, _ in cues(doc, "actor")],
        boilerplate=any(marker.lower() in low for marker in lexicon.boilerplate),
    )


def place_context(docs: Sequence[Doc]) -> tuple[str, ...]:
    """Every place surface form of the article, for the gazetteer's context."""
    return tuple(sorted({s.label_ for d in docs for s in d.spans.get("places", ())}))


@dataclass
class Paragraph:
    """What earlier sentences of the same paragraph established."""

    number: int = -1
    place: Place | None = None
    date: DateRef | None = None
    authority: str = ""
    tally: Event | None = None


@dataclass
class Coder:
    """Turns one article's facts into events, sentence by sentence."""

    article: Article
    about_home: bool
    events: list[Event] = field(default_factory=list)
    tallies: list[Event] = field(default_factory=list)
    para: Paragraph = field(default_factory=Paragraph)

    def add(self, f: Facts) -> None:
        s = f.sentence
        if s.paragraph != self.para.number:
            self.para = Paragraph(number=s.paragraph)
        if f.boilerplate:
            return
        place = most_specific(f.places, self.para.place)
        foreign_only = place is None and any(p.kind == "foreign" for p in f.places)
        if place is not None and place.kind in SPECIFIC_KINDS and place.kind != "region":
            self.para.place = place
        current = [d for d in f.dates if d.date is not None and not d.history]
        if current:
            self.para.date = current[0]
        history = not current and any(d.history for d in f.dates)
        if f.authority and f.attributed:
            if not (f.authority == "ministry" and self.para.authority):
                self.para.authority = f.authority
        if history or foreign_only:
            return
        tally_counts = [c for c in f.counts if c[0] in TALLY_MEASURES]
        scope_ok = place is None or place.kind in SCOPE_KINDS
        if tally_counts and scope_ok and self.para.authority:
            self._tally(f, place, tally_counts, current)
            return
        if s.heading and s.index > 0:
            return
        self._incident(f, place)

    def _date(self, current: list[DateRef]) -> tuple[date | None, int, str]:
        ref = current[0] if current else self.para.date
        if ref is not None:
            return ref.date, ref.precision, ""
        if self.article.published is not None:
            return self.article.published, 2, "date not stated; article's published date"
        return None, 3, "date not stated and article has no published date"

    def _base(self, f: Facts, place: Place, event_date: date | None, precision: int,
              notes: list[str], **fields: object) -> Event:
        return Event(
            article_id=self.article.article_id, event_date=event_date,
            time_precision=precision, place=place, evidence=f.sentence.text,
            language=self.article.language, source=self.article.source,
            source_url=self.article.url, notes="; ".join(n for n in notes if n),
            sentence_index=f.sentence.index, **fields,  # type: ignore[arg-type]
        )

    def _tally(self, f: Facts, place: Place | None, counts: list[tuple[str, Count, str]],
               current: list[DateRef]) -> None:
        scope = place if place is not None else home_country()
        tally = self.para.tally
        if tally is None or tally.place.name != scope.name:
            when, precision, note = self._date(current)
            if self.article.published is not None and not current:
                when, precision, note = self.article.published, 1, "tally dated by publication"
            tally = self._base(f, scope, when, precision, [note], event_type="", sub_event_type="",
                               kind="tally", tally_authority=self.para.authority,
                               tally_group=next((g for _, _, g in counts if g != "all"), "all"))
            self.para.tally = tally
            self.tallies.append(tally)
        elif f.sentence.text not in tally.evidence:
            tally.evidence += " " + f.sentence.text
            if current and current[0].date is not None:
                tally.event_date, tally.time_precision = current[0].date, current[0].precision
        for measure, count, _ in counts:
            if getattr(tally, measure) is None:
                setattr(tally, measure, count)

    def _incident(self, f: Facts, place: Place | None) -> None:
        coded = classify(f.classes)
        if coded is None:
            return
        notes: list[str] = []
        if place is None:
            place = self.para.place
        if place is None:
            if not self.about_home:
                return
            place = home_country()
            notes.append("no place below country level stated")
        current = [d for d in f.dates if d.date is not None and not d.history]
        when, precision, note = self._date(current)
        notes.append(note)
        notes += [d.note for d in f.dates if d.note]
        others = [a for a in f.actors if a != SECURITY]
        event = self._base(
            f, place, when, precision, notes, event_type=coded[0], sub_event_type=coded[1],
            kind="incident", actor1=others[0] if others else "",
            actor2=SECURITY if SECURITY in f.actors and others else "",
        )
        for measure, count, _ in f.counts:
            if getattr(event, measure) is None:
                setattr(event, measure, count)
        self.events.append(event)


def merge_counts(into: Event, other: Event) -> None:
    """Keep the larger figure of each measure (a repeated figure is one figure)."""
    for m in MEASURES:
        a, b = getattr(into, m), getattr(other, m)
        if a is None or (b is not None and b.value > a.value):
            setattr(into, m, b)


def _join(into: Event, other: Event) -> None:
    if other.evidence not in into.evidence:
        into.evidence += " … " + other.evidence
    merge_counts(into, other)
    into.time_precision = min(into.time_precision, other.time_precision)


def dedupe_incidents(events: list[Event]) -> list[Event]:
    """One event per (type, sub-type, place, date); the first keeps the others' counts and evidence."""
    kept: dict[tuple[object, ...], Event] = {}
    for e in events:
        key = (e.event_type, e.sub_event_type, e.place.name, e.place.kind, e.event_date)
        if key in kept:
            _join(kept[key], e)
        else:
            kept[key] = e
    return list(kept.values())


def _compatible(a: Event, b: Event) -> bool:
    shared = [m for m in TALLY_MEASURES if getattr(a, m) is not None and getattr(b, m) is not None]
    return a.place.name == b.place.name and bool(shared) and all(
        getattr(a, m).value == getattr(b, m).value for m in shared
    )


def merge_tallies(tallies: list[Event]) -> list[Event]:
    """Tallies of one scope that repeat a figure are one tally (the fuller one leads).

    "26 killed, so the government" in the lead and "26 killed, 18 injured,
    3000+ arrested, said the Interior Ministry" later are one series statement.
    """
    out: list[Event] = []
    for t in tallies:
        match = next((o for o in out if _compatible(o, t)), None)
        if match is None:
            out.append(t)
            continue
        fuller, other = sorted((match, t), key=lambda e: -sum(
            getattr(e, m) is not None for m in TALLY_MEASURES))
        _join(fuller, other)
        if fuller is not match:
            out[out.index(match)] = fuller
    return out


def code_article(article: Article, facts: Sequence[Facts]) -> list[Event]:
    """All events of one article, incidents deduplicated, tallies merged."""
    about_home = any(p.country == home_country().country for f in facts for p in f.places)
    coder = Coder(article, about_home)
    for f in facts:
        coder.add(f)
    return dedupe_incidents(coder.events) + merge_tallies(coder.tallies)
