"""Counts: "26 Menschen", "mehr als 3000 Festnahmen", "dozens", "8,000" -> Count + measure.

A number becomes a count only when a measure noun ("Tote", "arrests") or a
person noun ("Menschen", "protesters", "von ihnen") follows it (or, in
English, a measure word precedes it: "killing 26"); the measure of a person
noun comes from the nearest measure cue ("getötet", "versammelt") in its
stretch of the sentence. So channel names ("Khabar 24"), years, times and
dates never become counts, and a gathered crowd is never an arrest.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span
from text_to_num import text2num

from dashboard.extract.cues import cues, publish, spans_in, spans_of
from dashboard.extract.lexicon import Lexicon, load_lexicon
from dashboard.types import Count, Measure, Qualifier

DIGITS = re.compile(r"^\d{1,3}(?:[.,\u202f\u00a0']\d{3})+$|^\d+$")
GROUP = re.compile(r"^\d{3}$")
LOOKAHEAD = 4
LOOKBACK = 5
MIN_BARE_CROWD = 50
"""A crowd noun with no gathering word counts as a crowd only from this size on."""
MIN_CROWD = 2
"""One person ("nach Angaben eines Aktivisten") is a source, never a crowd."""

if not Span.has_extension("count"):
    Span.set_extension("count", default=None)
    Span.set_extension("group", default="")


@dataclass(frozen=True)
class NumberSpan:
    start: int
    end: int
    value: int
    vague: bool


def parse_number(text: str, lexicon: Lexicon) -> tuple[float, bool] | None:
    """Value of a number written in digits or words, and whether it is vague.

    >>> lex = load_lexicon("de")
    >>> parse_number("3.000", lex), parse_number("zwölf", lex), parse_number("Dutzende", lex)
    ((3000, False), (12, False), (12, True))
    >>> parse_number("2,5", lex) is None
    True
    """
    low = text.lower()
    if DIGITS.match(text):
        return int(re.sub(r"\D", "", text)), False
    if low in lexicon.vague_words:
        return lexicon.vague_words[low], True
    if low in lexicon.number_words:
        value = lexicon.number_words[low]
        return (int(value) if value.is_integer() else value), False
    if lexicon.number_word_pattern.match(low):
        try:
            return int(text2num(low, lexicon.language)), False
        except ValueError:
            return None
    return None


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of each sentence start (read as one array, not token by token)."""
    flags = doc.to_array("SENT_START") if doc.has_annotation("SENT_START") else numpy.zeros(len(doc))
    return [0] + [int(i) for i in numpy.flatnonzero(flags == 1) if i > 0]


