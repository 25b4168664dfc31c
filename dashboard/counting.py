"""The counting rule: killed, injured, arrested and the largest crowd for a set of events.

An *incident*'s counts add up across incidents. A *tally* is an authority's
running total for a scope and is never added to the incidents it summarises nor
to another figure of its series ``(authority, measure, scope, group)``. The scope
is the tally's place: a city (or a landmark: the place itself), a region
(admin1), else the country.

* per group the latest figure counts (ties: the higher); a figure stated twice counts once;
* groups stated side by side add up (26 attackers + 18 security forces = 44);
  a *later* figure for everyone (group ``all``, or no group) replaces its parts;
  one of the same day or older counts only if it is larger than their sum;
* different authorities: a tally is a running total, which never shrinks, so the
  headline is the largest of the authorities' latest figures (ties: the latest
  statement); a later, smaller figure of another authority does not replace it.
  *Competing claims* are the figures stated on the headline's day, the day before
  (``CONTEMPORARY_DAYS``) or any later day: they give the range ``low..high``
  (a later figure below the headline contradicts a running total). A figure of
  another authority stated two or more days before the headline is history, an
  earlier point of the same count, not disagreement: it does not widen the range.
  So 50 arrests (unnamed authority, 7 Jan) and 10,000 (Interior Ministry, 12 Jan)
  give 10,000 with no range; 3,000+ (7 Jan) and 1,012+ (8 Jan, another
  authority) give 3,000+ with the range 1,012–3,000;
* each scope shows the larger of its tally and what is inside it, and says which.
  Inside a city are its incidents; inside a region its cities (each already the
  larger of its tally and its incidents) and its other incidents; inside a
  country its regions and its incidents without a region.

After :func:`dashboard.merge.merge_events` (a ``cluster_id`` column) the
incidents of one cluster count once: the cluster's figure is the range of its
sources' claims (low..high) and its value the highest claim, never their sum.

Vague figures ("dozens" -> 12) are included and reported in ``Figure.vague``.
The largest crowd is the largest ``crowd_size`` of one incident, never a sum.
Callers choose which tallies apply (see :func:`dashboard.query.totals`).
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, cast

import numpy as np
import pandas as pd


class FrameMemo:
    """Values derived from an object (a frame), kept while it lives (by identity), the latest ``size``.

    Frames are never modified in place, so what was derived from one stays true.

    >>> memo, df = FrameMemo(2), pd.DataFrame({"a": [1, 2]})
    >>> memo.get(df, "sum", lambda: int(df["a"].sum())), memo.get(df, "sum", lambda: 0)
    (3, 3)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[tuple[int, Any], tuple[weakref.ref[Any], Any]] = {}
        self.lock = threading.Lock()

    def get(self, owner: Any, key: Any, compute: Any) -> Any:
        slot = (id(owner), key)
        with self.lock:
            found = self.items.get(slot)
        if found is not None and found[0]() is owner:
            return found[1]
        value = compute()
        with self.lock:
            for dead in [k for k, (ref, _) in self.items.items() if ref() is None]:
                del self.items[dead]
            while len(self.items) >= self.size:
                del self.items[next(iter(self.items))]
            self.items[slot] = (weakref.ref(owner), value)
        return value


MEMO = FrameMemo(32)
"""Values derived from the frames counted and queried (cluster structure, text index, ...)."""

NO_DAY = np.iinfo(np.int64).min
"""``day_numbers`` value of a missing date."""

COUNTERS = {"killed": "fatalities", "injured": "injuries", "arrested": "arrests"}
TALLY_COLUMNS = frozenset({
    "event_id", "event_date", "country", "admin1", "location", "place_kind", "geo_precision",
    "tally_authority", "tally_group",
    *(f"{m}{end}" for m in COUNTERS.values() for end in ("", "_qualifier")),
})
"""The columns the counting of tallies reads."""
COUNTRY_NAMES = {"KZ": "Kazakhstan"}
_NOUNS = {"fatalities": "killed", "injuries": "injured", "arrests": "arrested"}


