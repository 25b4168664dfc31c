"""The ``protestmap`` command line: ingest, events, totals, export, review, geocode, serve,
evaluate.

Heavy modules (pandas, DuckDB, spaCy, the gazetteer) are imported inside the
commands, so ``protestmap --help`` answers at once.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dashboard.errors import ProtestmapError

if TYPE_CHECKING:
    from dashboard.query import Filters
    from dashboard.store import Store

app = typer.Typer(
    name="protestmap",
    help="Turn news articles about unrest into coded, geocoded events; browse, count, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Db = Annotated[Path | None, typer.Option(
    "--db", metavar="DB", help="DuckDB file (default: $PROTESTMAP_DB, else data/events.duckdb).",
    show_default=False)]
Json = Annotated[bool, typer.Option(
    "--json", help="Print one JSON document (sorted keys, ISO dates).")]
City = Annotated[list[str] | None, typer.Option(
    "--city", metavar="CITY", help="Only events in this city (repeatable).")]
Region = Annotated[list[str] | None, typer.Option(
    "--region", metavar="REGION", help="Only events in this region, admin1 (repeatable).")]
Type = Annotated[list[str] | None, typer.Option(
    "--type", metavar="TYPE", help="Only this ACLED event type (repeatable).")]
Since = Annotated[datetime | None, typer.Option(
    "--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
    help="Only events on or after this date.")]
Until = Annotated[datetime | None, typer.Option(
    "--until", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
    help="Only events on or before this date.")]
Source = Annotated[list[str] | None, typer.Option(
    "--source", metavar="SOURCE", help="Only events from this source (repeatable).")]
Lang = Annotated[list[str] | None, typer.Option(
    "--language", metavar="LANG", help="Only articles in this language: de, en, ru (repeatable).")]
Search = Annotated[str, typer.Option(
    "--search", metavar="TEXT", help="Only events whose evidence or place contains this text.")]


class Format(str, Enum):
    csv = "csv"
    geojson = "geojson"


@contextmanager
def _clean_errors() -> Iterator[None]:
    try:
        yield
    except ProtestmapError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _store(db: Path | None, *, must_exist: bool = True) -> Store:
    from dashboard.paths import default_db_path
    from dashboard.store import Store

    path = db or default_db_path()
    if must_exist and not path.exists():
        from dashboard.errors import StoreError

        raise StoreError(f"{path}: no database there yet; run `protestmap ingest` first")
    store = Store(path)
    store.create_schema()
    return store


def _filters(city: list[str] | None, region: list[str] | None, type_: list[str] | None,
             since: datetime | None, until: datetime | None, source: list[str] | None,
             language: list[str] | None, search: str) -> Filters:
    from dashboard.query import Filters

    return Filters(
        cities=tuple(city or ()), regions=tuple(region or ()), event_types=tuple(type_ or ()),
        sources=tuple(source or ()), languages=tuple(language or ()),
        since=since.date() if since else None, until=until.date() if until else None,
        text=search,
    )


def _plain(value: Any) -> Any:
    """JSON-able: ISO dates, None for missing values, plain ints and floats.

    >>> _plain({"d": datetime(2022, 1, 5), "n": float("nan"), "xs": (1, "a")})
    {'d': '2022-01-05', 'n': None, 'xs': [1, 'a']}
    """
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool)):
        return value
    if _missing(value):
        return None
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _missing(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    pandas = sys.modules.get("pandas")
    try:
        return pandas is not None and bool(pandas.isna(value))
    except (TypeError, ValueError):
        return False


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(_plain(obj), sort_keys=True, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(
        help="Files (.txt .md .html .jsonl .csv) or folders.")],
    db: Db = None,
    published: Annotated[str | None, typer.Option(
        "--published", metavar="YYYY-MM-DD",
        help="Publication date (YYYY-MM-DD) for articles that state none.")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help="Source name for articles that state none.")] = None,
    language: Annotated[str | None, typer.Option(
        "--language", help="Language (de, en, ru) for articles that state none; "
                           "otherwise it is detected.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar and no summary.")] = False,
) -> None:
    """Read articles into the event database, extracting their events.

    Front matter, HTML metadata and manifest fields win; --published, --source
    and --language are only defaults for articles that do not say. Each bad file
    is reported as one 'PATH: problem' line on stderr and the rest still go in;
    the exit code is 1 when any file failed. Re-ingesting an article stores
    nothing new. Articles above 10 MB are refused.
    """
    from dashboard.ingest import check_language, parse_published

    with _clean_errors():
        try:
            day = parse_published(published, "--published")
            lang = check_language(language, "--language") if language else None
        except ProtestmapError as exc:
            raise typer.BadParameter(str(exc).removeprefix("--published: ")
                                     .removeprefix("--language: ")) from None
        summary = _run_ingest_early(paths, db, day, source, lang, quiet)
    if not quiet:
        typer.echo(f"{summary.articles} articles read: {summary.added} added, "
                   f"{summary.known} already stored, {summary.events} events, "
                   f"{len(summary.errors)} failed ({summary.words:,} words in "
                   f"{summary.seconds:.1f} s)")
    if summary.errors:
        raise typer.Exit(1)


def _run_ingest_early(paths: list[Path], db: Path | None, published: date | None,
                      source: str | None, language: str | None, quiet: bool) -> Any:
    """Start the extraction pool's server before the database is even opened (importing
    DuckDB and pandas takes the parent ~0.45 s, which the server spends building)."""
    from dashboard.paths import default_db_path
    from dashboard.runner import start_server, stop_server

    start_server(paths, db or default_db_path())
    try:
        return _run_ingest(paths, _store(db, must_exist=False), published, source, language,
                           quiet)
    finally:
        stop_server()


def _run_ingest(paths: list[Path], store: Store, published: date | None, source: str | None,
                language: str | None, quiet: bool) -> Any:
    from rich.console import Console

    from dashboard.runner import ingest as run

    console = Console(stderr=True, highlight=False, soft_wrap=True)

    def report(message: str) -> None:
        console.print(message, markup=False)

    ingest_all = partial(run, paths, store, published=published, source=source,
                         language=language, on_error=report)
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return ingest_all()
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def update(s: Any) -> None:
            progress.update(task, description=f"{s.added + s.known} articles, {s.events} events, "
                                              f"{len(s.errors)} errors")

        return ingest_all(on_update=update)


AllReports = Annotated[bool, typer.Option(
    "--all-reports", "--sources",
    help="One row per report (each article's account, with its evidence and language) "
         "instead of one row per event.")]
EVIDENCE_CHARS = 240
"""The evidence shown per event in the ``events`` table."""
WIDE = 120
"""From this terminal width on, the ``events`` table names each event's sources."""
MEASURE_WORDS = {"fatalities": "killed", "injuries": "injured", "arrests": "arrested",
                 "crowd_size": "crowd"}
