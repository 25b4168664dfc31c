"""The ingest runner: the worker pool stores what extraction in one process stores;
progress is reported batch by batch and ends on what the database really took; the
pool's server is started early only when it may be needed, and never left running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from dashboard import runner
from dashboard.store import Store
from dashboard.types import EVENT_COLUMNS, Article, Event

ROOT = Path(__file__).resolve().parents[1]
PROTESTMAP = str(Path(sys.executable).with_name("protestmap"))
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
RUSSIAN_LAST = sorted(SEEDS, key=lambda p: "language: ru" in p.read_text(encoding="utf-8"))


def stored_events(db: Path) -> pd.DataFrame:
    with Store(db) as store:
        frame = store.events_frame()
    return frame[list(EVENT_COLUMNS)].sort_values("event_id").reset_index(drop=True)


@pytest.mark.parametrize("paths", [[ROOT / "seeds"], RUSSIAN_LAST],
                         ids=["seeds folder", "Russian after the first 17 articles"])
def test_pool_stores_the_events_extraction_in_one_process_stores(
        tmp_path: Path, paths: list[Path]) -> None:
    with Store(tmp_path / "one.duckdb") as store:
        alone = runner.ingest(paths, store, workers=0)
    done = subprocess.run([PROTESTMAP, "ingest", *map(str, paths), "--db", tmp_path / "pool.duckdb",
                           "--quiet"], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert alone.added == len(SEEDS) > runner.SMALL
    pooled, reference = stored_events(tmp_path / "pool.duckdb"), stored_events(tmp_path / "one.duckdb")
    assert len(reference) > 0
    pd.testing.assert_frame_equal(pooled, reference)


def write_articles(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(n):
        paths.append(folder / f"{i}.txt")
        paths[-1].write_text(f"---\nlanguage: en\n---\nProtest number {i} in Almaty.\n")
    return paths


def two_events(articles: list[Article]) -> list[list[Event]]:
    from dashboard.types import Place

    return [[Event(article_id=a.article_id, event_date=None, event_type="Protests",
                   sub_event_type="Peaceful protest", kind="incident",
                   place=Place(name, None, None), evidence=a.text)
             for name in ("Almaty", "Aktobe")] for a in articles]


class Blind(Store):
    """A store that claims to hold nothing yet, like one another ingest is filling meanwhile."""

    def known_ids(self, ids: object) -> set[str]:
        return set()


def test_articles_stored_meanwhile_count_as_known_once_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "extract_batch", two_events)
    monkeypatch.setattr(runner, "BATCH", 2)
    folder = tmp_path / "articles"
    write_articles(folder, 5)
    with Store(tmp_path / "e.duckdb") as store:
        first = runner.ingest([folder], store, workers=0)
    seen: list[tuple[int, int, int]] = []
    with Blind(tmp_path / "e.duckdb") as store:
        again = runner.ingest([folder], store, workers=0,
                              on_update=lambda s: seen.append((s.added, s.known, s.events)))
    assert (first.added, first.known, first.events) == (5, 0, 10)
    assert seen[:3] == [(2, 0, 4), (4, 0, 8), (5, 0, 10)]
    assert (again.added, again.known, again.events) == seen[-1] == (0, 5, 0)


def test_stored_articles_are_skipped_before_extraction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extracted: list[int] = []

    def extract(articles: list[Article]) -> list[list[Event]]:
        extracted.append(len(articles))
        return two_events(articles)

    monkeypatch.setattr(runner, "extract_batch", extract)
    folder = tmp_path / "articles"
    write_articles(folder, 5)
    with Store(tmp_path / "e.duckdb") as store:
        runner.ingest([folder], store, workers=0)
        extracted.clear()
        again = runner.ingest([folder], store, workers=0)
    assert extracted == []
    assert (again.articles, again.added, again.known, again.events) == (5, 0, 5, 0)


def test_first_updates_come_before_the_first_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "extract_batch", two_events)
    monkeypatch.setattr(runner, "BATCH", 2)
    written: list[int] = []
    updates: list[tuple[int, int]] = []
    original = Store.add_rows

    def add_rows(self: Store, batch: list[tuple[Article, list[runner.EventRow]]], **kwargs: Any) -> Any:
        written.append(len(batch))
        return original(self, batch, **kwargs)

    monkeypatch.setattr(Store, "add_rows", add_rows)
    folder = tmp_path / "articles"
    write_articles(folder, 5)
    with Store(tmp_path / "e.duckdb") as store:
        runner.ingest([folder], store, workers=0,
                      on_update=lambda s: updates.append((s.added, len(written))))
    assert updates[:3] == [(2, 0), (4, 0), (5, 0)]
    assert written == [5]


@pytest.mark.parametrize("last_has_events", [True, False])
def test_clusters_are_recomputed_once_in_the_last_write_if_it_adds_events(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last_has_events: bool) -> None:
    def extract(articles: list[Article]) -> list[list[Event]]:
        found = two_events(articles)
        return found if last_has_events or "number 4" not in articles[-1].text else [[]]

    monkeypatch.setattr(runner, "extract_batch", extract)
    monkeypatch.setattr(runner, "BATCH", 1)
    monkeypatch.setattr(runner, "MAX_CHUNK_CHARS", 50)  # a write every two articles
    calls: list[str] = []
    original_add, original_recluster = Store.add_rows, Store.recluster

    def add_rows(self: Store, batch: Any, *, recluster: bool = True) -> Any:
        calls.append(f"write{'+clusters' * recluster}")
        return original_add(self, batch, recluster=recluster)

    def recluster(self: Store) -> int:
        calls.append("clusters")
        return original_recluster(self)

    monkeypatch.setattr(Store, "add_rows", add_rows)
    monkeypatch.setattr(Store, "recluster", recluster)
    folder = tmp_path / "articles"
    write_articles(folder, 5)
    with Store(tmp_path / "e.duckdb") as store:
        summary = runner.ingest([folder], store, workers=0)
    assert calls == ["write", "write", "write+clusters"] + ([] if last_has_events
                                                            else ["clusters"])
    with duckdb.connect(str(tmp_path / "e.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM clusters").fetchall() == [(summary.events,)]


def test_workers_send_the_rows_the_store_makes_of_events(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.types import event_row

    articles = [Article("a1", "Protest in Almaty.", "en"), Article("a2", "Protest.", "en")]
    monkeypatch.setattr(runner, "extract_batch", two_events)
    assert runner.extract_rows(articles) == [[event_row(e) for e in events]
                                             for events in two_events(articles)]



def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_server_is_started_early_only_for_more_than_a_few_articles(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, runner.SMALL)
    manifest = tmp_path / "many.jsonl"
    manifest.write_text('{"text": "Protest in Almaty."}\n' * (runner.SMALL + 1))
    assert not runner.start_server([folder])
    assert not runner.start_server([folder / "0.txt", tmp_path / "missing"])
    assert runner._server_pid() is None
    for paths in ([folder, folder / "0.txt"], [manifest]):
        assert runner.start_server(paths)
        pid = runner._server_pid()
        assert pid is not None
        runner.stop_server()
        assert runner._server_pid() is None and gone(pid)


def test_a_running_server_is_kept_without_walking_the_files_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, runner.SMALL + 1)
    assert runner.start_server([folder])
    pid = runner._server_pid()
    walked: list[Path] = []
    monkeypatch.setattr(runner, "_files", lambda paths: walked.extend(paths) or iter(()))
    try:
        assert runner.start_server([folder])
        assert (runner._server_pid(), walked) == (pid, [])
    finally:
        runner.stop_server()
    assert runner._server_pid() is None


def touch_later(paths: list[Path], than: Path) -> None:
    later = than.stat().st_mtime + 10
    for path in paths:
        os.utime(path, (later, later))


def test_files_older_than_the_database_are_guessed_stored(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "articles", runner.SMALL + 3)
    db = tmp_path / "e.duckdb"
    db.write_bytes(b"")
    os.utime(db, (paths[-1].stat().st_mtime + 10,) * 2)
    assert not runner.start_server(paths, db)
    touch_later(paths[:runner.SMALL], than=db)
    assert not runner.start_server(paths, db)
    touch_later(paths, than=db)
    assert runner.start_server(paths, db)
    runner.stop_server()
    assert runner._server_pid() is None


def test_a_server_started_early_for_nothing_new_is_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "extract_batch", two_events)
    started: list[int | None] = []
    start = runner.start_server

    def spied(paths: list[Path], db: Path | None = None) -> bool:
        running = start(paths, db)
        started.append(runner._server_pid())
        return running

    monkeypatch.setattr(runner, "start_server", spied)
    folder = tmp_path / "articles"
    paths = write_articles(folder, runner.SMALL + 3)
    with Store(tmp_path / "e.duckdb") as store:
        first = runner.ingest([folder], store, workers=0)
        touch_later(paths, than=store.path)
        again = runner.ingest([folder], store, workers=2)
    assert (first.added, again.added, again.known) == (runner.SMALL + 3, 0, runner.SMALL + 3)
    assert len(started) == 1 and started[0] is not None
    assert runner._server_pid() is None and gone(started[0])
