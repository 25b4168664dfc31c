"""Benchmark of the dashboard's per-rerun work, against naive pandas, plus a whole-page rerun.

Run: ``.venv/bin/python bench/dashboard.py [--sizes 100000 1000000] [--filters 20]``.

1. A synthetic events frame (``EVENT_COLUMNS``, ``cluster_id`` = ``event_id`` as the store
   gives for reports merged with no other) of each size: places sampled from the
   gazetteer's Kazakh cities by population, days peaking on 5-7 January 2022, a tenth of
   events spanning several days, counts mostly empty, and a few authority tallies.
2. For 20 distinct random filters: ``query.filter_mask`` + ``query.totals`` +
   ``query.timeline_bins`` with the mask (on the frame after ``query.as_query_frame`` and
   ``query.prepare``, as the page caches it; what the page does on a rerun), and the same
   work written the naive way in plain pandas (row copies); p50 and p95 in ms. Masks and
   totals are memoised per frame and filter, so every filter is measured once, and each
   step of the breakdown on a frame of its own.
3. ``AppTest`` reruns of the whole page (``dashboard/app.py``) on 100,000 events stored
   in a DuckDB file: the first run (loads the db) and then reruns with a changed filter.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import query
from dashboard.query import Filters
from dashboard.types import EVENT_COLUMNS, MEASURES

TYPES = {"Protests": 0.5, "Riots": 0.3, "Violence against civilians": 0.05,
         "Strategic developments": 0.15}
SOURCES = ["Reuters", "Vlast", "Khabar 24", "DW", "Azattyq", "Tengrinews"]
EVIDENCE = ["Protesters gathered in front of the akimat",
            "Police detained people near the central square",
            "Demonstranten blockierten die Straße zum Flughafen",
            "Участники митинга собрались на площади"]


def places() -> pd.DataFrame:
    """Kazakh cities and towns of the gazetteer, with population (the sampling weight)."""
    with (ROOT / "gazetteer" / "data" / "kz_entries.tsv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t")
                if r["kind"] == "city" and r["country_code"] == "KZ" and r["population"]]
    df = pd.DataFrame(rows)[["name", "admin1", "latitude", "longitude", "population"]]
    df[["latitude", "longitude", "population"]] = df[["latitude", "longitude", "population"]].astype(float)
    return df[df["population"] > 0].reset_index(drop=True)


def synthetic_events(n: int, gaz: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``n`` events shaped like ``Store.events_frame()``."""
    rng = np.random.default_rng(seed)
    place = rng.choice(len(gaz), n, p=(gaz["population"] / gaz["population"].sum()).to_numpy())
    day_weights = np.array([1, 3, 6, 10, 16, 16, 12, 8, 6, 5, 4, 3, 3, 2] + [1] * 17, dtype=float)
    start = np.datetime64("2022-01-01") + rng.choice(31, n, p=day_weights / day_weights.sum())
    span = np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), 0)
    precision = rng.choice([1, 2, 3, 4], n, p=[0.05, 0.8, 0.1, 0.05])
    frame = pd.DataFrame({c: pd.Series([""] * n, dtype=object) for c in EVENT_COLUMNS})
    frame["event_id"] = [f"e{i}" for i in range(n)]
    frame["article_id"] = [f"a{i // 3}" for i in range(n)]
    frame["event_date"] = start.astype("datetime64[ns]")
    frame["date_end"] = (start + span.astype("timedelta64[D]")).astype("datetime64[ns]")
    frame["time_precision"] = pd.array(np.ones(n, dtype=int), dtype="Int64")
    frame["event_type"] = rng.choice(list(TYPES), n, p=list(TYPES.values()))
    frame["kind"] = "incident"
    frame["location"] = np.where(precision == 4, "Kazakhstan", gaz["name"].to_numpy()[place])
    frame["admin1"] = np.where(precision == 4, "", gaz["admin1"].to_numpy()[place])
    frame["country"] = "KZ"
    frame["latitude"] = gaz["latitude"].to_numpy()[place]
    frame["longitude"] = gaz["longitude"].to_numpy()[place]
    frame["geo_precision"] = pd.array(precision, dtype="Int64")
    frame["geonameid"] = pd.array([None] * n, dtype="Int64")
    frame["sentence_index"] = pd.array(np.zeros(n, dtype=int), dtype="Int64")
    for m in MEASURES:
        values = np.where(rng.random(n) < 0.03, rng.integers(1, 60, n), -1)
        frame[m] = pd.Series(values, dtype="Int64").where(values >= 0)
        frame[f"{m}_qualifier"] = np.array([None, "exact"], dtype=object)[(values >= 0).astype(int)]
        frame[f"{m}_text"] = None
    tallies = _tallies(n)
    frame.loc[tallies.index, tallies.columns] = tallies
    frame["language"] = rng.choice(["de", "en", "ru"], n)
    frame["source"] = rng.choice(SOURCES, n)
    frame["evidence"] = [f"{EVIDENCE[i % 4]} ({i})." for i in rng.integers(0, 4 * n, n)]
    frame["published"] = frame["date_end"]
    frame["cluster_id"] = frame["event_id"]
    frame["merge_reason"] = ""
    frame["title"] = "Kazakhstan unrest"
    frame["source_url"] = "https://example.org/a"
    return frame


