"""The dashboard in a real headless Chromium: it renders offline, counts right, escapes tooltips.

Needs Debian's ``chromium`` (never ``playwright install``); skipped without it
unless ``REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dashboard import ui_map
from dashboard.store import Store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-dev-shm-usage"]
XSS = "<img src=x onerror=alert(1)>"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(xss_db: Path) -> Iterator[str]:
    """``protestmap serve`` on a free port, killed (with its children) afterwards."""
    port = free_port()
    protestmap = Path(sys.executable).with_name("protestmap")
    log = (ARTIFACTS / "server.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen([str(protestmap), "serve", "--db", str(xss_db), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dashboard did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1500, "height": 1200})
            pg.set_default_timeout(60_000)
            pg.dialogs = []  # type: ignore[attr-defined]
            pg.offsite = []  # type: ignore[attr-defined]
            pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
            pg.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:"))
                  else pg.offsite.append(r.url))  # type: ignore[attr-defined]
            pg.goto(server)
            pg.wait_for_selector('[data-testid="stMetric"]')
            pg.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
            pg.wait_for_timeout(3000)
            yield pg
        finally:
            browser.close()


def metric_values(pg: object) -> dict[str, str]:
    labels = pg.locator('[data-testid="stMetricLabel"]').all_inner_texts()  # type: ignore[attr-defined]
    values = pg.locator('[data-testid="stMetricValue"]').all_inner_texts()  # type: ignore[attr-defined]
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def screen_xy(pg: object, frame: pd.DataFrame, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the map canvas, from the page's fixed initial view of ``frame``."""
    view = ui_map.initial_view(frame, ui_map.load_outline())
    box = pg.locator('[data-testid="stDeckGlJsonChart"] canvas').first.bounding_box()  # type: ignore[attr-defined]
    scale = 512 * 2 ** view.zoom

    def project(la: float, lo: float) -> tuple[float, float]:
        y = math.log(math.tan(math.pi / 4 + math.radians(la) / 2))
        return (lo + 180) / 360 * scale, (1 - y / math.pi) / 2 * scale

    cx, cy = project(view.latitude, view.longitude)
    px, py = project(lat, lon)
    return box["x"] + box["width"] / 2 + px - cx, box["y"] + box["height"] / 2 + py - cy


def test_page_renders_offline_with_the_seed_counters(page: object) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
    shown = metric_values(page)
    assert (shown["Killed"], shown["Injured"], shown["Arrested"]) == ("26", "18", "3,000+")
    assert page.offsite == []  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)  # type: ignore[attr-defined]


def test_tooltip_shows_article_html_as_text(page: object, xss_db: Path) -> None:
    with Store(xss_db) as store:
        frame = store.events_frame()
    (row,) = frame[frame["evidence"].str.contains("onerror", regex=False)].itertuples()
    x, y = screen_xy(page, frame, row.latitude, row.longitude)
    tooltip = page.locator(".deck-tooltip")  # type: ignore[attr-defined]
    for dx, dy in [(0, 0), (2, 0), (-2, 0), (0, 2), (0, -2), (4, 4), (-4, -4)]:
        page.mouse.move(x + dx, y + dy)  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]
        if tooltip.count() and XSS in tooltip.first.inner_text():
            break
    text = tooltip.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tooltip.png"))  # type: ignore[attr-defined]
    assert XSS in text and "[x](javascript:alert(1))" in text
    assert tooltip.first.locator("img").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_brushing_the_timeline_narrows_the_counters(page: object) -> None:
    before = int(metric_values(page)["Events"].replace(",", ""))
    chart = page.locator('[data-testid="stVegaLiteChart"]').first  # type: ignore[attr-defined]
    box = chart.bounding_box()
    y = box["y"] + 30
    page.mouse.move(box["x"] + box["width"] * 0.2, y)  # type: ignore[attr-defined]
    page.mouse.down()  # type: ignore[attr-defined]
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=10)  # type: ignore[attr-defined]
    page.mouse.up()  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "brushed.png"))  # type: ignore[attr-defined]
    page.get_by_text("Brushed").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    after = int(metric_values(page)["Events"].replace(",", ""))
    assert 0 < after < before
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]


def test_clicking_a_place_selects_its_rows_and_keeps_the_view(page: object, xss_db: Path) -> None:
    with Store(xss_db) as store:
        frame = store.events_frame()
    placed = frame[(frame["kind"] == "incident") & frame["geo_precision"].isin([1, 2, 3])]
    row = placed[placed["location"] == "Shymkent"].iloc[0]
    x, y = screen_xy(page, frame, row["latitude"], row["longitude"])
    page.mouse.click(x, y)  # type: ignore[attr-defined]
    page.get_by_text("selected on the map are listed first").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    page.mouse.move(x + 30, y + 30)  # type: ignore[attr-defined]
    page.mouse.move(x, y)  # type: ignore[attr-defined]
    tooltip = page.locator(".deck-tooltip").first  # type: ignore[attr-defined]
    tooltip.wait_for(timeout=10_000)
    assert "Shymkent" in tooltip.inner_text(), "the camera moved: the point is no longer under the mouse"
