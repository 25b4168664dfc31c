"""The protestmap command line: documented, filters, JSON outputs, exports, exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from dashboard import cli
from dashboard.cli import app
from dashboard.store import Store
from dashboard.types import Article, Count, Event, Place

ROOT = Path(__file__).parents[1]
SEED = ROOT / "seeds" / "000_6e6f88a621e68b95.txt"
ALMATY = Place("Almaty", 43.25249, 76.9115, admin1="Almaty City", country="KZ", kind="city")
AKTAU = Place("Aktau", 43.65, 51.2, admin1="Mangystau Region", country="KZ", kind="city")
KAZAKHSTAN = Place("Kazakhstan", 48.0, 68.0, country="KZ", kind="country")


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Command line\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Command line' section"
    return match.group(1)


def all_commands() -> dict[str, click.Command]:
    """Every command by its full name, sub-commands too ("review split")."""
    found = {}
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        found[name] = command
        for sub, subcommand in getattr(command, "commands", {}).items():
            found[f"{name} {sub}"] = subcommand
    return found


COMMANDS = all_commands()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_readme(name: str) -> None:
    section = readme_section()
    assert f"protestmap {name}" in section
    for param in COMMANDS[name].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in section, f"{name} {opt} is not documented in README.md"


def event(article_id: str, place: Place, day: int, kind: str = "incident",
          **counts: Count) -> Event:
    return Event(article_id=article_id, event_date=date(2022, 1, day), event_type="Riots",
                 sub_event_type="Violent demonstration", kind=kind,  # type: ignore[arg-type]
                 place=place, evidence=f"Something happened in {place.name}.",
                 tally_authority="Interior Ministry" if kind == "tally" else "",
                 tally_group="all" if kind == "tally" else "", **counts)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "events.duckdb"
    a1 = Article(article_id="a1", text="Almaty.", language="de", source="Rundschau",
                 published=date(2022, 1, 7), url="https://example.com/1")
    a2 = Article(article_id="a2", text="Aktau.", language="en", source="=cmd|' /C calc'!A0",
                 published=date(2022, 1, 8))
    with Store(path) as store:
        store.add([
            (a1, [event("a1", ALMATY, 5, fatalities=Count(8)),
                  event("a1", KAZAKHSTAN, 7, "tally", fatalities=Count(26),
                        arrests=Count(3000, "at least"))]),
            (a2, [event("a2", AKTAU, 6, crowd_size=Count(3000, "about"), arrests=Count(12))]),
        ])
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args, locations", [
    ([], ["Almaty", "Aktau", "Kazakhstan"]),
    (["--city", "Almaty"], ["Almaty"]),
    (["--city", "Almaty", "--city", "Aktau"], ["Almaty", "Aktau"]),
    (["--since", "2022-01-06"], ["Aktau", "Kazakhstan"]),
    (["--until", "2022-01-05"], ["Almaty"]),
    (["--language", "en"], ["Aktau"]),
    (["--source", "Rundschau"], ["Almaty", "Kazakhstan"]),
    (["--search", "Aktau"], ["Aktau"]),
    (["--region", "Mangystau Region"], ["Aktau"]),
])
def test_events_json_filters(db: Path, args: list[str], locations: list[str]) -> None:
    code, out, _ = run("events", "--db", db, "--json", *args)
    assert code == 0
    rows = json.loads(out)
    assert sorted(r["location"] for r in rows) == sorted(locations)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["event_date"]) for r in rows)


def test_events_table(db: Path) -> None:
    code, out, _ = run("events", "--db", db, "--city", "Aktau")
    assert code == 0
    assert "Aktau" in out and "Almaty" not in out


def test_totals_json_has_plain_numbers_and_details(db: Path) -> None:
    code, out, _ = run("totals", "--db", db, "--json")
    assert code == 0
    totals = json.loads(out)
    assert isinstance(totals["killed"], int) and isinstance(totals["arrested"], int)
    assert totals["killed"] == 26
    assert "details" in totals
    assert list(totals) == sorted(totals)


def test_totals_text_says_how(db: Path) -> None:
    code, out, _ = run("totals", "--db", db)
    assert code == 0
    assert re.search(r"^killed: 26", out, re.MULTILINE)
    assert "arrested:" in out and "injured:" in out


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_export_writes_the_filtered_rows_and_a_manifest(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out" / f"almaty.{fmt}"
    code, _, _ = run("export", "--db", db, "--format", fmt, "--out", out, "--city", "Almaty")
    assert code == 0
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["rows"] == 1
    assert manifest["format"] == fmt
    assert manifest["filters"] == {"city": ["Almaty"]}
    if fmt == "csv":
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2 and "Almaty" in lines[1]
    else:
        features = json.loads(out.read_text())["features"]
        assert [f["geometry"]["coordinates"] for f in features] == [[76.9115, 43.25249]]


def test_export_neutralises_formula_cells(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert run("export", "--db", db, "--format", "csv", "--out", out)[0] == 0
    assert "\n=cmd" not in out.read_text() and ",=cmd" not in out.read_text()


@pytest.mark.parametrize("command", ["events", "totals"])
def test_missing_database_is_one_clear_error(tmp_path: Path, command: str) -> None:
    code, _, err = run(command, "--db", tmp_path / "none.duckdb")
    assert code == 1
    assert err.strip() == f"error: {tmp_path / 'none.duckdb'}: no database there yet; " \
                          "run `protestmap ingest` first"


@pytest.mark.parametrize("query, code, expected", [
    ("Almaty", 0, {"name": "Almaty", "country": "KZ", "kind": "city", "geo_precision": 2}),
    ("Жанаозене", 0, {"name": "Zhanaozen", "region": "Mangystau Region"}),
    ("Qwxzyville", 1, None),
])
def test_geocode(query: str, code: int, expected: dict[str, object] | None) -> None:
    exit_code, out, _ = run("geocode", query, "--json")
    assert exit_code == code
    found = json.loads(out)
    if expected is None:
        assert found is None
        assert run("geocode", query)[1].strip() == "no match"
    else:
        assert found.items() >= expected.items()
        assert isinstance(found["latitude"], float)


@pytest.mark.parametrize("args, address, port", [
    ([], "127.0.0.1", "8501"),
    (["--port", "9000", "--address", "0.0.0.0"], "0.0.0.0", "9000"),
])
def test_serve_runs_streamlit_locally_with_the_db(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], address: str,
        port: str) -> None:
    calls = []
    monkeypatch.setattr(cli.subprocess, "call",
                        lambda command, env: calls.append((command, env)) or 0)
    code, _, _ = run("serve", "--db", tmp_path / "x.duckdb", *args)
    assert code == 0
    command, env = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == ROOT / "dashboard" / "app.py"
    options = dict(zip(command[5::2], command[6::2]))
    assert options == {"--server.port": port, "--server.address": address,
                       "--server.headless": "true", "--browser.gatherUsageStats": "false"}
    assert env["PROTESTMAP_DB"] == str(tmp_path / "x.duckdb")


@pytest.mark.parametrize("args, message", [
    (["--language", "fr"], "language 'fr' is not supported (de, en, ru)"),
    (["--published", "2022-13-45"], "published '2022-13-45' is not a date (YYYY-MM-DD)"),
])
def test_ingest_refuses_bad_defaults(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = run("ingest", SEED, "--db", tmp_path / "e.duckdb", *args)
    assert code == 2
    assert message in err


PROTESTMAP = str(Path(sys.executable).with_name("protestmap"))


def protestmap(*args: object,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROTESTMAP, *map(str, args)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_ingest_end_to_end_with_a_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    db = tmp_path / "e.duckdb"
    first = protestmap("ingest", folder, "--db", db)
    assert first.returncode == 1
    assert first.stderr.strip() == f"{folder / 'empty.txt'}: file is empty"
    assert "1 added" in first.stdout
    assert "\x1b[" not in first.stdout + first.stderr
    again = protestmap("ingest", folder / "seed.txt", env={"PROTESTMAP_DB": str(db)})
    assert (again.returncode, again.stderr) == (0, "")
    assert "0 added, 1 already stored" in again.stdout
    assert protestmap("ingest", folder / "seed.txt", "--db", db, "--quiet").stdout == ""
    with Store(db) as store:
        assert len(store.articles_frame()) == 1
        assert len(store.events_frame()) > 0


def test_evaluate_scores_the_seed_against_its_gold() -> None:
    code, out, err = run("evaluate", ROOT / "tests" / "data" / "seed_events.csv", SEED, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert list(report) == sorted(report)
    assert [a["article"] for a in report["articles"]] == [SEED.name]
    assert report["totals"]["expected"]["killed"] == 26
    assert report["unscored_articles"] == []


def test_ingest_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([PROTESTMAP, "ingest", SEED, "--db", tmp_path / "e.duckdb"],
                               cwd=ROOT, stdin=follower, stdout=follower, stderr=follower,
                               env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=300) == 0
    os.close(leader)
    text = output.decode("utf-8", "replace")
    assert re.search(r"1 articles, \d+ events, 0 errors", text)
    assert "1 added" in text


def reject_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_events_json_uses_null_for_missing_values(db: Path, tmp_path: Path) -> None:
    with Store(db) as store:
        store.add([(Article(article_id="a3", text="Undated.", language="en"),
                    [Event(article_id="a3", event_date=None, event_type="Protests",
                           sub_event_type="Peaceful protest", kind="incident",
                           place=Place("Somewhere", None, None), evidence="Undated.")])])
    code, out, _ = run("events", "--db", db, "--json", "--search", "Undated", "--all-reports")
    assert code == 0
    (row,) = json.loads(out, parse_constant=reject_constant)
    assert (row["event_date"], row["latitude"], row["injuries"], row["published"]) == (
        None, None, None, None)
    code, out, _ = run("events", "--db", db, "--json", "--search", "Undated")
    (event,) = json.loads(out, parse_constant=reject_constant)
    assert (event["event_date"], event["latitude"], event["counts"]) == (None, None, {})
    assert event["reports"][0]["published"] is None


@pytest.fixture
def twice_reported(tmp_path: Path) -> Path:
    """The Almaty riot of 5 Jan told by a German and a Russian article, Aktau by one."""
    path = tmp_path / "events.duckdb"
    with Store(path) as store:
        store.add([
            (Article(article_id="de", text="de", language="de", source="Rundschau"),
             [event("de", ALMATY, 5, fatalities=Count(8)), event("de", AKTAU, 5)]),
            (Article(article_id="ru", text="ru", language="ru", source="Vecherny"),
             [event("ru", ALMATY, 5, fatalities=Count(13))]),
        ])
    return path


def test_events_show_one_row_per_event_with_its_sources(twice_reported: Path) -> None:
    code, out, _ = run("events", "--db", twice_reported, "--json")
    assert code == 0
    aktau, almaty = sorted(json.loads(out), key=lambda e: e["location"])
    assert (almaty["label"], almaty["languages"]) == ("2 sources in 2 languages", "de, ru")
    assert almaty["counts"] == {"fatalities": {"low": 8, "high": 13}}
    assert sorted((r["language"], r["fatalities"]) for r in almaty["reports"]) == [
        ("de", 8), ("ru", 13)]
    assert sorted(r["merge_reason"] for r in almaty["reports"])[1].startswith("same place Almaty")
    assert {r["event_id"] for r in almaty["reports"]} >= {almaty["cluster_id"]}
    assert (aktau["label"], aktau["counts"]) == ("1 source in 1 language", {})


def test_events_table_shows_sources_and_ranges(twice_reported: Path) -> None:
    result = CliRunner().invoke(app, ["events", "--db", str(twice_reported), "--city", "Almaty"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "1 events from 2 reports" in flat
    assert "killed 8–13" in flat and "2 sources in 2 languages:" in flat


@pytest.mark.parametrize("flag", ["--all-reports", "--sources"])
def test_all_reports_lists_each_report_with_language_and_evidence(twice_reported: Path,
                                                                  flag: str) -> None:
    code, out, _ = run("events", "--db", twice_reported, flag, "--json")
    assert code == 0
    rows = json.loads(out)
    assert sorted((r["language"], r["location"]) for r in rows) == [
        ("de", "Aktau"), ("de", "Almaty"), ("ru", "Almaty")]
    assert len({r["cluster_id"] for r in rows if r["location"] == "Almaty"}) == 1
    code, out, _ = run("events", "--db", twice_reported, flag)
    assert "3 reports" in out and "(ru)" in out


def test_export_has_one_row_per_report_with_its_cluster(twice_reported: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert run("export", "--db", twice_reported, "--out", out)[0] == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    almaty = [r for r in rows if r["location"] == "Almaty"]
    assert len(rows) == 3 and len(almaty) == 2
    assert almaty[0]["cluster_id"] == almaty[1]["cluster_id"]
    assert sorted(r["merge_reason"] != "" for r in almaty) == [False, True]


def review(db: Path, *args: object) -> tuple[int, str, str]:
    return run("review", *args, "--db", db)


def almaty_ids(db: Path) -> list[str]:
    with Store(db) as store:
        df = store.events_frame()
    return sorted(df.loc[df["location"] == "Almaty", "event_id"])


def test_review_split_list_and_undo(twice_reported: Path) -> None:
    _, second = almaty_ids(twice_reported)
    code, out, _ = review(twice_reported, "split", second, "--note", "other crowd")
    assert (code, out.strip()) == (0, f"review 1: {second} kept apart from other reports")
    events = json.loads(run("events", "--db", twice_reported, "--json", "--city", "Almaty")[1])
    assert [e["label"] for e in events] == ["1 source in 1 language"] * 2
    code, out, _ = review(twice_reported, "list", "--json")
    assert [(r["review_id"], r["event_id"], r["field"], r["value"], r["note"])
            for r in json.loads(out)] == [(1, second, "cluster", "split", "other crowd")]
    assert "1\t" in review(twice_reported, "list")[1]
    assert review(twice_reported, "undo", "1")[:2] == (0, "review 1 undone\n")
    assert review(twice_reported, "list")[1].strip() == "no reviews"
    events = json.loads(run("events", "--db", twice_reported, "--json", "--city", "Almaty")[1])
    assert [e["label"] for e in events] == ["2 sources in 2 languages"]


def test_review_set_corrects_the_counters(twice_reported: Path) -> None:
    first, _ = almaty_ids(twice_reported)
    code, _, _ = review(twice_reported, "set", first, "fatalities", "10", "--note", "ministry")
    assert code == 0
    totals = json.loads(run("totals", "--db", twice_reported, "--json")[1])
    assert (totals["details"]["killed"]["low"], totals["details"]["killed"]["high"]) in (
        (10, 13), (8, 10))


@pytest.mark.parametrize("args, message", [
    (["set", "nope", "fatalities", "3"], "error: review: no event with id 'nope'"),
    (["set", "{id}", "location", "Aktau"], "error: review: field 'location' cannot be corrected"),
    (["set", "{id}", "injuries", "some"],
     "error: review: injuries must be a whole number of people or empty, not 'some'"),
    (["set", "{id}", "event_date", "2022-02-30"],
     "error: review: event_date must be a date YYYY-MM-DD, not '2022-02-30'"),
    (["undo", "42"], "error: review: no review with id 42"),
])
def test_bad_reviews_are_one_line_errors(twice_reported: Path, args: list[str],
                                         message: str) -> None:
    event_id = almaty_ids(twice_reported)[0]
    code, _, err = review(twice_reported, *(a.format(id=event_id) for a in args))
    assert code == 1
    assert err.strip().startswith(message) and len(err.strip().splitlines()) == 1


def test_ingest_stops_the_early_server_when_the_database_cannot_be_opened(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dashboard.errors import StoreError
    from dashboard.runner import _server_pid

    def broken(db: Path | None, *, must_exist: bool = True) -> Store:
        assert _server_pid() is not None
        raise StoreError("cannot open")

    monkeypatch.setattr(cli, "_store", broken)
    with pytest.raises(StoreError):
        cli._run_ingest_early([ROOT / "seeds"], tmp_path / "e.duckdb", None, None, None, quiet=True)
    assert _server_pid() is None