REPORT_FIELDS = ("event_id", "article_id", "source", "source_url", "title", "published",
                 "language", "evidence", "merge_reason", "kind", "event_date", "date_end",
                 "event_type", "sub_event_type", "location",
                 *(f"{m}{end}" for m in MEASURE_WORDS for end in ("", "_qualifier", "_text")))
CLUSTER_FIELDS = ("cluster_id", "event_date", "date_end", "event_type", "sub_event_type",
                  "kind", "location", "admin1", "country", "latitude", "longitude",
                  "geo_precision", "label", "n_sources", "n_languages", "languages")


@app.command()
def events(db: Db = None, city: City = None, region: Region = None, type: Type = None,
           since: Since = None, until: Until = None, source: Source = None,
           language: Lang = None, search: Search = "", all_reports: AllReports = False,
           json_: Json = False) -> None:
    """List the events that match the filters: one row per event, however many articles
    report it ("3 sources in 3 languages", counts as the range of their claims)."""
    from dashboard.query import filter_events

    with _clean_errors():
        df = filter_events(_store(db).events_frame(),
                           _filters(city, region, type, since, until, source, language, search))
    if all_reports:
        _print_reports(df, json_)
    else:
        _print_clusters(df, json_)


def _print_reports(df: Any, json_: bool) -> None:
    if json_:
        _print_json(df.to_dict(orient="records"))
        return
    table = _table(f"{len(df)} reports", "source", "evidence")
    for row in df.to_dict(orient="records"):
        _add_row(table, _plain(row["event_date"]) or "", f"{row['event_type']} ({row['kind']})",
                      _place(row), _counts(row),
                      f"{row['source'] or ''} ({row['language'] or '?'})",
                      f"{row['evidence'] or ''}\n[cluster {str(row['cluster_id'])[:8]}"
                      + (f": {row['merge_reason']}]" if row["merge_reason"] else "]"))
    _show(table)


