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
    assert overall["incidents"]["f1"] >= 0.83, report.render()
    assert overall["incidents"]["precision"] >= 0.82 and overall["incidents"]["recall"] >= 0.84
    assert overall["tallies"]["f1"] >= 0.9
    assert overall["type_accuracy"] >= 0.85 and overall["count_accuracy"] >= 0.96


@pytest.mark.parametrize(("language", "f1_floor"), [("de", 0.86), ("en", 0.75), ("ru", 0.88)])
def test_every_language_keeps_its_incident_f1(report: EvaluationReport, language: str,
                                             f1_floor: float) -> None:
    incidents = report.as_dict()["by_language"][language]["incidents"]
    assert incidents["f1"] >= f1_floor, report.render()
    assert incidents["recall"] >= 0.75


def test_russian_within_a_tenth_of_german(report: EvaluationReport) -> None:
    by_language = report.as_dict()["by_language"]
    assert by_language["de"]["incidents"]["f1"] - by_language["ru"]["incidents"]["f1"] <= 0.1


def test_side_by_side_groups_add_up_in_one_article(report: EvaluationReport) -> None:
    [mvd] = [r for r in report.articles if r.article.startswith("011_")]
    assert mvd.totals_predicted == mvd.totals_expected == {"killed": 44, "injured": 748, "arrested": 3000}


def test_corpus_totals_match_gold(report: EvaluationReport) -> None:
    assert report.totals_predicted == report.totals_expected


def test_nothing_foreign_in_kazakhstan(report: EvaluationReport) -> None:
    assert report.foreign == []
