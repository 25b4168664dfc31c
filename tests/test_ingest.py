"""Reading articles: formats, fields, encodings, and one clear line per bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from dashboard.errors import BadInput
from dashboard.ingest import article_id, detect_language, read_articles
from dashboard.types import Article

SEED = Path(__file__).parents[1] / "seeds" / "000_6e6f88a621e68b95.txt"
GERMAN = "Die Proteste in Kasachstan gehen weiter. In Almaty wurde die Stadtverwaltung gestürmt."
ENGLISH = "Protesters stormed the city administration in Almaty, the interior ministry said."
RUSSIAN = "В Алматы протестующие захватили здание городской администрации, сообщило МВД."
FRENCH = "Les manifestants ont pris d'assaut la mairie d'Almaty, selon le ministère de l'Intérieur."


def read(*paths: Path, **defaults: object) -> list[Article | BadInput]:
    return list(read_articles(list(paths), **defaults))  # type: ignore[arg-type]


def only(items: list[Article | BadInput]) -> Article | BadInput:
    assert len(items) == 1, items
    return items[0]


def test_seed_article_reads_with_its_front_matter() -> None:
    article = only(read(SEED))
    assert isinstance(article, Article)
    assert (article.published, article.language) == (date(2022, 1, 7), "de")
    assert article.title.startswith("Kasachstan: In Almaty")
    assert article.text.startswith("Kasachstan: In Almaty")
    assert "---" not in article.text and "published:" not in article.text


@pytest.mark.parametrize("content, encoding, expected", [
    (GERMAN, "utf-8", GERMAN),
    ("\ufeff" + GERMAN, "utf-8", GERMAN),
    (GERMAN + " Größere Übergriffe.", "latin-1", GERMAN + " Größere Übergriffe."),
    (GERMAN + " Größere Übergriffe.", "cp1252", GERMAN + " Größere Übergriffe."),
    (RUSSIAN, "cp1251", RUSSIAN),
    (RUSSIAN, "koi8-r", RUSSIAN),
])
def test_encodings_are_decoded(tmp_path: Path, content: str, encoding: str, expected: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(content.encode(encoding))
    article = only(read(path))
    assert isinstance(article, Article)
    assert article.text == expected


@pytest.mark.parametrize("text, language", [(GERMAN, "de"), (ENGLISH, "en"), (RUSSIAN, "ru")])
def test_language_is_detected(tmp_path: Path, text: str, language: str) -> None:
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    article = only(read(tmp_path / "a.txt"))
    assert isinstance(article, Article) and article.language == language


def test_language_told_from_the_start_is_the_stated_one_for_every_seed_article() -> None:
    seeds = sorted(SEED.parent.glob("*.txt"))
    stated = [a for a in read(*seeds) if isinstance(a, Article)]
    assert len(stated) == len(seeds)
    for article in stated:
        assert detect_language(article.text) == article.language, article.path


def big_file(path: Path) -> bytes:
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    return b""


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "file is empty"),
    ("blank.txt", b"  \n\n ", "file is empty"),
    ("nul.txt", b"PNG\x00\x01\x02binary", "binary file (NUL bytes), not text"),
    ("ctrl.txt", bytes(range(1, 9)) * 100, "binary file (control characters), not text"),
    ("french.txt", FRENCH.encode(), "language 'fr' is not supported (de, en, ru)"),
    ("lang.md", f"---\nlanguage: fr\n---\n{GERMAN}".encode(),
     "language 'fr' is not supported (de, en, ru)"),
    ("date.md", f"---\npublished: 2022-13-45\n---\n{GERMAN}".encode(),
     "published '2022-13-45' is not a date (YYYY-MM-DD)"),
    ("yaml.md", f"---\ntitle: ok\nsource: [unclosed\n---\n{GERMAN}".encode(),
     "front matter is not valid YAML (line 4"),
    ("list.md", f"---\n- a\n- b\n---\n{GERMAN}".encode(), "front matter must be 'key: value'"),
    ("open.md", f"---\ntitle: x\n{GERMAN}".encode(), "never closed"),
    ("only.md", b"---\ntitle: x\n---\n\n", "no article text after the front matter"),
    ("scripts.html", (b"<html><head><script>var a = 'lots of script';</script></head><body>"
     b"<script>alert(1)</script><nav><a href='/'>Home</a></nav></body></html>"),
     "no article text found in the HTML"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
    ("huge.txt", None, "above the limit of 10 MB"),
])
def test_bad_file_gives_one_clear_line(tmp_path: Path, name: str, content: bytes | None,
                                       message: str) -> None:
    path = tmp_path / name
    if content is None:
        big_file(path)
    else:
        path.write_bytes(content)
    error = only(read(path))
    assert isinstance(error, BadInput)
    assert str(error).startswith(f"{path}: ")
    assert message in str(error)
    assert "\n" not in str(error)


def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GERMAN)
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text(ENGLISH)
    items = read(tmp_path)
    assert [type(i).__name__ for i in items] == ["Article", "BadInput", "Article"]


def test_folder_is_walked_recursively_sorted_skipping_hidden_and_other_files(
        tmp_path: Path) -> None:
    for rel, text in [("b/2.txt", ENGLISH), ("a/1.md", GERMAN), ("c.txt", RUSSIAN),
                      (".git/x.txt", ENGLISH + " hidden"), ("pic.png", "x")]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    paths = [Path(a.path).relative_to(tmp_path).as_posix() for a in read(tmp_path)
             if isinstance(a, Article)]
    assert paths == ["c.txt", "a/1.md", "b/2.txt"]


def test_html_main_text_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_text(
        "<html><head><title>Unrest</title>"
        "<meta property='article:published_time' content='2022-01-06T10:00:00+06:00'>"
        "<script>var secret = 'script text';</script></head><body>"
        "<nav><ul><li><a href='/'>Start</a></li><li><a href='/p'>Politik</a></li></ul></nav>"
        f"<article><h1>Unrest in Almaty</h1><p>{ENGLISH}</p><p>{ENGLISH.replace('Almaty', 'Aktau')}"
        "</p></article><footer>Cookie settings</footer></body></html>")
    article = only(read(path))
    assert isinstance(article, Article)
    assert ENGLISH in article.text
    assert "script text" not in article.text and "Politik" not in article.text
    assert article.published == date(2022, 1, 6)


@pytest.mark.parametrize("fields, defaults, expected", [
    ({}, {}, (None, "", "de")),
    ({}, {"published": date(2022, 1, 5), "source": "cli", "language": "en"},
     (date(2022, 1, 5), "cli", "en")),
    ({"published": "2022-01-07", "source": "fm", "language": "de"},
     {"published": date(2022, 1, 5), "source": "cli", "language": "en"},
     (date(2022, 1, 7), "fm", "de")),
])
def test_front_matter_wins_and_cli_values_are_defaults(
        tmp_path: Path, fields: dict[str, str], defaults: dict[str, object],
        expected: tuple[object, ...]) -> None:
    head = "".join(f"{k}: {v}\n" for k, v in fields.items())
    path = tmp_path / "a.md"
    path.write_text((f"---\n{head}---\n" if head else "") + GERMAN)
    article = only(read(path, **defaults))
    assert isinstance(article, Article)
    assert (article.published, article.source, article.language) == expected


def test_article_id_ignores_front_matter_and_whitespace(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GERMAN)
    (tmp_path / "b.md").write_text(f"---\ntitle: Other\n---\n  {GERMAN.replace(' ', '   ')}\n\n")
    a, b = read(tmp_path / "a.txt", tmp_path / "b.md")
    assert isinstance(a, Article) and isinstance(b, Article)
    assert a.article_id == b.article_id == article_id(GERMAN)


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_jsonl_manifest_rows(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(f"---\nsource: file\n---\n{ENGLISH}")
    manifest = write_jsonl(tmp_path / "m.jsonl", [
        {"text": GERMAN, "published": "2022-01-06", "source": "Rundschau"},
        {"path": "docs/a.txt", "published": "2022-01-05", "source": "row"},
        "{not json",
        {"title": "no text"},
        {"path": "../../etc/passwd"},
        {"path": "/etc/passwd"},
        {"text": RUSSIAN, "published": "2022-02-30"},
        [1, 2],
    ])
    items = read(manifest)
    assert [type(i).__name__ for i in items] == ["Article"] * 2 + ["BadInput"] * 6
    first, second = items[0], items[1]
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.published, first.source, first.language) == (date(2022, 1, 6), "Rundschau", "de")
    assert (second.published, second.source) == (date(2022, 1, 5), "file")
    messages = [str(i) for i in items[2:]]
    assert messages[0].startswith(f"{manifest}:3: not a JSON object")
    assert messages[1] == f"{manifest}:4: row has neither 'text' nor 'path'"
    assert messages[2] == (f"{manifest}:5: path '../../etc/passwd' leaves the manifest's folder;"
                           " refused")
    assert messages[3] == f"{manifest}:6: path '/etc/passwd' leaves the manifest's folder; refused"
    assert messages[4] == f"{manifest}:7: published '2022-02-30' is not a date (YYYY-MM-DD)"
    assert messages[5] == f"{manifest}:8: not a JSON object"


def test_csv_manifest_with_multiline_text(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text('text,published,language\n"Zeile eins.\nZeile zwei.",2022-01-07,de\n'
                        f'"{ENGLISH}",,\n,,\n', encoding="utf-8")
    items = read(manifest)
    assert [type(i).__name__ for i in items] == ["Article", "Article", "BadInput"]
    assert isinstance(items[0], Article) and items[0].text == "Zeile eins.\nZeile zwei."
    assert isinstance(items[1], Article) and items[1].published is None
    assert str(items[2]).startswith(f"{manifest}:5: row has neither")


def test_csv_without_text_or_path_column_is_one_error(tmp_path: Path) -> None:
    table = tmp_path / "gold.csv"
    table.write_text("article,location\na.txt,Almaty\nb.txt,Aktau\n")
    assert [str(e) for e in read(table)] == [
        f"{table}: not a manifest (no 'text' or 'path' column)"]


def test_oversized_manifest_row_is_refused_and_the_next_row_read(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    with manifest.open("w") as f:
        f.write(json.dumps({"text": "x" * (11 * 1024 * 1024)}) + "\n")
        f.write(json.dumps({"text": GERMAN}) + "\n")
    error, article = read(manifest)
    assert str(error) == f"{manifest}:1: row is above the limit of 10 MB"
    assert isinstance(article, Article) and article.language == "de"


def test_missing_path_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert str(only(read(missing))) == f"{missing}: no such file or directory"


def test_manifest_is_streamed_row_by_row(tmp_path: Path) -> None:
    manifest = write_jsonl(tmp_path / "m.jsonl", [{"text": ENGLISH}])
    stream = read_articles([manifest])
    assert isinstance(next(stream), Article)
    with manifest.open("a") as f:
        f.write(json.dumps({"text": GERMAN}) + "\n")
    later = list(stream)
    assert [a.language for a in later if isinstance(a, Article)] == ["de"]


def test_ingest_reports_an_article_whose_extraction_fails_and_keeps_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import runner
    from dashboard.store import Store

    def extract(articles: list[Article]) -> list[list[object]]:
        if any("BOOM" in a.text for a in articles):
            raise RuntimeError("boom")
        return [[] for _ in articles]

    monkeypatch.setattr(runner, "extract_batch", extract)
    for name, text in [("a.txt", GERMAN), ("b.txt", ENGLISH + " BOOM"), ("c.txt", RUSSIAN),
                       ("d.txt", "")]:
        (tmp_path / name).write_text(text)
    errors: list[str] = []
    with Store(tmp_path / "e.duckdb") as store:
        summary = runner.ingest([tmp_path], store, on_error=errors.append)
        stored = sorted(Path(p).name for p in store.articles_frame()["path"])
    assert stored == ["a.txt", "c.txt"]
    assert errors == [f"{tmp_path / 'd.txt'}: file is empty",
                      f"{tmp_path / 'b.txt'}: extraction failed (RuntimeError: boom)"]
    assert (summary.added, len(summary.errors)) == (2, 2)
