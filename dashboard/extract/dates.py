"""Time expressions: rules mark them, ``resolve_date`` turns them into dates.

Absolute dates ("5. Januar", "January 5", "am 5.1.") need no base; weekdays
("am Donnerstag", "Freitagmorgen", "on Wednesday") and relative words
("gestern", "in der Nacht", "overnight") are resolved against the article's
published date. A year before the published year marks history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from itertools import takewhile

from spacy.language import Language
from spacy.tokens import Doc, Span

from dashboard.extract.cues import cues, doc_lower, doc_text, publish
from dashboard.extract.lexicon import DateWords, Lexicon, load_lexicon

YEAR_IN_TEXT = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
DATES = "protestmap_date_rows"
"""Doc.user_data key: (label, text) of each date span in text order, and their starts."""
Trie = dict[str, "Trie"]
"""Words by their characters; the key "" marks the end of a word."""
NUMERIC = re.compile(r"^(?P<d>[12]?\d|3[01])\.(?P<m>1[0-2]|0?[1-9])\.(?P<y>\d{4}|\d{2})?$")


@dataclass(frozen=True)
class DateRef:
    """A resolved time expression: date (or None), ACLED time_precision, history flag.

    time_precision: 1 the day is stated, 2 approximate (night, evening, article
    date), 3 unresolved or month only.
    """

    date: date | None
    precision: int
    history: bool = False
    note: str = ""
    day_part: bool = False
    """A part of a day ("am Abend", "overnight"): the evening of a day just told, if any."""
    future: bool = False
    """After the article's date ("until 19 January"): a deadline or a plan, never an event date."""


def _alts(words: Iterable[object]) -> str:
    """A regex matching any of ``words``, the longest first, written as a trie so that the
    engine reads each character once instead of trying every word in turn.

    >>> _alts(["mai", "march", "marz"])
    'ma(?:i|r(?:ch|z))'
    >>> re.fullmatch(f"(?:{_alts(['jan', 'januar'])})a?", "januara") is not None
    True
    """
    trie: Trie = {}
    for word in words:
        node = trie
        for char in str(word):
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: Trie) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else f"{body}?"


@cache
def _weekday_head(weekdays: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(f"^(?:.* )?({_alts(weekdays)})")


def date_rules(words: DateWords) -> re.Pattern[str]:
    """One regex with a named group per date label (dm, md, my, numeric, weekday, year),
    built from the lexicon's month, weekday and day-part words; run it on lowercased text.
    At a word that starts with no digit and no first letter of those words the engine
    tries none of the rules (a fifth less time on news text).

    >>> from dashboard.extract.lexicon import load_lexicon
    >>> date_rules(load_lexicon("de").dates).search("am 5. januar 2022").lastgroup
    'dm'
    """
    month = f"(?:{_alts(words.months)})"
    day = r"(?:[12]?\d|3[01])(?:\.|st|nd|rd|th)?"
    if words.ordinal_days:
        day = f"(?:{day}|{_alts(words.ordinal_days)})"
    year = r"(?:1[89]\d\d|20\d\d)"
    rules = {
        "dm": rf"{day}\s+(?:of\s+)?{month}(?:\s+{year})?",
        "md": rf"{month}\s+{day}(?:,?\s+{year})?",
        "my": rf"{month}\s+{year}",
        "numeric": r"(?:[12]?\d|3[01])\.(?:1[0-2]|0?[1-9])\.(?:\d{4}|\d{2})?",
        "weekday": rf"(?:{_alts(words.weekdays)})(?:{_alts(words.day_parts)})?s?",
        "year": year,
    }
    body = "|".join(f"(?P<{label}>{rule})" for label, rule in rules.items())
    first = sorted({re.escape(str(w)[:1]) for w in (*words.months, *words.weekdays, *words.ordinal_days) if w})
    return re.compile(rf"(?<![\w.])(?=[\d{''.join(first)}])(?:{body})(?!\w)")


class DateTagger:
    """Reads Doc.text and the cue index ("reldate:*", "nightbefore:*");
    writes doc.spans["dates"], labelled dm|md|my|numeric|weekday|year|rel:<days>|night.

    Absolute dates and weekdays are one compiled regex over the text (far
    cheaper than token patterns), mapped back to tokens; relative phrases come
    from the lemma cues ("in der Nacht", "overnight").
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.rules = date_rules(lexicon.dates)

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for m in self.rules.finditer(doc_lower(doc)):
            span = doc.char_span(m.start(), m.end(), label=m.lastgroup or "", alignment_mode="expand")
            if span is not None:
                found.append(span)
        found += [Span(doc, s, e, label=f"rel:{off}") for off, s, e in cues(doc, "reldate")]
        weekdays = {s.start: s for s in found if s.label_ == "weekday"}
        for _, s, e in cues(doc, "nightbefore"):
            if e in weekdays:
                found.append(Span(doc, s, e + 1, label="night"))
        found.sort(key=lambda sp: (sp.start, -(sp.end - sp.start)))
        kept: list[Span] = []
        for sp in found:
            if not kept or sp.start >= kept[-1].end:
                kept.append(sp)
        publish(doc, "dates", kept)
        text = doc_text(doc)
        doc.user_data[DATES] = ([(sp.label_, text[sp.start_char:sp.end_char]) for sp in kept],
                                [sp.start for sp in kept])
        return doc


@Language.factory("protestmap_dates")
def make_date_tagger(nlp: Language, name: str) -> DateTagger:
    """The date tagger for ``nlp.lang``'s lexicon."""
    return DateTagger(load_lexicon(nlp.lang))


def _latest_weekday(weekday: int, base: date) -> date:
    return base - timedelta(days=(base.weekday() - weekday) % 7)


def nearest_year(day: int, month: int, published: date) -> date | None:
    """The day and month in the year that puts it nearest the published date.

    >>> nearest_year(19, 1, date(2022, 1, 5)), nearest_year(16, 12, date(2022, 1, 5))
    (datetime.date(2022, 1, 19), datetime.date(2021, 12, 16))
    """
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - published).days), default=None)


