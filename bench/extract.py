"""Words per second of a whole ``protestmap ingest`` next to spaCy's bare tokenizer.

Builds a corpus from the project's own sample articles (``seeds/``), lightly varied
so that every article gets its own id (paragraphs after the lead shuffled, figures
of two digits or more scaled by up to ±20 %, the publication date moved by up to
two days, a numbered line appended), then

* runs ``protestmap ingest CORPUS --db FRESH.duckdb`` as a user would (a subprocess,
  timed from start to exit), sampling the CPU time of its whole process tree
  (ingest, pool server, workers) every 20 ms and its proportional set size (PSS)
  every 0.5 s;
* runs ``dashboard.runner.ingest`` from a fresh interpreter (no command-line start-up)
  for each ``--workers`` value, timing the first extracted batch as well;
* times spaCy's bare tokenizer (``spacy.blank(lang).make_doc``) on the same texts;
* times a small statistical spaCy pipeline (``bench/statistical.py``: en_core_web_sm's
  components, untrained) on 20,000 words of them, one core: the ingest's target,
  200,000 words/s, was set at about 30 times what such a pipeline manages, and this
  yardstick moves with the machine's speed as the ingest does;
* with ``--against REV``, runs the ``protestmap ingest`` of git revision REV (its
  ``dashboard`` and ``gazetteer`` from ``git archive``, same interpreter and packages)
  on the same corpus, alternating with this tree's, so that a change is measured
  against its baseline at the same moment of a shared machine.

Words are whitespace-separated words of the article bodies. Each measure is the
best of ``--rounds``; all runs and the load average are printed, because the
machine may be shared.

``--new-words 0.2`` replaces a fifth of each article's lowercase words (never a lexicon
word) by random word forms of its language from spacy-lookups-data's lemma tables, so
that the vocabulary keeps growing with the corpus as real news does; without it every
article is one of 27, and spaCy's and the lemmatisers' caches stay warm.

With several sizes (``--megabytes 1,5,20``) it also prints the marginal throughput
between the two largest: extra words over extra seconds, the rate once start-up and
other fixed costs are paid.

    python bench/extract.py                               # 5 MB corpus, best of 3
    python bench/extract.py --megabytes 1                 # 1 MB corpus
    python bench/extract.py --megabytes 1,5,20 --workers ''  # size sweep, CLI only
    python bench/extract.py --articles 10000 --rounds 1   # memory for 10,000 articles
    python bench/extract.py --megabytes 20 --against 61aabd2  # against an older revision
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from statistical import statistical_words_per_second

from dashboard.frontmatter import split_front_matter
from dashboard.ingest import detect_language

PROTESTMAP = str(Path(sys.executable).with_name("protestmap"))
TICKS = os.sysconf("SC_CLK_TCK")
FIGURE = re.compile(r"(?<![\d.,])\d{2,}(?![\d.,]?\d)")
YEAR = re.compile(r"(19|20)\d\d")

IN_PROCESS = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from dashboard.runner import ingest
from dashboard.store import Store
first, recluster = [], []
def update(summary):
    if not first and summary.added + summary.known:
        first.append(time.perf_counter() - started)
with Store(Path(sys.argv[2])) as store:
    def timed_recluster(reclustered=store.recluster):
        begun = time.perf_counter()
        reclustered()
        recluster.append(time.perf_counter() - begun)
    store.recluster = timed_recluster
    s = ingest([Path(sys.argv[1])], store, workers=int(sys.argv[3]), on_update=update)
print(json.dumps({"seconds": time.perf_counter() - started, "first_batch": first[0],
                  "recluster": sum(recluster), "parent_cpu": time.process_time()}))
"""


@dataclass
class Run:
    """One timed ingest."""

    seconds: float
    cpu: float
    peak_kb: int
    load: float
    first_batch: float = 0.0
    recluster: float = 0.0
    parent_peak_kb: int = 0
    output: str = ""


