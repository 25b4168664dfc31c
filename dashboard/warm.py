"""Imported by the ingest pool's fork server: builds the extraction pipelines once.

Workers fork from that server afterwards, so they start with the pipelines
built and share their memory instead of each building its own copy.
"""

from contextlib import suppress

from dashboard.extract import extract_events
from dashboard.types import Article

SAMPLES = {
    "de": "In Almaty stürmten Demonstranten am Mittwoch das Rathaus; 26 Menschen wurden getötet.",
    "en": "Protesters stormed the city hall in Almaty on Wednesday; 26 people were killed.",
    "ru": "В среду протестующие захватили акимат в Алматы; погибли 26 человек.",
}

for language, text in SAMPLES.items():
    with suppress(Exception):  # a broken pipeline is reported by the workers, per article
        extract_events(Article(article_id="warm-up", text=text, language=language))