def _tallies(n: int) -> pd.DataFrame:
    """The Interior Ministry series 26 -> 164 -> 225 killed, 3000+ arrested, as the first rows."""
    rows = [(date(2022, 1, 7), 26, 18, 3000), (date(2022, 1, 9), 164, 2200, 5800),
            (date(2022, 1, 15), 225, 4500, 10000)]
    df = pd.DataFrame({
        "event_date": pd.to_datetime([r[0] for r in rows]), "kind": "tally",
        "date_end": pd.to_datetime([r[0] for r in rows]),
        "location": "Kazakhstan", "admin1": "", "geo_precision": 4, "event_type": "",
        "fatalities": [r[1] for r in rows], "injuries": [r[2] for r in rows],
        "arrests": [r[3] for r in rows], "arrests_qualifier": "at least",
        "fatalities_qualifier": "exact", "injuries_qualifier": "exact",
        "tally_authority": "Interior Ministry", "tally_group": "all",
    }, index=range(min(3, n)))
    return df


def random_filters(df: pd.DataFrame, k: int, seed: int = 1) -> list[Filters]:
    """``k`` distinct filters a user might set: none, cities, a region, types, dates, text, ..."""
    rng = np.random.default_rng(seed)
    cities = df["location"].value_counts().index[:30].tolist()
    regions = [r for r in df["admin1"].value_counts().index[:10] if r]
    out = [Filters()]
    while len(out) < k:
        kw: dict[str, object] = {}
        for field, chance in (("cities", 0.4), ("regions", 0.2), ("event_types", 0.3),
                              ("dates", 0.4), ("text", 0.15), ("sources", 0.15)):
            if rng.random() >= chance:
                continue
            if field == "cities":
                kw["cities"] = tuple(rng.choice(cities, rng.integers(1, 3), replace=False))
            elif field == "regions":
                kw["regions"] = (str(rng.choice(regions)),)
            elif field == "event_types":
                kw["event_types"] = (str(rng.choice(list(TYPES))),)
            elif field == "dates":
                first = date(2022, 1, 1) + timedelta(days=int(rng.integers(0, 20)))
                kw["since"], kw["until"] = first, first + timedelta(days=int(rng.integers(0, 10)))
            elif field == "text":
                kw["text"] = str(rng.choice(["akimat", "square", "Flughafen"]))
            else:
                kw["sources"] = (str(rng.choice(SOURCES)),)
        f = Filters(**kw)  # type: ignore[arg-type]
        if f not in out:
            out.append(f)
    return out


def with_query(df: pd.DataFrame, f: Filters) -> object:
    mask = query.filter_mask(df, f)
    return query.totals(df, f), query.timeline_bins(df, mask), int(mask.sum())


def naive_pandas(df: pd.DataFrame, f: Filters) -> object:
    """The same work written straightforwardly in pandas (object columns, a row per day)."""
    mask = pd.Series(True, index=df.index)
    for field, column in (("cities", "location"), ("regions", "admin1"),
                          ("event_types", "event_type"), ("sources", "source")):
        if getattr(f, field):
            mask &= df[column].isin(getattr(f, field))
    if f.since:
        mask &= df["date_end"] >= pd.Timestamp(f.since)
    if f.until:
        mask &= df["event_date"] <= pd.Timestamp(f.until)
    if f.text:
        mask &= df["evidence"].str.contains(f.text, case=False, regex=False)
    filtered = df[mask]
    incidents = filtered[filtered["kind"] == "incident"]
    sums = {m: incidents[m].sum() for m in ("fatalities", "injuries", "arrests")}
    tallies = filtered[filtered["kind"] == "tally"]
    if not (f.cities or f.event_types or f.text) and len(tallies):
        latest = tallies.sort_values("event_date").groupby(
            ["tally_authority", "location", "tally_group"]).last()
        sums = {m: max(total, latest[m].sum()) for m, total in sums.items()}
    crowd = incidents["crowd_size"].max()
    spans = (filtered["date_end"] - filtered["event_date"]).dt.days + 1
    days = filtered.loc[filtered.index.repeat(spans)]
    days = days.assign(day=days["event_date"] + pd.to_timedelta(
        days.groupby(level=0).cumcount(), unit="D"))
    bins = days.groupby(["day", "event_type"]).size().rename("events").reset_index()
    return sums, crowd, bins, len(filtered)


