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
    try:
        fields = yaml.load(text[opening.end():closing.start()], Loader=_StringDateLoader)
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
