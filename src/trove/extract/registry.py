"""Collects every extractor defined in `trove.extract.formats`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from trove.extract import formats
from trove.extract.base import Extractor
from trove.extract.identify import FileType


def _subclasses(cls: type[Extractor]) -> list[type[Extractor]]:
    found: list[type[Extractor]] = []
    for sub in cls.__subclasses__():
        if sub.name:
            found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def extractors() -> tuple[type[Extractor], ...]:
    for module in pkgutil.iter_modules(formats.__path__):
        importlib.import_module(f"{formats.__name__}.{module.name}")
    return tuple(sorted(_subclasses(Extractor), key=lambda cls: cls.name))  # type: ignore[type-abstract]


def choose(filetype: FileType) -> type[Extractor] | None:
    """The extractor with the highest bid, or None when nothing can read the file."""
    best: type[Extractor] | None = None
    best_score = 0
    for cls in extractors():
        bid = cls.match(filetype)
        if bid > best_score:
            best, best_score = cls, bid
    return best
