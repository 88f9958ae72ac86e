"""The search-index interface: what every backend (SQLite FTS5 embedded, PostgreSQL on a
server) implements, and the plain records that cross it.

Flow. An ingest worker builds an `IndexDoc` from a document's extraction (raw text
fields and filter values) and calls `prepare`, which runs the analysis (bigrams, jieba
words, stems) and drops the raw text, so the single index writer only stores token
strings. `SearchIndex.add` replaces any earlier entry for the same SHA-256. A document
indexed with an older `ANALYSIS_VERSION` counts as missing, so `missing` tells ingest
both what a crash left out and what an upgrade made stale.

Search takes a parsed query tree (`trove.search.ast`), a collection, an optional
container whose descendants alone are searched, a sort, a page and facet names, and
returns the total, the page of hits with their matched character spans in the document
text (for snippets), and facet counts over the whole match set.

    SearchError(TroveError)   a query the index refuses (too many expansions...)
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from trove.errors import TroveError
from trove.search import analysis
from trove.search.ast import And, Node, Not, Or, Phrase, Term

__all__ = [
    "FACETS",
    "INDEXED_FIELDS",
    "Facet",
    "Hit",
    "IndexDoc",
    "SearchError",
    "SearchIndex",
    "SearchResult",
    "Sort",
    "match_spans",
    "prepare",
    "query_segments",
]

Sort = Literal["relevance", "date", "-date"]
# Text fields of a document (the AST's TEXT_FIELDS) and the two derived token streams.
INDEXED_FIELDS = ("title", "author", "from", "to", "subject", "name", "text")
DERIVED_STREAMS = ("words", "stems")
FACETS = frozenset({"type", "lang", "year", "from", "ext", "tag"})
MAX_SPAN_CHARS = 2_000_000  # highlighting reads at most this much of a hit's text


class SearchError(TroveError):
    """A query the index cannot run as asked."""


@dataclass(frozen=True)
class IndexDoc:
    """One document as the index sees it: plain data, cheap to send between processes.

    `fields` holds raw text by field name (INDEXED_FIELDS); `tokens`, filled by
    `prepare`, holds space-separated normalized tokens by field name plus "words" and
    "stems". Filter values: `type` (family), `lang` (main language), `ext`, `date`
    (ISO yyyy-mm-dd), and the multi-valued `senders` (facet "from"), `tags`, `paths`
    (provenance paths, filtered by prefix) and `entities`.
    """

    sha256: str
    fields: Mapping[str, str] = field(default_factory=dict)
    tokens: Mapping[str, str] | None = None
    type: str | None = None
    lang: str | None = None
    ext: str | None = None
    date: str | None = None
    senders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    version: int = analysis.ANALYSIS_VERSION


def prepare(doc: IndexDoc) -> IndexDoc:
    """Analyse a document's fields into token strings (the heavy part, for a worker)."""
    if doc.tokens is not None:
        return doc
    streams: dict[str, str] = {}
    found_words: list[str] = []
    found_stems: list[str] = []
    for name in INDEXED_FIELDS:
        raw = doc.fields.get(name, "")
        if not raw:
            continue
        found = analysis.tokens(raw)
        streams[name] = " ".join(t.text for t in found)
        found_stems.extend(analysis.stems(found))
        if name in ("title", "text"):
            found_words.extend(analysis.words(raw))
    streams["words"] = " ".join(found_words)
    streams["stems"] = " ".join(found_stems)
    return replace(doc, fields={}, tokens=streams, version=analysis.ANALYSIS_VERSION)


@dataclass(frozen=True)
class Hit:
    sha256: str
    score: float  # higher is better; 0 when the query has no text part
    date: str | None
    spans: tuple[tuple[int, int], ...] = ()  # matched character spans in the document text


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[Facet, ...]] = field(default_factory=dict)


