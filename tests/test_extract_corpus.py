"""The sample corpus (seeds/ + tests/data/gold_corpus.csv): scores must not fall below today's."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.evaluate import EvaluationReport, evaluate
from dashboard.extract import extract_many
from dashboard.ingest import read_articles
from dashboard.types import Article

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    articles = [a for a in read_articles(sorted((ROOT / "seeds").glob("0*.txt"))) if isinstance(a, Article)]
    events = [e for _, evs in extract_many(articles) for e in evs]
    return evaluate(ROOT / "tests" / "data" / "gold_corpus.csv", articles, events)


def test_incident_and_tally_scores(report: EvaluationReport) -> None:
    overall = report.as_dict()["overall"]
    assert overall["incidents"]["f1"] >= 0.68, report.render()
    assert overall["incidents"]["recall"] >= 0.72
    assert overall["tallies"]["f1"] >= 0.85
    assert overall["type_accuracy"] >= 0.75 and overall["count_accuracy"] >= 0.9


@pytest.mark.parametrize("language", ["de", "en", "ru"])
def test_every_language_finds_events(report: EvaluationReport, language: str) -> None:
    assert report.as_dict()["by_language"][language]["incidents"]["recall"] >= 0.6


def test_corpus_totals_match_gold(report: EvaluationReport) -> None:
    assert report.totals_predicted == report.totals_expected


def test_nothing_foreign_in_kazakhstan(report: EvaluationReport) -> None:
    assert report.foreign == []
