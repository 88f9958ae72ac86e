"""The embedded search index: SQLite FTS5 in the same file as the metadata store.

Tables (created by `create_schema`, a migration the store registers):

    search_fts     FTS5, contentless, detail=full, the `ascii` tokenizer over token strings
                   the analysis already produced (it only splits at spaces, since every
                   token is letters, digits and marks); one column per text field plus
                   `words` (jieba words, for ranking) and `stems` (English stems).
                   No prefix indexes: FTS5 counts their lengths in characters (a
                   1-character index does serve `教*` over bigrams), but on 20k mixed
                   documents (93.5 MB of text) `prefix='1'` grew the index from 1.55x
                   to 2.30x the text and slowed writing 17% to make a single-character
                   query 31 -> 21 ms, and `'1 2 3'` reached 4.3x (a 2-character prefix
                   of a bigram is a second copy of it).
    search_docs    one row per indexed document: id (the FTS rowid), sha256, date, year,
                   analysis version.
    search_values  multi-valued filter and facet values: (id, field, value).
    search_dead    ids whose tokens are still in search_fts.

Why contentless, and the dead ids: a copy of the token strings would more than double
the file, and highlighting recomputes tokens on the few displayed hits anyway. SQLite
3.40 cannot delete from a contentless FTS5 table without the original tokens, so
replacing or removing a document drops its search_docs row (every query joins on it, so
the old tokens never match again) and records the id as dead; `dead_ratio` tells when a
rebuild is worth it. (With SQLite 3.43's `contentless_delete=1` this could delete in
place.)

Queries. Every node of the query tree becomes either part of one FTS5 MATCH expression
or an SQL predicate with bound parameters: user text reaches FTS5 only as tokens the
analysis produced, each inside a double-quoted FTS5 string with quotes doubled, and
reaches SQL only as parameters. And/Or/Not of text nodes stay inside FTS5 (so BM25 sees
every phrase); filters, dates, the collection and the container are SQL. An Or mixing
text and filters is evaluated in SQL and ranks nothing. A Chinese term is the phrase of
its bigrams, ORed for ranking with its jieba words in the `words` column (which can only
add score: the words part is ANDed with the bigram phrase). Fuzzy terms are expanded
from the index vocabulary: words with the same first letter and length within the
distance, at most MAX_FUZZY_SCAN vocabulary entries read and MAX_FUZZY_TERMS kept.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from trove.errors import StoreError
from trove.search import analysis
from trove.search.ast import (
    And,
    DateRange,
    Filter,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from trove.search.index import (
    FACETS,
    MAX_SPAN_CHARS,
    Facet,
    Hit,
    IndexDoc,
    SearchError,
    SearchIndex,
    SearchResult,
    Sort,
    match_spans,
    prepare,
    query_segments,
)

__all__ = ["FtsIndex", "create_schema"]

# Field name in the query language → FTS5 column.
COLUMNS = {"title": "title", "author": "author", "from": "sender", "to": "recipient",
           "subject": "subject", "name": "name", "text": "body"}
TEXT_COLUMNS = "title author sender recipient subject name body"
# BM25 weights, in column order: a hit in the title or on a true word counts more.
WEIGHTS = {"title": 8.0, "author": 3.0, "sender": 3.0, "recipient": 2.0, "subject": 5.0,
           "name": 4.0, "body": 1.0, "words": 4.0, "stems": 0.5}
MAX_LEAVES = 64
MAX_TOKENS = 1_000
MAX_FUZZY_SCAN = 100_000
MAX_FUZZY_TERMS = 64
MAX_DEPTH = 32  # of containers followed by `within`
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def create_schema(db: sqlite3.Connection) -> None:
    """Create the search tables inside the caller's transaction (a no-op when present)."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone():
        return
    columns = ", ".join(WEIGHTS)
    for statement in (
        f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='', "
        "tokenize='ascii', detail=full)",
        "INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25("
        + ", ".join(str(w) for w in WEIGHTS.values()) + ")')",
        "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')",
        "CREATE TABLE search_docs (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "sha256 TEXT NOT NULL UNIQUE, date TEXT, year INTEGER, version INTEGER NOT NULL)",
        "CREATE INDEX search_docs_date ON search_docs(date)",
        "CREATE TABLE search_values (id INTEGER NOT NULL, field TEXT NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (id, field, value)) WITHOUT ROWID",
        "CREATE INDEX search_values_value ON search_values(field, value)",
        "CREATE TABLE search_dead (id INTEGER PRIMARY KEY)",
    ):
        db.execute(statement)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _phrase(tokens: Sequence[str], prefix: bool) -> str:
    return _quote(" ".join(tokens)) + (" *" if prefix else "")