@dataclass(frozen=True)
class Figure:
    """One counter: ``value`` with its range, qualifier and a sentence saying how it was obtained.

    ``vague`` is how much of ``value`` comes from vague words ("dozens" -> 12);
    ``parts`` lists the figures that make it up, one line each; ``summary`` is a
    short form of ``method`` for a caption ("Interior Ministry, 7 Jan 2022 · all of Kazakhstan").

    >>> Figure(3000, 3000, 3000, "at least", "Interior Ministry tally").display()
    '3000+'
    """

    value: int = 0
    low: int = 0
    high: int = 0
    qualifier: str = "exact"
    method: str = ""
    parts: list[str] = field(default_factory=list)
    vague: int = 0
    summary: str = ""

    def display(self) -> str:
        """The figure as a counter shows it: ``3000+``, ``~40``, ``26–164``, ``≤10``.

        >>> Figure(164, 26, 164).display(), Figure(40, 40, 40, "about").display()
        ('26–164', '~40')
        """
        if self.low != self.high:
            return f"{self.low}–{self.high}"
        prefix = {"about": "~", "up to": "≤", "vague": "~"}.get(self.qualifier, "")
        return f"{prefix}{self.value}{'+' if self.qualifier == 'at least' else ''}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Totals:
    """The counters for one filter: killed, injured, arrested, largest crowd, number of incidents.

    >>> Totals(Figure(26, 26, 26), Figure(18, 18, 18), Figure(3000, 3000, 3000, "at least"),
    ...        Figure(), events=7).as_dict()["arrested"]
    3000
    """

    killed: Figure
    injured: Figure
    arrested: Figure
    largest_crowd: Figure
    events: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``protestmap totals --json``: plain numbers plus ``details``."""
        figures = {name: getattr(self, name) for name in (*COUNTERS, "largest_crowd")}
        return {
            **{name: figures[name].value for name in COUNTERS},
            "details": {
                **{name: figure.as_dict() for name, figure in figures.items()},
                "events": self.events,
                "note": self.note,
            },
        }


def day_numbers(column: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as int64, ``NO_DAY`` where the date is missing.

    >>> day_numbers(pd.Series([date(1970, 1, 2), None, date(1969, 12, 31)])).tolist() == [
    ...     1, NO_DAY, -1]
    True
    """
    if not pd.api.types.is_datetime64_dtype(column.dtype):
        column = pd.to_datetime(column).dt.tz_localize(None)
    values = column.to_numpy()
    unit, count = np.datetime_data(values.dtype)
    days = values.view(np.int64) // (pd.Timedelta(days=1) // pd.Timedelta(count, unit=unit))
    days[np.isnat(values)] = NO_DAY
    return days


def category_codes(column: pd.Series) -> np.ndarray:
    """A categorical column's codes (``-1`` where missing), read-only and not copied.

    >>> category_codes(pd.Series(["b", None, "a"], dtype="category")).tolist()
    [1, -1, 0]
    """
    return cast(pd.Categorical, column.array).codes


