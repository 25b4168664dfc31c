"""The start-up disk cache: stale keys and corrupt files are rebuilt, an unwritable folder
only costs a rebuild, and what comes out of the cache equals a fresh build."""

from __future__ import annotations

import os
import pickle
from importlib.util import find_spec
from pathlib import Path

import pytest
import spacy
import spacy_lookups_data
import srsly

from dashboard.extract.cues import cue_patterns, cues, lemma_table
from dashboard.extract.diskcache import CACHE_ENV, cache_dir, cached, fingerprint
from dashboard.extract.lemmas import LemmaTable, lookup_table
from dashboard.extract.lexicon import load_lexicon
from dashboard.extract.pipeline import build_pipeline
from dashboard.extract.places import default_gazetteer
from dashboard.extract.prefilter import Prefilter, split_sentences

LOOKUPS = Path(spacy_lookups_data.__file__).parent / "data"
TEXT = ("Am Mittwoch stürmten Demonstranten in Almaty das Rathaus. Die Polizei nahm 200 Menschen "
        "fest; mindestens 26 wurden getötet. Schangaösen blieb ruhig. Massenproteste folgten.")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def counting_build(calls: list[int], value: object) -> object:
    calls.append(1)
    return value


def test_folder_follows_the_override_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if find_spec("platformdirs") is None:
        assert cache_dir() == tmp_path / "xdg" / "protestmap"
    else:
        assert cache_dir().name == "protestmap"


def test_a_stored_value_is_read_back_without_building(folder: Path) -> None:
    calls: list[int] = []
    assert cached("demo", "k1", lambda: counting_build(calls, {"a": 1})) == {"a": 1}
    assert cached("demo", "k1", lambda: counting_build(calls, "other")) == {"a": 1}
    assert calls == [1]
    assert [p.name for p in folder.iterdir()] == ["demo-k1.pickle"]


def test_a_stale_key_rebuilds_and_replaces_the_old_file(folder: Path) -> None:
    cached("demo", "k1", lambda: 1)
    cached("other", "k1", lambda: 3)
    assert cached("demo", "k2", lambda: 2) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["demo-k2.pickle", "other-k1.pickle"]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps([1, 2])[:-3]])
def test_a_corrupt_file_is_rebuilt(folder: Path, garbage: bytes) -> None:
    folder.mkdir()
    (folder / "demo-k1.pickle").write_bytes(garbage)
    assert cached("demo", "k1", lambda: [1, 2]) == [1, 2]
    assert pickle.loads((folder / "demo-k1.pickle").read_bytes()) == [1, 2]


def test_an_unwritable_folder_only_costs_a_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "cache"))
    calls: list[int] = []
    assert cached("demo", "k1", lambda: counting_build(calls, 7)) == 7
    assert cached("demo", "k1", lambda: counting_build(calls, 7)) == 7
    assert calls == [1, 1]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_only_costs_a_rebuild(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert cached("demo", "k1", lambda: 7) == 7
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_fingerprint_tells_parts_apart() -> None:
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
    assert fingerprint(b"x") == fingerprint("x")


def test_lemma_table_equals_the_json_it_was_built_from(folder: Path) -> None:
    path = LOOKUPS / "en_lemma_lookup.json.gz"
    plain = dict(srsly.read_gzip_json(path))
    built, read = lookup_table(path), lookup_table(path)
    assert len(list(folder.iterdir())) == 1
    for table in (built, read):
        assert len(table) == len(plain) and dict(table.items()) == plain
        assert table.digest == built.digest
    words = [*list(plain)[:500], "Ran", "RAN", "xyzzy", "", "Running"]
    expected = [plain.get(w) or plain.get(w.lower(), w) for w in words]
    assert [read.lemma_of(w) for w in words] == expected
    assert [read.get(w) for w in words] == [plain.get(w) for w in words]


def test_empty_and_missing_tables() -> None:
    assert lookup_table(LOOKUPS / "xx_lemma_lookup.json.gz").lemma_of("Wort") == "Wort"
    assert dict(LemmaTable({}).items()) == {}


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_cached_prefilter_equals_a_fresh_build(folder: Path, lang: str) -> None:
    lexicon, lemmas, names = load_lexicon(lang), lemma_table(lang), default_gazetteer().surface_forms()
    fresh = Prefilter(lexicon, lemmas, names)
    stored = Prefilter(lexicon, lemmas, names)
    assert any(p.name.startswith(f"prefilter-{lang}-") for p in folder.iterdir())
    assert sorted(fresh.automaton.items()) == sorted(stored.automaton.items())
    sentences = split_sentences(TEXT)
    assert fresh.select(TEXT, sentences) == stored.select(TEXT, sentences)


def prefilter_files(folder: Path) -> list[str]:
    """The cached prefilter automata in ``folder`` (lemma tables may be cached there too)."""
    return sorted(p.name for p in folder.glob("prefilter-*"))


def test_prefilter_over_a_plain_dict_is_not_cached(folder: Path) -> None:
    lexicon = load_lexicon("de")
    uncached = Prefilter(lexicon, dict(lemma_table("de").items()), default_gazetteer().surface_forms())
    assert not prefilter_files(folder)
    cached_one = Prefilter(lexicon, lemma_table("de"), default_gazetteer().surface_forms())
    assert sorted(uncached.automaton.items()) == sorted(cached_one.automaton.items())


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_cached_cue_patterns_equal_a_fresh_build(folder: Path, lang: str) -> None:
    nlp = spacy.blank(lang)
    fresh = cue_patterns(nlp, load_lexicon(lang))
    assert any(p.name.startswith(f"cues-{lang}-") for p in folder.iterdir())
    assert cue_patterns(spacy.blank(lang), load_lexicon(lang)) == fresh


def test_a_tagger_from_cached_patterns_finds_the_same_cues(folder: Path) -> None:
    found = []
    for _ in range(2):
        nlp = build_pipeline.__wrapped__("de")
        found.append(cues(nlp(TEXT), "trigger") + cues(nlp(TEXT), "noun"))
    assert found[0] == found[1] and found[0]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_norms_are_the_lookup_tables_lemmas_lowercased(lang: str) -> None:
    plain = dict(srsly.read_gzip_json(LOOKUPS / f"{lang}_lemma_lookup.json.gz"))
    text = TEXT + " HÄUSER brannten; they don't, the U.S. didn't either."
    for token in build_pipeline(lang)(text):
        lemma = plain.get(token.text) or plain.get(token.text.lower(), token.text)
        assert token.norm_ == lemma.lower()


def test_changed_inputs_give_a_new_key_not_the_stale_automaton(folder: Path) -> None:
    lexicon, lemmas = load_lexicon("en"), lemma_table("en")
    first = Prefilter(lexicon, lemmas, ["Almaty"])
    before = prefilter_files(folder)
    changed = Prefilter(lexicon, lemmas, ["Almaty", "Xyzzyville"])
    after = prefilter_files(folder)
    assert before != after and len(after) == 1
    text = "We met in Xyzzyville."
    assert (first.select(text, split_sentences(text)), changed.select(text, split_sentences(text))
            ) == ([], split_sentences(text))
