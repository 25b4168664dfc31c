"""The pipeline's spaCy vocab: new word forms get the lexeme attributes the components read."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokenizer import Tokenizer

from dashboard.extract.pipeline import build_pipeline


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_new_forms_get_the_attributes_read(lang: str) -> None:
    doc = build_pipeline(lang).make_doc("Zwölfhundertx, 1.200 QWERTYZ-7 «x»")
    assert [t.lower_ for t in doc][:3] == ["zwölfhundertx", ",", "1.200"]
    assert [t.is_punct for t in doc] == [t.text in {",", "-", "«", "»"} for t in doc]
    assert doc[2].like_num and not doc[0].like_num
    assert not any(t.is_space for t in doc)
    assert {t.lang_ for t in doc} == {lang}
    assert doc[0].shape_ == ""


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_letters_only_chunks_are_never_split(lang: str) -> None:
    """The tokenizer answers for chunks of letters only without its affix rules: those
    rules never match one (every 5th letter of Unicode alone and tripled, the lemma table's forms)."""
    import spacy_lookups_data

    from dashboard.extract.lemmas import lookup_table
    from dashboard.extract.pipeline import LettersAnswer

    tokenizer = spacy.blank(lang).tokenizer
    assert isinstance(tokenizer, Tokenizer)
    letters = [chr(c) for c in range(0, 0x110000, 5) if chr(c).isalpha()]
    table = lookup_table(Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lemma_lookup.json.gz")
    chunks = [*letters, *(c * 3 for c in letters), *(w for w in list(table)[::20] if w.isalpha())]
    assert all(tokenizer.prefix_search(c) is None and tokenizer.suffix_search(c) is None
               and not list(tokenizer.infix_finditer(c)) and tokenizer.url_match(c) is None for c in chunks)
    ours = build_pipeline(lang).tokenizer
    assert isinstance(ours, Tokenizer) and isinstance(ours.suffix_search, LettersAnswer)
    assert isinstance(ours.url_match, LettersAnswer)


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_tokens_as_spacy_gives_them(lang: str) -> None:
    text = "Am 5. Jan. zogen 3.000 Menschen (laut «Khabar 24») zum Akimat, u.a. Studierende; it's 20°C—Kasachstan's “Platz”! Митинг-шествие, 1/2 км. Quelle: https://tengrinews.kz/news/1.html, www.akorda.kz"
    ours = [t.text for t in build_pipeline(lang).make_doc(text)]
    assert ours == [t.text for t in spacy.blank(lang).make_doc(text)]
    tokenizer = build_pipeline(lang).tokenizer
    assert isinstance(tokenizer, Tokenizer) and tokenizer.to_bytes()
