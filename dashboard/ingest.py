"""Files, folders and manifests -> ``Article`` (text, language, published, source, id).

``read_articles`` streams: folders are walked one directory at a time (sorted),
manifests one row at a time. Every bad file or row becomes one ``BadInput``
whose message is ``PATH: problem``; the rest still comes through.

Fields (title, published, source, url, language) are taken from the nearest
place that states them: a file's own front matter or HTML metadata, then its
manifest row, then the defaults given on the command line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from dashboard.errors import BadInput
from dashboard.frontmatter import split_front_matter
from dashboard.textio import MAX_ARTICLE_BYTES, decode, read_text
from dashboard.types import Article

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "ru")
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MANIFEST_SUFFIXES = frozenset({".jsonl", ".csv"})
FIELDS = ("title", "published", "source", "url", "language")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
DETECT_CHARS = 300
"""Characters from the start of an article its language is told by. lingua's time grows with
the text (0.27 ms for 300 characters, 0.52 ms for 600); 300 and 600 give the same language on
every article of seeds/, tests/data and the bench corpora, and on 95,000 windows starting at
their paragraphs, but for five windows of a table mixing the three languages."""


def normalise(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, stripped.

    >>> normalise("  Proteste\\n\\n in   Almaty ")
    'Proteste in Almaty'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def article_id(text: str) -> str:
    """sha256 (hex) of the normalised text: the same article always gets the same id.

    >>> article_id("Proteste in Almaty.") == article_id(" Proteste  in\\nAlmaty. ")
    True
    >>> len(article_id("x"))
    64
    """
    return _digest(normalise(text))


def _digest(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def parse_published(value: Any, name: str) -> date | None:
    """A publication date from ``YYYY-MM-DD`` (an ISO timestamp's date part is fine).

    >>> parse_published("2022-01-07T09:30:00+06:00", "a.txt")
    datetime.date(2022, 1, 7)
    >>> parse_published("2022-13-45", "a.txt")
    Traceback (most recent call last):
    ...
    dashboard.errors.BadInput: a.txt: published '2022-13-45' is not a date (YYYY-MM-DD)
    """
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value).strip())
    try:
        if match is None:
            raise ValueError
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise BadInput(f"{name}: published '{value}' is not a date (YYYY-MM-DD)") from None


def check_language(value: str, name: str) -> str:
    """A supported language code, lower-cased.

    >>> check_language("DE", "a.txt")
    'de'
    >>> check_language("fr", "a.txt")
    Traceback (most recent call last):
    ...
    dashboard.errors.BadInput: a.txt: language 'fr' is not supported (de, en, ru)
    """
    code = str(value).strip().lower()
    if code not in SUPPORTED_LANGUAGES:
        raise BadInput(f"{name}: language '{value}' is not supported "
                       f"({', '.join(SUPPORTED_LANGUAGES)})")
    return code


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    # German, English and Russian plus common others, only so that an article in
    # another language is named and refused instead of being taken for English.
    known = [Language.GERMAN, Language.ENGLISH, Language.RUSSIAN, Language.FRENCH,
             Language.SPANISH, Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH,
             Language.POLISH, Language.UKRAINIAN, Language.KAZAKH, Language.TURKISH,
             Language.CHINESE, Language.ARABIC, Language.JAPANESE]
    return LanguageDetectorBuilder.from_languages(*known).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text`` (judged on its start), or None.

    >>> detect_language("Die Proteste in Kasachstan fordern zunehmend Todesopfer.")
    'de'
    """
    found = _detector().detect_language_of(text[:DETECT_CHARS])
    return None if found is None else found.iso_code_639_1.name.lower()


def read_articles(
    paths: Sequence[Path],
    *,
    published: date | None = None,
    source: str | None = None,
    language: str | None = None,
) -> Iterator[Article | BadInput]:
    """Stream the articles in ``paths`` (files, folders, manifests); bad ones as ``BadInput``.

    ``published``/``source``/``language`` are defaults for articles that do not say.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("---\\npublished: 2022-01-07\\n---\\nProteste in Almaty.")
    >>> _ = (d / "b.txt").write_text("")
    >>> [type(x).__name__ for x in read_articles([d], language="de")]
    ['Article', 'BadInput']
    """
    defaults = {"published": published, "source": source, "language": language}
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for file in article_files(path):
                yield from _read_path(file, defaults)
        elif path.exists():
            yield from _read_path(path, defaults)
        else:
            yield BadInput(f"{path}: no such file or directory")


def article_files(folder: Path) -> Iterator[Path]:
    """The files under ``folder`` that ``read_articles`` reads, sorted, hidden ones skipped.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "b.txt").write_text("x"), (d / "a.md").write_text("x"), (d / "c.png").write_text("x")
    >>> [f.name for f in article_files(d)]
    ['a.md', 'b.txt']
    """
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            file = Path(root) / name
            if not name.startswith(".") and _kind(file) is not None:
                yield file


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MANIFEST_SUFFIXES:
        return "manifest"
    return None


def _read_path(path: Path, defaults: Mapping[str, Any]) -> Iterator[Article | BadInput]:
    kind = _kind(path)
    try:
        if kind == "manifest":
            rows = _jsonl_rows(path) if path.suffix.lower() == ".jsonl" else _csv_rows(path)
            for where, row in rows:
                yield row if isinstance(row, BadInput) else _guard(
                    _from_row, row, where, path.parent, defaults)
            return
        if kind is None:
            raise BadInput(f"{path}: unsupported file type '{path.suffix}' "
                           "(.txt, .md, .html, .jsonl, .csv)")
        yield _from_file(path, defaults)
    except BadInput as exc:
        yield exc
    except OSError as exc:
        yield BadInput(f"{path}: cannot be read ({exc.strerror or exc})")


def _guard(make: Any, *args: Any) -> Article | BadInput:
    try:
        result: Article = make(*args)
        return result
    except BadInput as exc:
        return exc


def _from_file(path: Path, defaults: Mapping[str, Any]) -> Article:
    name = str(path)
    if _kind(path) == "html":
        body, fields = _html(read_text(path), name)
    else:
        fields, body = split_front_matter(read_text(path), name)
        if not body.strip():
            after = " after the front matter" if fields else ""
            raise BadInput(f"{name}: no article text{after}")
    return make_article(body, {**defaults, **_known(fields)}, name, name)


def _html(html: str, name: str) -> tuple[str, dict[str, Any]]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, fast=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(doc, "text", None) or ""
    if not text.strip():
        raise BadInput(f"{name}: no article text found in the HTML "
                       "(only markup, scripts or navigation)")
    fields = {"title": getattr(doc, "title", None), "published": getattr(doc, "date", None),
              "url": getattr(doc, "url", None)}
    return text, {k: v for k, v in fields.items() if v}


def _known(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in FIELDS if fields.get(k) not in (None, "")}


def make_article(text: str, fields: Mapping[str, Any], name: str, path: str = "") -> Article:
    """Validate ``fields`` and build the Article for ``text`` (``name`` is used in messages).

    >>> make_article("Protests in Almaty.", {"published": "2022-01-05"}, "a.txt").language
    'en'
    """
    if len(text) > MAX_ARTICLE_BYTES // 4 and len(text.encode("utf-8")) > MAX_ARTICLE_BYTES:
        raise BadInput(f"{name}: article is above the limit of {MAX_ARTICLE_BYTES / 1e6:.0f} MB")
    normalised = normalise(text)
    if not normalised:
        raise BadInput(f"{name}: no article text")
    language = fields.get("language")
    if language is None:
        language = detect_language(text)
        if language is None:
            raise BadInput(f"{name}: language could not be detected; give --language")
    return Article(
        article_id=_digest(normalised),
        text=text.strip(),
        language=check_language(language, name),
        title=str(fields.get("title") or _first_line(text)),
        published=parse_published(fields.get("published"), name),
        source=str(fields.get("source") or ""),
        url=str(fields.get("url") or ""),
        path=path,
    )


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= 160 else line[:159] + "…"


def _from_row(row: Mapping[str, Any], where: str, folder: Path,
              defaults: Mapping[str, Any]) -> Article:
    fields = {**defaults, **_known(row)}
    text, ref = row.get("text"), row.get("path")
    if text not in (None, ""):
        return make_article(str(text), fields, where, where)
    if ref in (None, ""):
        raise BadInput(f"{where}: row has neither 'text' nor 'path'")
    return _from_file(_inside(folder, str(ref), where), fields)


def _inside(folder: Path, ref: str, where: str) -> Path:
    target = (folder / ref).resolve()
    if Path(ref).is_absolute() or not target.is_relative_to(folder.resolve()):
        raise BadInput(f"{where}: path '{ref}' leaves the manifest's folder; refused")
    if _kind(target) not in ("text", "html"):
        raise BadInput(f"{where}: path '{ref}' is not a .txt, .md or .html file")
    if not target.is_file():
        raise BadInput(f"{where}: path '{ref}' does not exist")
    return folder / ref


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | BadInput]]:
    with path.open("rb") as f:
        for number, line in enumerate(_bounded_lines(f, path), start=1):
            where = f"{path}:{number}"
            if isinstance(line, BadInput):
                yield where, BadInput(f"{where}: {line}")
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(decode(line, where))
            except (json.JSONDecodeError, BadInput) as exc:
                reason = str(exc).removeprefix(where + ": ")
                yield where, BadInput(f"{where}: not a JSON object ({reason})")
                continue
            yield where, row if isinstance(row, dict) else BadInput(f"{where}: not a JSON object")


def _bounded_lines(f: Any, path: Path) -> Iterator[bytes | BadInput]:
    """Lines of a binary file; a line above the size limit is skipped, not held in memory."""
    while True:
        line = f.readline(MAX_ARTICLE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_ARTICLE_BYTES and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield BadInput(f"row is above the limit of {MAX_ARTICLE_BYTES / 1e6:.0f} MB")
            continue
        yield line


def _csv_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | BadInput]]:
    csv.field_size_limit(MAX_ARTICLE_BYTES + 1)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        try:
            if not {"text", "path"} & set(reader.fieldnames or ()):
                yield str(path), BadInput(f"{path}: not a manifest (no 'text' or 'path' column)")
                return
            for row in reader:
                yield f"{path}:{reader.line_num}", row
        except (csv.Error, UnicodeDecodeError) as exc:
            yield f"{path}:{reader.line_num}", BadInput(f"{path}:{reader.line_num}: {exc}")
