"""The cheap first pass: split raw text into paragraphs and sentences, and keep
only the sentences that hold a trigger, a count word or an authority.

One Aho-Corasick automaton per language (every inflected form of every
lexicon word, from the lemmatizer's lookup table inverted) scans the
lowercased article once; only the sentences it hits go through spaCy. The
automaton is kept in the disk cache (``diskcache``), keyed by everything it is
built from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import ahocorasick

from dashboard.extract.diskcache import cached, fingerprint
from dashboard.extract.lexicon import Lexicon

PARAGRAPH = re.compile(r"\n[ \t]*\n+")
LINE_BREAK = re.compile(r"\n")
SENTENCE_END = re.compile(r"[.!?…]+[\"'”“»«)]*\s+(?=[\"'„“»«(]?[A-ZÄÖÜА-ЯЁ0-9])")
NO_BREAK_BEFORE = re.compile(r"(?:\b\d{1,2}|\b[A-ZÄÖÜ]|\bca|\bbzw|\bNr|\bSt|\bDr|\bProf|\bMr|\bMrs|\bMs|\bgen|\bJan|\bFeb|\bAug|\bSept?|\bOkt|\bOct|\bNov|\bDe[cz]|\bu\.a|\bz\.B|\bvgl)\.$")
DATELINE = re.compile(r"^[A-ZÄÖÜА-ЯЁ][\w.'\-]*(?: [\w.'\-]+)?(?:, [^\n()\-–—]{1,25})?"
                      r"(?: \([^)\n]{1,30}\))? [-–—] ")
ABBREVIATION = 8
"""NO_BREAK_BEFORE matches at most this many characters (it is searched only there)."""
HEADING_END = frozenset('.!:;"“”»')
"""A one-line paragraph ending in one of these is a sentence, not a heading."""
SHORT_FORM = 5
GROUPS = ("trigger", "noun", "cue", "auth")


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article with where it sits.

    ``heading`` is a one-line paragraph without a closing full stop (a title,
    subheading or the question of a Q&A); ``paragraph`` 0 is the article's first paragraph.
    """

    index: int
    paragraph: int
    start: int
    text: str
    heading: bool


def split_sentences(text: str) -> list[Sentence]:
    """Paragraphs (blank lines) -> lines -> sentences, with character offsets.

    >>> [s.text for s in split_sentences("Titel\\n\\nAm 5. Januar kamen sie. Dann gingen sie.")]
    ['Titel', 'Am 5. Januar kamen sie.', 'Dann gingen sie.']
    """
    out: list[Sentence] = []
    par_start = 0
    paragraphs = PARAGRAPH.split(text)
    offset = 0
    for p, para in enumerate(paragraphs):
        par_start = text.index(para, offset) if para else offset
        offset = par_start + len(para)
        stripped = para.strip()
        if not stripped:
            continue
        heading = len(stripped) < 200 and "\n" not in stripped and stripped[-1] not in HEADING_END
        line_start = par_start
        dateline = dateline_length(para.lstrip())
        if dateline:
            lead = len(para) - len(para.lstrip()) + dateline
            para, line_start = para[lead:], par_start + lead
        for line in LINE_BREAK.split(para) if "\n" in para else (para,):
            begin = 0
            for m in SENTENCE_END.finditer(line):
                if NO_BREAK_BEFORE.search(line, max(0, m.start() - ABBREVIATION), m.start() + 1):
                    continue
                _add(out, p, line_start + begin, line[begin:m.end()], heading)
                begin = m.end()
            _add(out, p, line_start + begin, line[begin:], heading)
            line_start += len(line) + 1
    return out


def dateline_length(paragraph: str) -> int:
    """Length of a wire-style dateline opening a paragraph ("ALMATY, Jan 9 (Reuters) - "), else 0.

    >>> dateline_length("ALMATY, Jan 9 (Steppe Wire) - The toll rose."), dateline_length("In Almaty - ja.")
    (30, 0)
    """
    m = DATELINE.match(paragraph)
    if m is None:
        return 0
    first = m.group(0).split(" ")[0].rstrip(",")
    return m.end() if "(" in m.group(0) or (first.isupper() and len(first) > 2) else 0


def _add(out: list[Sentence], paragraph: int, start: int, text: str, heading: bool) -> None:
    stripped = text.strip()
    if stripped:
        lead = len(text) - len(text.lstrip())
        out.append(Sentence(len(out), paragraph, start + lead, stripped, heading))


