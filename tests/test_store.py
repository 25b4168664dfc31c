"""The DuckDB store: idempotent batches, rollback, reviews, dtypes, lock handling."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.errors import BadInput, StoreError
from dashboard.paths import default_db_path
from dashboard.store import Store, event_ids
from dashboard.types import EVENT_COLUMNS, Article, Count, Event, Place

ALMATY = Place("Almaty", 43.25, 76.91, admin1="Almaty City", country="KZ", kind="city",
               geonameid=1526384)


def article(n: int, published: date | None = date(2022, 1, 7)) -> Article:
    return Article(article_id=f"a{n}", text=f"Proteste in Almaty, Nummer {n}.", language="de",
                   title=f"Artikel {n}", published=published, source="Rundschau",
                   url=f"https://example.com/{n}")


def event(n: int, sentence: int = 0, **kw: object) -> Event:
    fields: dict[str, object] = {
        "article_id": f"a{n}", "event_date": date(2022, 1, 5), "event_type": "Riots",
        "sub_event_type": "Violent demonstration", "kind": "incident", "place": ALMATY,
        "evidence": "In Almaty wurde die Stadtverwaltung gestürmt.", "sentence_index": sentence}
    fields.update(kw)
    return Event(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "sub" / "events.duckdb") as s:
        return s


def test_adding_twice_stores_nothing_new(store: Store) -> None:
    batch = [(article(1), [event(1), event(1, 1)]), (article(2), [event(2)])]
    first = store.add(batch)
    again = store.add(batch + [(article(3), [event(3)])])
    assert (first.articles_added, first.events_added) == (2, 3)
    assert (again.articles_added, again.articles_known, again.events_added) == (1, 2, 1)
    assert len(store.articles_frame()) == 3 and len(store.events_frame()) == 4


def test_a_failing_batch_leaves_the_database_as_it_was(store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store.add([(article(1), [event(1)])])
    original = Store._insert

    def fail_on_events(self: Store, con: object, table: str, rows: object) -> None:
        if table == "events":
            raise RuntimeError("injected crash")
        original(self, con, table, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_insert", fail_on_events)
    with pytest.raises(RuntimeError, match="injected crash"):
        store.add([(article(2), [event(2)]), (article(3), [event(3)])])
    monkeypatch.undo()
    assert list(store.articles_frame()["article_id"]) == ["a1"]
    assert len(store.events_frame()) == 1
    assert store.add([(article(2), [event(2)])]).articles_added == 1


def test_events_frame_columns_and_dtypes(store: Store) -> None:
    store.add([(article(1), [event(1, fatalities=Count(26, "exact", "26 getötet")),
                             event(1, 1, kind="tally", arrests=Count(3000, "at least"))]),
               (article(2, published=None), [event(2, event_date=None)])])
    df = store.events_frame()
    assert list(df.columns) == [*EVENT_COLUMNS, "published", "title", "cluster_id",
                                "merge_reason"]
    assert df["cluster_id"].notna().all() and (df["cluster_id"] != "").all()
    for col in ("event_date", "date_end", "published"):
        assert pd.api.types.is_datetime64_any_dtype(df[col]), col
    for col in ("fatalities", "injuries", "arrests", "crowd_size", "geo_precision"):
        assert df[col].dtype == "Int64", col
    assert df["latitude"].dtype == "float64"
    row = df[df["fatalities"].notna()].iloc[0]
    assert (row["fatalities"], row["fatalities_qualifier"], row["title"]) == (
        26, "exact", "Artikel 1")
    assert row["published"] == pd.Timestamp("2022-01-07")
    assert row["source_url"] == "https://example.com/1" and row["source"] == "Rundschau"
    assert df["arrests"].isna().sum() == 2 and df["event_date"].isna().sum() == 1


def test_event_ids_are_stable_and_distinct() -> None:
    events = [event(1), event(1, 1), event(1), event(1, kind="tally")]
    ids = event_ids("a1", events)
    assert len(set(ids)) == 4
    assert ids == event_ids("a1", events)
    assert event_ids("a1", events[:2]) == ids[:2]
    assert event_ids("a2", events[:1]) != ids[:1]


def test_reviews_apply_on_read_and_survive_re_adding(store: Store) -> None:
    store.add([(article(1), [event(1, fatalities=Count(26))])])
    event_id = store.events_frame()["event_id"][0]
    store.add_review(event_id, "fatalities", "25", note="first try")
    store.add_review(event_id, "fatalities", "30", note="ministry correction")
    store.add_review(event_id, "sub_event_type", "Mob violence")
    store.add_review(event_id, "event_date", "2022-01-06")
    store.add([(article(1), [event(1, fatalities=Count(26))]), (article(2), [event(2)])])
    row = store.events_frame().set_index("event_id").loc[event_id]
    assert (row["fatalities"], row["fatalities_qualifier"]) == (30, "exact")
    assert row["sub_event_type"] == "Mob violence"
    assert row["event_date"] == row["date_end"] == pd.Timestamp("2022-01-06")
    assert store.versions()["reviews"] == 4


@pytest.mark.parametrize("event_id, field, value, message", [
    ("nope", "fatalities", "1", "no event with id 'nope'"),
    (None, "event_id", "1", "field 'event_id' cannot be corrected"),
    (None, "location", "Aktau", "field 'location' cannot be corrected"),
    (None, "colour", "1", "field 'colour' cannot be corrected"),
    (None, "fatalities", "-3", "fatalities must be a whole number of people or empty, not '-3'"),
    (None, "crowd_size", "many", "crowd_size must be a whole number"),
    (None, "event_date", "5 Jan", "event_date must be a date YYYY-MM-DD, not '5 Jan'"),
    (None, "event_type", "Riot", "event_type must be one of Protests, Riots"),
    (None, "sub_event_type", "Sit-in", "sub_event_type must be one of Peaceful protest"),
    (None, "kind", "rumour", "kind must be one of incident, tally, not 'rumour'"),
    (None, "cluster", "join", "cluster must be one of split, not 'join'"),
])
def test_bad_reviews_are_refused(store: Store, event_id: str | None, field: str, value: str,
                                 message: str) -> None:
    store.add([(article(1), [event(1)])])
    with pytest.raises(BadInput, match=message):
        store.add_review(event_id or store.events_frame()["event_id"][0], field, value)
    assert store.versions()["reviews"] == 0


def clusters(store: Store) -> dict[str, str]:
    df = store.events_frame()
    return dict(zip(df["article_id"], df["cluster_id"], strict=True))


def test_clusters_are_stored_at_write_time(store: Store) -> None:
    store.add([(article(1), [event(1)])])
    assert clusters(store) == {"a1": store.events_frame()["event_id"][0]}
    store.add([(article(2), [event(2)])])
    merged = store.events_frame()
    assert merged["cluster_id"].nunique() == 1
    assert merged["merge_reason"].str.startswith("same place Almaty").sum() == 1
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM clusters").fetchone() == (2,)


def test_a_split_is_applied_at_once_and_undone_at_once(store: Store) -> None:
    store.add([(article(1), [event(1)]), (article(2), [event(2)])])
    second = store.events_frame()["event_id"].max()
    review_id = store.add_review(second, "cluster", "split", note="different crowd")
    df = store.events_frame().set_index("event_id")
    assert df["cluster_id"].nunique() == 2
    assert df.loc[second, "merge_reason"] == "kept apart by analyst review"
    assert list(store.reviews_frame()[["review_id", "field", "value", "note"]].itertuples(
        index=False, name=None)) == [(review_id, "cluster", "split", "different crowd")]
    store.undo_review(review_id)
    assert store.events_frame()["cluster_id"].nunique() == 1
    assert store.reviews_frame().empty
    with pytest.raises(BadInput, match=f"no review with id {review_id}"):
        store.undo_review(review_id)


def test_a_reviewed_date_changes_the_clusters(store: Store) -> None:
    store.add([(article(1), [event(1)]), (article(2), [event(2)])])
    second = store.events_frame()["event_id"].max()
    store.add_review(second, "event_date", "2022-01-06")
    assert store.events_frame()["cluster_id"].nunique() == 2


def test_adding_without_reclustering_leaves_new_events_alone_until_asked(store: Store) -> None:
    store.add([(article(1), [event(1)])])
    store.add([(article(2), [event(2)])], recluster=False)
    assert store.events_frame()["cluster_id"].nunique() == 2
    assert store.recluster() == 1
    assert store.events_frame()["cluster_id"].nunique() == 1


def test_article_text_and_evidence_are_stored_with_zstd(store: Store) -> None:
    store.add([(article(n), [event(n, evidence=f"Satz {n} über Almaty.")]) for n in range(50)])
    with duckdb.connect(str(store.path), read_only=True) as con:
        found = con.execute(
            "SELECT DISTINCT column_name, compression FROM pragma_storage_info('articles') "
            "WHERE column_name = 'text' AND segment_type = 'VARCHAR' UNION ALL "
            "SELECT DISTINCT column_name, compression FROM pragma_storage_info('events') "
            "WHERE column_name = 'evidence' AND segment_type = 'VARCHAR'").fetchall()
    assert sorted(found) == [("evidence", "ZSTD"), ("text", "ZSTD")]


def test_a_version_1_database_is_upgraded_with_its_clusters(store: Store) -> None:
    store.add([(article(1), [event(1)]), (article(2), [event(2)])])
    with duckdb.connect(str(store.path)) as con:
        con.execute("DROP TABLE clusters")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Store(store.path) as upgraded:
        assert upgraded.events_frame()["cluster_id"].nunique() == 1


def test_a_failed_upgrade_changes_nothing_and_other_databases_still_open(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add([(article(1), [event(1)])])
    with duckdb.connect(str(store.path)) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")

    def broken(con: duckdb.DuckDBPyConnection) -> int:
        raise duckdb.Error("disk full")

    monkeypatch.setattr("dashboard.store._recluster", broken)
    with pytest.raises(StoreError, match="nothing written.*disk full"):
        Store(store.path).create_schema()
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    with Store(tmp_path / "other.duckdb") as other:
        assert other.is_empty()


def test_versions_change_with_the_data(store: Store) -> None:
    before = store.versions()
    store.add([(article(1), [event(1)])])
    after = store.versions()
    assert (before["articles"], after["articles"], after["events"]) == (0, 1, 1)
    assert before["data"] != after["data"]
    assert isinstance(after["gazetteer"], str) and after["gazetteer"]


def test_known_ids(store: Store) -> None:
    assert store.is_empty()
    store.add([(article(1), [])])
    assert store.known_ids(["a1", "a2"]) == {"a1"}
    assert not store.is_empty()


@pytest.mark.parametrize("env, expected", [
    (None, "data/events.duckdb"),
    ("/x/y.duckdb", "/x/y.duckdb"),
])
def test_default_db_path(monkeypatch: pytest.MonkeyPatch, env: str | None, expected: str) -> None:
    if env is None:
        monkeypatch.delenv("PROTESTMAP_DB", raising=False)
    else:
        monkeypatch.setenv("PROTESTMAP_DB", env)
    assert default_db_path() == Path(expected)


def test_lock_held_by_another_process_gives_a_clear_error(store: Store) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); sys.stdin.read()"), str(store.path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="locked by another process; gave up after"):
            Store(store.path, lock_timeout=0.3).add([(article(1), [])])
    finally:
        holder.communicate("")
    assert Store(store.path).add([(article(1), [])]).articles_added == 1


def test_other_schema_version_is_refused(store: Store) -> None:
    import duckdb

    with duckdb.connect(str(store.path)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(store.path).create_schema()


def open_and_read(path: str) -> str:
    try:
        with Store(path) as store:
            return str(len(store.events_frame()))
    except StoreError as exc:
        return str(exc)


def test_processes_creating_one_database_at_once_all_succeed(tmp_path: Path) -> None:
    """DuckDB writes a new file's header after creating it; nobody may see it empty."""
    paths = [str(tmp_path / f"{n}.duckdb") for n in range(20)]
    with multiprocessing.get_context("fork").Pool(6) as pool:
        results = [r for p in paths for r in pool.map(open_and_read, [p] * 6, chunksize=1)]
    assert set(results) == {"0"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in paths)


def test_an_old_empty_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    path.touch()
    os.utime(path, (0, 0))
    with pytest.raises(StoreError, match="cannot open the database .*not a valid DuckDB"):
        Store(path).create_schema()


def test_threads_of_one_process_take_turns(store: Store) -> None:
    """Every operation attaches the file to the process's one host connection, under a lock."""
    from concurrent.futures import ThreadPoolExecutor

    def add_and_read(n: int) -> int:
        Store(store.path).add([(article(n), [event(n)])])
        return len(Store(store.path).events_frame())

    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(add_and_read, range(12)))
    assert len(store.articles_frame()) == 12 and max(seen) == 12
