"""The search service: what `trove search`, `trove batch-search` and the web app call.

It parses the query, asks the index, and dresses each hit for a reader: the first place
the document was found, its title, and a snippet around the first match with the matched
spans marked.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trove.errors import TroveError
from trove.search.analysis import normalize
from trove.search.ast import Node, Phrase
from trove.search.index import (
    FACETS,
    SearchIndex,
    Sort,
    match_spans,
    positive_leaves,
    query_segments,
)
from trove.search.query import parse
from trove.store.metadata import MetadataStore

DEFAULT_FACETS = ("type", "lang", "year", "from", "ext", "tag")
SNIPPET_CHARS = 240
SPAN_SCAN = 200_000  # characters of a hit searched for the snippet's highlights
SPAN_WINDOW = 400
MAX_CANDIDATES = 5
_SPACE = re.compile(r"\s+")
MAX_LIMIT = 1000
MAX_BATCH_TERMS = 10_000


@dataclass(frozen=True)
class SearchHit:
    sha256: str
    path: str  # the first place the document was found (provenance path)
    title: str
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # spans of `snippet` that matched
    mime: str | None
    date: str | None
    state: str


@dataclass(frozen=True)
class SearchResponse:
    query: str
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0
    sort: str = "relevance"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for hit in data["hits"]:
            hit["highlights"] = [list(span) for span in hit["highlights"]]
        return data


def make_snippet(text: str, spans: Sequence[tuple[int, int]],
                 width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of `text` around the first span, and the spans that fall inside it."""
    if not text:
        return "", ()
    if not spans:
        head = " ".join(text[:width].split())
        return head + ("…" if len(text) > width else ""), ()
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    window = text[start:end]
    # Offsets shift when whitespace is collapsed, so map them while collapsing.
    out: list[str] = []
    mapping: list[int] = []  # window index → output index
    for char in window:
        mapping.append(len(out))
        if not char.isspace():
            out.append(char)
        elif not out or out[-1] != " ":
            out.append(" ")
    mapping.append(len(out))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shifted = []
    for span_start, span_end in spans:
        if span_start >= start and span_end <= end:
            shifted.append((mapping[span_start - start] + len(prefix),
                            mapping[span_end - start] + len(prefix)))
    return prefix + "".join(out) + suffix, tuple(shifted)


def _first_tokens(node: Node) -> list[str]:
    """The first token of each positive term or phrase of the query (normalized)."""
    firsts = []
    for leaf in positive_leaves(node):
        slop = leaf.slop if isinstance(leaf, Phrase) else 0
        for seq in query_segments(leaf.text, slop):
            firsts.append(seq[0])
    return firsts


def snippet_spans(node: Node, text: str) -> tuple[tuple[int, int], ...]:
    """The matched spans a snippet shows: those near the first match.

    Tokenizing a whole document in Python to find its first match costs milliseconds per
    hit, so candidates are found first with a plain substring search of the normalized
    text, and only a window around each is tokenized. When no candidate window holds a
    real match, the document is scanned from the start, up to SPAN_SCAN characters.
    """
    normalized = normalize(text[:SPAN_SCAN])
    firsts = _first_tokens(node)
    # Every match starts with a query's first token, which then occurs in the normalized
    # text once white space is dropped (Han runs join across it): no token, no match.
    squeezed = _SPACE.sub("", normalized)
    if not any(first in squeezed for first in firsts):
        return ()
    scanned = min(len(text), SPAN_SCAN)
    # Where normalization changed the length (dropped marks, expanded ligatures), a
    # position in the normalized text is only roughly the same in the original: scale it
    # and look in a wider window.
    scale = scanned / max(1, len(normalized))
    window = SPAN_WINDOW if len(normalized) == scanned else SPAN_WINDOW * 5
    for first in firsts:
        position, tried = normalized.find(first), 0
        while position >= 0 and tried < MAX_CANDIDATES:
            guess = int(position * scale)
            start = max(0, guess - window)
            end = min(len(text), guess + window)
            found = match_spans(node, text[start:end], limit=8)
            if found:
                return tuple((a + start, b + start) for a, b in found)
            position, tried = normalized.find(first, position + 1), tried + 1
    return match_spans(node, text, limit=8, max_chars=SPAN_SCAN)


