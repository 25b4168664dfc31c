"""Score extracted events against a gold file (format: tests/data/GOLD-FORMAT.md).

Incidents: a prediction matches a gold incident of the same article when it
lies within ``max_km`` of the gold point (or both are country level when the
gold location is the country) and its date falls in the gold window; each
gold row and each prediction is used once, evidence and type agreement
breaking ties. ``optional`` gold rows neither count for nor against.
Tallies are matched and scored separately. Counts are scored per cell
(``8|12`` alternatives, ``|12`` none or 12, ``~`` anything). Totals per
article and for the corpus come from :func:`dashboard.query.totals`, for the
predictions and for the gold rows alike.

>>> GoldCount.parse("|12").accepts(None), GoldCount.parse("8|12").accepts(9)
(True, False)
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from geopy.distance import geodesic

from dashboard.errors import BadInput
from dashboard.types import EVENT_COLUMNS, MEASURES, Article, Event

COUNTRY_LEVEL = {"kazakhstan", "kasachstan", "казахстан"}
FORBIDDEN = {"Orenburg": (51.7727, 55.0988)}
"""Places nothing in this corpus may be put at (Orenburg was once "Tschkalow")."""
FORBIDDEN_KM = 30.0
TOTALS = ("killed", "injured", "arrested")


@dataclass(frozen=True)
class GoldCount:
    """One gold count cell: accepted values, whether "none" is accepted, or anything (~)."""

    values: frozenset[int]
    none_ok: bool
    anything: bool = False

    @classmethod
    def parse(cls, cell: str) -> GoldCount:
        cell = (cell or "").strip()
        if cell == "~":
            return cls(frozenset(), True, anything=True)
        parts = cell.split("|")
        values = frozenset(int(p) for p in parts if p.strip())
        return cls(values, none_ok=any(not p.strip() for p in parts))

    def accepts(self, value: int | None) -> bool:
        return self.anything or (self.none_ok if value is None else value in self.values)

    def expected(self) -> int | None:
        """The figure a gold total uses: the first stated alternative."""
        return min(self.values) if self.values and not self.none_ok else (
            max(self.values) if self.values else None)


@dataclass(frozen=True)
class GoldRow:
    article: str
    gold_id: str
    kind: str
    location: str
    latitude: float | None
    longitude: float | None
    max_km: float
    event_type: str
    sub_types: frozenset[str]
    earliest: date | None
    latest: date | None
    counts: dict[str, GoldCount]
    evidence: str

    @property
    def country_level(self) -> bool:
        return self.latitude is None or self.location.strip().lower() in COUNTRY_LEVEL


def read_gold(path: Path) -> list[GoldRow]:
    """Parse a gold CSV; a bad row raises BadInput naming the file and line."""
    rows = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            try:
                rows.append(GoldRow(
                    article=r["article"].strip(), gold_id=r["gold_id"].strip(),
                    kind=r["kind"].strip(), location=r["location"].strip(),
                    latitude=float(r["latitude"]) if r["latitude"].strip() else None,
                    longitude=float(r["longitude"]) if r["longitude"].strip() else None,
                    max_km=float(r["max_km"]) if r["max_km"].strip() else 0.0,
                    event_type=r["event_type"].strip(),
                    sub_types=frozenset(s.strip() for s in r["sub_event_type_any_of"].split("|") if s.strip()),
                    earliest=date.fromisoformat(r["date_earliest"]) if r["date_earliest"].strip() else None,
                    latest=date.fromisoformat(r["date_latest"]) if r["date_latest"].strip() else None,
                    counts={m: GoldCount.parse(r[m]) for m in MEASURES},
                    evidence=r["evidence_contains"].strip(),
                ))
            except (KeyError, ValueError, AttributeError) as exc:
                raise BadInput(f"{path}: line {line}: {exc}") from exc
    return rows


def article_name(article: Article) -> str:
    """The file name gold rows use for an article (its id when it has no path)."""
    return Path(article.path).name if article.path else article.article_id


def place_ok(g: GoldRow, e: Event) -> bool:
    if g.country_level:
        return e.place.kind == "country"
    if e.place.latitude is None or e.place.longitude is None or g.longitude is None:
        return False
    return geodesic((g.latitude, g.longitude), (e.place.latitude, e.place.longitude)).km <= g.max_km


UNDATED_WINDOW_DAYS = 28
"""A gold window this wide says the article does not date the event (CORPUS.md: whole-month
windows for undated articles); an unresolved prediction (no date) fits it."""


def date_ok(g: GoldRow, e: Event) -> bool:
    """Whether the prediction's date is in the gold window; no date fits no window
    or a window of a month or more (the article does not say).

    >>> from dashboard.types import Place
    >>> row = GoldRow("a", "G", "incident", "Almaty", 43.2, 76.9, 10, "Protests", frozenset(),
    ...               date(2022, 1, 1), date(2022, 1, 31), {}, "")
    >>> date_ok(row, Event(article_id="a", event_date=None, event_type="Protests", kind="incident",
    ...                    sub_event_type="Peaceful protest", place=Place("Almaty", 43.2, 76.9),
    ...                    evidence="..."))
    True
    """
    if e.event_date is None:
        return g.earliest is None or (
            g.latest is not None and (g.latest - g.earliest).days >= UNDATED_WINDOW_DAYS)
    return (g.earliest is None or g.earliest <= e.event_date) and (g.latest is None or e.event_date <= g.latest)


def type_ok(g: GoldRow, e: Event) -> bool:
    types = {t.strip() for t in g.event_type.split("|")}
    return e.event_type in types and (not g.sub_types or e.sub_event_type in g.sub_types)


def match(gold: Sequence[GoldRow], predicted: Sequence[Event]) -> list[tuple[GoldRow, Event]]:
    """One-to-one pairs of place- and date-compatible gold rows and predictions."""
    pairs = [
        (g.evidence.lower() not in e.evidence.lower(), not type_ok(g, e), gi, pi)
        for gi, g in enumerate(gold) for pi, e in enumerate(predicted)
        if place_ok(g, e) and date_ok(g, e)
    ]
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for *_, gi, pi in sorted(pairs):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gold[gi], predicted[pi]))
    return out


@dataclass
class Score:
    """Counts of true/false positives and negatives, with the derived rates."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3)}