def key_word(phrase: str) -> str:
    """The word of a phrase the first pass looks for: its first capitalised word, else its longest.

    >>> key_word("in Brand setzen"), key_word("open ... fire")
    ('Brand', 'open')
    """
    words = [w for w in re.findall(r"\w+", phrase)]
    capitalised = [w for w in words if w[0].isupper()]
    return capitalised[0] if capitalised else max(words, key=len)


def inflected_forms(words: Iterable[str], lemmas: Mapping[str, str]) -> set[str]:
    """Every lowercased form whose lemma is one of ``words`` (or the word itself);
    a morphological analyser (``lemmas.forms``) generates them instead of a table.

    >>> sorted(inflected_forms(["töten"], {"getötet": "töten", "tötete": "töten", "Hund": "Hund"}))
    ['getötet', 'töten', 'tötete']
    """
    wanted: set[str] = set()
    out: set[str] = set()
    expand = getattr(lemmas, "forms", None)
    for word in words:
        low = word.lower()
        out.add(low)
        for key in (low, lemmas.get(word, low).lower()):
            wanted |= {key, key.capitalize(), key.upper()}
        if expand is not None:
            out |= expand(word)
    out.update(form.lower() for form, lemma in lemmas.items() if lemma in wanted)
    return out


def build_automaton(forms: Iterable[str], names: Iterable[tuple[str, int]],
                    heads: Iterable[str]) -> ahocorasick.Automaton:
    """Aho-Corasick over word forms of 4+ letters, (lowercased place name, length of the
    name) pairs and compound heads; each key's value is the length of its match.

    >>> [hit for hit in build_automaton(["brand"], [("almaty", 6)], ["demo"]).iter("almaty brand")]
    [(5, 6), (11, 5)]
    """
    automaton = ahocorasick.Automaton()
    for form in forms:
        if len(form) >= 4:
            automaton.add_word(form, len(form))
    for name, length in names:
        automaton.add_word(name, length)
    for head in heads:
        automaton.add_word(head, len(head))
    automaton.make_automaton()
    return automaton


class Prefilter:
    """Aho-Corasick over lexicon word forms and place names; ``select`` keeps
    sentences worth parsing (place names too, since later sentences inherit them).

    The automaton comes from the disk cache when the lemma table has a ``digest``
    (what its forms depend on) and a build from the same inputs is stored.
    """

    def __init__(self, lexicon: Lexicon, lemmas: Mapping[str, str],
                 place_names: Iterable[str] = ()) -> None:
        groups = lexicon.phrase_groups()
        words = sorted({key_word(p) for g in GROUPS for phrases in groups[g].values() for p in phrases})
        names = [(name.lower(), len(name)) for name in place_names if len(name) >= 4]
        heads = sorted({head for heads in lexicon.compound_heads.values() for head in heads})
        digest = getattr(lemmas, "digest", None)

        def build() -> ahocorasick.Automaton:
            return build_automaton(inflected_forms(words, lemmas), names, heads)

        if digest is None:
            self.automaton = build()
        else:
            key = fingerprint(repr((words, names, heads)), digest, version("pyahocorasick"),
                              Path(__file__).read_bytes())
            self.automaton = cached(f"prefilter-{lexicon.language}", key, build)

    def select(self, text: str, sentences: list[Sentence]) -> list[Sentence]:
        """The sentences of ``text`` that contain at least one hit (one starting at or after
        the sentence's start and before the next sentence's); each sentence is scanned up
        to its first hit only."""
        low = text.lower()
        bounds = [s.start for s in sentences[1:]] + [len(low)]
        return [s for s, stop in zip(sentences, bounds) if self._hit_between(low, s.start, stop)]

    def _hit_between(self, low: str, start: int, stop: int) -> bool:
        """Whether a hit starts in ``low[start:stop]``."""
        reach = min(len(low), stop + self.longest)
        for end, length in self.automaton.iter(low, start, reach) if start < reach else ():
            if end - length + 1 < stop and _word_hit(low, end, length):
                return True
        return False

    @cached_property
    def longest(self) -> int:
        """The length of the automaton's longest key."""
        return int(self.automaton.get_stats()["longest_word"])


def _word_hit(low: str, end: int, length: int) -> bool:
    """Whether the key of ``length`` characters ending at ``end`` counts as a hit: a long
    form anywhere, a short one only as a whole word."""
    return length >= SHORT_FORM or whole_word(low, end - length + 1, end + 1)


def whole_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands as a whole word (no letter or digit touches it).

    >>> whole_word("in Almaty.", 3, 9), whole_word("Almatyer", 0, 6)
    (True, False)
    """
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())
