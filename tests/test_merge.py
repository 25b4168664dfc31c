"""Cross-article merging: one incident reported by several articles is one cluster."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.merge import _Events, clusters_frame, merge_events, with_cluster_reviews
from dashboard.query import Filters, as_query_frame, totals
from dashboard.types import Count, Event, Kind, Place

ALMATY = Place("Almaty", 43.25249, 76.9115, "Almaty City", "KZ", "city", 1526384)
AKIMAT = Place("Almaty City Akimat", 43.2380, 76.9453, "Almaty City", "KZ", "landmark")
MIR = Place("Mir TV building", 43.2383, 76.9453 + 0.01, "Almaty City", "KZ", "landmark")
AIRPORT = Place("Almaty International Airport", 43.3521, 77.0405, "Almaty City", "KZ", "landmark")
AKTAU = Place("Aktau", 43.65, 51.17, "Mangystau", "KZ", "city", 610612)
KZ = Place("Kazakhstan", 48.0, 68.0, "", "KZ", "country", 1522867)
BORALDAY = Place("Boralday", 43.3417, 76.8572, "Almaty Region", "KZ", "city", 1525798)
SQUARE = Place("Republic Square", 43.2381, 76.9452, "Almaty City", "KZ", "landmark")
SQUARE_TALDYKORGAN = Place("Republic Square", 45.0156, 78.3739, "Almaty Region", "KZ",
                           "landmark")
EDGE_CITY = Place("Edge", 43.25, 76.999, "Almaty City", "KZ", "city", 1)
EDGE_SPOT = Place("Edge Bazaar", 43.25, 77.09, "Almaty City", "KZ", "landmark")


def row(event_id: str, article: str, place: Place, day: str = "2022-01-05", *,
        end: str | None = None, event_type: str = "Riots", killed: int | None = None,
        language: str = "en", kind: Kind = "incident") -> dict:
    event = Event(
        article_id=article, event_date=date.fromisoformat(day), event_type=event_type,
        sub_event_type="", kind=kind, place=place, evidence=f"{event_id} evidence",
        date_end=date.fromisoformat(end) if end else None, language=language,
        source=f"Outlet {article}", fatalities=None if killed is None else Count(killed),
    )
    return {"event_id": event_id, **event.to_row(), "published": date(2022, 1, 8), "title": ""}


AKIMAT_FIRE = [
    row("de-akimat", "de", AKIMAT, killed=8, language="de"),
    row("en-akimat", "en", ALMATY, killed=12),
    row("ru-akimat", "ru", AKIMAT, killed=13, language="ru"),
]


def clusters(df: pd.DataFrame) -> dict[str, str]:
    merged = merge_events(df)
    return dict(zip(merged["event_id"], merged["cluster_id"], strict=True))


def groups(df: pd.DataFrame) -> list[list[str]]:
    by_cluster: dict[str, list[str]] = {}
    for event_id, cluster in clusters(df).items():
        by_cluster.setdefault(cluster, []).append(event_id)
    return sorted(sorted(g) for g in by_cluster.values())


def test_three_articles_on_the_akimat_fire_are_one_event_with_a_range():
    df = pd.DataFrame(AKIMAT_FIRE)
    assert groups(df) == [["de-akimat", "en-akimat", "ru-akimat"]]
    cluster = clusters_frame(merge_events(df)).iloc[0]
    assert cluster["label"] == "3 sources in 3 languages"
    assert (cluster["fatalities_low"], cluster["fatalities_high"]) == (8, 13)
    assert cluster["sources"] == "Outlet de; Outlet en; Outlet ru"
    assert cluster["location"] == "Almaty City Akimat"


@pytest.mark.parametrize("prepare", [lambda df: df, as_query_frame], ids=["raw", "prepared"])
def test_totals_show_the_range_never_the_sum_of_claims(prepare):
    df = prepare(merge_events(pd.DataFrame([*AKIMAT_FIRE, row("aktau", "en", AKTAU, killed=2)])))
    result = totals(df, Filters())
    assert (result.killed.value, result.killed.low, result.killed.high) == (15, 10, 15)
    assert result.killed.display() == "10–15"
    assert result.events == 2


@pytest.mark.parametrize("rows, expected", [
    ([row("a", "1", ALMATY, event_type="Protests"), row("b", "2", AKTAU, event_type="Protests")],
     [["a"], ["b"]]),
    ([row("d5", "1", ALMATY, "2022-01-05"), row("d6", "2", ALMATY, "2022-01-06")],
     [["d5"], ["d6"]]),
    ([row("d5", "1", ALMATY, "2022-01-05"), row("d6", "2", ALMATY, "2022-01-06"),
      row("span", "3", ALMATY, "2022-01-05", end="2022-01-06")],
     [["d5", "span"], ["d6"]]),
    ([row("a", "1", ALMATY), row("b", "1", AKIMAT)], [["a"], ["b"]]),
    ([row("akimat", "1", AKIMAT), row("mir", "2", MIR)], [["akimat"], ["mir"]]),
    ([row("city", "1", ALMATY), row("airport", "2", AIRPORT)], [["airport"], ["city"]]),
    ([row("riot", "1", ALMATY), row("protest", "2", ALMATY, event_type="Protests")],
     [["protest", "riot"]]),
    ([row("riot", "1", ALMATY),
      row("troops", "2", ALMATY, event_type="Strategic developments")], [["riot"], ["troops"]]),
    ([row("k1", "1", KZ, event_type="Protests"), row("k2", "2", KZ, event_type="Protests")],
     [["k1", "k2"]]),
    ([row("k1", "1", KZ, event_type="Protests"), row("k2", "2", KZ, event_type="Riots")],
     [["k1"], ["k2"]]),
    ([row("k1", "1", KZ, "2022-01-05", end="2022-01-06"), row("k2", "2", KZ)],
     [["k1"], ["k2"]]),
    ([row("k1", "1", KZ), row("city", "2", ALMATY)], [["city"], ["k1"]]),
    ([row("t1", "1", KZ, kind="tally", killed=26), row("t2", "2", KZ, kind="tally", killed=26)],
     [["t1"], ["t2"]]),
    ([row("a", "1", ALMATY), row("b", "2", BORALDAY)], [["a"], ["b"]]),
    ([row("a", "1", SQUARE), row("b", "2", SQUARE_TALDYKORGAN)], [["a"], ["b"]]),
    ([row("a", "1", AKIMAT), row("b", "2", ALMATY), row("c", "3", AIRPORT)],
     [["a", "b"], ["c"]]),
    ([row("k1", "1", KZ, event_type="Strategic developments"),
      row("k2", "2", KZ, event_type="Strategic developments")], [["k1"], ["k2"]]),
    ([row("a", "1", EDGE_CITY), row("b", "2", EDGE_SPOT)], [["a", "b"]]),
    ([row("a", "1", ALMATY, "2022-01-05"), row("b", "2", ALMATY, "2022-01-05"),
      row("c", "3", ALMATY, "2022-01-06")], [["a", "b"], ["c"]]),
], ids=["different-cities", "day-5-and-6", "no-chaining-across-days", "same-article",
        "different-landmarks", "city-and-far-landmark", "protest-and-riot",
        "riot-and-troops", "country-same-type-same-day", "country-different-type",
        "country-not-the-same-day", "country-and-city", "tallies",
        "neighbouring-cities-8-km-apart", "same-landmark-name-in-two-cities",
        "city-report-joins-the-landmark-in-it", "country-strategic-developments",
        "landmark-7-km-from-the-city-point", "multi-day-protest-days-stay-apart"])
def test_what_merges_and_what_stays_apart(rows, expected):
    assert groups(pd.DataFrame(rows)) == expected


def test_many_dense_reports_make_clusters_of_one_place_and_day():
    events = [row(f"e{n:05d}", f"a{n // 3}", (ALMATY, AKTAU)[n % 2],
                  f"2022-01-{1 + n % 31:02d}", event_type=("Riots", "Protests")[n % 3 == 0])
              for n in range(3_000)]
    merged = merge_events(pd.DataFrame(events))
    keys = merged.groupby("cluster_id").agg(places=("location", "nunique"),
                                            days=("event_date", "nunique"),
                                            articles=("article_id", "nunique"),
                                            size=("event_id", "size"))
    assert (keys["places"] == 1).all() and (keys["days"] == 1).all()
    assert (keys["articles"] == keys["size"]).all()
    assert len(keys) < 3_000 / 10


def test_pairs_compared_in_small_chunks_give_the_same_clusters(monkeypatch):
    places = (ALMATY, AKIMAT, MIR, SQUARE, EDGE_CITY, EDGE_SPOT, AKTAU, KZ)
    events = [row(f"e{n:03d}", f"a{n // 2}", places[n % len(places)], f"2022-01-0{5 + n % 2}",
                  event_type=("Riots", "Protests")[n % 3 == 0]) for n in range(240)]
    whole = merge_events(pd.DataFrame(events))
    monkeypatch.setattr("dashboard.merge.PAIR_CHUNK", 7)
    chunked = merge_events(pd.DataFrame(events))
    assert whole["cluster_id"].nunique() < len(events) / 2
    pd.testing.assert_frame_equal(chunked, whole)


def test_each_merge_says_why():
    df = pd.DataFrame([row("a", "1", ALMATY), row("b", "2", ALMATY), row("c", "3", AKIMAT)])
    merged = merge_events(df).set_index("event_id")
    assert merged.loc["a", "merge_reason"] == ""
    assert merged.loc["b", "merge_reason"] == (
        "same place Almaty (geonameid 1526384), same day 2022-01-05, types Riots/Riots")
    assert merged.loc["c", "merge_reason"].startswith("3.2 km apart (Almaty / Almaty City Akimat), same day")


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 5, 0, 3, 1, 4]])
def test_clusters_do_not_depend_on_row_order(order):
    rows = [*AKIMAT_FIRE, row("d6", "en", ALMATY, "2022-01-06"),
            row("span", "x", ALMATY, "2022-01-05", end="2022-01-06"),
            row("aktau", "de", AKTAU)]
    reference = merge_events(pd.DataFrame(rows)).set_index("event_id").sort_index()
    shuffled = merge_events(pd.DataFrame([rows[i] for i in order])).set_index("event_id")
    pd.testing.assert_frame_equal(shuffled.sort_index(), reference)


def test_an_analyst_split_keeps_an_event_in_its_own_cluster():
    reviews = pd.DataFrame({"event_id": ["ru-akimat", "de-akimat"],
                            "field": ["cluster", "notes"], "value": ["split", "checked"]})
    merged = merge_events(with_cluster_reviews(pd.DataFrame(AKIMAT_FIRE), reviews))
    assert groups(merged.drop(columns=["cluster_id", "merge_reason"])) == [
        ["de-akimat", "en-akimat"], ["ru-akimat"]]
    assert merged.set_index("event_id").loc["ru-akimat", "merge_reason"] == (
        "kept apart by analyst review")


def reference_merge(df: pd.DataFrame) -> pd.DataFrame:
    """``merge_events`` as first written: every matching pair of events (filed on a common
    day in neighbouring cells or under one area name, from different articles) is tried
    best first, by (rank, km, gap, smaller id, larger id), and joins two clusters when every
    member of one matches every member of the other. Shares only the pair rules (``_Events``).
    """
    events = _Events(df)
    id_rank = np.empty(len(df), np.int64)
    id_rank[np.argsort(np.array(events.event_id, dtype=object), kind="stable")] = np.arange(len(df))
    filed = events.filings(np.flatnonzero(events.mergeable))
    both = filed.merge(filed, on=["day", "point"])
    dx, dy = ((both[f"{c}_x"] - both[f"{c}_y"]).abs() for c in "xy")
    both = both[(both["row_x"] < both["row_y"]) & (dx <= 1) & ((dy <= 1) & both["point"] | (dy == 0))]
    i, j = np.unique(both[["row_x", "row_y"]].to_numpy(np.int64).reshape(-1, 2), axis=0).T
    found = events.compare(i, j)
    keep = found["same"] & (events.article[i] != events.article[j])
    i, j, rank, km, gap = i[keep], j[keep], found["rank"][keep], found["km"][keep], found["gap"][keep]
    matches: dict[int, set[int]] = {x: set() for x in range(len(df))}
    for x, y in zip(i.tolist(), j.tolist(), strict=True):
        matches[x].add(y)
        matches[y].add(x)
    cluster = {x: {x} for x in range(len(df))}
    low, high = np.minimum(id_rank[i], id_rank[j]), np.maximum(id_rank[i], id_rank[j])
    for k in np.lexsort((high, low, gap, km, rank)).tolist():
        a, b = cluster[int(i[k])], cluster[int(j[k])]
        if a is not b and all(y in matches[x] for x in a for y in b):
            a |= b
            cluster.update(dict.fromkeys(b, a))
    head = {x: min(group, key=id_rank.__getitem__) for x, group in cluster.items()}
    rows = [x for x in range(len(df)) if head[x] != x]
    reason = [""] * len(df)
    for x, text in zip(rows, events.reasons(np.array([head[x] for x in rows], np.int64),
                                            np.array(rows, np.int64)), strict=True):
        reason[x] = text
    for x in np.flatnonzero(events.split).tolist():
        reason[x] = "kept apart by analyst review"
    return df.assign(cluster_id=[events.event_id[head[x]] for x in range(len(df))],
                     merge_reason=reason)


TWIN = Place("Akimat annex", AKIMAT.latitude, AKIMAT.longitude, "Almaty City", "KZ", "landmark")
PLACES = (ALMATY, AKIMAT, TWIN, MIR, AIRPORT, SQUARE, EDGE_CITY, EDGE_SPOT, BORALDAY, AKTAU,
          SQUARE_TALDYKORGAN, KZ, Place("Almaty", ALMATY.latitude, ALMATY.longitude, kind="city"),
          Place("Mangystau", 43.9, 52.0, "Mangystau", "KZ", "region"),
          Place("Nowhere", None, None, "", "KZ", "region"), Place("Lost", None, None, kind="city"))
"""Dense Almaty (landmarks tying on distance, a city with and without a geonameid), areas
without coordinates, and a city without coordinates."""
TYPES = ("Riots", "Protests", "Strategic developments", "Violence against civilians", "")


def synthetic(seed: int, n: int, articles: int) -> pd.DataFrame:
    """``n`` random reports by ``articles`` articles on a few places and days, with reviews."""
    rng = np.random.default_rng(seed)
    popular = rng.dirichlet(np.full(len(PLACES), 0.3))
    places = [PLACES[k] for k in rng.choice(len(PLACES), n, p=popular)]
    start = pd.Timestamp("2022-01-04") + pd.to_timedelta(rng.integers(0, 4, n), "D")
    span = rng.choice([0, 0, 0, 0, 1, 2, 40], n)
    dated = rng.random(n) > 0.03
    return pd.DataFrame({
        "event_id": [f"{k:x}" for k in rng.permutation(n) * 7919 % 100_003],
        "article_id": [f"a{k}" for k in rng.integers(0, articles, n)],
        "kind": np.where(rng.random(n) < 0.05, "tally", "incident"),
        "event_type": rng.choice(TYPES, n, p=[0.4, 0.3, 0.1, 0.1, 0.1]),
        "sub_event_type": rng.choice(["", "Violent demonstration"], n),
        "location": [p.name for p in places],
        "geonameid": pd.array([p.geonameid for p in places], dtype="Int64"),
        "geo_precision": pd.array([p.geo_precision for p in places], dtype="Int64"),
        "latitude": [p.latitude for p in places], "longitude": [p.longitude for p in places],
        "event_date": start.where(dated), "date_end": (start + pd.to_timedelta(span, "D")).where(dated),
        "cluster_review": np.where(rng.random(n) < 0.04, "split", ""),
    })


@pytest.mark.parametrize("seed, n, articles", [
    (seed, n, articles) for seed in range(6) for n, articles in ((40, 10), (300, 75), (300, 10))])
@pytest.mark.parametrize("chunk", [None, 7])
def test_clusters_are_those_of_trying_every_matching_pair_best_first(seed, n, articles, chunk,
                                                                     monkeypatch):
    if chunk:
        monkeypatch.setattr("dashboard.merge.PAIR_CHUNK", chunk)
    df = synthetic(seed, n, articles)
    merged = merge_events(df)
    assert merged["cluster_id"].duplicated().sum() > n / 8
    assert merged[["cluster_id", "merge_reason"]].equals(reference_merge(df)[["cluster_id", "merge_reason"]])
