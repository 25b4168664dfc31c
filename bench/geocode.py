"""Gazetteer speed: load time, and lookups per second against a plain dict of the same names.

    .venv/bin/python bench/geocode.py [--no-write]

Prints a markdown table and writes it into the "Geocoder" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
COMMAND = ".venv/bin/python bench/geocode.py"
ROUNDS = 5


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{subprocess.run(['nproc'], capture_output=True, text=True, check=False).stdout.strip()} × {cpu}, Python {platform.python_version()}"


def _rate(func, queries: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for query in queries:
            func(query)
        best = min(best, time.perf_counter() - start)
    return len(queries) / best


def measure() -> list[tuple[str, str]]:
    start = time.perf_counter()
    from gazetteer import KazakhstanGazetteer

    gaz = KazakhstanGazetteer()
    load = time.perf_counter() - start
    forms = list(gaz.surface_forms())
    queries = (forms + [f.upper() for f in forms] + ["Xyzzyville", "Mir", "Januar"] * 100) * 2
    plain = {f: f for f in forms}
    return [
        ("load (import + build index), s", f"{load:.3f}"),
        ("surface forms / query list", f"{len(forms)} / {len(queries)}"),
        ("plain `dict.get` of the query string, lookups/s", f"{_rate(plain.get, queries):,.0f}"),
        (
            "`gaz.resolve(surface)` (normalise + dict), lookups/s",
            f"{_rate(gaz.resolve, queries):,.0f}",
        ),
        ("`gaz.geocode(query)`, lookups/s", f"{_rate(gaz.geocode, queries):,.0f}"),
        ("`gaz.lookup(surface)` (all candidates), lookups/s", f"{_rate(gaz.lookup, queries):,.0f}"),
        (
            "`gaz.resolve(surface, context=[2 names])`, lookups/s",
            f"{_rate(lambda q: gaz.resolve(q, ('Almaty', 'Mangystau')), queries[:5000]):,.0f}",
        ),
    ]


def render(rows: list[tuple[str, str]]) -> str:
    table = "\n".join(["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])
    return (
        f"## Geocoder\n\nCommand: `{COMMAND}` (best of {ROUNDS} rounds; one process, one core)\n"
        f"Machine: {_machine()}\n\n{table}\n"
    )


def write_section(section: str, path: Path = DOCS) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Geocoder\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section
    )
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    section = render(measure())
    print(section)
    if not args.no_write:
        write_section(section)


if __name__ == "__main__":
    main()