def _print_clusters(df: Any, json_: bool) -> None:
    from dashboard.merge import clusters_frame

    clusters = clusters_frame(df)
    if len(clusters):
        clusters = clusters.sort_values(["event_date", "location", "cluster_id"],
                                        kind="stable", na_position="last")
    if json_:
        reports = dict(iter(df.groupby("cluster_id", sort=False)))
        _print_json([
            {**{f: row.get(f) for f in CLUSTER_FIELDS}, "counts": _ranges(row),
             "reports": [{f: r.get(f) for f in REPORT_FIELDS}
                         for r in reports[row["cluster_id"]].to_dict(orient="records")]}
            for row in clusters.to_dict(orient="records")])
        return
    from rich.console import Console

    table = _table(f"{len(clusters)} events from {len(df)} reports", "sources", "evidence")
    names = Console().width >= WIDE
    for row in clusters.to_dict(orient="records"):
        claims = _ranges(row)
        _add_row(
            table, _dates(row), f"{row['event_type']}\n{row['kind']}", _place(row),
            "\n".join(f"{MEASURE_WORDS[m]} {c['low']}" + (
                f"–{c['high']}" if c["high"] != c["low"] else "") for m, c in claims.items()),
            _sources(row, names),
            f"[{row['language'] or '?'}] {_excerpt(row['evidence'] or '')}")
    _show(table)


def _ranges(row: dict[str, Any]) -> dict[str, dict[str, int]]:
    """A cluster's stated counts as ``{measure: {"low": .., "high": ..}}``.

    >>> _ranges({"fatalities_low": 8, "fatalities_high": 13, "arrests_low": None})
    {'fatalities': {'low': 8, 'high': 13}}
    """
    return {m: {"low": int(row[f"{m}_low"]), "high": int(row[f"{m}_high"])}
            for m in MEASURE_WORDS if _plain(row.get(f"{m}_low")) is not None}


def _sources(row: dict[str, Any], names: bool) -> str:
    """The sources cell: "3 sources in 3 languages", with their names when there is room.

    >>> _sources({"label": "2 sources in 2 languages", "sources": "A; B", "n_sources": 2}, True)
    '2 sources in 2 languages:\\nA; B'
    """
    if row["n_sources"] == 1:
        return str(row["sources"])
    return f"{row['label']}:\n{row['sources']}" if names else str(row["label"])


