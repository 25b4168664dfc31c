"""The project's error classes: one root, each also a matching builtin."""


class ProtestmapError(Exception):
    """Root of every error protestmap raises on purpose."""


class BadInput(ProtestmapError, ValueError):
    """An input file, manifest row or argument that cannot be used.

    The message is one line naming the file and what is wrong with it:

    >>> str(BadInput("seeds/x.txt: file is empty"))
    'seeds/x.txt: file is empty'
    """


class StoreError(ProtestmapError, RuntimeError):
    """The event database cannot be opened or written."""