def _with_year(day: int, month: int, year: int | None, published: date | None,
               latest_year: int | None) -> DateRef:
    if year is not None:
        try:
            d = date(year, month, day)
        except ValueError:
            return DateRef(None, 3, note="impossible date")
        base_year = published.year if published is not None else latest_year
        return DateRef(d, 1, history=base_year is not None and year < base_year)
    if published is None:
        return DateRef(None, 3, note="day and month without a year, and no published date")
    near = nearest_year(day, month, published)
    if near is None:
        return DateRef(None, 3, note="impossible date")
    if near > published:
        return DateRef(near, 1, future=True,
                       note=f"{near} is after the article's date: a deadline, not an event")
    return DateRef(near, 1)


@lru_cache(maxsize=65536)
def resolve_date(label: str, text: str, published: date | None, words: DateWords,
                 latest_year: int | None = None) -> DateRef:
    """Resolve one tagged time expression. Without a published date only a date that
    states its year resolves; ``latest_year`` (the latest year the article names) then
    decides what is history.

    >>> from dashboard.extract.lexicon import load_lexicon
    >>> w = load_lexicon("de").dates
    >>> resolve_date("weekday", "Donnerstag", date(2022, 1, 7), w)
    DateRef(date=datetime.date(2022, 1, 6), precision=1, history=False, note='', day_part=False, future=False)
    >>> resolve_date("rel:-1", "in der Nacht", date(2022, 1, 7), w).date
    datetime.date(2022, 1, 6)
    """
    low = text.lower()
    tokens = re.findall(r"[^\W\d_]+\.?|\d+", low)
    numbers = [int(t) for t in tokens if t.isdigit()]
    month = next((words.months[t] for t in tokens if t in words.months), None)
    year = next((n for n in numbers if n >= 1800), None)
    if label in ("dm", "md"):
        day_words = " ".join(takewhile(lambda t: t not in words.months, tokens))
        day = words.ordinal_days.get(day_words) or next(n for n in numbers if n <= 31)
        return _with_year(day, month or 1, year, published, latest_year)
    if label == "numeric":
        m = NUMERIC.match(text)
        if not m:
            return DateRef(None, 3, note=f"unreadable date {text!r}")
        y = m["y"]
        return _with_year(int(m["d"]), int(m["m"]),
                          None if y is None else int(y) + (2000 if len(y) == 2 else 0), published,
                          latest_year)
    if label in ("my", "year"):
        base_year = published.year if published is not None else latest_year
        history = base_year is not None and year is not None and year < base_year
        if published is None and label == "year":
            return DateRef(None, 3, history=True, note="a bare year in an undated article: background")
        if label == "my" and year is not None and month is not None:
            return DateRef(date(year, month, 1), 3, history=history)
        return DateRef(None, 3, history=history)
    if published is None:
        return DateRef(None, 3, note=f"relative date {text!r} unresolved: no published date")
    if label in ("weekday", "night"):
        head = _weekday_head(tuple(words.weekdays)).match(low)
        if head is None:
            return DateRef(None, 3, note=f"unreadable weekday {text!r}")
        d = _latest_weekday(words.weekdays[head.group(1)], published)
        if label == "night":
            return DateRef(d - timedelta(days=1), 2)
        return DateRef(d, 1)
    offset = int(label.split(":", 1)[1])
    vague = any(part in low for part in words.day_parts)
    return DateRef(published + timedelta(days=offset), 2 if vague else 1, day_part=vague)


def latest_year(text: str) -> int | None:
    """The latest year a text mentions: without a published date, earlier years are history.

    >>> latest_year("Im Dezember 2011 ... seit Januar 2022")
    2022
    """
    years = [int(y) for y in YEAR_IN_TEXT.findall(text)]
    return max(years) if years else None


def date_rows(doc: Doc) -> tuple[list[tuple[str, str]], list[int]]:
    """(label, text) of every date span of a doc in text order, and the token where each starts."""
    return doc.user_data.get(DATES, ([], []))
