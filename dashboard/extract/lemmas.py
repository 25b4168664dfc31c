"""spaCy's lookup lemma tables held as a few arrays, cached on disk.

spacy-lookups-data ships each table as gzipped JSON (355,000 German forms):
reading it into a dict costs a third of a second in every process that starts
extraction. A ``LemmaTable`` keeps the forms' spaCy hashes sorted in one array,
each form's lemma number in another and the lemmas in one string, so loading
it from the cache (``diskcache``) takes milliseconds; a lookup is a binary
search, done once per new word form (see ``cues.lemmatize_lexemes``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import ItemsView, Iterator, Mapping
from itertools import accumulate
from pathlib import Path

import numpy
import spacy
import srsly
from spacy.strings import get_string_id

from dashboard.extract.diskcache import cached, fingerprint

SEPARATOR = "\0"


class LemmaTable(Mapping[str, str]):
    """A read-only form -> lemma mapping over sorted hash arrays.

    >>> table = LemmaTable({"getötet": "töten", "Häuser": "Haus"})
    >>> table["getötet"], "töten" in table, len(table), sorted(table)
    ('töten', False, 2, ['Häuser', 'getötet'])
    >>> table.lemma_of("häuser"), table.lemma_of("Häuser"), table.lemma_of("Brand")
    ('häuser', 'Haus', 'Brand')
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        forms = list(table)
        hashes = numpy.fromiter(map(get_string_id, forms), numpy.uint64, len(forms))
        order = numpy.argsort(hashes, kind="stable")
        hashes = hashes[order]
        self.form_text = SEPARATOR.join(forms)
        if (hashes[1:] == hashes[:-1]).any() or self.form_text.count(SEPARATOR) > max(len(forms) - 1, 0):
            raise ValueError("forms must have distinct hashes and no NUL character")
        self.hashes = array("Q", hashes.tobytes())
        """The forms' hashes, sorted (an array: bisect reads it faster than numpy's search
        for one key)."""
        self.order = array("i", order.astype(numpy.int32).tobytes())
        """Position in ``forms`` of each hash of ``hashes``."""
        number: dict[str, int] = {}
        self.lemma_number = array("i", [number.setdefault(v, len(number)) for v in table.values()])
        self.names = SEPARATOR.join(number)
        self.starts = array("q", accumulate((len(n) + 1 for n in number), initial=0))
        self.digest = fingerprint(self.form_text, self.lemma_number.tobytes(), self.names)
        """A hash of the table's content (a key for what is built from it)."""

    def _position(self, form: str) -> int:
        """Position of ``form`` in the table, -1 if it is absent."""
        key = get_string_id(form)
        at = bisect_left(self.hashes, key)
        if at < len(self.hashes) and self.hashes[at] == key:
            return self.order[at]
        return -1

    def _lemma(self, position: int) -> str:
        n = self.lemma_number[position]
        return self.names[self.starts[n]:self.starts[n + 1] - 1]

    def __getitem__(self, form: str) -> str:
        position = self._position(form)
        if position < 0:
            raise KeyError(form)
        return self._lemma(position)

    def __iter__(self) -> Iterator[str]:
        return iter(self.form_text.split(SEPARATOR) if self.form_text else ())

    def __len__(self) -> int:
        return len(self.hashes)

    def items(self) -> ItemsView[str, str]:
        """(form, lemma) pairs, read in one pass over the arrays."""
        return _Items(self)

    def lemma_of(self, word: str) -> str:
        """The word's lemma as spaCy's lookup lemmatizer gives it: the table's entry for
        the word, else for the word lowercased, else the word itself."""
        position = self._position(word)
        if position < 0:
            low = word.lower()
            position = self._position(low) if low != word else -1
        return self._lemma(position) if position >= 0 else word


class _Items(ItemsView[str, str]):
    _mapping: LemmaTable

    def __iter__(self) -> Iterator[tuple[str, str]]:
        table = self._mapping
        names = table.names.split(SEPARATOR)
        return zip(iter(table), (names[n] for n in table.lemma_number))


def lookup_table(path: Path) -> LemmaTable:
    """The table of a spacy-lookups-data JSON file (empty if there is none), from the
    disk cache when a build of the same file, spaCy and this module is there."""
    if not path.exists():
        return LemmaTable({})
    key = fingerprint(path.read_bytes(), spacy.about.__version__, numpy.__version__,
                      Path(__file__).read_bytes())
    return cached(f"lemmas-{path.name.split('.')[0]}", key,
                  lambda: LemmaTable(dict(srsly.read_gzip_json(path))))
