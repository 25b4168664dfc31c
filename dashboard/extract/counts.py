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
from functools import lru_cache

import numpy
from spacy.attrs import IS_PUNCT, ORTH
from spacy.language import Language
from spacy.tokens import Doc
from text_to_num import text2num

from dashboard.extract.cues import cues, doc_text, spans_of
from dashboard.extract.lexicon import Lexicon, load_lexicon
from dashboard.types import Count, Measure, Qualifier

DIGITS = re.compile(r"^\d{1,3}(?:[.,\u202f\u00a0']\d{3})+$|^\d+$")
GROUP = re.compile(r"^\d{3}$")
LOOKAHEAD = 4
LOOKBACK = 5
COMPLEMENT = 3
"""Lead-in words ("of those") looked past after a relational person noun for the word
naming whom the people counted relate to."""
MIN_BARE_CROWD = 50
"""A crowd noun with no gathering word counts as a crowd only from this size on."""
MIN_CROWD = 2
"""One person ("nach Angaben eines Aktivisten") is a source, never a crowd."""

YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
SENTENCE_BOUNDS = "protestmap_sentence_bounds"
"""Doc.user_data key: the token index where each sentence starts, and the doc's length
(written by whoever cut the doc into sentences, see ``dashboard.extract.chunk_doc``)."""
COUNTS = "protestmap_count_rows"
"""Doc.user_data key: (measure, Count, group) of each count span in text order, and their starts."""


@dataclass(frozen=True)
class NumberSpan:
    start: int
    end: int
    value: int
    vague: bool