def strings(column: pd.Series) -> list[str]:
    """The values as ``str`` (``""`` where missing), cheap on categoricals with many categories.

    >>> strings(pd.Series(["Almaty", None], dtype="category"))
    ['Almaty', '']
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = category_codes(column)
        categories = column.cat.categories
        picked = (categories.take(np.maximum(codes, 0)).tolist() if len(categories)
                  else [""] * len(codes))
        return ["" if c < 0 else str(v) for c, v in zip(codes, picked, strict=True)]
    return [str(v) for v in column.astype(object).where(column.notna(), "")]


def tally_scope_level(tallies: pd.DataFrame) -> np.ndarray:
    """Each tally's scope: ``"city"``, ``"admin1"`` (a region) or ``"country"``.

    >>> tally_scope_level(pd.DataFrame({"place_kind": ["region", "country", "city"],
    ...     "admin1": ["Mangystau", "", "Almaty City"],
    ...     "location": ["Mangystau", "Kazakhstan", "Almaty"]})).tolist()
    ['admin1', 'country', 'city']
    """
    if "place_kind" in tallies:
        kind = np.array(strings(tallies["place_kind"]), dtype=object)
        region, city = kind == "region", np.isin(kind, ["city", "landmark"])
    else:
        precision = tallies["geo_precision"].to_numpy(dtype=float, na_value=0)
        region, city = precision == 3, np.isin(precision, [1, 2])
    named, located = (np.array(strings(tallies[c]), dtype=object) != "" if c in tallies
                      else np.zeros(len(tallies), bool) for c in ("admin1", "location"))
    return np.select([region & named, city & located], ["admin1", "city"], "country")


Scope = tuple[str, str, str]
"""(country, admin1, city); the finer parts are ``""`` for a region or a country."""


@dataclass(frozen=True)
class _Claim:
    """A partial figure while counting: a tally series, an incident sum, or a sum of these."""

    value: int = 0
    low: int = 0
    high: int = 0
    qualifier: str = "exact"
    vague: int = 0
    method: str = ""
    parts: tuple[str, ...] = ()
    day: int = NO_DAY
    incidents: int = 0
    tallies: int = 0
    summary: str = ""

    def figure(self) -> Figure:
        return Figure(self.value, self.low, self.high, self.qualifier, self.method,
                      list(self.parts), self.vague, self.summary or self.method)


def combine_qualifiers(qualifiers: Iterable[str | None]) -> str:
    """The qualifier of a sum of figures (a missing qualifier is ``exact``).

    Lower bounds and vague words mixed with exact figures give ``at least``;
    ``about`` or ``up to`` mixed with exact figures stay so; other mixtures are ``about``.

    >>> combine_qualifiers(["exact", None]), combine_qualifiers(["vague"])
    ('exact', 'vague')
    >>> combine_qualifiers(["at least", "vague", "exact"]), combine_qualifiers(["up to", "exact"])
    ('at least', 'up to')
    """
    kinds = {q or "exact" for q in qualifiers} or {"exact"}
    if len(kinds) == 1:
        return kinds.pop()
    for mixed, kind in (({"at least", "vague"}, "at least"), ({"about"}, "about"),
                        ({"up to"}, "up to")):
        if kinds - {"exact"} <= mixed:
            return kind
    return "about"


def _day_text(day: int) -> str:
    if day == NO_DAY:
        return "unknown date"
    d = date(1970, 1, 1) + timedelta(days=int(day))
    return f"{d.day} {d:%b %Y}"


def _scope_label(scope: Scope) -> str:
    country, admin1, city = scope
    return city or admin1 or f"all of {COUNTRY_NAMES.get(country, country or 'unknown country')}"


def _sum(claims: list[_Claim], where: str = "", empty: str = "") -> _Claim:
    """Claims side by side (scopes that do not overlap) added up."""
    claims = [c for c in claims if c.value or c.high]
    if not claims:
        return _Claim(method=empty)
    if len(claims) == 1:
        return claims[0]
    tallies, incidents = sum(c.tallies for c in claims), sum(c.incidents for c in claims)
    counted = [f"{n} {one if n == 1 else many}" for n, one, many in (
        (tallies, "tally", "tallies"), (incidents, "incident", "incidents")) if n]
    return _Claim(
        sum(c.value for c in claims), sum(c.low for c in claims), sum(c.high for c in claims),
        combine_qualifiers(c.qualifier for c in claims), sum(c.vague for c in claims),
        f"sum of {' and '.join(counted)}{' in ' + where if where else ''}",
        tuple(p for c in claims for p in c.parts), max(c.day for c in claims),
        incidents, tallies,
    )


def _larger(tally: _Claim | None, inside: _Claim) -> _Claim:
    """The larger of a scope's tally and the sum inside the scope, saying which."""
    if tally is None:
        return inside
    if inside.value > tally.value:
        return replace(inside, method=f"{inside.method}, larger than the {tally.method}: "
                                      f"{tally.value}", parts=inside.parts + tally.parts,
                       summary=f"{inside.summary or inside.method} (more than the tally)")
    method = tally.method
    if inside.value:
        method += f", larger than the {inside.method}: {inside.value}"
    return replace(tally, method=method, parts=tally.parts + inside.parts)


