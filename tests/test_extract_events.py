"""Incident vs tally, places, dates and dedupe on small articles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard.extract import extract_events, extract_many
from dashboard.types import Article, Event

FRIDAY = date(2022, 1, 7)


def events(text: str, lang: str = "de", published: date | None = FRIDAY) -> list[Event]:
    return extract_events(Article("t", text, lang, published=published))


def brief(e: Event) -> tuple[str, str, str, str]:
    return e.kind, e.place.name, e.tally_authority, e.tally_group


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "The Interior Ministry said 26 people were killed in the unrest.",
         [("tally", "Kazakhstan", "Interior Ministry", "all")]),
        ("de", "26 Demonstranten seien getötet worden, so die Regierung.",
         [("tally", "Kazakhstan", "government", "protesters")]),
        ("de", "Laut Innenministerium wurden 18 Polizisten in Kasachstan verletzt.",
         [("tally", "Kazakhstan", "Interior Ministry", "security forces")]),
        ("en", "The health ministry said more than 1,000 people had sought medical help.",
         [("tally", "Kazakhstan", "health ministry", "all")]),
        ("en", "The prosecutor general said 26 armed criminals were killed.",
         [("tally", "Kazakhstan", "prosecutor general", "protesters")]),
        ("en", "Of those, 103 people died in Almaty, the Interior Ministry said.",
         [("tally", "Almaty", "Interior Ministry", "all")]),
        ("en", "Protesters set fire to the akimat in Almaty, and 12 officers were killed, police said.",
         [("incident", "Almaty City Akimat", "", "")]),
        ("de", "Demonstranten stürmten in Almaty die Stadtverwaltung. Dabei wurden 27 Menschen verletzt.",
         [("incident", "Almaty City Akimat", "", "")]),
    ],
)
def test_incident_or_tally(lang: str, text: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert [brief(e) for e in events(text, lang)] == expected


def test_tally_continues_in_its_paragraph() -> None:
    text = ("Das Innenministerium teilte neue Opferzahlen mit. 26 Demonstranten sollen getötet "
            "worden sein. Zudem habe es mehr als 3000 Festnahmen gegeben. "
            "Weitere 18 von ihnen seien verletzt worden.")
    [tally] = events(text)
    assert (tally.kind, tally.fatalities.value, tally.injuries.value, tally.arrests.value,
            tally.arrests.qualifier) == ("tally", 26, 18, 3000, "at least")


def test_repeated_figure_is_one_tally() -> None:
    text = ("26 Demonstranten seien getötet worden, so die Regierung.\n\n"
            "Das Innenministerium teilte mit, 26 Demonstranten seien getötet worden. "
            "Zudem habe es 3000 Festnahmen gegeben.")
    tallies = [e for e in events(text) if e.kind == "tally"]
    assert len(tallies) == 1 and tallies[0].fatalities.value == 26
    assert tallies[0].tally_authority == "Interior Ministry"


def test_crowd_is_not_arrests() -> None:
    [e] = events("In der Stadt Zhanaozen sollen sich am Abend rund 3.000 Menschen versammelt haben.")
    assert e.crowd_size is not None and e.crowd_size.value == 3000 and e.arrests is None
    assert e.place.name == "Zhanaozen" and e.event_date == date(2022, 1, 6)


def test_foreign_place_gives_no_event_in_kazakhstan() -> None:
    assert events("In Moskau demonstrierten am Donnerstag 300 Menschen.") == []


def test_place_carries_within_paragraph() -> None:
    out = events("In Almaty kam es in der Nacht zu Schusswechseln. "
                 "Augenzeugen berichten, Sicherheitskräfte hätten Feuer auf die Demonstranten eröffnet.")
    assert [(e.place.name, e.event_date) for e in out] == [("Almaty", date(2022, 1, 6))]
    assert "Feuer auf die Demonstranten" in out[0].evidence


def test_country_scope_when_no_place_below_country() -> None:
    [e] = events("In Kasachstan gehen die Proteste weiter.")
    assert (e.place.kind, e.place.geo_precision, e.place.country) == ("country", 4, "KZ")
    assert "no place below country level" in e.notes or e.place.matched


def test_history_is_no_event() -> None:
    assert events("Im Dezember 2011 schossen Polizisten in Zhanaozen auf streikende Ölarbeiter.") == []
    assert events("In 2011, 14 oil workers were killed in Zhanaozen.", "en") == []


def test_without_published_date_relative_dates_stay_unresolved() -> None:
    [e] = events("Am Donnerstag stürmten Demonstranten in Almaty das Rathaus.", published=None)
    assert (e.event_date, e.time_precision) == (None, 3)
    assert "no published date" in e.notes


def test_boilerplate_gives_no_event() -> None:
    text = ("Aufgrund Ihrer Datenschutz-Einstellungen wurden diese Inhalte nicht geladen. "
            "Diese Anbieter setzen möglicherweise Cookies und sammeln Informationen.")
    assert events(text) == []


def test_coordinated_cities_give_one_event_each() -> None:
    out = events("Am Mittwoch stürmten Demonstranten in Aktobe und Taldykorgan die Gebietsverwaltungen.")
    assert sorted(e.place.name for e in out) == ["Aktobe", "Taldykorgan"]


def test_same_event_twice_is_deduplicated() -> None:
    out = events("In Almaty wurde am Mittwoch das Rathaus gestürmt. "
                 "Am Mittwoch stürmten Demonstranten in Almaty das Rathaus.")
    assert len(out) == 1


def test_extract_many_keeps_order_and_skips_unknown_languages() -> None:
    arts = [Article("a", "In Almaty stürmten Demonstranten das Rathaus.", "de", published=FRIDAY),
            Article("b", "Something in a language without a lexicon.", "xx"),
            Article("c", "Protesters stormed the akimat in Almaty.", "en", published=FRIDAY)]
    out = list(extract_many(arts, batch_size=2))
    assert [a.article_id for a, _ in out] == ["a", "b", "c"]
    assert [len(evs) for _, evs in out] == [1, 0, 1]


def test_figures_pointing_back_join_the_incident() -> None:
    [e] = events("In Almaty stürmten Demonstranten ein Verwaltungsgebäude. Dabei wurden 27 Menschen verletzt.")
    assert e.kind == "incident" and e.injuries is not None and e.injuries.value == 27


def test_groups_side_by_side_are_separate_tallies() -> None:
    text = "По данным МВД, ликвидированы 26 вооружённых преступников, погибли 18 сотрудников силовых структур."
    tallies = sorted((e.tally_group, e.fatalities.value) for e in events(text, "ru") if e.kind == "tally")
    assert tallies == [("protesters", 26), ("security forces", 18)]


def test_event_abroad_is_not_put_in_kazakhstan() -> None:
    assert events("В Бишкеке прошла акция солидарности с жителями Казахстана.", "ru") == []


def test_evening_is_the_evening_of_the_day_just_told() -> None:
    out = events("Am Mittwochnachmittag zogen in Schymkent rund 2.000 Menschen zur Gebietsverwaltung. "
                 "Am Abend drang ein Teil der Menge in das Gebäude ein und legte Feuer.")
    assert {e.event_date for e in out} == {date(2022, 1, 5)}


def test_landmark_is_not_passed_on_to_the_next_sentence() -> None:
    out = events("In Almaty stürmten Demonstranten die Stadtverwaltung. Auch die Präsidentenresidenz brannte.")
    assert sorted(e.place.name for e in out) == ["Almaty", "Almaty City Akimat"]


def coded(e: Event) -> tuple[str, str, str]:
    return e.event_type, e.sub_event_type, e.place.name


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        # future, conditional, expectation, appeal: nothing has happened
        ("en", "Experts expect peacekeepers to guard strategic sites in Almaty."),
        ("en", "If arrests continue, they will gather again in Almaty."),
        ("en", "Rights groups have called for an independent inquiry into the shootings in Almaty."),
        ("de", "Die Opposition ruft für Samstag zu Protesten in Almaty auf."),
        ("ru", "Эксперты ожидают, что миротворцы возьмут под охрану объекты в Алматы."),
        ("ru", "Организаторы пообещали собраться снова, если в Алматы продолжатся аресты."),
        # a statement about the past with no place or date of its own only mentions
        ("en", "A 22-year-old student who joined the march told us the crowd had been peaceful."),
        ("en", "Tokayev has blamed the violence on foreign-trained militants."),
        # security forces blocking roads is not a protest blockade
        ("ru", "Военные блокировали подъезды к центру Алматы."),
        ("en", "Soldiers blocked all roads to the centre of Almaty."),
    ],
)
def test_background_gives_no_incident(lang: str, text: str) -> None:
    assert [coded(e) for e in events(text, lang) if e.kind == "incident"] == []


def test_things_that_happened_stay_before_a_future_cue() -> None:
    text = "Protesters stormed the akimat in Almaty, and police say they will investigate."
    assert [coded(e) for e in events(text, "en")] == [
        ("Riots", "Violent demonstration", "Almaty City Akimat")]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "President Tokayev declared a state of emergency in Almaty on Wednesday."),
        ("ru", "В Алматы в среду введён режим чрезвычайного положения."),
        ("de", "Präsident Tokajew verhängte am Mittwoch in Almaty den Ausnahmezustand."),
    ],
)
def test_state_of_emergency_is_national(lang: str, text: str) -> None:
    [e] = events(text, lang)
    assert (e.event_type, e.place.kind, e.place.geo_precision) == ("Strategic developments", "country", 4)


@pytest.mark.parametrize(
    ("lang", "text", "sub_type"),
    [
        ("en", "Thousands gathered in Almaty on Wednesday. Police fired tear gas at them.",
         "Protest with intervention"),
        ("ru", "В среду тысячи людей вышли на митинг в Алматы. Полиция применила слезоточивый газ.",
         "Protest with intervention"),
    ],
)
def test_intervention_without_place_is_the_protests(lang: str, text: str, sub_type: str) -> None:
    [e] = events(text, lang)
    assert (e.event_type, e.sub_event_type, e.place.name) == ("Protests", sub_type, "Almaty")
    assert "tear gas" in e.evidence or "газ" in e.evidence


def test_figures_without_source_join_the_paragraphs_incident() -> None:
    text = ("Police in Almaty used tear gas overnight to break up a crowd of protesters. "
            "Dozens of people were detained, according to witnesses.")
    [e] = events(text, "en")
    assert (e.kind, e.arrests.value, e.arrests.qualifier) == ("incident", 12, "vague")


def test_sentences_after_a_place_abroad_stay_abroad() -> None:
    text = ("В Бишкеке прошла акция солидарности с жителями Казахстана\n\n"
            "Несколько десятков человек собрались у посольства в Бишкеке.\n\n"
            "Акция прошла спокойно, милиция не вмешивалась.")
    assert events(text, "ru") == []


def test_undated_article_leaves_day_and_month_unresolved() -> None:
    text = "Zhanaozen has a painful past.\n\nOn 2 January, drivers gathered in Zhanaozen."
    [e] = events(text, "en", published=None)
    assert (e.place.name, e.event_date, e.time_precision) == ("Zhanaozen", None, 3)
    assert "no published date" in e.notes


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", ("Сегодня первые российские подразделения прибыли в Казахстан; самолёты вылетели "
                "с аэродрома Чкаловский и из Оренбурга."), [("Strategic developments", "Kazakhstan")]),
        ("en", "Today Russian paratroopers landed in Kazakhstan, flying in from Moscow.",
         [("Strategic developments", "Kazakhstan")]),
        ("ru", "В Бишкеке прошла акция солидарности с жителями Казахстана.", []),
    ],
)
def test_place_of_origin_abroad_is_not_the_events(lang: str, text: str,
                                                  expected: list[tuple[str, str]]) -> None:
    assert [(e.event_type, e.place.name) for e in events(text, lang)] == expected


def test_each_attacked_landmark_is_an_event() -> None:
    text = "В Алматы вчера были подожжены здание акимата и резиденция президента, захвачен аэропорт."
    places = sorted(e.place.name for e in events(text, "ru"))
    assert places == ["Almaty City Akimat", "Almaty International Airport"]


def test_landmark_named_as_a_point_of_reference_is_no_event() -> None:
    text = "This morning there was shooting on Republic Square in Almaty, in front of the burned-out akimat."
    assert [e.place.name for e in events(text, "en")] == ["Republic Square"]


def test_country_lead_sums_up_the_events_at_places() -> None:
    text = ("Unruhen in Kasachstan\n\nDie Proteste in Kasachstan fordern zunehmend Todesopfer.\n\n"
            "In Almaty stürmten Demonstranten am Mittwoch die Stadtverwaltung.")
    assert [(e.event_type, e.place.kind) for e in events(text)] == [("Riots", "landmark")]


def test_counted_crowd_on_the_move_is_a_protest() -> None:
    text = "В среду, 5 января, в Кызылорде около полутора тысяч человек прошли к зданию акимата."
    [e] = events(text, "ru")
    assert (e.event_type, e.place.name, e.crowd_size.value, e.crowd_size.qualifier) == (
        "Protests", "Kyzylorda", 1500, "about")


def test_extraction_leaves_no_reference_cycles() -> None:
    """Workers free each parsed article at once instead of leaving it to the garbage collector."""
    import gc

    from dashboard.ingest import read_articles

    root = Path(__file__).resolve().parents[1] / "seeds"
    articles = [a for a in read_articles([root]) if isinstance(a, Article)]
    list(extract_many(articles))
    gc.collect()
    gc.disable()
    try:
        events = [e for _, found in extract_many(articles) for e in found]
        assert events
        assert gc.collect() == 0
    finally:
        gc.enable()
