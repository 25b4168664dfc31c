"""YAML front matter at the top of a .txt/.md article.

Dates stay strings here (YAML would turn ``2022-13-45`` into a crash), so the
caller validates them with one message for every source of fields.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from dashboard.errors import BadInput

_FENCE = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


_Safe = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringDateLoader(_Safe):  # type: ignore[misc, valid-type]
    """Safe loader (libyaml when available) that leaves timestamps as strings."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Safe.yaml_implicit_resolvers.items()
}


class _Tags(yaml.resolver.BaseResolver):
    """The tags ``_StringDateLoader`` gives scalars."""

    yaml_implicit_resolvers = _StringDateLoader.yaml_implicit_resolvers


_STR = _Tags.DEFAULT_SCALAR_TAG
_TAGS = _Tags()
_FIELD = re.compile(r"""([A-Za-z][A-Za-z0-9_-]{0,200}):[ ]+"""
                    r"""(?:"([^"\\]*)"|'([^']*)'|([^-?:,\[\]{}#&*!|>'"%@`\s][^\t]*?))[ ]*""")
"""One ``key: value`` line whose value is double-quoted without escapes, single-quoted without
quotes inside, or plain."""
_PRINTABLE = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                        "\U00010000-\U0010ffff]*")
"""Characters YAML takes in a stream, less tabs, CR and those it reads as line breaks."""


def _simple_fields(header: str) -> dict[str, Any] | None:
    """The fields of a header made only of ``key: value`` lines, exactly as YAML reads them;
    None for anything else, left to the YAML parser (about five times slower per header).

    >>> _simple_fields('title: "Almaty: Proteste"\\npublished: 2022-01-07\\n')
    {'title': 'Almaty: Proteste', 'published': '2022-01-07'}
    >>> _simple_fields("count: 12\\n") is None, _simple_fields("title: a: b\\n") is None
    (True, True)
    """
    if not _PRINTABLE.fullmatch(header):
        return None
    fields: dict[str, Any] = {}
    for line in header.split("\n"):
        if not line:
            continue
        match = _FIELD.fullmatch(line)
        if match is None or not _is_text(match[1]):
            return None
        key, double, single, plain = match.groups()
        if plain is not None and not (_is_text(plain) and ": " not in plain
                                      and " #" not in plain and not plain.endswith(":")):
            return None
        fields[key] = double if double is not None else single if single is not None else plain
    return fields


def _is_text(plain: str) -> bool:
    """Whether YAML reads this unquoted scalar as a string (not a number, boolean or null)."""
    return _TAGS.resolve(yaml.ScalarNode, plain, (True, False)) == _STR


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    """Return ``(fields, body)``; ``fields`` is empty when there is no front matter.

    >>> split_front_matter("---\\ntitle: Almaty\\npublished: 2022-01-07\\n---\\nText.", "a.md")
    ({'title': 'Almaty', 'published': '2022-01-07'}, 'Text.')
    >>> split_front_matter("---\\ntitle: [oops\\n---\\nText.", "a.md")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dashboard.errors.BadInput: a.md: front matter is not valid YAML (line 3: did not find ...)
    """
    opening = _FENCE.match(text)
    if not opening:
        return {}, text
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        raise BadInput(f"{name}: front matter starts with '---' on line 1 but is never closed")
    header = text[opening.end():closing.start()]
    simple = _simple_fields(header)
    if simple is not None:
        return simple, text[closing.end():].lstrip("\r\n")
    try:
        fields = yaml.load(header, Loader=_StringDateLoader)
    except yaml.YAMLError as exc:
        raise BadInput(f"{name}: front matter is not valid YAML ({_describe(exc)})") from None
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise BadInput(f"{name}: front matter must be 'key: value' lines, not a "
                       f"{type(fields).__name__}")
    return fields, text[closing.end():].lstrip("\r\n")


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return problem
    return f"line {mark.line + 2}: {problem}"
