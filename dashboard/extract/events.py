"""Sentences -> Events: incident vs tally, place and date carry-over, dedupe.

Reads the spans the pipeline components wrote (triggers, dates, counts,
places, cues) for the sentences the first pass kept, and codes them by the
rules in docs/event-coding.md.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import TypeVar

from spacy.tokens import Doc

from dashboard.extract.counts import count_rows
from dashboard.extract.cues import cues, doc_lower, spans_of
from dashboard.extract.dates import DateRef, date_rows, resolve_date
from dashboard.extract.lexicon import Lexicon
from dashboard.extract.places import (
    HOME,
    foreign_locality,
    home_country,
    most_specific,
    near,
    resolve_place,
)
from dashboard.extract.prefilter import Sentence
from dashboard.extract.triggers import DESTRUCTIVE, classify
from dashboard.types import MEASURES, Article, Count, Event, Measure, Place

SPECIFIC_KINDS = ("landmark", "city")
CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}\b")
"""A live-blog entry opens with its clock time ("15:20", "07:30 Uhr –")."""
MAX_GAP = 4
SECURITY = "Security forces"
TALLY_MEASURES = ("fatalities", "injuries", "arrests")
LOCAL_AUTHORITIES = frozenset({"police", "city administration"})
"""Sources whose figures describe the incident at hand, not a running total."""
BACKGROUND = frozenset({"kill", "arrest", "protest", "riot", "peaceful"})
"""Trigger classes a tally sentence may hold ("killed in the unrest")."""
CASUALTY = frozenset({"kill", "arrest", "peaceful"})
GENERIC = frozenset({"protest", "riot", "kill", "peaceful", "troops"})
"""Trigger classes too common to show that two sentences tell the same event."""
REPORTED = frozenset({"protest", "riot", "peaceful", "troops", "deploy", "block", "kill"})
"""Trigger classes that a statement about the past without a place or date of its own
("a student who joined the march told ...", "he blamed the violence on ...") only mentions."""
SUMMARY = frozenset({"protest", "riot", "peaceful", "kill"})
"""General trigger classes: told of the whole country in the headline or lead ("Die
Proteste in Kasachstan fordern zunehmend Todesopfer") they sum up the events an article
tells at its places."""
LEAD = 2
"""Paragraphs up to this number (0 the headline) are the headline and lead."""
INTERVENTION = ("Protests", "Protest with intervention")
SEQUEL = frozenset({"shooting", "disperse", "riot"})
"""Trigger classes that, told without a place of their own right after an incident,
continue it ("Smoke is rising over the building, shots are heard")."""
NATIONAL = ("Strategic developments", "Other")
RETOLD_KM = 10.0
"""A headline retold in the body with a common specific trigger lies within this distance."""
T = TypeVar("T")
NO_CLASSES: frozenset[str] = frozenset()


@dataclass(slots=True)
class Facts:
    """What the rules found in one sentence."""

    sentence: Sentence
    classes: frozenset[str]
    places: list[Place]
    dates: list[DateRef]
    counts: Sequence[tuple[Measure, Count, str]]
    authority: str
    attributed: bool
    actors: list[str]
    boilerplate: bool
    history: bool
    anaphoric: bool = False
    coordinated: bool = False
    abroad: bool = False
    live_entry: bool = False
    acts: int = 0
    """How many destructive trigger words (arson, storming, destruction...) the sentence has."""
    irrealis: bool = False
    """A future, conditional or hoped-for cue comes before the triggers ("experts expect",
    "if arrests continue", "calls on the authorities to"): nothing happened yet."""


CUE_GROUPS = ("auth", "attr", "actor", "history", "anaphora", "conj", "irrealis")
"""The cue groups the rules read per sentence, in the order of their fields in Marks."""


@dataclass(slots=True)
class Marks:
    """What the pipeline marked in one sentence of a doc (read for all its sentences at
    once by :func:`sentence_marks`): its first token and the token after it; the cues
    (label, start, end) of each group the rules read; its triggers (label, start), places
    (surface, start, end), dates (label, text) and counts; whether it holds boilerplate."""

    start: int
    end: int
    auth: Sequence[tuple[str, int, int]]
    attr: Sequence[tuple[str, int, int]]
    actor: Sequence[tuple[str, int, int]]
    history: Sequence[tuple[str, int, int]]
    anaphora: Sequence[tuple[str, int, int]]
    conj: Sequence[tuple[str, int, int]]
    irrealis: Sequence[tuple[str, int, int]]
    triggers: Sequence[tuple[str, int]]
    places: Sequence[tuple[str, int, int]]
    dates: Sequence[tuple[str, str]]
    counts: Sequence[tuple[Measure, Count, str]]
    boilerplate: bool


def by_sentence(items: Sequence[T], starts: list[int], bounds: list[int]) -> list[Sequence[T]]:
    """``items`` (in text order, the ith starting at token ``starts[i]``) cut into one list
    per sentence (``bounds``: the token where each sentence starts, then the doc's length);
    the work is per item, and most sentences have none of a kind.

    >>> by_sentence(["a", "b", "c"], [0, 4, 5], [0, 3, 6])
    [['a'], ['b', 'c']]
    """
    out: list[Sequence[T]] = [()] * (len(bounds) - 1)
    k = -1
    kept: list[T] = []
    for item, start in zip(items, starts):
        sentence = bisect_right(bounds, start) - 1
        if sentence != k:
            k, kept = sentence, []
            if 0 <= k < len(out):
                out[k] = kept
        kept.append(item)
    return out


def sentence_marks(doc: Doc, bounds: list[int], chars: list[tuple[int, int]],
                   lexicon: Lexicon) -> list[Marks]:
    """The marks of each sentence of a doc, every component's output read once for the doc.

    ``bounds``: the token where each sentence starts, then the doc's length; ``chars``:
    the character offsets (start, end) of each sentence.
    """
    def cut_cues(group: str) -> list[Sequence[tuple[str, int, int]]]:
        found = cues(doc, group)
        return by_sentence(found, [s for _, s, _ in found], bounds)

    triggers = spans_of(doc, "triggers")
    places = spans_of(doc, "places")
    marked = boilerplate_sentences(doc, chars, lexicon)
    per_sentence = zip(
        pairwise(bounds),
        *(cut_cues(group) for group in CUE_GROUPS),
        by_sentence([(t.label_, t.start) for t in triggers], [t.start for t in triggers], bounds),
        by_sentence([(p.label_, p.start, p.end) for p in places], [p.start for p in places], bounds),
        by_sentence(*date_rows(doc), bounds),
        by_sentence(*count_rows(doc), bounds),
    )
    return [Marks(a, b, *found, k in marked)  # type: ignore[call-arg]  # one column per field
            for k, ((a, b), *found) in enumerate(per_sentence)]


def read_facts(sentence: Sentence, marks: Marks, doc: Doc, lexicon: Lexicon, published: date | None,
               context: tuple[str, ...], year: int | None = None) -> Facts:
    """Collect one parsed sentence's triggers, places, dates, counts and sources (what
    the sentence lacks, most groups of cues, costs no work)."""
    counts, places, triggers = marks.counts, marks.places, marks.triggers
    classes = frozenset(label for label, _ in triggers) if triggers else NO_CLASSES
    return Facts(
        sentence=sentence,
        classes=classes | gathering(counts) if counts else classes,
        places=resolve_places([label for label, _, _ in places], context) if places else [],
        dates=[resolve_date(label, text, published, lexicon.dates, year)
               for label, text in marks.dates] if marks.dates else [],
        counts=counts,
        authority=first_authority(marks.auth, lexicon) if marks.auth else "",
        attributed=bool(marks.attr) or speaker_label(marks, doc),
        actors=[label for label, _, _ in marks.actor] if marks.actor else [],
        boilerplate=marks.boilerplate,
        history=bool(marks.history),
        anaphoric=bool(marks.anaphora),
        coordinated=coordinated_places(marks),
        abroad=bool(places) and any(foreign_locality(label, context) and not origin(doc, start, lexicon)
                                    for label, start, _ in places),
        live_entry=sentence.text[:1].isdigit() and CLOCK.match(sentence.text) is not None,
        irrealis=irrealis(marks),
        acts=sum(label in DESTRUCTIVE for label, _ in triggers) if triggers else 0,
    )


def first_authority(auth: Sequence[tuple[str, int, int]], lexicon: Lexicon) -> str:
    """The authority cue of a sentence that comes first in the lexicon's list, "" if none."""
    named = {label for label, _, _ in auth}
    return next((a for a in lexicon.authorities if a in named), "")


def gathering(counts: Sequence[tuple[Measure, Count, str]]) -> frozenset[str]:
    """A crowd counted as gathering or marching ("около полутора тысяч человек прошли к
    акимату") is a protest even without a protest word."""
    return frozenset({"protest"}) if any(m == "crowd_size" for m, _, _ in counts) else frozenset()


def resolve_places(surfaces: Sequence[str], context: tuple[str, ...]) -> list[Place]:
    """Resolve a sentence's place names; a generic landmark word ("акимата", "airport")
    takes the sentence's own names as context when it has any (the akimat of the city
    named next to it, not of the city the article is mostly about)."""
    if not surfaces:
        return []
    named = tuple(x for x in surfaces if x[:1].isupper())
    return [resolve_place(x, named if named and not x[:1].isupper() else context) for x in surfaces]


def origin(doc: Doc, start: int, lexicon: Lexicon) -> bool:
    """Whether the place name starting at token ``start`` follows a preposition of origin,
    next to it or one word before ("из Оренбурга", "from Moscow", "с аэродрома Чкаловский")."""
    return any(doc[i].lower_ in lexicon.origins for i in range(max(0, start - 2), start))


def irrealis(marks: Marks) -> bool:
    """Whether a future, conditional or wished-for cue precedes every trigger of the sentence.

    "Experts expect peacekeepers to guard ..." and "They will gather again if arrests
    continue" tell what may happen; "Protesters stormed the akimat and police say they will
    investigate" still tells the storming.
    """
    cues_here = marks.irrealis
    if not cues_here:
        return False
    return not marks.triggers or cues_here[0][1] <= marks.triggers[0][1]


def speaker_label(marks: Marks, doc: Doc) -> bool:
    """Whether the sentence opens with an authority and a colon ("МВД: ...",
    "Interior Ministry: 26 killed"): the statement that follows is theirs."""
    if not marks.auth:
        return False
    opening = [(s, e) for _, s, e in marks.auth if s == marks.start]
    return any(e < marks.end and doc[e].text == ":" for _, e in opening)


def boilerplate_sentences(doc: Doc, chars: list[tuple[int, int]], lexicon: Lexicon) -> set[int]:
    """The sentences (by position) holding a boilerplate marker; the doc is searched once.
    ``chars``: the character offsets (start, end) of each sentence."""
    text = doc_lower(doc)
    if not any(marker.lower() in text for marker in lexicon.boilerplate):
        return set()
    starts = [a for a, _ in chars]
    marked = set()
    for m in lexicon.boilerplate_pattern.finditer(text):
        k = bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < chars[k][1]:
            marked.add(k)
    return marked


def coordinated_places(marks: Marks) -> bool:
    """Whether two place names are joined by a conjunction ("in Aktobe und Taldykorgan").

    Only then does one sentence give one event per city.
    """
    if not marks.conj or len(marks.places) < 2:
        return False
    joins = [s for _, s, _ in marks.conj]
    return any(
        b_start - a_end <= MAX_GAP and any(a_end <= j < b_start for j in joins)
        for (_, _, a_end), (_, b_start, _) in pairwise(marks.places))


def place_context(doc: Doc) -> tuple[str, ...]:
    """Every place surface form of the article's doc, for the gazetteer's context."""
    return tuple(sorted({s.label_ for s in spans_of(doc, "places")}))


def home_cities(places: Sequence[Place]) -> list[Place]:
    """The distinct home cities a sentence names, in text order."""
    seen: dict[str, Place] = {}
    for p in places:
        if p.country == HOME and p.kind == "city":
            seen.setdefault(p.name, p)
    return list(seen.values())


@dataclass
class Paragraph:
    """What earlier sentences of the same paragraph established."""

    number: int = -1
    place: Place | None = None
    date: DateRef | None = None
    authority: str = ""
    tallies: dict[str, Event] = field(default_factory=dict)
    incident: Event | None = None
    abroad: bool = False
    """The paragraph's last place was abroad: sentences naming none are about it too."""


@dataclass
class Coder:
    """Turns one article's facts into events, sentence by sentence.

    A sentence's own place and date always win. Without them, it takes the
    last place (city or landmark) stated in its paragraph, else the article's
    city (the one its headline names, or its only city), else the country;
    and the last date stated anywhere before it.
    """

    article: Article
    about_home: bool
    city: Place | None = None
    events: list[Event] = field(default_factory=list)
    tallies: list[Event] = field(default_factory=list)
    para: Paragraph = field(default_factory=Paragraph)
    last_date: DateRef | None = None
    classes: dict[int, frozenset[str]] = field(default_factory=dict)
    authority: str = ""
    """The last national authority the article attributed a statement to."""
    local: bool = False
    """The article names places at home below the country (cities, regions, landmarks)."""
    abroad: bool = False
    """The headline names a place abroad and none at home below the country
    ("В Бишкеке прошла акция солидарности с жителями Казахстана")."""

    def add(self, f: Facts) -> None:
        s = f.sentence
        if s.paragraph != self.para.number:
            self.para = Paragraph(number=s.paragraph)
        if f.boilerplate:
            return
        if f.live_entry:
            self.last_date = None
        anchor = self.para.place or self.city
        own = most_specific(f.places, anchor)
        if own is not None and own.kind == "region" and anchor is not None and anchor.admin1 == own.admin1:
            own = anchor
        foreign_only = (own is None and any(p.kind == "foreign" for p in f.places)) or (
            f.abroad and (own is None or own.kind == "country"))
        current = [d for d in f.dates if d.date is not None and not d.history and not d.future]
        history = f.history or (not current and any(d.history for d in f.dates))
        if foreign_only:
            self.para.place, self.para.abroad = None, True
        elif own is not None and own.kind in SPECIFIC_KINDS:
            self.para.abroad = False
        if history or foreign_only:
            return
        if f.authority and f.attributed and not (f.authority == "ministry" and self.para.authority):
            generic = f.authority == "ministry" and self.authority
            self.para.authority = self.authority if generic else f.authority
            if f.authority not in LOCAL_AUTHORITIES and not generic:
                self.authority = f.authority
        if own is not None and own.kind == "city":
            self.para.place = own
        elif own is not None and own.kind == "landmark":
            self.para.place = next(iter(home_cities(f.places)), self.para.place)
        if current and current[0].day_part and self.para.date is not None:
            current = [replace(current[0], date=self.para.date.date, note="part of the day just told")]
        if current and not s.heading:
            self.last_date = self.para.date = current[0]
        if self._counts_only(f, own, current):
            return
        if s.heading and s.index > 0:
            return
        cities = home_cities(f.places) if f.coordinated else []
        targets = landmark_targets(f, own)
        for place in cities if len(cities) > 1 else targets if len(targets) > 1 else [own]:
            self._incident(f, place, current)

    def _counts_only(self, f: Facts, own: Place | None, current: list[DateRef]) -> bool:
        """Code a sentence that reports figures rather than an event; False if it is an event.

        National source -> tally at the sentence's scope; local source (police,
        city) or a pointer back ("dabei") -> the figures join the paragraph's
        incident; no source and no place below region -> an unattributed tally.
        """
        counts = [c for c in f.counts if c[0] in TALLY_MEASURES]
        if not counts or not f.classes <= BACKGROUND:
            return False
        local_here = f.authority in LOCAL_AUTHORITIES
        national = self.para.authority and self.para.authority not in LOCAL_AUTHORITIES
        specific = own is not None and own.kind in SPECIFIC_KINDS
        scope = own if own is not None else home_country()
        if national and not local_here:
            self._tally(f, scope, counts, current, self.para.authority)
            return True
        if (local_here or f.anaphoric or not f.authority) and self.para.incident is not None:
            _add_counts(self.para.incident, f.counts)
            return True
        if not specific and not local_here:
            self._tally(f, scope, counts, current, "")
            return True
        return f.classes <= CASUALTY and not specific

    def _date(self, current: list[DateRef], heading: bool) -> tuple[date | None, int, str]:
        ref = current[0] if current else (None if heading else self.last_date)
        if ref is not None:
            return ref.date, ref.precision, ""
        if self.article.published is not None:
            return self.article.published, 2, "date not stated; article's published date"
        return None, 3, "date not stated and article has no published date"

    def _event(self, f: Facts, place: Place, event_date: date | None, precision: int,
               notes: list[str], **fields: object) -> Event:
        return Event(
            article_id=self.article.article_id, event_date=event_date,
            time_precision=precision, place=place, evidence=f.sentence.text,
            language=self.article.language, source=self.article.source,
            source_url=self.article.url, notes="; ".join(n for n in notes if n),
            sentence_index=f.sentence.index, **fields,  # type: ignore[arg-type]
        )

    def _tally(self, f: Facts, scope: Place, counts: Sequence[tuple[str, Count, str]],
               current: list[DateRef], authority: str) -> None:
        tally = self.para.tallies.get(scope.name)
        if tally is None:
            if current:
                when, precision, note = current[0].date, current[0].precision, ""
            elif self.article.published is not None:
                when, precision, note = self.article.published, 1, "tally dated by publication"
            else:
                when, precision, note = None, 3, "tally without date or published date"
            if not authority:
                note += "; figure attributed to no source" if note else "figure attributed to no source"
            tally = self._event(f, scope, when, precision, [note], event_type="", sub_event_type="",
                                kind="tally", tally_authority=authority,
                                tally_group=next((g for _, _, g in counts if g != "all"), "all"))
            self.para.tallies[scope.name] = tally
            self.tallies.append(tally)
        else:
            if f.sentence.text not in tally.evidence:
                tally.evidence += " " + f.sentence.text
            if current:
                tally.event_date, tally.time_precision = current[0].date, current[0].precision
        for measure, count, group in counts:
            target = tally
            if group not in ("all", tally.tally_group):
                target = self._sibling(tally, scope, group)
            if getattr(target, measure) is None:
                setattr(target, measure, count)

    def _sibling(self, tally: Event, scope: Place, group: str) -> Event:
        """The tally of another group stated alongside ("26 attackers ... 18 officers")."""
        key = f"{scope.name}|{group}"
        if key not in self.para.tallies:
            sibling = replace(tally, tally_group=group, fatalities=None, injuries=None, arrests=None,
                              crowd_size=None)
            self.para.tallies[key] = sibling
            self.tallies.append(sibling)
        return self.para.tallies[key]

    def _incident(self, f: Facts, own: Place | None, current: list[DateRef]) -> None:
        coded = classify(f.classes)
        if coded is None or f.irrealis:
            return
        notes: list[str] = []
        if f.classes <= CASUALTY and (own is None or own.kind not in SPECIFIC_KINDS):
            return
        if own is None and (self.para.abroad or (self.abroad and self.para.place is None)):
            return
        if own is None and not current and f.attributed and f.classes <= REPORTED:
            return
        if own is None and coded == INTERVENTION and self._intervene(f):
            return
        last = self.para.incident
        if own is None and last is not None and (f.classes <= SEQUEL or (
                not current and not f.classes & DESTRUCTIVE
                and coded == (last.event_type, last.sub_event_type))):
            _continue(last, f)
            return
        if f.classes & {"protest", "block"} == {"block"} and security_only(f):
            return
        if "emergency" in f.classes and coded == NATIONAL:
            own = home_country()
            notes.append("a national decision: coded at country level")
        place = own if own is not None else self.para.place or self.city
        if (place is None or place.kind == "country") and f.classes <= SUMMARY and self.local \
                and f.sentence.paragraph <= LEAD:
            return
        if place is None:
            if not self.about_home:
                return
            place = home_country()
            notes.append("no place below country level stated")
        when, precision, note = self._date(current, f.sentence.heading)
        notes.append(note)
        notes += [d.note for d in f.dates if d.note]
        others = [a for a in f.actors if a != SECURITY]
        event = self._event(
            f, place, when, precision, notes, event_type=coded[0], sub_event_type=coded[1],
            kind="incident", actor1=others[0] if others else "",
            actor2=SECURITY if SECURITY in f.actors and others else "",
        )
        _add_counts(event, f.counts)
        self.para.incident = event
        self.events.append(event)
        self.classes[id(event)] = f.classes

    def _intervene(self, f: Facts) -> bool:
        """An intervention told without a place of its own ("Police fired tear gas") after
        a protest in the same paragraph is that protest's intervention: the protest becomes
        a protest with intervention. False if there is no such protest."""
        protest = self.para.incident
        if protest is None or protest.event_type != INTERVENTION[0]:
            return False
        protest.sub_event_type = INTERVENTION[1]
        _continue(protest, f)
        self.classes[id(protest)] = self.classes.get(id(protest), frozenset()) | f.classes
        return True


def landmark_targets(f: Facts, own: Place | None) -> list[Place]:
    """The distinct landmarks attacked in one sentence ("the akimat and the residence were
    set on fire, the airport seized"): each is its own event when the sentence tells as
    many destructive acts (a landmark named only as a point of reference, "shooting in
    front of the burned-out akimat", is not a target). Only landmarks near the
    sentence's event place count."""
    if own is None or own.kind != "landmark" or f.acts < 2:
        return []
    seen: dict[str, Place] = {}
    for p in f.places:
        if p.kind == "landmark" and p.country == HOME and near(p, own):
            seen.setdefault(p.name, p)
    return list(seen.values()) if len(seen) <= f.acts else []


def _continue(event: Event, f: Facts) -> None:
    """A sentence that goes on telling ``event``: its words and figures join it."""
    if f.sentence.text not in event.evidence:
        event.evidence += " " + f.sentence.text
    _add_counts(event, f.counts)


def security_only(f: Facts) -> bool:
    """Whether the sentence's only actors are security forces or troops ("Soldiers blocked
    the access roads"): their blockade is a security measure, not a protest."""
    return ("troops" in f.classes or SECURITY in f.actors) and all(
        a in (SECURITY, "CSTO forces") for a in f.actors)


def _add_counts(event: Event, counts: Sequence[tuple[str, Count, str]]) -> None:
    for measure, count, _ in counts:
        if getattr(event, measure) is None:
            setattr(event, measure, count)


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


def dedupe_incidents(events: list[Event], classes: dict[int, frozenset[str]] | None = None) -> list[Event]:
    """One event per (type, sub-type, place, date). A headline's event joins a body
    event of the same type whatever its date (the body states it) when both are at
    the same place, or within 10 km and told with a common specific trigger
    ("torch ... seize" in the headline, "set on fire" in the body)."""
    classes = classes or {}
    kept: dict[tuple[object, ...], Event] = {}
    for e in events:
        key = (e.event_type, e.sub_event_type, e.place.name, e.place.kind, e.event_date)
        if key in kept:
            _join(kept[key], e)
        else:
            kept[key] = e
    out = list(kept.values())
    for h in [e for e in out if e.sentence_index == 0]:
        body = next((e for e in out if e is not h and e.sentence_index > 0
                     and _retold(h, e, classes)), None)
        if body is not None:
            _join(body, h)
            out.remove(h)
    return out


def _retold(headline: Event, body: Event, classes: dict[int, frozenset[str]]) -> bool:
    if (headline.event_type, headline.sub_event_type) != (body.event_type, body.sub_event_type):
        return False
    if headline.place.name == body.place.name:
        return True
    common = classes.get(id(headline), frozenset()) & classes.get(id(body), frozenset())
    return bool(common - GENERIC) and near(headline.place, body.place, RETOLD_KM)


def _compatible(a: Event, b: Event) -> bool:
    if a.place.name != b.place.name or "all" not in (a.tally_group, b.tally_group) \
            and a.tally_group != b.tally_group:
        return False
    shared = [m for m in TALLY_MEASURES if getattr(a, m) is not None and getattr(b, m) is not None]
    if not shared:
        return a.tally_authority == b.tally_authority and a.event_date == b.event_date
    return all(getattr(a, m).value == getattr(b, m).value for m in shared)


def merge_tallies(tallies: list[Event]) -> list[Event]:
    """Tallies of one scope that repeat a figure (or complete each other, same
    authority and day) are one tally; the fuller one leads.

    "26 killed, so the government" in the lead and "26 killed, 18 injured,
    3000+ arrested, said the Interior Ministry" later are one statement.
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


def article_city(facts: Sequence[Facts]) -> Place | None:
    """The city an article is about: the one its headline names, else its only city."""
    headline = [c for f in facts if f.sentence.index == 0 for c in home_cities(f.places)]
    if len(headline) == 1:
        return headline[0]
    cities = {c.name: c for f in facts for c in home_cities(f.places)}
    return next(iter(cities.values())) if len(cities) == 1 else None


def code_article(article: Article, facts: Sequence[Facts]) -> list[Event]:
    """All events of one article, incidents deduplicated, tallies merged."""
    about_home = any(p.country == HOME for f in facts for p in f.places)
    coder = Coder(article, about_home, article_city(facts))
    coder.local = any(p.country == HOME and p.kind in ("landmark", "city", "region")
                      for f in facts for p in f.places)
    headline = [p for f in facts if f.sentence.index == 0 for p in f.places]
    coder.abroad = any(p.kind == "foreign" for p in headline) and all(
        p.kind in ("foreign", "country") for p in headline)
    for f in facts:
        coder.add(f)
    return dedupe_incidents(coder.events, coder.classes) + merge_tallies(coder.tallies)
