"""Shared fixtures: event databases built the way a user builds them (``protestmap ingest``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dashboard.extract.diskcache import CACHE_ENV

if TYPE_CHECKING:
    from dashboard.extract.events import Marks


def pytest_configure(config: pytest.Config) -> None:
    """Start-up caches go to a folder of this run, not the user's cache."""
    if CACHE_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="protestmap-cache-")
        os.environ[CACHE_ENV] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6e6f88a621e68b95.txt"
XSS_ARTICLE = ROOT / "tests" / "data" / "xss_article.txt"
ALMATY_SEEDS = tuple(sorted((ROOT / "seeds").glob("00[123]_*.txt")))
"""Three articles (de, en, ru) reporting the storming of the Almaty akimat."""


def cli(*args: str) -> str:
    """Run ``protestmap ARGS...`` in-process; fail the test with its output on a non-zero exit."""
    from typer.testing import CliRunner

    from dashboard.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"protestmap {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    return result.output


def marks(lang: str, text: str) -> Marks:
    """What the pipeline of ``lang`` marks in ``text``, read as one sentence the way
    extraction reads each kept sentence (``events.sentence_marks``)."""
    from dashboard.extract.events import sentence_marks
    from dashboard.extract.lexicon import load_lexicon
    from dashboard.extract.pipeline import build_pipeline

    doc = build_pipeline(lang)(text)
    return sentence_marks(doc, [0, len(doc)], [(0, len(text))], load_lexicon(lang))[0]


@pytest.fixture(scope="session")
def ingested_db(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """A factory: a database with ``protestmap ingest`` of the given files (built once per set)."""
    built: dict[tuple[Path, ...], Path] = {}

    def make(*paths: Path) -> Path:
        if paths not in built:
            db = tmp_path_factory.mktemp("db") / "events.duckdb"
            cli("ingest", *map(str, paths), "--db", str(db), "--quiet")
            built[paths] = db
        return built[paths]

    return make


@pytest.fixture(scope="session")
def seed_db(ingested_db: Callable[..., Path]) -> Path:
    """The seed article alone, ingested with the CLI."""
    return ingested_db(SEED)


@pytest.fixture(scope="session")
def xss_db(ingested_db: Callable[..., Path]) -> Path:
    """The seed plus an article with HTML and a javascript: link in its evidence sentence."""
    return ingested_db(SEED, XSS_ARTICLE)


@pytest.fixture(scope="session")
def almaty_db(ingested_db: Callable[..., Path]) -> Path:
    """Seeds 001-003: one incident told by three sources in three languages."""
    return ingested_db(*ALMATY_SEEDS)
