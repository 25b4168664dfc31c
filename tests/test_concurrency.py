"""Two ``protestmap ingest`` processes on one database neither duplicate nor lose rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.store import Store

ROOT = Path(__file__).parents[1]
PROTESTMAP = str(Path(sys.executable).with_name("protestmap"))
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def write_corpus(folder: Path, numbers: range) -> None:
    folder.mkdir()
    for n in numbers:
        seed = SEEDS[n % len(SEEDS)].read_text(encoding="utf-8")
        (folder / f"{n:03d}.txt").write_text(f"{seed}\n\nMeldung {n}.\n", encoding="utf-8")


def ingest(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([PROTESTMAP, "ingest", *map(str, args), "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def counts(db: Path) -> tuple[int, int, int]:
    with Store(db) as store:
        events = store.events_frame()
        return len(store.articles_frame()), len(events), events["event_id"].nunique()


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    write_corpus(tmp_path / "a", range(30))
    write_corpus(tmp_path / "b", range(15, 45))
    return tmp_path / "a", tmp_path / "b"


def test_overlapping_ingests_at_the_same_time(tmp_path: Path, corpus: tuple[Path, Path]) -> None:
    a, b = corpus
    reference = tmp_path / "reference.duckdb"
    done = ingest(a, b, "--db", reference)
    assert done.wait(timeout=600) == 0, done.stderr.read() if done.stderr else ""
    expected_articles, expected_events, _ = counts(reference)
    assert expected_articles == 45 and expected_events > 0

    shared = tmp_path / "shared.duckdb"
    first, second = ingest(a, "--db", shared), ingest(b, "--db", shared)
    seen = []
    while first.poll() is None or second.poll() is None:
        seen.append(counts(shared))
    for process in (first, second):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    assert counts(shared) == (expected_articles, expected_events, expected_events)
    assert seen == sorted(seen), "a reader saw rows disappear"
    assert all(n_events == unique for _, n_events, unique in seen)
