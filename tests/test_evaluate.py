"""The scorer: matching rules, optional rows, count cells, totals, foreign places."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from dashboard.errors import BadInput
from dashboard.evaluate import GoldCount, evaluate
from dashboard.types import Article, Count, Event, Place

HEADER = ("article,gold_id,kind,location,country,latitude,longitude,max_km,event_type,"
          "sub_event_type_any_of,date_earliest,date_latest,fatalities,injuries,arrests,"
          "crowd_size,evidence_contains\n")
ROWS = [
    "a.txt,G1,incident,Almaty,KZ,43.25,76.91,10,Riots,Violent demonstration,2022-01-05,2022-01-06,8|12,,,,stormed",
    "a.txt,G2,incident,Aktau,KZ,43.66,51.17,10,Protests,Peaceful protest,2022-01-04,2022-01-04,,,,~,gathered",
    "a.txt,G3,optional,Kazakhstan,KZ,,,,Strategic developments,Other,2022-01-01,2022-01-31,,,,,emergency",
    "a.txt,T1,tally,Kazakhstan,KZ,,,,,,2022-01-07,2022-01-07,26,,3000,,ministry",
]
ALMATY = Place("Almaty", 43.25249, 76.9115, country="KZ", kind="city", matched="Almaty")
KZ = Place("Kazakhstan", 48.0, 68.0, country="KZ", kind="country", matched="Kasachstan")


@pytest.fixture()
def gold(tmp_path: Path) -> Path:
    path = tmp_path / "gold.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


ART = Article("id-a", "text", "de", path="seeds/a.txt", published=date(2022, 1, 7))


def ev(place: Place, day: int, etype: str = "Riots", sub: str = "Violent demonstration",
       kind: str = "incident", **counts: Count) -> Event:
    return Event(article_id="id-a", event_date=date(2022, 1, day), event_type=etype,
                 sub_event_type=sub, kind=kind, place=place, evidence="they stormed it", **counts)


@pytest.mark.parametrize(
    ("cell", "value", "ok"),
    [("8|12", 8, True), ("8|12", 12, True), ("8|12", 9, False), ("8|12", None, False),
     ("|12", None, True), ("|12", 12, True), ("|12", 3, False), ("~", 5, True), ("~", None, True),
     ("", None, True), ("", 4, False), ("26", 26, True)],
)
def test_gold_count_cells(cell: str, value: int | None, ok: bool) -> None:
    assert GoldCount.parse(cell).accepts(value) is ok


def test_perfect_prediction(gold: Path) -> None:
    events = [ev(ALMATY, 5, fatalities=Count(12)), ev(Place("Aktau", 43.66, 51.17, country="KZ", kind="city"), 4,
                                                    "Protests", "Peaceful protest"),
              ev(KZ, 7, "", "", "tally", fatalities=Count(26), arrests=Count(3000, "at least"))]
    d = evaluate(gold, [ART], events).as_dict()
    assert d["overall"]["incidents"] == {"tp": 2, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert d["overall"]["tallies"]["tp"] == 1
    assert d["overall"]["type_accuracy"] == 1.0 and d["overall"]["count_accuracy"] == 1.0
    assert d["totals"]["predicted"] == d["totals"]["expected"]
    json.dumps(d)


def test_place_too_far_or_date_outside_window_does_not_match(gold: Path) -> None:
    far = Place("Taraz", 42.9, 71.37, country="KZ", kind="city")
    d = evaluate(gold, [ART], [ev(far, 5), ev(ALMATY, 9)]).as_dict()["overall"]["incidents"]
    assert (d["tp"], d["fp"], d["fn"]) == (0, 2, 2)


def test_optional_row_neither_counts_for_nor_against(gold: Path) -> None:
    d = evaluate(gold, [ART], [ev(KZ, 6, "Strategic developments", "Other")]).as_dict()
    assert d["overall"]["incidents"]["fp"] == 0 and d["overall"]["incidents"]["tp"] == 0


def test_wrong_type_and_count_are_reported(gold: Path) -> None:
    d = evaluate(gold, [ART], [ev(ALMATY, 5, "Protests", "Peaceful protest", fatalities=Count(3))]).as_dict()
    [row] = d["articles"]
    assert row["type_errors"] == ["G1: Protests/Peaceful protest"]
    assert row["count_errors"] == ["G1 fatalities: predicted 3"]
    assert d["overall"]["type_accuracy"] == 0.0


def test_by_language_and_render(gold: Path) -> None:
    report = evaluate(gold, [ART], [ev(ALMATY, 5)])
    assert list(report.as_dict()["by_language"]) == ["de"]
    text = report.render()
    assert "incidents" in text and "missed: G2" in text


def test_article_without_gold_is_listed_unscored(gold: Path) -> None:
    other = Article("id-b", "x", "en", path="seeds/b.txt")
    assert evaluate(gold, [other], []).as_dict()["unscored_articles"] == ["b.txt"]


def test_event_at_orenburg_is_flagged(gold: Path) -> None:
    orenburg = Place("Orenburg", 51.77, 55.1, country="KZ", kind="city", matched="Tschkalow")
    assert evaluate(gold, [ART], [ev(orenburg, 5)]).foreign


def test_bad_gold_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "a.txt,G1,incident,Almaty,KZ,north,76.9,10,Riots,,2022-01-05,2022-01-06,,,,,x\n")
    with pytest.raises(BadInput, match=r"bad\.csv: line 2"):
        evaluate(path, [ART], [])


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # a region's figure never replaces the country's (700 arrests in Almaty Region)
        (["b.txt,R1,tally,Almaty Region,KZ,45.0,78.0,150,,,2022-01-12,2022-01-12,,,700,,region",
          "b.txt,C1,tally,Kazakhstan,KZ,,,,,,2022-01-11,2022-01-11,,,10000,,country"],
         {"killed": 0, "injured": 0, "arrested": 10000}),
        # side-by-side groups (id suffix -SEC) add up: 26 armed criminals + 18 officers
        (["b.txt,TALLY-X,tally,Kazakhstan,KZ,,,,,,2022-01-07,2022-01-07,26,,3000,,criminals",
          "b.txt,TALLY-X-SEC,tally,Kazakhstan,KZ,,,,,,2022-01-07,2022-01-07,18,748,,,officers"],
         {"killed": 44, "injured": 748, "arrested": 3000}),
    ],
)
def test_expected_totals_scope_and_groups(tmp_path: Path, rows: list[str], expected: dict[str, int]) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    art = Article("id-b", "text", "ru", path="seeds/b.txt", published=date(2022, 1, 12))
    assert evaluate(path, [art], []).totals_expected == expected