class NumberWords:
    """Which tokens may be numbers: like_num, a lexicon number/vague/scale word (as written
    or as lemma), or a number word by the lexicon's pattern ("dreihundert"). Decided once
    per word form (the lemma of a form never changes) and cached."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.words = {*lexicon.number_words, *lexicon.vague_words, *lexicon.scale_words}
        self.pattern = lexicon.number_word_pattern
        self.known: dict[int, bool] = {}

    def _decide(self, doc: Doc, i: int, orth: int) -> bool:
        token = doc[i]
        low = token.lower_
        hit = self.known[orth] = bool(token.like_num or low in self.words
                                      or token.norm_ in self.words or self.pattern.match(low))
        return hit

    def candidates(self, doc: Doc) -> list[int]:
        """Indices of the tokens of ``doc`` that may be numbers."""
        known = self.known
        return [i for i, orth in enumerate(doc.to_array(ORTH).tolist())
                if known.get(orth, None) or (orth not in known and self._decide(doc, i, orth))]


def _scale(doc: Doc, i: int, lexicon: Lexicon) -> int | None:
    token = doc[i]
    return lexicon.scale_words.get(token.lower_) or lexicon.scale_words.get(token.norm_)


def find_numbers(doc: Doc, lexicon: Lexicon, blocked: set[int],
                 words: NumberWords | None = None) -> list[NumberSpan]:
    """Numbers in the doc outside ``blocked`` tokens, joining "3 000" and "3 Millionen"."""
    vague = {s: (e, int(v)) for v, s, e in cues(doc, "vague") if e - s > 1}
    out: list[NumberSpan] = []
    candidates = sorted({*(words or NumberWords(lexicon)).candidates(doc), *vague})
    i = 0
    for start in candidates:
        if start < i:
            continue
        i = start
        if i in blocked:
            i += 1
            continue
        if i in vague:
            vague_end, vague_value = vague[i]
            out.append(NumberSpan(i, vague_end, vague_value, True))
            i = vague_end
            continue
        text = doc[i].text
        if text.endswith(".") and text[:-1].isdigit() and (i + 1 == len(doc) or doc[i + 1].is_sent_start):
            text = text[:-1]
        parsed = parse_number(text, lexicon)
        if parsed is None and doc[i].norm_ != text.lower():
            parsed = parse_number(doc[i].norm_, lexicon)
        if parsed is None:
            i += 1
            continue
        value, is_vague = parsed
        end = i + 1
        while end < len(doc) and end not in blocked and doc[end].text.isdigit() \
                and GROUP.match(doc[end].text) and doc[i].text.isdigit():
            value = value * 1000 + int(doc[end].text)
            end += 1
        if not is_vague and not doc[i].text.isdigit():
            value, end = _compound(doc, value, end, lexicon, blocked)
        scale = _scale(doc, end, lexicon) if end < len(doc) and not is_vague else None
        if scale:
            value *= scale
            end += 1
            if not doc[i].text.isdigit():
                value, end = _compound(doc, value, end, lexicon, blocked)
        out.append(NumberSpan(i, end, int(value), is_vague))
        i = end
    return out


def _word_value(doc: Doc, i: int, lexicon: Lexicon) -> float | None:
    """The value of a number word (its form or its lemma), None for anything else."""
    token = doc[i]
    for form in (token.lower_, token.norm_):
        if form in lexicon.number_words:
            return lexicon.number_words[form]
    return None


def _compound(doc: Doc, value: float, end: int, lexicon: Lexicon, blocked: set[int]) -> tuple[float, int]:
    """Number words that add up ("сорок семь" 47, "сто пятьдесят три" 153, "две тысячи
    триста" 2300): each following word smaller than the last joins the number."""
    last = value % 1000 or value
    while end < len(doc) and end not in blocked:
        nxt = _word_value(doc, end, lexicon)
        if nxt is None or nxt >= last or not float(nxt).is_integer():
            break
        value, last, end = value + nxt, nxt, end + 1
    return value, end


def _qualifier(doc: Doc, start: int, lexicon_quals: list[tuple[str, int, int]]) -> tuple[str, int]:
    for label, s, e in lexicon_quals:
        if e == start:
            return label, s
    return "exact", start


def _measure_for(start: int, end: int, bound_lo: int, bound_hi: int,
                 cue_spans: list[tuple[str, int, int]]) -> str | None:
    """Nearest measure cue after the number (else before it) within its stretch;
    a casualty or arrest cue outranks a gathering cue ("bei den Protesten getötet")."""
    for wanted in (lambda m: m != "crowd_size", lambda m: m == "crowd_size"):
        ahead = [(s - end, m) for m, s, e in cue_spans if end <= s < bound_hi and wanted(m)]
        if ahead:
            return min(ahead)[1]
        behind = [(start - e, m) for m, s, e in cue_spans
                  if bound_lo <= s and e <= start and wanted(m)]
        if behind:
            return min(behind)[1]
    return None


def _clause(doc: Doc, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The bounds of the clause around tokens [start, end) within [lo, hi): up to the
    nearest punctuation on each side ("задержаны около 200 человек, пострадали 95":
    the arrest cue shares the clause, the injury cue does not)."""
    first = start
    while first > lo and not doc[first - 1].is_punct:
        first -= 1
    last = end
    while last < hi and not doc[last].is_punct:
        last += 1
    return first, last


def _cue_before(doc: Doc, start: int, lo: int, cue_spans: list[tuple[str, int, int]]) -> str | None:
    """The measure of a cue just before a bare number ("death toll rose to 164", "killing 26"),
    looking back at most LOOKBACK tokens and never across punctuation."""
    first = start
    while first > max(lo, start - LOOKBACK) and not doc[first - 1].is_punct:
        first -= 1
    near = [(start - e, m) for m, s, e in cue_spans if first <= s and e <= start and m != "crowd_size"]
    return min(near)[1] if near else None


def _cue_after(doc: Doc, window: range, cue_spans: list[tuple[str, int, int]]) -> str | None:
    """The measure of a casualty or arrest cue right after a bare number ("40 wurden festgenommen")."""
    for j in window:
        if doc[j].is_punct:
            return None
        hit = next((m for m, s, _ in cue_spans if s == j and m != "crowd_size"), None)
        if hit:
            return hit
    return None


class CountTagger:
    """Reads the cue index (qual, noun, cue, person, vague, notcount) and doc.spans["dates"];
    writes doc.spans["counts"], each labelled with its measure, with
    Span._.count (a Count whose text is the span) and Span._.group (who is counted)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.number_words = NumberWords(lexicon)

    def __call__(self, doc: Doc) -> Doc:
        blocked = {i for s in spans_of(doc, "dates") for i in range(s.start, s.end)}
        numbers = find_numbers(doc, self.lexicon, blocked, self.number_words)
        nouns = cues(doc, "noun")
        persons = cues(doc, "person")
        measure_cues = cues(doc, "cue")
        quals = cues(doc, "qual")
        spans: list[Span] = []
        blockers = {e for _, _, e in cues(doc, "notcount")}
        starts = sentence_starts(doc)
        fences = [n for n in numbers if not _is_article(doc, n)]
        fence_starts = [n.start for n in fences]
        for num in numbers:
            k_fence = bisect_left(fence_starts, num.start)
            lo = fences[k_fence - 1].end if k_fence else 0
            k_next = bisect_right(fence_starts, num.start)
            hi = fences[k_next].start if k_next < len(fences) else len(doc)
            k_sent = bisect_right(starts, num.start) - 1
            sent_start = starts[k_sent]
            sent_end = starts[k_sent + 1] if k_sent + 1 < len(starts) else len(doc)
            lo, hi = max(lo, sent_start), min(hi, sent_end)
            qualifier, qstart = _qualifier(doc, num.start, quals)
            if qstart in blockers or num.start in blockers:
                continue
            window = range(num.end, min(num.end + LOOKAHEAD, hi))
            attached = bool(window) and not (doc[window[0]].is_punct or doc[window[0]].like_num)
            noun = next(((m, s, e) for m, s, e in nouns if s in window), None) if attached else None
            person = next(((g, s, e) for g, s, e in persons if s in window), None) if attached else None
            group = person[0] if person else "all"
            if noun and noun[0] != "crowd_size" and (person is None or noun[1] <= person[1]):
                measure: str | None = noun[0]
            elif person or noun:
                clause_lo, clause_hi = _clause(doc, qstart, num.end, lo, hi)
                measure = _measure_for(num.start, num.end, clause_lo, clause_hi, measure_cues) \
                    or _measure_for(num.start, num.end, lo, hi, measure_cues)
                if measure is None and noun and num.value >= MIN_BARE_CROWD:
                    measure = noun[0]
                if person is None:
                    group = "protesters"
            else:
                measure = _cue_before(doc, qstart, lo, nouns + measure_cues) or (
                    _cue_after(doc, window, measure_cues) if attached else None)
            if measure is None or (self._is_year(doc, num) and noun is None):
                continue
            if measure == "crowd_size" and num.value < MIN_CROWD:
                continue
            if num.vague and not (qualifier != "exact" and self._scale_word(doc, num)):
                qualifier = "vague"
            span = Span(doc, qstart, (noun or person or (None, 0, num.end))[2], label=measure)
            span._.count = Count(num.value, _as_qualifier(qualifier), span.text)
            span._.group = group
            spans.append(span)
        publish(doc, "counts", spans)
        return doc

    def _scale_word(self, doc: Doc, num: NumberSpan) -> bool:
        """Whether the number is one scale word ("тысячи", "hundreds"): vague alone, a
        round figure after a qualifier ("около тысячи" = about 1000)."""
        token = doc[num.start]
        return num.end - num.start == 1 and (
            token.lower_ in self.lexicon.scale_words or token.norm_ in self.lexicon.scale_words)

    @staticmethod
    def _is_year(doc: Doc, num: NumberSpan) -> bool:
        return num.end - num.start == 1 and bool(re.match(r"^(?:1[89]|20)\d\d$", doc[num.start].text))


def _is_article(doc: Doc, num: NumberSpan) -> bool:
    """A lone "one" spelled as a word ("eines Aktivisten", "a witness") may be an
    indefinite article: it is still read as 1, but never cuts off the numbers around it."""
    return num.value == 1 and num.end - num.start == 1 and not doc[num.start].text.isdigit()


def _as_qualifier(label: str) -> Qualifier:
    return label if label in ("exact", "at least", "about", "up to", "vague") else "exact"  # type: ignore[return-value]


@Language.factory("protestmap_counts")
def make_count_tagger(nlp: Language, name: str) -> CountTagger:
    """The count tagger for ``nlp.lang``'s lexicon."""
    return CountTagger(load_lexicon(nlp.lang))


def sentence_counts(sent: Span) -> list[tuple[Measure, Count, str]]:
    """(measure, Count, group) for every count inside one sentence."""
    return [
        (s.label_, s._.count, s._.group)  # type: ignore[misc]
        for s in spans_in(sent, "counts")
    ]