@dataclass
class ArticleResult:
    article: str
    language: str
    incidents: Score
    tallies: Score
    type_pairs: int = 0
    type_correct: int = 0
    count_cells: int = 0
    count_correct: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    count_errors: list[str] = field(default_factory=list)
    type_errors: list[str] = field(default_factory=list)
    totals_expected: dict[str, int] = field(default_factory=dict)
    totals_predicted: dict[str, int] = field(default_factory=dict)


def _describe(e: Event) -> str:
    counts = ", ".join(f"{m}={c.value}" for m in MEASURES if (c := e.count(m)) is not None)
    return (f"{e.kind} {e.event_type}/{e.sub_event_type} @ {e.place.name} {e.event_date}"
            f"{' [' + counts + ']' if counts else ''}: {e.evidence[:90]}")


def _score_counts(pairs: Iterable[tuple[GoldRow, Event]], result: ArticleResult) -> None:
    for g, e in pairs:
        for m in MEASURES:
            c = e.count(m)
            result.count_cells += 1
            if g.counts[m].accepts(None if c is None else c.value):
                result.count_correct += 1
            else:
                result.count_errors.append(f"{g.gold_id} {m}: predicted {None if c is None else c.value}")


def score_article(name: str, language: str, gold: Sequence[GoldRow], events: Sequence[Event]) -> ArticleResult:
    """Incident and tally scores, type and count accuracy for one article."""
    result = ArticleResult(name, language, Score(), Score())
    for kind, score in (("incident", result.incidents), ("tally", result.tallies)):
        required = [g for g in gold if g.kind == kind]
        predicted = [e for e in events if e.kind == kind]
        pairs = match(required, predicted)
        matched = {id(e) for _, e in pairs}
        leftover = [e for e in predicted if id(e) not in matched]
        optional = [g for g in gold if g.kind == "optional"] if kind == "incident" else []
        excused = {id(e) for _, e in match(optional, leftover)}
        score.tp = len(pairs)
        score.fn = len(required) - len(pairs)
        extra = [e for e in leftover if id(e) not in excused]
        score.fp = len(extra)
        found = {g.gold_id for g, _ in pairs}
        result.missed += [f"{g.gold_id} ({g.kind} {g.location}: {g.evidence})" for g in required
                          if g.gold_id not in found]
        result.extra += [_describe(e) for e in extra]
        _score_counts(pairs, result)
        if kind == "incident":
            result.type_pairs += len(pairs)
            for g, e in pairs:
                if type_ok(g, e):
                    result.type_correct += 1
                else:
                    result.type_errors.append(f"{g.gold_id}: {e.event_type}/{e.sub_event_type}")
    return result


def events_frame(events: Sequence[Event]) -> pd.DataFrame:
    """Predicted events as an events table (EVENT_COLUMNS)."""
    rows = [{"event_id": i, **e.to_row()} for i, e in enumerate(events)]
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


