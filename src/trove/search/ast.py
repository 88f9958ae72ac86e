"""The parsed form of a search query: a small tree the index backends translate.

Query strings are parsed into these nodes by `trove.search.query.parse`; no part of a
user's query ever reaches an engine's own syntax or SQL without going through them.

    Term       a word: `zhu`, `prefix*`, `fuzzy~` / `fuzzy~2` (Latin only)
    Phrase     "exact words", optionally with proximity "a b"~5
    (field:value on a text field sets `field` on its Term or Phrase)
    Filter     field:value filters on metadata (type, lang, sha256, path prefix, tag)
    DateRange  date:2017-01..2017-12, open ends allowed (date:..2017, date:2017-03..)
    And, Or    boolean combinations; Not negates (NOT x, -x)
    MatchAll   the empty query (every document, for browsing with filters)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Fields whose text is searched (a Term or Phrase restricted to them).
TEXT_FIELDS = frozenset({"title", "author", "from", "to", "subject", "text", "name"})
# Fields that filter on exact metadata values.
FILTER_FIELDS = frozenset({"type", "lang", "path", "sha256", "tag", "ext", "entity"})
DATE_FIELDS = frozenset({"date"})
FIELDS = TEXT_FIELDS | FILTER_FIELDS | DATE_FIELDS


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None = None  # None: all text fields
    prefix: bool = False
    fuzzy: int = 0  # maximum edit distance; 0 = exact


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None
    slop: int = 0  # "a b"~N: the words within N positions of each other


@dataclass(frozen=True)
class Filter:
    field: str  # one of FILTER_FIELDS
    value: str


@dataclass(frozen=True)
class DateRange:
    start: date | None  # inclusive
    end: date | None  # inclusive


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | Phrase | Filter | DateRange | And | Or | Not | MatchAll
