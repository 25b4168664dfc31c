"""Consistency of the sample corpus (seeds/) and its gold (tests/data/gold_corpus.csv).

These tests guard the evaluation data itself: a gold row whose evidence is not in its
article, or an article whose front matter does not parse, would silently corrupt every
accuracy figure computed from it.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
GOLD = DATA / "gold_corpus.csv"
SEED_GOLD = DATA / "seed_events.csv"
SEED_ARTICLE = "000_6e6f88a621e68b95.txt"

KINDS = {"incident", "tally", "optional"}
EVENT_TYPES = {
    "Protests",
    "Riots",
    "Violence against civilians",
    "Battles",
    "Explosions/Remote violence",
    "Strategic developments",
}
SUB_EVENT_TYPES = {
    "Peaceful protest",
    "Protest with intervention",
    "Excessive force against protesters",
    "Violent demonstration",
    "Mob violence",
    "Attack",
    "Armed clash",
    "Agreement",
    "Arrests",
    "Change to group/activity",
    "Disrupted weapons use",
    "Headquarters or base established",
    "Looting/property destruction",
    "Other",
}
COUNT_CELL = re.compile(r"^(~|\d+(\|\d*)*|\|\d+(\|\d+)*)?$")
KZ_BBOX = (40.5, 55.5, 46.4, 87.4)  # lat_min, lat_max, lon_min, lon_max


def split_article(path: Path) -> tuple[dict, str]:
    """Return (front matter, body) of a seeds/ article.

    >>> split_article(SEEDS / SEED_ARTICLE)[0]["language"]
    'de'
    """
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path.name}: no YAML front matter")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def gold_rows() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ARTICLES = sorted(p.name for p in SEEDS.glob("*.txt"))
ROWS = gold_rows()
ROW_IDS = [f"{r['article'][:3]}-{r['gold_id']}" for r in ROWS]


def test_gold_header_matches_seed_gold() -> None:
    with SEED_GOLD.open(encoding="utf-8") as a, GOLD.open(encoding="utf-8") as b:
        assert b.readline() == a.readline()


@pytest.mark.parametrize("name", ARTICLES)
def test_front_matter_parses(name: str) -> None:
    meta, body = split_article(SEEDS / name)
    assert meta.get("title") and meta.get("source"), name
    if "published" in meta:
        assert isinstance(meta["published"], date), f"{name}: published is not an ISO date"
        assert date(2022, 1, 1) <= meta["published"] <= date(2022, 1, 31), name
    if "language" in meta:
        assert meta["language"] in {"de", "en", "ru"}, name
    if name != SEED_ARTICLE:
        host = urlparse(meta["url"]).hostname or ""
        assert host.rsplit(".", 2)[-2:] in (
            ["example", "org"],
            ["example", "net"],
            ["example", "com"],
        ), name
        assert 150 <= len(body.split()) <= 700, f"{name}: {len(body.split())} words"
        assert re.fullmatch(r"\d{3}_[a-z0-9_]+\.txt", name), name


@pytest.mark.parametrize("name", [a for a in ARTICLES if a != SEED_ARTICLE])
def test_every_article_has_gold(name: str) -> None:
    assert any(r["article"] == name for r in ROWS), f"{name}: no gold rows"


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_gold_row_is_well_formed(row: dict[str, str]) -> None:
    assert row["article"] in ARTICLES, f"{row['article']}: no such article"
    _, body = split_article(SEEDS / row["article"])
    assert row["evidence_contains"] and row["evidence_contains"] in body
    assert row["kind"] in KINDS
    first, last = date.fromisoformat(row["date_earliest"]), date.fromisoformat(row["date_latest"])
    assert date(2022, 1, 1) <= first <= last <= date(2022, 1, 31)
    for measure in ("fatalities", "injuries", "arrests", "crowd_size"):
        assert COUNT_CELL.match(row[measure]), f"{measure}={row[measure]!r}"
    if row["location"] == "Kazakhstan":
        assert (row["latitude"], row["longitude"], row["max_km"]) == ("", "", "")
    else:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        assert KZ_BBOX[0] <= lat <= KZ_BBOX[1] and KZ_BBOX[2] <= lon <= KZ_BBOX[3]
        assert float(row["max_km"]) in ((150,) if row["location"].endswith(" Region") else (10, 25))
    if row["kind"] == "incident" or row["event_type"]:
        assert set(row["event_type"].split("|")) <= EVENT_TYPES
        assert set(row["sub_event_type_any_of"].split("|")) <= SUB_EVENT_TYPES


def test_gold_ids_unique_per_article() -> None:
    keys = [(r["article"], r["gold_id"]) for r in ROWS]
    assert len(keys) == len(set(keys))


def test_akimat_fire_reported_in_three_languages_with_different_tolls() -> None:
    rows = [r for r in ROWS if r["gold_id"] == "AKIMAT"]
    languages = {split_article(SEEDS / r["article"])[0].get("language") for r in rows}
    assert {"de", "en", "ru"} <= languages
    assert len({r["fatalities"] for r in rows}) >= 3
    assert {(r["date_earliest"], r["date_latest"]) for r in rows} == {("2022-01-05", "2022-01-05")}


@pytest.mark.parametrize(
    ("gold_id", "as_of", "killed"),
    [
        ("TALLY-MVD-0107", date(2022, 1, 7), "26"),
        ("TALLY-MVD-0109", date(2022, 1, 9), "164"),
        ("TALLY-MVD-0115", date(2022, 1, 15), "225"),
    ],
)
def test_interior_ministry_death_toll_series(gold_id: str, as_of: date, killed: str) -> None:
    rows = [r for r in ROWS if r["gold_id"] == gold_id and r["kind"] == "tally"]
    published = {split_article(SEEDS / r["article"])[0].get("published") for r in rows}
    assert as_of in published, f"{gold_id}: no article published on {as_of}"
    for row in rows:
        assert (
            date.fromisoformat(row["date_earliest"])
            <= as_of
            <= date.fromisoformat(row["date_latest"])
        )
        assert killed in row["fatalities"].split("|")
        assert row["location"] == "Kazakhstan"


def documented_languages() -> dict[str, str]:
    """Article stem -> language, from the table in CORPUS.md."""
    table = re.findall(
        r"^\| (\d{3}_[a-z0-9_]+) \| (de|en|ru) \|",
        (DATA / "CORPUS.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return dict(table)


def test_every_article_is_documented_with_its_language() -> None:
    documented = documented_languages()
    for name in ARTICLES:
        if name == SEED_ARTICLE:
            continue
        stem = name.removesuffix(".txt")
        assert stem in documented, f"{name}: missing from CORPUS.md"
        stated = split_article(SEEDS / name)[0].get("language")
        assert stated in (None, documented[stem]), f"{name}: CORPUS.md says {documented[stem]}"


def test_corpus_language_mix() -> None:
    langs = list(documented_languages().values())
    assert langs.count("de") + langs.count("en") >= 14
    assert min(langs.count("de"), langs.count("en")) >= 6
    assert langs.count("ru") >= 8