def seeds() -> list[tuple[dict[str, object], str, str]]:
    """(front matter, body, language) of every sample article."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        fields, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        out.append((fields, body, str(fields.get("language") or detect_language(body))))
    return out


def vary(body: str, n: int) -> str:
    """``body`` with its paragraphs after the lead shuffled and its figures scaled a little.

    >>> vary("Lead.\\n\\nOne.\\n\\nTwo, 100 people.", 3)
    'Lead.\\n\\nTwo, 104 people.\\n\\nOne.\\n\\n(3)'
    """
    rng = random.Random(n)
    lead, *rest = [p for p in body.split("\n\n") if p.strip()]
    rng.shuffle(rest)

    def scale(match: re.Match[str]) -> str:
        figure = match.group()
        if YEAR.fullmatch(figure):
            return figure
        return str(max(10, round(int(figure) * rng.uniform(0.8, 1.2))))

    return "\n\n".join([lead, *(FIGURE.sub(scale, p) for p in rest), f"({n})"])


LOWER_WORD = re.compile(r"(?<![\w-])[a-zäöüßа-яё]{4,}(?![\w-])")


def lemma_tables(languages: set[str]) -> dict[str, dict[str, str]]:
    """form -> lemma of each language, spacy-lookups-data's tables."""
    import spacy_lookups_data
    import srsly

    folder = Path(spacy_lookups_data.__file__).parent / "data"
    return {lang: dict(srsly.read_gzip_json(folder / f"{lang}_lemma_lookup.json.gz"))
            for lang in sorted(languages)}


def fresh_words(text: str, n: int, words: list[str], share: float, keep: frozenset[str]) -> str:
    """``text`` with ``share`` of its lowercase words (not in ``keep``) replaced by random
    forms of ``words``: a corpus whose vocabulary keeps growing, as real news does.

    >>> fresh_words("the crowd gathered", 1, ["zebra"], 1.0, frozenset({"crowd"}))
    'the crowd zebra'
    """
    rng = random.Random(n)

    def swap(match: re.Match[str]) -> str:
        word = match.group()
        return rng.choice(words) if word not in keep and rng.random() < share else word

    return LOWER_WORD.sub(swap, text)


def lexicon_forms(language: str, lemmas: dict[str, str]) -> frozenset[str]:
    """Every word of the extraction lexicon's phrases and every form the lemma table
    gives one of them as lemma (never replaced)."""
    from dashboard.extract.lexicon import load_lexicon

    groups = load_lexicon(language).phrase_groups()
    words = {w.lower() for table in groups.values() for phrases in table.values()
             for p in phrases for w in p.split()}
    return frozenset(words | {f.lower() for f, lemma in lemmas.items() if lemma.lower() in words})


def write_corpus(folder: Path, n_articles: int, new_words: float = 0.0) -> list[tuple[str, str]]:
    """Write ``n_articles`` varied articles as ``.txt`` with front matter; (language, body) each.

    With ``new_words`` > 0 that share of each article's lowercase words (lexicon words
    kept) is replaced by random word forms of its language (see :func:`fresh_words`).
    """
    samples = seeds()
    languages = {language for _, _, language in samples}
    tables = lemma_tables(languages) if new_words else {}
    lists = {lang: sorted(w for w in table if LOWER_WORD.fullmatch(w))
             for lang, table in tables.items()}
    keep = {lang: lexicon_forms(lang, table) for lang, table in tables.items()}
    texts = []
    for n in range(n_articles):
        fields, body, language = samples[n % len(samples)]
        text = vary(body, n)
        if new_words:
            text = fresh_words(text, n, lists[language], new_words, keep[language])
        if fields.get("published"):
            day = date.fromisoformat(str(fields["published"])[:10]) + timedelta(days=n % 3)
            fields = {**fields, "published": day.isoformat()}
        head = "".join(f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}\n"
                       for k, v in fields.items())
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{n:06d}.txt").write_text(f"---\n{head}---\n{text}\n", encoding="utf-8")
        texts.append((language, text))
    return texts


