"""The spaCy pipeline per language, every component listed in one place.

``build_pipeline(lang)`` = ``spacy.blank(lang)`` + these components, in order:

- ``sentencizer``          writes Token.is_sent_start
- ``protestmap_cues``      lexicon phrases -> the cue index (``cues(doc, group)``)   (cues.py)
- ``protestmap_triggers``  cues + German compounds -> doc.spans["triggers"]       (triggers.py)
- ``protestmap_dates``     one lexicon-built regex -> doc.spans["dates"]          (dates.py)
- ``protestmap_counts``    numbers + nouns + cues -> count rows (``count_rows``)  (counts.py)
- ``protestmap_places``    gazetteer surface forms -> doc.spans["places"]         (places.py)

A chunk of letters only is never searched for prefixes, suffixes or infixes,
nor matched against the URL pattern (``LettersAnswer``): spaCy's rules for these
languages never split one, and a URL has a dot.

Each new word form becomes a spaCy lexeme, whose attributes are computed once:
only those something here reads are (``LEXEME_ATTRS``), not spaCy's two dozen.
Its norm is its lookup lemma (spacy-lookups-data, pymorphy3 for Russian),
lowercased, so Token.norm_ is the lemma the cues match (``cues.lemmatize_lexemes``).

Pipelines are built lazily, once per process and language. What is slow to
compile (lemma tables, cue patterns, the prefilter's automaton) is read from the
per-user disk cache when a build from the same inputs is there (``diskcache.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LANG, LIKE_NUM, LOWER, NORM
from spacy.lang.lex_attrs import get_lang
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from dashboard.extract import counts, cues, dates, places, triggers  # noqa: F401  (registers factories)
from dashboard.extract.lexicon import load_lexicon

RULE_COMPONENTS: tuple[str, ...] = (
    "protestmap_cues",
    "protestmap_triggers",
    "protestmap_dates",
    "protestmap_counts",
    "protestmap_places",
)

LEXEME_ATTRS = frozenset({LOWER, NORM, LIKE_NUM, IS_PUNCT, IS_SPACE, LANG})
"""Lexeme attributes computed for new word forms: Token.lower_, .norm_ (before the
lemmatizer replaces its getter), .like_num and .is_punct are read by the components; spaCy
itself reads is_space and lang. The others (shape, prefix, is_stop, like_url...)
would cost several microseconds per new form and stay unset (0)."""


def keep_getters(nlp: Language) -> None:
    """Keep the lexeme attribute getters of ``LEXEME_ATTRS`` only; the language's gives
    its code's hash rather than the code, which spaCy would hash again for each new form.

    >>> nlp = spacy.blank("ru")
    >>> keep_getters(nlp)
    >>> set(nlp.vocab.lex_attr_getters) <= LEXEME_ATTRS, nlp.make_doc("Алматы")[0].lang_
    (True, 'ru')
    """
    vocab = nlp.vocab
    getters = vocab.lex_attr_getters  # type: ignore[attr-defined]  # (not in spaCy's stub)
    kept = {attr: get for attr, get in getters.items() if attr in LEXEME_ATTRS}
    if LANG in kept:
        kept[LANG] = partial(get_lang, lang=vocab.strings.add(nlp.lang or ""))  # type: ignore[arg-type]  # (returns it as given)
    vocab.lex_attr_getters = kept  # type: ignore[attr-defined]


def number_words_as_sets(nlp: Language) -> None:
    """Turn the lists of number words that spaCy's ``like_num`` searches (Russian: 600
    forms, 9 us a lookup) into frozensets in its module: same answers, by hash.

    >>> nlp = spacy.blank("ru")
    >>> number_words_as_sets(nlp)
    >>> [t.like_num for t in nlp.make_doc("двадцать шесть человек")]
    [True, True, False]
    """
    getter = nlp.vocab.lex_attr_getters.get(LIKE_NUM)  # type: ignore[attr-defined]  # (not in spaCy's stub)
    module = sys.modules.get(getattr(getter, "__module__", ""))
    for name, value in list(vars(module).items()) if module else ():
        if name.endswith("_words") and isinstance(value, list):
            setattr(module, name, frozenset(value))


class LettersAnswer:
    """A tokenizer affix rule (``prefix_search``, ``suffix_search``, ``infix_finditer``) that
    answers at once for a chunk of letters only ("Demonstranten"), where spaCy's German,
    English and Russian rules never match (each needs a punctuation mark, quote, symbol,
    digit or currency sign; tests check millions of such chunks), though the suffix and
    infix searches try every position of it: 3-8 us for each new word form.

    >>> import re
    >>> rule = LettersAnswer(re.compile(r",$").search, None)
    >>> rule("Almaty") is None, rule("Almaty,").start()
    (True, 6)
    """

    def __init__(self, rule: Callable[[str], Any], letters: Any) -> None:
        self.rule = rule
        self.letters = letters

    def __call__(self, chunk: str) -> Any:
        return self.letters if chunk.isalpha() else self.rule(chunk)

    @property
    def __self__(self) -> Any:
        """The compiled pattern of the rule (spaCy serialises the tokenizer by it)."""
        return self.rule.__self__  # type: ignore[attr-defined]  # (a bound method of a pattern)


def _letters_answer(rule: Callable[[str], Any] | None, letters: Any) -> LettersAnswer | None:
    return None if rule is None else LettersAnswer(rule, letters)


def letters_tokenizer(nlp: Language) -> Tokenizer:
    """spaCy's tokenizer for the language of ``nlp`` (as its ``create_tokenizer`` builds it),
    its prefix, suffix and infix rules and its URL match wrapped in :class:`LettersAnswer`
    (every URL the pattern matches has a dot in its host name or IP address; 1.3 us
    for each new word form). They are passed to the constructor: each of spaCy's rule
    setters would load all special cases again (20 ms a language).

    >>> tokenizer = letters_tokenizer(spacy.blank("de"))
    >>> isinstance(tokenizer.suffix_search, LettersAnswer), [t.text for t in tokenizer("Almaty, 5.")]
    (True, ['Almaty', ',', '5.'])
    """
    defaults = nlp.Defaults
    prefixes, suffixes, infixes = defaults.prefixes, defaults.suffixes, defaults.infixes
    return Tokenizer(
        nlp.vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=_letters_answer(compile_prefix_regex(prefixes).search if prefixes else None, None),
        suffix_search=_letters_answer(compile_suffix_regex(suffixes).search if suffixes else None, None),
        infix_finditer=_letters_answer(compile_infix_regex(infixes).finditer if infixes else None, ()),
        token_match=defaults.token_match,
        url_match=_letters_answer(defaults.url_match, None),
    )


def blank(lang: str) -> Language:
    """``spacy.blank(lang)`` with :func:`letters_tokenizer`, its tokenizer exceptions without
    norms of their own (``cues.without_norms``: each token's norm is its lexeme's lemma).

    >>> nlp = blank("en")
    >>> nlp.lang, [t.norm_ for t in nlp.make_doc("y'all")]
    ('en', ["y'", 'all'])
    """
    base = spacy.util.get_lang_class(lang)
    exceptions = cues.without_norms(base.Defaults.tokenizer_exceptions)
    defaults = type("Defaults", (base.Defaults,), {"tokenizer_exceptions": exceptions})
    return type(base.__name__, (base,), {"Defaults": defaults})(create_tokenizer=letters_tokenizer)


@cache
def build_pipeline(lang: str) -> Language:
    """The rule pipeline for one language (raises ProtestmapError without a lexicon).

    >>> build_pipeline("de").pipe_names[:3]
    ['sentencizer', 'protestmap_cues', 'protestmap_triggers']
    """
    load_lexicon(lang)
    nlp = blank(lang)
    keep_getters(nlp)
    cues.lemmatize_lexemes(nlp)
    number_words_as_sets(nlp)
    nlp.add_pipe("sentencizer")
    for name in RULE_COMPONENTS:
        nlp.add_pipe(name)
    return nlp