def _open_end(tokens: Sequence[str]) -> bool:
    return analysis.is_han(tokens[-1]) and len(tokens[-1]) == 1


def _edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance, giving up (returning bound + 1) once it must exceed bound."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


Pred = tuple[str, tuple[object, ...]]


@dataclass
class _Part:
    """A translated node: documents matching `fts` (if any) and every predicate."""

    fts: str | None = None
    where: list[Pred] = field(default_factory=list)

    @property
    def everything(self) -> bool:
        return self.fts is None and not self.where

    def predicate(self) -> Pred:
        clauses: list[str] = []
        params: list[object] = []
        if self.fts is not None:
            clauses.append("d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)")
            params.append(self.fts)
        for sql, values in self.where:
            clauses.append(sql)
            params.extend(values)
        return ("(" + " AND ".join(clauses) + ")" if clauses else "1", tuple(params))


_NOTHING: Pred = ("0", ())


class FtsIndex(SearchIndex):
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # Writing -----------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _drop(self, ids: Sequence[int]) -> None:
        for doc_id in ids:
            self.db.execute("DELETE FROM search_docs WHERE id = ?", (doc_id,))
            self.db.execute("DELETE FROM search_values WHERE id = ?", (doc_id,))
            self.db.execute("INSERT OR IGNORE INTO search_dead(id) VALUES (?)", (doc_id,))

    def add(self, docs: Iterable[IndexDoc]) -> int:
        count = 0
        fts_insert = (f"INSERT INTO search_fts(rowid, {', '.join(WEIGHTS)}) "
                      f"VALUES (?{', ?' * len(WEIGHTS)})")
        try:
            with self._transaction():
                for raw in docs:
                    doc = prepare(raw)
                    assert doc.tokens is not None
                    old = self.db.execute("SELECT id FROM search_docs WHERE sha256 = ?",
                                          (doc.sha256,)).fetchone()
                    if old:
                        self._drop([old[0]])
                    day = doc.date[:10] if doc.date and _DATE.match(doc.date) else None
                    cursor = self.db.execute(
                        "INSERT INTO search_docs(sha256, date, year, version) "
                        "VALUES (?, ?, ?, ?)",
                        (doc.sha256, day, int(day[:4]) if day else None, doc.version))
                    doc_id = cursor.lastrowid
                    streams = [doc.tokens.get(name, "") for name in
                               ("title", "author", "from", "to", "subject", "name", "text",
                                "words", "stems")]
                    self.db.execute(fts_insert, (doc_id, *streams))
                    self.db.executemany(
                        "INSERT OR IGNORE INTO search_values(id, field, value) VALUES (?, ?, ?)",
                        [(doc_id, name, value) for name, value in _filter_values(doc)])
                    count += 1
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the search index: {exc}") from exc
        return count

    def remove(self, sha256s: Iterable[str]) -> int:
        removed = 0
        try:
            with self._transaction():
                for sha in sha256s:
                    row = self.db.execute("SELECT id FROM search_docs WHERE sha256 = ?",
                                          (sha,)).fetchone()
                    if row:
                        self._drop([row[0]])
                        removed += 1
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the search index: {exc}") from exc
        return removed

    def optimize(self) -> None:
        """Merge the index into one segment (after a large ingest; takes a while)."""
        with self._transaction():
            self.db.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def dead_ratio(self) -> float:
        """The share of the full-text index held by removed or replaced documents."""
        dead = self.db.execute("SELECT count(*) FROM search_dead").fetchone()[0]
        live = self.db.execute("SELECT count(*) FROM search_docs").fetchone()[0]
        return float(dead) / (dead + live) if dead + live else 0.0

    def indexed(self, sha256s: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(sha256s))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self.db.execute(
                f"SELECT sha256 FROM search_docs WHERE version = ? AND sha256 IN "
                f"({','.join('?' * len(chunk))})", (analysis.ANALYSIS_VERSION, *chunk))
            found.update(str(row[0]) for row in rows)
        return found

    # Translating the query tree ---------------------------------------------------------
    def _columns(self, name: str | None) -> str:
        if name is None:
            return TEXT_COLUMNS
        try:
            return COLUMNS[name]
        except KeyError:
            raise SearchError(f"{name!r} is not a text field") from None

    def _fuzzy_terms(self, token: str, distance: int) -> list[str]:
        distance = max(0, min(distance, 2))
        upper = token[0] + "\U0010ffff"
        rows = self.db.execute(
            "SELECT term, doc FROM search_vocab WHERE term >= ? AND term < ? LIMIT ?",
            (token[0], upper, MAX_FUZZY_SCAN))
        found: list[tuple[int, int, str]] = []
        for term, docs in rows:
            if abs(len(term) - len(token)) <= distance:
                edits = _edit_distance(token, term, distance)
                if edits <= distance:
                    found.append((edits, -int(docs), str(term)))
        found.sort()
        return [term for _, _, term in found[:MAX_FUZZY_TERMS]] or [token]

    def _leaf(self, leaf: Term | Phrase, stemming: bool) -> str | None:
        cols = self._columns(leaf.field)
        if isinstance(leaf, Term):
            segments = query_segments(leaf.text, 0)
            slop = 0
        else:
            segments = query_segments(leaf.text, leaf.slop)
            slop = leaf.slop
        if not segments:
            return None
        self._budget -= sum(len(s) for s in segments)
        if self._budget < 0:
            raise SearchError("the query is too long")
        if isinstance(leaf, Term) and leaf.fuzzy and len(segments[0]) == 1 and not (
                analysis.is_han(segments[0][0])):
            terms = self._fuzzy_terms(segments[0][0], leaf.fuzzy)
            return f"{{{cols}}} : (" + " OR ".join(_quote(t) for t in terms) + ")"
        if len(segments) == 1:
            tokens = segments[0]
            prefix = (isinstance(leaf, Term) and leaf.prefix) or _open_end(tokens)
            exact = f"{{{cols}}} : {_phrase(tokens, prefix)}"
        else:
            phrases = " ".join(_phrase(s, _open_end(s)) for s in segments)
            return f"{{{cols}}} : NEAR({phrases}, {int(slop)})"
        if leaf.field is not None:
            return exact
        if all(analysis.is_han(t) for t in tokens) and not prefix:
            found = analysis.query_words(leaf.text)
            if found:
                return f"({exact}) AND (({{words}} : {_phrase(found, False)}) OR ({exact}))"
        if stemming and isinstance(leaf, Term) and len(tokens) == 1 and not prefix:
            stemmed = analysis.stem(tokens[0])
            return f"({exact}) OR ({{{cols} stems}} : {_quote(stemmed)})"
        return exact

    def _filter(self, node: Filter) -> Pred:
        # A lone surrogate cannot be bound as UTF-8; it cannot match a stored value either.
        value = node.value.strip().encode("utf-8", "replace").decode("utf-8")
        if node.field in ("type", "lang", "ext"):
            value = value.casefold().lstrip(".") if node.field == "ext" else value.casefold()
            return ("d.id IN (SELECT id FROM search_values WHERE field = ? AND value = ?)",
                    (node.field, value))
        if node.field in ("tag", "entity"):
            return ("d.id IN (SELECT id FROM search_values WHERE field = ? "
                    "AND value = ? COLLATE NOCASE)", (node.field, value))
        if node.field == "path":
            return ("d.id IN (SELECT id FROM search_values WHERE field = 'path' "
                    "AND value >= ? AND value < ?)", (value, value + "\U0010ffff"))
        if node.field == "sha256":
            value = value.casefold()
            return ("(d.sha256 >= ? AND d.sha256 < ?)", (value, value + "\U0010ffff"))
        raise SearchError(f"{node.field!r} is not a filter")

    def _translate(self, node: Node, stemming: bool) -> _Part:
        self._leaves -= 1
        if self._leaves < 0:
            raise SearchError("the query has too many parts")
        if isinstance(node, Term | Phrase):
            expr = self._leaf(node, stemming)
            return _Part(fts=expr) if expr is not None else _Part(where=[_NOTHING])
        if isinstance(node, Filter):
            return _Part(where=[self._filter(node)])
        if isinstance(node, DateRange):
            where: list[Pred] = []
            if node.start is not None:
                where.append(("d.date >= ?", (_iso(node.start),)))
            if node.end is not None:
                where.append(("d.date <= ?", (_iso(node.end),)))
            return _Part(where=where)
        if isinstance(node, MatchAll):
            return _Part()
        if isinstance(node, Not):
            inner = self._translate(node.item, stemming)
            if inner.everything:
                return _Part(where=[_NOTHING])
            sql, params = inner.predicate()
            return _Part(where=[(f"NOT {sql}", params)])
        if isinstance(node, And):
            return self._and(node, stemming)
        if isinstance(node, Or):
            return self._or(node, stemming)
        raise SearchError(f"unknown query node {type(node).__name__}")

    def _and(self, node: And, stemming: bool) -> _Part:
        positive: list[str] = []
        negative: list[str] = []  # pure text parts, excluded inside FTS5 when possible
        where: list[Pred] = []
        for item in node.items:
            if isinstance(item, Not):
                inner = self._translate(item.item, stemming)
                if inner.everything:
                    where.append(_NOTHING)
                elif inner.fts is not None and not inner.where:
                    negative.append(inner.fts)
                else:
                    sql, params = inner.predicate()
                    where.append((f"NOT {sql}", params))
                continue
            part = self._translate(item, stemming)
            if part.fts is not None:
                positive.append(part.fts)
            where.extend(part.where)
        if not positive:  # FTS5's NOT needs a left side
            for text in negative:
                sql, params = _Part(fts=text).predicate()
                where.append((f"NOT {sql}", params))
            return _Part(where=where)
        expr = " AND ".join(f"({p})" for p in positive)
        if negative:
            expr = f"({expr}) NOT (" + " OR ".join(f"({n})" for n in negative) + ")"
        return _Part(fts=expr, where=where)

    def _or(self, node: Or, stemming: bool) -> _Part:
        parts = [self._translate(item, stemming) for item in node.items]
        if any(p.everything for p in parts):
            return _Part()
        parts = [p for p in parts if p.where != [_NOTHING]]
        if not parts:
            return _Part(where=[_NOTHING])
        if all(p.fts is not None and not p.where for p in parts):
            return _Part(fts=" OR ".join(f"({p.fts})" for p in parts))
        predicates = [p.predicate() for p in parts]
        return _Part(where=[("(" + " OR ".join(sql for sql, _ in predicates) + ")",
                             tuple(v for _, params in predicates for v in params))])

    def _plan(self, node: Node, stemming: bool) -> _Part:
        self._leaves = MAX_LEAVES * 4
        self._budget = MAX_TOKENS
        return self._translate(node, stemming)

    # Searching ---------------------------------------------------------------------------
    def _matches(self, part: _Part, collection_id: int, within: str | None,
                 ranked: bool) -> Pred:
        """SQL selecting id, sha256, date, year and score of every matching document."""
        clauses = ["EXISTS (SELECT 1 FROM collection_documents c "
                   "WHERE c.collection_id = ? AND c.sha256 = d.sha256)"]
        params: list[object] = [collection_id]
        if within is not None:
            clauses.append(
                "d.sha256 IN (WITH RECURSIVE inside(sha, level) AS ("
                "SELECT sha256, 1 FROM members WHERE parent = ? AND sha256 IS NOT NULL "
                "UNION SELECT m.sha256, inside.level + 1 FROM members m JOIN inside "
                "ON m.parent = inside.sha WHERE m.sha256 IS NOT NULL AND inside.level < ?) "
                "SELECT sha FROM inside)")
            params.extend((within, MAX_DEPTH))
        for sql, values in part.where:
            clauses.append(sql)
            params.extend(values)
        if part.fts is not None:
            score = "-search_fts.rank" if ranked else "0.0"
            head = (f"SELECT d.id AS id, d.sha256 AS sha256, d.date AS date, d.year AS year, "
                    f"{score} AS score FROM search_fts CROSS JOIN search_docs d "
                    "ON d.id = search_fts.rowid WHERE search_fts MATCH ? AND ")
            params.insert(0, part.fts)
        else:
            head = ("SELECT d.id AS id, d.sha256 AS sha256, d.date AS date, d.year AS year, "
                    "0.0 AS score FROM search_docs d WHERE ")
        return head + " AND ".join(clauses), tuple(params)

    def search(self, node: Node, *, collection_id: int, within: str | None = None,
               sort: Sort = "relevance", limit: int = 20, offset: int = 0,
               facets: Sequence[str] = (), stemming: bool = False,
               facet_size: int = 20, spans: bool = True) -> SearchResult:
        unknown = [f for f in facets if f not in FACETS]
        if unknown:
            raise SearchError(f"no facet {unknown[0]!r}; facets are {', '.join(sorted(FACETS))}")
        if sort not in ("relevance", "date", "-date"):
            raise SearchError(f"cannot sort by {sort!r}")
        limit, offset = max(0, min(int(limit), 10_000)), max(0, int(offset))
        part = self._plan(node, stemming)
        if _NOTHING in part.where:
            return SearchResult(0, (), {f: () for f in facets})
        sql, params = self._matches(part, collection_id, within, sort == "relevance")
        # Counting and facets never need scores: BM25 for every match is the dearest part.
        plain_sql, plain_params = self._matches(part, collection_id, within, False)
        order = {"relevance": "score DESC, id", "date": "date IS NULL, date, id",
                 "-date": "date IS NULL, date DESC, id"}[sort]
        try:
            rows = self.db.execute(f"{sql} ORDER BY {order} LIMIT ? OFFSET ?",
                                   (*params, limit, offset)).fetchall()
            counted = {}
            if facets:
                counted = self._facets(plain_sql, plain_params, facets)
                total = counted.pop("", {"": 0})[""]
            elif offset == 0 and len(rows) < limit:
                total = len(rows)
            else:
                total = self.db.execute(f"SELECT count(*) FROM ({plain_sql})",
                                        plain_params).fetchone()[0]
            hits = tuple(Hit(sha, float(score), day, self._spans(node, sha) if spans else ())
                         for _, sha, day, _, score in rows)
        except sqlite3.Error as exc:
            raise SearchError(f"the search failed: {exc}") from exc
        return SearchResult(total, hits, {
            name: tuple(Facet(value, n) for value, n in sorted(
                counted.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:facet_size])
            for name in facets})

    def _facets(self, sql: str, params: tuple[object, ...],
                names: Sequence[str]) -> dict[str, dict[str, int]]:
        valued = [n for n in names if n != "year"]
        parts = ["SELECT '', '', count(*) FROM m"]
        values: list[object] = []
        if "year" in names:
            parts.append("SELECT 'year', CAST(year AS TEXT), count(*) FROM m "
                         "WHERE year IS NOT NULL GROUP BY year")
        if valued:
            parts.append("SELECT v.field, v.value, count(*) FROM m JOIN search_values v "
                         f"ON v.id = m.id WHERE v.field IN ({','.join('?' * len(valued))}) "
                         "GROUP BY v.field, v.value")
            values.extend(valued)
        counted: dict[str, dict[str, int]] = {}
        rows = self.db.execute(f"WITH m AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts),
                               (*params, *values))
        for name, value, n in rows:
            counted.setdefault(str(name), {})[str(value)] = int(n)
        return counted

    def _spans(self, node: Node, sha256: str) -> tuple[tuple[int, int], ...]:
        try:
            row = self.db.execute("SELECT substr(text, 1, ?) FROM texts WHERE sha256 = ?",
                                  (MAX_SPAN_CHARS, sha256)).fetchone()
        except sqlite3.OperationalError:  # an index used without the metadata store
            return ()
        return match_spans(node, row[0]) if row else ()

    def count(self, node: Node, *, collection_id: int, within: str | None = None,
              stemming: bool = False) -> int:
        part = self._plan(node, stemming)
        if _NOTHING in part.where:
            return 0
        sql, params = self._matches(part, collection_id, within, False)
        try:
            return int(self.db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
        except sqlite3.Error as exc:
            raise SearchError(f"the search failed: {exc}") from exc


def _iso(day: date) -> str:
    return day.isoformat()


def _filter_values(doc: IndexDoc) -> Iterator[tuple[str, str]]:
    for name, value in (("type", doc.type), ("lang", doc.lang), ("ext", doc.ext)):
        if value:
            yield name, value.strip().casefold().lstrip(".") if name == "ext" else (
                value.strip().casefold())
    for name, values in (("from", doc.senders), ("tag", doc.tags), ("path", doc.paths),
                         ("entity", doc.entities)):
        for value in values:
            if value:
                yield name, value
