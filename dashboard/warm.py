"""Imported by the ingest pool's fork server: loads extraction and builds pipelines once.

Workers fork from that server afterwards, so they start with the gazetteer and
the pipelines built and share their memory instead of each building its own
copy. Only the languages named in ``$PROTESTMAP_WARM_LANGUAGES`` (comma-separated)
are built here: all three when it is unset, as when ``runner.start_server`` starts
the server before any article is read, else the languages of the ingest's first
articles; a worker builds any other language when it first meets it.

What is slow to build is read from the disk cache (``dashboard.extract.diskcache``)
when it can be. The garbage collector is off while this module loads: everything
it allocates lives as long as the process, so collecting would only cost time
(0.15-0.2 s); afterwards those objects are frozen out of later collections. The
workers then collect only after ``YOUNG_OBJECTS`` net allocations instead of 700:
each parsed article is freed as soon as it is coded (``extract.release``), so
collecting sooner would only walk objects still in use (0.14 s of 3.3 s of CPU for
2,000 articles).
"""

import gc

COLLECTING = gc.isenabled()
gc.disable()

import os
from collections.abc import Iterable
from contextlib import suppress

from dashboard.extract import extract_events
from dashboard.extract.places import default_gazetteer
from dashboard.runner import WARM_LANGUAGES
from dashboard.types import Article

YOUNG_OBJECTS = 100_000
"""The workers' first-generation threshold of the garbage collector."""

SAMPLES = {
    "de": "In Almaty stürmten Demonstranten am Mittwoch das Rathaus; 26 Menschen wurden getötet.",
    "en": "Protesters stormed the city hall in Almaty on Wednesday; 26 people were killed.",
    "ru": "В среду протестующие захватили акимат в Алматы; погибли 26 человек.",
}


def warm_up(languages: Iterable[str]) -> list[str]:
    """Load the gazetteer and build the pipelines of ``languages``; returns those built.

    >>> warm_up(["en", "xx"])
    ['en']
    """
    default_gazetteer()
    built = []
    for language in languages:
        if language in SAMPLES:
            with suppress(Exception):  # a broken pipeline is reported by the workers, per article
                extract_events(Article(article_id="warm-up", text=SAMPLES[language],
                                       language=language))
                built.append(language)
    return built


try:
    warm_up(os.environ.get(WARM_LANGUAGES, ",".join(SAMPLES)).split(","))
finally:
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    if COLLECTING:
        gc.enable()