def tokenizer_words_per_second(texts: list[tuple[str, str]]) -> float:
    """spaCy's bare tokenizer over ``texts``, one core."""
    import spacy

    make_doc = {lang: spacy.blank(lang).make_doc for lang in {lang for lang, _ in texts}}
    started = time.perf_counter()
    for lang, text in texts:
        make_doc[lang](text)
    return sum(len(t.split()) for _, t in texts) / (time.perf_counter() - started)


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (pool server, workers)."""
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        with suppress(FileNotFoundError, ProcessLookupError):
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
    return found


def cpu_seconds(pid: int) -> float | None:
    with suppress(FileNotFoundError, ProcessLookupError):
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / TICKS
    return None


def pss_kb(pid: int) -> int:
    """Proportional set size: pages shared between processes (the workers fork from one
    server) are split among them, so the sum over a tree is the memory it really uses."""
    with suppress(FileNotFoundError, ProcessLookupError, StopIteration):
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        return next(int(line.split()[1]) for line in rollup.splitlines()
                    if line.startswith("Pss:"))
    return 0


def timed(command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """Run ``command``: wall seconds, CPU seconds (sampled every 20 ms) and peak PSS of its
    process tree (sampled every 0.5 s: reading PSS costs the sampler several ms a time)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=cwd, env=env)
    peak, parent_peak, cpu, ticks = 0, 0, dict[int, float](), 0
    while process.poll() is None:
        pids = tree(process.pid)
        for pid in pids:
            cpu[pid] = cpu_seconds(pid) or cpu.get(pid, 0.0)
        if ticks % 25 == 0:
            sizes = [pss_kb(pid) for pid in pids]
            peak, parent_peak = max(peak, sum(sizes)), max(parent_peak, sizes[0])
        ticks += 1
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{err}")
    return Run(seconds, sum(cpu.values()), peak, os.getloadavg()[0], output=out.strip(),
               parent_peak_kb=parent_peak)


def cli_run(corpus: Path, db: Path) -> Run:
    return timed([PROTESTMAP, "ingest", str(corpus), "--db", str(db)])


CLI_OF_SOURCE = "import sys; from dashboard.cli import app; sys.argv[0] = 'protestmap'; app()"


