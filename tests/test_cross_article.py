"""One picture across articles, through the real pipeline: the seeds ingested with the CLI.

Seeds 001 (de), 002 (en) and 003 (ru) tell the burning of the Almaty akimat on
5 January 2022 with 8, at least 12 and 13 killed; 004-006 are one Interior
Ministry death toll growing 26 (7 Jan) -> 164 (9 Jan) -> 225 (15 Jan). See
tests/data/CORPUS.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import ROOT, cli

from dashboard.store import Store

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
AKIMAT_SEEDS = tuple(SEEDS[1:4])
TOLL_SEEDS = tuple(SEEDS[4:7])


def events_json(db: Path, *args: str) -> list[dict[str, Any]]:
    return json.loads(cli("events", "--db", str(db), "--json", *args))


def totals_json(db: Path, *args: str) -> dict[str, Any]:
    return json.loads(cli("totals", "--db", str(db), "--json", *args))


def ingest(db: Path, *paths: Path) -> str:
    return cli("ingest", *map(str, paths), "--db", str(db))


def clusters(db: Path) -> dict[str, tuple[str, str]]:
    """event_id -> (cluster_id, merge_reason) of every report in ``db``."""
    with Store(db) as store:
        df = store.events_frame()
    return {e: (c, r) for e, c, r in zip(df["event_id"], df["cluster_id"], df["merge_reason"],
                                         strict=True)}


def akimat_events(db: Path) -> list[dict[str, Any]]:
    """The events with a report of deaths at the Almaty akimat on 5 January, most sources first."""
    found = [e for e in events_json(db, "--since", "2022-01-05", "--until", "2022-01-05")
             if any("Akimat" in r["location"] and r["fatalities"] is not None
                    for r in e["reports"])]
    return sorted(found, key=lambda e: -e["n_sources"])


def akimat_event(db: Path) -> dict[str, Any]:
    (event,) = akimat_events(db)
    return event


@pytest.fixture(scope="module")
def akimat_db(ingested_db: Callable[..., Path]) -> Path:
    return ingested_db(*AKIMAT_SEEDS)


def test_the_akimat_fire_told_in_three_languages_is_one_event_with_a_range(
        akimat_db: Path) -> None:
    event = akimat_event(akimat_db)
    assert (event["label"], event["languages"]) == ("3 sources in 3 languages", "de, en, ru")
    assert event["counts"]["fatalities"] == {"low": 8, "high": 13}
    claims = sorted((r["language"], r["fatalities"], r["fatalities_qualifier"])
                    for r in event["reports"])
    assert claims == [("de", 8, "exact"), ("en", 12, "at least"), ("ru", 13, "exact")]
    assert all(r["evidence"] and r["source"] for r in event["reports"])
    assert sorted(bool(r["merge_reason"]) for r in event["reports"]) == [False, True, True]


def test_each_source_of_the_akimat_fire_says_why_it_was_merged(akimat_db: Path) -> None:
    reasons = [r["merge_reason"] for r in akimat_event(akimat_db)["reports"]
               if r["merge_reason"]]
    assert all("Akimat" in r and "2022-01-05" in r for r in reasons), reasons


def test_totals_of_the_three_akimat_articles_are_the_range_never_the_sum(
        akimat_db: Path) -> None:
    killed = totals_json(akimat_db)["details"]["killed"]
    assert (killed["low"], killed["high"]) == (8, 13)
    assert killed["value"] != 8 + 12 + 13
    assert "8–13" in cli("totals", "--db", str(akimat_db))


@pytest.mark.parametrize("until, killed", [
    (None, 225),
    ("2022-01-07", 26),
    ("2022-01-10", 164),
    ("2022-01-06", 0),
])
def test_the_latest_figure_of_a_ministry_tally_counts(ingested_db: Callable[..., Path],
                                                      until: str | None, killed: int) -> None:
    db = ingested_db(*TOLL_SEEDS)
    assert totals_json(db, *(("--until", until) if until else ()))["killed"] == killed


def test_clusters_do_not_depend_on_the_order_articles_come_in(tmp_path: Path) -> None:
    articles = [*AKIMAT_SEEDS, *TOLL_SEEDS]
    forward, backward = tmp_path / "forward.duckdb", tmp_path / "backward.duckdb"
    for path in articles:
        ingest(forward, path)
    for path in reversed(articles):
        ingest(backward, path)
    assert clusters(forward) == clusters(backward)
    assert len(set(clusters(forward).values())) < len(clusters(forward))


def test_re_ingesting_changes_nothing(ingested_db: Callable[..., Path], tmp_path: Path) -> None:
    db = tmp_path / "again.duckdb"
    ingest(db, *AKIMAT_SEEDS)
    before = clusters(db)
    assert "0 added, 3 already stored, 0 events" in ingest(db, *AKIMAT_SEEDS)
    assert clusters(db) == before == clusters(ingested_db(*AKIMAT_SEEDS))


def test_reviews_survive_re_ingesting_and_new_articles(tmp_path: Path) -> None:
    db = tmp_path / "reviewed.duckdb"
    ingest(db, *AKIMAT_SEEDS)
    reports = {r["language"]: r for r in akimat_event(db)["reports"]}
    cli("review", "split", reports["ru"]["event_id"], "--note", "another fire", "--db", str(db))
    cli("review", "set", reports["en"]["event_id"], "fatalities", "10", "--db", str(db))
    ingest(db, *AKIMAT_SEEDS, *SEEDS[7:8], *SEEDS[20:22])
    merged, alone = akimat_events(db)
    assert [r["event_id"] for r in alone["reports"]] == [reports["ru"]["event_id"]]
    assert reports["ru"]["event_id"] not in {r["event_id"] for r in merged["reports"]}
    (en,) = [r for r in merged["reports"] if r["event_id"] == reports["en"]["event_id"]]
    assert (en["fatalities"], en["fatalities_qualifier"]) == (10, "exact")
    assert merged["counts"]["fatalities"] == {"low": 8, "high": 10}
    assert clusters(db)[reports["ru"]["event_id"]] == (
        reports["ru"]["event_id"], "kept apart by analyst review")


@pytest.fixture(scope="module")
def corpus(ingested_db: Callable[..., Path]) -> pd.DataFrame:
    with Store(ingested_db(*SEEDS)) as store:
        return store.events_frame()


def test_no_event_of_the_corpus_joins_two_cities_two_days_or_one_article_twice(
        corpus: pd.DataFrame) -> None:
    merged = corpus[corpus["cluster_id"].duplicated(keep=False)]
    assert merged["cluster_id"].nunique() >= 5
    for cluster_id, group in merged.groupby("cluster_id"):
        cities = group.loc[group["geo_precision"] == 2, "geonameid"].dropna()
        assert cities.nunique() <= 1, (cluster_id, sorted(group["location"]))
        assert group["event_date"].max() <= group["date_end"].min(), cluster_id
        assert group["article_id"].is_unique, cluster_id
        assert (group["kind"] == "incident").all()


def test_two_akimats_are_never_one_event(corpus: pd.DataFrame) -> None:
    landmarks = corpus[corpus["geo_precision"] == 1]
    per_cluster = landmarks.groupby("cluster_id")["location"].nunique()
    assert (per_cluster == 1).all(), per_cluster[per_cluster > 1]