@lru_cache(maxsize=65536)
def parse_number(text: str, lexicon: Lexicon) -> tuple[float, bool] | None:
    """Value of a number written in digits or words, and whether it is vague (cached per word).

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
    """Token index of each sentence start: as the doc's maker stored them (see
    ``SENTENCE_BOUNDS``), else read from the sentence-start flags as one array."""
    bounds = doc.user_data.get(SENTENCE_BOUNDS)
    if bounds is not None:
        return bounds[:-1]
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
        token = doc[i]
        text = token.text
        digits = text.isdigit()
        if text.endswith(".") and text[:-1].isdigit() and (i + 1 == len(doc) or doc[i + 1].is_sent_start):
            text = text[:-1]
        parsed = parse_number(text, lexicon)
        if parsed is None and token.norm_ != text.lower():
            parsed = parse_number(token.norm_, lexicon)
        if parsed is None:
            i += 1
            continue
        value, is_vague = parsed
        end = i + 1
        while digits and end < len(doc) and end not in blocked \
                and (group := doc[end].text).isdigit() and GROUP.match(group):
            value = value * 1000 + int(group)
            end += 1
        if not is_vague and not digits:
            value, end = _compound(doc, value, end, lexicon, blocked)
        scale = _scale(doc, end, lexicon) if end < len(doc) and not is_vague else None
        if scale:
            value *= scale
            end += 1
            if not digits:
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


def _qualifier(start: int, lexicon_quals: list[tuple[str, int, int]]) -> tuple[str, int]:
    for label, s, e in lexicon_quals:
        if e == start:
            return label, s
    return "exact", start


def _measure_for(start: int, end: int, bound_lo: int, bound_hi: int,
                 cue_spans: list[tuple[str, int, int]]) -> str | None:
    """Nearest measure cue after the number (else before it) within its stretch;
    a casualty or arrest cue outranks a gathering cue ("bei den Protesten getötet")."""
    for crowd in (False, True):
        ahead = [(s - end, m) for m, s, e in cue_spans
                 if end <= s < bound_hi and (m == "crowd_size") == crowd]
        if ahead:
            return min(ahead)[1]
        behind = [(start - e, m) for m, s, e in cue_spans
                  if bound_lo <= s and e <= start and (m == "crowd_size") == crowd]
        if behind:
            return min(behind)[1]
    return None


def _nearest(start: int, end: int, bound_lo: int, bound_hi: int,
             cue_spans: list[tuple[str, int, int]]) -> str | None:
    """The measure of the cue nearest the number within its stretch, whatever it is (for
    relatives of others, whose own act is the nearest: "dozens of relatives gathered ...
    asking for news of detained family members").

    >>> _nearest(5, 6, 0, 20, [("crowd_size", 6, 7), ("arrests", 15, 16)])
    'crowd_size'
    """
    near = [(s - end, m) for m, s, e in cue_spans if end <= s < bound_hi] + \
        [(start - e, m) for m, s, e in cue_spans if bound_lo <= s and e <= start]
    return min(near)[1] if near else None


def _clause(punct: list[bool], start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The bounds of the clause around tokens [start, end) within [lo, hi): up to the
    nearest punctuation on each side ("задержаны около 200 человек, пострадали 95":
    the arrest cue shares the clause, the injury cue does not)."""
    first = start
    while first > lo and not punct[first - 1]:
        first -= 1
    last = end
    while last < hi and not punct[last]:
        last += 1
    return first, last


def _cue_before(punct: list[bool], start: int, lo: int, cue_spans: list[tuple[str, int, int]]) -> str | None:
    """The measure of a cue just before a bare number ("death toll rose to 164", "killing 26"),
    looking back at most LOOKBACK tokens and never across punctuation."""
    first = start
    while first > max(lo, start - LOOKBACK) and not punct[first - 1]:
        first -= 1
    near = [(start - e, m) for m, s, e in cue_spans if first <= s and e <= start and m != "crowd_size"]
    return min(near)[1] if near else None


def _cue_after(punct: list[bool], window: range, cue_spans: list[tuple[str, int, int]]) -> str | None:
    """The measure of a casualty or arrest cue right after a bare number ("40 wurden festgenommen")."""
    for j in window:
        if punct[j]:
            return None
        hit = next((m for m, s, _ in cue_spans if s == j and m != "crowd_size"), None)
        if hit:
            return hit
    return None


def _without_complement(at: int, noun: tuple[str, int, int] | None,
                        measure_cues: list[tuple[str, int, int]]
                        ) -> tuple[tuple[str, int, int] | None, list[tuple[str, int, int]]]:
    """The noun and cues left once the complement of a relational person noun is set
    aside: a casualty or arrest word starting at ``at``, right after the noun and its
    lead-in words, names whom the people counted relate to ("около ста родственников
    задержанных" = a hundred relatives of detainees, "relatives of those killed"), so it
    is set aside when another measure cue is left to read ("... собрались"); alone it
    stands ("Около двухсот родственников задержаны").

    >>> _without_complement(4, ("arrests", 4, 5), [("crowd_size", 0, 1), ("arrests", 4, 5)])
    (None, [('crowd_size', 0, 1)])
    >>> _without_complement(3, None, [("crowd_size", 0, 1), ("arrests", 4, 5)])
    (None, [('crowd_size', 0, 1), ('arrests', 4, 5)])
    """
    if not any(s == at and m != "crowd_size" for m, s, _ in (*measure_cues, *([noun] if noun else ()))):
        return noun, measure_cues
    kept = [c for c in measure_cues if c[1] != at]
    if not kept:
        return noun, measure_cues
    return (None if noun and noun[1] == at else noun), kept


def _first_in(items: list[tuple[str, int, int]], starts: list[int], window: range) -> tuple[str, int, int] | None:
    """The first of ``items`` (in text order, starting at ``starts``) that starts inside ``window``."""
    k = bisect_left(starts, window.start)
    return items[k] if k < len(items) and starts[k] < window.stop else None


class Stretches:
    """One doc's numbers with what the count rules read around them: the stretch of
    each (between the numbers before and after it, inside its sentence), which tokens
    are punctuation (one plain list), and the cues by group."""

    def __init__(self, doc: Doc, numbers: list[NumberSpan]) -> None:
        self.punct: list[bool] = doc.to_array(IS_PUNCT).tolist()
        self.sentences = sentence_starts(doc)
        self.fences = [n for n in numbers if not _is_article(doc, n)]
        self.fence_starts = [n.start for n in self.fences]
        self.length = len(doc)
        self.nouns, self.persons = cues(doc, "noun"), cues(doc, "person")
        self.noun_starts = [s for _, s, _ in self.nouns]
        self.person_starts = [s for _, s, _ in self.persons]
        self.measure_cues = cues(doc, "cue")
        self.cue_starts = [s for _, s, _ in self.measure_cues]
        self.before_cues = self.nouns + self.measure_cues
        self.quals = cues(doc, "qual")
        self.blockers = {e for _, _, e in cues(doc, "notcount")}
        self.relational = {s for _, s, _ in cues(doc, "relational")}

    def bounds(self, num: NumberSpan) -> tuple[int, int]:
        """The stretch [lo, hi) of a number: after the number before it, up to the next
        one, never beyond its sentence (a lone "one" is no fence, see :func:`_is_article`)."""
        k_fence = bisect_left(self.fence_starts, num.start)
        lo = self.fences[k_fence - 1].end if k_fence else 0
        k_next = bisect_right(self.fence_starts, num.start)
        hi = self.fences[k_next].start if k_next < len(self.fences) else self.length
        k_sent = bisect_right(self.sentences, num.start) - 1
        sent_end = self.sentences[k_sent + 1] if k_sent + 1 < len(self.sentences) else self.length
        return max(lo, self.sentences[k_sent]), min(hi, sent_end)

    def cues_between(self, lo: int, hi: int) -> list[tuple[str, int, int]]:
        """The measure cues starting in [lo, hi)."""
        return self.measure_cues[bisect_left(self.cue_starts, lo):bisect_left(self.cue_starts, hi)]


class CountTagger:
    """Reads the cue index (qual, noun, cue, person, vague, notcount) and doc.spans["dates"];
    writes each count's measure, Count (with the words it came from) and the group
    counted, in text order, read with :func:`count_rows`."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.number_words = NumberWords(lexicon)

    def __call__(self, doc: Doc) -> Doc:
        blocked = {i for s in spans_of(doc, "dates") for i in range(s.start, s.end)}
        numbers = find_numbers(doc, self.lexicon, blocked, self.number_words)
        rows: list[tuple[Measure, Count, str]] = []
        starts: list[int] = []
        if numbers:
            around = Stretches(doc, numbers)
            text = doc_text(doc)
            found = sorted(filter(None, (self._count(doc, num, around) for num in numbers)),
                           key=lambda found: found[0])
            for start, end, measure, value, qualifier, group in found:
                last = doc[end - 1]
                words = text[doc[start].idx:last.idx + len(last)]
                rows.append((measure, Count(value, qualifier, words), group))
                starts.append(start)
        doc.user_data[COUNTS] = (rows, starts)
        return doc

    def _count(self, doc: Doc, num: NumberSpan, around: Stretches
               ) -> tuple[int, int, Measure, int, Qualifier, str] | None:
        """(start, end, measure, value, qualifier, group) of the count a number makes, None if it makes none."""
        lo, hi = around.bounds(num)
        qualifier, qstart = _qualifier(num.start, around.quals)
        if qstart in around.blockers or num.start in around.blockers:
            return None
        punct = around.punct
        window = range(num.end, min(num.end + LOOKAHEAD, hi))
        attached = bool(window) and not (punct[window[0]] or doc[window[0]].like_num)
        noun = _first_in(around.nouns, around.noun_starts, window) if attached else None
        person = _first_in(around.persons, around.person_starts, window) if attached else None
        measure_cues = around.cues_between(min(lo, qstart), hi)
        relational = False
        if person and person[1] in around.relational:
            relational = True
            noun, measure_cues = _without_complement(self._past_leads(doc, person[2], hi), noun,
                                                     measure_cues)
        group = person[0] if person else "all"
        if noun and noun[0] != "crowd_size" and (person is None or noun[1] <= person[1]):
            measure: str | None = noun[0]
        elif person or noun:
            clause_lo, clause_hi = _clause(punct, qstart, num.end, lo, hi)
            pick = _nearest if relational else _measure_for
            measure = pick(num.start, num.end, clause_lo, clause_hi, measure_cues) \
                or pick(num.start, num.end, lo, hi, measure_cues)
            if measure is None and noun and num.value >= MIN_BARE_CROWD:
                measure = noun[0]
            if person is None:
                group = "protesters"
        else:
            measure = _cue_before(punct, qstart, lo, around.before_cues) or (
                _cue_after(punct, window, measure_cues) if attached else None)
        if measure is None or (self._is_year(doc, num) and noun is None):
            return None
        if measure == "crowd_size" and num.value < MIN_CROWD:
            return None
        if num.vague and not (qualifier != "exact" and self._scale_word(doc, num)):
            qualifier = "vague"
        end = (noun or person or (None, 0, num.end))[2]
        return qstart, end, measure, num.value, _as_qualifier(qualifier), group  # type: ignore[return-value]

    def _past_leads(self, doc: Doc, after: int, hi: int) -> int:
        """The first token from ``after`` on that is not a lead-in word ("of", "von";
        at most ``COMPLEMENT`` of them)."""
        at = after
        while at < min(after + COMPLEMENT, hi) and doc[at].lower_ in self.lexicon.complement_leads:
            at += 1
        return at

    def _scale_word(self, doc: Doc, num: NumberSpan) -> bool:
        """Whether the number is one scale word ("тысячи", "hundreds"): vague alone, a
        round figure after a qualifier ("около тысячи" = about 1000)."""
        token = doc[num.start]
        return num.end - num.start == 1 and (
            token.lower_ in self.lexicon.scale_words or token.norm_ in self.lexicon.scale_words)

    @staticmethod
    def _is_year(doc: Doc, num: NumberSpan) -> bool:
        return num.end - num.start == 1 and bool(YEAR.match(doc[num.start].text))


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


def count_rows(doc: Doc) -> tuple[list[tuple[Measure, Count, str]], list[int]]:
    """(measure, Count, group) of every count of a doc in text order, and the token where each starts."""
    return doc.user_data.get(COUNTS, ([], []))
