"""Words per second of a whole ``protestmap ingest`` next to spaCy's bare tokenizer.

Builds a corpus from the project's own sample articles (``seeds/``), varied so
that every article gets its own id (paragraphs rotated, a numbered line
appended), runs ``protestmap ingest`` on it into a fresh database exactly as a
user would, and times spaCy's bare tokenizer on the same texts in the same run.
Peak memory is the largest sum of the proportional set sizes (PSS) of the
ingest process and all its children (pool server and workers), sampled every 50 ms.

    python bench/extract.py                               # >= 1 MB corpus, best of 3
    python bench/extract.py --articles 10000 --rounds 1   # memory for 10,000 articles
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.frontmatter import split_front_matter
from dashboard.ingest import detect_language

PROTESTMAP = str(Path(sys.executable).with_name("protestmap"))
TICKS = os.sysconf("SC_CLK_TCK")


def seeds() -> list[tuple[dict[str, object], str, str]]:
    """(front matter, body, language) of every sample article."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        fields, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        out.append((fields, body, str(fields.get("language") or detect_language(body))))
    return out


def variant(body: str, n: int) -> str:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    shift = (n // 7) % len(paragraphs)
    return "\n\n".join(paragraphs[shift:] + paragraphs[:shift] + [f"({n})"])


def write_corpus(folder: Path, n_articles: int) -> list[tuple[str, str]]:
    """Write ``n_articles`` varied articles; return (language, body) of each."""
    samples = seeds()
    texts = []
    for n in range(n_articles):
        fields, body, language = samples[n % len(samples)]
        text = variant(body, n)
        head = "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in fields.items())
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{n:06d}.txt").write_text(f"---\n{head}---\n{text}\n", encoding="utf-8")
        texts.append((language, text))
    return texts


def tokenizer_words_per_second(texts: list[tuple[str, str]]) -> float:
    import spacy

    tokenizers = {lang: spacy.blank(lang).tokenizer for lang in {lang for lang, _ in texts}}
    started = time.perf_counter()
    for lang, text in texts:
        tokenizers[lang](text)
    return sum(len(t.split()) for _, t in texts) / (time.perf_counter() - started)


def tree_sample(pid: int, cpu: dict[int, float]) -> int:
    """PSS of ``pid`` and all its descendants in kB; records each one's CPU seconds in ``cpu``.

    PSS splits pages shared between processes (the workers are forked from one
    server) among them, so the sum is the memory the tree really uses.
    """
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            total += next(int(line.split()[1]) for line in rollup.splitlines()
                          if line.startswith("Pss:"))
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[p] = (int(stat[11]) + int(stat[12])) / TICKS
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def run_ingest(corpus: Path, db: Path) -> tuple[float, int, float, str]:
    """Seconds, peak kB and CPU seconds of the process tree, and the summary line of one ingest."""
    started = time.perf_counter()
    process = subprocess.Popen([PROTESTMAP, "ingest", str(corpus), "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, cpu = 0, dict[int, float]()
    while process.poll() is None:
        peak = max(peak, tree_sample(process.pid, cpu))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"ingest failed ({process.returncode}):\n{err}")
    return seconds, peak, sum(cpu.values()), out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=0,
                        help="number of articles (default: enough for 1 MB of text)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="ingests into fresh databases; the best time is reported (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        per_article = sum(len(b.encode()) for _, b, _ in seeds()) / len(seeds())
        n = args.articles or int(1_100_000 / per_article) + 1
        texts = write_corpus(corpus, n)
        words = sum(len(t.split()) for _, t in texts)
        megabytes = sum(len(t.encode()) for _, t in texts) / 1e6
        runs = [run_ingest(corpus, Path(tmp) / f"bench{i}.duckdb") for i in range(args.rounds)]
        seconds = min(r[0] for r in runs)
        peak_kb = max(r[1] for r in runs)
        best = min(runs)
        summary = runs[0][3]
        baseline = max(tokenizer_words_per_second(texts) for _ in range(args.rounds))
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    langs = dict(sorted(Counter(lang for lang, _ in texts).items()))
    print(f"machine: {len(os.sched_getaffinity(0))} cores, {cpu}, "
          f"Python {platform.python_version()}")
    print(f"corpus: {n} articles {langs}, {words:,} words, {megabytes:.2f} MB")
    print(f"ingest (best of {args.rounds}): {seconds:.2f} s, {words / seconds:,.0f} words/s "
          f"end to end; all runs {', '.join(f'{r[0]:.1f}' for r in runs)} s; "
          f"peak memory {peak_kb / 1024:.0f} MB (ingest process + workers)")
    print(f"CPU of the fastest run: {best[2]:.1f} s in {best[0]:.1f} s wall "
          f"({best[2] / best[0]:.2f} cores busy on average; CPU sampled every 50 ms)")
    print(f"spaCy bare tokenizer: {baseline:,.0f} words/s")
    print(f"ingest summary: {summary}")


if __name__ == "__main__":
    main()