def _authority_claim(rows: list[dict[str, Any]], measure: str, scope: str) -> _Claim:
    """One authority's figure for one scope: latest per group, groups added, ``all`` replacing."""
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["day"], r[measure], str(r.get("event_id", "")))):
        latest[row["group"]] = row
    everyone = latest.pop("all", None)
    groups = sorted(latest.values(), key=lambda r: r["group"])
    authority = rows[0]["authority"] or "unnamed authority"
    later = not groups or everyone is not None and everyone["day"] > max(r["day"] for r in groups)
    if everyone is not None and (later or everyone[measure] >= sum(r[measure] for r in groups)):
        used = [everyone]
    else:
        used = groups
    day = max(r["day"] for r in used)
    value = sum(r[measure] for r in used)
    stated = " + ".join(f"{r[measure]} {r['group']}" for r in used) if used != [everyone] else ""
    method = f"{authority} tally of {_day_text(day)} ({scope}{': ' + stated if stated else ''})"
    qualifier = combine_qualifiers(r["qualifier"] for r in used)
    vague = sum(r[measure] for r in used if r["qualifier"] == "vague")
    parts = tuple(f"{method}: {r[measure]} {r['group']} {_NOUNS.get(measure, measure)} "
                  f"({r['qualifier'] or 'exact'})" for r in used)
    return _Claim(value, value, value, qualifier, vague, method, parts, day, tallies=1,
                  summary=f"{authority}, {_day_text(day)} · {scope}")


CONTEMPORARY_DAYS = 1
"""Another authority's figure at most this many days older than the headline competes with it."""


def _tally_claim(rows: list[dict[str, Any]], measure: str, scope: str) -> _Claim:
    """Authorities for one scope: the largest latest figure, a range over the competing claims."""
    by_authority: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_authority[row["authority"]].append(row)
    claims = [_authority_claim(by_authority[a], measure, scope) for a in sorted(by_authority)]
    chosen = max(claims, key=lambda c: (c.value, c.day))
    if len(claims) == 1:
        return chosen
    earliest = chosen.day - CONTEMPORARY_DAYS if chosen.day != NO_DAY else NO_DAY
    competing = [c for c in claims if c.day >= earliest or c.day == NO_DAY]
    history = [c for c in claims if c.day < earliest and c.day != NO_DAY]
    low, high = min(c.low for c in competing), max(c.high for c in competing)
    method, summary = chosen.method, chosen.summary
    if len(competing) > 1:
        others = "; ".join(f"{c.method}: {c.value}" for c in competing if c is not chosen)
        n = len(competing) - 1
        authorities = f"{n} other {'authority' if n == 1 else 'authorities'}"
        if low == high:
            method += f", the same figure as the {others}"
            summary += f" · same as {authorities}"
        else:
            method += f", competing claims {low}–{high} ({others})"
            summary += f" · {authorities} differ{'s' if n == 1 else ''}"
    if history:
        method += (", earlier figures of other authorities (history, not disagreement): "
                   + "; ".join(f"{c.method}: {c.value}" for c in history))
    return replace(chosen, low=low, high=high, method=method, summary=summary,
                   parts=tuple(p for c in claims for p in c.parts))