class Searcher:
    """Search one store's collections through its index."""

    def __init__(self, store: MetadataStore, index: SearchIndex) -> None:
        self.store = store
        self.index = index

    def _collection_id(self, collection: str) -> int:
        return self.store.get_collection(collection).id

    def search(self, collection: str, query: str, *, limit: int = 20, offset: int = 0,
               sort: Sort = "relevance", within: str | None = None,
               facets: Sequence[str] = DEFAULT_FACETS, stemming: bool = False
               ) -> SearchResponse:
        if not 0 < limit <= MAX_LIMIT:
            raise TroveError(f"limit must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise TroveError("offset cannot be negative")
        unknown = [f for f in facets if f not in FACETS]
        if unknown:
            raise TroveError(f"unknown facet {unknown[0]!r}; facets: "
                             f"{', '.join(sorted(FACETS))}")
        node = parse(query)
        container = self.store.resolve(within) if within else None
        result = self.index.search(node, collection_id=self._collection_id(collection),
                                   within=container, sort=sort, limit=limit, offset=offset,
                                   facets=facets, stemming=stemming, spans=False)
        hits = tuple(self._dress(node, hit.sha256, hit.score, hit.date) for hit in result.hits)
        facet_counts = {name: [{"value": f.value, "count": f.count} for f in values]
                        for name, values in result.facets.items()}
        return SearchResponse(query, result.total, hits, facet_counts, limit, offset, sort)

    def _dress(self, node: Node, sha256: str, score: float, date: str | None) -> SearchHit:
        document = self.store.get_document(sha256)
        occurrences = self.store.occurrences(sha256, limit=1)
        path = occurrences[0].path if occurrences else (document.name or "")
        title = str(document.metadata.get("title") or document.metadata.get("subject")
                    or path.rsplit("/", 1)[-1])
        text = self.store.get_text(sha256)
        snippet, highlights = make_snippet(text, snippet_spans(node, text))
        return SearchHit(sha256, path, title, round(score, 4), snippet, highlights,
                         document.mime, date, document.state)

    def count(self, collection: str, query: str, within: str | None = None) -> int:
        node = parse(query)
        container = self.store.resolve(within) if within else None
        return self.index.count(node, collection_id=self._collection_id(collection),
                                within=container)


@dataclass(frozen=True)
class BatchRow:
    term: str
    query: str
    total: int
    documents: tuple[SearchHit, ...]
    error: str | None = None


def read_terms(path: Path) -> list[tuple[str, str]]:
    """(term, query) pairs from a .txt (one per line) or .csv (first column; an optional
    second column holds a full query to run instead of the quoted term)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TroveError(f"cannot read {path}: {exc.strerror or exc}") from None
    from trove.extract.encoding import decode

    text = decode(raw).text
    rows: list[tuple[str, str]] = []
    if path.suffix.lower() in {".csv", ".tsv"}:
        dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        for number, row in enumerate(csv.reader(io.StringIO(text), dialect=dialect)):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            if number == 0 and row[0].strip().lower() in {"term", "name", "terms", "names"}:
                continue
            term = row[0].strip()
            query = row[1].strip() if len(row) > 1 and row[1].strip() else _quoted(term)
            rows.append((term, query))
    else:
        for line in text.splitlines():
            term = line.strip()
            if term and not term.startswith("#"):
                rows.append((term, _quoted(term)))
    if len(rows) > MAX_BATCH_TERMS:
        raise TroveError(f"{path} has {len(rows)} terms; at most {MAX_BATCH_TERMS} at once")
    return rows


def _quoted(term: str) -> str:
    return '"' + term.replace('"', " ") + '"'


def batch_search(searcher: Searcher, collection: str, terms: Iterable[tuple[str, str]],
                 per_term: int = 20) -> list[BatchRow]:
    rows = []
    for term, query in terms:
        try:
            response = searcher.search(collection, query, limit=per_term, facets=())
        except TroveError as exc:
            rows.append(BatchRow(term, query, 0, (), str(exc)))
            continue
        rows.append(BatchRow(term, query, response.total, response.hits))
    return rows


def batch_csv(rows: Sequence[BatchRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["term", "query", "documents", "sha256", "path", "title", "snippet",
                     "error"])
    for row in rows:
        if not row.documents:
            writer.writerow([row.term, row.query, row.total, "", "", "", "", row.error or ""])
        for hit in row.documents:
            writer.writerow([row.term, row.query, row.total, hit.sha256, hit.path, hit.title,
                             hit.snippet, ""])
    return out.getvalue()