class SearchIndex(abc.ABC):
    @abc.abstractmethod
    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Index documents (prepared or not), replacing earlier entries; return the count."""

    @abc.abstractmethod
    def remove(self, sha256s: Iterable[str]) -> int:
        """Remove documents from the index; return how many were there."""

    @abc.abstractmethod
    def search(self, node: Node, *, collection_id: int, within: str | None = None,
               sort: Sort = "relevance", limit: int = 20, offset: int = 0,
               facets: Sequence[str] = (), stemming: bool = False,
               facet_size: int = 20, spans: bool = True) -> SearchResult:
        """Search one collection. `within` is the SHA-256 of a container: only its
        descendants (members, recursively) are searched. With `spans`, each hit carries
        the matched spans of its text (see `match_spans`)."""

    @abc.abstractmethod
    def count(self, node: Node, *, collection_id: int, within: str | None = None,
              stemming: bool = False) -> int:
        """How many documents match, without ranking them."""

    @abc.abstractmethod
    def indexed(self, sha256s: Iterable[str]) -> set[str]:
        """Those of the given documents indexed with the current analysis."""

    def missing(self, sha256s: Iterable[str]) -> list[str]:
        """Those of the given documents that ingest must (re)index, in the given order."""
        wanted = list(sha256s)
        present = self.indexed(wanted)
        return [sha for sha in wanted if sha not in present]


# Query analysis shared by the backends -------------------------------------------------

_SPACES = re.compile(r"\s+")


def query_segments(text: str, slop: int) -> list[list[str]]:
    """A phrase's token sequences: one for an exact phrase (Han runs join across spaces,
    as in documents), one per space-separated word when the phrase has proximity."""
    if slop <= 0:
        return [found] if (found := analysis.query_tokens(text)) else []
    return [found for part in _SPACES.split(text.strip()) if (found := analysis.query_tokens(part))]


def positive_leaves(node: Node, negated: bool = False) -> Iterable[Term | Phrase]:
    if isinstance(node, Term | Phrase):
        if not negated:
            yield node
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from positive_leaves(item, negated)
    elif isinstance(node, Not):
        yield from positive_leaves(node.item, not negated)


def match_spans(node: Node, text: str, *, field: str = "text", limit: int = 20,
                max_chars: int = MAX_SPAN_CHARS) -> tuple[tuple[int, int], ...]:
    """Character spans of `text` matched by the query's positive terms and phrases (those
    on `field` or on all fields), in text order, at most `limit`, reading at most
    `max_chars`. Fuzzy terms are highlighted only where they match exactly."""
    patterns: list[tuple[list[str], bool]] = []  # token sequence, last token is a prefix
    for leaf in positive_leaves(node):
        if leaf.field not in (None, field):
            continue
        slop = leaf.slop if isinstance(leaf, Phrase) else 0
        for seq in query_segments(leaf.text, slop):
            open_end = (isinstance(leaf, Term) and leaf.prefix) or (
                analysis.is_han(seq[-1]) and len(seq[-1]) == 1)
            patterns.append((seq, open_end))
    if not patterns:
        return ()
    window: list[analysis.Token] = []
    longest = max(len(seq) for seq, _ in patterns)
    spans: list[tuple[int, int]] = []
    for token in analysis.iter_tokens(text[:max_chars]):
        window.append(token)
        if len(window) > longest:
            window.pop(0)
        for seq, open_end in patterns:
            n = len(seq)
            if len(window) < n:
                continue
            tail = window[-n:]
            if all(t.text == s for t, s in zip(tail[:-1], seq[:-1], strict=True)) and (
                    tail[-1].text.startswith(seq[-1]) if open_end else tail[-1].text == seq[-1]):
                start = tail[0].start
                end = tail[-1].end if not (open_end and analysis.is_han(seq[-1])) else (
                    tail[-1].start + 1)
                if spans and start < spans[-1][1]:
                    spans[-1] = (min(spans[-1][0], start), max(spans[-1][1], end))
                else:
                    spans.append((start, end))
                break
        if len(spans) > limit:
            break
    return tuple(spans[:limit])
