"""Triggers -> ACLED event_type / sub_event_type."""

from __future__ import annotations

import pytest
from conftest import marks

from dashboard.extract.triggers import classify

RIOT = ("Riots", "Violent demonstration")
PEACEFUL = ("Protests", "Peaceful protest")
INTERVENTION = ("Protests", "Protest with intervention")


def coded(lang: str, text: str) -> tuple[str, str] | None:
    return classify(frozenset(label for label, _ in marks(lang, text).triggers))


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "In Almaty wurden mehrere Regierungsgebäude in Brand gesetzt.", RIOT),
        ("de", "Das Verwaltungsgebäude wurde gestürmt und zerstört.", RIOT),
        ("de", "Sicherheitskräfte hätten Feuer auf die Demonstranten eröffnet.", RIOT),
        ("de", "In der Nacht ist es erneut zu Schusswechseln gekommen.", RIOT),
        ("de", "Demonstranten sollen die Straße zum Flughafen blockiert haben.", PEACEFUL),
        ("de", "Rund 3.000 Menschen haben sich zu einer friedlichen Kundgebung versammelt.", PEACEFUL),
        ("de", "Die Massenproteste gingen weiter.", PEACEFUL),
        ("de", "Die Polizei setzte Tränengas ein.", INTERVENTION),
        ("de", "Am Donnerstag sind erste Einheiten einer Friedenstruppe eingetroffen.",
         ("Strategic developments", "Other")),
        ("de", "Die Polizei nahm 120 Menschen fest.", ("Strategic developments", "Arrests")),
        ("de", "Die Polizei löste die Kundgebung auf und nahm 40 Menschen fest.", INTERVENTION),
        ("en", "Protesters broke into the akimat and set it on fire.", RIOT),
        ("en", "The presidential residence was set alight.", RIOT),
        ("en", "Armed men took control of the airport.", RIOT),
        ("en", "Several thousand people gathered on Republic Square.", PEACEFUL),
        ("en", "Police fired tear gas and stun grenades at the crowd.", INTERVENTION),
        ("en", "Police opened fire on peaceful protesters.", ("Protests", "Excessive force against protesters")),
        ("en", "Russian paratroopers landed in Kazakhstan.", ("Strategic developments", "Other")),
        ("en", "A state of emergency was declared.", ("Strategic developments", "Other")),
        ("en", "Dozens of people were detained.", ("Strategic developments", "Arrests")),
        # no trigger, or troops without movement: no event
        ("de", "Der Preis für Flüssiggas hatte sich verdoppelt.", None),
        ("de", "Russische Truppen stehen bereit.", None),
        ("en", "The economy depends on oil exports.", None),
    ],
)
def test_trigger_types(lang: str, text: str, expected: tuple[str, str] | None) -> None:
    assert coded(lang, text) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", "Толпа ворвалась в здание акимата и подожгла его.", RIOT),
        ("ru", "Тысячи горожан собрались на площади.", PEACEFUL),
        ("ru", "Полиция применила слезоточивый газ и светошумовые гранаты.", INTERVENTION),
        ("ru", "В Казахстан прибыли первые подразделения миротворцев.", ("Strategic developments", "Other")),
        ("de", "Die Kundgebung endete ohne Festnahmen.", PEACEFUL),
        ("ru", "Акция завершилась без задержаний.", PEACEFUL),
    ],
)
def test_more_languages_and_negation(lang: str, text: str, expected: tuple[str, str] | None) -> None:
    assert coded(lang, text) == expected
