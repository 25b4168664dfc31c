"""The Streamlit page, driven headless with ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import cli
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
XSS_PIECES = ("<img src=x onerror=alert(1)>", "[x](javascript:alert(1))")


def run_app(db: Path, monkeypatch: pytest.MonkeyPatch, params: dict[str, list[str]] | None = None) -> AppTest:
    monkeypatch.setenv("PROTESTMAP_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=180)
    for key, values in (params or {}).items():
        at.query_params[key] = values
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def displayed(markdown: str) -> str:
    """What markdown source shows on screen once backslash escapes are applied."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, which: str = "reports") -> pd.DataFrame:
    """The incidents table (one row per cluster) or the table of every report."""
    incidents, reports = [d.value for d in at.dataframe]
    return {"incidents": incidents, "reports": reports}[which]


def events(db: Path) -> pd.DataFrame:
    from dashboard.store import Store

    with Store(db) as store:
        return store.events_frame()


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MemoryMediaFileStorage]]:
    """The in-memory file storages AppTest creates, to read download buttons' bytes."""
    made: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Recording)
    yield made


def test_seed_alone_shows_the_ministry_figures(seed_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(seed_db, monkeypatch)
    shown = metrics(at)
    assert (shown["Killed"], shown["Injured"], shown["Arrested"]) == ("26", "18", "3,000+")
    assert shown["Largest crowd"] in ("3,000", "~3,000")
    captions = [displayed(c.value) for c in at.caption]
    assert "Interior Ministry, 7 Jan 2022 · all of Kazakhstan" in captions
    assert f"{shown['Events']} incidents + 1 authority tally" in captions
    assert all(len(c) < 80 for c in captions[1:6]), (captions[1:6], "one short line per counter")
    (how,) = [e for e in at.expander if e.label == "How these figures were obtained"]
    assert "Interior Ministry tally of 7 Jan 2022" in displayed(" ".join(m.value for m in how.markdown))


def test_a_cluster_is_one_incident_row_with_its_sources(almaty_db: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(almaty_db, monkeypatch)
    incidents, reports = table(at, "incidents"), table(at, "reports")
    (akimat,) = incidents[incidents["place"] == "Almaty City Akimat"].itertuples()
    assert akimat.reports == "3 sources in 3 languages"
    assert akimat.killed == "8–13"
    assert akimat.sources.count(";") == 2
    assert len(reports) == len(events(almaty_db)) > len(incidents)
    assert set(reports["language"]) == {"de", "en", "ru"}
    assert reports["merged because"].str.startswith("same place").any()
    assert metrics(at)["Events"] == str(len(incidents))
    assert f"{len(incidents)} incidents" in [displayed(c.value) for c in at.caption]


def test_unstated_counts_are_empty_cells(almaty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(almaty_db, monkeypatch)
    assert [d.proto.placeholder for d in at.dataframe] == ["", ""], "a missing value shows empty"
    incidents = table(at, "incidents")
    assert (incidents["injured"] == "").any() and not incidents["injured"].isna().any()


def test_city_filter_counts_that_citys_incidents_not_the_country_tally(
        seed_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(seed_db, monkeypatch)
    at.sidebar.multiselect(key="f_cities").select("Almaty").run()
    assert not at.exception
    from dashboard.query import Filters, filter_events

    in_almaty = filter_events(events(seed_db), Filters(cities=("Almaty",)))
    incidents = in_almaty[in_almaty["kind"] == "incident"]
    shown = metrics(at)
    for label, column in (("Killed", "fatalities"), ("Injured", "injuries"), ("Arrested", "arrests")):
        assert shown[label].rstrip("+") == f"{int(incidents[column].fillna(0).sum()):,}", label
    assert shown["Killed"] != "26" and "Ministry" not in " ".join(c.value for c in at.caption)
    assert sorted(table(at)["place"]) == sorted(in_almaty["location"])
    assert "Almaty" in set(table(at)["place"])
    city = at.query_params["city"]
    assert (city if isinstance(city, list) else [city]) == ["Almaty"], "the filter is in the URL"


def test_dates_outside_the_data_show_zero_and_say_why(seed_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(seed_db, monkeypatch, {"since": ["2023-03-01"], "until": ["2023-03-31"]})
    shown = metrics(at)
    assert (shown["Killed"], shown["Injured"], shown["Arrested"], shown["Events"]) == ("0", "0", "0", "0")
    (info,) = [i.value for i in at.info]
    assert "No events match" in info and "Jan 2022" in info
    assert table(at).empty


@pytest.mark.parametrize("params, widget, expected", [
    ({"type": ["Protests"]}, "f_types", ["Protests"]),
    ({"city": ["Aktau", "Zhanaozen"]}, "f_cities", ["Aktau", "Zhanaozen"]),
])
def test_query_params_restore_a_shared_view(seed_db: Path, monkeypatch: pytest.MonkeyPatch,
                                            params: dict[str, list[str]], widget: str,
                                            expected: list[str]) -> None:
    at = run_app(seed_db, monkeypatch, params)
    assert at.sidebar.multiselect(key=widget).value == expected
    column = {"f_types": "type", "f_cities": "place"}[widget]
    shown = table(at)
    assert len(shown) and set(shown[column]) <= set(expected)


def test_a_malformed_address_is_ignored_with_a_warning(seed_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(seed_db, monkeypatch, {"since": ["2022-13-45"], "city": ["Atlantis"]})
    (warning,) = [displayed(w.value) for w in at.warning]
    assert "2022-13-45" in warning
    assert metrics(at)["Killed"] == "26"


def test_a_broken_database_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "events.duckdb"
    db.write_bytes(b"this is not a database")
    at = run_app(db, monkeypatch)
    (error,) = [displayed(e.value) for e in at.error]
    assert error.startswith(str(db)) and "\n" not in error


@pytest.mark.parametrize("fmt, label, params, cli_args", [
    ("csv", "Download CSV", {}, []),
    ("geojson", "Download GeoJSON", {}, []),
    ("csv", "Download CSV", {"city": ["Almaty"]}, ["--city", "Almaty"]),
    ("geojson", "Download GeoJSON", {"type": ["Riots"]}, ["--type", "Riots"]),
])
def test_downloads_are_the_cli_export(seed_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      media: list[MemoryMediaFileStorage], fmt: str, label: str,
                                      params: dict[str, list[str]], cli_args: list[str]) -> None:
    at = run_app(seed_db, monkeypatch, params)
    (button,) = [b for b in at.get("download_button") if b.proto.label == label]
    file_id = Path(button.proto.url).stem
    (downloaded,) = [m.get_file(file_id).content for m in media if file_id in m._files_by_id]
    out = tmp_path / f"export.{fmt}"
    cli("export", "--format", fmt, "--out", str(out), "--db", str(seed_db), *cli_args)
    assert downloaded == out.read_bytes()


def test_article_html_and_links_show_as_text(xss_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(xss_db, monkeypatch)
    evidence = " ".join(table(at)["evidence"].astype(str))
    assert all(piece in evidence for piece in XSS_PIECES)
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    assert not any("<img" in text or "](javascript" in text for text in rendered)
    (deck,) = at.get("deck_gl_json_chart")
    spec = json.loads(deck.proto.json)
    points = next(layer["data"] for layer in spec["layers"] if layer["id"] == "events")
    assert any(XSS_PIECES[0] in p["evidence"] for p in points), "tooltip data must be raw (Streamlit escapes it)"
    assert "&lt;" not in deck.proto.json
    assert not any(str(link).startswith("javascript") for link in table(at)["link"].dropna())


@pytest.mark.parametrize("make_db", ["missing file", "empty database"])
def test_empty_database_explains_how_to_add_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    make_db: str) -> None:
    from dashboard.store import Store

    db = tmp_path / "events.duckdb"
    if make_db == "empty database":
        with Store(db):
            pass
    at = run_app(db, monkeypatch)
    text = " ".join(i.value for i in at.info)
    assert "protestmap ingest seeds/" in text and "upload" in text.lower()
    assert not at.metric and len(at.file_uploader) == 1
    assert db.exists() == (make_db == "empty database")


def test_upload_adds_articles_and_bad_files_get_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import SEED

    at = run_app(tmp_path / "events.duckdb", monkeypatch)
    at.file_uploader[0].set_value([("seed.txt", SEED.read_bytes(), "text/plain"),
                                   ("empty.txt", b"", "text/plain")])
    at.run()
    at.button(key="upload_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = [displayed(e.value) for e in at.error]
    assert error.startswith("empty.txt:") and "\n" not in error
    assert next(s.value for s in at.success).startswith("1 article added")
    assert metrics(at)["Killed"] == "26"


@pytest.mark.parametrize("widget, layer_type, online", [
    (None, "ScatterplotLayer", False),
    ("map_hexagons", "HexagonLayer", False),
    ("map_online", "ScatterplotLayer", True),
])
def test_map_is_offline_unless_asked_and_every_layer_has_a_fixed_id(
        seed_db: Path, monkeypatch: pytest.MonkeyPatch, widget: str | None, layer_type: str,
        online: bool) -> None:
    at = run_app(seed_db, monkeypatch)
    if widget == "map_hexagons":
        at.toggle(key=widget).set_value(True).run()
    elif widget == "map_online":
        at.checkbox(key=widget).check().run()
    assert not at.exception
    (deck,) = at.get("deck_gl_json_chart")
    spec = json.loads(deck.proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert layers["outline"]["@@type"] == "GeoJsonLayer" and layers["outline"]["pickable"] is False
    assert any(layer["@@type"] == layer_type for layer in layers.values())
    assert all("pickable" in layer for layer in layers.values())
    assert spec.get("mapProvider") == ("carto" if online else None)
    assert str(spec.get("mapStyle", "")).startswith("https://") == online, "no tiles unless asked"
