"""Dates: absolute, weekday and relative expressions resolved from the published date."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import marks

from dashboard.extract.dates import DateRef, resolve_date
from dashboard.extract.lexicon import load_lexicon

FRIDAY = date(2022, 1, 7)


def sentence_dates(lang: str, text: str, published: date | None,
                   latest: int | None = None) -> list[DateRef]:
    words = load_lexicon(lang).dates
    return [resolve_date(label, found, published, words, latest)
            for label, found in marks(lang, text).dates]


def first_date(lang: str, text: str, published: date | None = FRIDAY) -> DateRef | None:
    refs = sentence_dates(lang, text, published)
    return refs[0] if refs else None


@pytest.mark.parametrize(
    ("lang", "text", "expected", "precision"),
    [
        ("de", "Am 5. Januar stürmten Demonstranten das Rathaus.", date(2022, 1, 5), 1),
        ("de", "Am 5.1. stürmten Demonstranten das Rathaus.", date(2022, 1, 5), 1),
        ("de", "Am 5. Januar 2022 stürmten sie das Rathaus.", date(2022, 1, 5), 1),
        ("de", "Am Donnerstag trafen Truppen ein.", date(2022, 1, 6), 1),
        ("de", "Am Freitagmorgen meldete das Ministerium neue Zahlen.", date(2022, 1, 7), 1),
        ("de", "Am Mittwochnachmittag zogen Tausende durch die Stadt.", date(2022, 1, 5), 1),
        ("de", "In der Nacht kam es zu Schusswechseln.", date(2022, 1, 6), 2),
        ("de", "Am Abend versammelten sich Menschen.", date(2022, 1, 6), 2),
        ("de", "Gestern eskalierte die Lage.", date(2022, 1, 6), 1),
        ("de", "Vorgestern begannen die Proteste.", date(2022, 1, 5), 1),
        ("de", "Heute blieb es ruhig.", date(2022, 1, 7), 1),
        ("de", "In der Nacht zum Freitag fielen Schüsse.", date(2022, 1, 6), 2),
        ("de", "Am Sonntag gingen die ersten Menschen auf die Straße.", date(2022, 1, 2), 1),
        ("de", "Am 16. Dezember gab es Proteste.", date(2021, 12, 16), 1),
        ("en", "On January 5 crowds stormed the akimat.", date(2022, 1, 5), 1),
        ("en", "On 5 January crowds stormed the akimat.", date(2022, 1, 5), 1),
        ("en", "On Wednesday crowds stormed the akimat.", date(2022, 1, 5), 1),
        ("en", "Yesterday the crowd gathered again.", date(2022, 1, 6), 1),
        ("en", "Gunfire was heard overnight.", date(2022, 1, 6), 2),
        ("en", "Shots were heard last night.", date(2022, 1, 6), 2),
        ("en", "Today the square was empty.", date(2022, 1, 7), 1),
        ("en", "On Thursday evening troops arrived.", date(2022, 1, 6), 1),
        ("en", "On Jan. 5, 2022 the airport was seized.", date(2022, 1, 5), 1),
        ("ru", "Второго января жители вышли на улицы.", date(2022, 1, 2), 1),
        ("ru", "Пятого января толпа захватила акимат.", date(2022, 1, 5), 1),
        ("ru", "Двадцать первого декабря прошёл митинг.", date(2021, 12, 21), 1),
        ("ru", "5 января толпа захватила акимат.", date(2022, 1, 5), 1),
    ],
)
def test_resolved(lang: str, text: str, expected: date, precision: int) -> None:
    ref = first_date(lang, text)
    assert ref is not None and (ref.date, ref.precision, ref.history) == (expected, precision, False)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Im Dezember 2011 schossen Polizisten auf Ölarbeiter."),
        ("en", "In 2011, 14 people were killed in Zhanaozen."),
        ("en", "The country became independent in 1991."),
    ],
)
def test_past_year_is_history(lang: str, text: str) -> None:
    ref = first_date(lang, text)
    assert ref is not None and ref.history


def test_bare_year_in_undated_article_is_background() -> None:
    ref = first_date("en", "In 2011, 14 oil workers were killed in Zhanaozen.", published=None)
    assert ref is not None and ref.history and ref.date is None


@pytest.mark.parametrize(
    ("lang", "text"),
    [("de", "Am Donnerstag trafen Truppen ein."), ("de", "In der Nacht fielen Schüsse."),
     ("en", "Yesterday the crowd gathered."), ("en", "Overnight shots were heard.")],
)
def test_relative_without_published_date_stays_unresolved(lang: str, text: str) -> None:
    ref = first_date(lang, text, published=None)
    assert ref is not None and ref.date is None and ref.precision == 3 and "no published date" in ref.note


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("en", "A state of emergency is in force until 19 January.", date(2022, 1, 5), date(2022, 1, 19)),
        ("de", "Der Ausnahmezustand gilt bis 19. Januar.", date(2022, 1, 5), date(2022, 1, 19)),
        ("ru", "Режим ЧП введён до 19 января.", date(2022, 1, 5), date(2022, 1, 19)),
        ("en", "Curfew stays until 2 January.", date(2021, 12, 28), date(2022, 1, 2)),
    ],
)
def test_date_after_published_is_nearest_year_and_no_event_date(
        lang: str, text: str, published: date, expected: date) -> None:
    ref = first_date(lang, text, published)
    assert ref is not None and ref.date == expected and ref.future


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "On 2 January drivers gathered; in 2011 police fired on strikers.", None),
        ("de", "Am 5. Januar stürmten sie das Rathaus, wie schon im Dezember 2011.", None),
        ("ru", "Второго января жители вышли на улицы.", None),
        ("en", "On 5 January 2022 crowds stormed the akimat.", date(2022, 1, 5)),
    ],
)
def test_without_published_date_only_a_stated_year_resolves(lang: str, text: str,
                                                            expected: date | None) -> None:
    ref = sentence_dates(lang, text, None, 2011)[0]
    assert ref.date == expected and ref.history is False
    assert (ref.precision, "no published date" in ref.note) == ((3, True) if expected is None else (1, False))


def test_no_date_words_no_date() -> None:
    assert first_date("de", "Demonstranten stürmten das Rathaus.") is None


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_first_character_check_changes_no_match(lang: str) -> None:
    """The rules find the same dates with and without their check of a word's first
    character (every digit and first letter of a month, weekday or ordinal day word)."""
    import random
    import re

    from dashboard.extract.dates import date_rules

    words = load_lexicon(lang).dates
    rules = date_rules(words)
    check = re.match(r"\(\?<!\[\\w\.\]\)(\(\?=\[[^]]*\]\))", rules.pattern)
    assert check is not None
    unchecked = re.compile(rules.pattern.replace(check.group(1), "", 1))
    pieces = [*words.months, *words.weekdays, *words.day_parts, *words.ordinal_days,
              *"0123456789٣ .,;:-/\n", " 5. ", " of ", " 2022", "31.12.", "xy", "ab", "й"]
    rng = random.Random(3)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20000)]

    def found(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str | None]]:
        return [(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text)]

    assert all(found(rules, t) == found(unchecked, t) for t in texts)
    assert sum(bool(found(rules, t)) for t in texts) > 1000