def revision_source(rev: str, folder: Path) -> Path:
    """``dashboard`` and ``gazetteer`` of git revision ``rev``, unpacked under ``folder``."""
    folder.mkdir()
    archive = subprocess.run(["git", "archive", rev, "dashboard", "gazetteer"], cwd=ROOT,
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def revision_run(source: Path, corpus: Path, db: Path) -> Run:
    """``protestmap ingest`` of the code under ``source`` (which comes first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    return timed([sys.executable, "-c", CLI_OF_SOURCE, "ingest", str(corpus), "--db", str(db)],
                 cwd=source, env=env)


def in_process_run(corpus: Path, db: Path, workers: int) -> Run:
    run = timed([sys.executable, "-c", IN_PROCESS, str(corpus), str(db), str(workers)])
    figures = json.loads(run.output)
    run.first_batch, run.recluster = figures["first_batch"], figures["recluster"]
    return run


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def describe(runs: list[Run], words: int) -> str:
    top = best(runs)
    return (f"{top.seconds:.2f} s wall, {words / top.seconds:,.0f} words/s, "
            f"CPU {top.cpu:.1f} s ({top.cpu / top.seconds:.2f} cores busy); all runs "
            f"{', '.join(f'{r.seconds:.1f}' for r in runs)} s at load "
            f"{', '.join(f'{r.load:.1f}' for r in runs)}")


@dataclass
class Size:
    """The measures of one corpus size."""

    articles: int
    words: int
    distinct: int
    megabytes: float
    languages: dict[str, int]
    cli: list[Run]
    runner: dict[int, list[Run]]
    tokenizer: float
    statistical: float
    against: list[Run]


def measure(n: int, rounds: int, workers: list[int], new_words: float, against: str = "") -> Size:
    """Every measure on a fresh corpus of ``n`` articles."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        texts = write_corpus(corpus, n, new_words)
        source = revision_source(against, Path(tmp) / "against") if against else None
        cli, other = [], []
        for i in range(rounds):
            cli.append(cli_run(corpus, Path(tmp) / f"cli{i}.duckdb"))
            if source:
                other.append(revision_run(source, corpus, Path(tmp) / f"against{i}.duckdb"))
        runner = {w: [in_process_run(corpus, Path(tmp) / f"w{w}-{i}.duckdb", w)
                      for i in range(rounds)] for w in workers}
        baseline = max(tokenizer_words_per_second(texts) for _ in range(rounds))
        yardstick = max(statistical_words_per_second(texts) for _ in range(rounds))
    return Size(n, sum(len(t.split()) for _, t in texts),
                len({w for _, t in texts for w in t.split()}),
                sum(len(t.encode()) for _, t in texts) / 1e6,
                dict(sorted(Counter(lang for lang, _ in texts).items())), cli, runner, baseline,
                yardstick, other)


def report(size: Size, rounds: int, against: str = "") -> None:
    print(f"corpus: {size.articles} articles {size.languages}, {size.words:,} words "
          f"({size.distinct:,} distinct), {size.megabytes:.2f} MB")
    memory = max(size.cli, key=lambda r: r.peak_kb)
    print(f"  protestmap ingest (best of {rounds}): {describe(size.cli, size.words)}")
    print(f"  peak memory of protestmap ingest (PSS of ingest + pool server + workers): "
          f"{memory.peak_kb / 1024:.0f} MB, of the ingest process alone "
          f"{memory.parent_peak_kb / 1024:.0f} MB")
    for w, runs in size.runner.items():
        top = best(runs)
        print(f"  runner.ingest, workers={w} (best of {rounds}): {describe(runs, size.words)}; "
              f"first batch extracted after {top.first_batch:.2f} s; of the total, "
              f"reclustering after the last write {top.recluster:.2f} s, so "
              f"{size.words / (top.seconds - top.recluster):,.0f} words/s up to the last write")
    print(f"  spaCy bare tokenizer (make_doc), one core: {size.tokenizer:,.0f} words/s")
    print(f"  small statistical spaCy pipeline (en_core_web_sm's components, untrained), one "
          f"core: {size.statistical:,.0f} words/s; protestmap ingest is "
          f"{size.words / best(size.cli).seconds / size.statistical:.1f}x that")
    if size.against:
        ratio = best(size.against).seconds / best(size.cli).seconds
        print(f"  protestmap ingest of {against}, alternating with this tree's (best of {rounds}): "
              f"{describe(size.against, size.words)}; this tree is {ratio:.2f}x as fast")
    print(f"  ingest summary: {size.cli[0].output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", default="5",
                        help="comma-separated corpus sizes in MB of article text (default 5)")
    parser.add_argument("--articles", type=int, default=0,
                        help="number of articles instead of --megabytes")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each measure; the best is reported (default 3)")
    parser.add_argument("--workers", default="2",
                        help="comma-separated worker counts for the in-process runner "
                             "(default 2; 0 extracts in the parent; '' skips it)")
    parser.add_argument("--new-words", type=float, default=0.0,
                        help="share of each article's lowercase words replaced by random word "
                             "forms of its language, so the vocabulary keeps growing (default 0)")
    parser.add_argument("--against", default="",
                        help="git revision whose protestmap ingest also runs on each corpus, "
                             "alternating with this tree's (default: none)")
    args = parser.parse_args()
    per_article = sum(len(b.encode()) for _, b, _ in seeds()) / len(seeds())
    counts = [args.articles] if args.articles else [
        int(float(mb) * 1e6 / per_article) + 1 for mb in args.megabytes.split(",")]
    workers = [int(w) for w in args.workers.split(",") if w]
    load_before = os.getloadavg()
    sizes = [measure(n, args.rounds, workers, args.new_words, args.against) for n in counts]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")),
                 "?")
    print(f"machine: {os.cpu_count()} cores, {model}, Python {platform.python_version()}; "
          f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    for size in sizes:
        report(size, args.rounds, args.against)
    if len(sizes) > 1:
        small, large = sorted(sizes, key=lambda s: s.words)[-2:]
        extra = best(large.cli).seconds - best(small.cli).seconds
        print(f"marginal throughput of protestmap ingest from {small.megabytes:.1f} to "
              f"{large.megabytes:.1f} MB: {large.words - small.words:,} more words in "
              f"{extra:.2f} more seconds = {(large.words - small.words) / extra:,.0f} words/s")


if __name__ == "__main__":
    main()
