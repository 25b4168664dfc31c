"""Words per second of a small statistical spaCy pipeline: the yardstick of the ingest's target
(30 times what such a pipeline manages on the same machine).

No trained model is installed, and none may be downloaded, so one with the components of
spaCy's small models (``en_core_web_sm``) is built: spaCy's "efficiency" configuration
with tok2vec, tagger, parser and named-entity recogniser, given as many labels as
``en_core_web_sm`` has (50 tags, 45 dependency labels, 18 entity types) and initialised
with random weights, then an attribute ruler (tag -> part of speech) and the language's
own lemmatizer (rules for English, the lookup table for German, pymorphy3 for Russian).
Inference costs the same whatever the weights: every token passes the same layers,
and the greedy parser and recogniser take a fixed number of transitions per token.

    >>> nlp = small_pipeline("en")
    >>> nlp.pipe_names, [len(nlp.get_pipe(name).labels) for name in ("tagger", "ner")]
    (['tok2vec', 'tagger', 'parser', 'attribute_ruler', 'lemmatizer', 'ner'], [50, 18])
"""

from __future__ import annotations

import random
import time

from spacy.language import Language
from spacy.pipeline import TrainablePipe

LABELS = {"tagger": 50, "parser": 45, "ner": 18}
"""Labels of each component, as many as en_core_web_sm 3.8 has."""
POS = ("NOUN", "VERB", "ADP", "DET", "PROPN", "ADJ", "PUNCT", "PRON", "AUX", "ADV", "NUM",
       "CCONJ", "PART", "SCONJ")
"""Parts of speech the attribute ruler gives the tags, in turn (the lemmatizer reads them)."""
WARM_UP_WORDS = 2_000


def small_pipeline(lang: str) -> Language:
    """An untrained pipeline with ``en_core_web_sm``'s components for ``lang``."""
    from spacy.cli.init_config import init_config
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import load_model_from_config

    config = init_config(lang=lang, pipeline=list(LABELS), optimize="efficiency", gpu=False)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    labels = {name: [f"{name}{i}" for i in range(n)] for name, n in LABELS.items()}
    for name, names in labels.items():
        component = nlp.get_pipe(name)
        assert isinstance(component, TrainablePipe)
        for label in names:
            component.add_label(label)
    rng = random.Random(0)
    examples = []
    for n in range(len(labels["tagger"])):
        words = [f"w{rng.randrange(500)}" for _ in range(12)]
        annotated = Doc(nlp.vocab, words=words,
                        tags=[labels["tagger"][(n + i) % LABELS["tagger"]] for i in range(12)],
                        heads=[0, *(rng.randrange(i) for i in range(1, 12))],
                        deps=["ROOT", *(labels["parser"][(n + i) % LABELS["parser"]] for i in range(1, 12))],
                        ents=["O"] * 3 + [f"B-{labels['ner'][n % LABELS['ner']]}"] + ["O"] * 8)
        examples.append(Example(nlp.make_doc(" ".join(words)), annotated))
    ruler = nlp.add_pipe("attribute_ruler", before="ner")
    nlp.add_pipe("lemmatizer", after="attribute_ruler")
    nlp.initialize(lambda: examples)
    for i, tag in enumerate(labels["tagger"]):  # (initialising the ruler empties it)
        ruler.add([[{"TAG": tag}]], {"POS": POS[i % len(POS)]})  # type: ignore[attr-defined]
    return nlp


def statistical_words_per_second(texts: list[tuple[str, str]], words: int = 20_000) -> float:
    """Words per second of :func:`small_pipeline` on one core over ``(language, text)`` pairs:
    the texts after the first ``WARM_UP_WORDS`` words, up to about ``words`` words."""
    pipelines = {lang: small_pipeline(lang) for lang in sorted({lang for lang, _ in texts})}
    warm = _leading(texts, WARM_UP_WORDS)
    timed = texts[warm:warm + _leading(texts[warm:], words)] or texts
    _parse(pipelines, texts[:warm])
    started = time.perf_counter()
    _parse(pipelines, timed)
    return sum(len(t.split()) for _, t in timed) / (time.perf_counter() - started)


def _parse(pipelines: dict[str, Language], texts: list[tuple[str, str]]) -> None:
    """Each language's texts through its pipeline in batches (``nlp.pipe``), as one would."""
    for lang, nlp in pipelines.items():
        for _ in nlp.pipe(text for language, text in texts if language == lang):
            pass


def _leading(texts: list[tuple[str, str]], words: int) -> int:
    """How many texts from the start hold at least ``words`` words (all, if they hold fewer).

    >>> _leading([("en", "a b"), ("en", "c d"), ("en", "e")], 3)
    2
    """
    counted = 0
    for i, (_, text) in enumerate(texts, 1):
        counted += len(text.split())
        if counted >= words:
            return i
    return len(texts)