GROUP_SUFFIXES = {"-SEC": "security forces", "-CIV": "civilians"}
"""Gold tally id suffix -> tally group (tests/data/CORPUS.md); the id a suffixed id
extends is the other side of that side-by-side pair ("armed criminals": protesters)."""


def gold_group(gold_id: str, ids: Iterable[str]) -> str:
    """Who a gold tally counts, from its id's suffix (``ids``: every gold id).

    >>> ids = ["TALLY-MVD-0107", "TALLY-MVD-0107-SEC", "TALLY-MVD-0109"]
    >>> [gold_group(i, ids) for i in ids]
    ['protesters', 'security forces', 'all']
    """
    for suffix, group in GROUP_SUFFIXES.items():
        if gold_id.endswith(suffix):
            return group
    if any(f"{gold_id}{suffix}" in ids for suffix in GROUP_SUFFIXES):
        return "protesters"
    return "all"


def gold_scope(g: GoldRow) -> tuple[str, str]:
    """(place_kind, admin1) of a gold row's location as the gazetteer knows it:
    country, region (with its admin1), else a city or landmark.

    >>> from datetime import date
    >>> row = GoldRow("a", "T", "tally", "Almaty Region", 45.0, 78.0, 150, "", frozenset(),
    ...               None, None, {}, "")
    >>> gold_scope(row)
    ('region', 'Almaty Region')
    """
    if g.country_level:
        return "country", ""
    from dashboard.extract.places import default_gazetteer

    loc = default_gazetteer().resolve(g.location)
    raw = loc.raw if loc is not None else {}
    kind = str(raw.get("kind")) if raw.get("kind") in ("region", "city", "landmark") else "city"
    return kind, str(raw.get("admin1") or (g.location if kind == "region" else ""))