def _tally_rows(tallies: pd.DataFrame, measure: str) -> list[dict[str, Any]]:
    if measure not in tallies or not len(tallies):
        return []
    stated = tallies[tallies[measure].notna().to_numpy(dtype=bool)]
    if not len(stated):
        return []

    def text(name: str) -> list[str]:
        return strings(stated[name]) if name in stated else [""] * len(stated)

    qualifiers = text(f"{measure}_qualifier")
    return [
        {"scope": (country, admin1 if level != "country" else "", city if level == "city" else ""),
         "authority": authority, "group": group.strip().lower() or "all", "day": int(day),
         measure: int(value), "qualifier": qualifier or "exact", "event_id": event_id}
        for country, admin1, city, level, authority, group, day, value, qualifier, event_id in zip(
            text("country"), text("admin1"), text("location"), tally_scope_level(stated),
            text("tally_authority"), text("tally_group"), day_numbers(stated["event_date"]),
            stated[measure], qualifiers, text("event_id"), strict=True)
    ]


def codes_and_labels(column: pd.Series, rows: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column (at ``rows`` if given) and the labels they index.

    A missing value's label is ``""``.

    >>> codes, labels = codes_and_labels(pd.Series(["Riots", None, "Protests"]))
    >>> labels[codes].tolist()
    ['Riots', '', 'Protests']
    """
    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    labels = np.append(column.cat.categories.astype(str).to_numpy(dtype=object), "")
    codes = category_codes(column)
    codes = (codes if rows is None else codes[rows]).astype(np.int64)
    codes[codes < 0] = len(labels) - 1
    return codes, labels


def codes(column: pd.Series, rows: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Integer codes of a column (at ``rows`` if given), a missing value coded ``n``; and ``n + 1``.

    Cheaper than :func:`codes_and_labels` when only equality matters (no labels built).

    >>> found, size = codes(pd.Series(["b", None, "a", "b"]))
    >>> found.tolist(), size
    ([0, 2, 1, 0], 3)
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        found, n = category_codes(column), len(column.cat.categories)
    else:
        found, uniques = pd.factorize(column)
        n = len(uniques)
    found = (found if rows is None else found[rows]).astype(np.int64)
    found[found < 0] = n
    return found, n + 1


def _stated_rows(events: pd.DataFrame, rows: np.ndarray, measure: str) -> np.ndarray:
    """Positions of the ``rows`` that state ``measure``."""
    stated = MEMO.get(events, ("stated", measure),
                      lambda: events[measure].notna().to_numpy(dtype=bool))
    return np.flatnonzero(rows & stated)


def _clusters(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster code and whether it is alone in its cluster (once per frame)."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        found, size = codes(events["cluster_id"])
        return found, np.bincount(found, minlength=size)[found] == 1

    return MEMO.get(events, "clusters", compute)  # type: ignore[no-any-return]


def count_incidents(events: pd.DataFrame, incidents: np.ndarray) -> int:
    """How many incidents the rows of ``incidents`` are: a cluster (``cluster_id``) counts once.

    >>> df = pd.DataFrame({"cluster_id": ["a", "a", "c", "d"]})
    >>> count_incidents(df, np.array([True, True, True, False]))
    2
    """
    if "cluster_id" not in events:
        return int(incidents.sum())
    cluster, alone = _clusters(events)
    shared = cluster[incidents & ~alone]
    return int(np.count_nonzero(incidents & alone)) + len(np.unique(shared))


def _numbers(column: pd.Series, at: np.ndarray) -> np.ndarray:
    return column.take(at).to_numpy(dtype=float, na_value=0)


def _per_cluster(events: pd.DataFrame, at: np.ndarray, values: np.ndarray, low: np.ndarray,
                 high: np.ndarray) -> tuple[np.ndarray, ...]:
    """One row per cluster: the member with the highest claim, the range over all members."""
    clusters, alone = _clusters(events)
    if alone[at].all():
        return at, values, low, high
    cluster = clusters[at]
    order = np.lexsort((-values, cluster))
    starts = np.flatnonzero(np.diff(cluster[order], prepend=-1))
    return (at[order[starts]], np.maximum.reduceat(high[order], starts),
            np.minimum.reduceat(low[order], starts), np.maximum.reduceat(high[order], starts))


def _incident_claims(events: pd.DataFrame, incidents: np.ndarray, measure: str,
                     cities: Mapping[str, str], where: str) -> dict[Scope, _Claim]:
    """The sum of incident counts per scope, with ranges when rows carry them.

    An incident's scope is its (country, admin1) and, when a tally counts its
    ``location`` (one of ``cities``), that city.
    """
    if measure not in events:
        return {}
    at = _stated_rows(events, incidents, measure)
    if not len(at):
        return {}
    values = _numbers(events[measure], at)
    low_values, high_values = (_numbers(events[f"{measure}_{end}"], at)
                               if f"{measure}_{end}" in events else values
                               for end in ("low", "high"))
    if "cluster_id" in events:
        at, values, low_values, high_values = _per_cluster(
            events, at, values, low_values, high_values)
    keys = np.zeros(len(at), dtype=np.int64)
    dims = []
    for column in ("country", "admin1", "location"):
        codes, labels = codes_and_labels(events[column], at)
        if column == "location":
            kept = np.array(["", *sorted({cities[x] for x in labels if x in cities})], object)
            position = {label: i for i, label in enumerate(kept)}
            codes = np.array([position.get(cities.get(label, ""), 0) for label in labels],
                             np.int64)[codes]
            labels = kept
        keys = keys * len(labels) + codes
        dims.append(labels)
    size = int(np.prod([len(labels) for labels in dims]))
    value = np.bincount(keys, weights=values, minlength=size)
    low, high = (np.bincount(keys, weights=bound, minlength=size)
                 for bound in (low_values, high_values))
    qualifiers = f"{measure}_qualifier"
    q_codes, q_labels = (codes_and_labels(events[qualifiers], at) if qualifiers in events
                         else (np.zeros(len(at), dtype=np.int64), np.array(["exact"], object)))
    present = np.bincount(keys * len(q_labels) + q_codes, minlength=size * len(q_labels)
                          ).reshape(size, len(q_labels)) > 0
    vague = np.bincount(keys, weights=np.where(q_labels[q_codes] == "vague", values, 0),
                        minlength=size)
    n = np.bincount(keys, minlength=size)
    claims: dict[Scope, _Claim] = {}
    for key in np.flatnonzero(n):
        country, rest = divmod(int(key), len(dims[1]) * len(dims[2]))
        admin1, city = divmod(rest, len(dims[2]))
        scope = (str(dims[0][country]), str(dims[1][admin1]), str(dims[2][city]))
        noun = "incident" if n[key] == 1 else "incidents"
        claims[scope] = _Claim(
            int(value[key]), int(low[key]), int(high[key]),
            combine_qualifiers(str(q) for q in q_labels[present[key]]), int(vague[key]),
            f"sum of {n[key]} {noun}{' in ' + where if where else ''}",
            (f"{n[key]} {noun} in {_scope_label(scope)}: {int(value[key])}",),
            incidents=int(n[key]),
        )
    return claims


def _measure_figure(events: pd.DataFrame, incidents: np.ndarray, tallies: pd.DataFrame,
                    measure: str, where: str, empty: str, landmarks: Mapping[str, str]) -> Figure:
    series: dict[Scope, list[dict[str, Any]]] = defaultdict(list)
    for row in _tally_rows(tallies, measure):
        series[row["scope"]].append(row)
    counted = {city for _, _, city in series if city}
    city_of = {**{spot: city for spot, city in landmarks.items() if city in counted},
               **{city: city for city in counted}}
    inside = _incident_claims(events, incidents, measure, city_of, where)
    scopes = set(inside) | set(series)

    def larger(scope: Scope, within: _Claim) -> _Claim:
        tally = _tally_claim(series[scope], measure, _scope_label(scope)) \
            if scope in series else None
        return _larger(tally, within)

    per_country = []
    for country in sorted({s[0] for s in scopes}):
        regions = []
        for admin1 in sorted({s[1] for s in scopes if s[0] == country}):
            cities = [larger((country, admin1, city), inside.get((country, admin1, city), _Claim()))
                      for city in sorted({s[2] for s in scopes if s[:2] == (country, admin1)} - {""})]
            within = _sum([*cities, inside.get((country, admin1, ""), _Claim())], where)
            regions.append(larger((country, admin1, ""), within) if admin1 else within)
        per_country.append(larger((country, "", ""), _sum(regions, where)))
    return _sum(per_country, where, empty).figure()


def _largest_crowd(events: pd.DataFrame, incidents: np.ndarray) -> Figure:
    if "crowd_size" not in events:
        return Figure(method="no crowd size stated", summary="no crowd size stated")
    at = _stated_rows(events, incidents, "crowd_size")
    if not len(at):
        return Figure(method="no crowd size stated", summary="no crowd size stated")
    row = at[int(np.argmax(_numbers(events["crowd_size"], at)))]

    def cell(column: str) -> Any:
        return events[column].iat[row] if column in events else None

    value = int(cell("crowd_size"))
    qualifier = cell("crowd_size_qualifier")
    qualifier = "exact" if qualifier is None or pd.isna(qualifier) else str(qualifier)
    day = day_numbers(pd.Series([cell("event_date")]))[0]
    place = cell("location")
    place = "unknown place" if place is None or pd.isna(place) or not place else str(place)
    method = f"largest single crowd: {place}{f' on {_day_text(day)}' if day != NO_DAY else ''}"
    return Figure(value, value, value, qualifier, method, [method],
                  value if qualifier == "vague" else 0, f"{place}, {_day_text(day)}")


def count_totals(events: pd.DataFrame, incidents: np.ndarray, tallies: np.ndarray, *,
                 note: str = "", where: str = "",
                 landmarks: Mapping[str, str] | None = None) -> Totals:
    """Apply the counting rule to the rows of ``events`` chosen by two boolean masks.

    ``incidents`` marks the incidents in the filter, ``tallies`` the tallies that
    apply to it; ``where`` names the place filter for the sentences ("Almaty"),
    ``note`` says why some tallies were left out; ``landmarks`` maps a landmark's
    location to its city, so a city's tally also covers its landmarks' incidents.

    >>> tally = pd.DataFrame({"kind": ["tally"], "event_date": pd.to_datetime(["2022-01-07"]),
    ...     "country": ["KZ"], "admin1": [""], "place_kind": ["country"],
    ...     "tally_authority": ["Interior Ministry"], "tally_group": ["all"],
    ...     "fatalities": pd.array([26], dtype="Int64"), "fatalities_qualifier": ["exact"]})
    >>> count_totals(tally, np.array([False]), np.array([True])).killed.method
    'Interior Ministry tally of 7 Jan 2022 (all of Kazakhstan)'
    """
    n_incidents = count_incidents(events, incidents)
    if not n_incidents and not tallies.any():
        nothing = Figure(method="no events match the filters",
                         summary="no events match the filters")
        return Totals(nothing, nothing, nothing, nothing, events=0, note=nothing.method)
    tally_rows = events[[c for c in events if c in TALLY_COLUMNS]][tallies]
    killed, injured, arrested = (
        _measure_figure(events, incidents, tally_rows, measure, where,
                        "no figure stated for the events in the filter", landmarks or {})
        for measure in COUNTERS.values())
    return Totals(killed, injured, arrested, _largest_crowd(events, incidents),
                  events=n_incidents, note=note)
