"""Per-language word lists (``lexicon/<lang>.yaml``) loaded into one typed value.

Everything language-specific in extraction lives in those YAML files; a new
language is a new file (plus a lemmatizer). Phrases are strings of words,
"..." marking a gap of up to six tokens.

>>> lex = load_lexicon("de")
>>> lex.language, lex.vague_words["dutzende"]
('de', 12)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from dashboard.errors import ProtestmapError

LEXICON_DIR = Path(__file__).with_name("lexicon")
Phrases = dict[str, tuple[str, ...]]
"""label -> phrases that signal it."""


@dataclass(frozen=True, eq=False)
class DateWords:
    months: dict[str, int]
    weekdays: dict[str, int]
    day_parts: tuple[str, ...]
    relative: dict[str, int]
    night_before_weekday: tuple[str, ...]
    ordinal_days: dict[str, int]
    """Days written as ordinal words ("второго" января -> 2)."""


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The language-specific data extraction runs on."""

    language: str
    triggers: Phrases
    compound_heads: Phrases
    measure_nouns: Phrases
    measure_cues: Phrases
    person_nouns: Phrases
    relational_nouns: tuple[str, ...]
    """Person nouns that name people by their tie to others ("relatives of detainees"):
    the words right after them name those others, not what happened to the people counted.
    The loader adds them to the "all" group of ``person_nouns``."""
    complement_leads: frozenset[str]
    """Words that may stand between a relational noun and the word naming those others
    ("relatives *of those* killed"; Russian needs none: "родственников задержанных")."""
    qualifiers: Phrases
    number_words: dict[str, float]
    number_word_pattern: re.Pattern[str]
    scale_words: dict[str, int]
    vague_words: dict[str, int]
    authorities: Phrases
    attribution_cues: tuple[str, ...]
    actors: Phrases
    peaceful: tuple[str, ...]
    dates: DateWords
    boilerplate: tuple[str, ...]
    history_words: tuple[str, ...]
    anaphora: tuple[str, ...]
    names: tuple[str, ...]
    conjunctions: tuple[str, ...]
    negations: tuple[str, ...]
    not_counts_after: tuple[str, ...]
    irrealis: tuple[str, ...] = ()
    """Future, conditional and wish cues ("expect", "if", "versprechen", "пообещать")."""
    origins: frozenset[str] = frozenset()
    """Prepositions of origin: a place abroad after one ("flew in from Moscow") is where
    something came from, not where the event is."""

    @cached_property
    def boilerplate_pattern(self) -> re.Pattern[str]:
        """One regex for the boilerplate markers, lowercased: run it on lowercased text."""
        return re.compile("|".join(sorted({re.escape(b.lower()) for b in self.boilerplate})) or "(?!)")

    def phrase_groups(self) -> dict[str, Phrases]:
        """Every phrase table the cue matcher needs, keyed by group name."""
        return {
            "trigger": self.triggers,
            "noun": self.measure_nouns,
            "cue": self.measure_cues,
            "person": self.person_nouns,
            "relational": {"relational": self.relational_nouns},
            "qual": self.qualifiers,
            "auth": self.authorities,
            "attr": {"attribution": self.attribution_cues},
            "actor": self.actors,
            "peaceful": {"peaceful": self.peaceful},
            "vague": {str(v): tuple(k for k, n in self.vague_words.items() if n == v)
                      for v in set(self.vague_words.values())},
            "reldate": {str(v): tuple(k for k, n in self.dates.relative.items() if n == v)
                        for v in set(self.dates.relative.values())},
            "nightbefore": {"night": self.dates.night_before_weekday},
            "history": {"history": self.history_words},
            "anaphora": {"anaphora": self.anaphora},
            "name": {"name": self.names},
            "conj": {"conj": self.conjunctions},
            "negation": {"negation": self.negations},
            "notcount": {"notcount": self.not_counts_after},
            "irrealis": {"irrealis": self.irrealis},
        }


def _phrases(raw: Any) -> Phrases:
    return {str(k): tuple(str(p) for p in (v or ())) for k, v in (raw or {}).items()}


def _split_measures(raw: dict[str, Any], part: str) -> Phrases:
    return {m: tuple(str(p) for p in spec.get(part, ())) for m, spec in raw.items()}


def _person_nouns(raw: Any, relational: tuple[str, ...]) -> Phrases:
    """The person noun table, the relational nouns added to its "all" group.

    >>> _person_nouns({"all": ["people"], "civilians": ["child"]}, ("relative",))
    {'all': ('people', 'relative'), 'civilians': ('child',)}
    """
    table = _phrases(raw)
    table["all"] = tuple(dict.fromkeys((*table.get("all", ()), *relational)))
    return table


@cache
def load_lexicon(language: str) -> Lexicon:
    """Read and check ``lexicon/<language>.yaml``; raises ProtestmapError if absent."""
    path = LEXICON_DIR / f"{language}.yaml"
    if not path.exists():
        raise ProtestmapError(f"{path}: no extraction lexicon for language {language!r}")
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    d = raw["dates"]
    relational = tuple(str(p) for p in raw.get("relational_nouns") or ())
    return Lexicon(
        language=language,
        triggers=_phrases(raw["triggers"]),
        compound_heads=_phrases(raw.get("compound_heads")),
        measure_nouns=_split_measures(raw["measures"], "nouns"),
        measure_cues=_split_measures(raw["measures"], "cues"),
        person_nouns=_person_nouns(raw["person_nouns"], relational),
        relational_nouns=relational,
        complement_leads=frozenset(str(w).lower() for w in raw.get("complement_leads") or ()),
        qualifiers=_phrases(raw["qualifiers"]),
        number_words={str(k).lower(): float(v) for k, v in raw["number_words"].items()},
        number_word_pattern=re.compile(raw["number_word_pattern"]),
        scale_words={str(k).lower(): int(v) for k, v in raw["scale_words"].items()},
        vague_words={str(k).lower(): int(v) for k, v in raw["vague_words"].items()},
        authorities=_phrases(raw["authorities"]),
        attribution_cues=tuple(str(p) for p in raw["attribution_cues"]),
        actors=_phrases(raw["actors"]),
        peaceful=tuple(str(p) for p in raw["peaceful"]),
        dates=DateWords(
            months={str(k).lower(): int(v) for k, v in d["months"].items()},
            weekdays={str(k).lower(): int(v) for k, v in d["weekdays"].items()},
            day_parts=tuple(str(p) for p in d["day_parts"]),
            relative={str(k).lower(): int(v) for k, v in d["relative"].items()},
            night_before_weekday=tuple(str(p) for p in d["night_before_weekday"]),
            ordinal_days={str(k).lower(): int(v) for k, v in (d.get("ordinal_days") or {}).items()},
        ),
        boilerplate=tuple(str(p) for p in raw["boilerplate"]),
        history_words=tuple(str(p) for p in raw.get("history_words") or ()),
        anaphora=tuple(str(p) for p in raw.get("anaphora") or ()),
        names=tuple(str(p) for p in raw.get("names") or ()),
        conjunctions=tuple(str(p) for p in raw.get("conjunctions") or ()),
        negations=tuple(str(p) for p in raw.get("negations") or ()),
        not_counts_after=tuple(str(p) for p in raw.get("not_counts_after") or ()),
        irrealis=tuple(str(p) for p in raw.get("irrealis") or ()),
        origins=frozenset(str(p).lower() for p in raw.get("origins") or ()),
    )
