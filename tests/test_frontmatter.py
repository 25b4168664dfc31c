"""Front matter: the shortcut for plain ``key: value`` headers reads exactly what YAML reads."""

from __future__ import annotations

import itertools
import random

import pytest
import yaml

from dashboard.frontmatter import _simple_fields, _StringDateLoader

KEYS = ["title", "url", "a-b", "x_1", "yes", "No", "null", "on", "y", "1a", "a b", "<<", "=", "é",
        "a:b", "-a", "k" * 1100]
VALUES = [
    "", "x", "x  y", "x: y", "x:y", "x #c", "x#c", "'x'", '"x"', '"x\\"y"', "'it''s'", "'a\"b'",
    '"a\'b"', "-x", "- x", "?x", ":x", "12", "1_0", "0x1f", "1e3", ".5", "+1", "1:20", ".inf",
    "yes", "No", "off", "~", "null", "2022-01-06", "2022-01-06T10:00:00", "[a]", "[a", "a]",
    "{a: b}", "*a", "&a x", "!x y", "|", ">", "%x", "@x", "`x`", "x:", "Протесты в Алматы",
    "\u00a0x", "x\u2028y", "\x85", "x\ufeffy", "\x07", "<<", "...", "---", "#", "a, b", "a\\b",
    '"a: b"', '""', "''", '"', '"x" y', "x'y", "x\ty", "http://a.b/c?d=e#f", "a [b] {c}",
    "a | b > c & d * e ! f % g @ h ` i ? j - k", "\U0001F4A5", "a\rb", "x\x7f", "\ufffe",
]
SEPARATORS = [": ", ":  ", ":", ":\t", " : "]
TAILS = ["", "  ", "\t", " #c"]


def yaml_fields(header: str) -> dict[str, object] | None:
    """What the YAML loader makes of ``header`` (None when it refuses it)."""
    try:
        return yaml.load(header, Loader=_StringDateLoader) or {}
    except yaml.YAMLError:
        return None


def test_every_single_line_header_read_as_yaml_reads_it_or_left_to_yaml() -> None:
    taken = 0
    for key, sep, value, tail in itertools.product(KEYS, SEPARATORS, VALUES, TAILS):
        header = f"{key}{sep}{value}{tail}\n"
        fast = _simple_fields(header)
        if fast is not None:
            taken += 1
            assert fast == yaml_fields(header), header
    assert taken > 400


def test_random_headers_read_as_yaml_reads_them_or_left_to_yaml() -> None:
    rng = random.Random(7)
    lines = [f"{k}: {v}" for k, v in itertools.product(KEYS[:8], VALUES)] + [
        "", "  ", "# c", "  title: x", "- a", "title:", "title: x\r"]
    taken = 0
    for _ in range(3000):
        header = "".join(rng.choice(lines) + "\n" for _ in range(rng.randint(0, 5)))
        fast = _simple_fields(header)
        if fast is not None:
            taken += 1
            assert fast == yaml_fields(header), header
    assert taken > 100


@pytest.mark.parametrize("header", ["title: a\ntitle: b\n", "\n\ntitle: a\n\n", "", "\n",
                                    'title: "Almaty: Proteste"\npublished: 2022-01-07\n'])
def test_blank_lines_repeated_keys_and_empty_headers(header: str) -> None:
    assert _simple_fields(header) == yaml_fields(header)