def fresh_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """A prepared frame whose masks are not memoised yet (to time ``filter_mask`` itself)."""
    fast = query.as_query_frame(raw)
    query.prepare(fast)
    return fast


WARM_UP = Filters(languages=("kk",))
"""A filter outside the measured ones: the first call of each step pays Python's warm-up."""


def timings(work: Callable[[pd.DataFrame, Filters], object], df: pd.DataFrame,
            filters: list[Filters], setup: Callable[[pd.DataFrame, Filters], object] | None = None,
            ) -> tuple[float, float, float]:
    """p50 and p95 ms of ``work`` per filter, and p95 of its CPU ms (``setup`` runs first, untimed).

    CPU time (all threads of the process) shows the work done when other jobs
    share the cores and stretch the wall-clock time.
    """
    work(df, WARM_UP)
    ms, cpu = [], []
    for f in filters:
        if setup is not None:
            setup(df, f)
        t, c = time.perf_counter(), time.process_time()
        work(df, f)
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(ms), float(np.percentile(ms, 95)), float(np.percentile(cpu, 95))


def page_reruns(df: pd.DataFrame, reruns: int = 10) -> tuple[float, float, float]:
    """First run and p50/p95 of reruns (changing the city filter) of the whole page, in ms."""
    from streamlit.testing.v1 import AppTest

    from dashboard.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db):
            pass
        import duckdb

        con = duckdb.connect(str(db))
        events = df[list(EVENT_COLUMNS)]
        con.register("incoming", events)
        con.execute("INSERT INTO events SELECT * FROM incoming")
        articles = pd.DataFrame({"article_id": df["article_id"].unique()})
        con.register("incoming_articles", articles)
        con.execute("INSERT INTO articles (article_id, title, published, source, language, text) "
                    "SELECT article_id, 'Kazakhstan unrest', DATE '2022-01-07', 'bench', 'en', '' "
                    "FROM incoming_articles")
        con.close()
        os.environ["PROTESTMAP_DB"] = str(db)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        t = time.perf_counter()
        at.run()
        first = (time.perf_counter() - t) * 1000
        assert not at.exception, [e.value for e in at.exception]
        cities = at.sidebar.multiselect(key="f_cities").options[:reruns]
        ms = []
        for i in range(reruns):
            widget = at.sidebar.multiselect(key="f_cities")
            widget.set_value([] if i % 2 else [cities[i % len(cities)].rsplit(" (", 1)[0]])
            t = time.perf_counter()
            at.run()
            ms.append((time.perf_counter() - t) * 1000)
            assert not at.exception, [e.value for e in at.exception]
    return first, statistics.median(ms), float(np.percentile(ms, 95))


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    return f"{os.cpu_count()} × {cpu}, Python {platform.python_version()}, pandas {pd.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--filters", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=100_000)
    args = parser.parse_args()
    gaz = places()
    print(f"machine: {machine()}; {len(gaz)} gazetteer places")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| events | query.py p50 / p95 ms (CPU p95) | naive pandas p50 / p95 ms "
          "| p95 of filter_mask / totals / timeline_bins ms |")
    print("|---:|---:|---:|---:|")
    for n in args.sizes:
        raw = synthetic_events(n, gaz)
        fast = query.as_query_frame(raw)
        query.prepare(fast)
        filters = random_filters(raw, args.filters)
        q50, q95, q_cpu = timings(with_query, fast, filters)
        n50, n95, _ = timings(naive_pandas, raw, filters)
        masks = {f: query.filter_mask(fast, f) for f in filters}

        def bins(df: pd.DataFrame, f: Filters, masks: dict[Filters, np.ndarray] = masks) -> object:
            return query.timeline_bins(df, masks.get(f, np.ones(len(df), bool)))

        steps = [timings(query.filter_mask, fresh_frame(raw), filters)[1],
                 timings(query.totals, fresh_frame(raw), filters, setup=query.filter_mask)[1],
                 timings(bins, fast, filters)[1]]
        print(f"| {n:,} | {q50:.1f} / {q95:.1f} ({q_cpu:.1f}) | {n50:.1f} / {n95:.1f} "
              f"| {' / '.join(f'{t:.1f}' for t in steps)} |", flush=True)
    if args.page_size:
        first, p50, p95 = page_reruns(synthetic_events(args.page_size, gaz))
        print(f"\nAppTest page, {args.page_size:,} events: first run {first:.0f} ms "
              f"(loads the db), rerun p50 {p50:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
