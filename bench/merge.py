"""Cross-article clustering (``merge_events``) on synthetic event tables, new against old.

The tables are shaped like the events of a news corpus about January 2022 in
Kazakhstan (see ``synthetic_events``): about 320 places (60 cities, 240 landmarks a
few km from their city, some sharing a name across cities, 17 regions, the country),
dates across January with most on the 5th to the 7th, about 5.7 events per article
told around one to three stories, so that a popular place and day (Almaty,
5 January, Riots) has hundreds of reports, 15 % tallies, some multi-day windows and
a few analyst splits. The sets:

* ``14k``: 2,500 articles (the size of the 5 MB bench corpus of ``bench/extract.py``);
* ``57k``: 10,000 articles;
* ``block``: 6,000 reports of Almaty on 5 January (riots and protests) by 2,000 articles.

For each set it prints the CPU time (best of ``--repeat``, ``time.process_time``) and
the peak of memory allocated while merging (``tracemalloc``, a separate run) of the
current ``merge_events`` and, for the sets named in ``--old``, of ``merge_events`` as
of commit ``--commit`` (read with ``git show``), and whether both give the same
``cluster_id`` and ``merge_reason``. On the 2-core bench machine the old code took
2.4 s and 240 MB on ``14k``, 61 s and 3.9 GB on ``57k`` and 62 s and 4.9 GB on
``block``, so by default it runs on ``14k`` only.

    python bench/merge.py                      # all sets; the old code on 14k only
    python bench/merge.py --old 14k block      # the old code on the dense block too
    python bench/merge.py --sets 57k --repeat 5
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tracemalloc
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.merge import merge_events

Merge = Callable[[pd.DataFrame], pd.DataFrame]
OLD_COMMIT = "6b15a43"
"""The last commit with the pair-by-pair clustering."""
DAY_WEIGHTS = np.array([1, 25, 4, 15, 85, 90, 70, 40, 20, 7, 10, 12, 10, 3, 6,
                        *([1] * 16)], float)
"""Reports per day of January 2022 (as in the 5 MB bench corpus: the peak on 5-7 January)."""


def places(rng: np.random.Generator) -> pd.DataFrame:
    """Cities, landmarks near them, regions and the country, with how often each is reported."""
    n_cities = 60
    lat = np.concatenate([[43.25249], rng.uniform(41.0, 54.0, n_cities - 1)])
    lon = np.concatenate([[76.9115], rng.uniform(50.0, 85.0, n_cities - 1)])
    weight = 1 / np.arange(1, n_cities + 1) ** 1.6
    cities = pd.DataFrame({"location": ["Almaty", *(f"City {k}" for k in range(1, n_cities))],
                           "geo_precision": 2, "geonameid": [1526384, *range(1_500_001, 1_500_000 + n_cities)],
                           "latitude": lat, "longitude": lon, "weight": weight, "city": np.arange(n_cities)})
    city = rng.choice(n_cities, 240, p=weight / weight.sum())
    per_city = np.bincount(city, minlength=n_cities)[city]
    shared = rng.random(240) < 0.05
    landmarks = pd.DataFrame({
        "location": np.where(shared, "Republic Square", [f"Landmark {k}" for k in range(240)]),
        "geo_precision": 1, "geonameid": pd.NA,
        "latitude": lat[city] + rng.uniform(-0.08, 0.08, 240),
        "longitude": lon[city] + rng.uniform(-0.1, 0.1, 240),
        "weight": weight[city] * rng.uniform(0.3, 1.0, 240) / per_city, "city": city})
    regions = pd.DataFrame({"location": [f"Region {k}" for k in range(17)], "geo_precision": 3,
                            "geonameid": 1_600_000 + np.arange(17),
                            "latitude": rng.uniform(41.0, 54.0, 17), "longitude": rng.uniform(50.0, 85.0, 17),
                            "weight": 0.02, "city": -1})
    country = pd.DataFrame({"location": ["Kazakhstan"], "geo_precision": 4, "geonameid": [1522867],
                            "latitude": [48.0], "longitude": [68.0], "weight": [0.3], "city": [-1]})
    table = pd.concat([cities, landmarks, regions, country], ignore_index=True)
    table["geonameid"] = table["geonameid"].astype("Int64")
    table["geo_precision"] = table["geo_precision"].astype("Int64")
    return table


def ids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct ids of 24 hex digits in random order."""
    return [f"{a:016x}{b:08x}" for a, b in zip(rng.integers(0, 2**63, n).tolist(),
                                                rng.permutation(n).tolist(), strict=True)]


