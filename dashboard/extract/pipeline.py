"""The spaCy pipeline per language, every component listed in one place.

``build_pipeline(lang)`` = ``spacy.blank(lang)`` + these components, in order:

- ``sentencizer``          writes Token.is_sent_start
- ``protestmap_lemmas``    lookup lemmas from spacy-lookups-data -> Token.lemma_,
                           lowercased -> Token.norm_ (array-based)              (cues.py)
- ``protestmap_cues``      lexicon phrases -> the cue index (``cues(doc, group)``)   (cues.py)
- ``protestmap_triggers``  cues + German compounds -> doc.spans["triggers"]       (triggers.py)
- ``protestmap_dates``     one lexicon-built regex -> doc.spans["dates"]          (dates.py)
- ``protestmap_counts``    numbers + nouns + cues -> doc.spans["counts"]          (counts.py)
- ``protestmap_places``    gazetteer surface forms -> doc.spans["places"]         (places.py)

Pipelines are built lazily, once per process and language. What is slow to
compile (lemma tables, cue patterns, the prefilter's automaton) is read from the
per-user disk cache when a build from the same inputs is there (``diskcache.py``).
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

from dashboard.extract import counts, cues, dates, places, triggers  # noqa: F401  (registers factories)
from dashboard.extract.lexicon import load_lexicon

RULE_COMPONENTS: tuple[str, ...] = (
    "protestmap_lemmas",
    "protestmap_cues",
    "protestmap_triggers",
    "protestmap_dates",
    "protestmap_counts",
    "protestmap_places",
)


@cache
def build_pipeline(lang: str) -> Language:
    """The rule pipeline for one language (raises ProtestmapError without a lexicon).

    >>> build_pipeline("de").pipe_names[:3]
    ['sentencizer', 'protestmap_lemmas', 'protestmap_cues']
    """
    load_lexicon(lang)
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    for name in RULE_COMPONENTS:
        nlp.add_pipe(name)
    return nlp
