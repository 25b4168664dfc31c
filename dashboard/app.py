"""The Streamlit page: widgets only; the logic is in ``dashboard.query`` and ``dashboard.ui_*``.

Run with ``protestmap serve`` (or ``streamlit run dashboard/app.py``); the
database is ``$PROTESTMAP_DB`` or ``dashboard.paths.default_db_path()``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
import streamlit as st

from dashboard import query, ui_data, ui_map, ui_state, ui_table, ui_timeline
from dashboard.errors import BadInput, ProtestmapError
from dashboard.paths import default_db_path
from dashboard.ui_format import format_figure, format_number, format_range, plain, plural

INLINE_DOWNLOAD_ROWS = 2_000
SHOWN_COLUMNS = [
    "event_id", "cluster_id", "merge_reason", "article_id", "kind", "event_date", "date_end",
    "event_type", "location", "latitude", "longitude", "geo_precision", "fatalities", "injuries",
    "arrests", "crowd_size", "evidence", "source", "language", "source_url",
]
PLAY_SECONDS = 1.0
FILTER_FIELDS = {
    "cities": "f_cities", "regions": "f_regions", "event_types": "f_types",
    "sources": "f_sources", "languages": "f_languages", "geo_precision": "f_geo",
}


@st.cache_resource(show_spinner="Loading events…", max_entries=2)
def load_events(db_path: str, version: tuple[int, int]) -> pd.DataFrame:
    """All events of the db at ``db_path``; ``version`` keys the cache to the file's state.

    One shared frame, never modified (``cache_resource``: no copy per rerun), so the
    query layer's per-frame memos (masks, text index, timeline) last across reruns.
    """
    events = query.as_query_frame(ui_data.read_events(Path(db_path)))
    query.prepare(events)
    return events


@st.cache_data(max_entries=4)
def base_map(db_path: str, version: tuple[int, int]) -> tuple[Any, Any]:
    """The outline and the camera, from the unfiltered data so reruns keep the view."""
    outline = ui_map.load_outline()
    return outline, ui_map.initial_view(load_events(db_path, version), outline)


@st.cache_data(max_entries=4)
def data_facts(db_path: str, version: tuple[int, int]) -> dict[str, Any]:
    """What the sidebar and the timeline need from the whole data: spans, choices, city counts."""
    df_all = load_events(db_path, version)
    cities = query.city_counts(df_all).astype({"location": str})
    span = ui_state.data_span(df_all)
    return {
        "span": span,
        "articles": int(df_all["article_id"].nunique()),
        "focus": ui_timeline.focus_span(query.timeline_bins(df_all)) or span,
        "city_counts": dict(zip(cities["location"], cities["events"].astype(int))),
        "choices": {
            "cities": cities["location"].tolist(),
            "regions": ui_state.options(df_all, "admin1"),
            "event_types": ui_state.options(df_all, "event_type"),
            "sources": ui_state.options(df_all, "source"),
            "languages": ui_state.options(df_all, "language"),
            "geo_precision": [str(k) for k in ui_state.GEO_PRECISION_LABELS],
        },
    }


def main() -> None:
    st.set_page_config(page_title="protestmap", page_icon="🗺️", layout="wide")
    db = Path(default_db_path())
    version = ui_data.db_version(db)
    try:
        df_all = load_events(str(db), version)
    except ProtestmapError as exc:
        st.error(plain(exc))
        return
    sidebar_upload(db)
    if df_all.empty:
        empty_page(db)
        return
    facts = data_facts(str(db), version)
    span, focus = facts["span"], facts["focus"]
    side = sidebar_filters(facts["choices"], facts["city_counts"], span)
    side_mask = query.filter_mask(df_all, side)
    window = ui_timeline.brush_dates(st.session_state.get("timeline"))
    play = play_state(focus)
    active = ui_state.narrow(ui_state.narrow(side, window), play)
    mask = side_mask if active == side else query.filter_mask(df_all, active)
    df = rows(df_all, mask, SHOWN_COLUMNS)

    st.title("protestmap")
    st.caption(plain(f"{len(df_all):,} reports in {facts['articles']:,} articles · database {db}"))
    counters(query.totals(df_all, active), int((df["kind"] == "tally").sum()))
    if df.empty:
        st.info(no_rows_text(active, span))
    map_col, time_col = st.columns([3, 2], gap="medium")
    with time_col:
        timeline(query.timeline_bins(df_all, side_mask), focus, window)
        play_controls(focus)
    with map_col:
        selected = event_map(df, db, version)
    tables(df, selected)
    downloads(df_all, mask)


def rows(df_all: pd.DataFrame, mask: Any, columns: list[str]) -> pd.DataFrame:
    """The rows of ``mask`` in ``columns`` only: the page copies what it shows, not 40-odd columns."""
    part = df_all[columns]
    return part if mask.all() else part[mask]


def empty_page(db: Path) -> None:
    st.title("protestmap")
    st.info(
        f"No events yet in {db}. Add articles with the command line, for example "
        "`protestmap ingest seeds/`, or upload .txt, .md, .html or .jsonl files with "
        "“Add articles” in the sidebar. Then this page shows the map, the timeline, the "
        "counters and the table."
    )


def sidebar_filters(choices: dict[str, list[str]], counts: dict[str, int],
                    span: tuple[date, date] | None) -> Any:
    """The filter widgets, seeded from the URL on first load and written back to it."""
    first, last = span or (date.today(), date.today())
    if "f_loaded" not in st.session_state:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        try:
            from_url = query.Filters.from_query_params(params)
        except BadInput as exc:
            st.warning(plain(f"Address bar filters ignored: {exc}"))
            from_url = query.Filters()
        from_url, dropped = ui_state.url_defaults(from_url, choices)
        for name, key in FILTER_FIELDS.items():
            st.session_state[key] = list(getattr(from_url, name))
        st.session_state["f_dates"] = (from_url.since or first, from_url.until or last)
        st.session_state["f_text"] = from_url.text
        st.session_state["f_loaded"] = True
        if dropped:
            st.toast(plain("Not in the data, ignored: " + "; ".join(dropped)))
    since, until = ui_state.date_pair(st.session_state["f_dates"])
    with st.sidebar:
        st.header("Filters")
        st.multiselect("City", choices["cities"], key="f_cities",
                       format_func=lambda c: f"{c} ({counts.get(c, 0):,})")
        st.multiselect("Region", choices["regions"], key="f_regions")
        st.multiselect("Event type", choices["event_types"], key="f_types")
        dates = st.date_input("Dates", key="f_dates", min_value=min(first, since or first),
                              max_value=max(last, until or last))
        st.multiselect("Source", choices["sources"], key="f_sources")
        st.multiselect("Language", choices["languages"], key="f_languages")
        text = st.text_input("Text in evidence", key="f_text")
        st.multiselect("Place precision", [int(k) for k in choices["geo_precision"]], key="f_geo",
                       format_func=lambda k: ui_state.GEO_PRECISION_LABELS[k])
    lo, hi = ui_state.date_pair(dates)
    filters = query.Filters(
        cities=tuple(st.session_state["f_cities"]), regions=tuple(st.session_state["f_regions"]),
        event_types=tuple(st.session_state["f_types"]), sources=tuple(st.session_state["f_sources"]),
        languages=tuple(st.session_state["f_languages"]),
        since=None if lo == first else lo, until=None if hi == last else hi,
        text=text.strip(), geo_precision=tuple(int(k) for k in st.session_state["f_geo"]),
    )
    params = filters.to_query_params()
    if params != {k: st.query_params.get_all(k) for k in st.query_params}:
        st.query_params.from_dict(params)
    return filters


def play_state(span: tuple[date, date] | None) -> tuple[date | None, date | None] | None:
    """The date window the play control asks for (``None`` when showing all days)."""
    if span is None:
        return None
    if st.session_state.get("play_day") not in ui_state.days(*span):
        st.session_state["play_day"] = span[1]
    st.session_state.setdefault("play_mode", ui_state.PLAY_MODES[0])
    return ui_state.play_window(st.session_state["play_day"], st.session_state["play_mode"])


def play_controls(span: tuple[date, date] | None) -> None:
    if span is None or span[0] == span[1]:
        return
    all_days = ui_state.days(*span)
    st.select_slider("Day", options=all_days, key="play_day",
                     format_func=lambda d: d.strftime("%d %b %Y"))
    mode_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    mode_col.radio("Show", ui_state.PLAY_MODES, key="play_mode", horizontal=True,
                   label_visibility="collapsed")
    playing = st.session_state.get("playing", False)
    button_col.button("■ stop" if playing else "▶ play", key="play_button",
                      on_click=toggle_play, args=(all_days,))
    if playing:
        st.session_state["play_fresh"] = True
        play_ticker(all_days)


def toggle_play(all_days: list[date]) -> None:
    """Start or stop playing; starting from "all days" plays cumulatively from the first day."""
    st.session_state["playing"] = not st.session_state.get("playing", False)
    if st.session_state["playing"] and st.session_state["play_mode"] == ui_state.PLAY_MODES[0]:
        st.session_state["play_mode"] = ui_state.PLAY_MODES[1]
        st.session_state["play_day"] = all_days[0]


@st.fragment(run_every=PLAY_SECONDS)
def play_ticker(all_days: list[date]) -> None:
    """Every ``PLAY_SECONDS`` while playing: step one day and rerun the whole page."""
    if st.session_state.pop("play_fresh", False):
        return
    if st.session_state.get("playing"):
        st.session_state["play_day"] = ui_state.next_day(st.session_state["play_day"], all_days)
        st.rerun(scope="app")


def counters(totals: Any, n_tallies: int) -> None:
    """Five metrics with one short line each; how they were obtained in full below them."""
    cols = st.columns(5)
    figures = (("Killed", totals.killed), ("Injured", totals.injured),
               ("Arrested", totals.arrested))
    for col, (label, fig) in zip(cols[:3], figures):
        col.metric(label, format_figure(fig), delta=format_range(fig), delta_color="off",
                   delta_arrow="off", help=plain(fig.method), border=True)
        col.caption(plain(fig.summary))
    cols[3].metric("Events", format_number(totals.events), border=True,
                   help="Incidents: one per real event, however many articles report it. "
                        "Authority tallies (running totals) are counted apart.")
    tallies = f" + {plural(n_tallies, 'authority tally', 'authority tallies')}" if n_tallies else ""
    cols[3].caption(plain(f"{plural(totals.events, 'incident', 'incidents')}{tallies}"))
    crowd = totals.largest_crowd
    cols[4].metric("Largest crowd", format_figure(crowd) if crowd.high else "—",
                   delta=format_range(crowd), delta_color="off", delta_arrow="off",
                   help=plain(crowd.method), border=True)
    cols[4].caption(plain(crowd.summary))
    with st.expander("How these figures were obtained"):
        for label, fig in (*figures, ("Largest crowd", crowd)):
            st.markdown(f"**{label}**: {plain(fig.method)}")
        if totals.note:
            st.markdown(plain(f"Note: {totals.note}."))
        st.caption("Incidents add up; an authority's tally is a running total that replaces "
                   "neither the incidents it summarises nor its own earlier figures; the larger "
                   "of a scope's tally and its incidents is shown. Figures of other authorities "
                   "stated within a day of the headline figure are competing claims (the range).")


def no_rows_text(f: Any, span: tuple[date, date] | None) -> str:
    covered = f"{span[0]:%d %b %Y} – {span[1]:%d %b %Y}" if span else "no dates"
    return ("No events match these filters, so every counter is zero. The data covers "
            f"{covered}; widen the dates or remove a filter in the sidebar.")


def timeline(bins: pd.DataFrame, span: tuple[date, date] | None,
             window: tuple[date, date] | None) -> None:
    st.subheader("Timeline")
    if span is None:
        st.caption("No dated events.")
        return
    days = pd.to_datetime(bins["date"]).dt.date
    shown = bins[(days >= span[0]) & (days <= span[1])]
    st.altair_chart(ui_timeline.timeline_chart(shown, first=span[0], last=span[1]),
                    key="timeline", on_select="rerun", selection_mode=ui_timeline.BRUSH,
                    width="stretch")
    if window:
        st.caption(f"Brushed {window[0]:%d %b} – {window[1]:%d %b %Y}: map, table and counters "
                   "show only these days. Click the chart outside the brush to clear it.")
    else:
        st.caption("Drag across days to narrow the map, table and counters. Events spanning "
                   "several days are counted on each day.")
    outside = int(bins["events"].sum() - shown["events"].sum())
    if outside:
        st.caption(f"{outside:,} event-day{'s' * (outside != 1)} dated outside "
                   f"{span[0]:%d %b} – {span[1]:%d %b %Y} not drawn here; they are in the table "
                   "and the counters.")


def event_map(df: pd.DataFrame, db: Path, version: tuple[int, int]) -> pd.Series:
    """Draw the map; return which rows of ``df`` are selected by a click on it."""
    outline, view = base_map(str(db), version)
    incidents = df[df["kind"] != "tally"]
    placed = incidents["geo_precision"].isin([1, 2, 3]).to_numpy(dtype=bool, na_value=False)
    points = ui_map.place_points(incidents[placed])
    c1, c2 = st.columns(2)
    hexagons = c1.toggle("Density (hexagons)", key="map_hexagons")
    online = c2.checkbox("Online basemap", key="map_online",
                         help="Fetch map tiles from CARTO; off by default so the map works offline.")
    state = st.pydeck_chart(
        ui_map.build_deck(points, view=view, outline=outline, hexagons=hexagons, online=online),
        key="map", on_select="rerun", selection_mode="multi-object",
        width=ui_map.MAP_WIDTH, height=ui_map.MAP_HEIGHT,
    )
    types = sorted(incidents[placed]["event_type"].dropna().astype(str).unique())
    st.markdown(ui_map.legend_html(types), unsafe_allow_html=True)
    unplaced = len(incidents) - int(placed.sum())
    st.caption(
        (f"Density: incidents per hexagon of {ui_map.HEXAGON_METRES // 1000} km, from pale (few) "
         "to dark red (many). " if hexagons else
         "One dot per place: incidents there are combined, each counted once however many "
         "articles report it (the tooltip says how many sources and languages); dot size grows "
         "with people killed and injured, colour is the most frequent type there. ")
        + "Authority tallies are in the counters and the table, not on the map"
        + (f"; so are {unplaced:,} reports placed only as “somewhere in the country”." if unplaced
           else ".")
        + ("" if outline else " No country outline found in gazetteer/data/.")
    )
    return ui_map.selected_mask(df, state)


def tables(df: pd.DataFrame, selected: pd.Series) -> None:
    n_selected = int(selected.sum())
    st.subheader("Events")
    if n_selected:
        st.caption(f"{n_selected:,} reports selected on the map are listed first and ticked.")
    incidents_tab, reports_tab = st.tabs(["Incidents", "Every report"])
    with incidents_tab:
        shown = ui_table.incident_table(df, selected)
        n_clusters = int(df["cluster_id"].nunique()) if len(df) else 0
        st.caption(plain(
            "One row per incident: reports of the same event in several articles are merged; "
            "a count is a range when they differ."
            + (f" Showing the first {len(shown):,} of {n_clusters:,}." if n_clusters > len(shown)
               else "")))
        st.dataframe(shown, hide_index=True, column_config=ui_table.column_config(numbers=False),
                     width="stretch", placeholder="", key="table_incidents")
    with reports_tab:
        shown = ui_table.report_table(df, selected)
        st.caption(plain(
            "Every report with its own figures and why it joined its incident."
            + (f" Showing the first {len(shown):,} of {len(df):,}; the downloads have all."
               if len(df) > len(shown) else "")))
        st.dataframe(shown, hide_index=True, column_config=ui_table.column_config(numbers=True),
                     width="stretch", placeholder="", key="table_reports")


def downloads(df_all: pd.DataFrame, mask: Any) -> None:
    c1, c2, _ = st.columns([1, 1, 4])
    inline = int(mask.sum()) <= INLINE_DOWNLOAD_ROWS

    def export(fmt: Any) -> Any:
        return fmt(rows(df_all, mask, list(df_all.columns)))

    c1.download_button(
        "Download CSV", export(query.export_csv) if inline else lambda: export(query.export_csv),
        file_name="protestmap-events.csv", mime="text/csv", key="dl_csv")
    c2.download_button(
        "Download GeoJSON",
        export(query.export_geojson) if inline else lambda: export(query.export_geojson),
        file_name="protestmap-events.geojson", mime="application/geo+json", key="dl_geojson")


def sidebar_upload(db: Path) -> None:
    with st.sidebar.expander("Add articles"):
        files = st.file_uploader(
            "Articles", type=list(ui_data.UPLOAD_TYPES), accept_multiple_files=True,
            max_upload_size=ui_data.UPLOAD_LIMIT_MB, key=f"upload_{st.session_state.get('uploads', 0)}",
            help=f".txt/.md (optional YAML front matter), .html, .jsonl; up to "
                 f"{ui_data.UPLOAD_LIMIT_MB} MB each.")
        if files and st.button("Add to the database", key="upload_add"):
            with st.spinner("Reading and coding articles…"):
                report = ui_data.add_uploads(files, db)
            st.session_state["upload_report"] = report
            st.session_state["uploads"] = st.session_state.get("uploads", 0) + 1
            load_events.clear()
            base_map.clear()
            data_facts.clear()
            st.rerun()
        last: ui_data.UploadReport | None = st.session_state.get("upload_report")
        if last is not None:
            for line in last.errors:
                st.error(plain(line))
            st.success(last.summary())


if __name__ == "__main__":
    main()