def near(where: pd.DataFrame, place: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each of ``place``, its city or a landmark of its city (a region or the country: itself)."""
    city = where["city"].to_numpy()
    order = np.argsort(city, kind="stable")
    first = np.searchsorted(city[order], city[place])
    count = np.searchsorted(city[order], city[place], "right") - first
    picked = order[first + (rng.random(len(place)) * count).astype(np.int64)]
    return np.where(city[place] >= 0, picked, place)


def synthetic_events(n_articles: int, seed: int = 0) -> pd.DataFrame:
    """About 5.7 events per article, each told about one of the article's 1-3 stories.

    A story is a place and a day drawn by popularity and a type; an event tells it at
    its place (70 %), at the story's city or one of its landmarks (20 %), or country-wide
    (10 %); 15 % of events are tallies; 8 % span two to four days, 1 % up to ten.
    """
    rng = np.random.default_rng(seed)
    where = places(rng)
    n = int(n_articles * 5.7)
    article = np.sort(rng.integers(0, n_articles, n))
    story_place = rng.choice(len(where), (n_articles, 3), p=where["weight"] / where["weight"].sum())
    story_day = rng.choice(31, (n_articles, 3), p=DAY_WEIGHTS / DAY_WEIGHTS.sum())
    story_type = rng.choice(["Riots", "Protests", "Strategic developments",
                             "Violence against civilians"], (n_articles, 3), p=[0.5, 0.35, 0.1, 0.05])
    story = rng.integers(0, rng.integers(1, 4, n_articles)[article])
    place = story_place[article, story]
    variant = rng.random(n)
    place = np.where(variant < 0.7, place, np.where(variant < 0.9, near(where, place, rng),
                                                     len(where) - 1))
    tally = rng.random(n) < 0.15
    place = np.where(tally, len(where) - 1, place)
    start = np.datetime64("2022-01-01") + story_day[article, story].astype("timedelta64[D]")
    span = np.where(rng.random(n) < 0.08, rng.integers(1, 4, n),
                    np.where(rng.random(n) < 0.01, rng.integers(4, 10, n), 0))
    chosen = where.iloc[place].reset_index(drop=True)
    return pd.DataFrame({
        "event_id": ids(rng, n),
        "article_id": [f"article-{k}" for k in article],
        "kind": np.where(tally, "tally", "incident"),
        "event_type": np.where(tally, "", story_type[article, story]),
        "location": chosen["location"], "geonameid": chosen["geonameid"],
        "geo_precision": chosen["geo_precision"], "latitude": chosen["latitude"],
        "longitude": chosen["longitude"],
        "event_date": start.astype("datetime64[us]"),
        "date_end": (start + span.astype("timedelta64[D]")).astype("datetime64[us]"),
        "cluster_review": np.where(rng.random(n) < 0.001, "split", ""),
    })


def dense_block(n: int = 6_000, n_articles: int = 2_000, seed: int = 0) -> pd.DataFrame:
    """``n`` reports of Almaty on 5 January 2022, riots or protests, by ``n_articles`` articles."""
    rng = np.random.default_rng(seed)
    day = np.datetime64("2022-01-05", "us")
    return pd.DataFrame({
        "event_id": ids(rng, n),
        "article_id": [f"article-{k}" for k in rng.integers(0, n_articles, n)],
        "kind": "incident", "event_type": rng.choice(["Riots", "Protests"], n, p=[0.6, 0.4]),
        "location": "Almaty", "geonameid": pd.array([1526384] * n, dtype="Int64"),
        "geo_precision": pd.array([2] * n, dtype="Int64"), "latitude": 43.25249,
        "longitude": 76.9115, "event_date": day, "date_end": day, "cluster_review": "",
    })


def old_merge(commit: str) -> Merge:
    """``merge_events`` as of ``commit``."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:dashboard/merge.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f"merge_{commit}")
    exec(compile(source, f"{commit}:dashboard/merge.py", "exec"), module.__dict__)  # noqa: S102
    merge: Merge = module.merge_events
    return merge


def measure(merge: Merge, df: pd.DataFrame, repeat: int) -> tuple[float, float, pd.DataFrame]:
    """Best CPU seconds of ``repeat`` runs, peak MB allocated in one more run, the result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        out = merge(df)
        best = min(best, time.process_time() - start)
    tracemalloc.start()
    merge(df)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=["14k", "57k", "block"])
    parser.add_argument("--old", nargs="*", default=["14k"], help="sets to run the old code on")
    parser.add_argument("--commit", default=OLD_COMMIT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    makers = {"14k": lambda: synthetic_events(2_500), "57k": lambda: synthetic_events(10_000),
              "block": dense_block}
    old = old_merge(args.commit) if args.old else None
    print(f"load average {os.getloadavg()[0]:.2f}; CPU s best of {args.repeat}; "
          f"peak MB allocated while merging (tracemalloc)")
    print(f"{'set':6} {'events':>7} {'articles':>8} {'clusters':>8} {'new s':>7} {'new MB':>7} "
          f"{'old s':>7} {'old MB':>7}  same")
    for name in args.sets:
        df = makers[name]()
        seconds, peak, new = measure(merge_events, df, args.repeat)
        row = (f"{name:6} {len(df):7,} {df['article_id'].nunique():8,} "
               f"{new['cluster_id'].nunique():8,} {seconds:7.2f} {peak:7.0f}")
        if old is not None and name in args.old:
            old_seconds, old_peak, ref = measure(old, df, 1)
            same = new[["cluster_id", "merge_reason"]].equals(ref[["cluster_id", "merge_reason"]])
            row += f" {old_seconds:7.2f} {old_peak:7.0f}  {'yes' if same else 'NO'}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
