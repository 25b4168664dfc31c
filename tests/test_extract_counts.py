"""Counts: numbers in digits and words, qualifiers, vague words, and what is not a count."""

from __future__ import annotations

import pytest
from conftest import marks


def counts(lang: str, text: str) -> list[tuple[str, int, str]]:
    return [(m, c.value, c.qualifier) for m, c, _ in marks(lang, text).counts]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "26 Demonstranten seien getötet worden.", [("fatalities", 26, "exact")]),
        ("de", "Zudem habe es mehr als 3000 Festnahmen gegeben.", [("arrests", 3000, "at least")]),
        ("de", "Dort sollen sich rund 3.000 Menschen versammelt haben.", [("crowd_size", 3000, "about")]),
        ("de", "Weitere 18 von ihnen seien verletzt worden.", [("injuries", 18, "exact")]),
        ("de", "Dabei kamen acht Angehörige der Sicherheitskräfte ums Leben.", [("fatalities", 8, "exact")]),
        ("de", "Bis zu 500 Menschen wurden festgenommen.", [("arrests", 500, "up to")]),
        ("de", "Mindestens zwölf Menschen starben.", [("fatalities", 12, "at least")]),
        ("de", "Dutzende Demonstranten wurden festgenommen.", [("arrests", 12, "vague")]),
        ("de", "Hunderte Menschen versammelten sich vor dem Rathaus.", [("crowd_size", 100, "vague")]),
        ("de", "Nach Angaben eines Aktivisten versammelten sich Hunderte Menschen.", [("crowd_size", 100, "vague")]),
        ("en", "According to a witness, hundreds of people gathered in the square.", [("crowd_size", 100, "vague")]),
        ("de", "Ein Polizist wurde getötet.", [("fatalities", 1, "exact")]),
        ("de", "Etwa 3 000 Menschen demonstrierten.", [("crowd_size", 3000, "about")]),
        ("de", "Über 1.000 Verletzte wurden behandelt.", [("injuries", 1000, "at least")]),
        ("de", "Es gab 164 Tote.", [("fatalities", 164, "exact")]),
        ("de", "Die Zahl der Toten stieg auf 225.", [("fatalities", 225, "exact")]),
        ("de", "Dreihundert Menschen wurden verhaftet.", [("arrests", 300, "exact")]),
        ("de", "Mehrere Demonstranten wurden festgenommen.", [("arrests", 3, "vague")]),
        ("de", "Dort hätten sich einige hundert Menschen versammelt.", [("crowd_size", 200, "vague")]),
        ("de", "Rund 3.000 Menschen versammelten sich, 40 wurden festgenommen.",
         [("crowd_size", 3000, "about"), ("arrests", 40, "exact")]),
        ("en", "At least 12 security officers were killed.", [("fatalities", 12, "at least")]),
        ("en", "More than 8,000 people gathered in the square.", [("crowd_size", 8000, "at least")]),
        ("en", "About 2,000 protesters marched to the akimat.", [("crowd_size", 2000, "about")]),
        ("en", "Police said 13 people were injured.", [("injuries", 13, "exact")]),
        ("en", "The death toll rose to 164.", [("fatalities", 164, "exact")]),
        ("en", "Dozens of people were detained.", [("arrests", 12, "vague")]),
        ("en", "Hundreds of people took to the streets.", [("crowd_size", 100, "vague")]),
        ("en", "Up to 300 demonstrators gathered.", [("crowd_size", 300, "up to")]),
        ("en", "Two people died and five were injured.", [("fatalities", 2, "exact"), ("injuries", 5, "exact")]),
        ("en", "It said 5,800 people had been detained.", [("arrests", 5800, "exact")]),
        ("en", "Security forces killed 26 attackers.", [("fatalities", 26, "exact")]),
        ("en", "Several protesters were arrested.", [("arrests", 3, "vague")]),
        ("en", "Some 3 000 people rallied.", [("crowd_size", 3000, "about")]),
        # relatives of detainees or of the dead are a crowd, not arrests or deaths ...
        ("ru", "У здания полиции собрались около ста родственников задержанных.",
         [("crowd_size", 100, "about")]),
        ("en", "About 150 relatives of those killed gathered outside the akimat.",
         [("crowd_size", 150, "about")]),
        ("de", "Rund 150 Verwandte von Festgenommenen versammelten sich vor der Wache.",
         [("crowd_size", 150, "about")]),
        ("en", "Dozens of relatives gathered in Taldykorgan asking for news of detained family members.",
         [("crowd_size", 12, "vague")]),
        # ... unless what happened to them is all the sentence says
        ("ru", "Около двухсот родственников задержаны.", [("arrests", 200, "about")]),
        ("en", "About 200 relatives were detained.", [("arrests", 200, "about")]),
        # ... or when what happened to them is said with its own verb, whatever follows
        ("en", "About 200 relatives were detained after they gathered outside the akimat.",
         [("arrests", 200, "about")]),
        ("de", "Rund 200 Verwandte wurden festgenommen, nachdem sie sich vor der Wache versammelt hatten.",
         [("arrests", 200, "about")]),
        # traps: channel names, years, dates, times, populations, prices are not counts
        ("de", "Das berichtete der Staatssender Khabar 24 am Freitagmorgen.", []),
        ("de", "Im Dezember 2011 schossen Polizisten auf Ölarbeiter.", []),
        ("de", "Am 5. Januar stürmten Demonstranten das Rathaus.", []),
        ("de", "Der Preis stieg von 60 auf 120 Tenge.", []),
        ("de", "Gegen 4 Uhr morgens fielen Schüsse.", []),
        ("de", "Einige Demonstranten verbarrikadierten sich.", []),
        ("en", "Taraz, a city of about 350,000 people, had been calm.", []),
        ("en", "Kazakhstan became independent in 1991.", []),
        ("en", "On January 5 crowds stormed the akimat.", []),
        ("en", "Channel 31 showed the burning facade.", []),
    ],
)
def test_counts(lang: str, text: str, expected: list[tuple[str, int, str]]) -> None:
    assert counts(lang, text) == expected


