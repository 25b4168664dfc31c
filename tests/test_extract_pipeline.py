"""The pipeline's spaCy vocab: new word forms get the lexeme attributes the components read."""

from __future__ import annotations

import pytest

from dashboard.extract.pipeline import build_pipeline


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_new_forms_get_the_attributes_read(lang: str) -> None:
    doc = build_pipeline(lang).make_doc("Zwölfhundertx, 1.200 QWERTYZ-7 «x»")
    assert [t.lower_ for t in doc][:3] == ["zwölfhundertx", ",", "1.200"]
    assert [t.is_punct for t in doc] == [t.text in {",", "-", "«", "»"} for t in doc]
    assert doc[2].like_num and not doc[0].like_num
    assert not any(t.is_space for t in doc)
    assert doc[0].shape_ == ""