def gold_frame(gold: Sequence[GoldRow]) -> pd.DataFrame:
    """Gold incident and tally rows as an events table, one row per gold_id; each row
    is scoped as its location (a region figure never stands for the country) and each
    tally counts the group its id names (side-by-side groups add up)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    ids = {g.gold_id for g in gold}
    for g in gold:
        if g.kind not in ("incident", "tally") or g.gold_id in seen:
            continue
        seen.add(g.gold_id)
        kind, admin1 = gold_scope(g)
        row: dict[str, Any] = {c: None for c in EVENT_COLUMNS}
        row.update(event_id=len(rows), article_id=g.article, event_date=g.latest, date_end=g.latest,
                   kind=g.kind, location=g.location, country="KZ", admin1=admin1,
                   latitude=g.latitude, longitude=g.longitude, place_kind=kind,
                   tally_authority="gold" if g.kind == "tally" else "",
                   tally_group=gold_group(g.gold_id, ids) if g.kind == "tally" else "all")
        for m in MEASURES:
            value = g.counts[m].expected()
            row[m] = value
            row[f"{m}_qualifier"] = None if value is None else "exact"
        rows.append(row)
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def corpus_totals(frame: pd.DataFrame) -> dict[str, int]:
    """killed/injured/arrested for everything in ``frame`` by the counting rule."""
    from dashboard.query import Filters, as_query_frame, totals

    if frame.empty:
        return dict.fromkeys(TOTALS, 0)
    t = totals(as_query_frame(frame), Filters())
    return {name: getattr(t, name).value for name in TOTALS}


def foreign_in_home(events: Sequence[Event]) -> list[str]:
    """Predictions put in Kazakhstan from a foreign name, or at a forbidden place."""
    out = []
    for e in events:
        p = e.place
        if p.latitude is not None and p.longitude is not None:
            for name, point in FORBIDDEN.items():
                if geodesic(point, (p.latitude, p.longitude)).km <= FORBIDDEN_KM:
                    out.append(f"at {name}: {_describe(e)}")
        if p.country == "KZ" and p.matched and _resolves_abroad(p.matched):
            out.append(f"foreign name {p.matched!r} placed in KZ: {_describe(e)}")
    return out


def _resolves_abroad(surface: str) -> bool:
    from dashboard.extract.places import default_gazetteer

    loc = default_gazetteer().resolve(surface)
    return loc is not None and loc.raw.get("country_code") not in (None, "KZ")


@dataclass
class EvaluationReport:
    """Per-article results and their corpus totals; ``render`` for people, ``as_dict`` for JSON."""

    articles: list[ArticleResult]
    foreign: list[str]
    totals_expected: dict[str, int]
    totals_predicted: dict[str, int]
    unscored: list[str] = field(default_factory=list)

    def _sum(self, rows: Iterable[ArticleResult]) -> dict[str, Any]:
        inc, tal = Score(), Score()
        tp = tc = cc = cn = 0
        for r in rows:
            inc.add(r.incidents)
            tal.add(r.tallies)
            tp, tc, cc, cn = tp + r.type_pairs, tc + r.type_correct, cc + r.count_cells, cn + r.count_correct
        return {"incidents": inc.as_dict(), "tallies": tal.as_dict(),
                "type_accuracy": round(tc / tp, 3) if tp else None,
                "count_accuracy": round(cn / cc, 3) if cc else None}

    def as_dict(self) -> dict[str, Any]:
        languages = sorted({r.language for r in self.articles})
        return {
            "overall": self._sum(self.articles),
            "by_language": {lang: self._sum(r for r in self.articles if r.language == lang)
                            for lang in languages},
            "totals": {"expected": self.totals_expected, "predicted": self.totals_predicted},
            "foreign_places_in_kazakhstan": self.foreign,
            "unscored_articles": self.unscored,
            "articles": [
                {"article": r.article, "language": r.language, **self._sum([r]),
                 "totals": {"expected": r.totals_expected, "predicted": r.totals_predicted},
                 "missed": r.missed, "extra": r.extra, "type_errors": r.type_errors,
                 "count_errors": r.count_errors}
                for r in self.articles
            ],
        }

    def render(self) -> str:
        d = self.as_dict()
        o = d["overall"]
        inc, tal = o["incidents"], o["tallies"]
        lines = [
            (f"incidents  P {inc['precision']:.2f}  R {inc['recall']:.2f}  F1 {inc['f1']:.2f}  "
             f"(tp {inc['tp']}, fp {inc['fp']}, fn {inc['fn']})"),
            f"tallies    P {tal['precision']:.2f}  R {tal['recall']:.2f}  F1 {tal['f1']:.2f}",
            f"event type accuracy {o['type_accuracy']}   count accuracy {o['count_accuracy']}",
            "totals expected " + _fmt(self.totals_expected) + "   predicted " + _fmt(self.totals_predicted),
        ]
        for lang, s in d["by_language"].items():
            lines.append(f"  [{lang}] incidents F1 {s['incidents']['f1']:.2f} "
                         f"(P {s['incidents']['precision']:.2f} R {s['incidents']['recall']:.2f}), "
                         f"tallies F1 {s['tallies']['f1']:.2f}, types {s['type_accuracy']}, "
                         f"counts {s['count_accuracy']}")
        if self.foreign:
            lines.append("foreign places put in Kazakhstan:")
            lines += [f"  {x}" for x in self.foreign]
        for r in d["articles"]:
            i = r["incidents"]
            lines.append(f"{r['article']} [{r['language']}] incidents F1 {i['f1']:.2f} "
                         f"(tp {i['tp']} fp {i['fp']} fn {i['fn']}); totals expected "
                         f"{_fmt(r['totals']['expected'])} predicted {_fmt(r['totals']['predicted'])}")
            for key in ("missed", "extra", "type_errors", "count_errors"):
                lines += [f"    {key.removesuffix('s')}: {x}" for x in r[key]]
        lines += [f"not scored (no gold rows): {name}" for name in self.unscored]
        return "\n".join(lines)


def _fmt(t: dict[str, int]) -> str:
    return "/".join(str(t.get(k, 0)) for k in TOTALS) + " (killed/injured/arrested)"


def evaluate(gold_csv: Path, articles: Sequence[Article], events: Sequence[Event]) -> EvaluationReport:
    """Score ``events`` (extracted from ``articles``) against the gold file."""
    gold = read_gold(gold_csv)
    by_article: dict[str, list[GoldRow]] = defaultdict(list)
    for g in gold:
        by_article[g.article].append(g)
    by_id: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_id[e.article_id].append(e)
    results, unscored, scored_gold, scored_events = [], [], [], []
    for a in articles:
        name = article_name(a)
        if name not in by_article:
            unscored.append(name)
            continue
        rows, evs = by_article[name], by_id.get(a.article_id, [])
        r = score_article(name, a.language, rows, evs)
        r.totals_expected = corpus_totals(gold_frame(rows))
        r.totals_predicted = corpus_totals(events_frame(evs))
        results.append(r)
        scored_gold += rows
        scored_events += evs
    return EvaluationReport(
        articles=results,
        foreign=foreign_in_home(events),
        totals_expected=corpus_totals(gold_frame(scored_gold)),
        totals_predicted=corpus_totals(events_frame(scored_events)),
        unscored=unscored,
    )