def test_count_keeps_the_words_it_came_from() -> None:
    [(_, count, _)] = marks("de", "Zudem habe es mehr als 3000 Festnahmen gegeben.").counts
    assert count.text == "mehr als 3000 Festnahmen"


@pytest.mark.parametrize(
    ("lang", "text", "group"),
    [
        ("de", "26 Demonstranten seien getötet worden.", "protesters"),
        ("de", "18 Polizisten wurden verletzt.", "security forces"),
        ("en", "Twelve civilians were killed.", "civilians"),
        ("en", "26 people were killed.", "all"),
        ("en", "26 armed criminals were killed.", "protesters"),
    ],
)
def test_count_group(lang: str, text: str, group: str) -> None:
    assert [g for _, _, g in marks(lang, text).counts] == [group]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Около двух тысяч человек вышли на площадь.", [("crowd_size", 2000, "about")]),
        ("Не менее 700 человек были задержаны.", [("arrests", 700, "at least")]),
        ("Погибли 13 сотрудников силовых структур.", [("fatalities", 13, "exact")]),
        ("Около полутора тысяч человек прошли от центрального рынка.", [("crowd_size", 1500, "about")]),
        ("Более 1000 человек обратились за медицинской помощью.", [("injuries", 1000, "at least")]),
        ("Задержаны около 10 тысяч человек.", [("arrests", 10000, "about")]),
        ("Эфир вёл телеканал Хабар 24 в пятницу.", []),
        ("Погибли сорок семь человек.", [("fatalities", 47, "exact")]),
        ("Ранены двадцать три человека.", [("injuries", 23, "exact")]),
        ("Задержаны сто пятьдесят человек.", [("arrests", 150, "exact")]),
        ("Задержаны более двух тысяч человек.", [("arrests", 2000, "at least")]),
        ("Задержаны более 3 тыс. человек.", [("arrests", 3000, "at least")]),
        ("На митинг вышли около трёхсот человек.", [("crowd_size", 300, "about")]),
        ("Задержано около тысячи человек.", [("arrests", 1000, "about")]),
        ("На площадь вышли тысячи протестующих.", [("crowd_size", 1000, "vague")]),
        ("Десятки участников были задержаны.", [("arrests", 12, "vague")]),
        ("Погибли трое.", [("fatalities", 3, "exact")]),
        ("По данным полиции, задержаны около 200 человек, пострадали 95 полицейских.",
         [("arrests", 200, "about"), ("injuries", 95, "exact")]),
    ],
)
def test_russian_counts(text: str, expected: list[tuple[str, int, str]]) -> None:
    assert counts("ru", text) == expected