def _excerpt(text: str, limit: int = EVIDENCE_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (the whole sentence
    is in ``--json``, ``--all-reports`` and exports).

    >>> _excerpt("Crowds stormed the akimat and set it on fire.", 30)
    'Crowds stormed the akimat …'
    """
    return textwrap.shorten(text, limit, placeholder=" …")


def _dates(row: dict[str, Any]) -> str:
    first, last = _plain(row["event_date"]) or "", _plain(row.get("date_end")) or ""
    return first if last in ("", first) else f"{first}..{last}"


def _place(row: dict[str, Any]) -> str:
    return ", ".join(str(row[c]) for c in ("location", "admin1") if _plain(row[c]))


def _table(title: str, sources: str, evidence: str) -> Any:
    from rich.table import Table

    table = Table(title=title, expand=True)
    table.add_column("date", no_wrap=True)
    table.add_column("event", ratio=2)
    table.add_column("place", ratio=2, min_width=10)
    table.add_column("counts", ratio=2)
    table.add_column(sources, ratio=2)
    table.add_column(evidence, ratio=5)
    return table


def _add_row(table: Any, *cells: str) -> None:
    """Cells as plain text: square brackets in an article are not console markup."""
    from rich.text import Text

    table.add_row(*(Text(cell) for cell in cells))


def _show(table: Any) -> None:
    from rich.console import Console

    Console().print(table)


def _counts(row: dict[str, Any]) -> str:
    return ", ".join(f"{MEASURE_WORDS[m]} {row[m]}" for m in MEASURE_WORDS
                     if _plain(row[m]) is not None)


@app.command()
def totals(db: Db = None, city: City = None, region: Region = None, type: Type = None,
           since: Since = None, until: Until = None, source: Source = None,
           language: Lang = None, search: Search = "", json_: Json = False) -> None:
    """Killed, injured and arrested by the counting rule, with how each was obtained."""
    from dashboard import query

    with _clean_errors():
        result = query.totals(_store(db).events_frame(),
                              _filters(city, region, type, since, until, source, language, search))
    if json_:
        _print_json(result.as_dict())
        return
    for name in ("killed", "injured", "arrested", "largest_crowd"):
        figure = getattr(result, name)
        typer.echo(f"{name.replace('_', ' ')}: {figure.display()}"
                   + (f" ({figure.method})" if figure.method else ""))


@app.command()
def export(out: Annotated[Path, typer.Option("--out", help="File to write.")],
           format: Annotated[Format, typer.Option("--format", help="csv or geojson.")] = Format.csv,
           db: Db = None, city: City = None, region: Region = None, type: Type = None,
           since: Since = None, until: Until = None, source: Source = None,
           language: Lang = None, search: Search = "") -> None:
    """Write exactly the filtered events as CSV or GeoJSON, plus OUT.manifest.json."""
    from dashboard import query

    with _clean_errors():
        store = _store(db)
        f = _filters(city, region, type, since, until, source, language, search)
        df = query.filter_events(store.events_frame(), f)
        data = query.export_csv(df) if format is Format.csv else query.export_geojson(df)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        manifest = query.manifest(
            f, len(df), store.versions(), fmt=format.value,
            rows_without_coordinates=(query.rows_without_coordinates(df)
                                      if format is Format.geojson else 0))
        Path(f"{out}.manifest.json").write_text(
            json.dumps(_plain(manifest), sort_keys=True, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
    typer.echo(f"{len(df)} events written to {out} (manifest: {out}.manifest.json)")


review_app = typer.Typer(
    name="review", no_args_is_help=True,
    help="Analyst corrections: split an event out of its cluster, correct a field, list, undo. "
         "Corrections survive re-ingesting and re-merging.")
app.add_typer(review_app)
Note = Annotated[str, typer.Option("--note", metavar="TEXT", help="Why (kept with the review).")]
EventId = Annotated[str, typer.Argument(metavar="EVENT_ID", help="The report's event_id "
                                        "(protestmap events --all-reports --json).")]


@review_app.command("split")
def review_split(event_id: EventId, note: Note = "", db: Db = None) -> None:
    """Keep one report out of any cross-article cluster (it becomes an event of its own)."""
    with _clean_errors():
        review_id = _store(db).add_review(event_id, "cluster", "split", note)
    typer.echo(f"review {review_id}: {event_id} kept apart from other reports")


@review_app.command("set")
def review_set(event_id: EventId,
               field: Annotated[str, typer.Argument(
                   metavar="FIELD", help="event_type, sub_event_type, fatalities, injuries, "
                                         "arrests, crowd_size, event_date, kind or notes.")],
               value: Annotated[str, typer.Argument(
                   metavar="VALUE", help="The corrected value ('' empties a count).")],
               note: Note = "", db: Db = None) -> None:
    """Correct one field of one report; clusters and counters follow at once."""
    with _clean_errors():
        review_id = _store(db).add_review(event_id, field, value, note)
    typer.echo(f"review {review_id}: {event_id} {field} = {value!r}")


@review_app.command("list")
def review_list(db: Db = None, json_: Json = False) -> None:
    """Every review, oldest first (its id is what `review undo` takes)."""
    with _clean_errors():
        reviews = _store(db).reviews_frame()
    if json_:
        _print_json(reviews.to_dict(orient="records"))
        return
    for row in reviews.to_dict(orient="records"):
        typer.echo(f"{row['review_id']}\t{_plain(row['created_at'])}\t{row['event_id']}\t"
                   f"{row['field']} = {row['value']!r}" + (f"\t({row['note']})" if row["note"]
                                                           else ""))
    if reviews.empty:
        typer.echo("no reviews")


@review_app.command("undo")
def review_undo(review_id: Annotated[int, typer.Argument(
                    metavar="REVIEW_ID", help="The id shown by `review list`.")],
                db: Db = None) -> None:
    """Remove one review: the report shows its extracted value (or cluster) again."""
    with _clean_errors():
        _store(db).undo_review(review_id)
    typer.echo(f"review {review_id} undone")


@app.command()
def geocode(query: Annotated[str, typer.Argument(
                help="A place name, in any spelling the gazetteer knows.")],
            json_: Json = False) -> None:
    """Show the gazetteer's match for QUERY, or 'no match' (exit code 1)."""
    from gazetteer import load_gazetteer

    location = load_gazetteer().geocode(query, exactly_one=True)
    if location is None or isinstance(location, list):
        if json_:
            _print_json(None)
        else:
            typer.echo("no match")
        raise typer.Exit(1)
    raw = location.raw
    found = {
        "name": raw.get("name"), "latitude": location.latitude, "longitude": location.longitude,
        "region": raw.get("admin1"), "country": raw.get("country_code"), "kind": raw.get("kind"),
        "geo_precision": raw.get("geo_precision"),
    }
    if json_:
        _print_json(found)
    else:
        for key, value in found.items():
            typer.echo(f"{key}: {'' if value is None else value}")


@app.command()
def serve(db: Db = None,
          port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
          address: Annotated[str, typer.Option(
              "--address", help="Address to bind; other machines can connect only if you "
                                "choose a non-local one.")] = "127.0.0.1") -> None:
    """Open the dashboard (Streamlit) on http://ADDRESS:PORT."""
    from dashboard.paths import default_db_path

    app_path = Path(__file__).with_name("app.py")
    env = {**os.environ, "PROTESTMAP_DB": str((db or default_db_path()).resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(app_path),
               "--server.port", str(port), "--server.address", address,
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def evaluate(gold: Annotated[Path, typer.Argument(
                 help="Gold CSV (see tests/data/GOLD-FORMAT.md).")],
             articles: Annotated[list[Path], typer.Argument(help="The articles the gold codes.")],
             json_: Json = False) -> None:
    """Extract events from ARTICLES and score them against GOLD."""
    from dashboard.evaluate import evaluate as score
    from dashboard.extract import extract_many
    from dashboard.ingest import read_articles

    read, failed = [], False
    for item in read_articles(articles):
        if isinstance(item, ProtestmapError):
            typer.echo(str(item), err=True)
            failed = True
        else:
            read.append(item)
    extracted = list(extract_many(read))
    report = score(gold, [a for a, _ in extracted], [e for _, evs in extracted for e in evs])
    if json_:
        _print_json(report.as_dict())
    else:
        typer.echo(report.render())
    if failed:
        raise typer.Exit(1)
