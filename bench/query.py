"""Benchmark of the query layer: filter + totals + timeline bins on a synthetic frame.

Run: ``.venv/bin/python bench/query.py [N_EVENTS]`` (default 1,000,000). Prints p50/p95 in ms
of the dashboard's per-rerun work (filter, totals, timeline bins) per filter, then the
time of ``merge_events`` and of the CSV/GeoJSON exports on 20,000 events.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.query import (
    Filters,
    as_query_frame,
    export_csv,
    export_geojson,
    filter_events,
    merge_events,
    timeline_bins,
    totals,
)
from dashboard.types import EVENT_COLUMNS

CITIES = [("Almaty", "Almaty City", 43.25, 76.91), ("Aktau", "Mangystau", 43.65, 51.17),
          ("Zhanaozen", "Mangystau", 43.34, 52.86), ("Taldykorgan", "Almaty Region", 45.02, 78.37),
          ("Shymkent", "Shymkent City", 42.3, 69.6), ("Astana", "Astana City", 51.17, 71.45)]
TYPES = ["Protests", "Riots", "Violence against civilians", "Strategic developments"]


def synthetic_events(n: int, seed: int = 0) -> pd.DataFrame:
    """A frame shaped like ``Store.events_frame()`` with ``n`` events over January 2022."""
    rng = np.random.default_rng(seed)
    city = rng.integers(0, len(CITIES), n)
    start = np.datetime64("2022-01-01") + rng.integers(0, 31, n).astype("timedelta64[D]")
    span = np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), 0).astype("timedelta64[D]")
    kind = np.where(rng.random(n) < 0.001, "tally", "incident")
    frame = pd.DataFrame({c: pd.Series([""] * n, dtype="str") for c in EVENT_COLUMNS})
    frame["event_id"] = [f"e{i}" for i in range(n)]
    frame["article_id"] = [f"a{i // 3}" for i in range(n)]
    frame["event_date"] = start.astype("datetime64[ns]")
    frame["date_end"] = (start + span).astype("datetime64[ns]")
    frame["event_type"] = np.array(TYPES)[rng.integers(0, len(TYPES), n)]
    frame["kind"] = kind
    frame["location"] = np.where(kind == "tally", "Kazakhstan", np.array([c[0] for c in CITIES])[city])
    frame["admin1"] = np.where(kind == "tally", "", np.array([c[1] for c in CITIES])[city])
    frame["country"] = "KZ"
    frame["latitude"] = np.array([c[2] for c in CITIES])[city]
    frame["longitude"] = np.array([c[3] for c in CITIES])[city]
    frame["geo_precision"] = pd.array(np.where(kind == "tally", 4, 2), dtype="Int64")
    for m in ("fatalities", "injuries", "arrests", "crowd_size"):
        values = np.where(rng.random(n) < 0.05, rng.integers(1, 50, n), -1)
        frame[m] = pd.Series(values, dtype="Int64").where(values >= 0)
        frame[f"{m}_qualifier"] = np.where(values >= 0, "exact", None)
    frame["tally_authority"] = np.where(kind == "tally", "Interior Ministry", "")
    frame["tally_group"] = np.where(kind == "tally", "all", "")
    frame["language"] = np.array(["de", "en", "ru"])[rng.integers(0, 3, n)]
    frame["source"] = np.array(["Reuters", "Vlast", "Khabar 24", "DW"])[rng.integers(0, 4, n)]
    templates = np.array(["Protesters stormed the akimat in the city centre",
                          "Police detained dozens of people near the square",
                          "Demonstranten blockierten die Straße zum Flughafen"])
    frame["evidence"] = pd.Series(templates[rng.integers(0, 3, n)], dtype="str") + pd.Series(
        [f" (report {i})." for i in range(n)], dtype="str")
    frame["published"] = frame["event_date"]
    frame["title"] = "Kazakhstan unrest"
    return frame


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main(n: int = 1_000_000, repeat: int = 20) -> None:
    raw = synthetic_events(n)
    t0 = time.perf_counter()
    df = as_query_frame(raw)
    print(f"as_query_frame (once per data load): {(time.perf_counter() - t0) * 1000:.0f} ms")
    scenarios = {
        "no filter": Filters(),
        "city Almaty": Filters(cities=("Almaty",)),
        "dates 5-10 Jan": Filters(since=date(2022, 1, 5), until=date(2022, 1, 10)),
        "type+region+dates": Filters(event_types=("Riots",), regions=("Mangystau",),
                                     since=date(2022, 1, 3), until=date(2022, 1, 20)),
        "text 'akimat'": Filters(text="akimat"),
    }
    for name, f in scenarios.items():
        def rerun(f: Filters = f) -> None:
            filtered = filter_events(df, f)
            totals(df, f)
            timeline_bins(filtered)
        times = np.array(_timed(rerun, repeat))
        print(f"{name:>20}: filter+totals+bins p50 {np.percentile(times, 50):6.1f} ms"
              f"  p95 {np.percentile(times, 95):6.1f} ms")
    sample = df.iloc[:20_000]
    for name, step in (("merge_events", merge_events), ("export_csv", export_csv),
                       ("export_geojson", export_geojson)):
        print(f"{name:>20}: {min(_timed(lambda step=step: step(sample), 3)):8.0f} ms "
              "for 20,000 events")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
